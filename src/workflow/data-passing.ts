import { isJsonObject } from "../util/index.js";
import type { JsonObject, JsonValue } from "../util/index.js";
import { evaluateWorkflowExpression, WorkflowExpressionError } from "./expressions.js";
import type { WorkflowStepBaseSpec } from "./types.js";

/**
 * Data passing between steps (kubevela/workflow pkg/hooks/data_passing.go): `inputs` read workflow
 * variables into a step's parameter, `outputs` store values from what a step returned.
 */

const PLAIN_PATH = /^[A-Za-z_$][\w$-]*(?:\.[\w$-]+|\[\d+\])*$/;

function segmentsOf(path: string): string[] {
  return path.replace(/\[(\d+)\]/g, ".$1").split(".");
}

/** Reads a dotted path (`output.status.podIP`, `items[0].name`) from a JSON value. */
export function readPath(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const segment of segmentsOf(path)) {
    if (Array.isArray(current)) current = /^\d+$/.test(segment) ? current[Number(segment)] : undefined;
    else if (isJsonObject(current)) current = Object.hasOwn(current, segment) ? current[segment] : undefined;
    else return undefined;
  }
  return current;
}

/** A copy of `target` with `value` written at a dotted key (`a.b.c`), creating objects on the way. */
export function writePath(target: JsonObject, key: string, value: JsonValue): JsonObject {
  const [head, ...rest] = segmentsOf(key);
  if (head === undefined || head === "") return target;
  if (rest.length === 0) return { ...target, [head]: value };
  const child = target[head];
  return { ...target, [head]: writePath(isJsonObject(child) ? child : {}, rest.join("."), value) };
}

/** A step's parameter and input values, or the input names that do not exist yet. */
export interface ResolvedParameter {
  readonly parameter: JsonObject;
  readonly inputs: JsonObject;
  readonly missing: readonly string[];
}

/** Writes each input that exists in `vars` at its `parameterKey` over the step's properties. */
export function resolveParameter(step: WorkflowStepBaseSpec, vars: Readonly<JsonObject>): ResolvedParameter {
  let parameter: JsonObject = structuredClone(step.properties ?? {});
  const inputs: JsonObject = {};
  const missing: string[] = [];
  for (const input of step.inputs ?? []) {
    if (!Object.hasOwn(vars, input.from)) {
      missing.push(input.from);
      continue;
    }
    const value = vars[input.from] as JsonValue;
    inputs[input.from] = value;
    if (input.parameterKey !== undefined && input.parameterKey !== "")
      parameter = writePath(parameter, input.parameterKey, structuredClone(value));
  }
  return { parameter, inputs, missing };
}

/** The variables a finished step sets, or why they could not be read. */
export type OutputResult =
  { readonly ok: true; readonly vars: JsonObject } | { readonly ok: false; readonly message: string };

/**
 * Evaluates `outputs[].valueFrom` against the step's value: a plain dotted path is looked up, any
 * other text is an expression (KubeVela's CUE syntax, or CEL) whose variables are the value's
 * top-level keys.
 */
export function readOutputs(step: WorkflowStepBaseSpec, value: JsonObject | undefined): OutputResult {
  const vars: JsonObject = {};
  const source: JsonObject = value ?? {};
  for (const output of step.outputs ?? []) {
    let result: JsonValue | undefined;
    if (PLAIN_PATH.test(output.valueFrom)) {
      result = readPath(source, output.valueFrom);
      if (result === undefined)
        return { ok: false, message: `output "${output.name}": "${output.valueFrom}" is not in the step's value` };
    } else {
      try {
        result = evaluateWorkflowExpression(output.valueFrom, source);
      } catch (error) {
        if (!(error instanceof WorkflowExpressionError)) throw error;
        return { ok: false, message: `output "${output.name}": ${error.message}` };
      }
    }
    vars[output.name] = result;
  }
  return { ok: true, vars };
}
