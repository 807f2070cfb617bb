import { displayText, parseDuration } from "../../util/index.js";
import { timestampAfter } from "../backoff.js";
import type { StepContext, StepOutcome, StepRunner } from "../types.js";
import { invalidParameter, stringParam } from "./parameters.js";

/**
 * `suspend` (kubevela/workflow builtin suspend): the first execution suspends the run (with
 * `duration`, until the stored resume time); once resumed, by a person or by the time passing, the
 * next execution succeeds. Parameters: `duration?` (Go duration or seconds), `message?`.
 */
export const suspendRunner: StepRunner = {
  type: "suspend",
  run: (_step, ctx) => Promise.resolve(suspendOutcome(ctx)),
};

function suspendOutcome(ctx: StepContext): StepOutcome {
  if (ctx.suspendedAt !== undefined) return { kind: "succeeded" };
  const message = stringParam(ctx.parameter, "message");
  const duration = ctx.parameter["duration"];
  if (duration === undefined || duration === null || duration === "")
    return { kind: "suspended", message: message ?? "suspended until resumed" };
  const ms = typeof duration === "string" || typeof duration === "number" ? parseDuration(duration) : undefined;
  if (ms === undefined)
    return invalidParameter(`parameter "duration": ${JSON.stringify(duration)} is not a duration (use e.g. 30s, 5m)`);
  if (ms === 0) return { kind: "succeeded" };
  const resumeAt = timestampAfter(ctx.clock.now(), ms);
  return {
    kind: "suspended",
    message: message ?? `suspended for ${displayText(duration)}, resumes at ${resumeAt}`,
    resumeAt,
  };
}
