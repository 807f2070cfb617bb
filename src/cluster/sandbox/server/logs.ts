import type { IncomingMessage, ServerResponse } from "node:http";
import type { KubeObject, ObjectRef } from "../../../model/kube-object.js";
import { displayText, type Clock } from "../../../util/index.js";
import {
  containerInstance,
  containerLogLines,
  podContainerNames,
  readRequestLog,
  REQUEST_METRICS_API_VERSION,
  REQUEST_METRICS_KIND,
  REQUEST_METRICS_NAMESPACE,
  type PodLogLine,
} from "../metrics/index.js";
import type { ServedCluster } from "./handler.js";
import { apiFailure, type ApiFailure } from "./status.js";

/**
 * `GET /api/v1/namespaces/NS/pods/NAME/log`: the simulated container log of a pod (see
 * `metrics/pod-log.ts`), with the kubelet's query parameters: `container`, `previous`,
 * `sinceSeconds`, `sinceTime`, `timestamps`, `tailLines`, `limitBytes` and `follow` (new lines as
 * the traffic simulation records them, until the pod goes, its container restarts, the client
 * leaves or the server stops).
 */

/** How often a followed log looks for new lines. */
export const FOLLOW_POLL_MS = 250;

/** The query of a log request, decoded. */
export interface LogQuery {
  readonly container?: string;
  readonly previous: boolean;
  readonly sinceSeconds?: number;
  readonly sinceTime?: number;
  readonly timestamps: boolean;
  readonly tailLines?: number;
  readonly limitBytes?: number;
  readonly follow: boolean;
}

/** A log request refused, with the API server's answer. */
export class LogRequestError extends Error {
  constructor(readonly failure: ApiFailure) {
    super(displayText(failure.status.message));
  }
}

function badRequest(message: string): never {
  throw new LogRequestError(apiFailure(400, "BadRequest", message));
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === "true" || value === "1";
}

function wholeNumber(query: URLSearchParams, name: string, minimum: number): number | undefined {
  const text = query.get(name);
  if (text === null || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum)
    badRequest(
      `${name}: Invalid value: ${JSON.stringify(text)}: must be ${minimum === 0 ? "non-negative" : "greater than 0"}`,
    );
  return value;
}

/** Decodes the query of a log request; a bad value is a 400 as the API server's validation words it. */
export function parseLogQuery(query: URLSearchParams): LogQuery {
  const container = query.get("container") ?? "";
  const sinceSeconds = wholeNumber(query, "sinceSeconds", 1);
  const sinceTimeText = query.get("sinceTime") ?? "";
  const sinceTime = sinceTimeText === "" ? undefined : Date.parse(sinceTimeText);
  if (sinceTime !== undefined && Number.isNaN(sinceTime)) badRequest(`sinceTime: Invalid value: "${sinceTimeText}"`);
  if (sinceSeconds !== undefined && sinceTime !== undefined)
    badRequest("at most one of `sinceTime` or `sinceSeconds` may be specified");
  const tailLines = wholeNumber(query, "tailLines", 0);
  const limitBytes = wholeNumber(query, "limitBytes", 1);
  return {
    ...(container === "" ? {} : { container }),
    previous: flag(query, "previous"),
    ...(sinceSeconds === undefined ? {} : { sinceSeconds }),
    ...(sinceTime === undefined ? {} : { sinceTime }),
    timestamps: flag(query, "timestamps"),
    ...(tailLines === undefined ? {} : { tailLines }),
    ...(limitBytes === undefined ? {} : { limitBytes }),
    follow: flag(query, "follow"),
  };
}

/** The container a request names, or the pod's only one; the kubelet's wording otherwise. */
function chooseContainer(pod: KubeObject, wanted: string | undefined): string {
  const names = podContainerNames(pod);
  const podName = pod.metadata.name ?? "";
  if (wanted !== undefined) {
    if (!names.includes(wanted)) badRequest(`container ${wanted} is not valid for pod ${podName}`);
    return wanted;
  }
  if (names.length === 1 && names[0] !== undefined) return names[0];
  return badRequest(`a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]`);
}

/** Nanosecond RFC 3339, as the kubelet prefixes lines with `timestamps=true`. */
function nanoTimestamp(at: number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000000Z`;
}

function render(line: PodLogLine, timestamps: boolean): string {
  return `${timestamps ? `${nanoTimestamp(line.at)} ` : ""}${line.text}\n`;
}

interface InstanceWindow {
  readonly container: string;
  /** The instance's start: a later start means the container restarted. */
  readonly startedAt: number;
  readonly lines: PodLogLine[];
}

async function requestLogs(cluster: ServedCluster): Promise<ReturnType<typeof readRequestLog>[]> {
  const objects = await cluster.list(REQUEST_METRICS_API_VERSION, REQUEST_METRICS_KIND, {
    namespace: REQUEST_METRICS_NAMESPACE,
  });
  return objects.map((object) => readRequestLog(object, ""));
}

/** The lines of the instance a request asks for, up to `now`. */
async function instanceLines(
  cluster: ServedCluster,
  pod: KubeObject,
  query: LogQuery,
  now: number,
): Promise<InstanceWindow> {
  const container = chooseContainer(pod, query.container);
  const instance = containerInstance(pod, container);
  const podName = pod.metadata.name ?? "";
  if (query.previous) {
    const previous = instance.previous;
    if (previous === undefined || instance.restartCount === 0)
      badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    const from = previous.startedAt ?? previous.finishedAt ?? now;
    const until = previous.finishedAt ?? instance.startedAt ?? now;
    const lines = containerLogLines(pod, instance, await requestLogs(cluster), {
      from,
      until,
      restart: instance.restartCount - 1,
    });
    return { container, startedAt: from, lines };
  }
  if (instance.startedAt === undefined)
    badRequest(
      `container "${container}" in pod "${podName}" is waiting to start: ${instance.waitingReason ?? "ContainerCreating"}`,
    );
  const lines = containerLogLines(pod, instance, await requestLogs(cluster), {
    from: instance.startedAt,
    until: now + 1,
    restart: instance.restartCount,
    ...(instance.previous === undefined ? {} : { previous: instance.previous }),
  });
  return { container, startedAt: instance.startedAt, lines };
}

/** The lines a request selects: since a time, then the last N, then at most N bytes. */
function select(lines: readonly PodLogLine[], query: LogQuery, now: number): string {
  const since = query.sinceTime ?? (query.sinceSeconds === undefined ? undefined : now - query.sinceSeconds * 1000);
  let chosen = since === undefined ? lines : lines.filter((line) => line.at >= since);
  if (query.tailLines !== undefined) chosen = query.tailLines === 0 ? [] : chosen.slice(-query.tailLines);
  const text = chosen.map((line) => render(line, query.timestamps)).join("");
  if (query.limitBytes === undefined) return text;
  return Buffer.from(text, "utf8").subarray(0, query.limitBytes).toString("utf8");
}

/** What the log handler needs from the server. */
export interface LogContext {
  readonly cluster: ServedCluster;
  readonly clock: Clock;
  /** Aborted when the server stops: a followed log ends. */
  readonly shutdown: AbortSignal;
  /** @default {@link FOLLOW_POLL_MS} */
  readonly pollMs?: number;
}

function sameInstance(
  pod: KubeObject | undefined,
  uid: string | undefined,
  container: string,
  startedAt: number,
): boolean {
  if (pod === undefined || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp !== undefined) return false;
  return containerInstance(pod, container).startedAt === startedAt;
}

/**
 * Answers a log request for `pod` (already read: a missing pod is the caller's 404). A refused
 * request throws {@link LogRequestError} before anything is written.
 */
export async function servePodLog(
  context: LogContext,
  pod: KubeObject,
  ref: ObjectRef,
  query: URLSearchParams,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const options = parseLogQuery(query);
  const now = context.clock.now().getTime();
  const window = await instanceLines(context.cluster, pod, options, now);
  const first = select(window.lines, options, now);
  if (!options.follow || options.previous) {
    response.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(first) });
    response.end(first);
    return;
  }
  response.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
  response.write(first);
  request.socket.setTimeout(0);
  let written = Buffer.byteLength(first);
  let last = window.lines.at(-1)?.at ?? window.startedAt;
  const uid = pod.metadata.uid;
  const closed = new Promise<void>((resolve) => {
    response.once("close", resolve);
    context.shutdown.addEventListener("abort", () => resolve(), { once: true });
  });
  let open = true;
  void closed.then(() => (open = false));
  const pollMs = context.pollMs ?? FOLLOW_POLL_MS;
  while (open && (options.limitBytes === undefined || written < options.limitBytes)) {
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, pollMs))]);
    if (!open) break;
    const current = await context.cluster.get(ref);
    if (current === undefined || !sameInstance(current, uid, window.container, window.startedAt)) break;
    const at = context.clock.now().getTime();
    const next = await instanceLines(context.cluster, current, options, at);
    const fresh = next.lines.filter((line) => line.at > last);
    if (fresh.length === 0) continue;
    last = fresh.at(-1)?.at ?? last;
    let text = fresh.map((line) => render(line, options.timestamps)).join("");
    if (options.limitBytes !== undefined)
      text = Buffer.from(text, "utf8")
        .subarray(0, options.limitBytes - written)
        .toString("utf8");
    written += Buffer.byteLength(text);
    response.write(text);
  }
  response.end();
}
