import type { StepRunner } from "../types.js";

/**
 * `deploy`: applies every component of the app (in declaration order) and succeeds when all are
 * healthy. `auto: false` suspends before deploying until `workflow resume` (KubeVela's manual
 * approval). KubeVela's `policies` (topology/override selection) and `parallelism` are accepted and
 * ignored: vela-ts deploys to one cluster.
 */
export const deployRunner: StepRunner = {
  type: "deploy",
  async run(_step, ctx) {
    if (ctx.parameter["auto"] === false && ctx.suspendedAt === undefined)
      return { kind: "suspended", message: "waiting for approval to deploy (auto: false)" };
    const components = ctx.context.components ?? [];
    const waiting: string[] = [];
    for (const component of components) {
      const result = await ctx.applyComponent(component);
      if (!result.healthy)
        waiting.push(
          result.message === undefined || result.message === "" ? component : `${component} (${result.message})`,
        );
    }
    if (waiting.length > 0)
      return {
        kind: "running",
        reason: "Wait",
        message: `waiting for components to be healthy: ${waiting.join(", ")}`,
      };
    return { kind: "succeeded" };
  },
};
