import fastJsonPatch from "fast-json-patch";
import { VelaError } from "../errors/index.js";
import { STRATEGIC_MERGE_KEYS, type PatchStrategy } from "../model/index.js";
import {
  applyMergePatch,
  isJsonObject,
  jsonEqual,
  parsePointer,
  type JsonObject,
  type JsonValue,
} from "../util/index.js";

/**
 * Trait patches (docs/definitions.md "Patches"):
 * `merge` (maps merge, `null` deletes, lists replace except keyed lists), `jsonMergePatch` (RFC 7386),
 * `jsonPatch` (RFC 6902) and `replace`. All functions return new values and never change their inputs.
 */

/** Options of {@link applyPatch}. */
export interface PatchOptions {
  /** @default "merge" */
  readonly strategy?: PatchStrategy;
  /**
   * Extra keyed lists for `merge`: path (`*` = any list index or key) → item key field, e.g.
   * `{"/spec/template/spec/containers/*\/env": "name"}`. They take precedence over the built-in keys.
   * @default {}
   */
  readonly patchKeys?: Readonly<Record<string, string>>;
  /**
   * Paths (same pattern syntax) whose patch value replaces the target value instead of merging
   * into it (KubeVela's `+patchStrategy=retainKeys`, used by canary steps on VirtualService routes).
   * @default []
   */
  readonly replacePaths?: readonly string[];
}

type Pattern = readonly string[];

interface Merger {
  readonly keys: readonly { readonly pattern: Pattern; readonly key: string }[];
  readonly replace: readonly Pattern[];
}

function toPattern(path: string): Pattern {
  return parsePointer(path.startsWith("/") ? path : `/${path}`);
}

function matches(pattern: Pattern, path: readonly string[]): boolean {
  return (
    pattern.length === path.length && pattern.every((segment, index) => segment === "*" || segment === path[index])
  );
}

function listKey(
  merger: Merger,
  path: readonly string[],
  field: string,
  base: readonly JsonValue[],
  patch: readonly JsonValue[],
): string | undefined {
  const declared = merger.keys.find((entry) => matches(entry.pattern, path));
  if (declared !== undefined) return declared.key;
  const candidates = STRATEGIC_MERGE_KEYS[field] ?? [];
  if (candidates.length <= 1) return candidates[0];
  // `ports`: `containerPort` in a container, `port` in a Service — whichever the items have.
  const hasField = (name: string): boolean =>
    [...base, ...patch].some((item) => isJsonObject(item) && item[name] !== undefined);
  return candidates.find(hasField);
}

/** Drops `null` members (a merge patch's deletions have nothing to delete in a new value). */
function withoutNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, member] of Object.entries(value)) if (member !== null) result[key] = withoutNulls(member);
  return result;
}

function mergeList(
  merger: Merger,
  base: readonly JsonValue[],
  patch: readonly JsonValue[],
  key: string,
  path: readonly string[],
): JsonValue[] {
  const result = [...base];
  for (const item of patch) {
    const id = isJsonObject(item) ? item[key] : undefined;
    if (id !== undefined && id !== null) {
      const index = result.findIndex((existing) => isJsonObject(existing) && jsonEqual(existing[key], id));
      if (index >= 0) {
        result[index] = mergeValue(merger, result[index], item, [...path, String(index)]);
        continue;
      }
      result.push(mergeValue(merger, undefined, item, [...path, String(result.length)]));
      continue;
    }
    if (!result.some((existing) => jsonEqual(existing, item))) result.push(withoutNulls(item));
  }
  return result;
}

function mergeValue(
  merger: Merger,
  target: JsonValue | undefined,
  patch: JsonValue,
  path: readonly string[],
): JsonValue {
  if (!isJsonObject(patch)) return withoutNulls(patch);
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [field, value] of Object.entries(patch)) {
    const childPath = [...path, field];
    if (value === null) {
      delete result[field];
      continue;
    }
    if (merger.replace.some((pattern) => matches(pattern, childPath))) {
      result[field] = withoutNulls(value);
      continue;
    }
    const current = result[field];
    if (Array.isArray(value)) {
      // A keyed list also merges into a missing (or non-list) target, so a patch that repeats a key
      // gives the same result whether or not the target already has the list (idempotence).
      const base = Array.isArray(current) ? current : [];
      const key = listKey(merger, childPath, field, base, value);
      result[field] = key !== undefined ? mergeList(merger, base, value, key, childPath) : withoutNulls(value);
      continue;
    }
    result[field] = mergeValue(merger, current, value, childPath);
  }
  return result;
}

/**
 * The default `merge` strategy: maps merge recursively, `null` deletes, lists replace unless keyed
 * (built-in Kubernetes keys plus `patchKeys`); keyed items merge by key, new items are appended, and
 * items without the key are appended unless an equal one is already there (so patching is idempotent).
 */
export function mergePatch(
  target: JsonValue,
  patch: JsonValue,
  options: Omit<PatchOptions, "strategy"> = {},
): JsonValue {
  const merger: Merger = {
    keys: Object.entries(options.patchKeys ?? {}).map(([path, key]) => ({ pattern: toPattern(path), key })),
    replace: (options.replacePaths ?? []).map(toPattern),
  };
  return mergeValue(merger, target, patch, []);
}

function patchError(message: string, hint: string, cause?: unknown): VelaError {
  return new VelaError("E_PATCH", message, { hint, ...(cause === undefined ? {} : { cause }) });
}

function jsonPatchOperations(patch: JsonValue): fastJsonPatch.Operation[] {
  const operations = isJsonObject(patch) && Array.isArray(patch.operations) ? patch.operations : patch;
  if (!Array.isArray(operations))
    throw patchError(
      "a jsonPatch patch must render a list of RFC 6902 operations",
      "render [{op: replace, path: /spec/replicas, value: 3}] (or operations: [...])",
    );
  // fast-json-patch validates each operation itself (validateOperation in applyPatch) with its own errors.
  return operations as unknown as fastJsonPatch.Operation[];
}

/** Applies a rendered patch to a target with the given strategy; returns a new value. */
export function applyPatch(target: JsonValue, patch: JsonValue, options: PatchOptions = {}): JsonValue {
  const strategy = options.strategy ?? "merge";
  switch (strategy) {
    case "merge":
      return mergePatch(target, patch, options);
    case "jsonMergePatch":
      return applyMergePatch(target, patch);
    case "jsonPatch": {
      const operations = jsonPatchOperations(patch);
      try {
        return fastJsonPatch.applyPatch(structuredClone(target), structuredClone(operations), true, false).newDocument;
      } catch (error) {
        const detail = error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
        throw patchError(
          `json patch failed: ${detail}`,
          "check each operation's op and path against the target object",
          error,
        );
      }
    }
    case "replace":
      return structuredClone(patch);
  }
}
