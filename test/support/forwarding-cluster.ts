import type { Cluster } from "../../src/cluster/cluster.js";

/** A Cluster that forwards to `inner`, with some methods replaced (a test double around a real cluster). */
export function forwardingCluster(inner: Cluster, overrides: Partial<Omit<Cluster, "kind">> = {}): Cluster {
  return {
    kind: inner.kind,
    get: (ref) => inner.get(ref),
    list: (apiVersion, kind, options) => inner.list(apiVersion, kind, options),
    apply: (object, options) => inner.apply(object, options),
    create: (object) => inner.create(object),
    update: (object) => inner.update(object),
    updateStatus: (object) => inner.updateStatus(object),
    patch: (ref, body) => inner.patch(ref, body),
    patchStatus: (ref, body) => inner.patchStatus(ref, body),
    delete: (ref, options) => inner.delete(ref, options),
    watch: (apiVersion, kind, options) => inner.watch(apiVersion, kind, options),
    ...overrides,
  };
}
