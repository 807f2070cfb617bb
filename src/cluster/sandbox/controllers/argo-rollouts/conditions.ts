/**
 * The conditions an Argo Rollout reports (`rollout/sync.go` `calculateRolloutConditions`,
 * `utils/conditions/conditions.go` reasons and messages): Available, Progressing (its reason tells
 * created / updated / available / paused / aborted), Paused, Healthy, Completed, InvalidSpec.
 */
import type { JsonObject } from "../../../../util/index.js";
import { removeCondition, setCondition } from "../common/conditions.js";

/** What the conditions are computed from. */
export interface ConditionFacts {
  readonly invalidSpec: string | undefined;
  readonly aborted: boolean;
  readonly paused: boolean;
  readonly retried: boolean;
  /** The new ReplicaSet's name and revision. */
  readonly newReplicaSet: string;
  readonly revision: number;
  readonly currentPodHash: string;
  /** Rollout has its minimum availability (`available ≥ replicas − maxUnavailable`). */
  readonly available: boolean;
  /** Every replica updated and available, on the stable ReplicaSet (`RolloutComplete`). */
  readonly complete: boolean;
  /** `RolloutHealthy`: complete, all steps done, old replicas gone. */
  readonly healthy: boolean;
  /** `RolloutCompleted`: stableRS == currentPodHash. */
  readonly completed: boolean;
  readonly stepCount: number;
}

/** The next conditions of a Rollout. */
export function nextConditions(conditions: readonly JsonObject[], facts: ConditionFacts, now: Date): JsonObject[] {
  let next: JsonObject[] = [...conditions];
  if (facts.invalidSpec !== undefined) {
    return setCondition(
      next,
      { type: "InvalidSpec", status: "True", reason: "InvalidSpec", message: facts.invalidSpec },
      now,
    );
  }
  next = removeCondition(next, "InvalidSpec");
  next = setCondition(
    next,
    facts.available
      ? { type: "Available", status: "True", reason: "AvailableReason", message: "Rollout has minimum availability" }
      : {
          type: "Available",
          status: "False",
          reason: "AvailableReason",
          message: "Rollout does not have minimum availability",
        },
    now,
  );
  const progressing = facts.aborted
    ? {
        status: "False" as const,
        reason: "RolloutAborted",
        message: `Rollout aborted update to revision ${facts.revision}`,
      }
    : facts.paused
      ? { status: "Unknown" as const, reason: "RolloutPaused", message: "Rollout is paused" }
      : facts.complete
        ? {
            status: "True" as const,
            reason: "NewReplicaSetAvailable",
            message: `ReplicaSet "${facts.newReplicaSet}" has successfully progressed.`,
          }
        : facts.retried
          ? { status: "True" as const, reason: "RolloutRetry", message: "Retrying Rollout after abort" }
          : {
              status: "True" as const,
              reason: "ReplicaSetUpdated",
              message: `ReplicaSet "${facts.newReplicaSet}" is progressing.`,
            };
  next = setCondition(next, { type: "Progressing", ...progressing }, now);
  next = setCondition(
    next,
    facts.paused
      ? { type: "Paused", status: "True", reason: "RolloutPaused", message: "Rollout is paused" }
      : { type: "Paused", status: "False", reason: "RolloutResumed", message: "Rollout is resumed" },
    now,
  );
  next = setCondition(
    next,
    facts.healthy
      ? { type: "Healthy", status: "True", reason: "RolloutHealthy", message: "Rollout is healthy" }
      : { type: "Healthy", status: "False", reason: "RolloutHealthy", message: "Rollout is not healthy" },
    now,
  );
  next = setCondition(
    next,
    facts.completed
      ? {
          type: "Completed",
          status: "True",
          reason: "RolloutCompleted",
          message: `Rollout completed update to revision ${facts.revision} (${facts.currentPodHash}): Completed all ${facts.stepCount} canary steps`,
        }
      : {
          type: "Completed",
          status: "False",
          reason: "RolloutNotCompleted",
          message: `Rollout not completed, started update to revision ${facts.revision} (${facts.currentPodHash})`,
        },
    now,
  );
  return next;
}
