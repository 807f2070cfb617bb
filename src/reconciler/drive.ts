import { NotFoundError, VelaError } from "../errors/index.js";
import { formatDuration, formatTimestamp } from "../util/index.js";
import {
  advanceRolloutAnalysis,
  hasStepAnalysis,
  inconclusiveAnalysis,
  type AnalysisPass,
} from "./rollout-analysis.js";
import type { StepStatus, WorkflowStepStatus } from "../workflow/index.js";
import { getApplication, StatusConflictError } from "./application-object.js";
import type { FixedPointMemo } from "./fixed-point-memo.js";
import { findAppRollouts, isRolloutWaitingForApproval } from "../rollout/rollout-coupling.js";
import { reconcileApplication, type ReconcileOutcome, type ReconcilerDeps } from "./reconcile.js";

/**
 * What drives the cluster's own controllers between reconcile passes: on the sandbox, running the
 * simulated controllers to a fixed point; on a real cluster, nothing (its controllers run by themselves).
 */
export interface ClusterDriver {
  /** Runs the cluster's controllers until quiet; returns how many writes they made. */
  settle(): Promise<number>;
  /** When the cluster's controllers next act on their own (a timed pause, a pod becoming ready). */
  nextWakeAt(): Date | undefined;
  /** How often to look again on a cluster whose controllers run elsewhere. @default none (sandbox) */
  readonly pollIntervalMs?: number;
  /** The sandbox's record of the last fixed point, and the store's resourceVersion it is keyed by. @default none */
  readonly fixedPoint?: { readonly memo: FixedPointMemo; resourceVersion(): string };
  /**
   * Runs a wait without holding the cluster: on the sandbox, its lock is let go while `wait` sleeps,
   * so other shells (`status`, `workflow suspend`, `workflow rollback`) act during a `--wait`.
   * @default runs `wait` as it is
   */
  readonly unlockedDuring?: <T>(wait: () => Promise<T>) => Promise<T>;
  /**
   * Moves the cluster's time ahead instead of sleeping (the sandbox's simulated time; see
   * docs/sandbox.md, "Sandbox time"): `--wait` then passes timed pauses and grace periods at once.
   * @default absent: waits sleep on the wall clock
   */
  readonly skipAhead?: (milliseconds: number) => void;
  /** Between two reconcile passes: lets another command that waits for the cluster in first. @default nothing */
  readonly yieldBetweenPasses?: () => Promise<void>;
}

/** Sleeps `milliseconds` without holding the cluster (see {@link ClusterDriver.unlockedDuring}). */
export function sleepUnlocked(
  driver: ClusterDriver,
  sleep: (milliseconds: number) => Promise<void>,
  milliseconds: number,
): Promise<void> {
  const wait = (): Promise<void> => sleep(milliseconds);
  return driver.unlockedDuring === undefined ? wait() : driver.unlockedDuring(wait);
}

export interface DriveOptions {
  /**
   * Keep going through timed steps and readiness until finished, failed, or waiting for a person
   * (never returns `quiet`: with nothing scheduled it looks again every {@link IDLE_POLL_INTERVAL_MS}).
   */
  readonly wait: boolean;
  /** Give up waiting after this long (stop `timeout`: exit 5 with a timeout message). @default no limit */
  readonly timeoutMs?: number;
  /** Sleeps on the command's clock (tests move a fake clock instead). */
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** Progress lines for stderr. */
  readonly progress?: (line: string) => void;
}

/** Why driving stopped. */
export type DriveStop = "finished" | "failed" | "waiting-for-person" | "quiet" | "timeout";

export interface DriveResult {
  readonly outcome: ReconcileOutcome;
  readonly stop: DriveStop;
  /** What is waiting for a person, if anything (a suspend step, a Rollout step to approve). */
  readonly waitingFor?: string;
  /** The holder of the controller Lease that reconciles the app, when the command left it to that controller. */
  readonly reconciledBy?: string;
}

const MAX_PASSES = 500;

/**
 * Reconciles an app and lets the cluster's controllers react, pass after pass, until nothing more
 * happens without time passing (a fixed point). The CLI calls this after every command.
 */
export async function runToFixedPoint(
  name: string,
  namespace: string,
  deps: ReconcilerDeps,
  driver: ClusterDriver,
): Promise<ReconcileOutcome> {
  let failed: string | undefined;
  let analysisWake: number | undefined;
  const analyse = async (): Promise<boolean> => {
    const pass = await analyseRollouts(name, namespace, deps);
    failed ??= pass.failed;
    analysisWake = pass.nextWakeAt;
    return pass.wrote;
  };
  const finish = (outcome: ReconcileOutcome): ReconcileOutcome => withAnalysis(outcome, failed, analysisWake);
  // Measurements due now are taken before anything else looks at the app.
  if (await analyse()) await driver.settle();
  const fixedPoint = driver.fixedPoint;
  const recalled = fixedPoint?.memo.recall(
    name,
    namespace,
    fixedPoint.resourceVersion(),
    deps.clock.now(),
    driver.nextWakeAt(),
  );
  if (recalled !== undefined) return finish({ ...recalled, app: await getApplication(deps.cluster, name, namespace) });
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let outcome: ReconcileOutcome;
    try {
      outcome = await reconcileApplication(name, namespace, deps);
    } catch (error) {
      // Someone else (a `workflow suspend` from another shell) wrote the Application during the
      // pass; the pass stopped without overwriting it and runs again from a fresh read.
      if (error instanceof StatusConflictError) continue;
      throw error;
    }
    const controllerWrites = await driver.settle();
    const analysed = await analyse();
    if (!outcome.wrote && controllerWrites === 0 && !analysed) {
      fixedPoint?.memo.remember(name, namespace, fixedPoint.resourceVersion(), outcome, driver.nextWakeAt());
      return finish(outcome);
    }
    // A long release (hundreds of components) does not keep a `workflow suspend` waiting for all of it.
    await driver.yieldBetweenPasses?.();
  }
  throw new VelaError("E_NOT_CONVERGED", `application ${name} did not settle after ${MAX_PASSES} reconcile passes`, {
    hint: "the workflow or a controller keeps changing objects; check vela-ts status " + name,
  });
}

async function analyseRollouts(name: string, namespace: string, deps: ReconcilerDeps): Promise<AnalysisPass> {
  try {
    return await advanceRolloutAnalysis(name, namespace, deps);
  } catch (error) {
    if (error instanceof NotFoundError) return { wrote: false };
    throw error;
  }
}

function withAnalysis(
  outcome: ReconcileOutcome,
  failed: string | undefined,
  wake: number | undefined,
): ReconcileOutcome {
  const current = outcome.nextWakeAt === undefined ? undefined : Date.parse(outcome.nextWakeAt);
  const next = wake === undefined ? current : current === undefined ? wake : Math.min(current, wake);
  return {
    ...outcome,
    ...(next === undefined ? {} : { nextWakeAt: formatTimestamp(new Date(next)) }),
    ...(failed === undefined ? {} : { analysisFailed: failed }),
  };
}

/** Whether the release ended: its workflow finished with every component healthy, or failed or was terminated. */
export function terminalStop(outcome: ReconcileOutcome): "finished" | "failed" | undefined {
  const phase = outcome.workflow?.status;
  if (phase === "succeeded" || phase === "skipped")
    return outcome.services.every((service) => service.healthy) ? "finished" : undefined;
  if (phase === "failed" || phase === "terminated") return "failed";
  return undefined;
}

/** Whether a running step of the workflow asked to run again at a time of its own (`StepOutcome.wakeAt`). */
function hasSelfWakingStep(outcome: ReconcileOutcome): boolean {
  const workflow = outcome.workflow;
  if (workflow === undefined || workflow.finished) return false;
  const running = flattenStatuses(workflow.steps).filter((step) => step.phase === "running");
  return running.some((step) => workflow.context.steps[step.name]?.wakeAt !== undefined);
}

function flattenStatuses(steps: readonly WorkflowStepStatus[]): readonly StepStatus[] {
  return steps.flatMap((step) => [step, ...(step.subSteps ?? [])]);
}

/** What a person must do, or undefined when nothing waits for one. */
export async function personGate(
  name: string,
  namespace: string,
  deps: ReconcilerDeps,
  outcome: ReconcileOutcome,
): Promise<string | undefined> {
  if (outcome.workflow?.suspend === true && outcome.waitingForPerson) {
    return `the workflow is suspended; continue with: vela-ts workflow resume ${name}`;
  }
  // A step that looks again by itself (a metric check) decides what comes next, not a person.
  if (hasSelfWakingStep(outcome)) return undefined;
  const rollouts = await findAppRollouts(deps.cluster, name, namespace);
  const inconclusive = inconclusiveAnalysis(outcome.app, rollouts);
  if (inconclusive !== undefined)
    return (
      `${inconclusive}; decide: vela-ts workflow resume ${name} to go on, ` +
      `or vela-ts workflow suspend ${name} && vela-ts workflow rollback ${name}`
    );
  // A step with an analysis is moved on (or rolled back) by its metrics, not by a person.
  const waiting = rollouts.filter((rollout) => isRolloutWaitingForApproval(rollout) && !hasStepAnalysis(rollout));
  if (waiting.length > 0) {
    const message =
      (waiting[0]?.status as { message?: string } | undefined)?.message ?? "a rollout step waits for approval";
    return (
      `${message}; approve with: vela-ts workflow resume ${name} ` +
      `(or roll back: vela-ts workflow suspend ${name} && vela-ts workflow rollback ${name})`
    );
  }
  return undefined;
}

/**
 * Drives an app: runs to a fixed point; with `wait`, also sleeps until the next timed event and goes
 * on, until the workflow finished or failed, or waits for a person, or `timeoutMs` passed. Never
 * hangs on a manual gate, never returns before one of those with `wait`.
 */
export async function driveApplication(
  name: string,
  namespace: string,
  deps: ReconcilerDeps,
  driver: ClusterDriver,
  options: DriveOptions,
): Promise<DriveResult> {
  const started = deps.clock.now().getTime();
  let lastProgress = "";
  let analysisFailed: string | undefined;
  for (;;) {
    const reached = await runToFixedPoint(name, namespace, deps, driver);
    analysisFailed ??= reached.analysisFailed;
    const outcome = analysisFailed === undefined ? reached : { ...reached, analysisFailed };
    const terminal = terminalStop(outcome);
    // A release its analysis rolled back failed; with --wait, once the rollback has landed.
    if (analysisFailed !== undefined && (terminal !== undefined || !options.wait)) return { outcome, stop: "failed" };
    if (terminal !== undefined) return { outcome, stop: terminal };
    const gate = await personGate(name, namespace, deps, outcome);
    if (gate !== undefined) return { outcome, stop: "waiting-for-person", waitingFor: gate };
    if (!options.wait) return { outcome, stop: "quiet" };

    const now = deps.clock.now().getTime();
    if (options.timeoutMs !== undefined && now - started >= options.timeoutMs) return { outcome, stop: "timeout" };
    const wakes = [
      outcome.nextWakeAt === undefined ? undefined : Date.parse(outcome.nextWakeAt),
      driver.nextWakeAt()?.getTime(),
    ].filter((time): time is number => time !== undefined && Number.isFinite(time));
    if (driver.pollIntervalMs !== undefined) wakes.push(now + driver.pollIntervalMs);
    // Nothing scheduled: only another command or a person moves the release on (an object applied
    // from another shell, a controller elsewhere). Keep looking rather than return half-way.
    const scheduled = wakes.length > 0;
    let wakeAt = scheduled ? Math.min(...wakes) : now + IDLE_POLL_INTERVAL_MS;
    if (options.timeoutMs !== undefined) wakeAt = Math.min(wakeAt, started + options.timeoutMs);
    const skip = scheduled && driver.skipAhead !== undefined;
    const line = scheduled
      ? `waiting ${formatDuration(Math.max(0, wakeAt - now))}${skip ? " of sandbox time" : ""}: ${describeProgress(outcome)}`
      : `waiting (nothing scheduled; looking again every ${formatDuration(IDLE_POLL_INTERVAL_MS)}, ` +
        `--timeout bounds the wait): ${describeProgress(outcome)}`;
    if (line !== lastProgress) options.progress?.(line);
    lastProgress = line;
    if (skip) {
      driver.skipAhead?.(Math.max(0, wakeAt - now));
      // Other commands waiting for the sandbox get their turn between skips, as between sleeps.
      await driver.yieldBetweenPasses?.();
    } else await sleepUnlocked(driver, options.sleep, Math.max(0, wakeAt - now));
  }
}

/** How often `--wait` looks again when nothing is scheduled to happen. */
export const IDLE_POLL_INTERVAL_MS = 2000;

/** One line of progress: the running step and its message. */
export function describeProgress(outcome: ReconcileOutcome): string {
  const steps = outcome.workflow?.steps ?? [];
  const running = steps.find((step) => step.phase === "running" || step.phase === "suspending");
  if (running === undefined) return `application ${outcome.phase}`;
  return `step ${running.name} (${running.type}) ${running.phase}${running.message === undefined ? "" : `: ${running.message}`}`;
}
