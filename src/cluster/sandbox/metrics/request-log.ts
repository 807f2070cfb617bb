import type { KubeObject } from "../../../model/kube-object.js";
import { formatTimestamp, isJsonObject, toJsonValue, type JsonValue } from "../../../util/index.js";

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
  /** `namespace/name` of the pod that answered (absent when none did): its simulated access log. */
  readonly pod?: string;
  /** The request's path. @default "/" */
  readonly path?: string;
}

/**
 * The requests one pod answered in a bucket with one path and status: how many in each second of
 * the bucket, and their summed latency. What `kubectl logs` turns back into access-log lines; kept
 * per second so that a line's time does not move when later requests are added to its bucket.
 */
export interface PodRequests {
  /** `namespace/name`. */
  readonly pod: string;
  readonly path: string;
  readonly status: number;
  /** Requests in each second of the bucket ({@link BUCKET_SECONDS} entries). */
  readonly perSecond: readonly number[];
  readonly latencySumMs: number;
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
  /** The requests each pod answered (sorted by pod, path, status). @default none */
  readonly pods?: readonly PodRequests[];
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
  const buckets = new Map<number, RequestBucket>();
  for (const bucket of log.buckets) if (bucket.start + BUCKET_SECONDS > oldest) buckets.set(bucket.start, bucket);
  for (const [start, list] of byBucket) {
    if (start + BUCKET_SECONDS <= oldest) continue;
    const existing = buckets.get(start);
    const accumulator = new SeriesAccumulator(existing?.series ?? []);
    const pods = new PodAccumulator(existing?.pods ?? []);
    for (const request of list) {
      accumulator.add(request);
      pods.add(request, request.at - start);
    }
    const podRequests = pods.result();
    buckets.set(start, {
      start,
      series: accumulator.result(),
      ...(podRequests.length === 0 ? {} : { pods: podRequests }),
    });
  }
  const totals = new SeriesAccumulator(log.totals);
  for (const request of requests) totals.add(request);
  return {
    host: log.host,
    ...(log.generatedUntil === undefined ? {} : { generatedUntil: log.generatedUntil }),
    buckets: [...buckets.entries()].sort(([a], [b]) => a - b).map(([, bucket]) => bucket),
    totals: totals.result(),
  };
}

class PodAccumulator {
  private readonly entries = new Map<
    string,
    { pod: string; path: string; status: number; perSecond: number[]; sum: number }
  >();

  constructor(initial: readonly PodRequests[]) {
    for (const entry of initial)
      this.entries.set(podKey(entry.pod, entry.path, entry.status), {
        pod: entry.pod,
        path: entry.path,
        status: entry.status,
        perSecond: [...entry.perSecond],
        sum: entry.latencySumMs,
      });
  }

  add(request: RecordedRequest, offset: number): void {
    if (request.pod === undefined) return;
    const path = request.path ?? "/";
    const key = podKey(request.pod, path, request.status);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {
        pod: request.pod,
        path,
        status: request.status,
        perSecond: new Array<number>(BUCKET_SECONDS).fill(0),
        sum: 0,
      };
      this.entries.set(key, entry);
    }
    const second = Math.min(BUCKET_SECONDS - 1, Math.max(0, Math.floor(offset)));
    entry.perSecond[second] = (entry.perSecond[second] ?? 0) + 1;
    entry.sum += request.latencyMs;
  }

  result(): PodRequests[] {
    return [...this.entries.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, entry]) => ({
        pod: entry.pod,
        path: entry.path,
        status: entry.status,
        perSecond: entry.perSecond,
        latencySumMs: Math.round(entry.sum * 1000) / 1000,
      }));
  }
}

function podKey(pod: string, path: string, status: number): string {
  return `${pod}|${path}|${String(status).padStart(3, "0")}`;
}

function numberArray(value: JsonValue | undefined): number[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "number") ? value : undefined;
}

function stringRecord(value: JsonValue | undefined): Record<string, string> | undefined {
  if (!isJsonObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") return undefined;
    out[key] = item;
  }
  return out;
}

function numberRecord(value: JsonValue | undefined): Record<string, number> | undefined {
  if (!isJsonObject(value)) return undefined;
  const out: Record<string, number> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "number") return undefined;
    out[key] = item;
  }
  return out;
}

function seriesLabelsOf(value: JsonValue | undefined): SeriesLabels | undefined {
  if (!isJsonObject(value)) return undefined;
  const text = stringRecord({ ...value, canary: "" });
  if (text === undefined) return undefined;
  return {
    router: text.router ?? "",
    namespace: text.namespace ?? "",
    route: text.route ?? "",
    service: text.service ?? "",
    workload: text.workload ?? "",
    version: text.version ?? "",
    image: text.image ?? "",
    canary: value.canary === true,
  };
}

/** A stored series, or undefined when the entry is not one (a damaged entry is skipped, not fatal). */
function seriesCountsOf(value: JsonValue): SeriesCounts | undefined {
  if (!isJsonObject(value)) return undefined;
  const labels = seriesLabelsOf(value.labels);
  const statuses = numberRecord(value.statuses);
  const latency = numberArray(value.latency);
  if (labels === undefined || statuses === undefined || latency === undefined) return undefined;
  return {
    labels,
    statuses,
    latency,
    latencySumMs: typeof value.latencySumMs === "number" ? value.latencySumMs : 0,
  };
}

function podRequestsOf(value: JsonValue): PodRequests | undefined {
  if (!isJsonObject(value)) return undefined;
  const perSecond = numberArray(value.perSecond);
  if (typeof value.pod !== "string" || typeof value.status !== "number" || perSecond === undefined) return undefined;
  return {
    pod: value.pod,
    path: typeof value.path === "string" ? value.path : "/",
    status: value.status,
    perSecond,
    latencySumMs: typeof value.latencySumMs === "number" ? value.latencySumMs : 0,
  };
}

function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function bucketOf(value: JsonValue): RequestBucket | undefined {
  if (!isJsonObject(value) || typeof value.start !== "number" || !Array.isArray(value.series)) return undefined;
  const pods = Array.isArray(value.pods) ? value.pods.map(podRequestsOf).filter(defined) : [];
  return {
    start: value.start,
    series: value.series.map(seriesCountsOf).filter(defined),
    ...(pods.length === 0 ? {} : { pods }),
  };
}

/** The log stored in a RequestMetrics object (an empty one for an object without status). */
export function readRequestLog(object: KubeObject | undefined, host: string): RequestLog {
  const status = isJsonObject(object?.status) ? object.status : {};
  const spec = isJsonObject(object?.spec) ? object.spec : {};
  const buckets = Array.isArray(status.buckets) ? status.buckets : [];
  const totals = Array.isArray(status.totals) ? status.totals : [];
  return {
    host: typeof spec.host === "string" ? spec.host : host,
    ...(typeof status.generatedUntil === "number" ? { generatedUntil: status.generatedUntil } : {}),
    buckets: buckets.map(bucketOf).filter(defined),
    totals: totals.map(seriesCountsOf).filter(defined),
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
      buckets: toJsonValue(log.buckets),
      totals: toJsonValue(log.totals),
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
