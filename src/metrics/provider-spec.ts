import { parseSandboxQuery, SANDBOX_METRICS } from "../cluster/sandbox/metrics/index.js";
import { VelaError } from "../errors/index.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import type { MetricProvider } from "./provider.js";

function headerList(value: JsonValue | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!Array.isArray(value)) return headers;
  for (const item of value)
    if (isJsonObject(item) && typeof item.key === "string" && typeof item.value === "string")
      headers[item.key] = item.value;
  return headers;
}

/**
 * A metric's `provider` (Argo's shape, plus `sandbox`) as a {@link MetricProvider}:
 * `sandbox: {metric, host?, version?, window?}` (host defaults to `defaultHost`, version to
 * `canary`, window to `1m`), `prometheus: {address, query, headers?: [{key, value}]}`,
 * `web: {url, jsonPath, headers?: [{key, value}]}`.
 */
export function providerFromSpec(provider: JsonObject, where: string, defaultHost?: string): MetricProvider {
  const fail = (why: string, hint: string): never => {
    throw new VelaError("E_METRIC_INVALID", `${where}: ${why}`, { hint });
  };
  const { sandbox, prometheus, web } = provider;
  if (isJsonObject(sandbox)) {
    const metric = sandbox.metric;
    if (typeof metric !== "string" || !(SANDBOX_METRICS as readonly string[]).includes(metric))
      return fail(
        `sandbox metric ${JSON.stringify(metric ?? null)} is not known`,
        `one of ${SANDBOX_METRICS.join(", ")}`,
      );
    const host = typeof sandbox.host === "string" ? sandbox.host : defaultHost;
    if (host === undefined)
      return fail(
        "the sandbox provider needs a host",
        "give provider.sandbox.host (no Ingress host was found to default to)",
      );
    const version = typeof sandbox.version === "string" ? sandbox.version : "canary";
    const window = typeof sandbox.window === "string" ? sandbox.window : "1m";
    return { kind: "sandbox", query: parseSandboxQuery(`${metric}{host="${host}",version="${version}"}[${window}]`) };
  }
  if (isJsonObject(prometheus)) {
    if (typeof prometheus.address !== "string" || typeof prometheus.query !== "string")
      return fail("the prometheus provider needs address and query", "e.g. address: http://prometheus:9090");
    return {
      kind: "prometheus",
      address: prometheus.address,
      query: prometheus.query,
      headers: headerList(prometheus.headers),
    };
  }
  if (isJsonObject(web)) {
    if (typeof web.url !== "string" || typeof web.jsonPath !== "string")
      return fail("the web provider needs url and jsonPath", 'e.g. jsonPath: "{$.data.ok}"');
    return { kind: "web", url: web.url, jsonPath: web.jsonPath, headers: headerList(web.headers) };
  }
  return fail("a provider is one of sandbox, prometheus, web", "e.g. provider: {sandbox: {metric: success-rate}}");
}
