import type { RegisterCommand } from "../command.js";
import { registerDryRun } from "./dry-run.js";
import { registerDef } from "./def.js";
import { registerChart } from "./chart.js";
import { registerSandbox } from "./sandbox.js";
import { registerUp } from "./up.js";
import { registerWorkflow } from "./workflow.js";

/** Every top-level command, in the order `--help` lists them. */
export const COMMANDS: readonly RegisterCommand[] = [registerUp, registerWorkflow, registerDryRun, registerDef, registerChart, registerSandbox];
