import { ControllerMetrics, startHealthServer, type HealthServer } from "./controller-metrics.js";
import { runController, type ControllerSummary, type OwnedKind, type ReconcileEvent } from "./controller-mode.js";
import { CONTROLLER_LEASE_NAME, type LeaseSettings } from "./lease.js";
import { shardLeaseName, type ShardSettings } from "./sharding.js";
import { withTarget, type TargetOptions } from "../target/target.js";
import type { AbortableSleep } from "./work-queue.js";

/** Options of {@link runControllerMode}: the target (always a real cluster) and the loop's settings. */
export interface ControllerModeOptions extends TargetOptions {
  /** Ends the controller gracefully (the CLI aborts it on SIGTERM/SIGINT). */
  readonly signal: AbortSignal;
  /** This candidate's name in the Lease. */
  readonly identity: string;
  /** `--namespace`: only this namespace's Applications; the Lease lives here too. @default all namespaces, Lease in the context's namespace */
  readonly namespace?: string;
  /** @default 4 */
  readonly concurrency?: number;
  /** `--metrics-port`; undefined serves no endpoint. */
  readonly metricsPort?: number;
  /** @default 30000 */
  readonly resyncIntervalMs?: number;
  /** Look-again delay while steps wait on their components. @default 2000 */
  readonly waitPollIntervalMs?: number;
  /** Lease timing (tests shorten it). @default client-go's 15 s / 10 s / 2 s */
  readonly lease?: Pick<LeaseSettings, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs">;
  readonly ownedKinds?: readonly OwnedKind[];
  /** `--shard-id` / `--schedulable-shards`: sharded mode. @default one controller for all apps */
  readonly sharding?: ShardSettings;
  readonly sleep?: AbortableSleep;
  /** Told once the target is open and the endpoint listens. */
  readonly onStarted?: (started: {
    readonly target: string;
    readonly metricsUrl?: string;
    readonly leaseNamespace: string;
    readonly leaseName: string;
  }) => void;
  readonly onReconcile?: (event: ReconcileEvent) => void;
}

/**
 * `vela-ts controller`: opens the real cluster, serves `/healthz`, `/readyz` and `/metrics` on
 * 127.0.0.1, and runs {@link runController} until the signal aborts; then stops the endpoint and
 * closes the cluster client.
 */
export async function runControllerMode(options: ControllerModeOptions): Promise<ControllerSummary> {
  return withTarget({ ...options, cluster: "kube" }, async (target) => {
    const metrics = new ControllerMetrics();
    const leaseNamespace = options.namespace ?? target.kube?.namespace ?? "default";
    let health: HealthServer | undefined;
    if (options.metricsPort !== undefined) health = await startHealthServer(metrics, options.metricsPort);
    try {
      options.onStarted?.({
        target: target.description,
        leaseNamespace,
        leaseName: options.sharding === undefined ? CONTROLLER_LEASE_NAME : shardLeaseName(options.sharding.shardId),
        ...(health === undefined ? {} : { metricsUrl: health.url }),
      });
      return await runController({
        deps: target.deps,
        signal: options.signal,
        metrics,
        leaderElection: { namespace: leaseNamespace, identity: options.identity, ...options.lease },
        ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: options.resyncIntervalMs }),
        ...(options.waitPollIntervalMs === undefined ? {} : { pollIntervalMs: options.waitPollIntervalMs }),
        ...(options.ownedKinds === undefined ? {} : { ownedKinds: options.ownedKinds }),
        ...(options.sharding === undefined ? {} : { sharding: options.sharding }),
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
        ...(options.log === undefined ? {} : { log: options.log }),
        ...(options.onReconcile === undefined ? {} : { onReconcile: options.onReconcile }),
      });
    } finally {
      await health?.close();
    }
  });
}
