import type { JsonValue } from "../../../util/index.js";
import { isJsonObject } from "../../../util/index.js";

/**
 * RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, everything else (arrays
 * included) replaces. Returns a new value; neither input is changed.
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: Record<string, JsonValue> = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
