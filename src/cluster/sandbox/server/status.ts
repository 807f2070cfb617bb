import { ConflictError, NotFoundError, ValidationError, VelaError } from "../../../errors/index.js";
import type { JsonObject } from "../../../util/index.js";

/** An HTTP status code with the `meta/v1 Status` body the API server sends for it. */
export interface ApiFailure {
  readonly code: number;
  readonly status: JsonObject;
}

/** `Status.reason` values used here (k8s.io/apimachinery `metav1.StatusReason`). */
export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Unauthorized"
  | "MethodNotAllowed"
  | "UnsupportedMediaType"
  | "Expired"
  | "Gone"
  | "RequestEntityTooLarge"
  | "InternalError";

/** One entry of `Status.details.causes`. */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

/** What a failure is about, for `details` and messages (`deployments.apps "web" not found`). */
export interface FailureSubject {
  readonly resource?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
}

/** Builds a failure response. */
export function apiFailure(
  code: number,
  reason: StatusReason,
  message: string,
  subject: FailureSubject = {},
  causes: readonly StatusCause[] = [],
): ApiFailure {
  const details: JsonObject = {
    ...(subject.name === undefined ? {} : { name: subject.name }),
    ...(subject.group === undefined ? {} : { group: subject.group }),
    ...(subject.kind === undefined ? {} : { kind: subject.kind }),
    ...(causes.length === 0 ? {} : { causes: causes.map((cause) => ({ ...cause })) }),
  };
  return {
    code,
    status: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      ...(Object.keys(details).length === 0 ? {} : { details }),
      code,
    },
  };
}

/** `Status` for a successful delete without an object to return. */
export function successStatus(subject: FailureSubject): JsonObject {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      ...(subject.name === undefined ? {} : { name: subject.name }),
      ...(subject.group === undefined ? {} : { group: subject.group }),
      ...(subject.kind === undefined ? {} : { kind: subject.resource ?? subject.kind }),
    },
  };
}

/** Fields whose members are map keys: the API server writes them `labels[app.kubernetes.io/name]`. */
const MAP_FIELDS = new Set(["annotations", "labels", "matchLabels", "nodeSelector", "data", "stringData"]);

/**
 * `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`, and
 * `/metadata/annotations/a.b~1c` → `metadata.annotations[a.b/c]`, as the API server names fields.
 */
export function fieldPathOf(pointer: string): string {
  const segments = pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
  return segments.reduce((path, segment, index) => {
    const parent = segments[index - 1];
    if (/^\d+$/.test(segment) || (parent !== undefined && MAP_FIELDS.has(parent) && index === segments.length - 1))
      return `${path}[${segment}]`;
    return path === "" ? segment : `${path}.${segment}`;
  }, "");
}

/**
 * An issue's message without the `Deployment default/web: ` the sandbox's admission puts before
 * it for its own command line: over HTTP the Status already names the object, once.
 */
function withoutSubject(message: string, subject: FailureSubject): string {
  if (subject.kind === undefined || subject.name === undefined) return message;
  const prefix = new RegExp(`^${escapeRegExp(subject.kind)} (?:[^/\\s]+/)?${escapeRegExp(subject.name)}: `);
  return message.replace(prefix, "");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function qualified(subject: FailureSubject): string {
  const resource = subject.resource ?? subject.kind?.toLowerCase() ?? "object";
  return subject.group === undefined || subject.group === "" ? resource : `${resource}.${subject.group}`;
}

/**
 * Maps an error thrown by the cluster to what a Kubernetes API server would answer: NotFoundError →
 * 404, ConflictError → 409 (AlreadyExists for a create), ValidationError → 422 with a cause per issue,
 * other VelaErrors → 400, anything else → 500.
 */
export function failureOf(error: unknown, verb: string, subject: FailureSubject): ApiFailure {
  if (error instanceof NotFoundError) {
    return apiFailure(
      404,
      "NotFound",
      subject.name === undefined ? error.message : `${qualified(subject)} "${subject.name}" not found`,
      subject,
    );
  }
  if (error instanceof ConflictError) {
    if (verb === "create")
      return apiFailure(409, "AlreadyExists", `${qualified(subject)} "${subject.name ?? ""}" already exists`, subject);
    // The store words field-manager conflicts as `conflict with "MANAGER": .field.path`, one per field.
    const causes: StatusCause[] = [...error.message.matchAll(/conflict with "([^"]+)"(?::\s*([^;]+))?/g)].map(
      (match) => ({
        reason: "FieldManagerConflict",
        message: `conflict with "${match[1] ?? ""}"`,
        ...(match[2] === undefined ? {} : { field: match[2].trim() }),
      }),
    );
    return apiFailure(409, "Conflict", error.message, subject, causes);
  }
  if (error instanceof ValidationError) {
    const causes = error.issues.map((issue) => ({
      reason: "FieldValueInvalid",
      message: withoutSubject(issue.message, subject),
      ...(issue.path === undefined ? {} : { field: fieldPathOf(issue.path) }),
    }));
    // The API server's aggregate: `field: message`, in brackets when there are several.
    const listed = causes.map((cause) =>
      cause.field === undefined ? cause.message : `${cause.field}: ${cause.message}`,
    );
    const detail =
      listed.length === 0
        ? withoutSubject(error.message, subject)
        : listed.length === 1
          ? (listed[0] ?? "")
          : `[${listed.join(", ")}]`;
    return apiFailure(
      422,
      "Invalid",
      `${qualified(subject)} "${subject.name ?? ""}" is invalid: ${detail}`,
      subject,
      causes,
    );
  }
  if (error instanceof VelaError && error.code === "E_BODY_TOO_LARGE")
    return apiFailure(413, "RequestEntityTooLarge", error.message, subject);
  if (error instanceof VelaError && error.category !== "internal") {
    return apiFailure(
      400,
      "BadRequest",
      error.hint === undefined ? error.message : `${error.message} (${error.hint})`,
      subject,
    );
  }
  return apiFailure(
    500,
    "InternalError",
    `internal error: ${error instanceof Error ? error.message : String(error)}`,
    subject,
  );
}
