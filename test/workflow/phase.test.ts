import { describe, expect, it } from "vitest";
import {
  deriveAppPhase,
  derivePhase,
  type StepStatus,
  type WorkflowSpec,
  type WorkflowStatus,
  type WorkflowStepStatus,
} from "../../src/workflow/index.js";

const spec: WorkflowSpec = {
  steps: [
    { name: "a", type: "ok" },
    { name: "b", type: "ok" },
  ],
};

function step(name: string, phase: StepStatus["phase"], extra: Partial<StepStatus> = {}): WorkflowStepStatus {
  return { id: name, name, type: "ok", phase, ...extra };
}

function status(steps: readonly WorkflowStepStatus[], extra: Partial<WorkflowStatus> = {}): WorkflowStatus {
  return {
    appRevision: "app-v1",
    mode: "StepByStep-DAG",
    status: "executing",
    suspend: false,
    terminated: false,
    finished: false,
    startTime: "2026-01-01T00:00:00Z",
    steps,
    context: { vars: {}, steps: {} },
    ...extra,
  };
}

const ran = { firstExecuteTime: "2026-01-01T00:00:00Z" };

describe("derivePhase", () => {
  it.each([
    { name: "no status yet", input: undefined, want: { phase: "initializing", message: "" } },
    {
      name: "nothing started",
      input: status([step("a", "pending"), step("b", "pending")]),
      want: { phase: "initializing", message: "" },
    },
    {
      name: "a step waiting",
      input: status([
        step("a", "running", { reason: "Wait", message: "waiting for component a", ...ran }),
        step("b", "pending"),
      ]),
      want: { phase: "executing", message: 'step "a": waiting for component a' },
    },
    {
      name: "a step retrying",
      input: status([step("a", "failed", { reason: "Execute", message: "boom", ...ran }), step("b", "pending")]),
      want: { phase: "executing", message: 'step "a": boom' },
    },
    {
      name: "suspended by a step",
      input: status(
        [step("a", "suspending", { reason: "Suspend", message: "approve?", ...ran }), step("b", "pending")],
        { suspend: true },
      ),
      want: { phase: "suspending", message: 'step "a": approve?' },
    },
    {
      name: "suspended by a person",
      input: status([step("a", "suspending", ran), step("b", "pending")], { suspend: true, suspendState: "manual" }),
      want: { phase: "suspending", message: "the workflow is suspended" },
    },
    {
      name: "all succeeded or skipped",
      input: status([step("a", "succeeded", ran), step("b", "skipped", { reason: "Skip" })]),
      want: { phase: "succeeded", message: "" },
    },
    {
      name: "failed after retries",
      input: status(
        [step("a", "failed", { reason: "FailedAfterRetries", message: "boom", ...ran }), step("b", "skipped")],
        { terminated: true },
      ),
      want: { phase: "failed", message: 'step "a": boom (failed after retries)' },
    },
    {
      name: "terminated by a timeout",
      input: status(
        [
          step("a", "failed", { reason: "Timeout", message: "the step timed out after 1m", ...ran }),
          step("b", "skipped"),
        ],
        { terminated: true },
      ),
      want: {
        phase: "terminated",
        message: 'the workflow terminates because of the failed steps: step "a": the step timed out after 1m',
      },
    },
    {
      name: "terminated by a person",
      input: status([step("a", "failed", { reason: "Terminate", ...ran }), step("b", "skipped")], { terminated: true }),
      want: { phase: "terminated", message: "the workflow was terminated" },
    },
    {
      name: "terminated, an always step still to run",
      input: status([step("a", "failed", { reason: "Terminate", ...ran }), step("b", "pending")], { terminated: true }),
      want: { phase: "executing", message: "" },
    },
    {
      name: "a declared step missing from the status",
      input: status([step("a", "succeeded", ran)]),
      want: { phase: "executing", message: "" },
    },
  ])("$name", ({ input, want }) => {
    expect(derivePhase(spec, input)).toEqual(want);
  });
});

describe("deriveAppPhase", () => {
  it.each([
    { name: "no run", workflow: undefined, healthy: true, want: "starting" },
    { name: "initializing", workflow: "initializing", healthy: false, want: "runningWorkflow" },
    { name: "executing", workflow: "executing", healthy: true, want: "runningWorkflow" },
    { name: "suspending", workflow: "suspending", healthy: true, want: "workflowSuspending" },
    { name: "terminated", workflow: "terminated", healthy: true, want: "workflowTerminated" },
    { name: "failed", workflow: "failed", healthy: true, want: "workflowFailed" },
    { name: "succeeded and healthy", workflow: "succeeded", healthy: true, want: "running" },
    { name: "succeeded but unhealthy", workflow: "succeeded", healthy: false, want: "unhealthy" },
  ] as const)("$name", ({ workflow, healthy, want }) => {
    expect(deriveAppPhase(workflow, healthy)).toBe(want);
  });
});
