import { parseSandboxQuery } from "../cluster/sandbox/metrics/index.js";
import { VelaError } from "../errors/index.js";
import { formatDuration, formatTimestamp, parseDuration } from "../util/index.js";
import { evaluateMetricCondition } from "./condition.js";
import { measureMetric } from "./measure.js";
import { formatMetricValue, type MetricProvider, type MetricSources } from "./provider.js";

/**
 * KubeVela's `vela/metrics` `#PromCheck` provider (kubevela/workflow
 * `pkg/providers/legacy/metrics`): its parameters, its returns and its timing — the condition must
 * hold for `duration` before `result` is true, and fail for `failDuration` before `failed` is true.
 * The value comes from Prometheus (`metricEndpoint` an http(s) URL) or from the sandbox's request
 * log (`metricEndpoint: sandbox`, the query in the sandbox's own form).
 */

/** `$params` of `#PromCheck`. */
export interface PromCheckParams {
  readonly query: string;
  /** @default "http://prometheus-server.o11y-system.svc:9090" (the sandbox: `sandbox`) */
  readonly metricEndpoint?: string;
  /** Appended to the value and evaluated: `">=0.95"`. */
  readonly condition: string;
  /** The step's session id: the key of the times kept between checks. */
  readonly stepID: string;
  /** @default "5m" */
  readonly duration?: string;
  /** @default "2m" */
  readonly failDuration?: string;
}

/** `$returns` of `#PromCheck`. */
export interface PromCheckReturns {
  readonly message?: string;
  readonly failed: boolean;
  readonly result: boolean;
}

/** Since when the condition has held, or failed, in a row (KubeVela keeps these in the workflow context). */
export interface PromCheckTimes {
  readonly successSince?: string;
  readonly failSince?: string;
}

/** Where the times of each stepID are kept between checks. */
export interface PromCheckMemory {
  get(stepID: string): PromCheckTimes;
  set(stepID: string, times: PromCheckTimes): void;
}

export interface PromCheckEnv extends MetricSources {
  readonly memory: PromCheckMemory;
  /** The endpoint when `metricEndpoint` is not given. @default KubeVela's in-cluster Prometheus */
  readonly defaultEndpoint?: string;
}

/** KubeVela's default `metricEndpoint`. */
export const DEFAULT_METRIC_ENDPOINT = "http://prometheus-server.o11y-system.svc:9090";

/** A metric that could not be read (Prometheus down, a query that does not read): not a verdict. */
export class MetricQueryError extends VelaError {
  constructor(message: string, hint?: string) {
    super("E_METRIC_QUERY", message, hint === undefined ? {} : { hint });
  }
}

function durationOf(text: string, name: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new VelaError("E_METRIC_INVALID", `${name} "${text}" is not a duration`, { hint: 'e.g. "2m" or "30s"' });
  return ms;
}

/** The provider a `metricEndpoint` + query name. */
export function promCheckProvider(query: string, endpoint: string): MetricProvider {
  if (endpoint === "sandbox" || endpoint.startsWith("sandbox:"))
    return { kind: "sandbox", query: parseSandboxQuery(query) };
  if (!/^https?:\/\//.test(endpoint))
    throw new VelaError("E_METRIC_INVALID", `metricEndpoint "${endpoint}" is neither an http(s) URL nor "sandbox"`, {
      hint: "give the Prometheus address, e.g. http://prometheus.monitoring:9090, or sandbox",
    });
  return { kind: "prometheus", address: endpoint, query };
}

/** One check of `#PromCheck`. Throws {@link MetricQueryError} when the metric cannot be read. */
export async function promCheck(params: PromCheckParams, env: PromCheckEnv): Promise<PromCheckReturns> {
  const duration = durationOf(params.duration ?? "5m", "duration");
  const failDuration = durationOf(params.failDuration ?? "2m", "failDuration");
  const endpoint = params.metricEndpoint ?? env.defaultEndpoint ?? DEFAULT_METRIC_ENDPOINT;
  const reading = await measureMetric(promCheckProvider(params.query, endpoint), env);
  if (reading.kind === "error") throw new MetricQueryError(reading.message);
  if (reading.kind === "no-data")
    throw new MetricQueryError(reading.message, "the query must return exactly one value");
  if (Array.isArray(reading.value) && reading.value.length !== 1)
    throw new MetricQueryError(
      `the query is returning ${reading.value.length} results when it should only return one`,
      "aggregate it, e.g. sum(...) / sum(...)",
    );
  const value = typeof reading.value === "number" ? reading.value : (reading.value[0] ?? NaN);
  const valueText = formatMetricValue(value);
  let holds: boolean;
  try {
    holds = evaluateMetricCondition(`result ${params.condition}`, value);
  } catch (error) {
    throw new VelaError("E_METRIC_INVALID", `condition "${params.condition}" does not read after a value`, {
      hint: 'write an operator and a threshold, e.g. ">=0.95"',
      ...(error instanceof Error ? { cause: error } : {}),
    });
  }
  const now = env.now.getTime();
  const times = env.memory.get(params.stepID);
  if (holds) {
    const since = times.successSince === undefined ? now : Date.parse(times.successSince);
    env.memory.set(params.stepID, { successSince: formatTimestamp(new Date(since)) });
    if (now - since >= duration && times.successSince !== undefined)
      return { result: true, failed: false, message: "The metric check has passed successfully." };
    return {
      result: false,
      failed: false,
      message:
        `The healthy condition should be ${params.condition}, and the query result is ${valueText}, indicating success. ` +
        `The success has persisted for ${formatDuration(now - since)}, with success duration being ${params.duration ?? "5m"}.`,
    };
  }
  const since = times.failSince === undefined ? now : Date.parse(times.failSince);
  env.memory.set(params.stepID, { failSince: formatTimestamp(new Date(since)) });
  if (now - since >= failDuration && times.failSince !== undefined)
    return {
      result: false,
      failed: true,
      message:
        `The healthy condition should be ${params.condition}, but the query result is ${valueText}, indicating failure. ` +
        `The failure has persisted for ${formatDuration(now - since)}, ` +
        `with the failure duration being ${params.failDuration ?? "2m"}. The check has terminated.`,
    };
  return {
    result: false,
    failed: false,
    message:
      `The healthy condition should be ${params.condition}, but the query result is ${valueText}, indicating failure. ` +
      `The failure has persisted for ${formatDuration(now - since)}, with the failure duration being ${params.failDuration ?? "2m"}.`,
  };
}
