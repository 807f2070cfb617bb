import { querySandboxMetric, type SandboxMetricQuery } from "../cluster/sandbox/metrics/index.js";
import { VelaError } from "../errors/index.js";
import type { ControllerView } from "../cluster/sandbox/controller-contract.js";
import type { MetricReading } from "./provider.js";

/**
 * The `sandbox` provider: a question to the sandbox's request log (success rate, error rate, request
 * rate, latency percentiles per host and version over a window). No requests in the window is
 * `no-data`, never a value of 0.
 */
export function readSandboxMetric(
  view: ControllerView | undefined,
  query: SandboxMetricQuery,
  now: Date,
): MetricReading {
  if (view === undefined)
    return { kind: "error", message: "the sandbox metric provider answers only on the sandbox cluster" };
  try {
    const answer = querySandboxMetric(view, query, now);
    const version = query.version === undefined ? "" : ` (version ${query.version})`;
    return answer.value === undefined
      ? { kind: "no-data", message: `no requests to ${query.host}${version} in the last ${answer.windowSeconds}s` }
      : { kind: "value", value: answer.value };
  } catch (error) {
    if (error instanceof VelaError) return { kind: "error", message: error.message };
    throw error;
  }
}
