/**
 * Metric-driven releases on the sandbox, no person involved (docs/analysis.md): a Kruise Rollout
 * whose steps each carry an analysis of the canary's success rate. A bad v2 rolls itself back at the
 * first analysed step; a good v2 promotes itself through three analysed steps to 100%; a metric that
 * cannot be read leaves the release waiting for a person.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

const V1 = "ghcr.io/vela-ts/demo-app:v1";
const V2 = "ghcr.io/vela-ts/demo-app:v2";

interface Story {
  readonly run: (argv: string[]) => Promise<CliRun>;
  readonly clock: FakeClock;
}

async function releasedV1(v1 = "examples/analysis/analysed-v1.yaml"): Promise<Story> {
  const env = { VELA_TS_SANDBOX: tempDir("vela-ts-analysis-") };
  const clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
  const run = (argv: string[]): Promise<CliRun> => runCli(argv, { cwd: PROJECT_ROOT, env, clock });
  expect(
    (await run(["sandbox", "charts", "add", "https://charts.example.com/demo/", "examples/charts/repo"])).code,
  ).toBe(0);
  expect((await run(["up", "-f", v1, "--wait"])).code).toBe(0);
  return { run, clock };
}

/** An example with `argo-rollout` in place of `kruise-rollout` (the trait takes the same steps). */
function withArgo(file: string): string {
  const dir = tempDir("vela-ts-analysis-argo-");
  const text = readFileSync(join(PROJECT_ROOT, file), "utf8").replace("- type: kruise-rollout", "- type: argo-rollout");
  expect(text).toContain("- type: argo-rollout");
  writeFileSync(join(dir, "app.yaml"), text);
  return join(dir, "app.yaml");
}

async function shares(story: Story): Promise<Record<string, number>> {
  const request = await story.run([
    "sandbox",
    "request",
    "--host",
    "analysed.example.com",
    "--path",
    "/version",
    "--count",
    "1000",
    "-o",
    "json",
  ]);
  return (JSON.parse(request.stdout) as { byImage: Record<string, number> }).byImage;
}

async function podsOf(story: Story, image: string): Promise<string[]> {
  const listed = await story.run(["sandbox", "get", "pods", "-o", "json"]);
  const pods = JSON.parse(listed.stdout) as {
    items: { metadata: { name: string; uid: string }; spec: { containers: { image: string }[] } }[];
  };
  return pods.items
    .filter((pod) => pod.spec.containers[0]?.image === image)
    .map((pod) => `${pod.metadata.name}/${pod.metadata.uid}`)
    .sort();
}

interface AppStatus {
  readonly status: {
    readonly latestRevision: { readonly name: string };
    readonly rollback?: { readonly from: string; readonly to: string; readonly reason?: string };
    readonly analysis?: Record<
      string,
      { phase: string; step: number; metrics: { measurements: { phase: string; value?: string }[] }[] }
    >;
  };
}

async function appStatus(story: Story): Promise<AppStatus> {
  return JSON.parse((await story.run(["status", "analysed", "-o", "json"])).stdout) as AppStatus;
}

describe("analysed canary steps on the sandbox", () => {
  it("rolls a bad v2 back by itself at the first analysed step: all traffic on v1, stable pods untouched", async () => {
    const story = await releasedV1();
    const stableBefore = await podsOf(story, V1);
    expect(stableBefore).toHaveLength(5);
    const up = await story.run(["up", "-f", "examples/analysis/analysed-v2-bad.yaml", "--wait"]);
    expect(up.code).toBe(3);
    expect(up.stdout).toMatch(
      /rolled back by its analysis: Rollout default\/analysed step 1 analysis failed: metric "success-rate" assessed Failed: value 0\.\d+ against successCondition result >= 0\.95 \(failed 1 > failureLimit 0\)/,
    );
    const app = await appStatus(story);
    expect(app.status.latestRevision.name).toBe("analysed-v1");
    expect(app.status.rollback).toMatchObject({ from: "analysed-v2", to: "analysed-v1" });
    expect(app.status.rollback?.reason).toMatch(/value 0\.\d+ against successCondition result >= 0\.95/);
    const run = app.status.analysis?.["analysed"];
    expect(run).toMatchObject({ phase: "Failed", step: 1 });
    expect(run?.metrics[0]?.measurements.map((m) => m.phase)).toEqual(["Failed"]);
    expect(await shares(story)).toEqual({ [V1]: 1000 });
    expect(await podsOf(story, V2)).toEqual([]);
    expect(await podsOf(story, V1)).toEqual(stableBefore);
  });

  it("promotes a good v2 by itself through three analysed steps to 100%", async () => {
    const story = await releasedV1();
    const started = story.clock.now().getTime();
    const up = await story.run(["up", "-f", "examples/analysis/analysed-v2-good.yaml", "--wait"]);
    expect({ code: up.code, stdout: up.stdout }).toMatchObject({ code: 0 });
    expect(up.stdout).toContain("the workflow finished and every component is healthy");
    const app = await appStatus(story);
    expect(app.status.latestRevision.name).toBe("analysed-v2");
    // The last analysed step (80%) passed with two Successful measurements of a success rate of 1.
    const run = app.status.analysis?.["analysed"];
    expect(run).toMatchObject({ phase: "Successful", step: 3 });
    expect(run?.metrics[0]?.measurements).toEqual([
      expect.objectContaining({ phase: "Successful", value: "1" }),
      expect.objectContaining({ phase: "Successful", value: "1" }),
    ]);
    // Three steps of 30 s initial delay + 30 s interval each: at least 3 minutes of simulated time.
    expect(story.clock.now().getTime() - started).toBeGreaterThanOrEqual(180_000);
    expect(await shares(story)).toEqual({ [V2]: 1000 });
  });

  it("waits for a person when the metric cannot be read (Prometheus down): never promotes on missing data", async () => {
    const story = await releasedV1();
    const dir = tempDir("vela-ts-analysis-app-");
    const down = readFileSync(join(PROJECT_ROOT, "examples/analysis/analysed-v2-good.yaml"), "utf8").replace(
      /sandbox:\n(\s+)metric: success-rate\n\s+window: 1m/,
      (_match, indent: string) =>
        `prometheus:\n${indent}address: http://127.0.0.1:9\n${indent}query: sum(rate(nginx_ingress_controller_requests[1m]))`,
    );
    expect(down).toContain("address: http://127.0.0.1:9");
    writeFileSync(join(dir, "app.yaml"), down);
    const up = await story.run(["up", "-f", join(dir, "app.yaml"), "--wait"]);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(
      /waiting: Rollout default\/analysed step 1 analysis is inconclusive: metric "success-rate" could not be measured 5 times in a row \(consecutiveErrorLimit 4\): Prometheus at http:\/\/127\.0\.0\.1:9 did not answer/,
    );
    const byImage = await shares(story);
    // Still at step 1: about 20% on v2.
    expect(byImage[V2]).toBeGreaterThan(120);
    expect(byImage[V2]).toBeLessThan(280);
    expect((await appStatus(story)).status.latestRevision.name).toBe("analysed-v2");
  });

  it("rolls a bad v2 back with argo-rollout too: the analysis runs at the pause that ends each step", async () => {
    const story = await releasedV1(withArgo("examples/analysis/analysed-v1.yaml"));
    const up = await story.run(["up", "-f", withArgo("examples/analysis/analysed-v2-bad.yaml"), "--wait"]);
    expect(up.code).toBe(3);
    expect(up.stdout).toMatch(
      /rolled back by its analysis: Rollout default\/analysed step 1 analysis failed: metric "success-rate"/,
    );
    expect((await appStatus(story)).status.latestRevision.name).toBe("analysed-v1");
    expect(await shares(story)).toEqual({ [V1]: 1000 });
  });

  it("promotes a good v2 with argo-rollout through its analysed steps", async () => {
    const story = await releasedV1(withArgo("examples/analysis/analysed-v1.yaml"));
    const up = await story.run(["up", "-f", withArgo("examples/analysis/analysed-v2-good.yaml"), "--wait"]);
    expect({ code: up.code, stdout: up.stdout }).toMatchObject({ code: 0 });
    expect((await appStatus(story)).status.analysis?.["analysed"]).toMatchObject({ phase: "Successful", step: 3 });
    expect(await shares(story)).toEqual({ [V2]: 1000 });
  });
});
