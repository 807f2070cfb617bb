import type { KubeObject } from "../../../../model/kube-object.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../../../util/index.js";

/**
 * Typed readers over the plain-JSON fields of a Kubernetes object. Controllers read user input
 * (a Deployment spec, a Rollout step) that nothing has validated, so every reader tolerates a
 * missing or mistyped field and returns undefined instead of throwing.
 */
export function valueAt(root: KubeObject | JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current as JsonValue | undefined;
}

/** The JSON object at `path`, or undefined. */
export function objectAt(root: KubeObject | JsonValue | undefined, path: readonly string[]): JsonObject | undefined {
  const value = valueAt(root, path);
  return isJsonObject(value) ? value : undefined;
}

/** The array at `path` (empty when absent). */
export function arrayAt(root: KubeObject | JsonValue | undefined, path: readonly string[]): readonly JsonValue[] {
  const value = valueAt(root, path);
  return Array.isArray(value) ? value : [];
}

/** The string at `path`, or undefined. */
export function stringAt(root: KubeObject | JsonValue | undefined, path: readonly string[]): string | undefined {
  const value = valueAt(root, path);
  return typeof value === "string" ? value : undefined;
}

/** The number at `path`, or undefined. */
export function numberAt(root: KubeObject | JsonValue | undefined, path: readonly string[]): number | undefined {
  const value = valueAt(root, path);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The boolean at `path`, or undefined. */
export function booleanAt(root: KubeObject | JsonValue | undefined, path: readonly string[]): boolean | undefined {
  const value = valueAt(root, path);
  return typeof value === "boolean" ? value : undefined;
}

/** A string map (labels, selectors) at `path`; non-string values are skipped. */
export function stringMapAt(
  root: KubeObject | JsonValue | undefined,
  path: readonly string[],
): Readonly<Record<string, string>> {
  const value = objectAt(root, path);
  if (value === undefined) return {};
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) if (typeof item === "string") out[key] = item;
  return out;
}

/** The objects of the array at `path`, skipping non-objects. */
export function objectsAt(root: KubeObject | JsonValue | undefined, path: readonly string[]): readonly JsonObject[] {
  return arrayAt(root, path).filter(isJsonObject);
}

/** Deep copy of an object as plain JSON. */
export function cloneObject<T extends KubeObject>(object: T): T {
  return structuredClone(object);
}
