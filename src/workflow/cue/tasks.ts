import type { CueProblem, CueValue } from "../../cue/index.js";
import type { JsonObject, JsonValue } from "../../util/index.js";

/**
 * Finding the tasks of an evaluated step template (kubevela/workflow: every value carrying `#do` is
 * a task). The walk is depth-first in field order; within a struct, fields with `@step(n)` are
 * ordered by n (fields without one count as 0, keeping their order). `#Steps` groups (`#do:
 * "steps"`) and plain structs are walked into; a task's own fields are not. `parameter` and
 * `context` at the top are data, never tasks.
 */

/** A task found in the template. */
export interface FoundTask {
  /** Labels from the root (`["webhook", "http"]`). */
  readonly path: readonly string[];
  readonly value: CueValue;
  /** `#do`. */
  readonly action: string;
  /** `#provider`; the runtime's own tasks (wait, fail…) have `builtin`. */
  readonly provider: string;
  /** A legacy `vela/op` task (input and result on the task itself) rather than `$params`/`$returns`. */
  readonly legacy: boolean;
}

/** A value of the template that cannot be evaluated (a conflict), found while walking. */
export interface BrokenValue {
  readonly path: readonly string[];
  readonly problems: readonly CueProblem[];
}

const DATA_FIELDS = new Set(["parameter", "context"]);

function stepNumber(value: CueValue): number {
  const attribute = value.attributes("step")[0];
  const parsed = attribute === undefined ? Number.NaN : Number.parseInt(attribute.body.trim(), 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

function concreteString(value: CueValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  const exported = value.tryExport();
  return exported.ok && typeof exported.value === "string" ? exported.value : undefined;
}

/** The task a struct is, or undefined when it is not one (or its `#do` is not decided yet). */
export function taskOf(value: CueValue, path: readonly string[]): FoundTask | undefined {
  const action = concreteString(value.lookup("#do"));
  if (action === undefined) return undefined;
  return {
    path,
    value,
    action,
    provider: concreteString(value.lookup("#provider")) ?? "builtin",
    legacy: value.lookup("$params") === undefined,
  };
}

/** Fields of a struct in execution order. */
function orderedFields(value: CueValue, top: boolean): { label: string; value: CueValue }[] {
  const fields = value
    .fields()
    .filter((field) => !(top && DATA_FIELDS.has(field.label)) && !field.label.startsWith("$"))
    .map((field, index) => ({ label: field.label, value: field.value, index, step: stepNumber(field.value) }));
  fields.sort((a, b) => a.step - b.step || a.index - b.index);
  return fields;
}

/** What a walk visits: a task (not done yet) or a value in conflict. */
export type Visit = { readonly task: FoundTask } | { readonly broken: BrokenValue };

/**
 * Walks the template in execution order and returns the first task not in `done` (by dotted path),
 * or the first value in conflict met before it; undefined when every task is done.
 */
export function nextTask(root: CueValue, done: ReadonlySet<string>): Visit | undefined {
  const visit = (value: CueValue, path: readonly string[]): Visit | undefined => {
    for (const field of orderedFields(value, path.length === 0)) {
      const kind = field.value.kind();
      const fieldPath = [...path, field.label];
      if (kind === "bottom") {
        const problems = field.value.errors();
        return { broken: { path: fieldPath, problems: problems.length > 0 ? problems : errorOf(field.value) } };
      }
      if (kind !== "struct") continue;
      const task = taskOf(field.value, fieldPath);
      if (task !== undefined && task.action !== "steps") {
        if (!done.has(taskKey(fieldPath))) return { task };
        continue;
      }
      const inner = visit(field.value, fieldPath);
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  return visit(root, []);
}

/** Every task visible now, in execution order (for checks before the first runs). */
export function allTasks(root: CueValue): FoundTask[] {
  const found: FoundTask[] = [];
  const visit = (value: CueValue, path: readonly string[]): void => {
    for (const field of orderedFields(value, path.length === 0)) {
      if (field.value.kind() !== "struct") continue;
      const fieldPath = [...path, field.label];
      const task = taskOf(field.value, fieldPath);
      if (task !== undefined && task.action !== "steps") found.push(task);
      else visit(field.value, fieldPath);
    }
  };
  visit(root, []);
  return found;
}

function errorOf(value: CueValue): readonly CueProblem[] {
  return value.error()?.problems ?? [];
}

/** The key a task is remembered by. */
export function taskKey(path: readonly string[]): string {
  return path.join(".");
}

/**
 * The concrete part of a value: a value that exports is taken as is; a struct that does not keeps
 * its fields that do (a task waiting for its result still shows its parameters); the rest is left out.
 */
export function concretePart(value: CueValue): JsonValue | undefined {
  const exported = value.tryExport();
  if (exported.ok) return exported.value;
  if (value.kind() !== "struct") return undefined;
  const result: JsonObject = {};
  for (const field of value.fields()) {
    const part = concretePart(field.value);
    if (part !== undefined) result[field.label] = part;
  }
  return result;
}
