import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/errors/index.js";
import {
  findSuspendedSteps,
  isActivelyRunning,
  restartWorkflow,
  resumeWorkflow,
  suspendWorkflow,
  terminateWorkflow,
  WorkflowOperationError,
  type WorkflowSpec,
  type WorkflowStatus,
} from "../../src/workflow/index.js";
import { harness, normalise, runToEnd, st } from "./support.js";

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof WorkflowOperationError || error instanceof NotFoundError) return error.code;
    throw error;
  }
  return undefined;
}

const at0 = { firstExecuteTime: "+0s", lastExecuteTime: "+0s" };

describe("suspend and resume", () => {
  it("a person suspends a running run: running steps → suspending, timed suspends stop counting", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "hang" },
        { name: "b", type: "ok" },
      ],
    };
    await h.advance(spec);
    expect(isActivelyRunning(h.status)).toBe(true);
    const suspended = suspendWorkflow(h.status, "demo");
    expect(suspended.message).toBe("Successfully suspend workflow: demo");
    expect(normalise(suspended.status)).toEqual({
      appRevision: "demo-v1",
      mode: "StepByStep-DAG",
      status: "suspending",
      message: "the workflow is suspended",
      suspend: true,
      suspendState: "manual",
      terminated: false,
      finished: false,
      startTime: "+0s",
      steps: [
        st("a", "hang", "suspending", { reason: "Wait", message: "still going", ...at0 }),
        st("b", "ok", "pending"),
      ],
      context: { vars: {}, steps: {} },
    });
    expect(isActivelyRunning(suspended.status)).toBe(false);
    h.status = suspended.status;
    // While suspended nothing runs, whatever the time.
    h.clock.advanceSeconds(600);
    const still = await h.advance(spec);
    expect(still.waitingForPerson).toBe(true);
    expect(still.status).toEqual(suspended.status);

    const resumed = resumeWorkflow(h.status, "demo");
    expect(resumed.message).toBe("Successfully resume workflow: demo");
    expect(resumed.status?.suspend).toBe(false);
    expect(resumed.status?.suspendState).toBeUndefined();
    expect(resumed.status?.steps.map((step) => step.phase)).toEqual(["running", "pending"]);
  });

  it("a person's suspend over a timed suspend keeps it suspended past its time", async () => {
    const h = harness();
    const spec: WorkflowSpec = { steps: [{ name: "pause", type: "suspend", properties: { duration: "10s" } }] };
    await h.advance(spec);
    expect(findSuspendedSteps(h.status)).toEqual([
      {
        name: "pause",
        message: "suspended for 10s, resumes at 2026-01-01T00:00:10Z",
        suspendTime: "2026-01-01T00:00:00Z",
        resumeAt: "2026-01-01T00:00:10Z",
      },
    ]);
    h.status = suspendWorkflow(h.status, "demo").status;
    expect(findSuspendedSteps(h.status)).toEqual([
      {
        name: "pause",
        message: "suspended for 10s, resumes at 2026-01-01T00:00:10Z",
        suspendTime: "2026-01-01T00:00:00Z",
      },
    ]);
    h.clock.advanceSeconds(60);
    const result = await h.advance(spec);
    expect(result.status.suspend).toBe(true);
    expect(result.nextWakeAt).toBeUndefined();
    h.status = resumeWorkflow(h.status, "demo").status;
    expect((await h.advance(spec)).status.status).toBe("succeeded");
  });

  it.each([
    { name: "resume with no run", status: undefined, op: "resume", want: "E_WORKFLOW_NOT_RUNNING" },
    { name: "resume a run that is not suspended", status: "running", op: "resume", want: "E_WORKFLOW_NOT_SUSPENDED" },
    { name: "resume a finished run", status: "finished", op: "resume", want: "E_WORKFLOW_NOT_SUSPENDED" },
    { name: "resume a terminated run", status: "terminated", op: "resume", want: "E_WORKFLOW_TERMINATED" },
    { name: "suspend a finished run", status: "finished", op: "suspend", want: "E_WORKFLOW_FINISHED" },
    { name: "suspend a terminated run", status: "terminated", op: "suspend", want: "E_WORKFLOW_TERMINATED" },
    { name: "terminate a finished run", status: "finished", op: "terminate", want: "E_WORKFLOW_FINISHED" },
    { name: "terminate a running run", status: "running", op: "terminate", want: undefined },
    { name: "terminate twice", status: "terminated", op: "terminate", want: undefined },
  ] as const)("$name → $want", async ({ status, op, want }) => {
    const h = harness();
    const spec: WorkflowSpec = { steps: [{ name: "a", type: status === "finished" ? "ok" : "hang" }] };
    let saved: WorkflowStatus | undefined;
    if (status !== undefined) {
      saved = (await h.advance(spec)).status;
      if (status === "terminated") saved = terminateWorkflow(saved, "demo").status;
    }
    const apply = { resume: resumeWorkflow, suspend: suspendWorkflow, terminate: terminateWorkflow }[op];
    expect(codeOf(() => apply(saved, "demo"))).toBe(want);
  });

  it("says what to do when the run is not suspended", async () => {
    const h = harness();
    await h.advance({ steps: [{ name: "a", type: "hang" }] });
    try {
      resumeWorkflow(h.status, "demo");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: "E_WORKFLOW_NOT_SUSPENDED",
        message: "workflow demo is not suspended",
        hint: "it is executing; see `vela-ts status demo`",
      });
    }
  });
});

describe("terminate and restart", () => {
  it("terminate fails running steps with Terminate, keeps Timeout, skips the rest; restart runs afresh", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "late", type: "hang", timeout: "5s" },
        { name: "busy", type: "hang" },
        { name: "next", type: "ok", dependsOn: ["busy"] },
        { name: "notify", type: "ok", dependsOn: ["busy"], if: "always" },
      ],
    };
    await h.advance(spec);
    h.clock.advanceSeconds(5);
    // The timeout of "late" terminates the run; "busy" keeps running until a person terminates it.
    await h.advance(spec);
    const terminated = terminateWorkflow(h.status, "demo");
    expect(terminated.message).toBe("Successfully terminate workflow: demo");
    h.status = terminated.status;
    const result = await h.advance(spec);
    expect(normalise(result.status)).toEqual({
      appRevision: "demo-v1",
      mode: "DAG-DAG",
      status: "terminated",
      message: 'the workflow terminates because of the failed steps: step "late": the step timed out after 5s',
      suspend: false,
      terminated: true,
      finished: true,
      startTime: "+0s",
      endTime: "+5s",
      steps: [
        st("late", "hang", "failed", { reason: "Timeout", message: "the step timed out after 5s", ...at0 }),
        st("busy", "hang", "failed", {
          reason: "Terminate",
          message: "still going",
          firstExecuteTime: "+0s",
          lastExecuteTime: "+5s",
        }),
        st("next", "ok", "skipped", { reason: "Skip" }),
        st("notify", "ok", "succeeded", { firstExecuteTime: "+5s", lastExecuteTime: "+5s" }),
      ],
      context: { vars: {}, steps: {} },
    });
    expect(isActivelyRunning(result.status)).toBe(false);

    const restarted = restartWorkflow(h.status, "demo", spec);
    expect(restarted).toEqual({ status: undefined, message: "Successfully restart workflow: demo" });
    h.status = restarted.status;
    const fresh = await h.advance(spec);
    expect(fresh.status.steps.map((step) => [step.name, step.phase])).toEqual([
      ["late", "running"],
      ["busy", "running"],
      ["next", "pending"],
      ["notify", "pending"],
    ]);
  });

  it("restart --step clears that step, the steps after it and their variables, and re-runs from there", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: 'out:{"v":1}', outputs: [{ name: "first", valueFrom: "v" }] },
        { name: "b", type: 'out:{"v":2}', outputs: [{ name: "second", valueFrom: "v" }] },
        { name: "c", type: "fail" },
      ],
    };
    await runToEnd(h, spec);
    expect(h.status?.status).toBe("terminated");
    const restarted = restartWorkflow(h.status, "demo", spec, { step: "b" });
    expect(restarted.message).toBe("Successfully restart workflow demo from step b");
    expect(normalise(restarted.status)).toEqual({
      appRevision: "demo-v1",
      mode: "StepByStep-DAG",
      status: "executing",
      suspend: false,
      terminated: false,
      finished: false,
      startTime: "+0s",
      steps: [st("a", 'out:{"v":1}', "succeeded", at0), st("b", 'out:{"v":2}', "pending"), st("c", "fail", "pending")],
      context: { vars: { first: 1 }, steps: {} },
    });
    h.status = restarted.status;
    await h.advance(spec);
    expect(h.journal.events.filter((event) => event.startsWith("effect"))).toEqual([
      "effect:a",
      "effect:b",
      "effect:b",
    ]);
  });

  it("restart --step in DAG mode resets only the step and what depends on it", () => {
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "ok" },
        { name: "b", type: "ok", outputs: [{ name: "x", valueFrom: "x" }] },
        { name: "c", type: "ok", inputs: [{ from: "x" }] },
        { name: "d", type: "ok", dependsOn: ["c"] },
      ],
    };
    const done: WorkflowStatus = {
      appRevision: "r",
      mode: "DAG-DAG",
      status: "succeeded",
      suspend: false,
      terminated: false,
      finished: true,
      startTime: "t",
      endTime: "t",
      steps: ["a", "b", "c", "d"].map((name) => ({ id: name, name, type: "ok", phase: "succeeded" as const })),
      context: { vars: { x: 1 }, steps: {} },
    };
    const restarted = restartWorkflow(done, "demo", spec, { step: "b" });
    expect(restarted.status?.steps.map((step) => step.phase)).toEqual(["succeeded", "pending", "pending", "pending"]);
    expect(restarted.status?.context.vars).toEqual({});
    expect(restartWorkflow(done, "demo", spec, { step: "c" }).status?.steps.map((step) => step.phase)).toEqual([
      "succeeded",
      "succeeded",
      "pending",
      "pending",
    ]);
  });

  it("restart --step of an unknown step suggests the closest name", () => {
    const spec: WorkflowSpec = { steps: [{ name: "deploy", type: "ok" }] };
    const status: WorkflowStatus = {
      appRevision: "r",
      mode: "StepByStep-DAG",
      status: "succeeded",
      suspend: false,
      terminated: false,
      finished: true,
      startTime: "t",
      steps: [],
      context: { vars: {}, steps: {} },
    };
    try {
      restartWorkflow(status, "demo", spec, { step: "deploi" });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "E_STEP_NOT_FOUND", hint: 'did you mean "deploy"?' });
    }
  });
});
