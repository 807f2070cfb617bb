import { ConflictError, InternalError, VelaError } from "../../errors/index.js";
import type { StepContext, StepOutcome, StepPlacement, StepRunner } from "../types.js";

/** Components not healthy yet in one deploy (`name (why)`), or the failure of a cluster that could not be reached. */
interface PlacementResult {
  readonly waiting: readonly string[];
  readonly failure?: string;
}

async function deployComponents(
  ctx: StepContext,
  components: readonly string[],
  placement: StepPlacement | undefined,
): Promise<PlacementResult> {
  const waiting: string[] = [];
  for (const component of components) {
    let result;
    try {
      result = await ctx.applyComponent(component, placement === undefined ? {} : { placement: placement.id });
    } catch (error) {
      // A cluster that cannot be reached (or is no longer joined) fails this placement only: the
      // others are deployed, and the step is retried with backoff until every placement converged.
      if (placement === undefined || !(error instanceof VelaError)) throw error;
      if (error instanceof ConflictError || error instanceof InternalError) throw error;
      return { waiting, failure: `cluster ${placement.cluster}: ${error.message}` };
    }
    if (!result.healthy)
      waiting.push(
        result.message === undefined || result.message === "" ? component : `${component} (${result.message})`,
      );
  }
  return { waiting };
}

/**
 * `deploy`: applies every component of the app (in declaration order) and succeeds when all are
 * healthy. `auto: false` suspends before deploying until `workflow resume` (KubeVela's manual
 * approval). With `policies` naming topology or override policies, it deploys once per placement
 * (each cluster and namespace a topology selects, with the overrides' properties and traits), as
 * KubeVela's multi-cluster deploy does; placements are applied one after another (`parallelism`
 * bounds how many KubeVela applies at once: the result is the same). A placement whose cluster
 * cannot be reached fails the step naming the cluster after the other placements were deployed;
 * the step is retried with backoff, and a run that reaches the cluster later finishes it.
 */
export const deployRunner: StepRunner = {
  type: "deploy",
  async run(step, ctx): Promise<StepOutcome> {
    if (ctx.parameter["auto"] === false && ctx.suspendedAt === undefined)
      return { kind: "suspended", message: "waiting for approval to deploy (auto: false)" };
    const placements = ctx.placements?.(step.name);
    const results =
      placements === undefined
        ? [{ where: "", result: await deployComponents(ctx, ctx.context.components ?? [], undefined) }]
        : await placements.reduce<Promise<{ where: string; result: PlacementResult }[]>>(
            async (done, placement) => [
              ...(await done),
              {
                where: ` in ${placement.cluster}/${placement.namespace}`,
                result: await deployComponents(ctx, placement.components, placement),
              },
            ],
            Promise.resolve([]),
          );
    const failures = results.flatMap(({ result }) => (result.failure === undefined ? [] : [result.failure]));
    if (failures.length > 0) return { kind: "failed", retryable: true, message: failures.join("; ") };
    const waiting = results.flatMap(({ where, result }) => result.waiting.map((component) => `${component}${where}`));
    if (waiting.length > 0)
      return {
        kind: "running",
        reason: "Wait",
        message: `waiting for components to be healthy: ${waiting.join(", ")}`,
      };
    return { kind: "succeeded" };
  },
};
