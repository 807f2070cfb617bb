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

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`, as the API server names fields. */
export function fieldPathOf(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce(
      (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path === "" ? segment : `${path}.${segment}`),
      "",
    );
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
      message: issue.message,
      ...(issue.path === undefined ? {} : { field: fieldPathOf(issue.path) }),
    }));
    return apiFailure(
      422,
      "Invalid",
      `${qualified(subject)} "${subject.name ?? ""}" is invalid: ${error.message}`,
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
