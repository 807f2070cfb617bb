import type { KubeObject } from "../../../../model/kube-object.js";
import type { JsonObject } from "../../../../util/index.js";
import type { ControllerChange } from "../../controller-contract.js";
import { objectAt, stringAt } from "./fields.js";
import { controllerReference } from "./owners.js";
import { podTemplateHash } from "./pods.js";

/**
 * The `controller-revision-hash` of a StatefulSet or CloneSet template: `<name>-<hash>`, as the
 * ControllerRevision names `history.ControllerRevisionName` builds.
 */
export function controllerRevision(workload: KubeObject): string {
  return `${workload.metadata.name ?? ""}-${podTemplateHash(objectAt(workload, ["spec", "template"]))}`;
}

/** A ControllerRevision (`apps/v1`) holding the workload's current template, owned by it. */
export function controllerRevisionObject(workload: KubeObject, revision: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: controllerRevision(workload),
      ...(workload.metadata.namespace === undefined ? {} : { namespace: workload.metadata.namespace }),
      labels: {
        ...(objectAt(workload, ["spec", "selector", "matchLabels"]) as Record<string, string> | undefined),
        "controller-revision-hash": controllerRevision(workload),
      },
      ownerReferences: [controllerReference(workload)],
    },
    data: { spec: { template: structuredClone(objectAt(workload, ["spec", "template"]) ?? {}) } },
    revision,
  };
}

/** The pod template recorded for `revision` (the workload's own template for its current revision). */
export function templateForRevision(
  workload: KubeObject,
  revisions: readonly KubeObject[],
  revision: string,
): JsonObject | undefined {
  if (revision === controllerRevision(workload)) return objectAt(workload, ["spec", "template"]);
  const found = revisions.find((item) => item.metadata.name === revision);
  return found === undefined ? objectAt(workload, ["spec", "template"]) : objectAt(found, ["data", "spec", "template"]);
}

/** The update and current revisions of a StatefulSet or CloneSet. */
export interface WorkloadRevisions {
  /** The revision of the workload's template now (`status.updateRevision`). */
  readonly updateRevision: string;
  /** The revision all pods were at before (`status.currentRevision`; the update revision at first). */
  readonly currentRevision: string;
  /** The ControllerRevision to create when the template's revision has none yet. */
  readonly create?: ControllerChange;
}

/** The revisions of `workload` given the ControllerRevisions it owns (`revisions`). */
export function workloadRevisions(workload: KubeObject, revisions: readonly KubeObject[]): WorkloadRevisions {
  const updateRevision = controllerRevision(workload);
  const currentRevision = stringAt(workload, ["status", "currentRevision"]) ?? updateRevision;
  const recorded = revisions.some((item) => item.metadata.name === updateRevision);
  return {
    updateRevision,
    currentRevision,
    ...(recorded ? {} : { create: { op: "create", object: controllerRevisionObject(workload, revisions.length + 1) } }),
  };
}
