/**
 * The v1alpha1 Rollout status shape (`openkruise/rollouts` `api/v1alpha1/rollout_types.go`
 * `RolloutStatus`, `CanaryStatus`) and the helpers the controller uses to move it
 * (`pkg/controller/rollout/rollout_progressing.go` `progressingStateTransition`,
 * `setRolloutSucceededCondition`; `pkg/util/rollout_utils.go` `NextBatchIndex`).
 */
import { formatTimestamp, isJsonObject, type JsonObject, type JsonValue } from "../../../../util/index.js";
import { findCondition, removeCondition, setCondition } from "../common/conditions.js";

export type RolloutPhase = "Initial" | "Healthy" | "Progressing" | "Terminating" | "Disabled" | "Disabling";
export type StepState =
  "StepUpgrade" | "StepTrafficRouting" | "StepMetricsAnalysis" | "StepPaused" | "StepReady" | "Completed";
export type ProgressingReason = "Initializing" | "InRolling" | "Paused" | "Finalising" | "Cancelling" | "Completed";

/** `status.canaryStatus`. */
export interface CanaryStatus {
  observedWorkloadGeneration: number;
  observedRolloutID: string;
  rolloutHash: string;
  stableRevision: string;
  canaryRevision: string;
  podTemplateHash: string;
  canaryReplicas: number;
  canaryReadyReplicas: number;
  currentStepIndex: number;
  nextStepIndex: number;
  /** A {@link StepState}, or whatever another writer stored. */
  currentStepState: string;
  finalisingStep: string;
  message: string;
  lastUpdateTime: string;
}

/** `status` of a Rollout, as the controller edits it during one pass. */
export interface RolloutStatus {
  observedGeneration: number;
  /** A {@link RolloutPhase}, or whatever another writer stored ("" before the first pass). */
  phase: string;
  message: string;
  conditions: JsonObject[];
  canaryStatus: CanaryStatus | undefined;
}

function text(value: JsonValue | undefined, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

function int(value: JsonValue | undefined, fallback = 0): number {
  return typeof value === "number" ? value : fallback;
}

/** Reads a Rollout's status (missing fields get their zero values). */
export function readRolloutStatus(status: JsonValue | undefined): RolloutStatus {
  const source = isJsonObject(status) ? status : {};
  const canary = isJsonObject(source.canaryStatus) ? source.canaryStatus : undefined;
  return {
    observedGeneration: int(source.observedGeneration),
    phase: text(source.phase),
    message: text(source.message),
    conditions: Array.isArray(source.conditions) ? source.conditions.filter(isJsonObject) : [],
    canaryStatus:
      canary === undefined
        ? undefined
        : {
            observedWorkloadGeneration: int(canary.observedWorkloadGeneration),
            observedRolloutID: text(canary.observedRolloutID),
            rolloutHash: text(canary.rolloutHash),
            stableRevision: text(canary.stableRevision),
            canaryRevision: text(canary.canaryRevision),
            podTemplateHash: text(canary.podTemplateHash),
            canaryReplicas: int(canary.canaryReplicas),
            canaryReadyReplicas: int(canary.canaryReadyReplicas),
            currentStepIndex: int(canary.currentStepIndex),
            nextStepIndex: int(canary.nextStepIndex),
            currentStepState: text(canary.currentStepState),
            finalisingStep: text(canary.finalisingStep),
            message: text(canary.message),
            lastUpdateTime: text(canary.lastUpdateTime),
          },
  };
}

/** The status as JSON, keys in the upstream order. */
export function rolloutStatusJson(status: RolloutStatus): JsonObject {
  return {
    observedGeneration: status.observedGeneration,
    ...(status.canaryStatus === undefined ? {} : { canaryStatus: { ...status.canaryStatus } }),
    conditions: status.conditions,
    phase: status.phase,
    message: status.message,
  };
}

/** `progressingStateTransition`: sets the Progressing condition and mirrors its message into `status.message`. */
export function progressingTransition(
  status: RolloutStatus,
  conditionStatus: "True" | "False",
  reason: ProgressingReason,
  message: string,
  now: Date,
): void {
  const current = findCondition(status.conditions, "Progressing");
  const nextMessage = message !== "" ? message : text(current?.message);
  status.conditions = setCondition(
    status.conditions,
    { type: "Progressing", status: conditionStatus, reason, message: nextMessage },
    now,
  );
  status.message = nextMessage;
}

/** Sets `status.message` and the Progressing condition's message together (as the step code does). */
export function setProgressMessage(status: RolloutStatus, message: string, now: Date): void {
  const current = findCondition(status.conditions, "Progressing");
  if (current !== undefined && current.message !== message) {
    status.conditions = setCondition(
      status.conditions,
      {
        type: "Progressing",
        status: current.status === "False" ? "False" : "True",
        reason: text(current.reason),
        message,
      },
      now,
    );
  }
  status.message = message;
}

/** `setRolloutSucceededCondition` (empty reason and message, as upstream). */
export function setSucceeded(status: RolloutStatus, value: "True" | "False", now: Date): void {
  status.conditions = setCondition(
    status.conditions,
    { type: "Succeeded", status: value, reason: "", message: "" },
    now,
  );
}

export function dropSucceeded(status: RolloutStatus): void {
  status.conditions = removeCondition(status.conditions, "Succeeded");
}

/** The Progressing condition's reason, or undefined. */
export function progressingReason(status: RolloutStatus): string | undefined {
  const reason = findCondition(status.conditions, "Progressing")?.reason;
  return typeof reason === "string" ? reason : undefined;
}

/** `NextBatchIndex`: the step after `current`, or -1 on the last step. */
export function nextStepIndex(current: number, steps: number): number {
  return current >= steps ? -1 : current + 1;
}

/** `canaryStatus.lastUpdateTime := now`. */
export function touch(canary: CanaryStatus, now: Date): void {
  canary.lastUpdateTime = formatTimestamp(now);
}

/** True once `seconds` have passed since `since` (an RFC 3339 time; absent = long ago). */
export function hasElapsed(since: string | undefined, seconds: number, now: Date): boolean {
  if (since === undefined || since === "") return true;
  const start = new Date(since).getTime();
  return Number.isNaN(start) || start + seconds * 1000 <= now.getTime();
}

/** `since + seconds` as a Date, when `since` is a valid time. */
export function instantAfter(since: string | undefined, seconds: number): Date | undefined {
  if (since === undefined || since === "") return undefined;
  const start = new Date(since).getTime();
  return Number.isNaN(start) ? undefined : new Date(start + seconds * 1000);
}
