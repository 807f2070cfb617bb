import type { Cluster } from "../../cluster/index.js";
import { VelaError } from "../../errors/index.js";
import {
  DEFAULT_METRIC_ENDPOINT,
  metricSourcesFor,
  MetricQueryError,
  promCheck,
  promCheckProvider,
  type MetricSources,
  type PromCheckParams,
  type PromCheckTimes,
} from "../../metrics/index.js";
import { formatTimestamp, isJsonObject, parseDuration, type Clock, type JsonObject } from "../../util/index.js";
import type { MetricCheckOutcome, StepContext, StepHooks, StepOutcome, StepRunner } from "../../workflow/index.js";

/**
 * KubeVela's `check-metrics` step (`vela-templates/definitions/internal/workflowstep/check-metrics.cue`)
 * as a built-in runner over {@link promCheck} (the `vela/metrics` `#PromCheck` provider): the step
 * waits while the condition has not held for `duration`, succeeds once it has, and fails the
 * workflow once it has failed for `failDuration`. Between checks it asks to run again after
 * `interval` (default 15s), so a release waiting on it moves on in simulated time. A metric that
 * cannot be read (Prometheus down, no requests) is not a verdict: the step keeps waiting and says
 * why; its `timeout` bounds the wait. The same check backs `#PromCheck` in steps written in CUE
 * ({@link promCheckHook}).
 */

/** What a metric check reads through. */
interface MetricCheckDeps {
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly http: StepHooks["http"];
}

/** Thrown for a parameter the check cannot use: the step fails for good. */
class MetricCheckInputError extends VelaError {
  constructor(message: string) {
    super("E_METRIC_INVALID", message);
  }
}

function text(parameters: JsonObject, name: string): string | undefined {
  const value = parameters[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function timesOf(stored: JsonObject): Record<string, PromCheckTimes> {
  const times: Record<string, PromCheckTimes> = {};
  for (const [id, value] of Object.entries(stored))
    if (isJsonObject(value))
      times[id] = {
        ...(typeof value["successSince"] === "string" ? { successSince: value["successSince"] } : {}),
        ...(typeof value["failSince"] === "string" ? { failSince: value["failSince"] } : {}),
      };
  return times;
}

function timesValue(times: Readonly<Record<string, PromCheckTimes>>): JsonObject {
  const value: JsonObject = {};
  for (const [id, entry] of Object.entries(times)) value[id] = { ...entry };
  return value;
}

/**
 * One `#PromCheck` with `parameters` in KubeVela's shape (`query`, `condition`, `metricEndpoint`,
 * `duration`, `failDuration`, `stepID`) and the times the last check left. A metric that cannot be
 * read is reported as "not yet" with the reason, never as a verdict. Throws
 * {@link MetricCheckInputError} for parameters it cannot use.
 */
async function checkMetricOnce(
  deps: MetricCheckDeps,
  parameters: JsonObject,
  stored: JsonObject,
  intervalMs: number,
): Promise<MetricCheckOutcome> {
  const query = text(parameters, "query");
  const condition = text(parameters, "condition");
  if (query === undefined || condition === undefined)
    throw new MetricCheckInputError('parameters "query" and "condition" are required strings');
  const endpoint = text(parameters, "metricEndpoint") ?? (deps.cluster.kind === "sandbox" ? "sandbox" : undefined);
  const now = deps.clock.now();
  const times = timesOf(stored);
  const recheckAt = formatTimestamp(new Date(now.getTime() + intervalMs));
  let sandbox: MetricSources["sandbox"];
  try {
    const provider = promCheckProvider(query, endpoint ?? DEFAULT_METRIC_ENDPOINT);
    sandbox = (await metricSourcesFor(provider, deps.cluster, { now })).sandbox;
  } catch (error) {
    if (error instanceof VelaError) throw new MetricCheckInputError(error.message);
    throw error;
  }
  const duration = text(parameters, "duration");
  const failDuration = text(parameters, "failDuration");
  const params: PromCheckParams = {
    query,
    condition,
    stepID: text(parameters, "stepID") ?? "step",
    ...(endpoint === undefined ? {} : { metricEndpoint: endpoint }),
    ...(duration === undefined ? {} : { duration }),
    ...(failDuration === undefined ? {} : { failDuration }),
  };
  try {
    const returns = await promCheck(params, {
      now,
      ...(sandbox === undefined ? {} : { sandbox }),
      http: (request) => deps.http({ ...request }),
      memory: { get: (id) => times[id] ?? {}, set: (id, value) => (times[id] = value) },
    });
    return {
      returns: {
        result: returns.result,
        failed: returns.failed,
        ...(returns.message === undefined ? {} : { message: returns.message }),
      },
      times: timesValue(times),
      recheckAt,
    };
  } catch (error) {
    if (error instanceof MetricQueryError)
      return {
        returns: { result: false, failed: false, message: `cannot read the metric: ${error.message}` },
        times: timesValue(times),
        recheckAt,
      };
    if (error instanceof VelaError) throw new MetricCheckInputError(error.message);
    throw error;
  }
}

/** How often `#PromCheck` in a CUE step measures again while it waits. */
const CUE_PROM_CHECK_INTERVAL_MS = 15_000;

/** The {@link StepHooks.promCheck} hook: `#PromCheck` for steps written in CUE, read through `deps`. */
export function promCheckHook(deps: MetricCheckDeps): NonNullable<StepHooks["promCheck"]> {
  return (parameters, stored) => checkMetricOnce(deps, parameters, stored, CUE_PROM_CHECK_INTERVAL_MS);
}

function invalid(message: string): StepOutcome {
  return { kind: "failed", retryable: false, reason: "ProcessParameter", message };
}

export const checkMetricsRunner: StepRunner = {
  type: "check-metrics",
  async run(_step, ctx: StepContext): Promise<StepOutcome> {
    const interval = parseDuration(text(ctx.parameter, "interval") ?? "15s");
    if (interval === undefined || interval <= 0)
      return invalid('parameter "interval" must be a duration such as "15s"');
    const stored = isJsonObject(ctx.memory["promCheck"]) ? ctx.memory["promCheck"] : {};
    let outcome: MetricCheckOutcome;
    try {
      outcome = await checkMetricOnce(ctx, { ...ctx.parameter, stepID: ctx.context.stepSessionID }, stored, interval);
    } catch (error) {
      if (error instanceof MetricCheckInputError) return invalid(error.message);
      throw error;
    }
    const message = typeof outcome.returns["message"] === "string" ? outcome.returns["message"] : "";
    if (outcome.returns["failed"] === true)
      return { kind: "failed", retryable: false, message: message === "" ? "metric check failed" : message };
    if (outcome.returns["result"] === true) return { kind: "succeeded", outputs: { message } };
    return {
      kind: "running",
      reason: "Wait",
      message,
      memory: { promCheck: outcome.times },
      wakeAt: outcome.recheckAt,
    };
  },
};
