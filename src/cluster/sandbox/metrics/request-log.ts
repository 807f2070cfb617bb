import type { KubeObject } from "../../../model/kube-object.js";
import { formatTimestamp, isJsonObject, type JsonObject, type JsonValue } from "../../../util/index.js";

/**
 * The sandbox's request log: every simulated request (synthetic traffic and `sandbox request`)
 * counted in a `RequestMetrics` object per host, in 10-second buckets kept for 15 minutes, plus
 * cumulative totals (what an exporter's counters show). One object per host, so recording a
 * second of traffic is one store write, journaled like any other.
 */

export const REQUEST_METRICS_API_VERSION = "sandbox.vela-ts.dev/v1alpha1";
export const REQUEST_METRICS_KIND = "RequestMetrics";
/** Where the RequestMetrics objects live. */
export const REQUEST_METRICS_NAMESPACE = "vela-ts-sandbox";
/** Width of a bucket. */
export const BUCKET_SECONDS = 10;
/** How far back buckets are kept (the longest analysis window). */
export const RETENTION_SECONDS = 900;
/**
 * Upper bounds (ms) of the latency histogram: the union of ingress-nginx's
 * `request_duration_seconds` buckets and Istio's `istio_request_duration_milliseconds` buckets.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Who answered a request: the labels the exporters put on it. */
export interface SeriesLabels {
  /** `ingress-nginx`, `istio`, `traefik`, `gateway-api`, `higress` or `none`. */
  readonly router: string;
  /** Namespace of the routing object (Ingress, VirtualService…), or of the pod. */
  readonly namespace: string;
  /** The routing object's name (the Ingress for nginx), `""` when none matched. */
  readonly route: string;
  /** The Service that answered (`""` when none). */
  readonly service: string;
  /** The pod's workload (its owner's owner: Deployment or Rollout name), `""` without a pod. */
  readonly workload: string;
  /** The pod-template hash of the pod that answered, `""` without a pod. */
  readonly version: string;
  readonly image: string;
  /** The request went to a canary (a canary Ingress, a `-canary` Service, a `canary` subset). */
  readonly canary: boolean;
}

/** One answered request. */
export interface RecordedRequest {
  readonly labels: SeriesLabels;
  readonly status: number;
  readonly latencyMs: number;
}

/** Counts of one series in a bucket (or in total). */
export interface SeriesCounts {
  readonly labels: SeriesLabels;
  /** Requests by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Requests at or below each of {@link LATENCY_BOUNDS_MS} (not cumulative), plus one overflow slot. */
  readonly latency: readonly number[];
  readonly latencySumMs: number;
}

/** One bucket of the log. */
export interface RequestBucket {
  /** Start, in Unix seconds (a multiple of {@link BUCKET_SECONDS}). */
  readonly start: number;
  readonly series: readonly SeriesCounts[];
}

/** The log of one host as stored in `status`. */
export interface RequestLog {
  readonly host: string;
  /** Synthetic traffic has been generated up to here (Unix seconds). */
  readonly generatedUntil?: number;
  readonly buckets: readonly RequestBucket[];
  readonly totals: readonly SeriesCounts[];
}

/** The RequestMetrics object name for a host (hosts are DNS names already; `*` is spelt `wildcard`). */
export function requestMetricsName(host: string): string {
  const name = host
    .toLowerCase()
    .replace(/:\d+$/, "")
    .replace(/\*/g, "wildcard")
    .replace(/[^a-z0-9.-]/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return (name === "" ? "host" : name).slice(0, 253);
}

function seriesKey(labels: SeriesLabels): string {
  return [
    labels.router,
    labels.namespace,
    labels.route,
    labels.service,
    labels.workload,
    labels.version,
    labels.image,
    labels.canary,
  ].join("|");
}

function latencySlot(ms: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index < 0 ? LATENCY_BOUNDS_MS.length : index;
}

class SeriesAccumulator {
  private readonly series = new Map<
    string,
    { labels: SeriesLabels; statuses: Map<string, number>; latency: number[]; sum: number }
  >();

  constructor(initial: readonly SeriesCounts[]) {
    for (const counts of initial) {
      const entry = this.entry(counts.labels);
      for (const [status, n] of Object.entries(counts.statuses))
        entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + n);
      counts.latency.forEach((n, index) => (entry.latency[index] = (entry.latency[index] ?? 0) + n));
      entry.sum += counts.latencySumMs;
    }
  }

  private entry(labels: SeriesLabels): {
    labels: SeriesLabels;
    statuses: Map<string, number>;
    latency: number[];
    sum: number;
  } {
    const key = seriesKey(labels);
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { labels, statuses: new Map(), latency: LATENCY_BOUNDS_MS.map(() => 0).concat(0), sum: 0 };
      this.series.set(key, entry);
    }
    return entry;
  }

  add(request: RecordedRequest): void {
    const entry = this.entry(request.labels);
    const status = String(request.status);
    entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
    const slot = latencySlot(request.latencyMs);
    entry.latency[slot] = (entry.latency[slot] ?? 0) + 1;
    entry.sum += request.latencyMs;
  }

  result(): SeriesCounts[] {
    return [...this.series.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, entry]) => ({
        labels: entry.labels,
        statuses: Object.fromEntries([...entry.statuses.entries()].sort(([a], [b]) => a.localeCompare(b))),
        latency: entry.latency,
        latencySumMs: Math.round(entry.sum * 1000) / 1000,
      }));
  }
}

/** A request answered at `at` (Unix seconds), for {@link recordRequests}. */
export interface TimedRequest extends RecordedRequest {
  readonly at: number;
}

/**
 * The log with `requests` added: each in the bucket of its second and in the totals; buckets older
 * than {@link RETENTION_SECONDS} before `now` are dropped. Pure: returns a new log.
 */
export function recordRequests(log: RequestLog, requests: readonly TimedRequest[], now: number): RequestLog {
  const byBucket = new Map<number, TimedRequest[]>();
  for (const request of requests) {
    const start = Math.floor(request.at / BUCKET_SECONDS) * BUCKET_SECONDS;
    const list = byBucket.get(start) ?? [];
    list.push(request);
    byBucket.set(start, list);
  }
  const oldest = now - RETENTION_SECONDS;
  const buckets = new Map<number, readonly SeriesCounts[]>();
  for (const bucket of log.buckets)
    if (bucket.start + BUCKET_SECONDS > oldest) buckets.set(bucket.start, bucket.series);
  for (const [start, list] of byBucket) {
    if (start + BUCKET_SECONDS <= oldest) continue;
    const accumulator = new SeriesAccumulator(buckets.get(start) ?? []);
    for (const request of list) accumulator.add(request);
    buckets.set(start, accumulator.result());
  }
  const totals = new SeriesAccumulator(log.totals);
  for (const request of requests) totals.add(request);
  return {
    host: log.host,
    ...(log.generatedUntil === undefined ? {} : { generatedUntil: log.generatedUntil }),
    buckets: [...buckets.entries()].sort(([a], [b]) => a - b).map(([start, series]) => ({ start, series })),
    totals: totals.result(),
  };
}

function isSeriesCounts(value: JsonValue | undefined): boolean {
  return (
    isJsonObject(value) && isJsonObject(value.labels) && isJsonObject(value.statuses) && Array.isArray(value.latency)
  );
}

/** The log stored in a RequestMetrics object (an empty one for an object without status). */
export function readRequestLog(object: KubeObject | undefined, host: string): RequestLog {
  const status = (object?.status as JsonObject | undefined) ?? {};
  const spec = (object?.spec as JsonObject | undefined) ?? {};
  const buckets = Array.isArray(status.buckets) ? status.buckets : [];
  const totals = Array.isArray(status.totals) ? status.totals : [];
  return {
    host: typeof spec.host === "string" ? spec.host : host,
    ...(typeof status.generatedUntil === "number" ? { generatedUntil: status.generatedUntil } : {}),
    buckets: buckets
      .filter(
        (bucket): bucket is JsonObject =>
          isJsonObject(bucket) && typeof bucket.start === "number" && Array.isArray(bucket.series),
      )
      .map((bucket) => ({
        start: bucket.start as number,
        series: (bucket.series as JsonValue[]).filter(isSeriesCounts) as unknown as SeriesCounts[],
      })),
    totals: totals.filter(isSeriesCounts) as unknown as SeriesCounts[],
  };
}

/** The RequestMetrics object holding `log` (status included: the writer stores it with `updateStatus` or `create`). */
export function requestMetricsObject(log: RequestLog, now: Date): KubeObject {
  return {
    apiVersion: REQUEST_METRICS_API_VERSION,
    kind: REQUEST_METRICS_KIND,
    metadata: { name: requestMetricsName(log.host), namespace: REQUEST_METRICS_NAMESPACE },
    spec: { host: log.host },
    status: {
      ...(log.generatedUntil === undefined ? {} : { generatedUntil: log.generatedUntil }),
      updated: formatTimestamp(now),
      buckets: log.buckets as unknown as JsonValue,
      totals: log.totals as unknown as JsonValue,
    },
  };
}

/** The ref of a host's RequestMetrics object. */
export function requestMetricsRef(host: string): { apiVersion: string; kind: string; name: string; namespace: string } {
  return {
    apiVersion: REQUEST_METRICS_API_VERSION,
    kind: REQUEST_METRICS_KIND,
    name: requestMetricsName(host),
    namespace: REQUEST_METRICS_NAMESPACE,
  };
}
