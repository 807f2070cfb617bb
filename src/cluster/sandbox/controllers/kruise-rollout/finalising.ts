/**
 * Cleanup sequences of a canary-style release (`openkruise/rollouts` v0.6
 * `pkg/controller/rollout/rollout_canary.go` `doCanaryFinalising` / `nextCanaryTask`):
 *
 * - success (reason Finalising): RestoreStableService → RouteTrafficToStable (delete `I-canary`)
 *   → RemoveCanaryService → ResumeWorkload (unpause; wait for the stable rolling update) →
 *   ReleaseWorkloadControl (delete the BatchRelease, which takes the canary Deployment with it);
 * - rollback (reason Cancelling): RouteTrafficToStable first — one write puts 100% of traffic on
 *   stable — then ResumeWorkload (no pod changes: the template is the stable one again) →
 *   ReleaseWorkloadControl → RestoreStableService → RemoveCanaryService;
 * - continuous release: RouteTrafficToStable → ReleaseWorkloadControl → RemoveCanaryService
 *   (the stable selector stays).
 *
 * Each Service/Ingress change is followed by the grace period before the next action; the
 * current action is recorded in `canaryStatus.finalisingStep` (v0.6 names).
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { numberAt } from "../common/fields.js";
import { CONTROL_INFO_ANNOTATION, DEPLOYMENT_STRATEGY_ANNOTATION, IN_PROGRESSING_ANNOTATION } from "./api.js";
import { refIn, type RolloutContext } from "./context.js";
import { BATCH_RELEASE_API, findBatchRelease, findCanaryDeployment } from "./canary-steps.js";
import { hasElapsed, touch } from "./status.js";
import {
  removeCanaryService,
  restoreStableService,
  routeTrafficToStable,
  type CleanupOutcome,
} from "./traffic-routing.js";

export type FinalisingStep =
  "RestoreStableService" | "RouteTrafficToStable" | "RemoveCanaryService" | "ResumeWorkload" | "ReleaseWorkloadControl";

export const SUCCESS_ORDER: readonly FinalisingStep[] = [
  "RestoreStableService",
  "RouteTrafficToStable",
  "RemoveCanaryService",
  "ResumeWorkload",
  "ReleaseWorkloadControl",
];
export const ROLLBACK_ORDER: readonly FinalisingStep[] = [
  "RouteTrafficToStable",
  "ResumeWorkload",
  "ReleaseWorkloadControl",
  "RestoreStableService",
  "RemoveCanaryService",
];
export const RESET_ORDER: readonly FinalisingStep[] = [
  "RouteTrafficToStable",
  "ReleaseWorkloadControl",
  "RemoveCanaryService",
];

const TRAFFIC_STEPS: ReadonlySet<FinalisingStep> = new Set([
  "RestoreStableService",
  "RouteTrafficToStable",
  "RemoveCanaryService",
]);

function deploymentRolledOut(deployment: KubeObject): boolean {
  const replicas = Math.max(0, numberAt(deployment, ["spec", "replicas"]) ?? 1);
  const status = (field: string): number => numberAt(deployment, ["status", field]) ?? 0;
  return (
    (numberAt(deployment, ["status", "observedGeneration"]) ?? 0) >= (deployment.metadata.generation ?? 1) &&
    status("updatedReplicas") === replicas &&
    status("availableReplicas") === replicas &&
    status("replicas") === replicas
  );
}

function resumeWorkload(ctx: RolloutContext, waitForRollout: boolean): CleanupOutcome {
  const deployment = ctx.workload.object;
  const annotations = deployment.metadata.annotations ?? {};
  const paused = deployment.spec !== undefined && (deployment.spec as { paused?: unknown }).paused === true;
  if (
    paused ||
    annotations[IN_PROGRESSING_ANNOTATION] !== undefined ||
    annotations[CONTROL_INFO_ANNOTATION] !== undefined ||
    annotations[DEPLOYMENT_STRATEGY_ANNOTATION] !== undefined
  ) {
    ctx.changes.push({
      op: "patch",
      ref: refIn(ctx.namespace, deployment.apiVersion, deployment.kind, deployment.metadata.name ?? ""),
      body: {
        type: "merge",
        patch: {
          metadata: {
            annotations: {
              [IN_PROGRESSING_ANNOTATION]: null,
              [CONTROL_INFO_ANNOTATION]: null,
              [DEPLOYMENT_STRATEGY_ANNOTATION]: null,
            },
          },
          spec: { paused: false },
        },
      },
    });
    return "changed";
  }
  return !waitForRollout || deploymentRolledOut(deployment) ? "done" : "waiting";
}

function releaseWorkloadControl(ctx: RolloutContext): CleanupOutcome {
  const br = findBatchRelease(ctx);
  if (br !== undefined) {
    if (br.metadata.deletionTimestamp !== undefined) return "waiting";
    ctx.changes.push({
      op: "delete",
      ref: refIn(ctx.namespace, BATCH_RELEASE_API, "BatchRelease", br.metadata.name ?? ""),
    });
    return "changed";
  }
  return findCanaryDeployment(ctx) === undefined ? "done" : "waiting";
}

function runStep(ctx: RolloutContext, step: FinalisingStep, waitForRollout: boolean): CleanupOutcome {
  const routing = ctx.plan.trafficRouting;
  switch (step) {
    case "RestoreStableService":
      return routing === undefined ? "done" : restoreStableService(ctx, routing);
    case "RouteTrafficToStable":
      return routing === undefined ? "done" : routeTrafficToStable(ctx, routing);
    case "RemoveCanaryService":
      return routing === undefined ? "done" : removeCanaryService(ctx, routing);
    case "ResumeWorkload":
      return resumeWorkload(ctx, waitForRollout);
    case "ReleaseWorkloadControl":
      return releaseWorkloadControl(ctx);
  }
}

/**
 * Runs the sequence from the recorded `finalisingStep`: steps with nothing to do are passed over
 * in the same pass; the first write (or wait) ends the pass. Returns true when all are done.
 */
export function runCleanup(ctx: RolloutContext, order: readonly FinalisingStep[], waitForRollout: boolean): boolean {
  const canary = ctx.status.canaryStatus;
  if (canary === undefined) return true;
  const grace = ctx.plan.trafficRouting?.gracePeriodSeconds ?? 0;
  let index = Math.max(0, order.indexOf(canary.finalisingStep as FinalisingStep));
  for (; index < order.length; index++) {
    const step = order[index];
    if (step === undefined) break;
    const resumed = canary.finalisingStep === step;
    canary.finalisingStep = step;
    const outcome = runStep(ctx, step, waitForRollout);
    if (outcome === "changed") {
      if (TRAFFIC_STEPS.has(step)) touch(canary, ctx.env.now);
      return false;
    }
    if (outcome === "waiting") return false;
    // The change this step made earlier must have had its grace period before the next action.
    if (resumed && TRAFFIC_STEPS.has(step) && !hasElapsed(canary.lastUpdateTime, grace, ctx.env.now)) return false;
  }
  canary.finalisingStep = "END";
  return true;
}
