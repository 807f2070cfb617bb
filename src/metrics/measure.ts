import { readPrometheusMetric } from "./prometheus-provider.js";
import type { MetricProvider, MetricReading, MetricSources } from "./provider.js";
import { readSandboxMetric } from "./sandbox-provider.js";
import { readWebMetric } from "./web-provider.js";

/** Takes one reading of a metric from its provider. */
export async function measureMetric(provider: MetricProvider, sources: MetricSources): Promise<MetricReading> {
  switch (provider.kind) {
    case "sandbox":
      return readSandboxMetric(sources.sandbox, provider.query, sources.now);
    case "prometheus":
      return readPrometheusMetric(provider.address, provider.query, provider.headers ?? {}, sources);
    case "web":
      return readWebMetric(provider.url, provider.jsonPath, provider.headers ?? {}, sources);
  }
}
