import type { EventInput } from "../cluster/events.js";
import { formatTimestamp, isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import type { WorkflowPhase } from "../workflow/index.js";

/**
 * The stages of a pass that leave a condition on the Application (KubeVela's
 * `ApplicationConditionType`s: `Parsed`, `Revision`, `Policy`, `Render`, `WorkflowFinished`, `Ready`).
 */
export type ConditionType = "Parsed" | "Revision" | "Policy" | "Render" | "WorkflowFinished" | "Ready";

/** In the order a pass sets them (and `vela-ts status` lists them). */
export const CONDITION_TYPES: readonly ConditionType[] = [
  "Parsed",
  "Revision",
  "Policy",
  "Render",
  "WorkflowFinished",
  "Ready",
];

/** One `status.conditions` entry, in KubeVela's (crossplane-runtime's) shape. */
export interface ApplicationCondition {
  readonly type: ConditionType;
  readonly status: "True" | "False";
  /** When `status` last flipped. */
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message?: string;
}

/** crossplane-runtime's `ReasonAvailable` (`ReadyCondition(type)`). */
export const REASON_AVAILABLE = "Available";
/** crossplane-runtime's `ReasonReconcileError` (`ErrorCondition(type, err)`). */
export const REASON_RECONCILE_ERROR = "ReconcileError";
/** crossplane-runtime's `ReasonReconcileSuccess` (KubeVela's `Ready` after a finished run and GC). */
export const REASON_RECONCILE_SUCCESS = "ReconcileSuccess";

/** A condition to set, and the event its change records (none for a change nobody needs to hear of). */
export interface ConditionUpdate {
  readonly type: ConditionType;
  readonly status: "True" | "False";
  readonly reason: string;
  readonly message?: string;
  /** Recorded when the condition changes (KubeVela records it on every pass; the recorder de-duplicates). */
  readonly event?: EventInput;
}

/** The Normal event KubeVela records when each stage succeeds (`velatypes.Reason*`/`Message*`). */
const SUCCESS_EVENTS: Readonly<Record<ConditionType, EventInput>> = {
  Parsed: { type: "Normal", reason: "Parsed", message: "Parsed successfully" },
  Revision: { type: "Normal", reason: "Revisioned", message: "Revisioned successfully" },
  Policy: { type: "Normal", reason: "PolicyGenerated", message: "Policy generated successfully" },
  Render: { type: "Normal", reason: "Rendered", message: "Rendered successfully" },
  WorkflowFinished: { type: "Normal", reason: "Applied", message: "Workflow finished" },
  Ready: { type: "Normal", reason: "Deployed", message: "Deployed successfully" },
};

/** The Warning event's reason when a stage fails (`velatypes.ReasonFailed*`). */
const FAILURE_REASONS: Readonly<Record<ConditionType, string>> = {
  Parsed: "FailedParse",
  Revision: "FailedRevision",
  Policy: "FailedPolicy",
  Render: "FailedRender",
  WorkflowFinished: "FailedWorkflow",
  Ready: "FailedApply",
};

/** `ReadyCondition(type)`, with an optional message saying what is ready (`revision web-v2`). */
export function readyCondition(type: ConditionType, message?: string): ConditionUpdate {
  const event = SUCCESS_EVENTS[type];
  return {
    type,
    status: "True",
    reason: type === "Ready" ? REASON_RECONCILE_SUCCESS : REASON_AVAILABLE,
    ...(message === undefined ? {} : { message }),
    event: message === undefined ? event : { ...event, message: `${event.message}: ${message}` },
  };
}

/** `ErrorCondition(type, err)`: the stage failed with `message`; a Warning event says so. */
export function errorCondition(type: ConditionType, message: string): ConditionUpdate {
  return {
    type,
    status: "False",
    reason: REASON_RECONCILE_ERROR,
    message,
    event: { type: "Warning", reason: FAILURE_REASONS[type], message },
  };
}

/**
 * `WorkflowFinished` for a workflow phase: True once the run succeeded; False while it runs or is
 * suspended (no event: nothing went wrong), and False with a Warning event when it failed or was
 * terminated. Ready follows: False until the run finished, so `kubectl wait --for=condition=Ready` waits for the release.
 */
export function workflowConditions(phase: WorkflowPhase, message: string, revision: string): ConditionUpdate[] {
  switch (phase) {
    case "succeeded":
    case "skipped":
      return [readyCondition("WorkflowFinished")];
    case "failed":
    case "terminated": {
      const reason = phase === "failed" ? "WorkflowFailed" : "WorkflowTerminated";
      const text = `workflow of ${revision} ${phase}${message === "" ? "" : `: ${message}`}`;
      return [
        { ...errorCondition("WorkflowFinished", text), reason },
        { type: "Ready", status: "False", reason },
      ];
    }
    default: {
      const reason = phase === "suspending" ? "WorkflowSuspending" : "WorkflowRunning";
      return [
        { type: "WorkflowFinished", status: "False", reason, message: `workflow of ${revision} is ${phase}` },
        { type: "Ready", status: "False", reason },
      ];
    }
  }
}

function isConditionType(value: JsonValue | undefined): value is ConditionType {
  return typeof value === "string" && (CONDITION_TYPES as readonly string[]).includes(value);
}

/** The conditions of a stored status this module understands (others, written by someone else, are kept as they are). */
export function conditionsOf(status: JsonObject): ApplicationCondition[] {
  if (!Array.isArray(status.conditions)) return [];
  return status.conditions.filter(isJsonObject).flatMap((item): ApplicationCondition[] => {
    const { type, status: value, lastTransitionTime, reason, message } = item;
    if (!isConditionType(type) || (value !== "True" && value !== "False") || typeof reason !== "string") return [];
    return [
      {
        type,
        status: value,
        lastTransitionTime: typeof lastTransitionTime === "string" ? lastTransitionTime : "",
        reason,
        ...(typeof message === "string" && message !== "" ? { message } : {}),
      },
    ];
  });
}

/**
 * `status.conditions` with `update` set, or undefined when it is already so (nothing to write, no
 * event). `lastTransitionTime` moves only when `status` flips, as `SetConditions` keeps it. The clock
 * is read only for a change: a pass that changes nothing must not depend on the time (steady-state memo).
 */
export function setCondition(status: JsonObject, update: ConditionUpdate, now: () => Date): JsonValue[] | undefined {
  const list = Array.isArray(status.conditions) ? status.conditions : [];
  const index = list.findIndex((item) => isJsonObject(item) && item.type === update.type);
  const existing = index < 0 ? undefined : conditionsOf({ conditions: [list[index] ?? null] })[0];
  const message = update.message ?? "";
  if (
    existing !== undefined &&
    existing.status === update.status &&
    existing.reason === update.reason &&
    (existing.message ?? "") === message
  )
    return undefined;
  const next: JsonObject = {
    type: update.type,
    status: update.status,
    lastTransitionTime:
      existing !== undefined && existing.status === update.status && existing.lastTransitionTime !== ""
        ? existing.lastTransitionTime
        : formatTimestamp(now()),
    reason: update.reason,
    ...(message === "" ? {} : { message }),
  };
  return index < 0 ? [...list, next] : list.map((item, at) => (at === index ? next : item));
}
