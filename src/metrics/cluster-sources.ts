import type { Cluster } from "../cluster/cluster.js";
import { requestMetricsRef } from "../cluster/sandbox/metrics/index.js";
import type { KubeObject } from "../model/kube-object.js";
import type { MetricProvider, MetricSources } from "./provider.js";

/**
 * The sources a measurement of `provider` needs, read through the Cluster interface: for the
 * `sandbox` provider, the host's RequestMetrics object (only on the sandbox; on a real cluster the
 * provider then reports that it answers only there).
 */
export async function metricSourcesFor(
  provider: MetricProvider,
  cluster: Cluster,
  base: Omit<MetricSources, "sandbox">,
): Promise<MetricSources> {
  if (provider.kind !== "sandbox" || cluster.kind !== "sandbox") return base;
  const ref = requestMetricsRef(provider.query.host);
  const object: KubeObject | undefined = await cluster.get(ref);
  return {
    ...base,
    sandbox: {
      get: (wanted) =>
        object !== undefined &&
        wanted.kind === ref.kind &&
        wanted.name === ref.name &&
        wanted.namespace === ref.namespace
          ? object
          : undefined,
      list: () => [],
    },
  };
}
