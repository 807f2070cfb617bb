import { VelaError } from "../../errors/index.js";
import {
  DEFAULT_METRIC_ENDPOINT,
  metricSourcesFor,
  MetricQueryError,
  promCheck,
  promCheckProvider,
  type MetricSources,
  type PromCheckTimes,
} from "../../metrics/index.js";
import { formatTimestamp, isJsonObject, parseDuration, type JsonObject, toJsonObject } from "../../util/index.js";
import type { StepContext, StepOutcome, StepRunner } from "../../workflow/index.js";

/**
 * KubeVela's `check-metrics` step (`vela-templates/definitions/internal/workflowstep/check-metrics.cue`)
 * as a built-in runner over {@link promCheck} (the `vela/metrics` `#PromCheck` provider): the step
 * waits while the condition has not held for `duration`, succeeds once it has, and fails the
 * workflow once it has failed for `failDuration`. Between checks it asks to run again after
 * `interval` (default 15s), so a release waiting on it moves on in simulated time. A metric that
 * cannot be read (Prometheus down, no requests) is not a verdict: the step keeps waiting and says
 * why; its `timeout` bounds the wait.
 */

function stringParameter(ctx: StepContext, name: string): string | undefined {
  const value = ctx.parameter[name];
  return typeof value === "string" ? value : undefined;
}

function invalid(message: string): StepOutcome {
  return { kind: "failed", retryable: false, reason: "ProcessParameter", message };
}

export const checkMetricsRunner: StepRunner = {
  type: "check-metrics",
  async run(_step, ctx): Promise<StepOutcome> {
    const query = stringParameter(ctx, "query");
    const condition = stringParameter(ctx, "condition");
    if (query === undefined || condition === undefined)
      return invalid('parameters "query" and "condition" are required strings');
    const interval = parseDuration(stringParameter(ctx, "interval") ?? "15s");
    if (interval === undefined || interval <= 0)
      return invalid('parameter "interval" must be a duration such as "15s"');
    const endpoint = stringParameter(ctx, "metricEndpoint") ?? (ctx.cluster.kind === "sandbox" ? "sandbox" : undefined);
    const now = ctx.clock.now();
    const stepID = ctx.context.stepSessionID;
    const stored = isJsonObject(ctx.memory.promCheck) ? ctx.memory.promCheck : {};
    const times: Record<string, PromCheckTimes> = {};
    for (const [id, value] of Object.entries(stored)) if (isJsonObject(value)) times[id] = value;
    let sandbox: MetricSources["sandbox"];
    try {
      const provider = promCheckProvider(query, endpoint ?? DEFAULT_METRIC_ENDPOINT);
      sandbox = (await metricSourcesFor(provider, ctx.cluster, { now })).sandbox;
    } catch (error) {
      if (error instanceof VelaError) return invalid(error.message);
      throw error;
    }
    const wakeAt = formatTimestamp(new Date(now.getTime() + interval));
    try {
      const returns = await promCheck(
        {
          query,
          condition,
          stepID,
          ...(endpoint === undefined ? {} : { metricEndpoint: endpoint }),
          ...(stringParameter(ctx, "duration") === undefined ? {} : { duration: stringParameter(ctx, "duration") }),
          ...(stringParameter(ctx, "failDuration") === undefined
            ? {}
            : { failDuration: stringParameter(ctx, "failDuration") }),
        } as Parameters<typeof promCheck>[0],
        {
          now,
          ...(sandbox === undefined ? {} : { sandbox }),
          http: (request) => ctx.http({ ...request }),
          memory: { get: (id) => times[id] ?? {}, set: (id, value) => (times[id] = value) },
        },
      );
      const memory: JsonObject = { promCheck: toJsonObject(times) };
      if (returns.failed)
        return { kind: "failed", retryable: false, message: returns.message ?? "metric check failed" };
      if (returns.result) return { kind: "succeeded", outputs: { message: returns.message ?? "" } };
      return { kind: "running", reason: "Wait", message: returns.message ?? "", memory, wakeAt };
    } catch (error) {
      if (error instanceof MetricQueryError)
        return {
          kind: "running",
          reason: "Wait",
          message: `cannot read the metric: ${error.message}`,
          memory: { promCheck: toJsonObject(times) },
          wakeAt,
        };
      if (error instanceof VelaError) return invalid(error.message);
      throw error;
    }
  },
};
