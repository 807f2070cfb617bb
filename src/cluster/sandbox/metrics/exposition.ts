import type { KubeObject } from "../../../model/kube-object.js";
import { LATENCY_BOUNDS_MS, readRequestLog, type SeriesCounts } from "./request-log.js";

/**
 * The request log in the Prometheus text exposition format (version 0.0.4), with the metric and
 * label names of the exporters a real cluster has:
 *
 * - ingress-nginx (`internal/ingress/metric/collectors/socket.go`): `nginx_ingress_controller_requests`
 *   and `nginx_ingress_controller_request_duration_seconds` with `controller_class`,
 *   `controller_namespace`, `controller_pod`, `host`, `ingress`, `method`, `namespace`, `service`,
 *   `status`, `canary` (the canary upstream, `""` for the main backend);
 * - Istio's standard metrics: `istio_requests_total` and `istio_request_duration_milliseconds`
 *   (`reporter="destination"`) with `destination_workload`, `destination_workload_namespace`,
 *   `destination_service_name`, `destination_version` (the pod-template hash), `response_code`.
 *
 * Counters are the log's cumulative totals, so they only grow. Requests through other routers are
 * not exported.
 */

function escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${escape(value)}"`)
    .join(",")}}`;
}

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e9) / 1e9);
}

/** `le` bounds of ingress-nginx's duration histogram (client_golang's default buckets), in ms. */
const NGINX_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/** `le` bounds of Istio's duration histogram up to the log's largest bound, in ms. */
const ISTIO_BOUNDS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

function cumulativeAt(series: SeriesCounts, boundMs: number): number {
  let total = 0;
  LATENCY_BOUNDS_MS.forEach((bound, index) => {
    if (bound <= boundMs) total += series.latency[index] ?? 0;
  });
  return total;
}

function totalOf(series: SeriesCounts): number {
  return Object.values(series.statuses).reduce((sum, n) => sum + n, 0);
}

class Family {
  readonly lines: string[] = [];
  constructor(
    readonly name: string,
    readonly type: "counter" | "histogram",
    readonly help: string,
  ) {}
  text(): string[] {
    return this.lines.length === 0
      ? []
      : [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines];
  }
}

function histogram(
  family: Family,
  labels: Readonly<Record<string, string>>,
  series: SeriesCounts,
  bounds: readonly number[],
  scale: number,
): void {
  for (const bound of bounds)
    family.lines.push(
      `${family.name}_bucket${labelText({ ...labels, le: number(bound * scale) })} ${cumulativeAt(series, bound)}`,
    );
  family.lines.push(`${family.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${totalOf(series)}`);
  family.lines.push(`${family.name}_sum${labelText(labels)} ${number(series.latencySumMs * scale)}`);
  family.lines.push(`${family.name}_count${labelText(labels)} ${totalOf(series)}`);
}

/** The exposition of every host's request log (the RequestMetrics objects), hosts in name order. */
export function renderRequestMetrics(objects: readonly KubeObject[]): string {
  const nginxRequests = new Family(
    "nginx_ingress_controller_requests",
    "counter",
    "The total number of client requests",
  );
  const nginxDuration = new Family(
    "nginx_ingress_controller_request_duration_seconds",
    "histogram",
    "The request processing time in seconds",
  );
  const istioRequests = new Family("istio_requests_total", "counter", "Total requests");
  const istioDuration = new Family(
    "istio_request_duration_milliseconds",
    "histogram",
    "Request duration in milliseconds",
  );
  const sorted = [...objects].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  for (const object of sorted) {
    const log = readRequestLog(object, object.metadata.name ?? "");
    for (const series of log.totals) {
      const { labels } = series;
      if (labels.router === "ingress-nginx") {
        const base = {
          canary: labels.canary ? `${labels.namespace}-${labels.service}` : "",
          controller_class: "k8s.io/ingress-nginx",
          controller_namespace: "ingress-nginx",
          controller_pod: "ingress-nginx-controller",
          host: log.host,
          ingress: labels.route,
          method: "GET",
          namespace: labels.namespace,
          service: labels.service,
        };
        for (const [status, count] of Object.entries(series.statuses)) {
          nginxRequests.lines.push(`${nginxRequests.name}${labelText({ ...base, status })} ${count}`);
        }
        histogram(nginxDuration, base, series, NGINX_BOUNDS_MS, 1 / 1000);
      } else if (labels.router === "istio") {
        const base = {
          reporter: "destination",
          destination_service_name: labels.service,
          destination_version: labels.version === "" ? "unknown" : labels.version,
          destination_workload: labels.workload === "" ? "unknown" : labels.workload,
          destination_workload_namespace: labels.namespace,
          request_protocol: "http",
        };
        for (const [status, count] of Object.entries(series.statuses)) {
          istioRequests.lines.push(`${istioRequests.name}${labelText({ ...base, response_code: status })} ${count}`);
        }
        histogram(istioDuration, base, series, ISTIO_BOUNDS_MS, 1);
      }
    }
  }
  const lines = [nginxRequests, nginxDuration, istioRequests, istioDuration].flatMap((family) => family.text());
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
