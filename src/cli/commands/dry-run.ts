import type { Command } from "commander";
import type { CommandEnv } from "../command.js";

/** Placeholder until the command lands. */
export function registerDryRun(program: Command, _env: CommandEnv): void {
  program.command("dry-run").description("(not yet available)");
}
