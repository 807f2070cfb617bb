import { isJsonObject, type JsonValue } from "../util/index.js";
import type { MetricReading, MetricSources } from "./provider.js";

function parseSample(value: JsonValue | undefined): number | undefined {
  if (!Array.isArray(value) || typeof value[1] !== "string") return undefined;
  const number = Number(value[1]);
  return value[1] === "NaN" || Number.isFinite(number) ? number : undefined;
}

/**
 * The `prometheus` provider: `GET <address>/api/v1/query?query=…` (the Prometheus HTTP API), as
 * Argo Rollouts and KubeVela's `#PromCheck` ask it. A scalar is a number; a vector is the list of
 * its sample values (Argo's `result[0]`); an empty vector is `no-data`.
 */
export async function readPrometheusMetric(
  address: string,
  query: string,
  headers: Readonly<Record<string, string>>,
  sources: MetricSources,
): Promise<MetricReading> {
  if (sources.http === undefined) return { kind: "error", message: "no network access to reach Prometheus" };
  const url = `${address.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`;
  let response;
  try {
    response = await sources.http({ url, method: "GET", headers: { Accept: "application/json", ...headers } });
  } catch (error) {
    return { kind: "error", message: `Prometheus at ${address} did not answer: ${(error as Error).message}` };
  }
  let body: JsonValue;
  try {
    body = JSON.parse(response.body) as JsonValue;
  } catch {
    return { kind: "error", message: `Prometheus at ${address} answered HTTP ${response.status} without JSON` };
  }
  if (!isJsonObject(body) || body.status !== "success" || !isJsonObject(body.data)) {
    const why = isJsonObject(body) && typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
    return { kind: "error", message: `Prometheus query ${JSON.stringify(query)} failed: ${why}` };
  }
  const { resultType, result } = body.data;
  if (resultType === "scalar") {
    const value = parseSample(result);
    return value === undefined
      ? { kind: "error", message: "Prometheus returned a scalar that does not read" }
      : { kind: "value", value };
  }
  if (resultType === "vector" && Array.isArray(result)) {
    const values = result.map((sample) => (isJsonObject(sample) ? parseSample(sample.value) : undefined));
    if (values.some((value) => value === undefined))
      return { kind: "error", message: "Prometheus returned a sample that does not read" };
    if (values.length === 0)
      return { kind: "no-data", message: `Prometheus query ${JSON.stringify(query)} returned no samples` };
    return { kind: "value", value: values as number[] };
  }
  return {
    kind: "error",
    message: `Prometheus returned a ${JSON.stringify(resultType)}; the query must give a scalar or an instant vector`,
  };
}
