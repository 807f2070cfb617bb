import type { KubeObject } from "../../../model/kube-object.js";
import { isJsonObject, type JsonObject } from "../../../util/index.js";
import { BUCKET_SECONDS, type PodRequests, type RequestLog } from "./request-log.js";

/**
 * The simulated logs of a pod's container, as `kubectl logs` shows them: a line when the container
 * started (saying which restart it is and how the previous instance ended), then one access-log
 * line per request the pod answered, rebuilt from the request log (which records, per 10-second
 * bucket, how many requests each pod answered in each second, with which path and status). The
 * serving container is the pod's first; the others log only their start. Requests older than the
 * request log's retention (15 minutes) are gone, as rotated container logs are.
 */

/** One line of a container's log. */
export interface PodLogLine {
  /** When the line was written (ms since the epoch). */
  readonly at: number;
  readonly text: string;
}

/** Where a container's current (or previous) instance is: what the kubelet reports in `containerStatuses`. */
export interface ContainerInstance {
  readonly name: string;
  readonly image: string;
  readonly restartCount: number;
  /** The current instance's start (ms), undefined while it waits to start. */
  readonly startedAt?: number;
  /** Why it waits (`ContainerCreating`, `CrashLoopBackOff`…) when it has not started. */
  readonly waitingReason?: string;
  /** The previous instance, when the container has restarted. */
  readonly previous?: {
    readonly startedAt?: number;
    readonly finishedAt?: number;
    readonly reason: string;
    readonly exitCode: number;
  };
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

function objectAt(value: JsonObject, key: string): JsonObject | undefined {
  const field = value[key];
  return isJsonObject(field) ? field : undefined;
}

/** The containers of a pod spec, by name, in order. */
export function podContainerNames(pod: KubeObject): string[] {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  return containers.flatMap((container) =>
    isJsonObject(container) && typeof container.name === "string" ? [container.name] : [],
  );
}

/** The instance of container `name` as the pod's status reports it (a pod without status: waiting to start). */
export function containerInstance(pod: KubeObject, name: string): ContainerInstance {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const status = isJsonObject(pod.status) ? pod.status : {};
  const declared = (Array.isArray(spec.containers) ? spec.containers : []).find(
    (container) => isJsonObject(container) && container.name === name,
  );
  const image = isJsonObject(declared) && typeof declared.image === "string" ? declared.image : "";
  const reported = (Array.isArray(status.containerStatuses) ? status.containerStatuses : []).find(
    (entry) => isJsonObject(entry) && entry.name === name,
  );
  if (!isJsonObject(reported)) return { name, image, restartCount: 0, waitingReason: "ContainerCreating" };
  const state = objectAt(reported, "state") ?? {};
  const running = objectAt(state, "running");
  const terminated = objectAt(state, "terminated");
  const waiting = objectAt(state, "waiting");
  const last = objectAt(objectAt(reported, "lastState") ?? {}, "terminated");
  const startedAt = timeOf(running?.startedAt) ?? timeOf(terminated?.startedAt);
  const previousStart = timeOf(last?.startedAt);
  const previousEnd = timeOf(last?.finishedAt);
  return {
    name,
    image: typeof reported.image === "string" && reported.image !== "" ? reported.image : image,
    restartCount: typeof reported.restartCount === "number" ? reported.restartCount : 0,
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(startedAt === undefined
      ? { waitingReason: typeof waiting?.reason === "string" ? waiting.reason : "ContainerCreating" }
      : {}),
    ...(last === undefined
      ? {}
      : {
          previous: {
            ...(previousStart === undefined ? {} : { startedAt: previousStart }),
            ...(previousEnd === undefined ? {} : { finishedAt: previousEnd }),
            reason: typeof last.reason === "string" ? last.reason : "Error",
            exitCode: typeof last.exitCode === "number" ? last.exitCode : 1,
          },
        }),
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** nginx's `$time_local` in UTC: `07/Dec/2026:18:27:06 +0000`. */
function timeLocal(at: number): string {
  const date = new Date(at);
  const two = (n: number): string => String(n).padStart(2, "0");
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()] ?? "Jan"}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/** The router's address as the pod sees it: one per host, stable. */
function clientAddress(host: string): string {
  let hash = 0;
  for (const char of host) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `10.244.0.${(hash % 250) + 2}`;
}

/** Body sizes of nginx's default pages, so the lines look like what such a pod writes. */
function bodyBytes(status: number): number {
  if (status < 300) return 615;
  if (status === 404) return 153;
  return 157;
}

/**
 * One line per request in nginx's `combined` format plus `$request_time` (seconds) and the Host
 * header: `10.244.0.7 - - [07/Dec/2026:18:27:06 +0000] "GET / HTTP/1.1" 200 615 "-" "vela-ts-sandbox" 0.012 "web.example.com"`.
 * The k-th of c requests of a second is logged (k + ½)/c into it; its latency is the mean of the
 * requests counted with it (the log keeps their sum).
 */
function requestLines(host: string, bucketStart: number, entry: PodRequests): PodLogLine[] {
  const total = entry.perSecond.reduce((sum, n) => sum + n, 0);
  const seconds = total === 0 ? 0 : entry.latencySumMs / total / 1000;
  const lines: PodLogLine[] = [];
  entry.perSecond.forEach((count, offset) => {
    for (let k = 0; k < count; k++) {
      const at = Math.floor((bucketStart + offset + (k + 0.5) / count) * 1000);
      lines.push({
        at,
        text:
          `${clientAddress(host)} - - [${timeLocal(at)}] "GET ${entry.path} HTTP/1.1" ${entry.status} ` +
          `${bodyBytes(entry.status)} "-" "vela-ts-sandbox" ${seconds.toFixed(3)} "${host}"`,
      });
    }
  });
  return lines;
}

function startLine(
  instance: ContainerInstance,
  startedAt: number,
  restart: number,
  previous?: ContainerInstance["previous"],
): PodLogLine {
  const why =
    previous === undefined || restart === 0
      ? ""
      : `; the previous instance ended: ${previous.reason}, exit code ${previous.exitCode}`;
  return {
    at: startedAt,
    text: `[sandbox] container ${instance.name} started (image ${instance.image}, restart ${restart})${why}`,
  };
}

/**
 * The lines of one instance of a container: its start line, then (for the pod's first container)
 * the requests the pod answered while that instance ran, in time order.
 */
export function containerLogLines(
  pod: KubeObject,
  instance: ContainerInstance,
  logs: readonly RequestLog[],
  window: {
    readonly from: number;
    readonly until: number;
    readonly restart: number;
    /** How the instance before this one ended (said in the start line). */
    readonly previous?: ContainerInstance["previous"];
  },
): PodLogLine[] {
  const podName = `${pod.metadata.namespace ?? "default"}/${pod.metadata.name ?? ""}`;
  const lines: PodLogLine[] = [startLine(instance, window.from, window.restart, window.previous)];
  if (podContainerNames(pod)[0] === instance.name) {
    for (const log of logs)
      for (const bucket of log.buckets) {
        if ((bucket.start + BUCKET_SECONDS) * 1000 <= window.from || bucket.start * 1000 >= window.until) continue;
        for (const entry of bucket.pods ?? [])
          if (entry.pod === podName)
            for (const line of requestLines(log.host, bucket.start, entry))
              if (line.at >= window.from && line.at < window.until) lines.push(line);
      }
  }
  return lines.sort((a, b) => a.at - b.at);
}
