import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/index.js";
import { resumeWorkflow, type WorkflowSpec } from "../../src/workflow/index.js";
import { harness, noHooks, normalise, runToEnd, st } from "./support.js";

/** A whole normalised workflow status: KubeVela's fields with the given overrides. */
function run(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    appRevision: "demo-v1",
    mode: "StepByStep-DAG",
    status: "succeeded",
    suspend: false,
    terminated: false,
    finished: true,
    startTime: "+0s",
    endTime: "+0s",
    context: { vars: {}, steps: {} },
    ...overrides,
  };
}

const at0 = { firstExecuteTime: "+0s", lastExecuteTime: "+0s" };

describe("advanceWorkflow: StepByStep", () => {
  it("runs steps in order and finishes in one call", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "ok" },
        { name: "b", type: "ok" },
        { name: "c", type: "ok" },
      ],
    };
    const result = await h.advance(spec);
    expect(normalise(result)).toEqual({
      status: run({
        steps: [st("a", "ok", "succeeded", at0), st("b", "ok", "succeeded", at0), st("c", "ok", "succeeded", at0)],
      }),
      waitingSteps: [],
      waitingForPerson: false,
    });
    expect(h.journal.events.filter((event) => event.startsWith("effect"))).toEqual([
      "effect:a",
      "effect:b",
      "effect:c",
    ]);
  });

  it("a waiting step blocks the steps after it until it succeeds", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "wait:2" },
        { name: "b", type: "ok" },
      ],
    };
    const first = await h.advance(spec);
    expect(normalise(first)).toEqual({
      status: run({
        status: "executing",
        finished: false,
        endTime: undefined,
        message: 'step "a": waiting (1/2)',
        steps: [
          st("a", "wait:2", "running", { reason: "Wait", message: "waiting (1/2)", ...at0 }),
          st("b", "ok", "pending"),
        ],
        context: { vars: {}, steps: { a: { data: { attempts: 1 } } } },
      }),
      waitingSteps: ["a"],
      waitingForPerson: false,
    });
    h.clock.advanceSeconds(5);
    await h.advance(spec);
    h.clock.advanceSeconds(5);
    const last = await h.advance(spec);
    expect(normalise(last.status)).toEqual(
      run({
        endTime: "+10s",
        steps: [
          st("a", "wait:2", "succeeded", { firstExecuteTime: "+0s", lastExecuteTime: "+10s" }),
          st("b", "ok", "succeeded", { firstExecuteTime: "+10s", lastExecuteTime: "+10s" }),
        ],
      }),
    );
  });

  it("saves after every step transition and not when nothing changed", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "ok" },
        { name: "s", type: "suspend" },
      ],
    };
    await h.advance(spec);
    expect(h.journal.events).toEqual(["save:0", "effect:a", "save:1", "save:2"]);
    expect(h.saves.map((save) => save.steps.map((step) => step.phase))).toEqual([
      ["pending", "pending"],
      ["succeeded", "pending"],
      ["succeeded", "suspending"],
    ]);
    await h.advance(spec);
    expect(h.saves).toHaveLength(3);
  });

  it("reports each step transition through hooks.log", async () => {
    const lines: string[] = [];
    const h = harness({ hooks: noHooks({ log: (line) => lines.push(line) }) });
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "ok" },
        { name: "b", type: "wait:1" },
        { name: "c", type: "ok" },
      ],
    };
    await h.advance(spec);
    await h.advance(spec);
    expect(lines).toEqual([
      "step a succeeded",
      "step b running (Wait): waiting (1/1)",
      "step b succeeded",
      "step c succeeded",
    ]);
  });
});

describe("advanceWorkflow: DAG", () => {
  it("runs every ready step in the same call and holds dependants until their dependencies finish", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "c", type: "ok", dependsOn: ["a", "b"] },
        { name: "a", type: "wait:1" },
        { name: "b", type: "ok" },
        { name: "d", type: "ok", dependsOn: ["b"] },
      ],
    };
    const first = await h.advance(spec);
    expect(normalise(first.status)).toEqual(
      run({
        mode: "DAG-DAG",
        status: "executing",
        finished: false,
        endTime: undefined,
        message: 'step "a": waiting (1/1)',
        steps: [
          st("c", "ok", "pending"),
          st("a", "wait:1", "running", { reason: "Wait", message: "waiting (1/1)", ...at0 }),
          st("b", "ok", "succeeded", at0),
          st("d", "ok", "succeeded", at0),
        ],
        context: { vars: {}, steps: { a: { data: { attempts: 1 } } } },
      }),
    );
    const second = await h.advance(spec);
    expect(normalise(second.status)).toEqual(
      run({
        mode: "DAG-DAG",
        steps: [
          st("c", "ok", "succeeded", at0),
          st("a", "wait:1", "succeeded", at0),
          st("b", "ok", "succeeded", at0),
          st("d", "ok", "succeeded", at0),
        ],
      }),
    );
    expect(h.journal.events.filter((event) => event.startsWith("effect"))).toEqual([
      "effect:b",
      "effect:d",
      "effect:a",
      "effect:c",
    ]);
  });

  it("skips a step whose dependency failed, unless its if is always", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "fail" },
        { name: "b", type: "ok", dependsOn: ["a"] },
        { name: "cleanup", type: "ok", dependsOn: ["a"], if: "always" },
      ],
    };
    const result = await h.advance(spec);
    expect(normalise(result.status)).toEqual(
      run({
        mode: "DAG-DAG",
        status: "terminated",
        terminated: true,
        message: 'the workflow terminates because of the failed steps: step "a": it broke',
        steps: [
          st("a", "fail", "failed", { reason: "Action", message: "it broke", ...at0 }),
          st("b", "ok", "skipped", { reason: "Skip" }),
          st("cleanup", "ok", "succeeded", at0),
        ],
      }),
    );
  });
});

describe("advanceWorkflow: if", () => {
  it("decides each step from empty, always, CEL over status, and an invalid expression", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "fail" },
        { name: "plain", type: "ok" },
        { name: "always", type: "ok", if: "always" },
        { name: "on-failure", type: "ok", if: 'status.a.failed && status.a.reason == "Action"' },
        { name: "on-success", type: "ok", if: 'status.a.phase == "succeeded"' },
        { name: "broken", type: "ok", if: "status.a.phase ==" },
        { name: "by-context", type: "ok", if: 'context.appName == "demo" && context.stepName == "by-context"' },
      ],
    };
    const result = await h.advance(spec);
    const broken = result.status.steps.find((step) => step.name === "broken");
    expect(broken?.message).toMatch(/^CEL expression "status\.a\.phase =="/);
    expect(normalise(result.status)).toEqual(
      run({
        status: "terminated",
        terminated: true,
        message: 'the workflow terminates because of the failed steps: step "a": it broke',
        steps: [
          st("a", "fail", "failed", { reason: "Action", message: "it broke", ...at0 }),
          st("plain", "ok", "skipped", { reason: "Skip" }),
          st("always", "ok", "succeeded", at0),
          st("on-failure", "ok", "succeeded", at0),
          st("on-success", "ok", "skipped", { reason: "Skip" }),
          st("broken", "ok", "skipped", { reason: "Skip", message: broken?.message }),
          st("by-context", "ok", "succeeded", at0),
        ],
      }),
    );
  });

  it("reads inputs in a CEL if", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "ask", type: 'out:{"answer":"yes"}', outputs: [{ name: "approved", valueFrom: "answer" }] },
        { name: "go", type: "ok", inputs: [{ from: "approved" }], if: 'inputs.approved == "yes"' },
        { name: "stop", type: "ok", inputs: [{ from: "approved" }], if: 'inputs.approved == "no"' },
      ],
    };
    const result = await h.advance(spec);
    expect(normalise(result.status)).toEqual(
      run({
        context: { vars: { approved: "yes" }, steps: {} },
        steps: [
          st("ask", 'out:{"answer":"yes"}', "succeeded", at0),
          st("go", "ok", "succeeded", at0),
          st("stop", "ok", "skipped", { reason: "Skip" }),
        ],
      }),
    );
  });
});

describe("advanceWorkflow: timeout", () => {
  it("fails a step that runs past its timeout, terminates the run, and runs only steps that ask for it", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "slow", type: "hang", timeout: "30s" },
        { name: "next", type: "ok" },
        { name: "report", type: "ok", if: "status.slow.timeout" },
      ],
    };
    const first = await h.advance(spec);
    expect(first.nextWakeAt).toBe("2026-01-01T00:00:30Z");
    h.clock.advanceSeconds(29);
    expect((await h.advance(spec)).status.steps.map((step) => step.phase)).toEqual(["running", "pending", "pending"]);
    h.clock.advanceSeconds(1);
    const result = await h.advance(spec);
    expect(normalise(result)).toEqual({
      status: run({
        status: "terminated",
        terminated: true,
        endTime: "+30s",
        message: 'the workflow terminates because of the failed steps: step "slow": the step timed out after 30s',
        steps: [
          st("slow", "hang", "failed", {
            reason: "Timeout",
            message: "the step timed out after 30s",
            firstExecuteTime: "+0s",
            lastExecuteTime: "+29s",
          }),
          st("next", "ok", "skipped", { reason: "Skip" }),
          st("report", "ok", "succeeded", { firstExecuteTime: "+30s", lastExecuteTime: "+30s" }),
        ],
      }),
      waitingSteps: [],
      waitingForPerson: false,
    });
  });
});

describe("advanceWorkflow: retries", () => {
  it("retries a failing step with growing backoff, then fails the workflow with FailedAfterRetries", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "flaky" },
        { name: "b", type: "ok" },
      ],
    };
    const delays: number[] = [];
    let result = await h.advance(spec);
    expect(normalise(result)).toEqual({
      status: run({
        status: "executing",
        finished: false,
        endTime: undefined,
        message: 'step "a": connection refused',
        steps: [
          st("a", "flaky", "failed", { reason: "Execute", message: "connection refused", ...at0 }),
          st("b", "ok", "pending"),
        ],
        context: { vars: {}, steps: { a: { retries: 1, nextAttemptTime: "+1s" } } },
      }),
      nextWakeAt: "+1s",
      waitingSteps: [],
      waitingForPerson: false,
    });
    // Before the backoff has passed nothing runs.
    await h.advance(spec);
    expect(h.status?.context.steps["a"]?.retries).toBe(1);
    while (!result.status.finished) {
      const wake = Date.parse(result.nextWakeAt ?? "");
      delays.push((wake - h.clock.now().getTime()) / 1000);
      h.clock.advance(wake - h.clock.now().getTime());
      result = await h.advance(spec);
    }
    // 2^n × 0.05 s, at least 1 s, rounded up to whole seconds: n = 1…9.
    expect(delays).toEqual([1, 1, 1, 1, 2, 4, 7, 13, 26]);
    const end = `+${delays.reduce((sum, delay) => sum + delay, 0)}s`;
    expect(normalise(result.status)).toEqual(
      run({
        status: "failed",
        terminated: true,
        endTime: end,
        message: 'step "a": connection refused (failed after retries)',
        steps: [
          st("a", "flaky", "failed", {
            reason: "FailedAfterRetries",
            message: "connection refused",
            firstExecuteTime: "+0s",
            lastExecuteTime: end,
          }),
          st("b", "ok", "skipped", { reason: "Skip" }),
        ],
        context: { vars: {}, steps: { a: { retries: 10 } } },
      }),
    );
  });

  it("a step that fails then recovers clears its retry memory and the run goes on", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "fail-then-ok:2" },
        { name: "b", type: "ok" },
      ],
    };
    const result = await runToEnd(h, spec);
    expect(normalise(result.status)).toEqual(
      run({
        endTime: "+2s",
        steps: [
          st("a", "fail-then-ok:2", "succeeded", { firstExecuteTime: "+0s", lastExecuteTime: "+2s" }),
          st("b", "ok", "succeeded", { firstExecuteTime: "+2s", lastExecuteTime: "+2s" }),
        ],
      }),
    );
  });

  it("times out a step that is waiting for its next retry", async () => {
    const h = harness();
    const spec: WorkflowSpec = { steps: [{ name: "a", type: "flaky", timeout: "500ms" }] };
    await h.advance(spec);
    h.clock.advance(500);
    const result = await h.advance(spec);
    expect(normalise(result.status.steps)).toEqual([
      st("a", "flaky", "failed", { reason: "Timeout", message: "the step timed out after 500ms", ...at0 }),
    ]);
    expect(result.status.context.steps).toEqual({});
  });

  it("honours a smaller retry limit", async () => {
    const h = harness({ maxRetries: 2 });
    const result = await runToEnd(h, { steps: [{ name: "a", type: "flaky" }] });
    expect(result.status.steps[0]).toMatchObject({ phase: "failed", reason: "FailedAfterRetries" });
    expect(result.status.status).toBe("failed");
  });
});

describe("advanceWorkflow: suspend", () => {
  it("stops at a suspend step until resumed, then the step succeeds and the run goes on", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "a", type: "ok" },
        { name: "gate", type: "suspend", properties: { message: "check the canary" } },
        { name: "b", type: "ok" },
      ],
    };
    const first = await h.advance(spec);
    expect(normalise(first)).toEqual({
      status: run({
        status: "suspending",
        suspend: true,
        finished: false,
        endTime: undefined,
        message: 'step "gate": check the canary',
        steps: [
          st("a", "ok", "succeeded", at0),
          st("gate", "suspend", "suspending", { reason: "Suspend", message: "check the canary", ...at0 }),
          st("b", "ok", "pending"),
        ],
        context: { vars: {}, steps: { gate: { suspendTime: "+0s" } } },
      }),
      waitingSteps: [],
      waitingForPerson: true,
    });
    h.clock.advanceSeconds(3600);
    expect((await h.advance(spec)).status).toEqual(first.status);
    h.status = resumeWorkflow(h.status, "demo").status;
    const done = await h.advance(spec);
    expect(normalise(done.status)).toEqual(
      run({
        endTime: "+3600s",
        steps: [
          st("a", "ok", "succeeded", at0),
          st("gate", "suspend", "succeeded", { firstExecuteTime: "+0s", lastExecuteTime: "+3600s" }),
          st("b", "ok", "succeeded", { firstExecuteTime: "+3600s", lastExecuteTime: "+3600s" }),
        ],
      }),
    );
  });

  it("resumes a timed suspend on its own when the clock passes the stored time", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        { name: "pause", type: "suspend", properties: { duration: "30s" } },
        { name: "b", type: "ok" },
      ],
    };
    const first = await h.advance(spec);
    expect(first.nextWakeAt).toBe("2026-01-01T00:00:30Z");
    expect(first.waitingForPerson).toBe(false);
    expect(first.status.steps[0]?.message).toBe("suspended for 30s, resumes at 2026-01-01T00:00:30Z");
    h.clock.advanceSeconds(29);
    expect((await h.advance(spec)).status.suspend).toBe(true);
    h.clock.advanceSeconds(1);
    const done = await h.advance(spec);
    expect(normalise(done.status)).toEqual(
      run({
        endTime: "+30s",
        steps: [
          st("pause", "suspend", "succeeded", { firstExecuteTime: "+0s", lastExecuteTime: "+30s" }),
          st("b", "ok", "succeeded", { firstExecuteTime: "+30s", lastExecuteTime: "+30s" }),
        ],
      }),
    );
  });
});

describe("advanceWorkflow: step-group", () => {
  it("runs sub-steps as a DAG and auto-resumes a timed suspend inside the group (KubeVela #4508)", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        {
          name: "group",
          type: "step-group",
          subSteps: [
            { name: "x", type: "ok" },
            { name: "pause", type: "suspend", properties: { duration: "10s" } },
            { name: "z", type: "ok", dependsOn: ["pause"] },
          ],
        },
        { name: "after", type: "ok" },
      ],
    };
    const first = await h.advance(spec);
    expect(normalise(first)).toEqual({
      status: run({
        status: "suspending",
        suspend: true,
        finished: false,
        endTime: undefined,
        message: 'step "pause": suspended for 10s, resumes at +10s',
        steps: [
          st("group", "step-group", "suspending", {
            reason: "Suspend",
            message: 'sub-step "pause" is suspended: suspended for 10s, resumes at +10s',
            ...at0,
            subSteps: [
              st("x", "ok", "succeeded", at0),
              st("pause", "suspend", "suspending", {
                reason: "Suspend",
                message: "suspended for 10s, resumes at +10s",
                ...at0,
              }),
              st("z", "ok", "pending"),
            ],
          }),
          st("after", "ok", "pending"),
        ],
        context: {
          vars: {},
          steps: { pause: { suspendTime: "+0s", resumeAt: "+10s" }, group: { suspendTime: "+0s" } },
        },
      }),
      nextWakeAt: "+10s",
      waitingSteps: [],
      waitingForPerson: false,
    });
    h.clock.advanceSeconds(10);
    const done = await h.advance(spec);
    const t10 = { firstExecuteTime: "+10s", lastExecuteTime: "+10s" };
    expect(normalise(done.status)).toEqual(
      run({
        endTime: "+10s",
        steps: [
          st("group", "step-group", "succeeded", {
            firstExecuteTime: "+0s",
            lastExecuteTime: "+10s",
            subSteps: [
              st("x", "ok", "succeeded", at0),
              st("pause", "suspend", "succeeded", { firstExecuteTime: "+0s", lastExecuteTime: "+10s" }),
              st("z", "ok", "succeeded", t10),
            ],
          }),
          st("after", "ok", "succeeded", t10),
        ],
      }),
    );
  });

  it("skips the sub-steps of a skipped group and fails a group whose sub-step failed", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        {
          name: "g1",
          type: "step-group",
          mode: "StepByStep",
          subSteps: [
            { name: "bad", type: "fail" },
            { name: "never", type: "ok" },
          ],
        },
        { name: "g2", type: "step-group", subSteps: [{ name: "y", type: "ok" }] },
      ],
    };
    const result = await h.advance(spec);
    expect(normalise(result.status)).toEqual(
      run({
        status: "terminated",
        terminated: true,
        message: 'the workflow terminates because of the failed steps: step "bad": it broke',
        steps: [
          st("g1", "step-group", "failed", {
            reason: "Action",
            message: 'sub-step "bad" failed: it broke',
            ...at0,
            subSteps: [
              st("bad", "fail", "failed", { reason: "Action", message: "it broke", ...at0 }),
              st("never", "ok", "skipped", { reason: "Skip" }),
            ],
          }),
          st("g2", "step-group", "skipped", {
            reason: "Skip",
            subSteps: [st("y", "ok", "skipped", { reason: "Skip" })],
          }),
        ],
      }),
    );
  });

  it("times out the unfinished sub-steps of a group that times out", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      steps: [
        {
          name: "g",
          type: "step-group",
          timeout: "1m",
          subSteps: [
            { name: "quick", type: "ok" },
            { name: "slow", type: "hang" },
          ],
        },
      ],
    };
    await h.advance(spec);
    h.clock.advanceSeconds(60);
    const result = await h.advance(spec);
    expect(normalise(result.status.steps)).toEqual([
      st("g", "step-group", "failed", {
        reason: "Timeout",
        message: "the step timed out after 1m",
        ...at0,
        subSteps: [
          st("quick", "ok", "succeeded", at0),
          st("slow", "hang", "failed", { reason: "Timeout", message: "the step timed out after 1m", ...at0 }),
        ],
      }),
    ]);
    expect(result.status.status).toBe("terminated");
  });
});

describe("advanceWorkflow: inputs and outputs", () => {
  it("passes outputs to later steps' parameters, by path and by CEL", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        {
          name: "use",
          type: "echo",
          properties: { keep: 1 },
          inputs: [
            { from: "ip", parameterKey: "target.address" },
            { from: "url", parameterKey: "url" },
          ],
        },
        {
          name: "make",
          type: 'out:{"output":{"status":{"podIP":"10.0.0.7"}}}',
          outputs: [
            { name: "ip", valueFrom: "output.status.podIP" },
            { name: "url", valueFrom: '"http://" + output.status.podIP + ":80"' },
          ],
        },
      ],
    };
    const result = await h.advance(spec);
    expect(h.journal.params["use"]).toEqual({ keep: 1, target: { address: "10.0.0.7" }, url: "http://10.0.0.7:80" });
    expect(result.status.context.vars).toEqual({ ip: "10.0.0.7", url: "http://10.0.0.7:80" });
    expect(result.status.status).toBe("succeeded");
  });

  it("keeps a step pending while its input may still come, and fails it when no step can produce it", async () => {
    const h = harness();
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "producer", type: "wait:1", outputs: [{ name: "token", valueFrom: "missing" }] },
        { name: "consumer", type: "ok", inputs: [{ from: "token" }] },
        { name: "orphan", type: "ok", inputs: [{ from: "nobody" }] },
      ],
    };
    const first = await h.advance(spec);
    expect(normalise(first.status.steps)).toEqual([
      st("producer", "wait:1", "running", { reason: "Wait", message: "waiting (1/1)", ...at0 }),
      st("consumer", "ok", "pending", { message: 'waiting for input "token"' }),
      st("orphan", "ok", "failed", {
        reason: "Input",
        message: 'input "nobody" is not produced by any step that can still run',
      }),
    ]);
    const second = await h.advance(spec);
    expect(normalise(second.status.steps)).toEqual([
      st("producer", "wait:1", "failed", {
        reason: "Output",
        message: 'output "token": "missing" is not in the step\'s value',
        ...at0,
      }),
      st("consumer", "ok", "failed", {
        reason: "Input",
        message: 'input "token" is not produced by any step that can still run',
      }),
      st("orphan", "ok", "failed", {
        reason: "Input",
        message: 'input "nobody" is not produced by any step that can still run',
      }),
    ]);
    expect(second.status.status).toBe("terminated");
  });
});

describe("advanceWorkflow: runs and specs", () => {
  it("starts a fresh run when the saved status belongs to another revision", async () => {
    const h = harness();
    const spec: WorkflowSpec = { steps: [{ name: "a", type: "ok" }] };
    await h.advance(spec);
    h.status = { ...(h.status as NonNullable<typeof h.status>), appRevision: "demo-v0" };
    const again = await h.advance(spec);
    expect(again.status.appRevision).toBe("demo-v1");
    expect(h.journal.events.filter((event) => event === "effect:a")).toHaveLength(2);
  });

  it("does nothing for a finished run", async () => {
    const h = harness();
    const spec: WorkflowSpec = { steps: [{ name: "a", type: "ok" }] };
    await h.advance(spec);
    const saves = h.saves.length;
    await h.advance(spec);
    expect(h.saves).toHaveLength(saves);
  });

  it("succeeds at once with no steps, and a terminate outcome ends the run", async () => {
    expect((await harness().advance({ steps: [] })).status.status).toBe("succeeded");
    const result = await harness().advance({
      steps: [
        { name: "t", type: "terminate" },
        { name: "b", type: "ok" },
      ],
    });
    expect(normalise(result.status)).toEqual(
      run({
        status: "terminated",
        terminated: true,
        message: 'the workflow was terminated by step "t": enough',
        steps: [
          st("t", "terminate", "succeeded", { reason: "Terminate", message: "enough", ...at0 }),
          st("b", "ok", "skipped", { reason: "Skip" }),
        ],
      }),
    );
  });

  it("fails an unknown step type for good when there is no fallback", async () => {
    const h = harness({ registry: { runners: new Map() } });
    const result = await h.advance({ steps: [{ name: "a", type: "nope" }] });
    expect(result.status.steps[0]).toMatchObject({
      phase: "failed",
      reason: "Rendering",
      message: 'step type "nope" is not defined',
    });
  });

  it("rejects an invalid spec with every problem", async () => {
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "ok", dependsOn: ["b"] },
        { name: "b", type: "ok", dependsOn: ["a"] },
        { name: "c", type: "ok", timeout: "soon", dependsOn: ["x"] },
        { name: "d", type: "step-group", subSteps: [{ name: "c", type: "ok" }] },
      ],
    };
    const error = await harness()
      .advance(spec)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => [issue.code, issue.path])).toEqual([
      ["E_WORKFLOW_TIMEOUT", "/spec/workflow/steps/2/timeout"],
      ["E_WORKFLOW_STEP_DUPLICATE", "/spec/workflow/steps/3/subSteps/0/name"],
      ["E_WORKFLOW_DEPENDS_ON", "/spec/workflow/steps/2/dependsOn/0"],
      ["E_WORKFLOW_CYCLE", "/spec/workflow/steps/0/dependsOn"],
    ]);
  });
});
