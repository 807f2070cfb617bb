import {
  compileCue,
  CueError,
  type CueFill,
  type CueProblem,
  type CueProgram,
  type CueValue,
} from "../../cue/index.js";
import {
  compileDefinitionCue,
  CUE_TEMPLATE_INJECTED,
  cueSourceOf,
  type CueTemplateSource,
  type WorkflowStepDefinition,
} from "../../definitions/index.js";
import { VelaError } from "../../errors/index.js";
import { isJsonObject, parseDuration } from "../../util/index.js";
import type { JsonObject } from "../../util/index.js";
import { timestampAfter } from "../backoff.js";
import type { StepContext, StepOutcome } from "../types.js";
import { TaskInputError } from "./provider-actions.js";
import { missingProvider, type StepProviderRegistry, type TaskMemory } from "./providers.js";
import { allTasks, concretePart, nextTask, taskKey, type FoundTask } from "./tasks.js";

/**
 * The step runtime for WorkflowStepDefinitions written in CUE (kubevela/workflow pkg/tasks/custom):
 * the template is evaluated with `parameter` and `context`; the first task not run yet (depth-first,
 * `@step` order) runs; its result is filled back and the template evaluated again, until no task
 * is left. Nothing is kept between tasks: a step stopped part-way (a wait, a crash) runs again from
 * its first task on the next execution, so tasks must be idempotent (apply, read, wait are; an HTTP
 * call may be sent again: at least once). Step memory keeps only a passed `#Suspend` and what a
 * provider task asks to keep between executions (a metric check's timing).
 */

/** A CUE step as the reconciler hands it to the runtime. */
export interface CueStepSource {
  readonly definition: WorkflowStepDefinition & { readonly cue: CueTemplateSource };
  /** The step's parameter, checked and defaulted against the definition's `parameter`. */
  readonly parameter: JsonObject;
  /** KubeVela's step `context` (name, namespace, appName, appRevision, stepName, stepSessionID…). */
  readonly context: JsonObject;
  /** The application's components by name (what `op.#Load` gives). */
  readonly components: Readonly<Record<string, JsonObject>>;
}

/** Bound on the tasks one execution of a step runs (a template that keeps producing tasks). */
const MAX_TASKS_PER_EXECUTION = 2000;

const programs = new WeakMap<CueTemplateSource, WeakMap<StepProviderRegistry, CueProgram>>();

/** Problems naming each provider package the template imports that the registry lacks. */
export function missingProviders(template: CueTemplateSource, registry: StepProviderRegistry): string[] {
  return compileDefinitionCue(template)
    .imports.map((path) => missingProvider(registry, path))
    .filter((problem): problem is string => problem !== undefined);
}

/** The definition's template compiled with the registry's packages (throws a VelaError naming a missing provider). */
export function compileStepTemplate(
  definition: WorkflowStepDefinition & { readonly cue: CueTemplateSource },
  registry: StepProviderRegistry,
): CueProgram {
  const template = definition.cue;
  let byRegistry = programs.get(template);
  const cached = byRegistry?.get(registry);
  if (cached !== undefined) return cached;
  const missing = missingProviders(template, registry);
  if (missing.length > 0)
    throw new VelaError("E_PROVIDER_UNAVAILABLE", `workflow step "${definition.name}": ${missing.join("; ")}`, {
      source: { file: template.file, line: template.line, column: template.column },
      hint: "vela-ts provides vela/op, vela/kube, vela/builtin, vela/util and vela/http (docs/workflow.md)",
    });
  const program = compileCue(cueSourceOf(template), {
    injected: CUE_TEMPLATE_INJECTED,
    packages: registry.packages(),
  });
  if (byRegistry === undefined) {
    byRegistry = new WeakMap();
    programs.set(template, byRegistry);
  }
  byRegistry.set(registry, program);
  return program;
}

/** What the runtime keeps between executions of a step (`StepOutcome.memory`). */
interface CueStepMemory {
  /** Paths of `#Suspend` tasks already suspended on (passed once resumed). */
  readonly suspended: readonly string[];
  /** What provider tasks keep (`TaskMemory`), by task path. */
  readonly tasks: Readonly<Record<string, JsonObject>>;
}

function readMemory(memory: Readonly<JsonObject>): CueStepMemory {
  const suspended = Array.isArray(memory["suspended"])
    ? memory["suspended"].filter((item): item is string => typeof item === "string")
    : [];
  const tasks: Record<string, JsonObject> = {};
  const kept = memory["tasks"];
  if (isJsonObject(kept))
    for (const [path, value] of Object.entries(kept)) if (isJsonObject(value)) tasks[path] = value;
  return { suspended, tasks };
}

function memoryValue(memory: CueStepMemory): JsonObject {
  return Object.keys(memory.tasks).length === 0
    ? { suspended: [...memory.suspended] }
    : { suspended: [...memory.suspended], tasks: { ...memory.tasks } };
}

function describeProblems(problems: readonly CueProblem[]): string {
  const [first] = problems;
  if (first === undefined) return "cannot be evaluated";
  const where = first.positions[0];
  const at = where === undefined ? "" : ` (${where.file}:${where.line}:${where.column})`;
  return `${first.path === "" ? "" : `${first.path}: `}${first.message}${at}`;
}

function failed(message: string, reason: "Rendering" | "Action" | "Execute" = "Rendering"): StepOutcome {
  return { kind: "failed", retryable: reason === "Execute", message, ...(reason === "Execute" ? {} : { reason }) };
}

/** The task's input: `$params`, or (legacy) its own regular fields. */
function taskInput(task: FoundTask): { ok: true; params: JsonObject } | { ok: false; problems: readonly CueProblem[] } {
  const source = task.legacy ? task.value : (task.value.lookup("$params") as CueValue);
  const exported = source.tryExport();
  if (exported.ok) return { ok: true, params: isJsonObject(exported.value) ? exported.value : {} };
  // A legacy task's result fields (`response`, `str`…) are not input: leave out what is not concrete
  // only when the rest is.
  if (task.legacy) {
    const part = concretePart(source);
    const required = source.errors({ includeIncomplete: true });
    const blocking = required.filter((problem) => !isResultField(task, problem));
    if (blocking.length === 0 && isJsonObject(part)) return { ok: true, params: part };
    return { ok: false, problems: blocking };
  }
  return { ok: false, problems: exported.error.problems };
}

/** What of a task's input is concrete (a wait whose condition cannot be decided yet still has its message). */
function partialInput(task: FoundTask): JsonObject {
  const part = concretePart(task.legacy ? task.value : (task.value.lookup("$params") as CueValue));
  return isJsonObject(part) ? part : {};
}

/** Legacy result fields, which are not concrete before the task ran. */
const LEGACY_RESULTS = new Set(["response", "str", "list", "result", "err", "output", "outputs", "isHealth"]);

function isResultField(task: FoundTask, problem: CueProblem): boolean {
  const labels = problem.labels ?? [];
  const next = labels[task.path.length];
  return next !== undefined && LEGACY_RESULTS.has(next);
}

/** A problem a template has before any task ran: not "waiting for a result" but a real mistake. */
function isDefinite(problem: CueProblem): boolean {
  return problem.kind !== "incomplete" || problem.message.startsWith("incomplete value");
}

function stringField(params: JsonObject, key: string): string | undefined {
  const value = params[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The step's value (for `outputs[].valueFrom`): the concrete part of every top-level field. */
function stepValue(root: CueValue): JsonObject {
  const value: JsonObject = {};
  for (const field of root.fields()) {
    if (field.label === "context") continue;
    const part = concretePart(field.value);
    if (part !== undefined) value[field.label] = part;
  }
  return value;
}

function resultFills(
  task: FoundTask,
  result: JsonObject,
  legacy: ((r: JsonObject) => JsonObject) | undefined,
): CueFill[] {
  if (Object.keys(result).length === 0) return [];
  if (!task.legacy) return [{ path: [...task.path, "$returns"], value: result }];
  const fields = legacy === undefined ? result : legacy(result);
  return Object.entries(fields).map(([key, value]) => ({ path: [...task.path, key], value: value }));
}

/**
 * What is wrong with the tasks of an evaluated template before any ran: a value in conflict, or a
 * task whose input is missing a field (not one waiting for another task's result), as messages
 * naming the task path.
 */
export function allTaskProblems(root: CueValue): string[] {
  const problems: string[] = [];
  const tasks = allTasks(root);
  for (const task of tasks) {
    const input = taskInput(task);
    if (input.ok) continue;
    const definite = input.problems.filter(isDefinite);
    if (definite.length > 0) problems.push(`task ${taskKey(task.path)}: ${describeProblems(definite)}`);
  }
  const broken = nextTask(root, new Set(tasks.map((task) => taskKey(task.path))));
  if (broken !== undefined && "broken" in broken)
    problems.push(`${taskKey(broken.broken.path)}: ${describeProblems(broken.broken.problems)}`);
  return problems;
}

/** Runs a CUE step once (one execution): see the module comment. */
export async function runCueStep(
  source: CueStepSource,
  ctx: StepContext,
  registry: StepProviderRegistry,
): Promise<StepOutcome> {
  const subject = `workflow step "${source.definition.name}"`;
  let program: CueProgram;
  try {
    program = compileStepTemplate(source.definition, registry);
  } catch (error) {
    if (error instanceof VelaError && !(error instanceof CueError)) return failed(error.message);
    if (error instanceof CueError) return failed(`${subject}: ${describeProblems(error.problems)}`);
    throw error;
  }
  let memory = readMemory(ctx.memory);
  let memoryChanged = false;
  let recheckAt: number | undefined;
  /** A waiting outcome with what tasks asked to keep, and the earliest time one asked to be checked again. */
  const waiting = (text: string): StepOutcome => ({
    kind: "running",
    reason: "Wait",
    message: text,
    ...(memoryChanged ? { memory: memoryValue(memory) } : {}),
    ...(recheckAt === undefined ? {} : { wakeAt: new Date(recheckAt).toISOString() }),
  });
  const taskMemory = (path: string): TaskMemory => ({
    get: () => memory.tasks[path],
    set: (value) => {
      memory = { ...memory, tasks: { ...memory.tasks, [path]: value } };
      memoryChanged = true;
    },
    recheckBy: (timestamp) => {
      const at = Date.parse(timestamp);
      if (!Number.isNaN(at)) recheckAt = recheckAt === undefined ? at : Math.min(recheckAt, at);
    },
  });
  const fills: CueFill[] = [
    { path: ["parameter"], value: source.parameter },
    { path: ["context"], value: source.context },
  ];
  const evaluate = (): CueValue => program.evaluate({ fill: fills });
  const done = new Set<string>();
  let message: string | undefined;

  for (let count = 0; count < MAX_TASKS_PER_EXECUTION; count++) {
    let root: CueValue;
    let visit;
    try {
      root = evaluate();
      if (count === 0) {
        // Before the first task: every task visible now must have a well-formed input (nothing half-applied).
        const [problem] = allTaskProblems(root);
        if (problem !== undefined) return failed(problem);
      }
      visit = nextTask(root, done);
    } catch (error) {
      if (error instanceof CueError) return failed(`${subject}: ${describeProblems(error.problems)}`);
      throw error;
    }
    if (visit === undefined) {
      const problems = root.errors().filter((problem) => (problem.labels ?? [])[0] !== "context");
      if (problems.length > 0) return failed(`${subject}: ${describeProblems(problems)}`);
      return { kind: "succeeded", outputs: stepValue(root), ...(message === undefined ? {} : { message }) };
    }
    if ("broken" in visit) return failed(`${taskKey(visit.broken.path)}: ${describeProblems(visit.broken.problems)}`);
    const task = visit.task;
    const path = taskKey(task.path);
    done.add(path);
    const input = taskInput(task);

    if (task.provider === "builtin") {
      const params = input.ok ? input.params : partialInput(task);
      switch (task.action) {
        case "wait": {
          if (input.ok && params["continue"] === true) continue;
          const detail = input.ok ? "" : ` (${describeProblems(input.problems)})`;
          return waiting(stringField(params, "message") ?? message ?? `waiting for ${path} to continue${detail}`);
        }
        case "fail":
          return failed(stringField(params, "message") ?? `failed at ${path}`, "Action");
        case "break":
          return {
            kind: "succeeded",
            outputs: stepValue(root),
            ...((stringField(params, "message") ?? message) === undefined
              ? {}
              : { message: stringField(params, "message") ?? message ?? "" }),
          };
        case "message":
          message = stringField(params, "message") ?? message;
          continue;
        case "suspend": {
          if (memory.suspended.includes(path)) continue;
          const next = memoryValue({ ...memory, suspended: [...memory.suspended, path] });
          const duration = stringField(params, "duration");
          const ms = duration === undefined ? undefined : parseDuration(duration);
          if (duration !== undefined && ms === undefined)
            return failed(`task ${path}: duration "${duration}" is not a duration`);
          if (ms === 0) continue;
          const text = stringField(params, "message");
          if (ms === undefined)
            return { kind: "suspended", message: text ?? message ?? "suspended until resumed", memory: next };
          const resumeAt = timestampAfter(ctx.clock.now(), ms);
          return {
            kind: "suspended",
            message: text ?? `suspended for ${duration ?? ""}, resumes at ${resumeAt}`,
            resumeAt,
            memory: next,
          };
        }
        default:
          return failed(`task ${path}: unknown builtin action "${task.action}"`);
      }
    }

    const action = registry.action(task.provider, task.action);
    if (action === undefined) return failed(`task ${path}: provider "${task.provider}" has no action "${task.action}"`);
    if (!input.ok) return failed(`task ${path}: ${describeProblems(input.problems)}`);
    let result;
    try {
      result = await action.run({
        params: input.params,
        taskPath: path,
        step: ctx,
        components: source.components,
        memory: taskMemory(path),
      });
    } catch (error) {
      if (error instanceof TaskInputError) return failed(`task ${path}: ${error.message}`);
      if (error instanceof VelaError) throw error;
      // Network errors and the like: retried with backoff.
      return failed(`task ${path}: ${error instanceof Error ? error.message : String(error)}`, "Execute");
    }
    if (result.kind === "wait") return waiting(result.message);
    fills.push(...resultFills(task, result.returns, action.legacy?.bind(action)));
  }
  return failed(`${subject}: more than ${MAX_TASKS_PER_EXECUTION} tasks in one execution`);
}
