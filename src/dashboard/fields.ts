import type { KubeObject } from "../model/index.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";

/** The value at a path of plain objects, or undefined when any step is missing or not an object. */
export function fieldAt(value: JsonValue | KubeObject | undefined, ...path: readonly string[]): JsonValue | undefined {
  let current: unknown = value;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current as JsonValue | undefined;
}

/** A non-empty string, or undefined. */
export function textOf(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A finite number, or undefined. */
export function numberOf(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The objects of an array field (other entries dropped). */
export function objectsOf(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/** Copies `value` under `key` only when it is defined (for `exactOptionalPropertyTypes` objects). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The latest of some RFC 3339 timestamps (undefined ones ignored). */
export function latestTime(times: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  let bestMs = -Infinity;
  for (const time of times) {
    if (time === undefined) continue;
    const ms = Date.parse(time);
    if (Number.isFinite(ms) && ms > bestMs) {
      best = time;
      bestMs = ms;
    }
  }
  return best;
}
