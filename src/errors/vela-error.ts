import { ERROR_CODES, type ErrorCode } from "./codes.js";

/** Where in a user's file a problem is: 1-based line and column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Which class of exit code an error maps to (STYLE §6): user input (1), CLI usage (2),
 * workflow failed or terminated (3), cluster unreachable (4), internal bug (70).
 */
export type ErrorCategory = "input" | "usage" | "workflow" | "unreachable" | "internal";

export interface VelaErrorOptions {
  /** JSON pointer into the user's document, e.g. `/spec/components/0/traits/1/properties/replicas`. */
  readonly path?: string;
  readonly source?: SourceLocation;
  /** How to fix it, in the user's terms. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * Base of every expected failure. Library code throws these (or returns them in a result);
 * only `cli/report.ts` turns them into text.
 */
export class VelaError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly source: SourceLocation | undefined;
  readonly hint: string | undefined;
  /** The class of exit code, from the code's row of {@link ERROR_CODES}. */
  readonly category: ErrorCategory;

  constructor(code: ErrorCode, message: string, options: VelaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = ERROR_CODES[code];
    this.path = options.path;
    this.source = options.source;
    this.hint = options.hint;
  }

  /** A copy with a source location filled in (used once the SourceMap of the user's file is known). */
  withSource(source: SourceLocation | undefined): this {
    if (source === undefined || this.source !== undefined) return this;
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this, { source });
    copy.message = this.message;
    if (this.stack !== undefined) copy.stack = this.stack;
    return copy;
  }
}

/** One problem inside a {@link ValidationError}. */
export interface ValidationIssue {
  readonly code: ErrorCode;
  readonly message: string;
  readonly path?: string;
  readonly source?: SourceLocation;
  readonly hint?: string;
}

/** Several problems found together (ajv `allErrors`, bind-time checks): all are reported at once. */
export class ValidationError extends VelaError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], summary?: string) {
    const first = issues[0];
    super(
      first?.code ?? "E_INVALID",
      summary ?? (issues.length === 1 && first ? first.message : `${issues.length} problems found`),
      {
        ...(first?.path === undefined ? {} : { path: first.path }),
        ...(first?.source === undefined ? {} : { source: first.source }),
        ...(first?.hint === undefined ? {} : { hint: first.hint }),
      },
    );
    this.issues = issues;
  }
}

/** A command line that cannot be run as given (exit 2). */
export class UsageError extends VelaError {
  constructor(message: string, options: VelaErrorOptions = {}) {
    super("E_USAGE", message, options);
  }
}

/** Something asked for does not exist (definition, app, revision, object). */
export class NotFoundError extends VelaError {}

/** An optimistic-concurrency or field-ownership conflict (HTTP 409 semantics). */
export class ConflictError extends VelaError {
  constructor(message: string, options: VelaErrorOptions = {}) {
    super("E_CONFLICT", message, options);
  }
}

/**
 * A cluster API failure (sandbox or Kubernetes), mapped to a readable message with a hint. Whether
 * the cluster was unreachable (exit 4) is the code's row of {@link ERROR_CODES}.
 */
export class ClusterError extends VelaError {}

/**
 * A vela-ts bug: a broken invariant or an unreachable state, never a user's mistake. Printed as
 * "this is a vela-ts bug; please report it" with the stack (exit 70).
 */
export class InternalError extends VelaError {
  constructor(message: string, options: VelaErrorOptions = {}) {
    super("E_INTERNAL", message, options);
  }
}

/** Marks a `switch` over a discriminated union as exhaustive. */
export function assertNever(value: never, what = "value"): never {
  throw new InternalError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Normalises anything caught into an Error without losing a VelaError's fields. */
export function toError(caught: unknown): Error {
  if (caught instanceof Error) return caught;
  return new InternalError(`non-error thrown: ${String(caught)}`);
}
