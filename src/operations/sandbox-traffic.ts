/**
 * What `vela-ts sandbox request | rollout approve|pause|resume | charts add|list` do on the
 * sandbox: open it (taking its lock), let the simulated controllers catch up with the clock, act,
 * settle, close. Kept apart from the CLI so tests and other drivers call the same functions.
 */
import { NotFoundError, VelaError } from "../errors/index.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import type { Clock, JsonObject } from "../util/index.js";
import type { SandboxCluster } from "../cluster/index.js";
import { openCommandSandbox } from "../target/addon-objects.js";
import {
  routeRequests,
  type RouteOutcome,
  type RouterName,
  type RouteSummary,
} from "../cluster/sandbox/routing/index.js";
import { answerRoutedRequests, requestLogChange } from "../cluster/sandbox/metrics/index.js";
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

/**
 * Sends simulated requests through the sandbox's Ingress / Istio rules and counts who answered: each
 * answered as its pod's behaviour annotations say (`sandbox.vela-ts.dev/error-rate`), and counted in
 * the host's request log (the `sandbox` metric provider and `/metrics` see them).
 */
export async function sendSandboxRequests(options: SandboxRequestOptions): Promise<RouteSummary> {
  return withSandbox(options, "sandbox request", async (sandbox) => {
    await sandbox.settle();
    const outcomes: RouteOutcome[] = [];
    const summary = routeSandboxTraffic(sandbox, options, (outcome) => outcomes.push(outcome));
    const now = options.clock.now();
    const answered = answerRoutedRequests(
      sandbox.store,
      { ...summary, path: options.path },
      outcomes,
      options.seed,
      Math.floor(now.getTime() / 1000),
    );
    if (answered.length === 0) return summary;
    const host =
      options.service === undefined
        ? options.host
        : `${options.service}.${options.namespace ?? "default"}.svc.cluster.local`;
    const change = requestLogChange(sandbox.store, host, answered, now);
    if (change.op === "create") await sandbox.create(change.object);
    else if (change.op === "updateStatus") await sandbox.updateStatus(change.object);
    await sandbox.settle();
    const byStatus = new Map<string, number>();
    for (const request of answered)
      byStatus.set(String(request.status), (byStatus.get(String(request.status)) ?? 0) + 1);
    return {
      ...summary,
      byStatus: Object.fromEntries([...byStatus.entries()].sort(([a], [b]) => a.localeCompare(b))),
    };
  });
}

/** What {@link routeSandboxTraffic} sends. */
export type SandboxTrafficOptions = Omit<SandboxRequestOptions, keyof SandboxTarget>;

/**
 * {@link sendSandboxRequests} on a sandbox the caller has opened, as it stands (controllers not
 * run): routes the requests through its current Ingress / Istio rules. Read-only.
 */
export function routeSandboxTraffic(
  sandbox: SandboxCluster,
  options: SandboxTrafficOptions,
  onOutcome?: (outcome: RouteOutcome) => void,
): RouteSummary {
  return routeRequests(sandbox.store, {
    ...(onOutcome === undefined ? {} : { onOutcome }),
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

/** What a rollout command did, in the words of the engine's own CLI (`rollout.rollouts.kruise.io/NAME approved`, `rollout 'NAME' promoted`). */
export interface RolloutCommandResult {
  readonly message: string;
  readonly rollout: KubeObject;
}

/** Which controller a Rollout belongs to. */
export type RolloutEngine = "kruise" | "argo";

const ROLLOUT_APIS: Readonly<Record<RolloutEngine, string>> = {
  kruise: "rollouts.kruise.io/v1alpha1",
  argo: "argoproj.io/v1alpha1",
};

function rolloutRef(target: RolloutTarget, engine: RolloutEngine): ObjectRef {
  return {
    apiVersion: ROLLOUT_APIS[engine],
    kind: "Rollout",
    name: target.name,
    namespace: target.namespace ?? "default",
  };
}

/** A Rollout found by name, with its engine. */
interface FoundRollout {
  readonly engine: RolloutEngine;
  readonly rollout: KubeObject;
}

/**
 * The Rollout named `target.name`: a Kruise or an Argo Rollout. `only` restricts the search to the
 * engine a verb belongs to (approve: Kruise; promote, abort, retry: Argo); a name both engines use
 * is refused for the verbs both have (pause, resume).
 */
async function findRollout(
  sandbox: SandboxCluster,
  target: RolloutTarget,
  only?: RolloutEngine,
): Promise<FoundRollout> {
  const engines: readonly RolloutEngine[] = only === undefined ? ["kruise", "argo"] : [only];
  const found: FoundRollout[] = [];
  for (const engine of engines) {
    const rollout = await sandbox.get(rolloutRef(target, engine));
    if (rollout !== undefined) found.push({ engine, rollout });
  }
  const namespace = target.namespace ?? "default";
  if (found.length === 0) {
    const resource =
      only === "argo" ? "rollouts.argoproj.io" : only === "kruise" ? "rollouts.rollouts.kruise.io" : "rollouts";
    const other =
      only === undefined ? undefined : await sandbox.get(rolloutRef(target, only === "argo" ? "kruise" : "argo"));
    throw new NotFoundError(
      "E_ROLLOUT_NOT_FOUND",
      `${resource} "${target.name}" not found in namespace "${namespace}"`,
      {
        hint:
          other !== undefined
            ? only === "argo"
              ? `"${target.name}" is a Kruise Rollout: move it on with \`vela-ts sandbox rollout approve ${target.name}\``
              : `"${target.name}" is an Argo Rollout: move it on with \`vela-ts sandbox rollout promote ${target.name}\``
            : `list them with: vela-ts sandbox get ${resource} -A`,
      },
    );
  }
  const [first, second] = found;
  if (first === undefined) throw new NotFoundError("E_ROLLOUT_NOT_FOUND", `rollout "${target.name}" not found`);
  if (second !== undefined) {
    throw new VelaError(
      "E_ROLLOUT_AMBIGUOUS",
      `both a Kruise Rollout and an Argo Rollout are named "${target.name}" in namespace "${namespace}"`,
      { hint: "use the engine's own verb: approve (Kruise), promote/abort/retry (Argo)" },
    );
  }
  return first;
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
    const { rollout } = await findRollout(sandbox, target, "kruise");
    const state = currentStepState(rollout);
    if (state === "StepReady")
      return { message: `rollout.rollouts.kruise.io/${target.name} already approved`, rollout };
    if (state !== "StepPaused") {
      throw new VelaError(
        "E_ROLLOUT_NOT_PAUSED",
        "does not allow to approve, because current canary state is not 'StepPaused'",
        {
          hint:
            `rollout "${target.name}" is ${state === undefined ? "not in a canary step" : `in state ${state}`}; ` +
            `approve once it waits at a step (sandbox get rollout ${target.name})`,
        },
      );
    }
    await sandbox.patchStatus(rolloutRef(target, "kruise"), {
      type: "merge",
      patch: { status: { canaryStatus: { currentStepState: "StepReady" } } },
    });
    await sandbox.settle();
    return {
      message: `rollout.rollouts.kruise.io/${target.name} approved`,
      rollout: (await findRollout(sandbox, target, "kruise")).rollout,
    };
  });
  return result.message.endsWith("already approved") ? result : waitForRollout(target, "kruise", result);
}

function isSettledState(rollout: KubeObject, engine: RolloutEngine): boolean {
  const status = rollout.status as JsonObject | undefined;
  if (engine === "argo") return status?.phase !== "Progressing";
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
async function waitForRollout(
  target: RolloutTarget,
  engine: RolloutEngine,
  result: RolloutCommandResult,
): Promise<RolloutCommandResult> {
  const sleep = target.sleep;
  if (sleep === undefined) return result;
  const deadline = target.clock.now().getTime() + (target.waitTimeoutMs ?? 300_000);
  let rollout = result.rollout;
  while (!isSettledState(rollout, engine)) {
    const wake = await withSandbox(target, "sandbox rollout wait", (sandbox) => Promise.resolve(sandbox.nextWakeAt()));
    if (wake === undefined || wake.getTime() > deadline) break;
    await sleep(Math.max(0, wake.getTime() - target.clock.now().getTime()));
    rollout = await withSandbox(target, "sandbox rollout wait", async (sandbox) => {
      await sandbox.settle();
      return (await findRollout(sandbox, target, engine)).rollout;
    });
  }
  return { ...result, rollout };
}

/**
 * `kubectl-kruise rollout pause|resume` (`spec.strategy.paused`) on a Kruise Rollout, or
 * `kubectl argo rollouts pause|resume` (`spec.paused`) on an Argo Rollout.
 */
export async function setRolloutPaused(
  target: RolloutTarget & { readonly paused: boolean },
): Promise<RolloutCommandResult> {
  const verb = target.paused ? "paused" : "resumed";
  let engine: RolloutEngine = "kruise";
  const result = await withSandbox(target, `sandbox rollout ${target.paused ? "pause" : "resume"}`, async (sandbox) => {
    await sandbox.settle();
    const found = await findRollout(sandbox, target);
    engine = found.engine;
    const spec = (found.rollout.spec as JsonObject | undefined) ?? {};
    const paused =
      engine === "argo" ? spec.paused === true : (spec.strategy as JsonObject | undefined)?.paused === true;
    const name = engine === "argo" ? `rollout '${target.name}'` : `rollout.rollouts.kruise.io/${target.name}`;
    if (paused === target.paused) return { message: `${name} already ${verb}`, rollout: found.rollout };
    await sandbox.patch(rolloutRef(target, engine), {
      type: "merge",
      patch:
        engine === "argo" ? { spec: { paused: target.paused } } : { spec: { strategy: { paused: target.paused } } },
    });
    await sandbox.settle();
    return { message: `${name} ${verb}`, rollout: (await findRollout(sandbox, target, engine)).rollout };
  });
  return target.paused ? result : waitForRollout(target, engine, result);
}

/** Options of {@link promoteArgoRollout}. */
export interface PromoteTarget extends RolloutTarget {
  /** `--full`: skip every remaining step and pause (`status.promoteFull`). @default false */
  readonly full?: boolean;
}

function statusOf(rollout: KubeObject): JsonObject {
  return (rollout.status as JsonObject | undefined) ?? {};
}

/**
 * `kubectl argo rollouts promote [--full]` (`pkg/kubectl-argo-rollouts/cmd/promote/promote.go`
 * `getPatches`): unpause (`spec.paused: false`) and clear the pause conditions when the Rollout
 * waits at a pause; otherwise skip the current step (`currentStepIndex + 1`); `--full` sets
 * `status.promoteFull`. Returns as soon as the patch is made and the controllers settled: timed
 * pauses run on the sandbox's clock.
 */
export async function promoteArgoRollout(target: PromoteTarget): Promise<RolloutCommandResult> {
  return withSandbox(target, "sandbox rollout promote", async (sandbox) => {
    await sandbox.settle();
    const { rollout } = await findRollout(sandbox, target, "argo");
    const status = statusOf(rollout);
    const ref = rolloutRef(target, "argo");
    if (status.abort === true && target.full !== true)
      throw new VelaError("E_ROLLOUT_ABORTED", `rollout '${target.name}' is aborted`, {
        hint: `start it again with \`vela-ts sandbox rollout retry ${target.name}\`, or skip to the end with promote --full`,
      });
    if (target.full === true) {
      if (status.currentPodHash === status.stableRS)
        return { message: `rollout '${target.name}' is already fully promoted`, rollout };
      await sandbox.patchStatus(ref, { type: "merge", patch: { status: { promoteFull: true } } });
    } else {
      const spec = (rollout.spec as JsonObject | undefined) ?? {};
      if (spec.paused === true) await sandbox.patch(ref, { type: "merge", patch: { spec: { paused: false } } });
      const pauses = Array.isArray(status.pauseConditions) ? status.pauseConditions.length : 0;
      const steps = ((spec.strategy as JsonObject | undefined)?.canary as JsonObject | undefined)?.steps;
      const count = Array.isArray(steps) ? steps.length : 0;
      const index = typeof status.currentStepIndex === "number" ? status.currentStepIndex : 0;
      if (pauses > 0) {
        await sandbox.patchStatus(ref, { type: "merge", patch: { status: { pauseConditions: null } } });
      } else if (status.currentPodHash === status.stableRS) {
        if (spec.paused !== true) return { message: `rollout '${target.name}' is not paused`, rollout };
      } else if (count > 0) {
        await sandbox.patchStatus(ref, {
          type: "merge",
          patch: { status: { pauseConditions: null, currentStepIndex: Math.min(count, index + 1) } },
        });
      }
    }
    await sandbox.settle();
    return {
      message: `rollout '${target.name}' ${target.full === true ? "fully promoted" : "promoted"}`,
      rollout: (await findRollout(sandbox, target, "argo")).rollout,
    };
  });
}

/**
 * `kubectl argo rollouts abort` (`status.abort: true`: traffic back to stable at once, the canary
 * scaled down after `abortScaleDownDelaySeconds`) and `retry` (`status.abort: false`: the steps
 * start again).
 */
export async function setArgoRolloutAborted(
  target: RolloutTarget & { readonly abort: boolean },
): Promise<RolloutCommandResult> {
  const verb = target.abort ? "aborted" : "retried";
  return withSandbox(target, `sandbox rollout ${target.abort ? "abort" : "retry"}`, async (sandbox) => {
    await sandbox.settle();
    const { rollout } = await findRollout(sandbox, target, "argo");
    const status = statusOf(rollout);
    if (!target.abort && status.abort !== true)
      throw new VelaError("E_ROLLOUT_NOT_ABORTED", `rollout '${target.name}' is not aborted`, {
        hint: "retry restarts an aborted update; to move an update on use promote",
      });
    if (target.abort && status.currentPodHash === status.stableRS)
      return { message: `rollout '${target.name}' has no update in progress`, rollout };
    await sandbox.patchStatus(rolloutRef(target, "argo"), {
      type: "merge",
      patch: { status: { abort: target.abort } },
    });
    await sandbox.settle();
    return {
      message: `rollout '${target.name}' ${verb}`,
      rollout: (await findRollout(sandbox, target, "argo")).rollout,
    };
  });
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
