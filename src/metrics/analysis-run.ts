import { VelaError } from "../errors/index.js";
import { formatTimestamp, isJsonObject, parseDuration, type JsonObject, type JsonValue } from "../util/index.js";
import { evaluateMetricCondition } from "./condition.js";
import { formatMetricValue, type MetricReading } from "./provider.js";

/**
 * Argo Rollouts' AnalysisRun semantics (`analysis/analysis.go`, `utils/analysis/helpers.go`,
 * docs `features/analysis.md`) as a pure state machine: each metric is measured at `initialDelay`,
 * then every `interval`, `count` times; a measurement is Successful, Failed or Inconclusive by its
 * conditions, or an Error when the provider gave no value; the metric fails past `failureLimit`
 * failures, is inconclusive past `inconclusiveLimit`, and stops being trusted past
 * `consecutiveErrorLimit` errors in a row (then it is Inconclusive: missing data never promotes
 * and is no proof of a bad version, so a person decides).
 */

export type AnalysisPhase = "Running" | "Successful" | "Failed" | "Inconclusive";
export type MeasurementPhase = "Successful" | "Failed" | "Inconclusive" | "Error";

/** One metric of an analysis, in the shape of `AnalysisTemplate.spec.metrics[]`. */
export interface AnalysisMetricSpec {
  readonly name: string;
  readonly initialDelay?: string;
  readonly interval?: string;
  readonly count?: number;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  /** @default 0 */
  readonly failureLimit?: number;
  /** @default 0 */
  readonly inconclusiveLimit?: number;
  /** @default 4 */
  readonly consecutiveErrorLimit?: number;
  /** `{sandbox: {...}}`, `{prometheus: {...}}` or `{web: {...}}`. */
  readonly provider: JsonObject;
}

export interface Measurement {
  readonly phase: MeasurementPhase;
  readonly startedAt: string;
  readonly value?: string;
  readonly message?: string;
}

export interface MetricRun {
  readonly name: string;
  readonly phase: AnalysisPhase;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly error: number;
  readonly consecutiveError: number;
  /** The latest measurements, newest last (at most {@link KEPT_MEASUREMENTS}). */
  readonly measurements: readonly Measurement[];
  readonly message?: string;
}

export interface AnalysisRun {
  /** What the run judges (`<canary revision>/<step>`); a new key starts a new run. */
  readonly key: string;
  readonly step: number;
  readonly startedAt: string;
  readonly phase: AnalysisPhase;
  readonly message?: string;
  readonly metrics: readonly MetricRun[];
  /** The verdict was acted on (the release promoted or rolled back). */
  readonly handled?: boolean;
}

const KEPT_MEASUREMENTS = 10;
const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

function durationMs(text: string | undefined, fallback: number, where: string): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0)
    throw new VelaError("E_METRIC_INVALID", `${where}: "${text}" is not a duration`, { hint: 'e.g. "30s" or "1m"' });
  return ms;
}

function withoutNulls(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null) continue;
    out[key] = isJsonObject(item) ? withoutNulls(item) : item;
  }
  return out;
}

/** Reads and checks a metric spec from JSON (a trait parameter or an AnalysisTemplate). */
export function readMetricSpecs(value: JsonValue | undefined, where: string): AnalysisMetricSpec[] {
  const metrics = isJsonObject(value) && Array.isArray(value.metrics) ? value.metrics : [];
  return metrics.map((metric, index) => {
    const at = `${where} metric ${index + 1}`;
    if (!isJsonObject(metric) || typeof metric.name !== "string" || !isJsonObject(metric.provider))
      throw new VelaError("E_METRIC_INVALID", `${at}: a metric needs a name and a provider`);
    // Trait parameters carry absent optional fields as null: read them as absent.
    const spec = withoutNulls(metric) as unknown as AnalysisMetricSpec;
    durationMs(spec.initialDelay, 0, `${at} initialDelay`);
    durationMs(spec.interval, 0, `${at} interval`);
    return spec;
  });
}

/** A fresh run for `key`. */
export function startAnalysisRun(
  key: string,
  step: number,
  specs: readonly AnalysisMetricSpec[],
  now: Date,
): AnalysisRun {
  return {
    key,
    step,
    startedAt: formatTimestamp(now),
    phase: "Running",
    metrics: specs.map((spec) => ({
      name: spec.name,
      phase: "Running",
      successful: 0,
      failed: 0,
      inconclusive: 0,
      error: 0,
      consecutiveError: 0,
      measurements: [],
    })),
  };
}

/** When a metric is measured next (undefined once it has a verdict). */
export function nextMeasurementAt(spec: AnalysisMetricSpec, metric: MetricRun, run: AnalysisRun): number | undefined {
  if (metric.phase !== "Running") return undefined;
  const last = metric.measurements[metric.measurements.length - 1];
  if (last === undefined) return Date.parse(run.startedAt) + durationMs(spec.initialDelay, 0, spec.name);
  return Date.parse(last.startedAt) + durationMs(spec.interval, 30_000, spec.name);
}

function judge(
  spec: AnalysisMetricSpec,
  value: number | readonly number[],
): { phase: MeasurementPhase; message?: string } {
  try {
    const success =
      spec.successCondition === undefined ? undefined : evaluateMetricCondition(spec.successCondition, value);
    const failure =
      spec.failureCondition === undefined ? undefined : evaluateMetricCondition(spec.failureCondition, value);
    if (failure === true) return { phase: "Failed" };
    if (success === true) return { phase: "Successful" };
    if (success === false && failure === undefined) return { phase: "Failed" };
    if (failure === false && success === undefined) return { phase: "Successful" };
    return { phase: "Inconclusive" };
  } catch (error) {
    return { phase: "Error", message: error instanceof Error ? error.message : String(error) };
  }
}

function describeLimit(spec: AnalysisMetricSpec, value: string | undefined): string {
  const condition =
    spec.failureCondition !== undefined
      ? `failureCondition ${spec.failureCondition}`
      : `successCondition ${spec.successCondition ?? "(none)"}`;
  const limit = `failureLimit ${spec.failureLimit ?? 0}`;
  return `metric "${spec.name}" assessed Failed: value ${value ?? "?"} against ${condition} (failed {count} > ${limit})`;
}

/** A metric's state after one reading taken at `now`. */
export function recordMeasurement(
  spec: AnalysisMetricSpec,
  metric: MetricRun,
  reading: MetricReading,
  now: Date,
): MetricRun {
  const startedAt = formatTimestamp(now);
  const measurement: Measurement =
    reading.kind === "value"
      ? { ...judge(spec, reading.value), startedAt, value: formatMetricValue(reading.value) }
      : { phase: "Error", startedAt, message: reading.message };
  const next = {
    ...metric,
    successful: metric.successful + (measurement.phase === "Successful" ? 1 : 0),
    failed: metric.failed + (measurement.phase === "Failed" ? 1 : 0),
    inconclusive: metric.inconclusive + (measurement.phase === "Inconclusive" ? 1 : 0),
    error: metric.error + (measurement.phase === "Error" ? 1 : 0),
    consecutiveError: measurement.phase === "Error" ? metric.consecutiveError + 1 : 0,
    measurements: [...metric.measurements, measurement].slice(-KEPT_MEASUREMENTS),
  };
  const taken = next.successful + next.failed + next.inconclusive;
  if (next.failed > (spec.failureLimit ?? 0))
    return {
      ...next,
      phase: "Failed",
      message: describeLimit(spec, measurement.value).replace("{count}", String(next.failed)),
    };
  if (next.inconclusive > (spec.inconclusiveLimit ?? 0))
    return {
      ...next,
      phase: "Inconclusive",
      message:
        `metric "${spec.name}" assessed Inconclusive: value ${measurement.value ?? "?"} met neither condition ` +
        `(inconclusive ${next.inconclusive} > inconclusiveLimit ${spec.inconclusiveLimit ?? 0})`,
    };
  if (next.consecutiveError > (spec.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT))
    return {
      ...next,
      phase: "Inconclusive",
      message:
        `metric "${spec.name}" could not be measured ${next.consecutiveError} times in a row ` +
        `(consecutiveErrorLimit ${spec.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT}): ${measurement.message ?? ""}`,
    };
  if (taken >= (spec.count ?? 1))
    return {
      ...next,
      phase: "Successful",
      message: `metric "${spec.name}" assessed Successful (${next.successful}/${taken})`,
    };
  return next;
}

/** The run's phase from its metrics: any Failed, else any Inconclusive, else all Successful, else Running. */
export function concludeRun(run: AnalysisRun): AnalysisRun {
  const failed = run.metrics.find((metric) => metric.phase === "Failed");
  const inconclusive = run.metrics.find((metric) => metric.phase === "Inconclusive");
  const done = run.metrics.every((metric) => metric.phase === "Successful");
  const { message: _old, ...rest } = run;
  if (failed !== undefined)
    return { ...rest, phase: "Failed", ...(failed.message === undefined ? {} : { message: failed.message }) };
  if (inconclusive !== undefined)
    return {
      ...rest,
      phase: "Inconclusive",
      ...(inconclusive.message === undefined ? {} : { message: inconclusive.message }),
    };
  if (done) return { ...rest, phase: "Successful", message: `all ${run.metrics.length} metrics assessed Successful` };
  return { ...rest, phase: "Running" };
}
