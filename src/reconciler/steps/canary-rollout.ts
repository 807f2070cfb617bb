import { LABEL_APP_COMPONENT } from "../../model/labels.js";
import type { KubeObject } from "../../model/kube-object.js";
import type { JsonObject } from "../../util/index.js";
import type { StepContext, StepOutcome, StepRunner } from "../../workflow/index.js";
import {
  findAppRollouts,
  isRolloutProgressing,
  resumeRollouts,
  rolloutPausedAtStep,
  rolloutStepCount,
} from "../../rollout/rollout-coupling.js";

/**
 * `canary-rollout` for components with a `kruise-rollout` trait (DESIGN §6): apply the components,
 * then advance their Kruise Rollout to its next step and wait until it is paused there (ready
 * replicas and traffic set), or until the release completed. Re-entrant: what it started from and
 * whether it approved are kept in the step's memory, so a crash never approves twice.
 *
 * The KubeVela v1.1 Istio form of this step (`batchPartition`, `traffic.weightedTargets`) is
 * recognised by its properties and handled by the `istio` option of {@link createCanaryRolloutRunner}.
 */

interface CanaryMemory {
  readonly applied?: boolean;
  /** The step index the Rollout was paused at when this step started (0 = not paused). */
  readonly startStep?: number;
}

function stepCount(rollout: KubeObject): number {
  return rolloutStepCount(rollout);
}

function pausedAt(rollout: KubeObject): number {
  return rolloutPausedAtStep(rollout);
}

function describeRollout(rollout: KubeObject): string {
  const message = (rollout.status as JsonObject | undefined)?.message;
  return `Rollout ${rollout.metadata.name ?? ""}: ${typeof message === "string" ? message : "no status yet"}`;
}

async function rolloutsOf(ctx: StepContext, component: string | undefined): Promise<KubeObject[]> {
  const all = await findAppRollouts(ctx.cluster, ctx.context.appName, ctx.context.namespace);
  return component === undefined
    ? all
    : all.filter((rollout) => rollout.metadata.labels?.[LABEL_APP_COMPONENT] === component);
}

async function kruiseCanaryRollout(ctx: StepContext): Promise<StepOutcome> {
  const component = typeof ctx.parameter.component === "string" ? ctx.parameter.component : undefined;
  const memory = ctx.memory as CanaryMemory;
  if (memory.applied !== true) {
    const before = await rolloutsOf(ctx, component);
    const startStep = Math.max(0, ...before.map(pausedAt));
    for (const name of component === undefined ? (ctx.context.components ?? []) : [component])
      await ctx.applyComponent(name);
    // Paused where an earlier canary-rollout left it: this step moves it on, exactly once.
    if (startStep > 0)
      await resumeRollouts(
        ctx.cluster,
        before.filter((rollout) => pausedAt(rollout) === startStep),
      );
    return {
      kind: "running",
      reason: "Wait",
      message: "waiting for the rollout to start",
      memory: { applied: true, startStep },
    };
  }
  const rollouts = await rolloutsOf(ctx, component);
  if (rollouts.length === 0) {
    return {
      kind: "failed",
      retryable: false,
      message: `no Rollout (Kruise or Argo) found for ${component === undefined ? `application ${ctx.context.appName}` : `component ${component}`}`,
    };
  }
  const startStep = memory.startStep ?? 0;
  const pending = rollouts.filter((rollout) => isRolloutProgressing(rollout) && pausedAt(rollout) <= startStep);
  if (pending.length > 0)
    return { kind: "running", reason: "Wait", message: pending.map(describeRollout).join("; "), memory: { ...memory } };
  const paused = rollouts.filter((rollout) => pausedAt(rollout) > startStep);
  const message =
    paused.length > 0
      ? paused
          .map(
            (rollout) =>
              `Rollout ${rollout.metadata.name ?? ""} paused at step ${pausedAt(rollout)}/${stepCount(rollout)}`,
          )
          .join("; ")
      : "every rollout completed";
  return { kind: "succeeded", outputs: { message } };
}

/** Whether the properties are the v1.1 Istio form of the step. */
function isIstioForm(parameter: JsonObject): boolean {
  return parameter.batchPartition !== undefined || parameter.traffic !== undefined;
}

/** Options of {@link createCanaryRolloutRunner}. */
export interface CanaryRolloutOptions {
  /** The v1.1 Istio form (batch rollout + weighted targets); without it that form fails clearly. */
  readonly istio?: (ctx: StepContext) => Promise<StepOutcome>;
}

/** The `canary-rollout` runner: the Kruise form, or the Istio form when its properties are used. */
export function createCanaryRolloutRunner(options: CanaryRolloutOptions = {}): StepRunner {
  return {
    type: "canary-rollout",
    async run(_step, ctx) {
      if (!isIstioForm(ctx.parameter)) return kruiseCanaryRollout(ctx);
      if (options.istio === undefined) {
        return {
          kind: "failed",
          retryable: false,
          message: "the Istio form of canary-rollout (batchPartition, traffic) is not available",
        };
      }
      return options.istio(ctx);
    },
  };
}
