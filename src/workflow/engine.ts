/**
 * The workflow engine: one re-entrant pass over an Application's steps (`advanceWorkflow`), with the
 * step-group, dependsOn/DAG and StepByStep modes, `if` conditions, timeouts, backoff and the status
 * it saves after every step. It is one file because the pass is one state machine: the modes share
 * the step bookkeeping (start, finish, retry, suspend) and splitting them would spread one
 * transition table over several files. Step runners and phases live beside it.
 */
import {
  assertNever,
  ClusterError,
  InternalError,
  NotFoundError,
  UsageError,
  ValidationError,
} from "../errors/index.js";
import { formatTimestamp, jsonEqual, parseDuration, sha256OfJson } from "../util/index.js";
import type { Clock, JsonObject } from "../util/index.js";
import { type RetryOptions, backoffDelayMs, DEFAULT_MAX_RETRIES, timestampAfter } from "./backoff.js";
import { evaluateIf } from "./conditions.js";
import { type ResolvedParameter, readOutputs, resolveParameter } from "./data-passing.js";
import { derivePhase } from "./phase.js";
import { type StepRegistry, findStepRunner } from "./registry.js";
import {
  flattenSteps,
  findStepStatus,
  isStepFinished,
  isSuccessfulPhase,
  mapSteps,
  memoryOf,
  resetStep,
  resumeSuspendedSteps,
  setMemory,
  stepStatusByName,
  updateStep,
} from "./status-tree.js";
import type {
  BoundStep,
  StepContext,
  ScheduledStep,
  StepHooks,
  StepMemory,
  StepOutcome,
  StepProcessContext,
  StepStatus,
  WorkflowAppInfo,
  WorkflowMode,
  WorkflowSpec,
  WorkflowStatus,
  WorkflowStepBaseSpec,
  WorkflowStepSpec,
  WorkflowStepStatus,
} from "./types.js";
import { validateWorkflowSpec } from "./validate.js";

/** What the reconciler gives the engine for one call of {@link advanceWorkflow}. */
export interface EngineContext {
  readonly clock: Clock;
  readonly registry: StepRegistry;
  readonly app: WorkflowAppInfo;
  /** The effects steps may use (apply a component, cluster, HTTP, rendering of actions). */
  readonly hooks: StepHooks;
  /**
   * Persists the status (the Application's `status.workflow`). Called after every step transition,
   * before the next step runs, so a crash loses at most the step that was running. The reconciler
   * may hold back the transitions of steps that are safe to run again (`apply-component`) until its
   * next write in the same pass: a crash then re-runs them.
   */
  saveStatus(status: WorkflowStatus): Promise<void>;
  readonly retry?: RetryOptions;
}

/** What one call of {@link advanceWorkflow} leaves behind. */
export interface AdvanceResult {
  readonly status: WorkflowStatus;
  /** Earliest time a call can progress by time alone: a retry backoff, a timed suspend, a step timeout. */
  readonly nextWakeAt?: string;
  /** Steps running with nothing to do but wait for the cluster (health, a condition): call again after it changes. */
  readonly waitingSteps: readonly string[];
  /** Suspended with no timed resume pending: only `workflow resume` (a person) moves it on. */
  readonly waitingForPerson: boolean;
}

const TERMINAL_PHASES = new Set(["succeeded", "failed", "terminated"]);

/** `<steps>-<subSteps>` as KubeVela writes `status.workflow.mode`. */
export function workflowModeOf(spec: WorkflowSpec): string {
  return `${spec.mode?.steps ?? "StepByStep"}-${spec.mode?.subSteps ?? "DAG"}`;
}

function stepId(startTime: string, appRevision: string, name: string): string {
  return sha256OfJson([startTime, appRevision, name]).slice(0, 10);
}

function pendingStep(startTime: string, appRevision: string, step: WorkflowStepBaseSpec): StepStatus {
  return { id: stepId(startTime, appRevision, step.name), name: step.name, type: step.type, phase: "pending" };
}

/** The step list of the spec, reusing saved entries by name and adding new ones as pending. */
function syncSteps(
  spec: WorkflowSpec,
  saved: readonly WorkflowStepStatus[],
  startTime: string,
  appRevision: string,
): WorkflowStepStatus[] {
  const byName = new Map(flattenSteps(saved).map((step) => [step.name, step]));
  return (spec.steps ?? []).map((step) => {
    const existing = byName.get(step.name) as WorkflowStepStatus | undefined;
    const { subSteps: _subSteps, ...own }: WorkflowStepStatus = existing ?? pendingStep(startTime, appRevision, step);
    if (step.type !== "step-group") return own;
    const subSteps = (step.subSteps ?? []).map((sub) => {
      const found = byName.get(sub.name) as WorkflowStepStatus | undefined;
      if (found === undefined) return pendingStep(startTime, appRevision, sub);
      const { subSteps: _nested, ...plain } = found;
      return plain;
    });
    return { ...own, subSteps };
  });
}

/** A fresh run of `spec` for the app's current revision (every step pending). */
export function initialWorkflowStatus(spec: WorkflowSpec, app: WorkflowAppInfo, now: Date): WorkflowStatus {
  const startTime = formatTimestamp(now);
  return {
    appRevision: app.appRevision,
    mode: workflowModeOf(spec),
    status: "initializing",
    suspend: false,
    terminated: false,
    finished: false,
    startTime,
    steps: syncSteps(spec, [], startTime, app.appRevision),
    context: { vars: {}, steps: {} },
  };
}

type StepProgress = "finished" | "blocked";

interface ListEntry {
  readonly step: WorkflowStepSpec;
  readonly list: readonly WorkflowStepSpec[];
  readonly index: number;
  readonly mode: WorkflowMode;
}

/** One call of the engine: the status being advanced and what already ran in this call. */
class WorkflowRun {
  status: WorkflowStatus;
  private saved: WorkflowStatus | undefined;
  /** Steps already run in this call: a waiting step runs at most once per call. */
  private readonly ran = new Set<string>();
  private readonly entries = new Map<string, ListEntry>();

  constructor(
    private readonly spec: WorkflowSpec,
    private readonly ctx: EngineContext,
    status: WorkflowStatus,
    saved: WorkflowStatus | undefined,
  ) {
    this.status = status;
    this.saved = saved;
    const topMode = spec.mode?.steps ?? "StepByStep";
    const topList = spec.steps ?? [];
    topList.forEach((step, index) => {
      this.entries.set(step.name, { step, list: topList, index, mode: topMode });
      const subList = step.subSteps ?? [];
      const subMode = step.mode ?? spec.mode?.subSteps ?? "DAG";
      subList.forEach((sub, subIndex) =>
        this.entries.set(sub.name, { step: sub, list: subList, index: subIndex, mode: subMode }),
      );
    });
  }

  private nowText(): string {
    return formatTimestamp(this.ctx.clock.now());
  }

  private step(name: string): StepStatus | undefined {
    return findStepStatus(this.status, name);
  }

  /** Sets the derived phase (and `finished`), then saves when anything changed since the last save. */
  async commit(next: WorkflowStatus): Promise<void> {
    const derived = derivePhase(this.spec, next);
    const { message: _message, ...rest } = next;
    let status: WorkflowStatus = {
      ...rest,
      status: derived.phase,
      ...(derived.message === "" ? {} : { message: derived.message }),
    };
    if (TERMINAL_PHASES.has(derived.phase) && !status.finished)
      status = { ...status, finished: true, endTime: this.nowText() };
    this.status = status;
    if (this.saved !== undefined && jsonEqual(this.saved, status)) return;
    await this.ctx.saveStatus(status);
    this.saved = status;
  }

  /** Times out suspending steps, then resumes a run whose timed suspends have all come due. */
  async handleSuspended(): Promise<void> {
    const now = this.ctx.clock.now().getTime();
    for (const step of flattenSteps(this.status.steps)) {
      if (step.phase === "suspending" && this.isTimedOut(step, now)) await this.timeOut(step.name);
    }
    if (!this.status.suspend) return;
    const leaves = flattenSteps(this.status.steps).filter(
      (step) => step.phase === "suspending" && step.type !== "step-group",
    );
    if (this.status.suspendState === "manual") return;
    if (leaves.length === 0) return;
    const due = leaves.every((step) => {
      const resumeAt = memoryOf(this.status, step.name).resumeAt;
      return resumeAt !== undefined && Date.parse(resumeAt) <= now;
    });
    if (due) await this.commit(resumeSuspendedSteps(this.status));
  }

  private isTimedOut(step: StepStatus, now: number): boolean {
    const timeout = this.entries.get(step.name)?.step.timeout;
    if (timeout === undefined || step.firstExecuteTime === undefined) return false;
    const ms = parseDuration(timeout);
    return ms !== undefined && now >= Date.parse(step.firstExecuteTime) + ms;
  }

  /** Runs what can run in one list of steps (top level or a group's sub-steps). */
  async advanceList(list: readonly WorkflowStepSpec[], mode: WorkflowMode): Promise<void> {
    for (;;) {
      let progressed = false;
      // DAG: steps ready in the same pass start together, so one failing does not skip its siblings.
      const terminatedAtStart = this.status.terminated;
      if (mode === "DAG") await this.announceRound(list, terminatedAtStart);
      for (const step of list) {
        if (this.status.suspend) return;
        if (isStepFinished(this.step(step.name))) continue;
        const before = this.step(step.name);
        const progress = await this.tryStep(step.name, mode === "DAG" ? terminatedAtStart : undefined);
        this.logTransition(before, this.step(step.name));
        if (progress === "finished") progressed = true;
        else if (mode === "StepByStep") return;
      }
      // In DAG mode a step that finished may have made an earlier-listed one ready.
      if (!progressed || mode === "StepByStep") return;
    }
  }

  /**
   * Tells `hooks.beforeSteps` which steps of this DAG round surely run, mirroring {@link tryStep}:
   * the list stops at the first unfinished step whose running is not certain now (an `if`, inputs,
   * unfinished dependencies, a timeout due), since it could still change what runs after it.
   */
  private async announceRound(list: readonly WorkflowStepSpec[], terminated: boolean): Promise<void> {
    const hooks = this.ctx.hooks;
    if (hooks.beforeSteps === undefined || this.status.suspend) return;
    const now = this.ctx.clock.now().getTime();
    const scheduled: ScheduledStep[] = [];
    for (const step of list) {
      const current = this.step(step.name);
      if (current === undefined || isStepFinished(current) || this.ran.has(step.name)) continue;
      const memory = memoryOf(this.status, step.name);
      const waitingForRetry =
        current.phase === "failed" && memory.nextAttemptTime !== undefined && Date.parse(memory.nextAttemptTime) > now;
      if (waitingForRetry) continue;
      if (this.isTimedOut(current, now) || (step.inputs ?? []).length > 0 || step.subSteps !== undefined) break;
      if ((step.dependsOn ?? []).some((dependency) => !isStepFinished(this.step(dependency)))) break;
      if (current.phase === "pending" && current.firstExecuteTime === undefined) {
        if (step.if !== undefined) break;
        const entry = this.entries.get(step.name);
        // Skipped, not run: it neither applies nor holds up the steps after it.
        if (entry === undefined || !this.predecessorsSuccessful(entry) || terminated) continue;
      }
      scheduled.push({ name: step.name, type: step.type, parameter: step.properties ?? {} });
    }
    if (scheduled.length > 0) await hooks.beforeSteps(scheduled);
  }

  /** One line per step transition for the reconciler's progress display (`hooks.log`). */
  private logTransition(before: StepStatus | undefined, after: StepStatus | undefined): void {
    const hooks = this.ctx.hooks;
    if (hooks.log === undefined || after === undefined) return;
    if (
      before !== undefined &&
      before.phase === after.phase &&
      before.reason === after.reason &&
      before.message === after.message
    )
      return;
    const reason = after.reason === undefined ? "" : ` (${after.reason})`;
    const message = after.message === undefined || after.message === "" ? "" : `: ${after.message}`;
    hooks.log(`step ${after.name} ${after.phase}${reason}${message}`);
  }

  private predecessorsSuccessful(entry: ListEntry): boolean {
    if (entry.mode === "StepByStep")
      return entry.list.slice(0, entry.index).every((step) => isSuccessfulPhase(this.step(step.name)?.phase));
    const seen = new Set<string>();
    const visit = (name: string): boolean => {
      if (seen.has(name)) return true;
      seen.add(name);
      const dependsOn = this.entries.get(name)?.step.dependsOn ?? [];
      return dependsOn.every((dependency) => isSuccessfulPhase(this.step(dependency)?.phase) && visit(dependency));
    };
    return visit(entry.step.name);
  }

  /** Whether some unfinished step that can still run declares an output called `variable`. */
  private canStillProduce(variable: string, consumer: ListEntry): boolean {
    for (const [name, entry] of this.entries) {
      if (name === consumer.step.name || isStepFinished(this.step(name))) continue;
      if (!(entry.step.outputs ?? []).some((output) => output.name === variable)) continue;
      // A later step of the same StepByStep list never runs before this one.
      if (entry.list === consumer.list && consumer.mode === "StepByStep" && entry.index > consumer.index) continue;
      return true;
    }
    return false;
  }

  private processContext(step: StepStatus): StepProcessContext {
    return { ...this.ctx.app, workflowName: this.ctx.app.appName, stepName: step.name, stepSessionID: step.id };
  }

  /** `terminated`: what an empty `if` sees (the run's flag at the start of a DAG pass); default the current flag. */
  private async tryStep(name: string, terminated?: boolean): Promise<StepProgress> {
    const entry = this.entries.get(name);
    const current = this.step(name);
    if (entry === undefined || current === undefined) throw new InternalError(`workflow step "${name}" has no status`);
    if (this.ran.has(name)) return "blocked";
    const now = this.ctx.clock.now().getTime();
    // A started step times out even while it waits for its next retry.
    if (this.isTimedOut(current, now)) {
      await this.timeOut(name);
      return "finished";
    }
    const memory = memoryOf(this.status, name);
    if (current.phase === "failed" && memory.nextAttemptTime !== undefined && Date.parse(memory.nextAttemptTime) > now)
      return "blocked";
    if ((entry.step.dependsOn ?? []).some((dependency) => !isStepFinished(this.step(dependency)))) return "blocked";

    const resolved = resolveParameter(entry.step, this.status.context.vars);
    if (resolved.missing.length > 0) {
      const dead = resolved.missing.filter((variable) => !this.canStillProduce(variable, entry));
      if (dead.length > 0) {
        await this.finishStep(
          name,
          {
            phase: "failed",
            reason: "Input",
            message: `input ${dead.map((v) => `"${v}"`).join(", ")} is not produced by any step that can still run`,
          },
          true,
        );
        return "finished";
      }
      const message = `waiting for input ${resolved.missing.map((v) => `"${v}"`).join(", ")}`;
      if (current.message !== message)
        await this.commit(updateStep(this.status, name, (step) => ({ ...step, message })));
      return "blocked";
    }

    if (current.phase === "pending" && current.firstExecuteTime === undefined) {
      const decision = evaluateIf(entry.step.if, {
        predecessorsSuccessful: this.predecessorsSuccessful(entry),
        terminated: terminated ?? this.status.terminated,
        stepStatus: stepStatusByName(this.status.steps),
        inputs: resolved.inputs,
        context: this.processContext(current),
      });
      if (!decision.run) {
        await this.skip(name, decision.message);
        return "finished";
      }
    }
    await this.runStep(entry, current, resolved);
    return isStepFinished(this.step(name)) ? "finished" : "blocked";
  }

  private stepContext(entry: ListEntry, current: StepStatus, resolved: ResolvedParameter): StepContext {
    const hooks = this.ctx.hooks;
    const memory = memoryOf(this.status, current.name);
    const subSteps = entry.step.subSteps;
    const subMode = entry.step.mode ?? this.spec.mode?.subSteps ?? "DAG";
    return {
      cluster: hooks.cluster,
      applyComponent: (component, options) => hooks.applyComponent(component, options),
      http: (request) => hooks.http(request),
      ...(hooks.renderActions === undefined ? {} : { renderActions: hooks.renderActions.bind(hooks) }),
      ...(hooks.cueStep === undefined ? {} : { cueStep: hooks.cueStep.bind(hooks) }),
      ...(hooks.applyObject === undefined ? {} : { applyObject: hooks.applyObject.bind(hooks) }),
      ...(hooks.promCheck === undefined ? {} : { promCheck: hooks.promCheck }),
      ...(hooks.placements === undefined ? {} : { placements: hooks.placements.bind(hooks) }),
      ...(hooks.log === undefined ? {} : { log: hooks.log.bind(hooks) }),
      clock: this.ctx.clock,
      parameter: resolved.parameter,
      inputs: resolved.inputs,
      context: this.processContext(current),
      variables: this.status.context.vars,
      stepStatus: stepStatusByName(this.status.steps),
      memory: memory.data ?? {},
      ...(memory.suspendTime === undefined ? {} : { suspendedAt: memory.suspendTime }),
      ...(entry.step.type === "step-group" && subSteps !== undefined
        ? {
            subSteps: {
              advance: async () => {
                await this.advanceList(subSteps, subMode);
                const group = this.status.steps.find((step) => step.name === current.name);
                return group?.subSteps ?? [];
              },
            },
          }
        : {}),
    };
  }

  private async runStep(entry: ListEntry, current: StepStatus, resolved: ResolvedParameter): Promise<void> {
    const firstExecuteTime = current.firstExecuteTime ?? this.nowText();
    this.ran.add(current.name);
    const runner = findStepRunner(this.ctx.registry, entry.step.type);
    const parent = [...this.entries.values()].find((candidate) =>
      candidate.step.subSteps?.some((sub) => sub.name === current.name),
    )?.step.name;
    const bound: BoundStep = {
      id: current.id,
      name: current.name,
      type: entry.step.type,
      spec: entry.step,
      ...(parent === undefined ? {} : { parent }),
    };
    let outcome: StepOutcome;
    if (runner === undefined) {
      outcome = {
        kind: "failed",
        retryable: false,
        reason: "Rendering",
        message: `step type "${entry.step.type}" is not defined`,
      };
    } else {
      try {
        outcome = await runner.run(bound, this.stepContext(entry, current, resolved));
      } catch (error) {
        outcome = outcomeOfError(error);
      }
    }
    await this.record(entry, outcome, firstExecuteTime);
  }

  /** Writes a step's outcome into the status (phase, memory, variables, run flags) and saves. */
  private async record(entry: ListEntry, outcome: StepOutcome, firstExecuteTime: string): Promise<void> {
    const name = entry.step.name;
    const times = { firstExecuteTime, lastExecuteTime: this.nowText() };
    const memory = memoryOf(this.status, name);
    switch (outcome.kind) {
      case "succeeded": {
        const outputs = readOutputs(entry.step, outcome.outputs);
        if (!outputs.ok) {
          await this.finishStep(name, { phase: "failed", reason: "Output", message: outputs.message, ...times }, true);
          return;
        }
        const vars = { ...this.status.context.vars, ...outputs.vars };
        this.status = { ...this.status, context: { ...this.status.context, vars } };
        await this.finishStep(
          name,
          { phase: "succeeded", ...(outcome.message === undefined ? {} : { message: outcome.message }), ...times },
          false,
        );
        return;
      }
      case "running": {
        const base = memoryWithout(memory, "nextAttemptTime", "wakeAt");
        const next = setMemory(
          this.status,
          name,
          withData(outcome.wakeAt === undefined ? base : { ...base, wakeAt: outcome.wakeAt }, outcome.memory),
        );
        await this.commit(
          updateStep(next, name, (step) => ({
            ...resetStep(step),
            phase: "running",
            reason: outcome.reason,
            message: outcome.message,
            ...times,
          })),
        );
        return;
      }
      case "suspended": {
        const base: StepMemory = {
          ...memoryWithout(memory, "nextAttemptTime", "resumeAt"),
          suspendTime: memory.suspendTime ?? times.lastExecuteTime,
        };
        const next = setMemory(
          this.status,
          name,
          withData(outcome.resumeAt === undefined ? base : { ...base, resumeAt: outcome.resumeAt }, outcome.memory),
        );
        const edited = updateStep(next, name, (step) => ({
          ...resetStep(step),
          phase: "suspending",
          reason: "Suspend",
          message: outcome.message,
          ...times,
        }));
        await this.commit({ ...edited, suspend: true });
        return;
      }
      case "failed": {
        if (!outcome.retryable) {
          await this.finishStep(
            name,
            { phase: "failed", reason: outcome.reason ?? "Action", message: outcome.message, ...times },
            true,
          );
          return;
        }
        const retries = (memory.retries ?? 0) + 1;
        if (retries >= (this.ctx.retry?.maxRetries ?? DEFAULT_MAX_RETRIES)) {
          await this.finishStep(
            name,
            { phase: "failed", reason: "FailedAfterRetries", message: outcome.message, ...times },
            true,
            { retries },
          );
          return;
        }
        const nextAttemptTime = timestampAfter(this.ctx.clock.now(), backoffDelayMs(retries, this.ctx.retry));
        const next = setMemory(this.status, name, { ...memory, retries, nextAttemptTime });
        await this.commit(
          updateStep(next, name, (step) => ({
            ...resetStep(step),
            phase: "failed",
            reason: "Execute",
            message: outcome.message,
            ...times,
          })),
        );
        return;
      }
      case "skipped":
        await this.skip(name, outcome.message, times);
        return;
      case "terminated":
        await this.finishStep(
          name,
          { phase: "succeeded", reason: "Terminate", message: outcome.message, ...times },
          true,
        );
        return;
      default:
        assertNever(outcome, "step outcome");
    }
  }

  /** Ends a step for good: its memory goes, and `terminate` ends the run (KubeVela `Terminated`). */
  private async finishStep(
    name: string,
    fields: Partial<StepStatus>,
    terminate: boolean,
    keep?: StepMemory,
  ): Promise<void> {
    let next = setMemory(this.status, name, keep);
    next = updateStep(next, name, (step) => ({
      ...resetStep(step),
      ...(step.firstExecuteTime === undefined ? {} : { firstExecuteTime: step.firstExecuteTime }),
      ...fields,
    }));
    if (terminate) next = { ...next, terminated: true };
    await this.commit(next);
  }

  private async skip(name: string, message: string | undefined, times?: Partial<StepStatus>): Promise<void> {
    const fields: Partial<StepStatus> = {
      phase: "skipped",
      reason: "Skip",
      ...(message === undefined ? {} : { message }),
      ...times,
    };
    const group = this.entries.get(name)?.step.subSteps?.map((sub) => sub.name) ?? [];
    let next = setMemory(this.status, name, undefined);
    // The sub-steps of a skipped group are skipped with it.
    next = mapSteps(next, (step) =>
      step.name === name || (group.includes(step.name) && !isStepFinished(step))
        ? { ...resetStep(step), ...fields }
        : step,
    );
    for (const sub of group) next = setMemory(next, sub, undefined);
    await this.commit(next);
  }

  /** Fails a step (and the unfinished sub-steps of a group) with Timeout and terminates the run. */
  private async timeOut(name: string): Promise<void> {
    const entry = this.entries.get(name);
    const message = `the step timed out after ${entry?.step.timeout ?? "its timeout"}`;
    const affected = new Set([name, ...(entry?.step.subSteps ?? []).map((sub) => sub.name)]);
    let next = mapSteps(this.status, (step) =>
      affected.has(step.name) && !isStepFinished(step)
        ? { ...step, phase: "failed", reason: "Timeout", message }
        : step,
    );
    for (const stepName of affected) next = setMemory(next, stepName, undefined);
    const stillSuspended = flattenSteps(next.steps).some((step) => step.phase === "suspending");
    next = { ...next, terminated: true, suspend: next.suspend && (stillSuspended || next.suspendState === "manual") };
    await this.commit(next);
  }

  /** Earliest retry, timed resume or step deadline, and who or what the run waits for. */
  result(): AdvanceResult {
    const status = this.status;
    const waitingSteps: string[] = [];
    let earliest: number | undefined;
    const consider = (time: number | undefined): void => {
      if (time !== undefined && !Number.isNaN(time) && (earliest === undefined || time < earliest)) earliest = time;
    };
    let personNeeded = status.suspend && status.suspendState === "manual";
    let suspendedLeaves = 0;
    if (!status.finished) {
      for (const step of flattenSteps(status.steps)) {
        const memory = memoryOf(status, step.name);
        const leaf = step.type !== "step-group";
        if (step.phase === "failed" && step.reason === "Execute" && memory.nextAttemptTime !== undefined)
          consider(Date.parse(memory.nextAttemptTime));
        if (step.phase === "suspending" && leaf) {
          suspendedLeaves += 1;
          if (memory.resumeAt === undefined) personNeeded = true;
          else if (status.suspendState !== "manual") consider(Date.parse(memory.resumeAt));
        }
        if (
          (step.phase === "running" ||
            step.phase === "suspending" ||
            (step.phase === "failed" && step.reason === "Execute")) &&
          step.firstExecuteTime !== undefined
        ) {
          const timeout = this.entries.get(step.name)?.step.timeout;
          const ms = timeout === undefined ? undefined : parseDuration(timeout);
          if (ms !== undefined) consider(Date.parse(step.firstExecuteTime) + ms);
        }
        if (step.phase === "running" && leaf) waitingSteps.push(step.name);
        if (step.phase === "running" && memory.wakeAt !== undefined) consider(Date.parse(memory.wakeAt));
      }
    }
    if (status.suspend && suspendedLeaves === 0) personNeeded = true;
    return {
      status,
      ...(earliest === undefined ? {} : { nextWakeAt: formatTimestamp(new Date(earliest)) }),
      waitingSteps,
      waitingForPerson: status.suspend && personNeeded,
    };
  }
}

function memoryWithout(memory: StepMemory, ...keys: readonly (keyof StepMemory)[]): StepMemory {
  const copy: Record<string, unknown> = { ...memory };
  for (const key of keys) delete copy[key];
  return copy;
}

function withData(memory: StepMemory, data: JsonObject | undefined): StepMemory {
  return data === undefined ? memory : { ...memory, data };
}

/**
 * A runner that throws: bugs and an unreachable cluster propagate (nothing is recorded for the
 * step); invalid input fails the step for good (reason Rendering); anything else is retried.
 */
function outcomeOfError(error: unknown): StepOutcome {
  if (error instanceof InternalError) throw error;
  if (error instanceof ClusterError && error.category === "unreachable") throw error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ValidationError || error instanceof NotFoundError || error instanceof UsageError) {
    return { kind: "failed", retryable: false, reason: "Rendering", message };
  }
  if (!(error instanceof Error)) throw new InternalError(`a workflow step threw a non-error: ${message}`);
  return { kind: "failed", retryable: true, message };
}

/**
 * Advances a workflow run as far as it can go now (KubeVela's re-entrant executor): reads the saved
 * status, runs what can run (StepByStep: in order, a waiting step blocks later ones; DAG: every step
 * whose `dependsOn` and `inputs` are satisfied), saves after every step transition, and returns
 * when nothing more can happen without time passing or the cluster changing.
 *
 * A missing status, or one recorded for another `appRevision`, starts a fresh run. Steps may run
 * again after a crash (the transition after their effect was not saved), so every runner must be
 * idempotent. A step that returns `running` runs at most once per call.
 *
 * @throws ValidationError when the spec is invalid (see `validateWorkflowSpec`)
 */
export async function advanceWorkflow(
  spec: WorkflowSpec,
  saved: WorkflowStatus | undefined,
  ctx: EngineContext,
): Promise<AdvanceResult> {
  // Steady state: a finished run of this revision has nothing to do (the common case of a resync).
  if (saved !== undefined && saved.finished && saved.appRevision === ctx.app.appRevision)
    return { status: saved, waitingSteps: [], waitingForPerson: false };
  const issues = validateWorkflowSpec(spec);
  if (issues.length > 0) throw new ValidationError(issues);
  const resume = saved !== undefined && saved.appRevision === ctx.app.appRevision ? saved : undefined;
  const start = resume ?? initialWorkflowStatus(spec, ctx.app, ctx.clock.now());
  const run = new WorkflowRun(spec, ctx, start, resume);
  await run.commit({ ...start, steps: syncSteps(spec, start.steps, start.startTime, start.appRevision) });
  if (run.status.suspend) await run.handleSuspended();
  if (!run.status.suspend) await run.advanceList(spec.steps ?? [], spec.mode?.steps ?? "StepByStep");
  return run.result();
}
