import { NotFoundError, VelaError } from "../errors/index.js";
import type { ErrorCode, VelaErrorOptions } from "../errors/index.js";
import { closestMatches } from "../util/index.js";
import { derivePhase } from "./phase.js";
import { flattenSteps, mapSteps, memoryOf, resetStep, resumeSuspendedSteps, setMemory } from "./status-tree.js";
import type { StepStatus, WorkflowSpec, WorkflowStatus } from "./types.js";

/**
 * Workflow operations as pure edits of `status.workflow` (kubevela:pkg/workflow/operation and
 * kubevela/workflow utils): the controller saves the result and reconciles. Couplings with other
 * objects (pausing a kruise Rollout on suspend, approving it on resume) are the controller's.
 */

/** A workflow operation that does not apply to the run's current state (exit code 1). */
export class WorkflowOperationError extends VelaError {}

/** The edited status and the line to print (KubeVela's wording). */
export interface OperationResult {
  /** `undefined` after a full restart: the next reconcile starts a fresh run. */
  readonly status: WorkflowStatus | undefined;
  readonly message: string;
}

function fail(code: ErrorCode, message: string, options: VelaErrorOptions): never {
  throw new WorkflowOperationError(code, message, options);
}

function requireRun(status: WorkflowStatus | undefined, app: string): WorkflowStatus {
  if (status === undefined)
    fail("E_WORKFLOW_NOT_RUNNING", `the workflow of application ${app} is not running`, {
      hint: "run `vela-ts up -f <app.yaml>` to start it",
    });
  return status;
}

/** The declared steps as far as the status knows them (the engine keeps them in spec order). */
function specOfStatus(status: WorkflowStatus): WorkflowSpec {
  return { steps: status.steps.map((step) => ({ name: step.name, type: step.type })) };
}

function withPhase(status: WorkflowStatus, spec: WorkflowSpec = specOfStatus(status)): WorkflowStatus {
  const derived = derivePhase(spec, status);
  const { message: _message, ...rest } = status;
  return { ...rest, status: derived.phase, ...(derived.message === "" ? {} : { message: derived.message }) };
}

/** Running: started, not suspended, not terminated, not finished (what rollback refuses, like KubeVela). */
export function isActivelyRunning(status: WorkflowStatus | undefined): boolean {
  return status !== undefined && !status.terminated && !status.suspend && !status.finished;
}

/** Suspended by a step or a person. */
export function isSuspended(status: WorkflowStatus | undefined): boolean {
  return status?.suspend === true;
}

/** A suspended step, for `status` displays ("resumes in 25s"). */
export interface SuspendedStep {
  readonly name: string;
  readonly message?: string;
  readonly suspendTime?: string;
  /** Absent: waits for `workflow resume`. */
  readonly resumeAt?: string;
}

/** The steps (not groups) that hold the run suspended, with their timed resume if any. */
export function findSuspendedSteps(status: WorkflowStatus | undefined): SuspendedStep[] {
  if (status === undefined) return [];
  return flattenSteps(status.steps)
    .filter((step) => step.phase === "suspending" && step.type !== "step-group")
    .map((step) => {
      const memory = memoryOf(status, step.name);
      return {
        name: step.name,
        ...(step.message === undefined ? {} : { message: step.message }),
        ...(memory.suspendTime === undefined ? {} : { suspendTime: memory.suspendTime }),
        ...(memory.resumeAt === undefined || status.suspendState === "manual" ? {} : { resumeAt: memory.resumeAt }),
      };
    });
}

/**
 * `workflow suspend`: `suspend=true`, running steps (and sub-steps) → suspending. A person's suspend
 * is recorded as `suspendState: manual`, so timed suspends no longer resume on their own.
 */
export function suspendWorkflow(status: WorkflowStatus | undefined, app: string): OperationResult {
  const run = requireRun(status, app);
  if (run.terminated)
    fail("E_WORKFLOW_TERMINATED", `can not suspend the terminated workflow of application ${app}`, {
      hint: `run \`vela-ts workflow restart ${app}\` to run it again`,
    });
  if (run.finished)
    fail("E_WORKFLOW_FINISHED", `the workflow of application ${app} has already finished`, {
      hint: "there is nothing to suspend",
    });
  const suspended = mapSteps({ ...run, suspend: true, suspendState: "manual" }, (step) =>
    step.phase === "running" ? { ...step, phase: "suspending" } : step,
  );
  return { status: withPhase(suspended), message: `Successfully suspend workflow: ${app}` };
}

/**
 * `workflow resume`: refuses a terminated run and one that is not suspended (the controller first
 * approves any Rollout waiting at a step, and only reports this error when there was none);
 * otherwise `suspend=false` and suspending steps → running, so they run again and succeed.
 */
export function resumeWorkflow(status: WorkflowStatus | undefined, app: string): OperationResult {
  const run = requireRun(status, app);
  if (run.terminated)
    fail("E_WORKFLOW_TERMINATED", `can not resume the terminated workflow of application ${app}`, {
      hint: `run \`vela-ts workflow restart ${app}\` to run it again`,
    });
  if (!run.suspend) {
    fail("E_WORKFLOW_NOT_SUSPENDED", `workflow ${app} is not suspended`, {
      hint: run.finished
        ? `it has finished (${run.status}); run \`vela-ts workflow restart ${app}\` to run it again`
        : `it is ${run.status}; see \`vela-ts status ${app}\``,
    });
  }
  return { status: withPhase(resumeSuspendedSteps(run)), message: `Successfully resume workflow: ${app}` };
}

/**
 * `workflow terminate` (kubevela/workflow utils TerminateWorkflow): `terminated=true, suspend=false`;
 * running and suspending steps → failed/Terminate; failed steps keep Timeout and FailedAfterRetries,
 * other failed reasons become Terminate. Steps still pending are skipped by the next reconcile
 * unless their `if` says otherwise (`always`), which then also marks the run finished.
 */
export function terminateWorkflow(status: WorkflowStatus | undefined, app: string): OperationResult {
  const run = requireRun(status, app);
  if (run.finished && !run.terminated)
    fail("E_WORKFLOW_FINISHED", `the workflow of application ${app} has already finished`, {
      hint: "there is nothing to terminate",
    });
  const { suspendState: _suspendState, ...rest } = run;
  const relabelled: string[] = [];
  let next = mapSteps({ ...rest, terminated: true, suspend: false }, (step): StepStatus => {
    if (
      step.phase === "running" ||
      step.phase === "suspending" ||
      (step.phase === "failed" && step.reason !== "Timeout" && step.reason !== "FailedAfterRetries")
    ) {
      relabelled.push(step.name);
      return { ...step, phase: "failed", reason: "Terminate" };
    }
    return step;
  });
  for (const name of relabelled) next = setMemory(next, name, undefined);
  return { status: withPhase(next), message: `Successfully terminate workflow: ${app}` };
}

/** Options of {@link restartWorkflow}. */
export interface RestartOptions {
  /** Re-run from this step (and what comes after it) instead of from the start. */
  readonly step?: string;
}

/** Names to reset when restarting from `from` within one list. */
function laterInList(
  list: readonly {
    readonly name: string;
    readonly dependsOn?: readonly string[];
    readonly inputs?: readonly { readonly from: string }[];
    readonly outputs?: readonly { readonly name: string }[];
  }[],
  from: string,
  dag: boolean,
): Set<string> {
  const index = list.findIndex((step) => step.name === from);
  if (!dag) return new Set(list.slice(index).map((step) => step.name));
  // In DAG mode: the step and everything depending on it, by dependsOn or by inputs it produces.
  const reset = new Set([from]);
  for (let changed = true; changed;) {
    changed = false;
    const produced = new Set(
      list.filter((step) => reset.has(step.name)).flatMap((step) => (step.outputs ?? []).map((output) => output.name)),
    );
    for (const step of list) {
      if (reset.has(step.name)) continue;
      if (
        (step.dependsOn ?? []).some((name) => reset.has(name)) ||
        (step.inputs ?? []).some((input) => produced.has(input.from))
      ) {
        reset.add(step.name);
        changed = true;
      }
    }
  }
  return reset;
}

/**
 * `workflow restart`: without a step, clears the run (`status.workflow = nil`) so the next reconcile
 * starts a fresh run of the same revision. With `step`, clears that step and what comes after it
 * (StepByStep: later in the list; DAG: its dependents), with their memory and output variables,
 * and lifts `terminated`/`suspend`/`finished` so the run continues from there.
 */
export function restartWorkflow(
  status: WorkflowStatus | undefined,
  app: string,
  spec: WorkflowSpec,
  options: RestartOptions = {},
): OperationResult {
  if (options.step === undefined) return { status: undefined, message: `Successfully restart workflow: ${app}` };
  const run = requireRun(status, app);
  const from = options.step;
  const steps = spec.steps ?? [];
  const all = steps.flatMap((step) => [step.name, ...(step.subSteps ?? []).map((sub) => sub.name)]);
  if (!all.includes(from)) {
    const suggestions = closestMatches(from, all);
    throw new NotFoundError("E_STEP_NOT_FOUND", `workflow of application ${app} has no step "${from}"`, {
      hint:
        suggestions.length > 0
          ? `did you mean ${suggestions.map((name) => `"${name}"`).join(", ")}?`
          : `steps: ${all.join(", ")}`,
    });
  }
  const topDag = (spec.mode?.steps ?? "StepByStep") === "DAG";
  const group = steps.find((step) => (step.subSteps ?? []).some((sub) => sub.name === from));
  const reset = new Set<string>();
  if (group !== undefined) {
    const subDag = (group.mode ?? spec.mode?.subSteps ?? "DAG") === "DAG";
    for (const name of laterInList(group.subSteps ?? [], from, subDag)) reset.add(name);
    for (const name of laterInList(steps, group.name, topDag)) reset.add(name);
  } else {
    for (const name of laterInList(steps, from, topDag)) reset.add(name);
  }
  // A reset group re-runs all its sub-steps unless only some of them were asked for.
  for (const step of steps)
    if (reset.has(step.name) && step.name !== group?.name) for (const sub of step.subSteps ?? []) reset.add(sub.name);

  const clearedVars = new Set(
    steps
      .flatMap((step) => [step, ...(step.subSteps ?? [])])
      .filter((step) => reset.has(step.name))
      .flatMap((step) => (step.outputs ?? []).map((output) => output.name)),
  );
  const vars = Object.fromEntries(Object.entries(run.context.vars).filter(([name]) => !clearedVars.has(name)));
  const { suspendState: _suspendState, endTime: _endTime, ...rest } = run;
  let next: WorkflowStatus = {
    ...rest,
    terminated: false,
    suspend: false,
    finished: false,
    context: { ...run.context, vars },
  };
  next = mapSteps(next, (step) => (reset.has(step.name) ? resetStep(step) : step));
  for (const name of reset) next = setMemory(next, name, undefined);
  return { status: withPhase(next, spec), message: `Successfully restart workflow ${app} from step ${from}` };
}
