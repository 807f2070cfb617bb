import type { KubeObject } from "../../../model/kube-object.js";
import { groupOf } from "../../../model/kube-object.js";

/** `group/Kind`: objects of every served version of a kind share one store, as in the API server. */
export function groupKindOf(apiVersion: string, kind: string): string {
  return `${groupOf(apiVersion)}/${kind}`;
}

/** The store key of an object: `group/Kind/namespace/name` (namespace empty for cluster-scoped). */
export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${groupKindOf(apiVersion, kind)}/${namespace ?? ""}/${name}`;
}

export function keyOf(object: KubeObject): string {
  return objectKey(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name ?? "");
}
