/**
 * KubeVela v1.1's `standard.oam.dev/v1alpha1` Rollout as the batch rollout controller reads it
 * (`kubevela` `apis/standard.oam.dev/v1alpha1/rollout_types.go`, `rollout_plan_types.go` @v1.1.13):
 * spec `targetRevisionName`, `sourceRevisionName`, `componentName`, `rolloutPlan`; status
 * `rollingState`, `batchRollingState`, `currentBatch`, `upgradedReplicas`, `upgradedReadyReplicas`,
 * `lastTargetRevision` and — KubeVela's own capitalisation — `LastSourceRevision`.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import type { JsonObject } from "../../../../util/index.js";
import { booleanAt, numberAt, objectsAt, stringAt, valueAt } from "../common/fields.js";
import { scaledValue } from "../common/int-or-percent.js";

export const BATCH_ROLLOUT_API_VERSION = "standard.oam.dev/v1alpha1";
export const BATCH_ROLLOUT_KIND = "Rollout";

/** `RollingState` values (upstream strings), the ones this controller reaches. */
export type RollingState = "locatingTargetApp" | "rollingInBatches" | "rolloutSucceed" | "rolloutFailed";

/** `BatchRollingState` values (upstream strings), the ones this controller reaches. */
export type BatchRollingState = "batchInitializing" | "batchInRolling" | "batchReady";

/** `rolloutStrategy`: scale the target up before the source down, or the other way round. */
export type RolloutStrategy = "IncreaseFirst" | "DecreaseFirst";

/** The Rollout spec, normalised. */
export interface BatchRolloutSpec {
  readonly targetRevisionName: string;
  /** Empty when not given (then `status.lastTargetRevision` is the source). */
  readonly sourceRevisionName: string;
  readonly componentName: string;
  readonly strategy: RolloutStrategy;
  readonly targetSize: number;
  /**
   * Target replicas once batch `i` is done: the running sum of `rolloutBatches[].replicas`
   * (ints or `"N%"` of targetSize), the last batch always `targetSize`. One batch of targetSize
   * when no batches are given.
   */
  readonly batchTargets: readonly number[];
  /** The last batch to roll (`batchPartition`, clamped); the last batch when absent. */
  readonly partition: number;
  readonly paused: boolean;
  /** Why the plan cannot be rolled (upstream `verifyingSpec` failures), if so. */
  readonly invalid?: string;
}

/** The Rollout status fields this controller owns (KubeVela `CompRolloutStatus`). */
export interface BatchRolloutStatus {
  readonly rollingState: RollingState;
  readonly batchRollingState: BatchRollingState;
  readonly currentBatch: number;
  readonly rolloutTargetSize: number;
  readonly upgradedReplicas: number;
  readonly upgradedReadyReplicas: number;
  readonly lastTargetRevision: string;
  /** Absent on a first deploy (no source revision). */
  readonly LastSourceRevision?: string;
}

/** Reads the `rolloutPlan` and revisions of a Rollout; never throws (a bad plan is `invalid`). */
export function readBatchRolloutSpec(rollout: KubeObject): BatchRolloutSpec {
  const plan = valueAt(rollout, ["spec", "rolloutPlan"]);
  const targetSize = Math.max(0, Math.floor(numberAt(plan, ["targetSize"]) ?? 0));
  const batches = objectsAt(plan, ["rolloutBatches"]);
  const sizes = batches.map((batch) => scaledValue(valueAt(batch, ["replicas"]), targetSize, true));
  let invalid: string | undefined;
  if (stringAt(rollout, ["spec", "targetRevisionName"]) === undefined) invalid = "spec.targetRevisionName is required";
  else if (sizes.some((size) => size === undefined || size < 0))
    invalid = "every rolloutBatches[].replicas must be a whole number or a percentage";
  else if (batches.length > 0 && sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) !== targetSize) {
    invalid = `the rollout batches add up to ${sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0)} replicas, not the targetSize ${targetSize}`;
  }
  let running = 0;
  const batchTargets =
    batches.length === 0
      ? [targetSize]
      : sizes.map((size, index) => {
          running += size ?? 0;
          return index === sizes.length - 1 ? targetSize : Math.min(running, targetSize);
        });
  const last = batchTargets.length - 1;
  const partitionValue = numberAt(plan, ["batchPartition"]);
  const strategy = stringAt(plan, ["rolloutStrategy"]) === "DecreaseFirst" ? "DecreaseFirst" : "IncreaseFirst";
  return {
    targetRevisionName: stringAt(rollout, ["spec", "targetRevisionName"]) ?? "",
    sourceRevisionName: stringAt(rollout, ["spec", "sourceRevisionName"]) ?? "",
    componentName: stringAt(rollout, ["spec", "componentName"]) ?? "",
    strategy,
    targetSize,
    batchTargets,
    partition: partitionValue === undefined ? last : Math.min(Math.max(0, Math.floor(partitionValue)), last),
    paused: booleanAt(plan, ["paused"]) === true,
    ...(invalid === undefined ? {} : { invalid }),
  };
}

/** The status fields this controller wrote last (undefined before its first pass). */
export function readBatchRolloutStatus(rollout: KubeObject): Partial<BatchRolloutStatus> {
  const status = (rollout.status ?? {}) as JsonObject;
  const rollingState = stringAt(status, ["rollingState"]);
  const batchRollingState = stringAt(status, ["batchRollingState"]);
  const source = stringAt(status, ["LastSourceRevision"]);
  return {
    ...(isRollingState(rollingState) ? { rollingState } : {}),
    ...(isBatchRollingState(batchRollingState) ? { batchRollingState } : {}),
    ...optionalNumber("currentBatch", numberAt(status, ["currentBatch"])),
    ...optionalNumber("rolloutTargetSize", numberAt(status, ["rolloutTargetSize"])),
    ...optionalNumber("upgradedReplicas", numberAt(status, ["upgradedReplicas"])),
    ...optionalNumber("upgradedReadyReplicas", numberAt(status, ["upgradedReadyReplicas"])),
    ...(stringAt(status, ["lastTargetRevision"]) === undefined
      ? {}
      : { lastTargetRevision: stringAt(status, ["lastTargetRevision"]) ?? "" }),
    ...(source === undefined || source === "" ? {} : { LastSourceRevision: source }),
  };
}

function optionalNumber<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function isRollingState(value: string | undefined): value is RollingState {
  return (
    value === "locatingTargetApp" ||
    value === "rollingInBatches" ||
    value === "rolloutSucceed" ||
    value === "rolloutFailed"
  );
}

function isBatchRollingState(value: string | undefined): value is BatchRollingState {
  return value === "batchInitializing" || value === "batchInRolling" || value === "batchReady";
}
