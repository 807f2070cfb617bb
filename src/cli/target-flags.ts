import { isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import type { ClusterChoice, TargetOptions, HttpRequest, HttpResponse } from "../target/target.js";
import { UsageError } from "../errors/index.js";
import { parseDuration } from "../util/duration.js";
import type { CliContext } from "./context.js";
import { loadController } from "./lazy-controller.js";

/** Flags every command that acts on a cluster takes. */
export interface TargetFlags {
  readonly sandbox?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  /** `--cluster sandbox|kube` */
  readonly cluster?: string;
  readonly definitions?: string[];
  /** `-n`, when the command has it; absent means the context's namespace (or `default`). */
  readonly namespace?: string;
}

/** Adds `--sandbox`, `--kubeconfig`, `--context`, `--cluster` and `--definitions` to a command. */
export function addTargetFlags(command: Command): Command {
  return command
    .option("--sandbox <dir>", "sandbox directory (default: $VELA_TS_SANDBOX or ./.vela-ts)")
    .option("--kubeconfig <file>", "use the real cluster of this kubeconfig instead of the sandbox")
    .option("--context <name>", "kubeconfig context to use (implies a real cluster)")
    .option(
      "--cluster <kind>",
      "sandbox or kube (default: kube when --kubeconfig, --context or $KUBECONFIG says so, else sandbox)",
    )
    .option(
      "--definitions <dir>",
      "extra definition folder (repeatable; overrides built-ins by name)",
      (value: string, previous: string[] = []) => [...previous, value],
    );
}

/** Adds `-n, --namespace` without a default: absent means the kubeconfig context's namespace, as in kubectl. */
export function addNamespaceFlag(command: Command, what = "namespace of the application"): Command {
  return command.option("-n, --namespace <ns>", `${what} (default: the context's namespace, else "default")`);
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

function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

/**
 * Which cluster the flags and environment point at, most explicit first: `--cluster`; `--kubeconfig` or
 * `--context` (a real cluster); `--sandbox DIR` or `VELA_TS_SANDBOX` (the sandbox); `KUBECONFIG`
 * (a real cluster, as for kubectl); otherwise the sandbox. `~/.kube/config` and the in-cluster service
 * account alone do not take a command off the sandbox: they count once a real cluster is chosen.
 */
export function chooseCluster(flags: TargetFlags, env: CliContext["env"]): ClusterChoice {
  const cluster = parseClusterChoice(flags.cluster);
  const kubeFlags = isSet(flags.kubeconfig) || isSet(flags.context);
  if (isSet(flags.sandbox) && (kubeFlags || cluster === "kube"))
    throw new UsageError("--sandbox cannot be combined with --kubeconfig, --context or --cluster kube", {
      hint: "drop --sandbox to use the real cluster, or drop the kubeconfig flags to use the sandbox",
    });
  if (cluster !== undefined) return cluster;
  if (kubeFlags) return "kube";
  if (isSet(flags.sandbox) || isSet(env.VELA_TS_SANDBOX)) return "sandbox";
  return isSet(env.KUBECONFIG) ? "kube" : "sandbox";
}

/** `--kubeconfig FILE`, relative to the command's working directory. */
export function kubeconfigPath(file: string | undefined, ctx: Pick<CliContext, "cwd">): string | undefined {
  return file === undefined || file === "" || isAbsolute(file) ? file : resolve(ctx.cwd, file);
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
  const kubeconfig = kubeconfigPath(flags.kubeconfig, ctx);
  const cluster = chooseCluster(flags, ctx.env);
  const pollIntervalMs = pollIntervalOf(ctx.env);
  return {
    cwd: ctx.cwd,
    clock: ctx.clock,
    http: sendHttp,
    command,
    env: ctx.env,
    cluster,
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    log: (message) => ctx.stderr.write(`${message}\n`),
    ...(flags.sandbox === undefined ? {} : { sandboxDir: flags.sandbox }),
    ...(sandboxEnv === undefined || sandboxEnv === "" ? {} : { sandboxEnv }),
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    ...(flags.context === undefined ? {} : { context: flags.context }),
    ...(flags.definitions === undefined ? {} : { definitionDirs: flags.definitions }),
  };
}

/** `-n` when given, else the namespace of the kubeconfig context (real clusters) or `default` (the sandbox). */
export async function namespaceOf(flags: TargetFlags, options: TargetOptions): Promise<string> {
  if (isSet(flags.namespace)) return flags.namespace;
  if (options.cluster === "sandbox") return "default";
  const { defaultNamespace } = await loadController();
  return defaultNamespace(options);
}
