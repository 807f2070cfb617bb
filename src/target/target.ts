import { isAbsolute, resolve } from "node:path";
import type { Cluster } from "../cluster/cluster.js";
import type { KubeCluster, KubeClusterOptions } from "../cluster/kube/index.js";
import { findSandboxServer, type SandboxCluster, type ServedRecord } from "../cluster/sandbox/index.js";
import { openCommandSandbox } from "./addon-objects.js";
import type { DefinitionRegistry, DefinitionWarning } from "../definitions/index.js";
import { UsageError } from "../errors/index.js";
import type { Clock } from "../util/index.js";
import type { HttpRequest, HttpResponse } from "../workflow/index.js";
export type { HttpRequest, HttpResponse };
import { loadClusterRegistry } from "../reconciler/definitions-for-app.js";
import { readClusterDefinitions } from "./stored-definitions.js";
import type { ClusterDriver } from "../reconciler/drive.js";
import { reconcileInputsFingerprint, sandboxFixedPointMemo } from "../reconciler/fixed-point-memo.js";
import { detectClusterAddons } from "./kube-addons.js";
import { openKubeTarget, wantsKubeTarget } from "./kube-target.js";
import type { ReconcilerDeps } from "../reconciler/reconcile.js";
import { createHelmChartSource } from "../reconciler/chart-expansion.js";
import { createCanaryRolloutRunner } from "../reconciler/steps/canary-rollout.js";
import { canaryRollbackRunner, istioCanaryRollout } from "../reconciler/steps/istio-canary.js";
import { canaryDeployRunner } from "../reconciler/steps/canary-deploy.js";
import { checkMetricsRunner } from "../reconciler/steps/check-metrics.js";
import { rollbackApplicationWith } from "../reconciler/rollback.js";
import { MemberClusters } from "./member-clusters.js";

/** Which kind of cluster a command targets: `--cluster sandbox|kube`. */
export type ClusterChoice = "sandbox" | "kube";

/** Where a command acts: the sandbox (default) or a real cluster. Built from CLI flags and env. */
export interface TargetOptions {
  readonly cwd: string;
  /** `--sandbox DIR` */
  readonly sandboxDir?: string;
  /** `VELA_TS_SANDBOX` */
  readonly sandboxEnv?: string;
  /** `--kubeconfig` / `--context` select a real cluster. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /**
   * `--cluster`: `kube` targets the real cluster of `KUBECONFIG`, `~/.kube/config` or the in-cluster
   * service account even without `--kubeconfig`/`--context`; `sandbox` refuses them.
   * @default "sandbox" unless `--kubeconfig`/`--context` is given
   */
  readonly cluster?: ClusterChoice;
  /** The process environment (`KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_HOST`/`_PORT`), passed in by the CLI. @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** On a real cluster: how often `--wait` looks again (its controllers run elsewhere). @default 1000 */
  readonly pollIntervalMs?: number;
  /** Timing of the Kubernetes client (tests shorten the reach deadline). @default the client's defaults */
  readonly kubeClient?: KubeClusterOptions;
  readonly clock: Clock;
  /** `--definitions DIR` */
  readonly definitionDirs?: readonly string[];
  readonly http: (request: HttpRequest) => Promise<HttpResponse>;
  /** Name shown to other commands waiting for the sandbox lock. */
  readonly command: string;
  readonly revisionLimit?: number;
  readonly log?: (message: string) => void;
  /**
   * `--realtime`: on the sandbox, `--wait` sleeps through timed pauses and grace periods on the wall
   * clock instead of skipping the sandbox's simulated time past them. @default false
   */
  readonly realtime?: boolean;
}

/** An opened target: the cluster, how to drive its controllers, and the reconciler's dependencies. */
export interface Target {
  readonly cluster: Cluster;
  readonly driver: ClusterDriver;
  readonly registry: DefinitionRegistry;
  readonly warnings: readonly DefinitionWarning[];
  readonly deps: ReconcilerDeps;
  /** A human description for messages: `sandbox ./.vela-ts`. */
  readonly description: string;
  readonly sandbox?: SandboxCluster;
  /** The real cluster, when the target is one. */
  readonly kube?: KubeCluster;
  /** The member clusters joined to this hub, opened as deploys reach them. */
  readonly members: MemberClusters;
  close(): void;
}

/** The sandbox directory a command uses: `--sandbox`, else `VELA_TS_SANDBOX`, else `./.vela-ts`. */
export function resolveSandboxDir(options: Pick<TargetOptions, "cwd" | "sandboxDir" | "sandboxEnv">): string {
  const chosen = options.sandboxDir ?? options.sandboxEnv ?? ".vela-ts";
  return isAbsolute(chosen) ? chosen : resolve(options.cwd, chosen);
}

/** The bundled addons a new sandbox starts with; also what a real cluster is assumed to have. */
export const DEFAULT_ADDONS: readonly string[] = [
  "fluxcd",
  "kruise-rollout",
  "argo-rollouts",
  "ingress-nginx",
  "istio",
];

/** Default of {@link TargetOptions.pollIntervalMs}. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;

/** True when the options select a real cluster: `--kubeconfig`, `--context` or `--cluster kube`. */
export function targetsKube(options: Pick<TargetOptions, "kubeconfig" | "context" | "cluster">): boolean {
  if (options.cluster === "sandbox" && wantsKubeTarget(options)) {
    throw new UsageError("--cluster sandbox cannot be combined with --kubeconfig or --context", {
      hint: "drop --cluster sandbox to use the real cluster, or drop --kubeconfig/--context",
    });
  }
  return options.cluster === "kube" || wantsKubeTarget(options);
}

/**
 * A driver for a cluster whose controllers run by themselves: nothing to settle, and `--wait`
 * polls every `pollIntervalMs`.
 */
export function remoteClusterDriver(pollIntervalMs: number = DEFAULT_POLL_INTERVAL_MS): ClusterDriver {
  return { settle: () => Promise.resolve(0), nextWakeAt: () => undefined, pollIntervalMs };
}

function reconcilerDeps(
  options: TargetOptions,
  cluster: Cluster,
  registry: DefinitionRegistry,
  members: MemberClusters,
): ReconcilerDeps {
  return {
    cluster,
    clusters: members,
    clock: options.clock,
    registry,
    http: options.http,
    extraStepRunners: [
      createCanaryRolloutRunner({ istio: istioCanaryRollout }),
      canaryRollbackRunner,
      canaryDeployRunner,
      checkMetricsRunner,
    ],
    ...(options.revisionLimit === undefined ? {} : { revisionLimit: options.revisionLimit }),
    ...(options.log === undefined ? {} : { log: options.log }),
    rollBack: (app, reason) =>
      rollbackApplicationWith(
        { cluster, registry, clock: options.clock },
        app,
        app.metadata.name ?? "",
        app.metadata.namespace ?? "default",
        undefined,
        reason,
      ),
  };
}

/**
 * Opens a real cluster (`--kubeconfig`, `--context`, or with `--cluster kube` also `KUBECONFIG`,
 * `~/.kube/config`, the in-cluster service account) with the definitions of the addons it has.
 */
async function openKubeClusterTarget(options: TargetOptions): Promise<Target> {
  const env = options.env ?? {};
  // KUBECONFIG only counts when a real cluster was asked for explicitly: the sandbox stays the default.
  const kube = await openKubeTarget({
    env,
    ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.kubeClient === undefined ? {} : { cluster: options.kubeClient }),
  });
  try {
    const enabledAddons = await detectClusterAddons(kube);
    const stored = await readClusterDefinitions(kube);
    const loaded = loadClusterRegistry({
      definitionDirs: options.definitionDirs ?? [],
      cwd: options.cwd,
      enabledAddons,
      stored: stored.definitions,
    });
    const registry = loaded.registry;
    const warnings = [...stored.warnings, ...loaded.warnings];
    const members = new MemberClusters(kube, { clock: options.clock, command: options.command });
    return {
      cluster: kube,
      driver: remoteClusterDriver(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS),
      registry,
      warnings,
      deps: reconcilerDeps(options, kube, registry, members),
      description: `cluster ${kube.contextName} at ${kube.server}`,
      kube,
      members,
      close: () => {
        members.close();
        kube.close();
      },
    };
  } catch (error) {
    kube.close();
    throw error;
  }
}

/**
 * A sandbox that `vela-ts sandbox serve` holds: the command goes through the server's Kubernetes API
 * (its kubeconfig) as on a real cluster, instead of waiting for the lock the server keeps while it runs.
 */
async function openServedSandbox(options: TargetOptions, dir: string, server: ServedRecord): Promise<Target> {
  options.log?.(`sandbox ${dir} is served by vela-ts sandbox serve (pid ${server.pid}): going through ${server.url}`);
  const { context: _context, ...rest } = options;
  const target = await openKubeClusterTarget({ ...rest, kubeconfig: server.kubeconfig, cluster: "kube" });
  return { ...target, description: `sandbox ${dir} (served at ${server.url})` };
}

function earliest(...times: readonly (Date | undefined)[]): Date | undefined {
  const known = times.filter((time): time is Date => time !== undefined);
  return known.length === 0 ? undefined : new Date(Math.min(...known.map((time) => time.getTime())));
}

/** Opens the command's target. The caller must `close()` it (the sandbox lock is held until then). */
export async function openTarget(options: TargetOptions): Promise<Target> {
  if (targetsKube(options)) return openKubeClusterTarget(options);
  const dir = resolveSandboxDir(options);
  const server = findSandboxServer(dir);
  if (server !== undefined) return openServedSandbox(options, dir, server);
  const sandbox = await openCommandSandbox({ dir, clock: options.clock, command: options.command });
  try {
    const stored = await readClusterDefinitions(sandbox);
    const loaded = loadClusterRegistry({
      definitionDirs: options.definitionDirs ?? [],
      cwd: options.cwd,
      enabledAddons: [...sandbox.enabledAddons],
      stored: stored.definitions,
    });
    const registry = loaded.registry;
    const warnings = [...stored.warnings, ...loaded.warnings];
    const members = new MemberClusters(sandbox, { clock: options.clock, command: options.command });
    // The sandbox's chart mirrors let Rollouts of helm components target what the chart really deploys.
    const deps: ReconcilerDeps = {
      ...reconcilerDeps(options, sandbox, registry, members),
      charts: createHelmChartSource({ sandboxDir: dir, cwd: options.cwd }),
    };
    const release = {
      onWait: (holder: string) => options.log?.(`waiting for the sandbox: it is held by ${holder}`),
    };
    const inputs = reconcileInputsFingerprint(registry, dir, {
      revisionLimit: deps.revisionLimit ?? null,
      cwd: options.cwd,
    });
    // Member sandboxes a deploy reached settle, wake and let go of their locks with the hub.
    const driver: ClusterDriver = {
      settle: async () => (await sandbox.settle()).writes + (await members.settle()),
      nextWakeAt: () => earliest(sandbox.nextWakeAt(), members.nextWakeAt()),
      fixedPoint: {
        memo: sandboxFixedPointMemo(dir, inputs),
        resourceVersion: () => [sandbox.resourceVersion, members.versions()].filter((part) => part !== "").join(";"),
      },
      unlockedDuring: (wait) => sandbox.withoutLock(() => members.unlockedDuring(wait), release),
      yieldBetweenPasses: async () => void (await sandbox.yieldToWaiters(release)),
      ...(sandbox.canSkipTime && options.realtime !== true
        ? { skipAhead: (milliseconds: number) => sandbox.skipAhead(milliseconds) }
        : {}),
    };
    const shown = dir.startsWith(options.cwd) ? `.${dir.slice(options.cwd.length) || "/"}` : dir;
    return {
      cluster: sandbox,
      driver,
      registry,
      warnings,
      deps,
      description: `sandbox ${shown}`,
      sandbox,
      members,
      close: () => {
        members.close();
        sandbox.close();
      },
    };
  } catch (error) {
    sandbox.close();
    throw error;
  }
}

/** Runs `work` with an opened target and always closes it (releasing the sandbox lock). */
export async function withTarget<T>(options: TargetOptions, work: (target: Target) => Promise<T>): Promise<T> {
  const target = await openTarget(options);
  try {
    return await work(target);
  } finally {
    target.close();
  }
}
