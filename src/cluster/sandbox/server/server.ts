import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { ClusterError } from "../../../errors/index.js";
import type { Clock } from "../../../util/index.js";
import { handleApiRequest, type HandlerContext, type ServedCluster } from "./handler.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { apiFailure } from "./status.js";
import { createServingCertificate, type ServingCertificate } from "./tls.js";
import { WATCH_BUFFER_BYTES } from "./watch.js";
import { WriteQueue } from "./write-queue.js";

/** Options of {@link startSandboxServer}. */
export interface SandboxServerOptions {
  readonly cluster: ServedCluster;
  /** Ages in `get` tables. */
  readonly clock: Clock;
  /** @default 0 (a free port, chosen by the OS) */
  readonly port?: number;
  /** The bearer token clients must send. @default 32 random bytes, hex */
  readonly token?: string;
  /** Reuse a certificate (e.g. across restarts so clients keep trusting the server). @default a new self-signed one */
  readonly certificate?: ServingCertificate;
  /** How often the simulated controllers run without any write (timed steps, readiness). 0 = never. @default 500 */
  readonly settleIntervalMs?: number;
  /** @default 5000 */
  readonly bookmarkIntervalMs?: number;
  /** API groups not served (a cluster without those CRDs). @default none */
  readonly hiddenGroups?: readonly string[];
  /** Serve `/openapi/v3`; off = behave like an older API server with only `/openapi/v2`. @default true */
  readonly openApiV3?: boolean;
  /** Told about a failed controller pass; the server keeps running. @default ignored */
  readonly onSettleError?: (error: unknown) => void;
  /** Connection limits and timeouts. @default SERVER_LIMITS */
  readonly limits?: Partial<ServerLimits>;
}

/** How much the server lets clients hold (docs/limits.md): a slow or greedy client cannot starve the others. */
export interface ServerLimits {
  /** Open connections at once; more are closed as they arrive. */
  readonly maxConnections: number;
  /** Time to complete the TLS handshake. */
  readonly handshakeTimeoutMs: number;
  /** Time to send the request headers (slowloris). */
  readonly headersTimeoutMs: number;
  /** Time to send the whole request (headers and body). */
  readonly requestTimeoutMs: number;
  /** A connection with no traffic this long is closed (watches excepted: they have their own). */
  readonly idleTimeoutMs: number;
  /** A keep-alive connection waiting for its next request is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /** Bytes a watch may have queued for a client that does not read them; then the watch ends. */
  readonly watchBufferBytes: number;
}

/** Defaults of {@link ServerLimits}. */
export const SERVER_LIMITS: ServerLimits = {
  maxConnections: 512,
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  keepAliveTimeoutMs: 30_000,
  watchBufferBytes: WATCH_BUFFER_BYTES,
};

/** A running server. */
export interface SandboxServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly certificate: ServingCertificate;
  /** Requests answered so far (bench). */
  readonly requestCount: number;
  /** A kubeconfig that points kubectl or vela-ts at this server. */
  kubeconfig(options?: { readonly namespace?: string; readonly name?: string }): string;
  /** Stops accepting, ends watches, lets in-flight requests and the running controller pass finish. */
  close(): Promise<void>;
}

function isAuthorised(request: IncomingMessage, expected: Buffer): boolean {
  const header = request.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice("Bearer ".length).trim(), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === "EADDRINUSE"
          ? new ClusterError("E_PORT_IN_USE", `port ${port} on 127.0.0.1 is already in use`, {
              hint: "pick another --port, or leave it out to use a free one",
            })
          : new ClusterError("E_SERVE", `cannot listen on 127.0.0.1:${port}: ${error.message}`),
      );
    };
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

/**
 * Serves a cluster (the sandbox) as a Kubernetes API server over HTTPS on 127.0.0.1 only, guarded by
 * a bearer token. Every write and every controller pass go through one queue; after each write, and
 * every `settleIntervalMs`, the cluster's `settle()` runs the simulated controllers to a fixed point,
 * so clients (and watches) see the controllers' work as they would on a real cluster. A write is
 * answered only once the cluster's `durable()` (when it has one) says it is on disk: with group
 * commit, the writes that arrive meanwhile share the next fdatasync.
 */
export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const token = options.token ?? randomBytes(32).toString("hex");
  const expected = Buffer.from(token, "utf8");
  const certificate = options.certificate ?? createServingCertificate();
  const limits: ServerLimits = { ...SERVER_LIMITS, ...options.limits };
  const queue = new WriteQueue();
  const shutdown = new AbortController();
  const cluster = options.cluster;
  const onSettleError = options.onSettleError ?? (() => undefined);
  const settle = async (): Promise<void> => {
    if (cluster.settle === undefined) return;
    try {
      await cluster.settle();
    } catch (error) {
      onSettleError(error);
    }
  };
  const context: HandlerContext = {
    cluster,
    clock: options.clock,
    scope: { hiddenGroups: options.hiddenGroups ?? [], openApiV3: options.openApiV3 ?? true },
    watch: {
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000,
      shutdown: shutdown.signal,
      bufferBytes: limits.watchBufferBytes,
    },
    // Group commit: the durability wait is outside the queue, so the writes queued behind this one
    // run meanwhile and share the next fdatasync; nobody is answered before theirs.
    write: async (job) => {
      const result = await queue.run(async () => {
        const written = await job();
        await settle();
        return written;
      });
      await cluster.durable?.();
      return result;
    },
  };
  let requestCount = 0;
  const inFlight = new Set<Promise<void>>();
  const server = createServer(
    {
      key: certificate.keyPem,
      cert: certificate.certPem,
      handshakeTimeout: limits.handshakeTimeoutMs,
      // Header and request timeouts are only enforced when Node looks (every 30 s by default).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (request: IncomingMessage, response: ServerResponse) => {
      requestCount++;
      if (!isAuthorised(request, expected)) {
        const failure = apiFailure(401, "Unauthorized", "Unauthorized");
        const text = JSON.stringify(failure.status);
        response.writeHead(401, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
        response.end(text);
        return;
      }
      const done = handleApiRequest(context, request, response).finally(() => inFlight.delete(done));
      inFlight.add(done);
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // Idle connections close; a watch lifts this for its own socket (it has bookmarks and a deadline).
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
  const port = await listen(server, options.port ?? 0);
  const interval = options.settleIntervalMs ?? 500;
  // A timer pass is skipped while writes are queued: each of them settles anyway. Its writes go to
  // disk with the next group commit, or now when no write follows.
  const timerPass = async (): Promise<void> => {
    await queue.run(settle);
    await cluster.durable?.().catch(onSettleError);
  };
  const timer =
    interval > 0 ? setInterval(() => void (queue.size === 0 ? timerPass() : undefined), interval) : undefined;
  timer?.unref();
  const url = `https://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    certificate,
    get requestCount() {
      return requestCount;
    },
    kubeconfig: (kubeconfigOptions = {}) =>
      renderKubeconfig({ url, token, caPem: certificate.certPem, ...kubeconfigOptions }),
    close() {
      closing ??= (async () => {
        if (timer !== undefined) clearInterval(timer);
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        shutdown.abort();
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        await Promise.allSettled([...inFlight]);
        await queue.drain();
        server.closeAllConnections();
        await stopped;
        clearTimeout(force);
      })();
      return closing;
    },
  };
}
