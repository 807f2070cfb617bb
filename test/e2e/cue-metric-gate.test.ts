/**
 * `#PromCheck` of `vela/metrics` in a step written in CUE (examples/cue-steps/metric-gate.cue), end
 * to end on the sandbox: the gate reads the canary's success rate from the sandbox's simulated
 * traffic, keeps its timing in the step's status between commands, and lets a good v2 through or
 * fails the workflow for a bad one before the rest of the release applies.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

interface AppView {
  status: { workflow: { status: string; steps: { name: string; phase: string; message?: string }[] } };
}

async function story(v2File: string): Promise<{ code: number; stderr: string; app: AppView; run: typeof runCli }> {
  const env = { VELA_TS_SANDBOX: tempDir("vela-ts-cue-gate-") };
  const clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
  const run: typeof runCli = (argv, options = {}) => runCli(argv, { cwd: PROJECT_ROOT, env, clock, ...options });
  expect(
    (await run(["sandbox", "charts", "add", "https://charts.example.com/demo/", "examples/charts/repo"])).code,
  ).toBe(0);
  expect((await run(["def", "apply", "examples/cue-steps/metric-gate.cue"])).code).toBe(0);
  expect((await run(["up", "-f", "examples/analysis/checked-v1.yaml", "--wait"])).code).toBe(0);
  const up = await run(["up", "-f", v2File, "--wait"]);
  const status = await run(["status", "checked", "-o", "json"]);
  return { code: up.code, stderr: up.stderr, app: JSON.parse(status.stdout) as AppView, run };
}

describe("a CUE metric gate (vela/metrics #PromCheck) on the sandbox", () => {
  it("lets a good canary through once the success rate held for its duration", async () => {
    const { code, stderr, app, run } = await story("examples/analysis/cue-gated-v2.yaml");
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(app.status.workflow.status).toBe("succeeded");
    expect(app.status.workflow.steps.map((step) => [step.name, step.phase])).toEqual([
      ["rollout-20", "succeeded"],
      ["v2-healthy", "succeeded"],
      ["rollout-100", "succeeded"],
    ]);
    const request = await run([
      "sandbox",
      "request",
      "--host",
      "checked.example.com",
      "--path",
      "/version",
      "--count",
      "100",
      "-o",
      "json",
    ]);
    const shares = JSON.parse(request.stdout) as { byImage: Record<string, number> };
    expect(shares.byImage).toEqual({ "ghcr.io/vela-ts/demo-app:v2": 100 });
  });

  it("fails the workflow for a canary answering half its requests with 500, before the rest applies", async () => {
    const bad = join(tempDir("vela-ts-cue-gate-app-"), "bad.yaml");
    const good = readFileSync(join(PROJECT_ROOT, "examples/analysis/cue-gated-v2.yaml"), "utf8");
    expect(good).toContain('sandbox.vela-ts.dev/error-rate: "0"');
    writeFileSync(bad, good.replace('sandbox.vela-ts.dev/error-rate: "0"', 'sandbox.vela-ts.dev/error-rate: "0.5"'));
    const { code, app } = await story(bad);
    expect(code).toBe(3);
    expect(app.status.workflow.status).toBe("terminated");
    const gate = app.status.workflow.steps.find((step) => step.name === "v2-healthy");
    expect(gate?.phase).toBe("failed");
    expect(gate?.message).toMatch(
      /The healthy condition should be >=0\.95, but the query result is 0\.\d+, indicating failure\. The failure has persisted for 1m/,
    );
    expect(app.status.workflow.steps.find((step) => step.name === "rollout-100")?.phase).not.toBe("succeeded");
  });
});
