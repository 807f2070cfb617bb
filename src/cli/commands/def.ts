import type { Command } from "commander";
import type { CommandEnv } from "../command.js";

/** Placeholder until the command lands. */
export function registerDef(program: Command, _env: CommandEnv): void {
  program.command("def").description("(not yet available)");
}
