/**
 * `canaryMetadata` / `stableMetadata` (`rollout/ephemeralmetadata.go`
 * `reconcileEphemeralMetadata`, `syncEphemeralMetadata`): labels and annotations that belong to a
 * role, not to the template. They are written into the ReplicaSet's pod template and onto its
 * running pods in place (no restart); when the canary is promoted its pods swap the canary
 * metadata for the stable one. What was applied is kept in the ReplicaSet annotation
 * `rollout.argoproj.io/ephemeral-metadata`, so keys dropped from the spec are removed again.
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import type { JsonObject } from "../../../../util/index.js";
import type { ControllerChange } from "../../controller-contract.js";
import { stringMapAt } from "../common/fields.js";
import { isControlledBy } from "../common/owners.js";
import { EPHEMERAL_METADATA_ANNOTATION, type PodMetadata } from "./api.js";

const EMPTY: PodMetadata = { labels: {}, annotations: {} };

function appliedMetadata(rs: KubeObject): PodMetadata {
  const text = rs.metadata.annotations?.[EPHEMERAL_METADATA_ANNOTATION];
  if (text === undefined) return EMPTY;
  try {
    const parsed = JSON.parse(text) as JsonObject;
    return { labels: stringMapAt(parsed, ["labels"]), annotations: stringMapAt(parsed, ["annotations"]) };
  } catch {
    return EMPTY;
  }
}

function diff(
  previous: Readonly<Record<string, string>>,
  desired: Readonly<Record<string, string>>,
): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const key of Object.keys(previous)) if (!(key in desired)) patch[key] = null;
  for (const [key, value] of Object.entries(desired)) if (previous[key] !== value) patch[key] = value;
  return patch;
}

function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  };
}

/** The writes that give a ReplicaSet's template and pods the `desired` role metadata. */
export function syncEphemeralMetadata(
  rs: KubeObject,
  desired: PodMetadata | undefined,
  pods: readonly KubeObject[],
): ControllerChange[] {
  const previous = appliedMetadata(rs);
  const wanted = desired ?? EMPTY;
  const labels = diff(previous.labels, wanted.labels);
  const annotations = diff(previous.annotations, wanted.annotations);
  if (Object.keys(labels).length === 0 && Object.keys(annotations).length === 0) return [];
  const meta = { labels, annotations };
  const record =
    Object.keys(wanted.labels).length === 0 && Object.keys(wanted.annotations).length === 0
      ? null
      : JSON.stringify({ labels: wanted.labels, annotations: wanted.annotations });
  const changes: ControllerChange[] = [
    {
      op: "patch",
      ref: refOf(rs),
      body: {
        type: "merge",
        patch: {
          metadata: { annotations: { [EPHEMERAL_METADATA_ANNOTATION]: record } },
          spec: { template: { metadata: meta } },
        },
      },
    },
  ];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp !== undefined || !isControlledBy(pod, rs)) continue;
    changes.push({ op: "patch", ref: refOf(pod), body: { type: "merge", patch: { metadata: meta } } });
  }
  return changes;
}
