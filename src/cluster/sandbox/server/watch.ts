import type { IncomingMessage, ServerResponse } from "node:http";
import { VelaError } from "../../../errors/index.js";
import type { ListOptions } from "../../cluster.js";
import type { ServedCluster } from "./handler.js";
import { apiFailure, failureOf } from "./status.js";

/** Bytes a watch may have queued for a client that does not read them. */
export const WATCH_BUFFER_BYTES = 16 * 1024 * 1024;

/** How long a watch without `timeoutSeconds` lasts (the API server's default minimum request timeout). */
const DEFAULT_WATCH_TIMEOUT_MS = 30 * 60 * 1000;

/** Server-wide watch settings. */
export interface WatchSettings {
  /** How often a watch that allows bookmarks gets a BOOKMARK event. @default 5000 */
  readonly bookmarkIntervalMs: number;
  /** Aborted when the server shuts down: every open watch ends cleanly. */
  readonly shutdown: AbortSignal;
  /** Bytes a watch may have queued for a client that does not read them. @default WATCH_BUFFER_BYTES */
  readonly bufferBytes?: number;
}

/** One watch request. */
export interface WatchRequest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly options: ListOptions;
  /** Absent = send the current objects as ADDED first (Kubernetes' "get state and start at most recent"). */
  readonly resourceVersion?: string;
  readonly bookmarks: boolean;
  readonly timeoutMs?: number;
}

/** True when the cluster refused a watch because its resourceVersion is older than the history it keeps. */
export function isExpiredVersionError(error: unknown): boolean {
  if (!(error instanceof VelaError)) return false;
  return /GONE|EXPIRED|TOO_OLD|COMPACTED/.test(error.code) || /too old|expired|compacted/i.test(error.message);
}

/**
 * Streams a watch as the API server does: HTTP 200, chunked, one JSON event per line
 * (`{"type":"ADDED","object":{…}}`), BOOKMARK events carrying the latest resourceVersion when the
 * client allows them, and an ERROR event with a 410 `Expired` Status when the requested
 * resourceVersion is too old (the client then lists again). Ends on client disconnect, on
 * `timeoutSeconds`, or on server shutdown.
 */
export async function serveWatch(
  cluster: ServedCluster,
  settings: WatchSettings,
  request: IncomingMessage,
  response: ServerResponse,
  watch: WatchRequest,
): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  request.on("close", stop);
  response.on("close", stop);
  settings.shutdown.addEventListener("abort", stop);
  // Like the API server (`--min-request-timeout`), a watch without timeoutSeconds ends after a
  // while anyway; clients watch again from the last resourceVersion.
  const timeout = setTimeout(stop, watch.timeoutMs ?? DEFAULT_WATCH_TIMEOUT_MS);
  request.socket.setTimeout(0);
  let lastVersion = watch.resourceVersion ?? cluster.resourceVersion ?? "0";
  response.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache",
  });
  response.flushHeaders();
  const send = (event: unknown): void => {
    if (response.writableEnded || response.destroyed) return;
    // A client that does not read its watch is cut off rather than buffered for without end (the
    // API server closes such watches too); it watches again from its last resourceVersion.
    if (response.writableLength > (settings.bufferBytes ?? WATCH_BUFFER_BYTES)) {
      stop();
      // Ending would queue behind what the client does not read: drop the connection instead.
      response.destroy();
      return;
    }
    response.write(`${JSON.stringify(event)}\n`);
  };
  const bookmarks = watch.bookmarks
    ? setInterval(
        () =>
          send({
            type: "BOOKMARK",
            object: { kind: watch.kind, apiVersion: watch.apiVersion, metadata: { resourceVersion: lastVersion } },
          }),
        settings.bookmarkIntervalMs,
      )
    : undefined;
  try {
    const events = cluster.watch(watch.apiVersion, watch.kind, {
      ...watch.options,
      ...(watch.resourceVersion === undefined ? {} : { resourceVersion: watch.resourceVersion }),
      signal: controller.signal,
    });
    const iterator = events[Symbol.asyncIterator]();
    // Race every read against the abort so a disconnect ends the stream even if the cluster's watch is idle.
    const aborted = new Promise<IteratorResult<never>>((resolve) =>
      controller.signal.addEventListener("abort", () => resolve({ done: true, value: undefined as never }), {
        once: true,
      }),
    );
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), aborted]);
        if (next.done === true || controller.signal.aborted) break;
        lastVersion = next.value.object.metadata.resourceVersion ?? lastVersion;
        send({ type: next.value.type, object: next.value.object });
      }
    } finally {
      void iterator.return?.()?.catch(() => undefined);
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      const failure = isExpiredVersionError(error)
        ? apiFailure(
            410,
            "Expired",
            `too old resource version: ${watch.resourceVersion ?? ""} (${cluster.resourceVersion ?? ""})`,
          )
        : failureOf(error, "watch", { kind: watch.kind });
      send({ type: "ERROR", object: failure.status });
    }
  } finally {
    clearTimeout(timeout);
    if (bookmarks !== undefined) clearInterval(bookmarks);
    settings.shutdown.removeEventListener("abort", stop);
    request.off("close", stop);
    if (!response.writableEnded) response.end();
  }
}
