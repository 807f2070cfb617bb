import type { JsonObject } from "../../util/index.js";
import type { StepOutcome, StepRunner } from "../../workflow/index.js";
import type { ExtraTraitOptions } from "../component-patches.js";

/**
 * `canary-deploy` (kruise-rollout addon, KUBEVELA-REFERENCE §6.2): deploys the components as one
 * step of a release driven by the workflow. Like KubeVela's step (a `deploy` with an inline
 * override policy), it attaches the `rolling-release` trait to each selected component — a Rollout
 * with this one step, `weight` percent of the pods on the new version — and succeeds when the
 * Rollout is paused at that step, or finished (weight 100). Stateless and idempotent: every
 * execution applies the same objects and reads the Rollout's health, so it is re-entrant after a kill.
 *
 * The step has no traffic routing of its own: `weight` is a share of the pods (Kruise's `replicas`),
 * and requests reach the new version through the component's Service in proportion to its pods.
 */
export const canaryDeployRunner: StepRunner = {
  type: "canary-deploy",
  async run(_step, ctx): Promise<StepOutcome> {
    const weight = ctx.parameter.weight;
    if (typeof weight !== "number" || !Number.isInteger(weight) || weight < 0 || weight > 100)
      return {
        kind: "failed",
        retryable: false,
        reason: "ProcessParameter",
        message: 'parameter "weight" must be a whole number from 0 to 100',
      };
    const listed = Array.isArray(ctx.parameter.components)
      ? ctx.parameter.components.filter((name): name is string => typeof name === "string")
      : [];
    const components = listed.length > 0 ? listed : (ctx.context.components ?? []);
    const rolloutType = ctx.parameter.rolloutType === "canary" ? "canary" : "partition";
    const properties: JsonObject = { replicas: `${weight}%`, final: weight >= 100, rolloutType };
    const waiting: string[] = [];
    for (const component of components) {
      const options: ExtraTraitOptions = { extraTraits: [{ type: "rolling-release", properties }] };
      const result = await ctx.applyComponent(component, options);
      if (!result.applied)
        return {
          kind: "failed",
          retryable: false,
          message: result.message ?? `component ${component} was not applied`,
        };
      if (!result.healthy) waiting.push(result.message === undefined ? component : `${component}: ${result.message}`);
    }
    if (waiting.length > 0)
      return {
        kind: "running",
        reason: "Wait",
        message: `waiting for ${weight}% of the pods to be on the new version: ${waiting.join("; ")}`,
      };
    return {
      kind: "succeeded",
      outputs: { message: weight >= 100 ? "the release finished" : `${weight}% of the pods are on the new version` },
    };
  },
};
