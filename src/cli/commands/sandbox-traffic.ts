import type { Command } from "commander";
import type { CommandEnv } from "../command.js";

/** `sandbox request` and `sandbox rollout approve|pause|resume` (placeholder until they land). */
export function registerSandboxTraffic(_sandbox: Command, _env: CommandEnv): void {}
