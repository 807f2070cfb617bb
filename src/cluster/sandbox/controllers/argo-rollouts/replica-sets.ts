/**
 * The ReplicaSets an Argo Rollout manages (`rollout/replicaset.go`, `rollout/sync.go`
 * `getNewReplicaSet`; `utils/replicaset/replicaset.go`): one per pod template, named
 * `<rollout>-<hash>` where the hash is `controller.ComputeHash(template, collisionCount)` — the
 * Deployment controller's pod-template-hash — and carried as the `rollouts-pod-template-hash`
 * label on the ReplicaSet, its selector and its pods. A name already taken by another owner's
 * ReplicaSet (a Deployment with the same template, as under `workloadRef`) bumps
 * `status.collisionCount`, which changes the hash.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { formatTimestamp, type JsonObject } from "../../../../util/index.js";
import type { ControllerChange } from "../../controller-contract.js";
import { numberAt, objectAt, stringMapAt } from "../common/fields.js";
import { safeEncodedHash } from "../common/names.js";
import { controllerReference } from "../common/owners.js";
import { POD_READY_DELAY_ANNOTATION, podTemplateHash } from "../common/pods.js";
import {
  DESIRED_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  ROLLOUT_HASH_LABEL,
  SCALE_DOWN_DEADLINE_ANNOTATION,
  type PodMetadata,
} from "./api.js";

/** The Rollout's pod-template hash for `template` (its own hash label ignored). */
export function rolloutPodHash(template: JsonObject | undefined, collisionCount: number): string {
  const labels = objectAt(template, ["metadata", "labels"]);
  let hashed: JsonObject | undefined = template;
  if (template !== undefined && labels !== undefined && ROLLOUT_HASH_LABEL in labels) {
    hashed = structuredClone(template);
    delete (objectAt(hashed, ["metadata", "labels"]) ?? {})[ROLLOUT_HASH_LABEL];
  }
  return collisionCount > 0 ? safeEncodedHash({ template: hashed ?? {}, collisionCount }) : podTemplateHash(hashed);
}

/** The hash label of a ReplicaSet. */
export function hashOf(rs: KubeObject | undefined): string | undefined {
  return rs?.metadata.labels?.[ROLLOUT_HASH_LABEL];
}

/** `spec.replicas` of a ReplicaSet. */
export function specReplicas(rs: KubeObject | undefined): number {
  return rs === undefined ? 0 : (numberAt(rs, ["spec", "replicas"]) ?? 0);
}

/** A status counter of a ReplicaSet (0 when absent). */
export function statusCount(rs: KubeObject | undefined, field: string): number {
  return rs === undefined ? 0 : (numberAt(rs, ["status", field]) ?? 0);
}

/** Whether a ReplicaSet's pods are all there and available (`IsReplicaSetAvailable`). */
export function isFullyAvailable(rs: KubeObject | undefined): boolean {
  return (
    rs !== undefined &&
    statusCount(rs, "availableReplicas") === specReplicas(rs) &&
    statusCount(rs, "replicas") === specReplicas(rs)
  );
}

/** The revision number of a ReplicaSet (0 when absent). */
export function revisionOf(rs: KubeObject | undefined): number {
  return Number(rs?.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
}

/** A template with extra labels and annotations merged into its metadata. */
export function withPodMetadata(template: JsonObject, hash: string, metadata: PodMetadata | undefined): JsonObject {
  const copy = structuredClone(template);
  const meta = (copy.metadata ??= {}) as JsonObject;
  meta.labels = {
    ...stringMapAt(copy, ["metadata", "labels"]),
    ...(metadata?.labels ?? {}),
    [ROLLOUT_HASH_LABEL]: hash,
  };
  const annotations = { ...stringMapAt(copy, ["metadata", "annotations"]), ...(metadata?.annotations ?? {}) };
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  return copy;
}

/** What a new ReplicaSet is built from. */
export interface NewReplicaSetInput {
  readonly rollout: KubeObject;
  readonly template: JsonObject;
  readonly selector: JsonObject;
  readonly hash: string;
  readonly replicas: number;
  readonly revision: number;
  readonly desiredReplicas: number;
  readonly metadata: PodMetadata | undefined;
}

/** The ReplicaSet `<rollout>-<hash>`, owned by the Rollout. */
export function buildReplicaSet(input: NewReplicaSetInput): KubeObject {
  const template = withPodMetadata(input.template, input.hash, input.metadata);
  const selector = structuredClone(input.selector);
  selector.matchLabels = { ...stringMapAt(selector, ["matchLabels"]), [ROLLOUT_HASH_LABEL]: input.hash };
  const delay = input.rollout.metadata.annotations?.[POD_READY_DELAY_ANNOTATION];
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${input.rollout.metadata.name ?? ""}-${input.hash}`,
      ...(input.rollout.metadata.namespace === undefined ? {} : { namespace: input.rollout.metadata.namespace }),
      labels: { ...stringMapAt(template, ["metadata", "labels"]) },
      annotations: {
        [REVISION_ANNOTATION]: String(input.revision),
        [DESIRED_REPLICAS_ANNOTATION]: String(input.desiredReplicas),
        ...(delay === undefined ? {} : { [POD_READY_DELAY_ANNOTATION]: delay }),
      },
      ownerReferences: [controllerReference(input.rollout)],
    },
    spec: { replicas: input.replicas, selector, template },
  };
}

function refOf(rs: KubeObject): { apiVersion: string; kind: string; name: string; namespace?: string } {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name: rs.metadata.name ?? "",
    ...(rs.metadata.namespace === undefined ? {} : { namespace: rs.metadata.namespace }),
  };
}

/** Scales a ReplicaSet (and records the Rollout's replicas it was scaled for). */
export function scaleReplicaSet(rs: KubeObject, replicas: number, desiredReplicas: number): ControllerChange {
  return {
    op: "patch",
    ref: refOf(rs),
    body: {
      type: "merge",
      patch: {
        metadata: { annotations: { [DESIRED_REPLICAS_ANNOTATION]: String(desiredReplicas) } },
        spec: { replicas },
      },
    },
  };
}

/** Sets or clears a ReplicaSet's scale-down deadline. */
export function setScaleDownDeadline(rs: KubeObject, deadline: Date | undefined): ControllerChange {
  return {
    op: "patch",
    ref: refOf(rs),
    body: {
      type: "merge",
      patch: {
        metadata: {
          annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: deadline === undefined ? null : formatTimestamp(deadline) },
        },
      },
    },
  };
}

/** The scale-down deadline of a ReplicaSet, when it has one. */
export function scaleDownDeadline(rs: KubeObject): Date | undefined {
  const text = rs.metadata.annotations?.[SCALE_DOWN_DEADLINE_ANNOTATION];
  if (text === undefined || text === "") return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
