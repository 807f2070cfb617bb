import type { RegisterCommand } from "../command.js";
import { registerDryRun } from "./dry-run.js";
import { registerDef } from "./def.js";
import { registerChart } from "./chart.js";
import { registerSandbox } from "./sandbox.js";

/** Every top-level command, in the order `--help` lists them. */
export const COMMANDS: readonly RegisterCommand[] = [registerDryRun, registerDef, registerChart, registerSandbox];
