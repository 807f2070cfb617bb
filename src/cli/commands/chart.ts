import type { Command } from "commander";
import type { CommandEnv } from "../command.js";

/** Placeholder until the command lands. */
export function registerChart(program: Command, _env: CommandEnv): void {
  program.command("chart").description("(not yet available)");
}
