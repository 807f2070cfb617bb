import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import type { JsonObject, JsonValue } from "../util/index.js";

/** Options of {@link Cluster.list}. Selectors use Kubernetes syntax (`a=b,c!=d,e in (x,y),!f`). */
export interface ListOptions {
  /** Only objects in this namespace; absent = all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** `metadata.name=x`, `metadata.namespace=y` (the field selectors every kind supports). */
  readonly fieldSelector?: string;
}

export interface ApplyOptions {
  /** @default "vela-ts" */
  readonly fieldManager?: string;
  /** Take over fields owned by another manager instead of failing with a conflict. @default false */
  readonly force?: boolean;
}

export interface DeleteOptions {
  /** @default "Background" (dependents found by ownerReferences are deleted too) */
  readonly propagationPolicy?: "Background" | "Foreground" | "Orphan";
}

/** A patch body: RFC 7386 merge patch or RFC 6902 operations. */
export type PatchBody =
  | { readonly type: "merge"; readonly patch: JsonObject }
  | { readonly type: "json"; readonly patch: readonly JsonObject[] };

/** One entry of the change feed. */
export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly object: KubeObject;
}

export interface WatchOptions extends ListOptions {
  /** Resume after this resourceVersion; absent = start with the current objects as ADDED. */
  readonly resourceVersion?: string;
  readonly signal?: AbortSignal;
}

/**
 * What vela-ts needs of a cluster (STYLE §9). Implemented by the sandbox (a store on disk with
 * simulated controllers) and by `@kubernetes/client-node` for real clusters.
 *
 * Errors: every method throws only `VelaError` subclasses; a failed resourceVersion precondition
 * or a field-ownership conflict is a `ConflictError`, a missing object on update/patch a `NotFoundError`.
 */
export interface Cluster {
  /** `"sandbox"` or `"kube"`, for messages and for features only the sandbox has. */
  readonly kind: "sandbox" | "kube";

  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]>;

  /** Server-side apply: creates or merges the given fields as `fieldManager`. Returns the live object. */
  apply(object: KubeObject, options?: ApplyOptions): Promise<KubeObject>;
  /** Creates; fails with a ConflictError if it exists. Honours `metadata.generateName`. */
  create(object: KubeObject): Promise<KubeObject>;
  /** Replaces the object; `metadata.resourceVersion`, when set, is a precondition (409 on mismatch). */
  update(object: KubeObject): Promise<KubeObject>;
  /** Replaces only `.status` (status subresource); same precondition rule as update. */
  updateStatus(object: KubeObject): Promise<KubeObject>;
  patch(ref: ObjectRef, body: PatchBody): Promise<KubeObject>;
  patchStatus(ref: ObjectRef, body: PatchBody): Promise<KubeObject>;
  /** Deletes; returns false when it did not exist. Dependents go by ownerReference per the policy. */
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<boolean>;

  /** Changes after `resourceVersion` (or the current state first). Ends when the signal aborts. */
  watch(apiVersion: string, kind: string, options?: WatchOptions): AsyncIterable<WatchEvent>;
}

/** Reads a label map from an object, never undefined. */
export function labelsOf(object: KubeObject): Readonly<Record<string, string>> {
  return object.metadata.labels ?? {};
}

export type { KubeObject, ObjectRef, JsonValue };
