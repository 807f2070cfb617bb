import type { KubeObject } from "../../../../model/kube-object.js";
import type { ControllerView } from "../../controller-contract.js";

/**
 * Lists a kind served under several versions of one API group. A store keyed by group (as the
 * API server is) returns the same objects for each version, so results are de-duplicated by
 * namespace and name, first version winning.
 */
export function listServedVersions(
  view: ControllerView,
  apiVersions: readonly string[],
  kind: string,
  namespace?: string,
): readonly KubeObject[] {
  const seen = new Set<string>();
  const out: KubeObject[] = [];
  for (const apiVersion of apiVersions) {
    for (const object of view.list(apiVersion, kind, namespace === undefined ? {} : { namespace })) {
      const key = `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(object);
    }
  }
  return out;
}

/** The API versions Traefik's CRDs are served under (`traefik.io`, v2.10+ and v3; `traefik.containo.us`, older v2). */
export const TRAEFIK_API_VERSIONS = ["traefik.io/v1alpha1", "traefik.containo.us/v1alpha1"] as const;

/** The API versions Gateway API kinds are served under. */
export const GATEWAY_API_VERSIONS = ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"] as const;
