import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import type { TargetOptions } from "../operations/index.js";
import { VelaError } from "../errors/index.js";
import type { Clock } from "../util/index.js";
import {
  allowedHosts,
  bearerToken,
  cookieName,
  cookieValue,
  isSameOriginPost,
  newToken,
  sameSecret,
  sessionCookie,
} from "./auth.js";
import { startChangeFeed, type ChangeFeed } from "./change-feed.js";
import { ClusterReader } from "./cluster-reader.js";
import { handleApi, MAX_BODY_BYTES, sendJson } from "./http-api.js";
import { LiveHub, type Scheduler } from "./live-hub.js";
import { defaultBundleDir, loadStaticAssets, type StaticAsset } from "./static-assets.js";

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Where the dashboard reads and acts: the sandbox or a real cluster, as the CLI's flags say. */
  readonly target: TargetOptions;
  readonly clock: Clock;
  /** The vela-ts version, shown on the page. */
  readonly version: string;
  /** Show only this namespace. @default all namespaces */
  readonly namespace?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** The address to listen on. @default "127.0.0.1" */
  readonly address?: string;
  /** The built page. @default `dist/web` of this installation */
  readonly bundleDir?: string;
  /** Wakes moving releases on the cluster clock's time. @default real timers */
  readonly schedule?: Scheduler;
  /** Lines for the log (stderr). @default dropped */
  readonly log?: (message: string) => void;
  /** Event streams open at most. @default 64 */
  readonly maxStreams?: number;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** The URL to open, with the token. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** What it shows: `sandbox /path/.vela-ts` or the cluster. */
  readonly target: string;
  /** Stops listening, ends the event streams and the change feed. */
  close(): Promise<void>;
}

/** Headers every response carries: no framing, no sniffing, no referrer (the URL holds the token), only our own scripts. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

const UNAUTHORIZED_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vela-ts dashboard: sign-in needed</title></head>
<body><main><h1>This dashboard needs its token</h1><p>Open the URL that <code>vela-ts dashboard</code> printed
(it ends in <code>?token=…</code>). Each dashboard has its own token.</p></main></body></html>\n`;

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** The addresses a wildcard listener is reached at, for the Host check. */
function reachableAddresses(address: string): string[] {
  if (address !== "0.0.0.0" && address !== "::") return [address];
  const found = Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address));
  return [address, ...found];
}

function sendStatic(request: IncomingMessage, response: ServerResponse, asset: StaticAsset): void {
  const headers: Record<string, string | number> = {
    "Content-Type": asset.contentType,
    ETag: asset.etag,
    "Cache-Control": asset.immutable ? "private, max-age=31536000, immutable" : "no-cache",
    Vary: "Accept-Encoding",
  };
  if (request.headers["if-none-match"] === asset.etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  const gzip = /\bgzip\b/.test(request.headers["accept-encoding"] ?? "");
  const body = gzip ? asset.gzip : asset.body;
  response.writeHead(200, {
    ...headers,
    ...(gzip ? { "Content-Encoding": "gzip" } : {}),
    "Content-Length": body.length,
  });
  response.end(request.method === "HEAD" ? undefined : body);
}

function listen(server: Server, port: number, address: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new VelaError("E_DASHBOARD_LISTEN", `cannot listen on ${address}:${port}: ${error.code ?? error.message}`, {
          hint:
            error.code === "EADDRINUSE" ? "pick another --port, or leave --port out for a free one" : "check --address",
          cause: error,
        }),
      );
    };
    server.once("error", onError);
    server.listen(port, address, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * `vela-ts dashboard`: serves the web UI and its API on `address:port`. Every request needs this
 * dashboard's token; POSTs also need the page's CSRF token and the same origin; the Host header must
 * name this server (no DNS rebinding). Views are read from the cluster when it changes and pushed to
 * the open pages.
 */
export async function startDashboard(dashboardOptions: DashboardOptions): Promise<RunningDashboard> {
  // A page should say soon that the cluster is gone (it retries by itself), not after the CLI's 9 s.
  const options: DashboardOptions = {
    ...dashboardOptions,
    target: {
      ...dashboardOptions.target,
      kubeClient: { reachDeadlineMs: 3000, ...dashboardOptions.target.kubeClient },
    },
  };
  const assets = loadStaticAssets(options.bundleDir ?? defaultBundleDir());
  const token = newToken();
  const csrfToken = newToken();
  const log = options.log ?? (() => undefined);
  const reader = new ClusterReader({
    target: options.target,
    clock: options.clock,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    onHealth: (health) => {
      log(health.reachable ? "the cluster answers again" : `the cluster does not answer: ${health.message ?? ""}`);
      liveHub.broadcastHealth(health);
    },
  });
  // The reader reports health changes only from reads, which start after the hub exists.
  const liveHub: LiveHub = new LiveHub({
    reader,
    clock: options.clock,
    log,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
  });
  const address = options.address ?? "127.0.0.1";
  let hosts: ReadonlySet<string> = new Set();
  let port = 0;
  const context = {
    reader,
    hub: liveHub,
    target: options.target,
    session: {
      version: options.version,
      targetKind: reader.kind,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      csrfToken,
    },
    maxStreams: options.maxStreams ?? 64,
    log,
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    const host = (request.headers.host ?? "").toLowerCase();
    if (!hosts.has(host)) {
      sendJson(response, 421, {
        error: { code: "E_DASHBOARD_HOST", message: `this dashboard does not answer to host ${JSON.stringify(host)}` },
      });
      return;
    }
    let url: URL;
    try {
      url = new URL(request.url ?? "/", `http://${host}`);
    } catch {
      sendJson(response, 400, { error: { code: "E_DASHBOARD_BAD_REQUEST", message: "malformed URL" } });
      return;
    }
    const queryToken = url.searchParams.get("token") ?? undefined;
    const authorized =
      sameSecret(cookieValue(request, cookieName(port)), token) ||
      sameSecret(bearerToken(request), token) ||
      sameSecret(queryToken, token);
    if (!authorized) {
      if (url.pathname.startsWith("/api/")) {
        sendJson(response, 401, {
          error: {
            code: "E_DASHBOARD_UNAUTHORIZED",
            message: "this dashboard's token is missing or wrong",
            hint: "open the URL vela-ts dashboard printed",
          },
        });
      } else {
        response.writeHead(401, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
        response.end(UNAUTHORIZED_PAGE);
      }
      return;
    }
    // The token moves from the URL into a cookie, so it leaves the address bar and the history.
    if (queryToken !== undefined && request.method === "GET" && !url.pathname.startsWith("/api/")) {
      url.searchParams.delete("token");
      response.writeHead(303, {
        Location: `${url.pathname}${url.search}`,
        "Set-Cookie": sessionCookie(port, token),
        "Cache-Control": "no-store",
      });
      response.end();
      return;
    }
    if (url.pathname.startsWith("/api/")) {
      if (request.method === "POST") {
        if (!isSameOriginPost(request, csrfToken, `http://${host}`)) {
          sendJson(response, 403, {
            error: {
              code: "E_DASHBOARD_CSRF",
              message: "actions are taken only from this dashboard's own page",
              hint: "press the button on the page; API clients send the X-CSRF-Token of GET /api/session and Content-Type: application/json",
            },
          });
          return;
        }
        const length = Number(request.headers["content-length"] ?? 0);
        if (length > MAX_BODY_BYTES) {
          sendJson(response, 413, {
            error: { code: "E_DASHBOARD_BODY_TOO_LARGE", message: `request body larger than ${MAX_BODY_BYTES} bytes` },
          });
          return;
        }
      }
      await handleApi(request, response, url, url.pathname.slice("/api/".length).split("/"), context);
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      sendJson(response, 405, {
        error: { code: "E_DASHBOARD_METHOD", message: `${request.method ?? ""} not allowed` },
      });
      return;
    }
    const asset = assets.get(url.pathname);
    if (asset === undefined) {
      sendJson(response, 404, { error: { code: "E_DASHBOARD_NOT_FOUND", message: `no file ${url.pathname}` } });
      return;
    }
    sendStatic(request, response, asset);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`request ${request.method ?? ""} ${request.url ?? ""} failed: ${String(error)}`);
      if (!response.headersSent) sendJson(response, 500, { error: { code: "E_INTERNAL", message: String(error) } });
      else response.end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // event streams stay open
  server.maxConnections = 256;

  const bound = await listen(server, options.port ?? 0, address);
  port = bound.port;
  hosts = allowedHosts(port, reachableAddresses(address));
  const shownHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  const origin = `http://${LOOPBACK.has(address) || address === "0.0.0.0" || address === "::" ? (address === "::1" ? "[::1]" : "127.0.0.1") : shownHost}:${port}`;

  let feed: ChangeFeed | undefined;
  // The first read opens (or creates) the sandbox, so its directory exists for the change feed. A
  // cluster that does not answer yet gets the banner; flags that name no usable cluster are a mistake to report now.
  try {
    await reader.readViews({ apps: true, details: [] });
  } catch (error) {
    if (error instanceof VelaError && (error.code === "E_KUBECONFIG" || error.category === "usage")) {
      server.close();
      reader.close();
      await liveHub.close();
      throw error;
    }
  }
  feed = startChangeFeed({
    reader,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    onChange: () => liveHub.changed(),
  });

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    get target() {
      return reader.description;
    },
    close() {
      closing ??= (async () => {
        feed?.close();
        feed = undefined;
        await liveHub.close();
        reader.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
