import { VelaError } from "../../../errors/index.js";
import { parseDuration } from "../../../util/index.js";
import type { ControllerView } from "../controller-contract.js";
import {
  BUCKET_SECONDS,
  LATENCY_BOUNDS_MS,
  readRequestLog,
  requestMetricsRef,
  RETENTION_SECONDS,
  type SeriesCounts,
} from "./request-log.js";

/** The questions the `sandbox` metric provider answers. */
export const SANDBOX_METRICS = [
  "success-rate",
  "error-rate",
  "request-rate",
  "request-count",
  "latency-p50",
  "latency-p90",
  "latency-p95",
  "latency-p99",
] as const;

export type SandboxMetricName = (typeof SANDBOX_METRICS)[number];

/** One question to the sandbox's request log. */
export interface SandboxMetricQuery {
  readonly metric: SandboxMetricName;
  /** The host the requests were sent to. */
  readonly host: string;
  /**
   * Which answers count: `canary` (the canary backend answered), `stable` (any other), or a
   * pod-template hash, image or workload name. @default every request
   */
  readonly version?: string;
  /** How far back, as a duration (`30s`, `1m`, `5m`; at most 15m). @default "1m" */
  readonly window?: string;
}

/** The answer: undefined `value` when no request matched (a success rate of nothing is no data, not 0). */
export interface SandboxMetricValue {
  readonly value: number | undefined;
  /** Requests in the window that matched. */
  readonly requests: number;
  /** The window used, in seconds. */
  readonly windowSeconds: number;
}

function matchesVersion(series: SeriesCounts, version: string | undefined): boolean {
  if (version === undefined || version === "" || version === "*") return true;
  if (version === "canary") return series.labels.canary;
  if (version === "stable") return !series.labels.canary;
  const { labels } = series;
  return labels.version === version || labels.image === version || labels.workload === version;
}

function quantile(q: number, latency: readonly number[]): number | undefined {
  const total = latency.reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let index = 0; index < latency.length; index++) {
    const count = latency[index] ?? 0;
    if (below + count >= rank && count > 0) {
      const upper = LATENCY_BOUNDS_MS[index];
      // The overflow slot has no upper bound: as histogram_quantile, answer the highest bound.
      if (upper === undefined) return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
      const lower = index === 0 ? 0 : (LATENCY_BOUNDS_MS[index - 1] ?? 0);
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

/** The window of a query in seconds, or a `E_METRIC_INVALID` error. */
export function windowSeconds(window: string | undefined): number {
  const ms = parseDuration(window ?? "1m");
  if (ms === undefined || ms < 1000 || ms > RETENTION_SECONDS * 1000) {
    throw new VelaError("E_METRIC_INVALID", `metric window "${window ?? ""}" is not a duration from 1s to 15m`, {
      hint: 'e.g. window: "1m"',
    });
  }
  return Math.floor(ms / 1000);
}

/**
 * Answers a question from the host's request log: the requests of the buckets that overlap the
 * last `window` before `now`, filtered by version. Latency percentiles interpolate inside the
 * histogram buckets as PromQL's `histogram_quantile` does; rates are per second of the window.
 */
export function querySandboxMetric(view: ControllerView, query: SandboxMetricQuery, now: Date): SandboxMetricValue {
  const seconds = windowSeconds(query.window);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const since = nowSeconds - seconds;
  const log = readRequestLog(view.get(requestMetricsRef(query.host)), query.host);
  let requests = 0;
  let errors = 0;
  const latency = LATENCY_BOUNDS_MS.map(() => 0).concat(0);
  for (const bucket of log.buckets) {
    if (bucket.start + BUCKET_SECONDS <= since || bucket.start > nowSeconds) continue;
    for (const series of bucket.series) {
      if (!matchesVersion(series, query.version)) continue;
      for (const [status, n] of Object.entries(series.statuses)) {
        requests += n;
        if (status.startsWith("5")) errors += n;
      }
      series.latency.forEach((n, index) => (latency[index] = (latency[index] ?? 0) + n));
    }
  }
  const answer = (value: number | undefined): SandboxMetricValue => ({ value, requests, windowSeconds: seconds });
  switch (query.metric) {
    case "request-count":
      return answer(requests);
    case "request-rate":
      return answer(requests / seconds);
    case "success-rate":
      return answer(requests === 0 ? undefined : (requests - errors) / requests);
    case "error-rate":
      return answer(requests === 0 ? undefined : errors / requests);
    case "latency-p50":
      return answer(quantile(0.5, latency));
    case "latency-p90":
      return answer(quantile(0.9, latency));
    case "latency-p95":
      return answer(quantile(0.95, latency));
    case "latency-p99":
      return answer(quantile(0.99, latency));
  }
}

const QUERY = /^\s*([a-z0-9-]+)\s*(?:\{([^}]*)\})?\s*(?:\[\s*([0-9a-z.]+)\s*\])?\s*$/;
const LABEL = /^\s*([a-z]+)\s*=\s*"([^"]*)"\s*$/;

/**
 * Reads the text form of a sandbox question, as `check-metrics` takes it in `query`:
 * `success-rate{host="web.example.com",version="canary"}[1m]`. It looks like a PromQL selector on
 * purpose (one metric, labels, a window) but is no more than that.
 */
export function parseSandboxQuery(text: string): SandboxMetricQuery {
  const match = QUERY.exec(text);
  const metric = match?.[1];
  const fail = (why: string): never => {
    throw new VelaError("E_METRIC_INVALID", `sandbox metric query "${text}": ${why}`, {
      hint: `write METRIC{host="HOST"[,version="canary|stable|HASH|IMAGE"]}[WINDOW], METRIC one of ${SANDBOX_METRICS.join(", ")}`,
    });
  };
  if (match === null || metric === undefined) return fail("does not read");
  if (!(SANDBOX_METRICS as readonly string[]).includes(metric)) return fail(`unknown metric "${metric}"`);
  const labels: Record<string, string> = {};
  for (const part of (match[2] ?? "").split(",").filter((p) => p.trim() !== "")) {
    const label = LABEL.exec(part);
    if (label === null || label[1] === undefined || label[2] === undefined)
      return fail(`label "${part.trim()}" does not read`);
    if (label[1] !== "host" && label[1] !== "version") return fail(`unknown label "${label[1]}" (host, version)`);
    labels[label[1]] = label[2];
  }
  if (labels.host === undefined) return fail("a host label is required");
  return {
    metric: metric as SandboxMetricName,
    host: labels.host,
    ...(labels.version === undefined ? {} : { version: labels.version }),
    ...(match[3] === undefined ? {} : { window: match[3] }),
  };
}
