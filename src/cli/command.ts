import type { Command } from "commander";
import type { CliContext } from "./context.js";

/** What a command's action gets besides its parsed options. */
export interface CommandEnv {
  readonly ctx: CliContext;
  /** Sets a non-error exit code (e.g. 3 when a workflow failed but the command itself worked). */
  setExitCode(code: number): void;
}

/** Each file in `cli/commands/` exports one of these; `main.ts` lists them. */
export type RegisterCommand = (program: Command, env: CommandEnv) => void;
