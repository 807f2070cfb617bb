import type { KubeObject, ObjectRef } from "../../model/kube-object.js";
import type { ApplyOptions, DeleteOptions, ListOptions, PatchBody } from "../cluster.js";
import type { ControllerView } from "./controller-contract.js";

/** Options of the non-apply writes: who makes them (recorded in `managedFields`). */
export interface WriteOptions {
  /** @default "vela-ts" */
  readonly fieldManager?: string;
}

/** One object changed by a write, in the order the write changed them. */
export interface StoredChange {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  /** The stored object (for DELETED: the last state, with the deletion's resourceVersion). */
  readonly object: KubeObject;
}

/** What a write listener learns besides the changes: the state each changed object had before, and whether the write emptied the store first. */
export interface WriteContext {
  /** `previous[i]` is the stored state of `changes[i]`'s object before the write (undefined when it was created). */
  readonly previous: readonly (KubeObject | undefined)[];
  /** The write emptied the store before its changes (`sandbox reset`). */
  readonly reset: boolean;
}

/**
 * The sandbox's object layer: API-server semantics (uid, resourceVersion, generation,
 * creationTimestamp, managedFields, server-side apply, resourceVersion preconditions, status
 * subresource, generateName, ownerReference cascade, admission webhooks) over an in-memory index.
 * Synchronous: a command loads the store under the sandbox lock and every write is made durable
 * before the call returns. The same methods as `Cluster`, minus the promises.
 *
 * Objects returned are the stored ones and are deeply frozen: copy (`structuredClone`) before
 * changing one.
 */
export interface ObjectStore extends ControllerView {
  create(object: KubeObject, options?: WriteOptions): KubeObject;
  update(object: KubeObject, options?: WriteOptions): KubeObject;
  updateStatus(object: KubeObject, options?: WriteOptions): KubeObject;
  apply(object: KubeObject, options?: ApplyOptions): KubeObject;
  patch(ref: ObjectRef, body: PatchBody, options?: WriteOptions): KubeObject;
  patchStatus(ref: ObjectRef, body: PatchBody, options?: WriteOptions): KubeObject;
  delete(ref: ObjectRef, options?: DeleteOptions): boolean;
  list(apiVersion: string, kind: string, options?: ListOptions): readonly KubeObject[];
  /** Runs `fn` with its writes made durable together at the end (one fsync); reads inside see every write. */
  batch<T>(fn: () => T): T;
  /** Calls `listener` after every write with the objects it changed; returns the unsubscribe function. */
  subscribe(listener: (changes: readonly StoredChange[], context: WriteContext) => void): () => void;
  /** The objects whose ownerReferences name `uid` (the owner index garbage collection uses). */
  dependentsOf(uid: string): readonly KubeObject[];
  /** The object holding an allocated value (the allocation index the Service registry uses). */
  allocatedTo(allocation: string): ObjectRef | undefined;
  /** Addons whose admissions (and controllers) are on. */
  enabledAddons: ReadonlySet<string>;
  /** Number of objects stored. */
  readonly size: number;
  /** Number of successful writes since the store was opened (bench: "API writes until …"). */
  readonly writeCount: number;
  /** The current (highest) resourceVersion, for watches. */
  readonly resourceVersion: string;
}
