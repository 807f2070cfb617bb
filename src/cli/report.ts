import { EXIT_CODES, InternalError, ValidationError, VelaError, type SourceLocation } from "../errors/index.js";

/** Exit codes of STYLE §6 (kept here for the commands; the table lives with the error codes). */
export { EXIT_CODES };

function formatLocation(source: SourceLocation | undefined, path: string | undefined): string | undefined {
  if (source === undefined && (path === undefined || path === "")) return undefined;
  const where = source === undefined ? "" : `${source.file}:${source.line}:${source.column}`;
  const pointer = path === undefined || path === "" ? "" : `(${path})`;
  return `  --> ${[where, pointer].filter((part) => part !== "").join("  ")}`;
}

function formatOne(
  code: string,
  message: string,
  source: SourceLocation | undefined,
  path: string | undefined,
  hint: string | undefined,
): string {
  const lines = [`error[${code}]: ${message}`];
  const location = formatLocation(source, path);
  if (location !== undefined) lines.push(location);
  if (hint !== undefined && hint !== "") lines.push(`  hint: ${hint}`);
  return lines.join("\n");
}

/**
 * Formats any error for the terminal (the only place errors become text). A VelaError prints
 * code, message, file:line:col with its JSON pointer, and a hint; a ValidationError prints every issue;
 * anything else is a bug and prints "please report" with the stack.
 */
export function formatError(error: unknown): string {
  if (error instanceof ValidationError && error.issues.length > 0) {
    const body = error.issues
      .map((issue) => formatOne(issue.code, issue.message, issue.source, issue.path, issue.hint))
      .join("\n\n");
    return error.issues.length > 1 ? `${body}\n\n${error.issues.length} problems found\n` : `${body}\n`;
  }
  if (error instanceof InternalError) {
    const report = formatOne(error.code, error.message, error.source, error.path, error.hint);
    return `${report}\nthis is a vela-ts bug; please report it with the output above\n${error.stack ?? ""}\n`;
  }
  if (error instanceof VelaError) {
    return `${formatOne(error.code, error.message, error.source, error.path, error.hint)}\n`;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `error[E_INTERNAL]: unexpected failure\nthis is a vela-ts bug; please report it with the output below\n${stack}\n`;
}

/** The exit code for an error thrown out of a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof VelaError) return EXIT_CODES[error.category];
  return EXIT_CODES.internal;
}
