import { STRATEGIC_MERGE_KEYS } from "../../../model/merge-keys.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../../util/index.js";

function mergeKeyOf(field: string, items: readonly JsonValue[]): string | undefined {
  const candidates = STRATEGIC_MERGE_KEYS[field];
  if (candidates === undefined) return undefined;
  return candidates.find(
    (key) => items.length > 0 && items.every((item) => isJsonObject(item) && item[key] !== undefined),
  );
}

function withoutDirectives(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutDirectives);
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !key.startsWith("$"))
      .map(([key, child]) => [key, withoutDirectives(child)]),
  );
}

function mergeList(field: string, target: readonly JsonValue[], patch: readonly JsonValue[]): JsonValue[] {
  // `finalizers` and other primitive sets merge as a union (patchStrategy=merge on a list of strings).
  if (
    STRATEGIC_MERGE_KEYS[field] !== undefined &&
    patch.every((item) => !isJsonObject(item)) &&
    field === "finalizers"
  ) {
    return [...target, ...patch.filter((item) => !target.includes(item))];
  }
  const key = mergeKeyOf(field, patch);
  if (key === undefined) return patch.map(withoutDirectives);
  const result: JsonValue[] = [...target];
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    const index = result.findIndex((existing) => isJsonObject(existing) && existing[key] === item[key]);
    if (item.$patch === "delete") {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index] ?? null, item);
    } else {
      result.push(withoutDirectives(item));
    }
  }
  return result;
}

/**
 * Applies a Kubernetes strategic merge patch (`application/strategic-merge-patch+json`): an RFC 7386
 * merge patch where the lists Kubernetes keys (containers, env, volumes, ports, …) merge item by item on
 * their merge key, plus the `$patch: replace|delete`, `$retainKeys` and `$deleteFromPrimitiveList/…`
 * directives (`$setElementOrder/…` is accepted and ignored). Returns a new value.
 */
export function strategicMerge(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return withoutDirectives(patch);
  if (patch.$patch === "replace") return withoutDirectives(patch);
  if (patch.$patch === "delete") return {};
  const base: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const current = base[field];
      if (Array.isArray(current) && Array.isArray(value)) base[field] = current.filter((item) => !value.includes(item));
      continue;
    }
    if (key.startsWith("$")) continue;
    if (value === null) {
      delete base[key];
      continue;
    }
    const current = base[key];
    if (Array.isArray(value)) base[key] = mergeList(key, Array.isArray(current) ? current : [], value);
    else if (isJsonObject(value)) base[key] = strategicMerge(current ?? null, value);
    else base[key] = value;
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const key of Object.keys(base)) if (!retain.includes(key)) delete base[key];
  }
  return base;
}
