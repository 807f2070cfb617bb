import { isJsonObject } from "../../util/index.js";
import type { JsonObject, JsonValue } from "../../util/index.js";
import type { StepOutcome } from "../types.js";

/** A step parameter that is missing or has the wrong shape: the step fails for good (ProcessParameter). */
export function invalidParameter(message: string): StepOutcome {
  return { kind: "failed", retryable: false, reason: "ProcessParameter", message };
}

/** A string parameter, or undefined when absent/null. */
export function stringParam(parameter: JsonObject, key: string): string | undefined {
  const value = parameter[key];
  return typeof value === "string" ? value : undefined;
}

/** An object parameter, or undefined when absent or not an object. */
export function objectParam(parameter: JsonObject, key: string): JsonObject | undefined {
  const value: JsonValue | undefined = parameter[key];
  return isJsonObject(value) ? value : undefined;
}
