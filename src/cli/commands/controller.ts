import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";
import { parseDuration } from "../../util/duration.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { targetOptions } from "../target-flags.js";

interface ControllerFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly definitions?: string[];
  readonly namespace?: string;
  readonly concurrency: string;
  readonly metricsPort?: string;
  readonly resync: string;
  readonly identity?: string;
}

function parseWhole(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

/** Resolves with the signal's name on SIGTERM or SIGINT. */
function onStopSignal(stop: (signal: string) => void): () => void {
  const onTerm = (): void => stop("SIGTERM");
  const onInt = (): void => stop("SIGINT");
  process.once("SIGTERM", onTerm);
  process.once("SIGINT", onInt);
  return () => {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
  };
}

/** `vela-ts controller`: reconcile Applications continuously on a real cluster, like vela-core. */
export function registerController(program: Command, env: CommandEnv): void {
  const controller = program
    .command("controller")
    .description(
      "watch Applications on a real cluster and reconcile them continuously (leader election through a Lease; Ctrl-C or SIGTERM stops gracefully)",
    )
    .option(
      "--kubeconfig <file>",
      "kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account)",
    )
    .option("--context <name>", "kubeconfig context to use")
    .option(
      "--definitions <dir>",
      "extra definition folder (repeatable; overrides built-ins by name)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "-n, --namespace <ns>",
      "only this namespace's Applications; the Lease vela-ts-controller lives here (default: all namespaces, Lease in the context's namespace)",
    )
    .option("--concurrency <n>", "applications reconciled at the same time", "4")
    .option("--metrics-port <port>", "serve /healthz, /readyz and /metrics on 127.0.0.1:PORT (0: a free port)")
    .option("--resync <duration>", "reconcile every application at least this often", "30s")
    .option("--identity <name>", "this controller's name in the Lease (default: host_pid_random)");
  examples(controller, [
    [
      "reconcile the Applications of every namespace of a cluster",
      "vela-ts controller --kubeconfig sandbox.kubeconfig",
    ],
    [
      "only namespace default, with health and metrics on port 9090",
      "vela-ts controller --kubeconfig sandbox.kubeconfig -n default --metrics-port 9090",
    ],
  ]);
  controller.action(async (flags: ControllerFlags) => {
    const { ctx } = env;
    const concurrency = parseWhole("--concurrency", flags.concurrency, 1, 256);
    const metricsPort =
      flags.metricsPort === undefined ? undefined : parseWhole("--metrics-port", flags.metricsPort, 0, 65535);
    const resyncIntervalMs = parseDuration(flags.resync);
    if (resyncIntervalMs === undefined || resyncIntervalMs <= 0)
      throw new UsageError(`--resync ${flags.resync} is not a positive duration`, {
        hint: "use a Go duration such as 30s or 5m",
      });
    const identity = flags.identity ?? `${hostname()}_${process.pid}_${randomBytes(4).toString("hex")}`;
    const stop = new AbortController();
    const detach = onStopSignal((signal) => {
      ctx.stderr.write(`${signal}: finishing in-flight reconciles, releasing the lease\n`);
      stop.abort();
    });
    try {
      const { runControllerMode } = await import("../../controller/controller-command.js");
      const summary = await runControllerMode({
        ...targetOptions({ ...flags, cluster: "kube" }, ctx, "vela-ts controller"),
        signal: stop.signal,
        identity,
        concurrency,
        resyncIntervalMs,
        ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
        ...(metricsPort === undefined ? {} : { metricsPort }),
        onStarted: (started) => {
          const scope = flags.namespace === undefined ? "all namespaces" : `namespace ${flags.namespace}`;
          ctx.stderr.write(
            `vela-ts controller ${identity} on ${started.target}; ${scope}; lease ${started.leaseNamespace}/vela-ts-controller\n`,
          );
          if (started.metricsUrl !== undefined)
            ctx.stderr.write(
              `health and metrics: ${started.metricsUrl}/healthz ${started.metricsUrl}/readyz ${started.metricsUrl}/metrics\n`,
            );
        },
      });
      ctx.stderr.write(`stopped after ${summary.reconciles} reconciles\n`);
    } finally {
      detach();
    }
  });
}
