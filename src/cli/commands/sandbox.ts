import type { Command } from "commander";
import type { CommandEnv } from "../command.js";
import { registerSandboxTraffic } from "./sandbox-traffic.js";

/** `vela-ts sandbox …`: the embedded cluster. */
export function registerSandbox(program: Command, env: CommandEnv): void {
  const sandbox = program.command("sandbox").description("work with the embedded sandbox cluster (a simulator of Kubernetes and the controllers vela-ts drives)");
  registerSandboxTraffic(sandbox, env);
}
