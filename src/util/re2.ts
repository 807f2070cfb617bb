import { RE2JS } from "@bufbuild/re2";
import { VelaError } from "../errors/index.js";

/**
 * Regular expressions with RE2 semantics (what Go, CUE and Kubernetes use): matching takes time
 * linear in the input, whatever the pattern, so a user's `=~` pattern or schema `pattern` can never
 * backtrack for hours (ReDoS). RE2 has no backreferences or lookaround; such patterns are refused.
 */
export interface LinearRegExp {
  /** True when the pattern matches somewhere in `input` (JSON Schema `pattern` semantics). */
  test(input: string): boolean;
  readonly source: string;
  toString(): string;
}

/** Thrown for a pattern RE2 cannot compile. */
export class PatternError extends VelaError {
  constructor(pattern: string, detail: string) {
    super("E_PATTERN", `regular expression ${JSON.stringify(pattern)} is invalid: ${detail}`, {
      hint: "patterns use RE2 syntax (as in Go and CUE): no backreferences or lookahead",
    });
  }
}

/** Longest pattern compiled (RE2 compiles to an automaton whose size grows with the pattern). */
const MAX_PATTERN_LENGTH = 4096;

/** Compiles `pattern` with RE2 semantics; `flags` may hold `i` (case-insensitive) and `s` (dot matches newline). */
export function compileLinearRegExp(pattern: string, flags = ""): LinearRegExp {
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new PatternError(pattern.slice(0, 60), `longer than ${MAX_PATTERN_LENGTH} characters`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(
      pattern,
      (flags.includes("i") ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes("s") ? RE2JS.DOTALL : 0),
    );
  } catch (error) {
    throw new PatternError(pattern, error instanceof Error ? error.message : String(error));
  }
  // `toString` names the pattern: ajv keys its compiled patterns by it.
  return { source: pattern, test: (input) => compiled.test(input), toString: () => `/${pattern}/re2${flags}` };
}
