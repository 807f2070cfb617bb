/**
 * Step replica math of `openkruise/rollouts` (`pkg/controller/batchrelease/control/canarystyle`
 * `calculateBatchContext` → `intstr.GetScaledValueFromIntOrPercent(…, roundUp=true)`): a percent
 * is `ceil(p × N / 100)`, an int is used as is; both are capped at N and floored at 0.
 */
import type { JsonValue } from "../../../../util/index.js";
import { scaledValue } from "../common/int-or-percent.js";
import type { RolloutStep } from "./api.js";

/** Canary pods for a step's replicas value against `total` (the workload's `spec.replicas`); undefined when invalid. */
export function canaryReplicasFor(replicas: JsonValue | undefined, total: number): number | undefined {
  const value = scaledValue(replicas, total, true);
  return value === undefined ? undefined : Math.min(total, Math.max(0, value));
}

/** The replicas value a step asks for: `replicas`, else `"<weight>%"`. */
export function stepReplicasValue(step: RolloutStep): JsonValue | undefined {
  return step.replicas ?? (step.weight === undefined ? undefined : `${step.weight}%`);
}

/** Canary pods for a step. */
export function stepCanaryReplicas(step: RolloutStep, total: number): number | undefined {
  return canaryReplicasFor(stepReplicasValue(step), total);
}
