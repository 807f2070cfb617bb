import { ClusterError, ConflictError, NotFoundError, ValidationError, type VelaError } from "../../errors/index.js";

/** What a request was doing, for messages: `get deployments.apps "web" in namespace "prod"`. */
export interface RequestSubject {
  /** Kubernetes verb: get, list, watch, create, update, patch, delete. */
  readonly verb: string;
  /** `deployments.apps`, `pods`; empty for discovery. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Subresource such as `status`. */
  readonly subresource?: string;
}

/** Where the cluster is, for messages. */
export interface ClusterIdentity {
  readonly server: string;
  readonly contextName: string;
}

interface StatusBody {
  readonly message?: string;
  readonly reason?: string;
  readonly details?: {
    readonly causes?: readonly { readonly reason?: string; readonly message?: string; readonly field?: string }[];
  };
}

function parseStatus(body: string): StatusBody {
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === "object" && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

function describeSubject(subject: RequestSubject): string {
  const resource = subject.subresource === undefined ? subject.resource : `${subject.resource}/${subject.subresource}`;
  const name = subject.name === undefined ? "" : ` "${subject.name}"`;
  const namespace = subject.namespace === undefined ? "" : ` in namespace "${subject.namespace}"`;
  return `${resource}${name}${namespace}`;
}

/** `spec.template.spec.containers[0].image` → `/spec/template/spec/containers/0/image`. */
export function pointerOfField(field: string): string {
  const segments = field
    .replace(/\[(\d+)\]/g, ".$1")
    .replace(/\[([^\]]*)\]/g, ".$1")
    .split(".")
    .filter((segment) => segment !== "");
  return segments.length === 0
    ? ""
    : `/${segments.map((segment) => segment.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;
}

/**
 * Maps an API server error response to a VelaError with the verb, the resource and a hint:
 * 401/403 name what was refused and point at credentials or RBAC; 404 → NotFoundError; 409 →
 * ConflictError (for server-side apply: which manager owns which field, and `--force-conflicts`);
 * 422 → ValidationError with one issue per field cause; 400/5xx → ClusterError with the server's message.
 */
export function errorFromResponse(
  status: number,
  body: string,
  subject: RequestSubject,
  cluster: ClusterIdentity,
): VelaError {
  const parsed = parseStatus(body);
  const serverMessage = (parsed.message ?? "").trim() || body.trim().slice(0, 300) || `HTTP ${status}`;
  const what = describeSubject(subject);
  switch (status) {
    case 401:
      return new ClusterError(
        "E_UNAUTHORIZED",
        `the cluster at ${cluster.server} rejected the credentials of context "${cluster.contextName}" (cannot ${subject.verb} ${what})`,
        {
          hint: "the token or client certificate is missing or expired: log in again (e.g. refresh your cloud credentials) or pick another --context",
        },
      );
    case 403:
      return new ClusterError("E_FORBIDDEN", `forbidden: cannot ${subject.verb} ${what}: ${serverMessage}`, {
        hint:
          `ask for RBAC permission to "${subject.verb}" ${subject.resource || "this resource"}` +
          `${subject.namespace === undefined ? "" : ` in namespace "${subject.namespace}"`} ` +
          `(check with: kubectl auth can-i ${subject.verb} ${subject.resource}` +
          `${subject.namespace === undefined ? "" : ` -n ${subject.namespace}`})`,
      });
    case 404:
      return new NotFoundError("E_NOT_FOUND", `${what} not found`, {
        hint: "check the name and namespace (kubectl get shows what exists)",
      });
    case 409: {
      const causes = parsed.details?.causes ?? [];
      const conflicts = causes.filter((cause) => cause.reason === "FieldManagerConflict");
      if (conflicts.length > 0) {
        const owners = conflicts.map(
          (cause) =>
            `${cause.field ?? "a field"} is owned by "${/conflict with "([^"]+)"/.exec(cause.message ?? "")?.[1] ?? "another manager"}"`,
        );
        return new ConflictError(`cannot apply ${what}: ${owners.join("; ")}`, {
          hint: "another field manager set these fields: leave them out, or re-run with --force-conflicts to take them over",
        });
      }
      if (parsed.reason === "AlreadyExists")
        return new ConflictError(`${what} already exists`, { hint: "use apply to change an existing object" });
      return new ConflictError(`cannot ${subject.verb} ${what}: ${serverMessage}`, {
        hint: "the object changed since it was read: read it again and retry",
      });
    }
    case 410:
      return new ClusterError("E_WATCH_EXPIRED", `cannot ${subject.verb} ${what}: ${serverMessage}`, {
        hint: "list again and watch from the new resourceVersion",
      });
    case 422: {
      const causes = parsed.details?.causes ?? [];
      if (causes.length === 0)
        return new ValidationError([{ code: "E_INVALID", message: `${what} is invalid: ${serverMessage}` }]);
      return new ValidationError(
        causes.map((cause) => ({
          code: "E_INVALID" as const,
          message: `${what} is invalid: ${cause.field === undefined ? "" : `${cause.field}: `}${cause.message ?? cause.reason ?? "invalid value"}`,
          ...(cause.field === undefined ? {} : { path: pointerOfField(cause.field) }),
        })),
      );
    }
    default:
      return new ClusterError(
        status >= 500 ? "E_CLUSTER_SERVER" : "E_CLUSTER_REQUEST",
        `cannot ${subject.verb} ${what}: ${serverMessage} (HTTP ${status})`,
        {
          hint:
            status >= 500
              ? "the API server failed; try again, and check its health if it persists"
              : "the API server rejected the request as malformed",
        },
      );
  }
}

/** A network failure (refused, reset, timed out, DNS) after the retries, as exit-4 "cannot reach cluster". */
export function unreachableError(cause: unknown, cluster: ClusterIdentity, elapsedMs: number): ClusterError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  const why =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ETIMEDOUT" || code === "E_TIMEOUT"
        ? "timed out"
        : code === "ENOTFOUND"
          ? "host not found"
          : cause instanceof Error
            ? cause.message
            : String(cause);
  return new ClusterError(
    "E_CLUSTER_UNREACHABLE",
    `cannot reach cluster at ${cluster.server} (context "${cluster.contextName}"): ${why} after ${(elapsedMs / 1000).toFixed(1)}s`,
    {
      hint:
        "check that the cluster is running and that --kubeconfig/--context point at it " +
        "(for the served sandbox: is `vela-ts sandbox serve` still running?)",
      cause,
    },
  );
}

/** Codes Node and OpenSSL give a TLS failure (a certificate not trusted, expired, for another name…). */
const TLS_FAILURE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|UNABLE_TO_|EPROTO$|HOSTNAME_MISMATCH)/;

/** True for an error of the TLS handshake (as opposed to the network). */
export function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && TLS_FAILURE.test(code);
}

function causeText(cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * A request that failed below HTTP — the TLS handshake, or the connection lost while the request
 * or its answer was on the wire — as an exit-4 error naming the cluster, the request and the
 * cause. A write that may have reached the server says so: re-running the command finishes it.
 */
export function connectionError(
  cause: unknown,
  cluster: ClusterIdentity,
  subject: RequestSubject,
  method: string,
): ClusterError {
  const where = `cluster at ${cluster.server} (context "${cluster.contextName}")`;
  if (isTlsFailure(cause)) {
    return new ClusterError("E_CLUSTER_TLS", `cannot talk to ${where}: the TLS handshake failed: ${causeText(cause)}`, {
      hint:
        "the server's certificate is not one the kubeconfig trusts: if the cluster's certificate changed " +
        "(for the served sandbox: `sandbox serve` restarted with a new one), get a new kubeconfig",
      cause,
    });
  }
  const write = method !== "GET";
  return new ClusterError(
    "E_CLUSTER_UNREACHABLE",
    `lost the connection to ${where} during ${subject.verb} ${describeSubject(subject)}: ${causeText(cause)}`,
    {
      hint: write
        ? "the change may or may not have been made; once the cluster answers again, run the command again: it goes on from where it stopped"
        : "check that the cluster is running, then run the command again",
      cause,
    },
  );
}

/** A response the client cannot read (not JSON, cut short) as an exit-4 error naming the cluster. */
export function unreadableResponseError(
  cluster: ClusterIdentity,
  subject: RequestSubject,
  detail: string,
): ClusterError {
  return new ClusterError(
    "E_CLUSTER_RESPONSE",
    `the cluster at ${cluster.server} (context "${cluster.contextName}") answered ${subject.verb} ` +
      `${describeSubject(subject)} with a response that cannot be read: ${detail}`,
    { hint: "check the cluster's health (and any proxy in between), then run the command again" },
  );
}
