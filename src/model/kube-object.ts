import { InternalError } from "../errors/index.js";
import type { JsonObject, JsonValue } from "../util/index.js";

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion?: string;
  readonly time?: string;
  readonly subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

/**
 * Any Kubernetes object. Fields other than apiVersion/kind/metadata are plain JSON.
 * Objects are data: functions return new objects rather than mutating these.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: JsonValue | ObjectMeta | undefined;
}

/** Identifies one object. `namespace` is absent for cluster-scoped kinds. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export function refOf(object: KubeObject): ObjectRef {
  const { name, namespace } = object.metadata;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: name ?? "",
    ...(namespace === undefined ? {} : { namespace }),
  };
}

/** `group` of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** `Kind/namespace/name` for messages. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name}`;
}

/** Reads a nested field of an object as JSON (`spec.replicas` → `["spec","replicas"]`). */
export function fieldOf(object: KubeObject | JsonObject, ...path: readonly string[]): JsonValue | undefined {
  let current: unknown = object;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current as JsonValue | undefined;
}

/**
 * Whether a value has a Kubernetes object's envelope: `apiVersion` and `kind` strings and a
 * `metadata` mapping. The check that lets JSON (a patch result, a stored manifest) be used as a
 * {@link KubeObject} without a cast.
 */
export function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  const metadata = record.metadata;
  return (
    typeof record.apiVersion === "string" &&
    typeof record.kind === "string" &&
    typeof metadata === "object" &&
    metadata !== null &&
    !Array.isArray(metadata)
  );
}

/**
 * A value that is a Kubernetes object by construction (a copy of one with fields set, a patch of
 * one) as a {@link KubeObject}; a value without the envelope is an `InternalError` naming `what`.
 */
export function kubeObjectOf(value: unknown, what: string): KubeObject {
  if (!isKubeObject(value)) throw new InternalError(`${what} is not a Kubernetes object`);
  return value;
}
