import type { KubeObject, ObjectRef } from "../../model/kube-object.js";
import type { ApplyOptions, DeleteOptions, ListOptions, PatchBody } from "../cluster.js";
import type { ControllerView } from "./controller-contract.js";

/**
 * The sandbox's object layer: API-server semantics (uid, resourceVersion, generation,
 * creationTimestamp, managedFields, server-side apply, resourceVersion preconditions, status
 * subresource, generateName, ownerReference cascade, admission webhooks) over an in-memory index.
 * Synchronous: a command loads the store under the sandbox lock and every write is made durable
 * before the call returns. The same methods as `Cluster`, minus the promises.
 */
export interface ObjectStore extends ControllerView {
  create(object: KubeObject): KubeObject;
  update(object: KubeObject): KubeObject;
  updateStatus(object: KubeObject): KubeObject;
  apply(object: KubeObject, options?: ApplyOptions): KubeObject;
  patch(ref: ObjectRef, body: PatchBody): KubeObject;
  patchStatus(ref: ObjectRef, body: PatchBody): KubeObject;
  delete(ref: ObjectRef, options?: DeleteOptions): boolean;
  list(apiVersion: string, kind: string, options?: ListOptions): readonly KubeObject[];
  /** Number of successful writes since the store was opened (bench: "API writes until …"). */
  readonly writeCount: number;
  /** The current (highest) resourceVersion, for watches. */
  readonly resourceVersion: string;
}
