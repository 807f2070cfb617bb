import type { ControllerView } from "../../../src/cluster/sandbox/controller-contract.js";
import type { KubeObject, ObjectRef } from "../../../src/model/kube-object.js";

function group(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** A read-only view over plain objects (group/kind keyed like the API server), for pure routing and controller tests. */
export function viewOf(objects: readonly KubeObject[]): ControllerView {
  const same = (object: KubeObject, apiVersion: string, kind: string): boolean =>
    group(object.apiVersion) === group(apiVersion) && object.kind === kind;
  return {
    get(ref: ObjectRef) {
      return objects.find(
        (o) =>
          same(o, ref.apiVersion, ref.kind) &&
          o.metadata.name === ref.name &&
          (o.metadata.namespace ?? "default") === (ref.namespace ?? "default"),
      );
    },
    list(apiVersion, kind, options = {}) {
      return objects.filter(
        (o) =>
          same(o, apiVersion, kind) &&
          (options.namespace === undefined || (o.metadata.namespace ?? "default") === options.namespace),
      );
    },
  };
}
