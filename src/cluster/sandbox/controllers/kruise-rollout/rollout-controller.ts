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
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import { jsonEqual, sha256OfJson, type JsonValue } from "../../../../util/index.js";
import type {
  ControllerChange,
  ControllerEnv,
  ControllerView,
  KeyedReconciler,
  SimulatedController,
} from "../../controller-contract.js";
import { earliestWakeOfEvery, reconcileEvery } from "../common/keyed.js";
import { GATEWAY_API_VERSIONS } from "../common/versions.js";
import { findCondition, setCondition } from "../common/conditions.js";
import { numberAt } from "../common/fields.js";
import {
  CANARY_DEPLOYMENT_LABEL,
  IN_PROGRESSING_ANNOTATION,
  planHashInput,
  readRolloutPlan,
  ROLLOUT_VERSIONS,
  type RolloutPlan,
} from "./api.js";
import { BATCH_RELEASE_API, canaryWakeTimes, runCanary } from "./canary-steps.js";
import { describeDeployment, refIn, type RolloutContext, type WorkloadInfo } from "./context.js";
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
import { canaryIngressName, canaryServiceName, routingObjectsExist } from "./traffic-routing.js";
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

function describeWorkload(view: ControllerView, workload: KubeObject, plan: RolloutPlan): WorkloadInfo {
  return plan.style === "partition" && workload.kind !== "Deployment"
    ? describePartitionWorkload(workload)
    : describeDeployment(view, workload);
}

/** One reconcile of one Rollout: returns the writes (actions first, then the status). */
export function reconcileRollout(rollout: KubeObject, view: ControllerView, env: ControllerEnv): ControllerChange[] {
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
      view,
      env,
      rollout,
      plan,
      namespace,
      workload: describeWorkload(view, workload, plan),
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

/** When a Rollout next needs a visit with no write happening: the Initializing wait or a timed pause ending. */
function rolloutWakeAt(rollout: KubeObject, env: ControllerEnv): Date | undefined {
  const status = readRolloutStatus(rollout.status as JsonValue | undefined);
  if (status.phase !== "Progressing" && status.phase !== "Disabling" && status.phase !== "Terminating")
    return undefined;
  const plan = readRolloutPlan(rollout);
  const times: number[] = [];
  const since = findCondition(status.conditions, "Progressing")?.lastUpdateTime;
  if (typeof since === "string") times.push(new Date(since).getTime() + INITIALIZING_WAIT_SECONDS * 1000);
  if (status.canaryStatus !== undefined) times.push(...canaryWakeTimes({ plan }, status.canaryStatus));
  const now = env.now.getTime();
  let earliest: number | undefined;
  for (const time of times) if (time > now && (earliest === undefined || time < earliest)) earliest = time;
  return earliest === undefined ? undefined : new Date(earliest);
}

/**
 * What a Rollout reads by name, in its namespace: its workload (`workloadRef`), its BatchRelease
 * (the Rollout's name), and its traffic routing's Service, Ingress, HTTPRoute and custom network
 * objects with the canary copies it makes of them.
 */
function rolloutReferences(rollout: KubeObject): ObjectRef[] {
  const plan = readRolloutPlan(rollout);
  const namespace = rollout.metadata.namespace;
  const refs: ObjectRef[] = [refIn(namespace, BATCH_RELEASE_API, "BatchRelease", rollout.metadata.name ?? "")];
  const workload = plan.workloadRef;
  if (workload !== undefined) refs.push(refIn(namespace, workload.apiVersion, workload.kind, workload.name));
  const routing = plan.trafficRouting;
  if (routing === undefined) return refs;
  refs.push(refIn(namespace, "v1", "Service", routing.service));
  refs.push(refIn(namespace, "v1", "Service", canaryServiceName(routing)));
  if (routing.ingress !== undefined) {
    refs.push(refIn(namespace, "networking.k8s.io/v1", "Ingress", routing.ingress.name));
    refs.push(refIn(namespace, "networking.k8s.io/v1", "Ingress", canaryIngressName(routing)));
  }
  if (routing.httpRouteName !== undefined)
    refs.push(refIn(namespace, GATEWAY_API_VERSIONS[0], "HTTPRoute", routing.httpRouteName));
  for (const ref of routing.customNetworkRefs) refs.push(refIn(namespace, ref.apiVersion, ref.kind, ref.name));
  return refs;
}

/** The Deployment a ReplicaSet's controller reference names (a workload's ReplicaSets concern its Rollout). */
function controllingDeployment(replicaSet: KubeObject): ObjectRef[] {
  const owner = (replicaSet.metadata.ownerReferences ?? []).find((ref) => ref.controller === true);
  return owner === undefined || owner.kind !== "Deployment"
    ? []
    : [refIn(replicaSet.metadata.namespace, owner.apiVersion, owner.kind, owner.name)];
}

/** A Deployment concerns the Rollout of its own name, and a canary Deployment the Rollout of its stable one. */
function deploymentAndStable(deployment: KubeObject): ObjectRef[] {
  const self = refIn(
    deployment.metadata.namespace,
    deployment.apiVersion,
    "Deployment",
    deployment.metadata.name ?? "",
  );
  const stable = deployment.metadata.labels?.[CANARY_DEPLOYMENT_LABEL];
  return stable === undefined ? [self] : [self, refIn(deployment.metadata.namespace, "apps/v1", "Deployment", stable)];
}

const ROLLOUT = { apiVersion: ROLLOUT_VERSIONS[0], kind: "Rollout" } as const;
/** Workload kinds a Rollout may reference besides Deployment (validation's supported kinds, both groups). */
const ROLLOUT_WORKLOAD_KINDS = [
  { apiVersion: "apps/v1", kind: "StatefulSet" },
  { apiVersion: "apps.kruise.io/v1beta1", kind: "StatefulSet" },
  { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet" },
  { apiVersion: "apps/v1", kind: "DaemonSet" },
  { apiVersion: "apps.kruise.io/v1alpha1", kind: "DaemonSet" },
] as const;
/** Kinds a Rollout reads by name while it routes traffic, and its BatchRelease. */
const ROUTING_KINDS = [
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
  { apiVersion: GATEWAY_API_VERSIONS[0], kind: "HTTPRoute" },
  { apiVersion: "networking.istio.io/v1beta1", kind: "VirtualService" },
  { apiVersion: BATCH_RELEASE_API, kind: "BatchRelease" },
] as const;

/**
 * Keyed as `openkruise/rollouts` `rollout_controller.go` `SetupWithManager` watches: the Rollout
 * itself, its workload through `enqueueRequestForWorkload` (the Rollout whose workloadRef names the
 * changed workload; a ReplicaSet through its Deployment, a canary Deployment through its stable
 * one), its BatchRelease, and the traffic-routing objects it reads.
 */
const rolloutReconciler: KeyedReconciler = {
  primaries: [ROLLOUT],
  watches: [
    { ...ROLLOUT, mapTo: "self" },
    { apiVersion: "apps/v1", kind: "Deployment", mapTo: "referrers", through: deploymentAndStable },
    { apiVersion: "apps/v1", kind: "ReplicaSet", mapTo: "referrers", through: controllingDeployment },
    ...ROLLOUT_WORKLOAD_KINDS.map((kind) => ({ ...kind, mapTo: "referrers" as const })),
    ...ROUTING_KINDS.map((kind) => ({ ...kind, mapTo: "referrers" as const })),
  ],
  references: rolloutReferences,
  reconcileObject: (rollout, view, env) => reconcileRollout(rollout, view, env),
  wakeAt: (rollout, _view, env) => rolloutWakeAt(rollout, env),
};

/** The simulated Kruise Rollout controller. */
export const kruiseRolloutController: SimulatedController = {
  name: "kruise-rollout",
  addon: "kruise-rollout",
  keyed: rolloutReconciler,
  reconcile: (view, env) => reconcileEvery(rolloutReconciler, view, env),
  nextWakeAt: (view, env) => earliestWakeOfEvery(rolloutReconciler, view, env),
};
