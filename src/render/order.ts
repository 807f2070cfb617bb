import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";

const FIRST_KEYS = ["apiVersion", "kind", "metadata"] as const;

function sortedValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortedValue);
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    if (member !== undefined) result[key] = sortedValue(member);
  }
  return result;
}

/**
 * A copy of a Kubernetes object with keys sorted at every level and `apiVersion`, `kind`, `metadata`
 * first (as cdk8s does), so the same object always serialises to the same bytes.
 */
export function orderObjectKeys<T extends JsonObject>(object: T): T {
  const sorted = sortedValue(object) as JsonObject;
  const result: JsonObject = {};
  for (const key of FIRST_KEYS) {
    const member = sorted[key];
    if (member !== undefined) result[key] = member;
  }
  for (const [key, member] of Object.entries(sorted)) if (!(key in result)) result[key] = member;
  return result as T;
}
