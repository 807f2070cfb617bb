import type { IncomingMessage } from "node:http";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import { ClusterError, VelaError } from "../../errors/index.js";
import type { LoadedKubeConfig } from "./kubeconfig.js";
import {
  connectionError,
  errorFromResponse,
  isTlsFailure,
  unreachableError,
  unreadableResponseError,
  type ClusterIdentity,
  type RequestSubject,
} from "./errors.js";

/** KubeConfig's private `applyOptions` (headers, certificates and auth without the TLS-only checks). */
interface KubeConfigOptionsAccess {
  applyOptions(options: RequestOptions): Promise<void>;
}

/** One API request. */
export interface KubeRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Absolute API path, e.g. `/apis/apps/v1/namespaces/prod/deployments/web`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** @default "application/json" */
  readonly contentType?: string;
  readonly subject: RequestSubject;
}

/** A complete (non-streaming) response. */
export interface KubeResponse {
  readonly status: number;
  readonly body: string;
}

/** Timing of requests and retries. */
export interface TransportOptions {
  /** Total time for retrying connection failures before "cannot reach cluster". @default 9000 */
  readonly reachDeadlineMs?: number;
  /** Time to wait for the TCP/TLS connection of one attempt. @default 3000 */
  readonly connectTimeoutMs?: number;
  /** Time to wait for response headers once connected. @default 30000 */
  readonly responseTimeoutMs?: number;
  /** First retry delay; doubles up to 2 s. @default 200 */
  readonly initialBackoffMs?: number;
}

const RETRYABLE_NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "EPIPE",
  "E_TIMEOUT",
  "ENOTFOUND",
]);

class TimeoutError extends Error {
  readonly code = "E_TIMEOUT";
}

class ConnectTimeoutError extends TimeoutError {}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && RETRYABLE_NETWORK.has(code);
}

/** Writes are retried only when the request cannot have reached the server, so none is applied twice. */
function neverConnected(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === "ECONNREFUSED" ||
    code === "ENOTFOUND" ||
    code === "EAI_AGAIN" ||
    code === "EHOSTUNREACH" ||
    code === "ENETUNREACH" ||
    error instanceof ConnectTimeoutError
  );
}

/** How long static credentials are reused before the kubeconfig's files are read again. */
const STATIC_CREDENTIALS_TTL_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * HTTP to the API server with the kubeconfig's credentials (`KubeConfig.applyToHTTPSOptions`:
 * tokens, client certificates, exec and auth-provider plugins, CA data), keep-alive connections,
 * and bounded retries with exponential backoff for failures that did not reach the server
 * (refused, reset, timed out) and for 429/503. After `reachDeadlineMs` it gives up with an
 * exit-4 `E_CLUSTER_UNREACHABLE`.
 */
export class KubeTransport {
  readonly identity: ClusterIdentity;
  private readonly url: URL;
  private agent: HttpAgent | HttpsAgent | undefined;
  private readonly options: Required<TransportOptions>;

  constructor(
    private readonly loaded: LoadedKubeConfig,
    options: TransportOptions = {},
  ) {
    this.identity = { server: loaded.server, contextName: loaded.contextName };
    this.url = new URL(loaded.server);
    this.options = {
      reachDeadlineMs: options.reachDeadlineMs ?? 9000,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      responseTimeoutMs: options.responseTimeoutMs ?? 30_000,
      initialBackoffMs: options.initialBackoffMs ?? 200,
    };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /** Sends a request and reads the whole response, retrying transient failures. */
  async request(request: KubeRequest): Promise<KubeResponse> {
    return this.withRetries(request, async () => {
      const response = await this.open(request, undefined);
      const body = await readAll(response);
      return { status: response.statusCode ?? 0, body };
    });
  }

  /** Like {@link request} but throws the mapped VelaError for any status outside 2xx (404 → `undefined` when allowed). */
  async requestJson<T>(
    request: KubeRequest,
    options: { readonly allowNotFound?: boolean } = {},
  ): Promise<T | undefined> {
    const response = await this.request(request);
    if (response.status === 404 && options.allowNotFound === true) return undefined;
    if (response.status < 200 || response.status >= 300) throw this.errorOf(response, request);
    try {
      return JSON.parse(response.body) as T;
    } catch (error) {
      throw unreadableResponseError(
        this.identity,
        request.subject,
        error instanceof Error ? error.message : String(error),
      );
    }
  }

  /** Opens a streaming response (watch); the caller reads and closes it. Non-2xx statuses are thrown as VelaErrors. */
  async stream(request: KubeRequest, signal: AbortSignal): Promise<IncomingMessage> {
    return this.withRetries(request, async () => {
      const response = await this.open(request, signal);
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return response;
      const body = await readAll(response);
      return Promise.reject(this.errorOf({ status, body }, request));
    });
  }

  errorOf(response: KubeResponse, request: KubeRequest): VelaError {
    return errorFromResponse(response.status, response.body, request.subject, this.identity);
  }

  private async withRetries<T>(request: KubeRequest, attempt: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let delay = this.options.initialBackoffMs;
    for (;;) {
      try {
        const result = await attempt();
        const status = (result as { status?: number }).status;
        if ((status === 429 || status === 503) && Date.now() - started + delay < this.options.reachDeadlineMs) {
          await sleep(delay);
          delay = Math.min(delay * 2, 2000);
          continue;
        }
        return result;
      } catch (error) {
        if (error instanceof VelaError) throw error;
        // Anything else below HTTP (TLS, a reset while the request or its answer was on the wire)
        // is the connection's fault, never vela-ts's: exit 4 naming the cluster and the cause.
        if (isTlsFailure(error)) throw connectionError(error, this.identity, request.subject, request.method);
        if (!isNetworkError(error) || (request.method !== "GET" && !neverConnected(error)))
          throw connectionError(error, this.identity, request.subject, request.method);
        const elapsed = Date.now() - started;
        if (elapsed + delay >= this.options.reachDeadlineMs) throw unreachableError(error, this.identity, elapsed);
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /**
   * Options of static credentials (token, client certificate, basic auth: no exec or auth-provider
   * plugin) and when they were worked out: `applyToHTTPSOptions` reads certificate files and builds
   * a TLS context each time, a large part of a small request's cost; they are worked out again
   * after a minute, so rotated certificate files are still picked up.
   */
  private staticOptions: { readonly options: RequestOptions; readonly at: number } | undefined;

  private async requestOptions(): Promise<RequestOptions> {
    const cached = this.staticOptions;
    if (cached !== undefined && Date.now() - cached.at < STATIC_CREDENTIALS_TTL_MS)
      return { ...cached.options, headers: { ...cached.options.headers } };
    const options = await this.freshRequestOptions();
    const user = this.loaded.config.getCurrentUser();
    if (user?.exec === undefined && user?.authProvider === undefined)
      this.staticOptions = { options: { ...options, headers: { ...options.headers } }, at: Date.now() };
    return options;
  }

  private async freshRequestOptions(): Promise<RequestOptions> {
    const options: RequestOptions = { headers: {} };
    try {
      await this.loaded.config.applyToHTTPSOptions(options);
    } catch {
      // client-node refuses plain-http servers unless TLS verification is skipped; its header and
      // certificate logic is still what we want, so apply that part directly.
      await (this.loaded.config as unknown as KubeConfigOptionsAccess).applyOptions(options);
    }
    return options;
  }

  private async open(request: KubeRequest, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    let base: RequestOptions;
    try {
      base = await this.requestOptions();
    } catch (error) {
      throw new ClusterError(
        "E_CREDENTIALS",
        `cannot get the credentials of context "${this.identity.contextName}": ${error instanceof Error ? error.message : String(error)}`,
        { hint: "check the user entry of the kubeconfig (its exec plugin or auth provider)", cause: error },
      );
    }
    const secure = this.url.protocol === "https:";
    this.agent ??= secure
      ? new HttpsAgent({
          keepAlive: true,
          ...(base.ca === undefined ? {} : { ca: base.ca }),
          ...(base.cert === undefined ? {} : { cert: base.cert }),
          ...(base.key === undefined ? {} : { key: base.key }),
          ...(base.pfx === undefined ? {} : { pfx: base.pfx }),
          ...(base.passphrase === undefined ? {} : { passphrase: base.passphrase }),
          ...(base.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: base.rejectUnauthorized }),
          ...(base.servername === undefined ? {} : { servername: base.servername }),
        })
      : new HttpAgent({ keepAlive: true });
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) query.set(key, value);
    const search = query.toString();
    const prefix = this.url.pathname.replace(/\/+$/, "");
    const body =
      request.body === undefined
        ? undefined
        : typeof request.body === "string"
          ? request.body
          : JSON.stringify(request.body);
    const headers: Record<string, string | number> = {
      ...(base.headers as Record<string, string>),
      Accept: "application/json",
      "User-Agent": "vela-ts",
      ...(body === undefined
        ? {}
        : { "Content-Type": request.contentType ?? "application/json", "Content-Length": Buffer.byteLength(body) }),
    };
    return new Promise<IncomingMessage>((resolve, reject) => {
      const send = secure ? httpsRequest : httpRequest;
      const outgoing = send({
        protocol: this.url.protocol,
        hostname: this.url.hostname.replace(/^\[|\]$/g, ""),
        port: this.url.port === "" ? (secure ? 443 : 80) : Number(this.url.port),
        method: request.method,
        path: `${prefix}${request.path}${search === "" ? "" : `?${search}`}`,
        headers,
        agent: this.agent,
        ...(base.auth === undefined ? {} : { auth: base.auth }),
        ...(signal === undefined ? {} : { signal }),
      });
      let connected = false;
      const connectTimer = setTimeout(() => {
        if (!connected) outgoing.destroy(new ConnectTimeoutError("connection timed out"));
      }, this.options.connectTimeoutMs);
      const responseTimer = setTimeout(
        () => outgoing.destroy(new TimeoutError("no response from the API server")),
        this.options.responseTimeoutMs,
      );
      outgoing.on("socket", (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once("connect", () => void (connected = true));
      });
      outgoing.on("response", (response) => {
        clearTimeout(connectTimer);
        clearTimeout(responseTimer);
        resolve(response);
      });
      outgoing.on("error", (error) => {
        clearTimeout(connectTimer);
        clearTimeout(responseTimer);
        reject(error);
      });
      outgoing.end(body);
    });
  }
}

async function readAll(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
