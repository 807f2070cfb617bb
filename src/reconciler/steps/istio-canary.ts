import type { KubeObject } from "../../model/kube-object.js";
import { LABEL_COMPONENT_REVISION } from "../../model/labels.js";
import { displayText, isJsonObject, type JsonObject } from "../../util/index.js";
import type { StepContext, StepOutcome, StepRunner } from "../../workflow/index.js";
import type { OutputPatch, OutputPatchOptions } from "../component-patches.js";

/**
 * The KubeVela v1.1 Istio canary steps (KUBEVELA-REFERENCE §7; upstream
 * `vela-templates/definitions/internal/workflowstep/canary-{rollout,rollback}.cue` @v1.1.13).
 * Both act on the **first** component of the app (upstream takes `comps[0]` of the loaded
 * components) and then apply the others:
 * - `canary-rollout` (`batchPartition`, `traffic.weightedTargets`) applies the first component with
 *   its `rollout` output's `rolloutPlan.batchPartition` set, its `virtualService`'s `spec.http`
 *   replaced by one route splitting traffic between the weighted revisions (subset = revision), and
 *   its `destinationRule`'s `spec` replaced by one subset per weighted revision (label
 *   `app.oam.dev/revision`); it succeeds once the Rollout has rolled up to the partition.
 * - `canary-rollback` reads the Rollout's `status.LastSourceRevision` and applies the first
 *   component with the rollout targeting that revision and 100% of the traffic on its subset (the
 *   only one left), the VirtualService first; it succeeds once every replica is back on it.
 */

const ROLLOUT_API_VERSION = "standard.oam.dev/v1alpha1";
const ROLLOUT_KIND = "Rollout";

/** A weighted target of `traffic.weightedTargets`. */
interface WeightedTarget {
  readonly revision: string;
  readonly weight: number;
}

function weightedTargetsOf(parameter: JsonObject): WeightedTarget[] {
  const traffic = parameter.traffic;
  const targets = isJsonObject(traffic) && Array.isArray(traffic.weightedTargets) ? traffic.weightedTargets : [];
  return targets
    .filter(isJsonObject)
    .flatMap((target) =>
      typeof target.revision === "string" && typeof target.weight === "number"
        ? [{ revision: target.revision, weight: target.weight }]
        : [],
    );
}

/** The `virtualService` and `destinationRule` patches routing `component`'s traffic to revisions by weight. */
export function trafficPatches(component: string, targets: readonly WeightedTarget[]): OutputPatch[] {
  return [
    {
      output: "virtualService",
      patch: {
        spec: {
          http: [
            {
              route: targets.map((target) => ({
                destination: { host: component, subset: target.revision },
                weight: target.weight,
              })),
            },
          ],
        },
      },
      replacePaths: ["/spec/http"],
    },
    {
      output: "destinationRule",
      patch: {
        spec: {
          host: component,
          subsets: targets.map((target) => ({
            name: target.revision,
            labels: { [LABEL_COMPONENT_REVISION]: target.revision },
          })),
        },
      },
      replacePaths: ["/spec"],
    },
  ];
}

async function getRollout(ctx: StepContext, component: string): Promise<KubeObject | undefined> {
  return ctx.cluster.get({
    apiVersion: ROLLOUT_API_VERSION,
    kind: ROLLOUT_KIND,
    name: component,
    namespace: ctx.context.namespace,
  });
}

function statusOf(rollout: KubeObject): JsonObject {
  return isJsonObject(rollout.status) ? rollout.status : {};
}

function specOf(rollout: KubeObject): JsonObject {
  return isJsonObject(rollout.spec) ? rollout.spec : {};
}

/** The Rollout's `Ready` condition message, for step messages. */
function rolloutMessage(rollout: KubeObject): string {
  const conditions = statusOf(rollout).conditions;
  const ready = Array.isArray(conditions)
    ? conditions.filter(isJsonObject).find((condition) => condition.type === "Ready")
    : undefined;
  return typeof ready?.message === "string" ? ready.message : "no status yet";
}

/** True when the Rollout's status describes its current spec (the controller has seen the last apply). */
function isObserved(rollout: KubeObject): boolean {
  const status = statusOf(rollout);
  return (
    typeof status.observedGeneration === "number" &&
    status.observedGeneration >= (rollout.metadata.generation ?? 1) &&
    status.lastTargetRevision === specOf(rollout).targetRevisionName
  );
}

/** Applies the first component with patches, then every other component; reports the first unhealthy one of the rest. */
async function applyFirstThenRest(
  ctx: StepContext,
  first: string,
  options: OutputPatchOptions,
): Promise<{ readonly failed?: string; readonly waiting?: string }> {
  const applied = await ctx.applyComponent(first, options);
  if (!applied.applied) return { failed: applied.message ?? `component ${first} could not be applied` };
  let waiting: string | undefined;
  for (const name of (ctx.context.components ?? []).slice(1)) {
    const result = await ctx.applyComponent(name);
    if (!result.applied) return { failed: result.message ?? `component ${name} could not be applied` };
    if (!result.healthy && waiting === undefined) waiting = `component ${name}: ${result.message ?? "not healthy yet"}`;
  }
  return waiting === undefined ? {} : { waiting };
}

function firstComponent(ctx: StepContext): string | undefined {
  return ctx.context.components?.[0];
}

function noRollout(ctx: StepContext, component: string): StepOutcome {
  return {
    kind: "failed",
    retryable: false,
    message:
      `component ${component} of application ${ctx.context.appName} has no ${ROLLOUT_API_VERSION} Rollout: ` +
      "give it the rollout trait (and canary-traffic for the traffic split)",
  };
}

/**
 * The Istio form of `canary-rollout` (plug into `createCanaryRolloutRunner({ istio })`). Idempotent:
 * every execution applies the same patched objects, so a re-run after a crash changes nothing.
 */
export async function istioCanaryRollout(ctx: StepContext): Promise<StepOutcome> {
  const component = firstComponent(ctx);
  if (component === undefined)
    return {
      kind: "failed",
      retryable: false,
      message: `application ${ctx.context.appName} has no components to roll out`,
    };
  const partition = ctx.parameter.batchPartition;
  const targets = weightedTargetsOf(ctx.parameter);
  const patches: OutputPatch[] = [
    ...(typeof partition === "number"
      ? [{ output: "rollout", patch: { spec: { rolloutPlan: { batchPartition: partition } } } }]
      : []),
    ...(targets.length === 0 ? [] : trafficPatches(component, targets)),
  ];
  // New subsets must exist before the route names them: the DestinationRule goes first.
  const applied = await applyFirstThenRest(ctx, component, {
    outputPatches: patches,
    patchedBy: ctx.context.stepName,
    applyFirst: ["destinationRule"],
  });
  if (applied.failed !== undefined) return { kind: "failed", retryable: true, message: applied.failed };
  const rollout = await getRollout(ctx, component);
  if (rollout === undefined) return noRollout(ctx, component);
  const status = statusOf(rollout);
  if (status.rollingState === "rolloutFailed")
    return { kind: "failed", retryable: false, message: `Rollout ${component} failed: ${rolloutMessage(rollout)}` };
  const reached =
    isObserved(rollout) &&
    (status.rollingState === "rolloutSucceed" ||
      (status.batchRollingState === "batchReady" &&
        typeof status.currentBatch === "number" &&
        (typeof partition !== "number" || status.currentBatch >= partition)));
  if (!reached) return { kind: "running", reason: "Wait", message: `Rollout ${component}: ${rolloutMessage(rollout)}` };
  if (applied.waiting !== undefined) return { kind: "running", reason: "Wait", message: applied.waiting };
  const ready = typeof status.upgradedReadyReplicas === "number" ? status.upgradedReadyReplicas : 0;
  return {
    kind: "succeeded",
    outputs: {
      message: `Rollout ${component}: ${ready} replicas of ${displayText(status.lastTargetRevision)} ready (${rolloutMessage(rollout)})`,
    },
  };
}

interface RollbackMemory {
  /** The revision read from `LastSourceRevision` on the first execution (the Rollout's own field flips once it restarts). */
  readonly source?: string;
}

async function canaryRollback(ctx: StepContext): Promise<StepOutcome> {
  const component = firstComponent(ctx);
  if (component === undefined)
    return {
      kind: "failed",
      retryable: false,
      message: `application ${ctx.context.appName} has no components to roll back`,
    };
  const memory = ctx.memory as RollbackMemory;
  let source = memory.source;
  if (source === undefined) {
    const before = await getRollout(ctx, component);
    if (before === undefined) return noRollout(ctx, component);
    const last = statusOf(before).LastSourceRevision;
    if (typeof last !== "string" || last === "") {
      return {
        kind: "failed",
        retryable: false,
        message:
          `Rollout ${component} has no status.LastSourceRevision: ` +
          "it never rolled from one revision to another, so there is nothing to roll back to",
      };
    }
    source = last;
  }
  const patches: OutputPatch[] = [
    { output: "rollout", patch: { spec: { targetRevisionName: source } } },
    ...trafficPatches(component, [{ revision: source, weight: 100 }]),
  ];
  // Traffic first: one write puts every request on the source subset, which already exists.
  const applied = await applyFirstThenRest(ctx, component, {
    outputPatches: patches,
    patchedBy: ctx.context.stepName,
    applyFirst: ["virtualService", "destinationRule"],
  });
  if (applied.failed !== undefined) return { kind: "failed", retryable: true, message: applied.failed };
  const rollout = await getRollout(ctx, component);
  if (rollout === undefined) return noRollout(ctx, component);
  const status = statusOf(rollout);
  const back = isObserved(rollout) && status.lastTargetRevision === source && status.rollingState === "rolloutSucceed";
  if (!back)
    return {
      kind: "running",
      reason: "Wait",
      message: `rolling ${component} back to ${source}: ${rolloutMessage(rollout)}`,
      memory: { source },
    };
  if (applied.waiting !== undefined)
    return { kind: "running", reason: "Wait", message: applied.waiting, memory: { source } };
  return {
    kind: "succeeded",
    outputs: { message: `every replica and all traffic of ${component} are back on ${source}` },
  };
}

/** The `canary-rollback` runner (KubeVela v1.1 Istio canary). */
export const canaryRollbackRunner: StepRunner = {
  type: "canary-rollback",
  run: (_step, ctx) => canaryRollback(ctx),
};
