/**
 * The workloads of component revisions. With a `manageWorkload` trait the app records each rendered
 * workload as an `apps/v1` ControllerRevision named after the component revision (`reviews-v2`,
 * its `data` the Deployment); the rollout controller turns the target revision's record into a
 * Deployment of the same name, as KubeVela v1.1 did (`pkg/controller/common/rollout/workloads`:
 * one Deployment per component revision, source and target side by side).
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import { displayText, isJsonObject, toJsonObject, type JsonObject } from "../../../../util/index.js";
import { numberAt, objectAt, stringMapAt } from "../common/fields.js";
import { controllerReference } from "../common/owners.js";

/** KubeVela's component-revision label (`oam.LabelAppComponentRevision`). */
export const COMPONENT_REVISION_LABEL = "app.oam.dev/revision";
/** KubeVela's component label (`oam.LabelAppComponent`). */
export const COMPONENT_LABEL = "app.oam.dev/component";

/** Where a component revision's workload lives: a Deployment named after the revision. */
export function revisionWorkloadRef(namespace: string | undefined, revision: string): ObjectRef {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: revision,
    ...(namespace === undefined ? {} : { namespace }),
  };
}

/** Where a component revision is recorded: the ControllerRevision of the same name. */
export function componentRevisionRef(namespace: string | undefined, revision: string): ObjectRef {
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    name: revision,
    ...(namespace === undefined ? {} : { namespace }),
  };
}

/** The workload a ControllerRevision records, or a reason it cannot be rolled. */
export type RecordedWorkload =
  { readonly ok: true; readonly workload: JsonObject } | { readonly ok: false; readonly reason: string };

/** Reads the rendered workload out of a component revision (`data`); only Deployments are rolled. */
export function recordedWorkload(revision: KubeObject): RecordedWorkload {
  const data = toJsonObject(revision).data;
  if (!isJsonObject(data))
    return { ok: false, reason: `ControllerRevision ${revision.metadata.name ?? ""} holds no workload in data` };
  if (data.apiVersion !== "apps/v1" || data.kind !== "Deployment") {
    return {
      ok: false,
      reason:
        `the workload of ${revision.metadata.name ?? ""} is ${displayText(data.apiVersion)} ${displayText(data.kind)}; ` +
        "the batch rollout controller rolls apps/v1 Deployments",
    };
  }
  return { ok: true, workload: data };
}

/**
 * The Deployment of component revision `revision` at `replicas`: the recorded workload renamed to
 * the revision, labelled `app.oam.dev/revision` and `app.oam.dev/component` (object, selector and
 * pod template, so each revision's pods are told apart by Istio subsets and the two Deployments
 * never select each other's pods), controlled by the Rollout.
 */
export function buildRevisionWorkload(
  workload: JsonObject,
  rollout: KubeObject,
  revision: string,
  component: string,
  replicas: number,
): KubeObject {
  const revisionLabels = {
    [COMPONENT_REVISION_LABEL]: revision,
    ...(component === "" ? {} : { [COMPONENT_LABEL]: component }),
  };
  const spec = structuredClone(objectAt(workload, ["spec"]) ?? {});
  const template = structuredClone(objectAt(spec, ["template"]) ?? {});
  const templateMetadata = objectAt(template, ["metadata"]) ?? {};
  template.metadata = {
    ...templateMetadata,
    labels: { ...stringMapAt(templateMetadata, ["labels"]), ...revisionLabels },
  };
  const selector = objectAt(spec, ["selector"]) ?? {};
  spec.selector = { ...selector, matchLabels: { ...stringMapAt(selector, ["matchLabels"]), ...revisionLabels } };
  spec.template = template;
  spec.replicas = replicas;
  const annotations = stringMapAt(workload, ["metadata", "annotations"]);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: revision,
      ...(rollout.metadata.namespace === undefined ? {} : { namespace: rollout.metadata.namespace }),
      labels: { ...stringMapAt(workload, ["metadata", "labels"]), ...revisionLabels },
      ...(Object.keys(annotations).length === 0 ? {} : { annotations: { ...annotations } }),
      ownerReferences: [controllerReference(rollout)],
    },
    spec,
  };
}

/** Replica facts of a revision's Deployment as the rollout reads them. */
export interface WorkloadReplicas {
  /** `spec.replicas` (default 1). */
  readonly desired: number;
  /** Available pods, counted only once the Deployment controller has seen the current spec. */
  readonly available: number;
  /** Pods that exist at all (`status.replicas`). */
  readonly current: number;
}

/** Reads a Deployment's replica counts; a status older than the spec counts as nothing available. */
export function workloadReplicas(deployment: KubeObject): WorkloadReplicas {
  const desired = Math.max(0, numberAt(deployment, ["spec", "replicas"]) ?? 1);
  const observed = numberAt(deployment, ["status", "observedGeneration"]) ?? 0;
  const fresh = observed >= (deployment.metadata.generation ?? 1);
  return {
    desired,
    available: fresh ? (numberAt(deployment, ["status", "availableReplicas"]) ?? 0) : 0,
    current: numberAt(deployment, ["status", "replicas"]) ?? 0,
  };
}
