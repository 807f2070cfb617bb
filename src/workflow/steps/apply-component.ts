import type { ApplyComponentOptions, StepContext, StepOutcome, StepRunner } from "../types.js";
import { invalidParameter, objectParam, stringParam } from "./parameters.js";

/** Applies one component and turns its health into an outcome. */
export async function applyComponentOutcome(
  ctx: StepContext,
  component: string,
  options: ApplyComponentOptions = {},
): Promise<StepOutcome> {
  const result = await ctx.applyComponent(component, options);
  if (!result.healthy) {
    const detail = result.message === undefined || result.message === "" ? "" : `: ${result.message}`;
    return {
      kind: "running",
      reason: "Wait",
      message: result.applied
        ? `waiting for component ${component} to be healthy${detail}`
        : `waiting for component ${component} to be applied${detail}`,
    };
  }
  return {
    kind: "succeeded",
    outputs: {
      ...(result.output === undefined ? {} : { output: result.output }),
      ...(result.outputs === undefined ? {} : { outputs: { ...result.outputs } }),
    },
  };
}

/**
 * `apply-component` (and `builtin-apply-component`): applies `parameter.component` through the
 * reconciler and succeeds only when it is healthy, traits included; until then it is running with
 * reason Wait. `parameter.properties` (e.g. filled by inputs) is merged over the component's
 * properties; `namespace` and `cluster` are passed on. The step's value is `{output, outputs}`:
 * the live objects, for `outputs[].valueFrom` such as `output.status.podIP`.
 */
export const applyComponentRunner: StepRunner = {
  type: "apply-component",
  async run(_step, ctx) {
    const component = stringParam(ctx.parameter, "component");
    if (component === undefined || component === "")
      return invalidParameter('parameter "component" is required: the name of the component to apply');
    const properties = objectParam(ctx.parameter, "properties");
    const namespace = stringParam(ctx.parameter, "namespace");
    const cluster = stringParam(ctx.parameter, "cluster");
    return applyComponentOutcome(ctx, component, {
      ...(properties === undefined ? {} : { properties }),
      ...(namespace === undefined ? {} : { namespace }),
      ...(cluster === undefined ? {} : { cluster }),
    });
  },
};
