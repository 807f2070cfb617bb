import { isAbsolute, resolve } from "node:path";
import type { Cluster } from "../cluster/cluster.js";
import { openSandbox, type SandboxCluster } from "../cluster/sandbox/index.js";
import type { DefinitionRegistry, DefinitionWarning } from "../definitions/index.js";
import { UsageError } from "../errors/index.js";
import { createApplicationCheck } from "../model/index.js";
import type { Clock } from "../util/index.js";
import type { HttpRequest, HttpResponse } from "../workflow/index.js";
export type { HttpRequest, HttpResponse };
import { loadClusterRegistry } from "./definitions-for-app.js";
import type { ClusterDriver } from "./drive.js";
import type { ReconcilerDeps } from "./reconcile.js";
import { createCanaryRolloutRunner } from "./steps/canary-rollout.js";

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
  readonly clock: Clock;
  /** `--definitions DIR` */
  readonly definitionDirs?: readonly string[];
  readonly http: (request: HttpRequest) => Promise<HttpResponse>;
  /** Name shown to other commands waiting for the sandbox lock. */
  readonly command: string;
  readonly revisionLimit?: number;
  readonly log?: (message: string) => void;
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
  close(): void;
}

/** The sandbox directory a command uses: `--sandbox`, else `VELA_TS_SANDBOX`, else `./.vela-ts`. */
export function resolveSandboxDir(options: Pick<TargetOptions, "cwd" | "sandboxDir" | "sandboxEnv">): string {
  const chosen = options.sandboxDir ?? options.sandboxEnv ?? ".vela-ts";
  return isAbsolute(chosen) ? chosen : resolve(options.cwd, chosen);
}

/** The bundled addons a new sandbox starts with; also what a real cluster is assumed to have. */
export const DEFAULT_ADDONS: readonly string[] = ["fluxcd", "kruise-rollout", "ingress-nginx", "istio"];

/** Opens the command's target. The caller must `close()` it (the sandbox lock is held until then). */
export async function openTarget(options: TargetOptions): Promise<Target> {
  if (options.kubeconfig !== undefined || options.context !== undefined) {
    throw new UsageError("real clusters are not available in this build of the release commands", {
      hint: "drop --kubeconfig/--context to use the sandbox",
    });
  }
  const dir = resolveSandboxDir(options);
  const sandbox = await openSandbox({ dir, clock: options.clock, command: options.command });
  try {
    const { registry, warnings } = loadClusterRegistry({ definitionDirs: options.definitionDirs ?? [], cwd: options.cwd, enabledAddons: [...sandbox.enabledAddons] });
    const driver: ClusterDriver = {
      settle: async () => (await sandbox.settle()).writes,
      nextWakeAt: () => sandbox.nextWakeAt(),
    };
    const deps: ReconcilerDeps = {
      cluster: sandbox,
      clock: options.clock,
      registry,
      http: options.http,
      extraStepRunners: [createCanaryRolloutRunner()],
      applicationCheck: createApplicationCheck(),
      ...(options.revisionLimit === undefined ? {} : { revisionLimit: options.revisionLimit }),
      ...(options.log === undefined ? {} : { log: options.log }),
    };
    const shown = dir.startsWith(options.cwd) ? `.${dir.slice(options.cwd.length) || "/"}` : dir;
    return { cluster: sandbox, driver, registry, warnings, deps, description: `sandbox ${shown}`, sandbox, close: () => sandbox.close() };
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

