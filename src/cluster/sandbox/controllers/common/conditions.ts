import { formatTimestamp, isJsonObject, type JsonObject, type JsonValue } from "../../../../util/index.js";

/** A status condition as Kubernetes APIs write it. */
export interface ConditionInput {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
}

/** The condition of `type` in a conditions array, or undefined. */
export function findCondition(conditions: JsonValue | undefined, type: string): JsonObject | undefined {
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((item): item is JsonObject => isJsonObject(item) && item.type === type);
}

/**
 * Returns a new conditions array with `input` set, as the upstream `SetXCondition` helpers do:
 * an unchanged condition keeps its timestamps; `lastTransitionTime` moves only when `status` flips;
 * `lastUpdateTime` moves on every change. `withUpdateTime: false` for kinds whose conditions have no
 * lastUpdateTime (metav1.Condition: Flux).
 */
export function setCondition(
  conditions: JsonValue | undefined,
  input: ConditionInput,
  now: Date,
  options: { readonly withUpdateTime?: boolean; readonly observedGeneration?: number } = {},
): JsonObject[] {
  const list = Array.isArray(conditions) ? conditions.filter(isJsonObject) : [];
  const existing = list.find((item) => item.type === input.type);
  if (
    existing !== undefined &&
    existing.status === input.status &&
    existing.reason === input.reason &&
    existing.message === input.message &&
    (options.observedGeneration === undefined || existing.observedGeneration === options.observedGeneration)
  ) {
    return list;
  }
  const stamp = formatTimestamp(now);
  const transition =
    existing !== undefined && existing.status === input.status && typeof existing.lastTransitionTime === "string"
      ? existing.lastTransitionTime
      : stamp;
  const next: JsonObject = {
    type: input.type,
    status: input.status,
    ...(options.observedGeneration === undefined ? {} : { observedGeneration: options.observedGeneration }),
    ...(options.withUpdateTime === false ? {} : { lastUpdateTime: stamp }),
    lastTransitionTime: transition,
    reason: input.reason,
    message: input.message,
  };
  return existing === undefined ? [...list, next] : list.map((item) => (item === existing ? next : item));
}

/** A new conditions array without the condition of `type`. */
export function removeCondition(conditions: JsonValue | undefined, type: string): JsonObject[] {
  return (Array.isArray(conditions) ? conditions.filter(isJsonObject) : []).filter((item) => item.type !== type);
}
