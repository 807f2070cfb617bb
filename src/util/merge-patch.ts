import jsonMergePatch from "json-merge-patch";
import type { JsonObject, JsonValue } from "./json.js";

/**
 * RFC 7386 JSON merge patch, the one implementation (the `json-merge-patch` package) behind trait
 * patches (`jsonMergePatch`), the sandbox API's `application/merge-patch+json` and the simulated
 * Helm three-way merge: objects merge recursively, `null` deletes, everything else (arrays included)
 * replaces. Neither input is changed (the package patches its target in place, so both are copied).
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  return jsonMergePatch.apply<JsonValue>(target === undefined ? {} : unshared(target), structuredClone(patch));
}

/**
 * A copy with no shared subtrees. structuredClone keeps aliasing: where two fields hold one object
 * (the sandbox store interns equal subtrees, e.g. `metadata.labels` and `spec.selector.matchLabels`),
 * patching one in place would change the other.
 */
function unshared(value: JsonValue): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** The RFC 7386 patch turning `before` into `after` (`{}` when they are equal). */
export function mergePatchBetween(before: JsonObject, after: JsonObject): JsonObject {
  const patch = jsonMergePatch.generate<JsonObject>(before, after);
  return patch === undefined ? {} : structuredClone(patch);
}
