import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { NotFoundError, ValidationError } from "../errors/index.js";
import { DEFAULT_YAML_LIMITS } from "../model/parse-yaml.js";
import type { CliContext } from "./context.js";

/** An input file's text and the name errors use for it. */
export interface InputText {
  readonly text: string;
  /** The path as given, or `<stdin>` for `-`. */
  readonly file: string;
}

function tooLarge(file: string, bytes: number): ValidationError {
  const cap = DEFAULT_YAML_LIMITS.maxBytes;
  return new ValidationError([
    {
      code: "E_YAML_LIMIT",
      message: `${file} is ${(bytes / 1024 / 1024).toFixed(1)} MiB, more than the ${cap / 1024 / 1024} MiB vela-ts reads`,
      hint: "split it into smaller files (limits: docs/limits.md)",
    },
  ]);
}

/**
 * Reads `-f FILE` (relative to the working directory) or standard input for `-`, refusing files
 * larger than the YAML input cap before reading them.
 */
export async function readInputText(ctx: CliContext, file: string, hint: string): Promise<InputText> {
  if (file === "-") {
    const text = await ctx.readStdin();
    if (text.length > DEFAULT_YAML_LIMITS.maxBytes) throw tooLarge("<stdin>", Buffer.byteLength(text));
    return { text, file: "<stdin>" };
  }
  const path = resolve(ctx.cwd, file);
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new NotFoundError("E_FILE_NOT_FOUND", `${file} is a directory, not a file`, { hint });
    size = stat.size;
  } catch (error) {
    if (error instanceof NotFoundError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new NotFoundError(
      "E_FILE_NOT_FOUND",
      `cannot read ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
      { hint },
    );
  }
  if (size > DEFAULT_YAML_LIMITS.maxBytes) throw tooLarge(file, size);
  return { text: readFileSync(path, "utf8"), file };
}
