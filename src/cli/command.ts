import type { Command } from "commander";
import type { CliContext } from "./context.js";
import type { ProgressDisplay } from "./terminal/progress.js";
import type { Style } from "./terminal/style.js";

/** What a command's action gets besides its parsed options. */
export interface CommandEnv {
  readonly ctx: CliContext;
  /** Sets a non-error exit code (e.g. 3 when a workflow failed but the command itself worked). */
  setExitCode(code: number): void;
  /** Colours for standard output: none unless it is a terminal, `NO_COLOR` is unset and `--no-color` was not given. */
  readonly stdoutStyle: Style;
  /** Colours for standard error, by the same rules. */
  readonly stderrStyle: Style;
  /** A progress display on standard error (a spinner on a terminal) for commands that wait. */
  progress(): ProgressDisplay;
}

/** Each file in `cli/commands/` exports one of these; `main.ts` lists them. */
export type RegisterCommand = (program: Command, env: CommandEnv) => void;
