/**
 * What `vela-ts sandbox request | rollout approve|pause|resume | charts add|list` do on the
 * sandbox: open it (taking its lock), let the simulated controllers catch up with the clock, act,
 * settle, close. Kept apart from the CLI so tests and other drivers call the same functions.
 */
import { NotFoundError, VelaError } from "../errors/index.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import type { Clock, JsonObject } from "../util/index.js";
import type { SandboxCluster } from "../cluster/index.js";
import { openCommandSandbox } from "./addon-objects.js";
import { routeRequests, type RouterName, type RouteSummary } from "../cluster/sandbox/routing/index.js";
import { addChartMirror, readChartMirrors, type ChartMirror } from "../cluster/sandbox/charts/index.js";

/** Where the sandbox is and whose clock it runs on. */
export interface SandboxTarget {
  readonly dir: string;
  readonly clock: Clock;
}

/** Options of {@link sendSandboxRequests}. */
export interface SandboxRequestOptions extends SandboxTarget {
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: Readonly<Record<string, string>>;
  /** @default 100 */
  readonly count?: number;
  readonly seed: number | string;
  /** Mesh request straight to this Service (Istio). */
  readonly service?: string;
  /** @default "default" */
  readonly namespace?: string;
  /** Enter through this router only. */
  readonly router?: RouterName;
}

async function withSandbox<T>(
  target: SandboxTarget,
  command: string,
  fn: (sandbox: SandboxCluster) => Promise<T>,
): Promise<T> {
  const sandbox = await openCommandSandbox({ dir: target.dir, clock: target.clock, command });
  try {
    return await fn(sandbox);
  } finally {
    sandbox.close();
  }
}

/** Sends simulated requests through the sandbox's Ingress / Istio rules and counts who answered. */
export async function sendSandboxRequests(options: SandboxRequestOptions): Promise<RouteSummary> {
  return withSandbox(options, "sandbox request", async (sandbox) => {
    await sandbox.settle();
    return routeRequests(sandbox.store, {
      host: options.host,
      path: options.path,
      headers: options.headers,
      cookies: options.cookies,
      count: options.count ?? 100,
      seed: options.seed,
      enabledAddons: sandbox.enabledAddons,
      ...(options.service === undefined ? {} : { service: options.service, namespace: options.namespace ?? "default" }),
      ...(options.router === undefined ? {} : { router: options.router }),
    });
  });
}

/** Identifies one Rollout. */
export interface RolloutTarget extends SandboxTarget {
  readonly name: string;
  /** @default "default" */
  readonly namespace?: string;
  /**
   * After the change, wait (on this sleep) through grace periods and pod readiness until the
   * Rollout waits again at a step, finishes, or `waitTimeoutMs` passes. Absent = return at once.
   */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** @default 300000 */
  readonly waitTimeoutMs?: number;
}

/** What a rollout command did, in kubectl's words (`rollout.rollouts.kruise.io/NAME approved`). */
export interface RolloutCommandResult {
  readonly message: string;
  readonly rollout: KubeObject;
}

const ROLLOUT_API = "rollouts.kruise.io/v1alpha1";

function rolloutRef(target: RolloutTarget): ObjectRef {
  return { apiVersion: ROLLOUT_API, kind: "Rollout", name: target.name, namespace: target.namespace ?? "default" };
}

async function getRollout(sandbox: SandboxCluster, target: RolloutTarget): Promise<KubeObject> {
  const rollout = await sandbox.get(rolloutRef(target));
  if (rollout === undefined) {
    throw new NotFoundError(
      "E_ROLLOUT_NOT_FOUND",
      `rollouts.rollouts.kruise.io "${target.name}" not found in namespace "${target.namespace ?? "default"}"`,
      {
        hint: "list them with: vela-ts sandbox get rollouts -A",
      },
    );
  }
  return rollout;
}

function currentStepState(rollout: KubeObject): string | undefined {
  const canary = (rollout.status as JsonObject | undefined)?.canaryStatus as JsonObject | undefined;
  return typeof canary?.currentStepState === "string" ? canary.currentStepState : undefined;
}

/**
 * `kubectl-kruise rollout approve` (`openkruise/kruise-tools` `objectapprover.go`): allowed only
 * when `currentStepState` is `StepPaused`; writes `StepReady` through the status subresource.
 */
export async function approveRollout(target: RolloutTarget): Promise<RolloutCommandResult> {
  const result = await withSandbox(target, "sandbox rollout approve", async (sandbox) => {
    await sandbox.settle();
    const rollout = await getRollout(sandbox, target);
    const state = currentStepState(rollout);
    if (state === "StepReady")
      return { message: `rollout.rollouts.kruise.io/${target.name} already approved`, rollout };
    if (state !== "StepPaused") {
      throw new VelaError(
        "E_ROLLOUT_NOT_PAUSED",
        "does not allow to approve, because current canary state is not 'StepPaused'",
        {
          hint: `rollout "${target.name}" is ${state === undefined ? "not in a canary step" : `in state ${state}`}; approve once it waits at a step (sandbox get rollout ${target.name})`,
        },
      );
    }
    await sandbox.patchStatus(rolloutRef(target), {
      type: "merge",
      patch: { status: { canaryStatus: { currentStepState: "StepReady" } } },
    });
    await sandbox.settle();
    return {
      message: `rollout.rollouts.kruise.io/${target.name} approved`,
      rollout: await getRollout(sandbox, target),
    };
  });
  return result.message.endsWith("already approved") ? result : waitForRollout(target, result);
}

function isSettledState(rollout: KubeObject): boolean {
  const status = rollout.status as JsonObject | undefined;
  const state = currentStepState(rollout);
  return (
    status?.phase !== "Progressing" ||
    state === "StepPaused" ||
    ((status.conditions as JsonObject[] | undefined) ?? []).some(
      (c) => c.type === "Progressing" && c.reason === "Paused",
    )
  );
}

/** Lets simulated time pass (releasing the sandbox between wake-ups) until the Rollout waits again. */
async function waitForRollout(target: RolloutTarget, result: RolloutCommandResult): Promise<RolloutCommandResult> {
  const sleep = target.sleep;
  if (sleep === undefined) return result;
  const deadline = target.clock.now().getTime() + (target.waitTimeoutMs ?? 300_000);
  let rollout = result.rollout;
  while (!isSettledState(rollout)) {
    const wake = await withSandbox(target, "sandbox rollout wait", (sandbox) => Promise.resolve(sandbox.nextWakeAt()));
    if (wake === undefined || wake.getTime() > deadline) break;
    await sleep(Math.max(0, wake.getTime() - target.clock.now().getTime()));
    rollout = await withSandbox(target, "sandbox rollout wait", async (sandbox) => {
      await sandbox.settle();
      return getRollout(sandbox, target);
    });
  }
  return { ...result, rollout };
}

/** `kubectl-kruise rollout pause|resume`: sets `spec.strategy.paused`. */
export async function setRolloutPaused(
  target: RolloutTarget & { readonly paused: boolean },
): Promise<RolloutCommandResult> {
  const verb = target.paused ? "paused" : "resumed";
  const result = await withSandbox(target, `sandbox rollout ${target.paused ? "pause" : "resume"}`, async (sandbox) => {
    await sandbox.settle();
    const rollout = await getRollout(sandbox, target);
    const strategy = (rollout.spec as JsonObject | undefined)?.strategy as JsonObject | undefined;
    if ((strategy?.paused === true) === target.paused)
      return { message: `rollout.rollouts.kruise.io/${target.name} already ${verb}`, rollout };
    await sandbox.patch(rolloutRef(target), {
      type: "merge",
      patch: { spec: { strategy: { paused: target.paused } } },
    });
    await sandbox.settle();
    return { message: `rollout.rollouts.kruise.io/${target.name} ${verb}`, rollout: await getRollout(sandbox, target) };
  });
  return target.paused ? result : waitForRollout(target, result);
}

/** `sandbox charts add URL DIR_OR_INDEX`: maps a chart repository URL to a local chart repository. */
export function addSandboxChartMirror(options: {
  readonly dir: string;
  readonly url: string;
  readonly source: string;
  readonly cwd: string;
}): ChartMirror {
  return addChartMirror(options.dir, options.url, options.source, options.cwd);
}

/** `sandbox charts list`. */
export function listSandboxChartMirrors(dir: string): readonly ChartMirror[] {
  return readChartMirrors(dir);
}

export type { RouteSummary, RouterName, ChartMirror };
