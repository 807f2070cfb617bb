import type { Cluster } from "../cluster/cluster.js";
import { VelaError } from "../errors/index.js";
import { LABEL_ADDON_NAME } from "../model/labels.js";

/** A kind whose presence in discovery shows that an addon's CRDs are installed. */
interface MarkerKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * The kinds each bundled addon's definitions render, by addon. An addon counts as enabled on a real
 * cluster when all of its marker kinds are served (its CRDs are installed), or when KubeVela's record
 * of an enabled addon (an Application labelled `addons.oam.dev/name` in `vela-system`) names it:
 * that record is how addons without CRDs of their own (ingress-nginx) are found.
 */
const ADDON_MARKERS: Readonly<Record<string, readonly MarkerKind[]>> = {
  fluxcd: [
    { apiVersion: "helm.toolkit.fluxcd.io/v2beta1", kind: "HelmRelease" },
    { apiVersion: "source.toolkit.fluxcd.io/v1beta2", kind: "HelmRepository" },
  ],
  "kruise-rollout": [{ apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout" }],
  istio: [{ apiVersion: "networking.istio.io/v1alpha3", kind: "VirtualService" }],
};

/** The namespace where KubeVela records enabled addons (as Applications named `addon-<name>`). */
export const ADDON_RECORD_NAMESPACE = "vela-system";

function isNotInstalled(error: unknown): boolean {
  return error instanceof VelaError && error.code === "E_KIND_NOT_INSTALLED";
}

/** Whether every kind is served; any failure other than "not installed" (unreachable, forbidden) is thrown. */
async function serves(cluster: Cluster, kinds: readonly MarkerKind[]): Promise<boolean> {
  for (const marker of kinds) {
    try {
      // A list of one namespace that holds nothing is the cheapest request that needs discovery.
      await cluster.list(marker.apiVersion, marker.kind, {
        namespace: ADDON_RECORD_NAMESPACE,
        labelSelector: `${LABEL_ADDON_NAME}=vela-ts-probe`,
      });
    } catch (error) {
      if (isNotInstalled(error)) return false;
      throw error;
    }
  }
  return true;
}

/** Addons recorded as enabled by `addon enable` (KubeVela's addon Applications); none when the CRD is absent. */
async function recordedAddons(cluster: Cluster): Promise<string[]> {
  try {
    const apps = await cluster.list("core.oam.dev/v1beta1", "Application", {
      namespace: ADDON_RECORD_NAMESPACE,
      labelSelector: LABEL_ADDON_NAME,
    });
    return apps.map((app) => app.metadata.labels?.[LABEL_ADDON_NAME] ?? "").filter((name) => name !== "");
  } catch (error) {
    if (isNotInstalled(error)) return [];
    throw error;
  }
}

/**
 * The bundled addons a real cluster has: those whose CRDs it serves, plus those recorded as enabled.
 * The first request also proves the cluster is reachable (a closed port fails here with exit 4).
 */
export async function detectClusterAddons(cluster: Cluster): Promise<string[]> {
  const enabled = new Set<string>(await recordedAddons(cluster));
  for (const [addon, kinds] of Object.entries(ADDON_MARKERS)) {
    if (!enabled.has(addon) && (await serves(cluster, kinds))) enabled.add(addon);
  }
  return [...enabled].sort();
}
