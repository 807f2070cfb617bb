/**
 * Simulated OpenKruise Rollout controller (addon `kruise-rollout`), canary style.
 *
 * Copies `openkruise/rollouts` `pkg/controller/rollout/rollout_status.go`
 * (`calculateRolloutStatus`: Initial → Healthy "rollout is healthy"; "Workload Not Found";
 * Healthy → Progressing when the workload carries the in-progress annotation, Succeeded removed;
 * a Healthy Rollout with no canaryStatus gets a finished-looking one, v0.5+),
 * `rollout_progressing.go` (`reconcileRolloutProgressing` by Progressing reason: Initializing waits
 * 3 s after the condition update, InRolling checks rollback → paused → continuous release → plan
 * changed before the step machine, Finalising/Cancelling run the cleanups, Completed → Healthy)
 * and the status messages of ROLLOUT-SEMANTICS §1.3. The step machine is in `canary-steps.ts`,
 * cleanups in `finalising.ts`, traffic in `traffic-routing.ts`. Partition style (CloneSet,
 * StatefulSet, and Deployments with `rolling-style: partition`) is handled in `partition-style.ts`.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { jsonEqual, sha256OfJson, type JsonValue } from "../../../../util/index.js";
import type {
  ControllerChange,
  ControllerEnv,
  ControllerView,
  SimulatedController,
} from "../../controller-contract.js";
import { findCondition, setCondition } from "../common/conditions.js";
import { numberAt } from "../common/fields.js";
import { IN_PROGRESSING_ANNOTATION, listRollouts, planHashInput, readRolloutPlan, type RolloutPlan } from "./api.js";
import { canaryWakeTimes, runCanary } from "./canary-steps.js";
import {
  buildRolloutIndex,
  describeDeployment,
  refIn,
  type RolloutContext,
  type RolloutIndex,
  type WorkloadInfo,
} from "./context.js";
import { RESET_ORDER, ROLLBACK_ORDER, runCleanup, SUCCESS_ORDER } from "./finalising.js";
import {
  describePartitionWorkload,
  resetDeploymentPartition,
  runPartitionCleanup,
  runPartitionSteps,
} from "./partition-style.js";
import { stepCanaryReplicas } from "./replicas.js";
import {
  dropSucceeded,
  hasElapsed,
  nextStepIndex,
  progressingReason,
  progressingTransition,
  readRolloutStatus,
  rolloutStatusJson,
  setSucceeded,
  type CanaryStatus,
  type RolloutStatus,
} from "./status.js";
import { routingObjectsExist } from "./traffic-routing.js";
import { formatTimestamp } from "../../../../util/index.js";

/** Seconds the Initializing reason waits after the condition update (upstream constant). */
const INITIALIZING_WAIT_SECONDS = 3;

/** `rolloutHash`: a hash of the steps (pauses excluded) and the traffic routing. */
export function rolloutHash(plan: RolloutPlan): string {
  return sha256OfJson(planHashInput(plan)).slice(0, 16);
}

function inProgressFor(workload: KubeObject, rollout: KubeObject): boolean {
  const value = workload.metadata.annotations?.[IN_PROGRESSING_ANNOTATION];
  if (value === undefined) return false;
  try {
    const parsed = JSON.parse(value) as { rolloutName?: unknown };
    return parsed.rolloutName === undefined || parsed.rolloutName === rollout.metadata.name;
  } catch {
    return true;
  }
}

function freshCanaryStatus(ctx: RolloutContext, previous: CanaryStatus | undefined): CanaryStatus {
  const steps = ctx.plan.steps.length;
  const next: CanaryStatus = {
    observedWorkloadGeneration: ctx.workload.object.metadata.generation ?? 1,
    observedRolloutID: "",
    rolloutHash: rolloutHash(ctx.plan),
    stableRevision: ctx.workload.stableRevision,
    canaryRevision: ctx.workload.canaryRevision,
    podTemplateHash: "",
    canaryReplicas: 0,
    canaryReadyReplicas: 0,
    currentStepIndex: 1,
    nextStepIndex: nextStepIndex(1, steps),
    currentStepState: "StepUpgrade",
    finalisingStep: "",
    message: "",
    lastUpdateTime: formatTimestamp(ctx.env.now),
  };
  if (previous !== undefined && jsonEqual({ ...previous, lastUpdateTime: "" }, { ...next, lastUpdateTime: "" }))
    return previous;
  return next;
}

function isPartition(ctx: RolloutContext): boolean {
  return ctx.plan.style === "partition";
}

/** Partition style on a CloneSet or StatefulSet (a Deployment's partition release cleans up like canary style). */
function isWorkloadPartition(ctx: RolloutContext): boolean {
  return isPartition(ctx) && ctx.workload.object.kind !== "Deployment";
}

/** `handleRolloutPlanChanged`: continue from the first step whose replicas ≥ the current canary replicas. */
function handlePlanChanged(ctx: RolloutContext, canary: CanaryStatus): void {
  const current = canary.canaryReplicas;
  const index = ctx.plan.steps.findIndex((step) => (stepCanaryReplicas(step, ctx.workload.replicas) ?? 0) >= current);
  const stepIndex = index < 0 ? ctx.plan.steps.length : index + 1;
  canary.currentStepIndex = stepIndex;
  canary.nextStepIndex = nextStepIndex(stepIndex, ctx.plan.steps.length);
  canary.currentStepState = "StepUpgrade";
  canary.rolloutHash = rolloutHash(ctx.plan);
  canary.lastUpdateTime = formatTimestamp(ctx.env.now);
}

function doProgressingInRolling(ctx: RolloutContext): void {
  const status = ctx.status;
  const canary = status.canaryStatus;
  const now = ctx.env.now;
  if (canary === undefined) return;
  const workload = ctx.workload;
  if (workload.isInRollback && workload.canaryRevision !== canary.canaryRevision) {
    canary.canaryRevision = workload.canaryRevision;
    canary.finalisingStep = "";
    progressingTransition(
      status,
      "True",
      "Cancelling",
      "The workload has been rolled back and the rollout process will be canceled",
      now,
    );
    return;
  }
  if (ctx.plan.paused) {
    progressingTransition(status, "True", "Paused", "Rollout has been paused, you can resume it by kube-cli", now);
    return;
  }
  if (canary.canaryRevision !== "" && workload.canaryRevision !== canary.canaryRevision && !workload.isInRollback) {
    if (isWorkloadPartition(ctx) || (runCleanup(ctx, RESET_ORDER, false) && resetDeploymentPartition(ctx))) {
      progressingTransition(status, "True", "Initializing", "Workload is continuous release", now);
      status.canaryStatus = undefined;
    }
    return;
  }
  if (canary.rolloutHash !== "" && canary.rolloutHash !== rolloutHash(ctx.plan)) {
    handlePlanChanged(ctx, canary);
    return;
  }
  if (!workload.statusConsistent) return;
  if (canary.currentStepState === "Completed") {
    canary.finalisingStep = "";
    progressingTransition(
      status,
      "True",
      "Finalising",
      "Rollout has been completed and some closing work is being done",
      now,
    );
    return;
  }
  if (isPartition(ctx)) runPartitionSteps(ctx);
  else runCanary(ctx);
}

function reconcileProgressing(ctx: RolloutContext): void {
  const status = ctx.status;
  const now = ctx.env.now;
  switch (progressingReason(status)) {
    case "Initializing": {
      status.canaryStatus = freshCanaryStatus(ctx, status.canaryStatus);
      const routing = ctx.plan.trafficRouting;
      const missing = routing === undefined ? undefined : routingObjectsExist(ctx, routing);
      if (missing !== undefined) {
        status.message = missing;
        return;
      }
      const since = findCondition(status.conditions, "Progressing")?.lastUpdateTime;
      if (!hasElapsed(typeof since === "string" ? since : undefined, INITIALIZING_WAIT_SECONDS, now)) return;
      progressingTransition(status, "True", "InRolling", "Rollout is in Progressing", now);
      return;
    }
    case "InRolling":
      doProgressingInRolling(ctx);
      return;
    case "Paused":
      if (!ctx.plan.paused) progressingTransition(status, "True", "InRolling", "", now);
      return;
    case "Finalising":
      if (isWorkloadPartition(ctx) ? runPartitionCleanup(ctx, true) : runCleanup(ctx, SUCCESS_ORDER, true)) {
        progressingTransition(status, "False", "Completed", "Rollout progressing has been completed", now);
        setSucceeded(status, "True", now);
      }
      return;
    case "Cancelling":
      if (isWorkloadPartition(ctx) ? runPartitionCleanup(ctx, false) : runCleanup(ctx, ROLLBACK_ORDER, false)) {
        progressingTransition(status, "False", "Completed", "Rollout progressing has been canceled", now);
        setSucceeded(status, "False", now);
      }
      return;
    case "Completed":
      status.phase = "Healthy";
      status.message = "rollout is healthy";
      return;
    default:
      progressingTransition(status, "True", "Initializing", "Rollout is in Progressing", now);
  }
}

function finishedCanaryStatus(ctx: RolloutContext): CanaryStatus {
  const steps = ctx.plan.steps.length;
  const workload = ctx.workload.object;
  return {
    observedWorkloadGeneration: workload.metadata.generation ?? 1,
    observedRolloutID: "",
    rolloutHash: rolloutHash(ctx.plan),
    stableRevision: ctx.workload.stableRevision,
    canaryRevision: ctx.workload.canaryRevision,
    podTemplateHash: ctx.workload.canaryRevision,
    canaryReplicas: numberAt(workload, ["status", "updatedReplicas"]) ?? 0,
    canaryReadyReplicas: numberAt(workload, ["status", "availableReplicas"]) ?? 0,
    currentStepIndex: steps,
    nextStepIndex: nextStepIndex(steps, steps),
    currentStepState: "Completed",
    finalisingStep: "",
    message: "",
    lastUpdateTime: formatTimestamp(ctx.env.now),
  };
}

function describeWorkload(
  view: ControllerView,
  workload: KubeObject,
  plan: RolloutPlan,
  index: RolloutIndex,
): WorkloadInfo {
  return plan.style === "partition" && workload.kind !== "Deployment"
    ? describePartitionWorkload(workload)
    : describeDeployment(view, workload, index);
}

/** One reconcile of one Rollout: returns the writes (actions first, then the status). */
export function reconcileRollout(
  rollout: KubeObject,
  view: ControllerView,
  env: ControllerEnv,
  index: RolloutIndex = buildRolloutIndex(view),
): ControllerChange[] {
  const plan = readRolloutPlan(rollout);
  const namespace = rollout.metadata.namespace;
  const before = readRolloutStatus(rollout.status as JsonValue | undefined);
  const status: RolloutStatus = structuredClone(before);
  const changes: ControllerChange[] = [];
  const ref = plan.workloadRef;
  const workload = ref === undefined ? undefined : view.get(refIn(namespace, ref.apiVersion, ref.kind, ref.name));
  if (status.phase === "") {
    status.phase = "Initial";
    if (workload === undefined) status.message = "Workload Not Found";
  } else if (workload === undefined) {
    status.message = "Workload Not Found";
  } else {
    const ctx: RolloutContext = {
      index,
      view,
      env,
      rollout,
      plan,
      namespace,
      workload: describeWorkload(view, workload, plan, index),
      status,
      changes,
    };
    if (rollout.metadata.deletionTimestamp !== undefined) {
      reconcileTerminating(ctx);
    } else if (plan.disabled && status.phase !== "Progressing" && status.phase !== "Disabling") {
      status.phase = "Disabled";
      status.message = "Rollout is disabled";
    } else {
      switch (status.phase) {
        case "Initial":
        case "Disabled":
          status.phase = "Healthy";
          status.message = "rollout is healthy";
          break;
        case "Healthy":
          if (inProgressFor(workload, rollout) && !plan.disabled) {
            status.phase = "Progressing";
            status.canaryStatus = undefined;
            progressingTransition(status, "True", "Initializing", "Rollout is in Progressing", env.now);
            dropSucceeded(status);
          } else if (status.canaryStatus === undefined) {
            status.canaryStatus = finishedCanaryStatus(ctx);
          }
          break;
        case "Progressing":
          if (plan.disabled) {
            status.phase = "Disabling";
            status.message = "Rollout is disabling";
          } else reconcileProgressing(ctx);
          break;
        case "Disabling":
          if (
            status.canaryStatus === undefined ||
            (isWorkloadPartition(ctx) ? runPartitionCleanup(ctx, false) : runCleanup(ctx, ROLLBACK_ORDER, false))
          ) {
            status.phase = "Disabled";
            status.message = "Rollout is disabled";
          }
          break;
        default:
          break;
      }
    }
  }
  status.observedGeneration = rollout.metadata.generation ?? 1;
  if (!jsonEqual(before, status))
    changes.push({ op: "updateStatus", object: { ...rollout, status: rolloutStatusJson(status) } });
  // Finalizer edits go last: they change the resourceVersion the status write above relies on.
  const finalizers = rollout.metadata.finalizers ?? [];
  const self = refIn(namespace, rollout.apiVersion, "Rollout", rollout.metadata.name ?? "");
  if (
    rollout.metadata.deletionTimestamp === undefined &&
    status.phase === "Progressing" &&
    !finalizers.includes(ROLLOUT_FINALIZER)
  ) {
    changes.push({
      op: "patch",
      ref: self,
      body: { type: "merge", patch: { metadata: { finalizers: [...finalizers, ROLLOUT_FINALIZER] } } },
    });
  } else if (
    rollout.metadata.deletionTimestamp !== undefined &&
    finalizers.includes(ROLLOUT_FINALIZER) &&
    (workload === undefined || isTerminated(status))
  ) {
    changes.push({
      op: "patch",
      ref: self,
      body: {
        type: "merge",
        patch: { metadata: { finalizers: finalizers.filter((item) => item !== ROLLOUT_FINALIZER) } },
      },
    });
  }
  return changes;
}

/** The finalizer a Rollout carries while it holds a workload, so deleting it first releases the workload. */
export const ROLLOUT_FINALIZER = "rollouts.kruise.io/rollout";

function isTerminated(status: RolloutStatus): boolean {
  return findCondition(status.conditions, "Terminating")?.reason === "Completed";
}

/** Deletion (`reconcileRolloutTerminating`): Terminating/InTerminating → release the workload like a cancel → Completed. */
function reconcileTerminating(ctx: RolloutContext): void {
  const status = ctx.status;
  if (isTerminated(status)) return;
  status.phase = "Terminating";
  status.conditions = setCondition(
    status.conditions,
    { type: "Terminating", status: "True", reason: "InTerminating", message: "Rollout is in terminating" },
    ctx.env.now,
  );
  status.message = "Rollout is in terminating";
  const done =
    status.canaryStatus === undefined ||
    (isWorkloadPartition(ctx) ? runPartitionCleanup(ctx, false) : runCleanup(ctx, ROLLBACK_ORDER, false));
  if (done)
    status.conditions = setCondition(
      status.conditions,
      { type: "Terminating", status: "False", reason: "Completed", message: "Rollout is in terminating" },
      ctx.env.now,
    );
}

/** The simulated Kruise Rollout controller. */
export const kruiseRolloutController: SimulatedController = {
  name: "kruise-rollout",
  addon: "kruise-rollout",
  reconcile(view, env) {
    const rollouts = listRollouts(view);
    if (rollouts.length === 0) return [];
    const index = buildRolloutIndex(view);
    return rollouts.flatMap((rollout) => reconcileRollout(rollout, view, env, index));
  },
  nextWakeAt(view, env) {
    const now = env.now.getTime();
    let earliest: number | undefined;
    for (const rollout of listRollouts(view)) {
      const status = readRolloutStatus(rollout.status as JsonValue | undefined);
      if (status.phase !== "Progressing" && status.phase !== "Disabling" && status.phase !== "Terminating") continue;
      const plan = readRolloutPlan(rollout);
      const times: number[] = [];
      const since = findCondition(status.conditions, "Progressing")?.lastUpdateTime;
      if (typeof since === "string") times.push(new Date(since).getTime() + INITIALIZING_WAIT_SECONDS * 1000);
      if (status.canaryStatus !== undefined) times.push(...canaryWakeTimes({ plan }, status.canaryStatus));
      for (const time of times) if (time > now && (earliest === undefined || time < earliest)) earliest = time;
    }
    return earliest === undefined ? undefined : new Date(earliest);
  },
};
