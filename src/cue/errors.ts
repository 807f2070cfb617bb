import { VelaError, type ErrorCode } from "../errors/index.js";
import { formatPosition, type CuePosition } from "./source.js";

/**
 * What went wrong, in CUE's own terms:
 * - `syntax`: the text does not parse;
 * - `reference`: a name that no scope declares, or an unknown import;
 * - `conflict`: values that do not unify (`conflicting values 1 and 2`), a failed constraint, a
 *   closed struct given a field it does not allow, a builtin given a bad argument;
 * - `incomplete`: a value that is not concrete where it must be (`incomplete value int`), a
 *   reference to a missing field, a cycle;
 * - `limit`: the evaluation went past its bounds (steps, depth, size).
 */
export type CueErrorKind = "syntax" | "reference" | "conflict" | "incomplete" | "limit";

const CODES: Readonly<Record<CueErrorKind, ErrorCode>> = {
  syntax: "E_CUE_SYNTAX",
  reference: "E_CUE_REFERENCE",
  conflict: "E_CUE_CONFLICT",
  incomplete: "E_CUE_INCOMPLETE",
  limit: "E_CUE_LIMIT",
};

/** One CUE problem: a message, the CUE path of the value (`output.spec.replicas`) and the positions involved. */
export interface CueProblem {
  readonly kind: CueErrorKind;
  readonly message: string;
  /** Dotted CUE path of the value, empty at the root. */
  readonly path: string;
  /** The same path as labels (list indexes as digits), when the problem is about a value. */
  readonly labels?: readonly string[];
  /** Source positions of the values involved (both sides of a conflict), first the most relevant. */
  readonly positions: readonly CuePosition[];
}

/** Formats a problem as CUE's command line does: `path: message` then its positions. */
export function describeProblem(problem: CueProblem): string {
  const where = problem.positions.length === 0 ? "" : ` (${problem.positions.map(formatPosition).join(", ")})`;
  return `${problem.path === "" ? "" : `${problem.path}: `}${problem.message}${where}`;
}

/**
 * A CUE failure: compiling, evaluating or exporting. `problems` holds every problem found (the
 * first one gives `message`, `code` and `source`).
 */
export class CueError extends VelaError {
  readonly kind: CueErrorKind;
  readonly problems: readonly CueProblem[];
  /** Dotted CUE path of the first problem. */
  readonly cuePath: string;

  constructor(problems: readonly CueProblem[], options: { readonly hint?: string; readonly cause?: unknown } = {}) {
    const first = problems[0] ?? { kind: "conflict" as const, message: "evaluation failed", path: "", positions: [] };
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    super(CODES[first.kind], `${first.path === "" ? "" : `${first.path}: `}${first.message}${more}`, {
      ...(first.positions[0] === undefined ? {} : { source: first.positions[0] }),
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.kind = first.kind;
    this.problems = problems;
    this.cuePath = first.path;
  }
}

/** A single-problem CueError. */
export function cueError(
  kind: CueErrorKind,
  message: string,
  positions: readonly CuePosition[] = [],
  path = "",
): CueError {
  return new CueError([{ kind, message, path, positions }]);
}
