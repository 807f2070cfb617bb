import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";
import { parseDuration } from "../../util/duration.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { targetOptions } from "../target-flags.js";
import { MASTER_SHARD, validateShardId, type ShardSettings } from "../../controller/sharding.js";

interface ControllerFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly definitions?: string[];
  readonly namespace?: string;
  readonly concurrency: string;
  readonly metricsPort?: string;
  readonly resync: string;
  readonly identity?: string;
  readonly shardId?: string;
  readonly schedulableShards?: string;
  readonly leaderElectionLeaseDuration: string;
  readonly leaderElectionRenewDeadline: string;
  readonly leaderElectionRetryPeriod: string;
}

function positiveDuration(flag: string, text: string): number {
  const milliseconds = parseDuration(text);
  if (milliseconds === undefined || milliseconds <= 0)
    throw new UsageError(`${flag} ${text} is not a positive duration`, { hint: "use a Go duration such as 30s or 5m" });
  return milliseconds;
}

/** `--shard-id` and `--schedulable-shards` as sharding settings (undefined: not sharded). */
function shardingOf(flags: ControllerFlags): ShardSettings | undefined {
  if (flags.shardId === undefined) {
    if (flags.schedulableShards !== undefined)
      throw new UsageError("--schedulable-shards needs --shard-id master", {
        hint: "only the master shard schedules applications onto shards",
      });
    return undefined;
  }
  const shardId = validateShardId("--shard-id", flags.shardId);
  if (flags.schedulableShards === undefined) return { shardId };
  if (shardId !== MASTER_SHARD)
    throw new UsageError(`--schedulable-shards is for the master shard, not "${shardId}"`, {
      hint: "only the master shard schedules applications onto shards",
    });
  const listed = flags.schedulableShards
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  return { shardId, schedulableShards: listed.map((id) => validateShardId("--schedulable-shards", id)) };
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
    .option("--identity <name>", "this controller's name in the Lease (default: host_pid_random)")
    .option(
      "--shard-id <id>",
      "sharded mode: reconcile only Applications labelled controller.core.oam.dev/scheduled-shard-id=<id> " +
        "(Lease vela-ts-controller-<id>); the master shard also schedules unlabelled ones",
    )
    .option(
      "--schedulable-shards <ids>",
      "master shard only: the shards it may schedule onto, comma-separated (default: every shard with a live Lease but master)",
    )
    .option("--leader-election-lease-duration <duration>", "how long a Lease is valid without renewal", "15s")
    .option("--leader-election-renew-deadline <duration>", "a leader that could not renew this long stops", "10s")
    .option("--leader-election-retry-period <duration>", "time between Lease acquire and renew attempts", "2s");
  examples(controller, [
    [
      "reconcile the Applications of every namespace of a cluster",
      "vela-ts controller --kubeconfig sandbox.kubeconfig",
    ],
    [
      "only namespace default, with health and metrics on port 9090",
      "vela-ts controller --kubeconfig sandbox.kubeconfig -n default --metrics-port 9090",
    ],
    [
      "sharded: the master schedules new Applications onto shard-0 and shard-1",
      "vela-ts controller --kubeconfig sandbox.kubeconfig --shard-id master",
    ],
    [
      "a shard reconciling the Applications scheduled to it",
      "vela-ts controller --kubeconfig sandbox.kubeconfig --shard-id shard-0",
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
    const lease = {
      leaseDurationMs: positiveDuration("--leader-election-lease-duration", flags.leaderElectionLeaseDuration),
      renewDeadlineMs: positiveDuration("--leader-election-renew-deadline", flags.leaderElectionRenewDeadline),
      retryPeriodMs: positiveDuration("--leader-election-retry-period", flags.leaderElectionRetryPeriod),
    };
    if (lease.renewDeadlineMs >= lease.leaseDurationMs || lease.retryPeriodMs >= lease.renewDeadlineMs)
      throw new UsageError("leader election needs retry period < renew deadline < lease duration", {
        hint: "e.g. --leader-election-lease-duration 15s --leader-election-renew-deadline 10s --leader-election-retry-period 2s",
      });
    const sharding = shardingOf(flags);
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
        lease,
        ...(sharding === undefined ? {} : { sharding }),
        resyncIntervalMs,
        ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
        ...(metricsPort === undefined ? {} : { metricsPort }),
        onStarted: (started) => {
          const scope = flags.namespace === undefined ? "all namespaces" : `namespace ${flags.namespace}`;
          const shard = sharding === undefined ? "" : `; shard ${sharding.shardId}`;
          ctx.stderr.write(
            `vela-ts controller ${identity} on ${started.target}; ${scope}${shard}; lease ${started.leaseNamespace}/${started.leaseName}\n`,
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
