/**
 * The step state machine of a canary-style release (`openkruise/rollouts`
 * `pkg/controller/rollout/rollout_canary.go` `runCanary`, `doCanaryUpgrade`, `doCanaryPaused`):
 * StepUpgrade → StepTrafficRouting → StepMetricsAnalysis → StepPaused → StepReady → next step …
 * → Completed. The BatchRelease named after the Rollout carries the batches; its controller scales
 * the canary Deployment. Before the first step's pods exist the stable Service is pinned to the
 * stable hash (v0.6 `BeforeStepUpgrade`), so a header-only step never leaks traffic to new pods.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { jsonEqual, type JsonObject } from "../../../../util/index.js";
import { numberAt, objectAt, stringAt } from "../common/fields.js";
import { controllerReference } from "../common/owners.js";
import type { RolloutStep } from "./api.js";
import { canaryDeploymentOf, refIn, type RolloutContext } from "./context.js";
import { stepReplicasValue } from "./replicas.js";
import { hasElapsed, nextStepIndex, setProgressMessage, touch } from "./status.js";
import { doTrafficRouting, pinStableService } from "./traffic-routing.js";

export const BATCH_RELEASE_API = "rollouts.kruise.io/v1alpha1";

/** The BatchRelease spec a Rollout wants for its current step. */
export function desiredBatchReleaseSpec(ctx: RolloutContext, batchPartition: number | null): JsonObject {
  const ref = ctx.plan.workloadRef;
  return {
    targetReference: {
      workloadRef: { apiVersion: ref?.apiVersion ?? "", kind: ref?.kind ?? "", name: ref?.name ?? "" },
    },
    releasePlan: {
      batches: ctx.plan.steps.map((step) => ({ canaryReplicas: stepReplicasValue(step) ?? 0 })),
      batchPartition,
      rolloutID: "",
      ...(ctx.plan.failureThreshold === undefined ? {} : { failureThreshold: ctx.plan.failureThreshold }),
      ...(ctx.plan.patchPodTemplateMetadata === undefined
        ? {}
        : { patchPodTemplateMetadata: ctx.plan.patchPodTemplateMetadata }),
      finalizingPolicy: "WaitResume",
    },
  };
}

/** The Rollout's BatchRelease (same name, same namespace). */
export function findBatchRelease(ctx: RolloutContext): KubeObject | undefined {
  return ctx.view.get(refIn(ctx.namespace, BATCH_RELEASE_API, "BatchRelease", ctx.rollout.metadata.name ?? ""));
}

/** The canary Deployment of a release (found by its label, never by its random name). */
export function findCanaryDeployment(ctx: RolloutContext): KubeObject | undefined {
  return canaryDeploymentOf(ctx.view, ctx.workload.object);
}

/** `runBatchRelease` + `doCanaryUpgrade`: true once the batch of the current step is ready. */
function doCanaryUpgrade(ctx: RolloutContext, stepIndex: number): boolean {
  const canary = ctx.status.canaryStatus;
  if (canary === undefined) return false;
  const routing = ctx.plan.trafficRouting;
  if (stepIndex === 1 && routing !== undefined && pinStableService(ctx, routing, canary.stableRevision)) return false;
  const desired = desiredBatchReleaseSpec(ctx, stepIndex - 1);
  const br = findBatchRelease(ctx);
  if (br === undefined) {
    ctx.changes.push({
      op: "create",
      object: {
        apiVersion: BATCH_RELEASE_API,
        kind: "BatchRelease",
        metadata: {
          name: ctx.rollout.metadata.name ?? "",
          ...(ctx.namespace === undefined ? {} : { namespace: ctx.namespace }),
          ownerReferences: [controllerReference(ctx.rollout)],
        },
        spec: desired,
      },
    });
    return false;
  }
  if (!jsonEqual(br.spec, desired)) {
    ctx.changes.push({
      op: "patch",
      ref: refIn(ctx.namespace, BATCH_RELEASE_API, "BatchRelease", br.metadata.name ?? ""),
      body: { type: "merge", patch: { spec: desired } },
    });
    return false;
  }
  const state = stringAt(br, ["status", "canaryStatus", "currentBatchState"]) ?? "";
  const batch = numberAt(br, ["status", "canaryStatus", "currentBatch"]) ?? 0;
  canary.message = `BatchRelease is at state ${state}, rollout-id , step ${batch + 1}`;
  if ((numberAt(br, ["status", "observedGeneration"]) ?? 0) !== (br.metadata.generation ?? 1)) return false;
  if (state !== "Ready" || batch + 1 < stepIndex) return false;
  const canaryDeployment = findCanaryDeployment(ctx);
  const hash = stringAt(br, ["status", "updateRevision"]);
  if (canaryDeployment === undefined || hash === undefined) return false;
  canary.podTemplateHash = hash;
  return true;
}

/** `doCanaryPaused`: true when the step may move on (approved elsewhere, duration over, or a final "100%"). */
function doCanaryPaused(ctx: RolloutContext, step: RolloutStep, stepIndex: number): boolean {
  const canary = ctx.status.canaryStatus;
  if (canary === undefined) return false;
  const steps = ctx.plan.steps.length;
  if (stepIndex === steps && step.replicas === "100%") return true;
  if (step.pauseSeconds === undefined) {
    setProgressMessage(
      ctx.status,
      `Rollout is in step(${stepIndex}/${steps}), and you need manually confirm to enter the next step`,
      ctx.env.now,
    );
    return false;
  }
  setProgressMessage(
    ctx.status,
    `Rollout is in step(${stepIndex}/${steps}), and wait duration(${step.pauseSeconds} seconds) to enter the next step`,
    ctx.env.now,
  );
  return hasElapsed(canary.lastUpdateTime, step.pauseSeconds, ctx.env.now);
}

/** Refreshes canaryReplicas/canaryReadyReplicas from the canary Deployment. */
function refreshCanaryCounts(ctx: RolloutContext): void {
  const canary = ctx.status.canaryStatus;
  if (canary === undefined) return;
  const deployment = findCanaryDeployment(ctx);
  canary.canaryReplicas = deployment === undefined ? 0 : (numberAt(deployment, ["status", "replicas"]) ?? 0);
  canary.canaryReadyReplicas =
    deployment === undefined ? 0 : (numberAt(deployment, ["status", "availableReplicas"]) ?? 0);
}

/** How a rolling style upgrades the workload for a step; returns true once the step's pods are ready. */
export type StepUpgrader = (ctx: RolloutContext, stepIndex: number) => boolean;

/** `runCanary`: advances the step state machine by at most one state. */
export function runCanary(
  ctx: RolloutContext,
  upgrade: StepUpgrader = doCanaryUpgrade,
  refresh: (ctx: RolloutContext) => void = refreshCanaryCounts,
): void {
  const canary = ctx.status.canaryStatus;
  if (canary === undefined) return;
  refresh(ctx);
  const steps = ctx.plan.steps.length;
  const index = Math.min(Math.max(1, canary.currentStepIndex), Math.max(1, steps));
  const step = ctx.plan.steps[index - 1];
  if (step === undefined) return;
  const now = ctx.env.now;
  switch (canary.currentStepState) {
    case "StepUpgrade":
      setProgressMessage(ctx.status, `Rollout is in step(${index}/${steps}), and upgrade workload to new version`, now);
      if (upgrade(ctx, index)) {
        canary.currentStepState = "StepTrafficRouting";
        touch(canary, now);
      }
      return;
    case "StepTrafficRouting": {
      const routing = ctx.plan.trafficRouting;
      if (routing === undefined || (step.weight === undefined && step.matches.length === 0)) {
        canary.currentStepState = "StepMetricsAnalysis";
        touch(canary, now);
        return;
      }
      if (step.weight !== undefined)
        setProgressMessage(
          ctx.status,
          `Rollout is in step(${index}/${steps}), and route traffic weight(${step.weight})`,
          now,
        );
      if (doTrafficRouting(ctx, routing, step)) {
        canary.currentStepState = "StepMetricsAnalysis";
        touch(canary, now);
      }
      return;
    }
    case "StepMetricsAnalysis":
      canary.currentStepState = "StepPaused";
      return;
    case "StepPaused":
      if (doCanaryPaused(ctx, step, index)) {
        canary.currentStepState = "StepReady";
        touch(canary, now);
      }
      return;
    case "StepReady": {
      const jump = canary.nextStepIndex;
      const target = jump >= 1 && jump <= steps && jump !== index + 1 && jump !== -1 ? jump : index + 1;
      touch(canary, now);
      if (index < steps) {
        canary.currentStepIndex = target;
        canary.nextStepIndex = nextStepIndex(target, steps);
        canary.currentStepState = "StepUpgrade";
      } else {
        canary.currentStepState = "Completed";
      }
      return;
    }
    default:
      return;
  }
}

/** The time the controller next needs to look again without any write (grace and pause timers). */
export function canaryWakeTimes(
  ctx: { readonly plan: RolloutContext["plan"] },
  canary: { readonly lastUpdateTime: string; readonly currentStepIndex: number; readonly currentStepState: string },
): number[] {
  const base = new Date(canary.lastUpdateTime).getTime();
  if (Number.isNaN(base)) return [];
  const out = [base + (ctx.plan.trafficRouting?.gracePeriodSeconds ?? 0) * 1000];
  const step = ctx.plan.steps[canary.currentStepIndex - 1];
  if (canary.currentStepState === "StepPaused" && step?.pauseSeconds !== undefined)
    out.push(base + step.pauseSeconds * 1000);
  return out;
}

/** Reads `spec.template` of an object (re-exported for the BatchRelease controller). */
export function templateOf(object: KubeObject): JsonObject | undefined {
  return objectAt(object, ["spec", "template"]);
}
