/**
 * The cluster one controller reconcile pass works through: the Application's first read comes from
 * the controller's informer when it holds one at least as new as the controller's own last write
 * (controller-runtime's cached read), and the Application's status writes go to the status
 * subresource as merge patches of only what changed, or not at all when nothing did.
 */
import type { Cluster } from "../cluster/cluster.js";
import { ConflictError } from "../errors/index.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND } from "../reconciler/application-object.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import { mergePatchBetween } from "../util/merge-patch.js";

/** Options of {@link passCluster}. */
export interface PassClusterOptions {
  /** The Application of the pass as the informer holds it; its first read returns it. @default read from the cluster */
  readonly cached?: KubeObject;
}

function keyOf(apiVersion: string, kind: string, namespace: string | undefined, name: string | undefined): string {
  return `${apiVersion}/${kind}/${namespace ?? ""}/${name ?? ""}`;
}

function isApplication(ref: { readonly apiVersion: string; readonly kind: string }): boolean {
  return ref.kind === APPLICATION_KIND && ref.apiVersion === APPLICATION_API_VERSION;
}

/** True when a value holds a `null` anywhere: a merge patch would read it as "delete", so it is written whole. */
function holdsNull(value: JsonValue | undefined): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(holdsNull);
  if (isJsonObject(value)) return Object.values(value).some(holdsNull);
  return false;
}

function statusOf(object: KubeObject): JsonObject {
  return isJsonObject(object.status) ? object.status : {};
}

/**
 * Newer of two reads of one object by resourceVersion; undefined when the versions are not numbers
 * (an API server's are opaque: then nothing cached is trusted).
 */
export function newerOf(a: KubeObject | undefined, b: KubeObject | undefined): KubeObject | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const left = a.metadata.resourceVersion ?? "";
  const right = b.metadata.resourceVersion ?? "";
  if (!/^\d+$/.test(left) || !/^\d+$/.test(right)) return undefined;
  return BigInt(left) >= BigInt(right) ? a : b;
}

/**
 * Wraps `cluster` for one pass. Status writes of an Application:
 * - are based on the object the pass last read or wrote (same resourceVersion): only the changed
 *   members of `status` are sent, as a merge patch carrying that resourceVersion as precondition
 *   (so a 409 still stops the pass), and nothing is sent when the status is unchanged;
 * - otherwise (or when the new status holds a `null`) the whole status is written, as before.
 * Once such a write met a 409 (someone else — `workflow resume` from another shell — wrote status
 * meanwhile), every later status write of that app in the pass fails too: the pass ends with a
 * ConflictError and the app is reconciled again from a fresh read, instead of the pass overwriting
 * the other writer's status with one computed from what it read before.
 */
export function passCluster(cluster: Cluster, options: PassClusterOptions = {}): Cluster {
  const conflicted = new Set<string>();
  /** The Application as this pass last read or wrote it. */
  const seen = new Map<string, KubeObject>();
  let cached = options.cached;
  const note = (object: KubeObject | undefined): KubeObject | undefined => {
    if (object !== undefined && isApplication(object))
      seen.set(keyOf(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name), object);
    return object;
  };
  const refOf = (object: KubeObject): ObjectRef => ({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  });
  const writeStatus = async (object: KubeObject): Promise<KubeObject> => {
    const key = keyOf(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
    const base = seen.get(key);
    const version = object.metadata.resourceVersion;
    if (base === undefined || version === undefined || base.metadata.resourceVersion !== version)
      return cluster.updateStatus(object);
    const after = statusOf(object);
    if (holdsNull(after)) return cluster.updateStatus(object);
    const changed = mergePatchBetween(statusOf(base), after);
    if (Object.keys(changed).length === 0) return base;
    return cluster.patchStatus(refOf(object), {
      type: "merge",
      patch: { metadata: { resourceVersion: version }, status: changed },
    });
  };
  /**
   * Reads of this pass since its last write: a repeat (ownership check, then apply's before-image)
   * is answered from here. Any write clears them all, since the cluster's controllers may answer
   * one write by changing other objects.
   */
  const reads = new Map<string, Promise<KubeObject | undefined>>();
  const write = <T>(result: Promise<T>): Promise<T> => {
    reads.clear();
    return result.finally(() => reads.clear());
  };
  return {
    kind: cluster.kind,
    async get(ref) {
      if (cached !== undefined && isApplication(ref)) {
        const hit = cached;
        cached = undefined;
        if (hit.metadata.name === ref.name && (hit.metadata.namespace ?? "") === (ref.namespace ?? ""))
          return note(hit);
      }
      const key = keyOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
      const earlier = reads.get(key);
      // A copy: the first reader may change the object it was given.
      if (earlier !== undefined)
        return earlier.then((object) => (object === undefined ? undefined : structuredClone(object)));
      const read = cluster.get(ref).then(note);
      reads.set(key, read);
      read.catch(() => reads.delete(key));
      return read;
    },
    list: (apiVersion, kind, listOptions) => cluster.list(apiVersion, kind, listOptions),
    apply: (object, applyOptions) => write(cluster.apply(object, applyOptions)),
    create: (object) => write(cluster.create(object)),
    update: (object) => write(cluster.update(object).then(note)) as Promise<KubeObject>,
    patch: (ref, body) => write(cluster.patch(ref, body)),
    patchStatus: (ref, body) => write(cluster.patchStatus(ref, body)),
    delete: (ref, deleteOptions) => write(cluster.delete(ref, deleteOptions)),
    watch: (apiVersion, kind, watchOptions) => cluster.watch(apiVersion, kind, watchOptions),
    async updateStatus(object) {
      if (!isApplication(object)) return write(cluster.updateStatus(object));
      const key = keyOf(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
      if (conflicted.has(key)) {
        throw new ConflictError(`application ${object.metadata.name ?? ""} changed while it was reconciled`, {
          hint: "it is reconciled again from a fresh read",
        });
      }
      try {
        return note(await write(writeStatus(object))) as KubeObject;
      } catch (error) {
        if (error instanceof ConflictError) conflicted.add(key);
        throw error;
      }
    },
  };
}
