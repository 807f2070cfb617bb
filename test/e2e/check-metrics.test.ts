import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

async function story(
  v2: string,
): Promise<{ up: Awaited<ReturnType<typeof runCli>>; run: typeof runCli; clock: FakeClock }> {
  const env = { VELA_TS_SANDBOX: tempDir("vela-ts-check-metrics-") };
  const clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
  const run: typeof runCli = (argv, options = {}) => runCli(argv, { cwd: PROJECT_ROOT, env, clock, ...options });
  expect(
    (await run(["sandbox", "charts", "add", "https://charts.example.com/demo/", "examples/charts/repo"])).code,
  ).toBe(0);
  expect((await run(["up", "-f", "examples/analysis/checked-v1.yaml", "--wait"])).code).toBe(0);
  const up = await run(["up", "-f", `examples/analysis/${v2}`, "--wait"]);
  return { up, run, clock };
}

describe("check-metrics on the sandbox", () => {
  it("fails the workflow when the canary's success rate stays under the condition for failDuration", async () => {
    const { up, run } = await story("checked-v2-bad.yaml");
    expect(up.code).toBe(3);
    const status = await run(["status", "checked", "-o", "json"]);
    const app = JSON.parse(status.stdout) as {
      status: { workflow: { status: string; steps: { name: string; phase: string; message?: string }[] } };
    };
    // KubeVela's step ends with builtin.#Fail: the step fails and the run is terminated.
    expect(app.status.workflow.status).toBe("terminated");
    const check = app.status.workflow.steps.find((step) => step.name === "v2-healthy");
    expect(check?.phase).toBe("failed");
    expect(check?.message).toMatch(
      /The healthy condition should be >=0\.95, but the query result is 0\.\d+, indicating failure\. The failure has persisted for 1m/,
    );
    expect(app.status.workflow.steps.find((step) => step.name === "rollout-100")?.phase).not.toBe("succeeded");
  });

  it("lets a good canary through after the condition held for duration", async () => {
    const { up, run } = await story("checked-v2-good.yaml");
    expect({ code: up.code, stderr: up.stderr }).toMatchObject({ code: 0 });
    const status = await run(["status", "checked", "-o", "json"]);
    const app = JSON.parse(status.stdout) as {
      status: { workflow: { status: string; steps: { name: string; phase: string }[] } };
    };
    expect(app.status.workflow.status).toBe("succeeded");
    const request = await run([
      "sandbox",
      "request",
      "--host",
      "checked.example.com",
      "--path",
      "/version",
      "--count",
      "200",
      "-o",
      "json",
    ]);
    const shares = JSON.parse(request.stdout) as { byImage: Record<string, number> };
    expect(shares.byImage).toEqual({ "ghcr.io/vela-ts/demo-app:v2": 200 });
  });
});
