import type { Command } from "commander";
import type { TargetOptions } from "../controller/target.js";
import type { HttpRequest, HttpResponse } from "../controller/target.js";
import type { CliContext } from "./context.js";

/** Flags every command that acts on a cluster takes. */
export interface TargetFlags {
  readonly sandbox?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly definitions?: string[];
}

/** Adds `--sandbox`, `--kubeconfig`, `--context` and `--definitions` to a command. */
export function addTargetFlags(command: Command): Command {
  return command
    .option("--sandbox <dir>", "sandbox directory (default: $VELA_TS_SANDBOX or ./.vela-ts)")
    .option("--kubeconfig <file>", "use the real cluster of this kubeconfig instead of the sandbox")
    .option("--context <name>", "kubeconfig context to use (implies a real cluster)")
    .option("--definitions <dir>", "extra definition folder (repeatable; overrides built-ins by name)", (value: string, previous: string[] = []) => [...previous, value]);
}

/** Real HTTP for webhook steps (`notification`, `http` actions), with a 10 s limit. */
export async function sendHttp(request: HttpRequest): Promise<HttpResponse> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

/** The controller's target options from the flags and the CLI context. */
export function targetOptions(flags: TargetFlags, ctx: CliContext, command: string): TargetOptions {
  const sandboxEnv = ctx.env.VELA_TS_SANDBOX;
  const kubeconfig = flags.kubeconfig;
  return {
    cwd: ctx.cwd,
    clock: ctx.clock,
    http: sendHttp,
    command,
    log: (message) => ctx.stderr.write(`${message}\n`),
    ...(flags.sandbox === undefined ? {} : { sandboxDir: flags.sandbox }),
    ...(sandboxEnv === undefined || sandboxEnv === "" ? {} : { sandboxEnv }),
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    ...(flags.context === undefined ? {} : { context: flags.context }),
    ...(flags.definitions === undefined ? {} : { definitionDirs: flags.definitions }),
  };
}
