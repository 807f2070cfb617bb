import type { Command } from "commander";
import type { ClusterChoice, TargetOptions, HttpRequest, HttpResponse } from "../controller/target.js";
import { UsageError } from "../errors/index.js";
import { parseDuration } from "../util/duration.js";
import type { CliContext } from "./context.js";

/** Flags every command that acts on a cluster takes. */
export interface TargetFlags {
  readonly sandbox?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  /** `--cluster sandbox|kube` */
  readonly cluster?: string;
  readonly definitions?: string[];
}

/** Adds `--sandbox`, `--kubeconfig`, `--context`, `--cluster` and `--definitions` to a command. */
export function addTargetFlags(command: Command): Command {
  return command
    .option("--sandbox <dir>", "sandbox directory (default: $VELA_TS_SANDBOX or ./.vela-ts)")
    .option("--kubeconfig <file>", "use the real cluster of this kubeconfig instead of the sandbox")
    .option("--context <name>", "kubeconfig context to use (implies a real cluster)")
    .option(
      "--cluster <kind>",
      "sandbox (default) or kube: the real cluster of $KUBECONFIG, ~/.kube/config or the in-cluster service account",
    )
    .option(
      "--definitions <dir>",
      "extra definition folder (repeatable; overrides built-ins by name)",
      (value: string, previous: string[] = []) => [...previous, value],
    );
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

/** `--cluster`, checked. */
export function parseClusterChoice(value: string | undefined): ClusterChoice | undefined {
  if (value === undefined || value === "sandbox" || value === "kube") return value;
  throw new UsageError(`unknown --cluster "${value}"`, {
    hint: "use --cluster sandbox (the default) or --cluster kube",
  });
}

/** `VELA_TS_POLL_INTERVAL` (a duration such as 200ms or 2s): how often `--wait` polls a real cluster. */
function pollIntervalOf(env: CliContext["env"]): number | undefined {
  const text = env.VELA_TS_POLL_INTERVAL;
  if (text === undefined || text === "") return undefined;
  const milliseconds = parseDuration(text);
  if (milliseconds === undefined || milliseconds <= 0)
    throw new UsageError(`VELA_TS_POLL_INTERVAL=${text} is not a positive duration`, {
      hint: "use a Go duration such as 500ms or 2s",
    });
  return milliseconds;
}

/** The controller's target options from the flags and the CLI context. */
export function targetOptions(flags: TargetFlags, ctx: CliContext, command: string): TargetOptions {
  const sandboxEnv = ctx.env.VELA_TS_SANDBOX;
  const kubeconfig = flags.kubeconfig;
  const cluster = parseClusterChoice(flags.cluster);
  const pollIntervalMs = pollIntervalOf(ctx.env);
  return {
    cwd: ctx.cwd,
    clock: ctx.clock,
    http: sendHttp,
    command,
    env: ctx.env,
    ...(cluster === undefined ? {} : { cluster }),
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    log: (message) => ctx.stderr.write(`${message}\n`),
    ...(flags.sandbox === undefined ? {} : { sandboxDir: flags.sandbox }),
    ...(sandboxEnv === undefined || sandboxEnv === "" ? {} : { sandboxEnv }),
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    ...(flags.context === undefined ? {} : { context: flags.context }),
    ...(flags.definitions === undefined ? {} : { definitionDirs: flags.definitions }),
  };
}
