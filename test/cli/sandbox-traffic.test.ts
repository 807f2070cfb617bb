import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { runCli, tempDir } from "../support/cli.js";
import { openSandbox } from "../../src/cluster/index.js";
import { FakeClock } from "../../src/util/clock.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { canonicalApp } from "../cluster/controllers/fixtures.js";
import { buildDemoRepository } from "../cluster/charts/chart-repo.js";

/** A sandbox directory holding the canonical app, settled through its grace periods with `clock`. */
async function seededSandbox(clock: FakeClock, objects: readonly KubeObject[]): Promise<string> {
  const dir = tempDir("vela-ts-sandbox-cli-");
  const sandbox = await openSandbox({ dir, clock, sync: false });
  try {
    for (const object of objects) await sandbox.apply(object);
    await sandbox.settle();
  } finally {
    sandbox.close();
  }
  return dir;
}

async function advance(
  dir: string,
  clock: FakeClock,
  change?: (sandbox: Awaited<ReturnType<typeof openSandbox>>) => Promise<void>,
): Promise<void> {
  const sandbox = await openSandbox({ dir, clock, sync: false });
  try {
    if (change !== undefined) await change(sandbox);
    await sandbox.settle();
    for (let i = 0; i < 100; i++) {
      const wake = sandbox.nextWakeAt();
      if (wake === undefined) break;
      clock.advance(wake.getTime() - clock.now().getTime());
      await sandbox.settle();
    }
  } finally {
    sandbox.close();
  }
}

describe("vela-ts sandbox request / rollout / charts", () => {
  it("request -o json counts answers per image, pod and status, deterministically with --seed", async () => {
    const clock = new FakeClock();
    const dir = await seededSandbox(clock, canonicalApp());
    const argv = [
      "sandbox",
      "request",
      "--host",
      "canary-demo.com",
      "--path",
      "/version",
      "--count",
      "500",
      "--seed",
      "4",
      "-o",
      "json",
      "--sandbox",
      dir,
    ];
    const first = await runCli(argv, { clock });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as {
      requests: number;
      byImage: Record<string, number>;
      byStatus: Record<string, number>;
      byPod: Record<string, number>;
    };
    expect(summary.requests).toBe(500);
    expect(summary.byImage).toEqual({ "barnett/canarydemo:v1": 500 });
    expect(summary.byStatus).toEqual({ "200": 500 });
    expect(Object.keys(summary.byPod)).toHaveLength(5);
    expect((await runCli(argv, { clock })).stdout).toBe(first.stdout);
  });

  it("request prints tables with count and share; unknown host answers 404", async () => {
    const clock = new FakeClock();
    const dir = await seededSandbox(clock, canonicalApp());
    const table = await runCli(
      ["sandbox", "request", "--host", "canary-demo.com", "--path", "/version", "--seed", "1", "--sandbox", dir],
      { clock },
    );
    expect(table.stdout).toMatch(/^IMAGE\s+COUNT\s+SHARE$/m);
    expect(table.stdout).toMatch(/^barnett\/canarydemo:v1\s+100\s+100\.0%$/m);
    const missing = await runCli(
      ["sandbox", "request", "--host", "nowhere.com", "--seed", "1", "-o", "json", "--sandbox", dir],
      { clock },
    );
    expect((JSON.parse(missing.stdout) as { byStatus: unknown }).byStatus).toEqual({ "404": 100 });
  });

  it("rollout approve moves a paused step on; approve elsewhere fails with the upstream text", async () => {
    const clock = new FakeClock();
    const dir = await seededSandbox(clock, canonicalApp());
    const refused = await runCli(["sandbox", "rollout", "approve", "canary-demo", "--sandbox", dir], { clock });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "error[E_ROLLOUT_NOT_PAUSED]: does not allow to approve, because current canary state is not 'StepPaused'",
    );
    await advance(dir, clock, async (sandbox) => {
      await sandbox.patch(
        { apiVersion: "apps/v1", kind: "Deployment", name: "canary-demo", namespace: "default" },
        {
          type: "json",
          patch: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "barnett/canarydemo:v2" }],
        },
      );
    });
    const before = clock.now().getTime();
    const approved = await runCli(["sandbox", "rollout", "approve", "canary-demo", "-n", "default", "--sandbox", dir], {
      clock,
    });
    expect(approved.stdout).toBe("rollout.rollouts.kruise.io/canary-demo approved\n");
    // It waited (on the injected clock) through the grace periods until step 2 paused: ≈90% now.
    expect(clock.now().getTime()).toBeGreaterThan(before);
    const share = JSON.parse(
      (
        await runCli(
          [
            "sandbox",
            "request",
            "--host",
            "canary-demo.com",
            "--path",
            "/version",
            "--count",
            "1000",
            "--seed",
            "2",
            "-o",
            "json",
            "--sandbox",
            dir,
          ],
          { clock },
        )
      ).stdout,
    ) as { byImage: Record<string, number> };
    expect(share.byImage["barnett/canarydemo:v2"]).toBeGreaterThan(850);
    const again = await runCli(["sandbox", "rollout", "approve", "canary-demo", "--no-wait", "--sandbox", dir], {
      clock,
    });
    expect(again.stdout).toBe("rollout.rollouts.kruise.io/canary-demo approved\n");
    const third = await runCli(["sandbox", "rollout", "approve", "canary-demo", "--sandbox", dir], { clock });
    expect(third.code).toBe(1);
    const missing = await runCli(["sandbox", "rollout", "approve", "nope", "--sandbox", dir], { clock });
    expect(missing.stderr).toContain("error[E_ROLLOUT_NOT_FOUND]");
  });

  it("rollout pause and resume toggle spec.strategy.paused", async () => {
    const clock = new FakeClock();
    const dir = await seededSandbox(clock, canonicalApp());
    expect((await runCli(["sandbox", "rollout", "pause", "canary-demo", "--sandbox", dir], { clock })).stdout).toBe(
      "rollout.rollouts.kruise.io/canary-demo paused\n",
    );
    expect((await runCli(["sandbox", "rollout", "pause", "canary-demo", "--sandbox", dir], { clock })).stdout).toBe(
      "rollout.rollouts.kruise.io/canary-demo already paused\n",
    );
    expect((await runCli(["sandbox", "rollout", "resume", "canary-demo", "--sandbox", dir], { clock })).stdout).toBe(
      "rollout.rollouts.kruise.io/canary-demo resumed\n",
    );
  });

  it("charts add writes the mirror file and charts list shows it", async () => {
    const dir = tempDir("vela-ts-sandbox-charts-");
    const repo = await buildDemoRepository();
    const added = await runCli([
      "sandbox",
      "charts",
      "add",
      "https://charts.example.com/demo/",
      join(repo, "index.yaml"),
      "--sandbox",
      dir,
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toBe(`chart mirror added: https://charts.example.com/demo → ${repo}\n`);
    expect(JSON.parse(readFileSync(join(dir, "chart-mirrors.json"), "utf8"))).toEqual({
      mirrors: { "https://charts.example.com/demo": repo },
    });
    const listed = await runCli(["sandbox", "charts", "list", "-o", "json", "--sandbox", dir]);
    expect(JSON.parse(listed.stdout)).toEqual({
      apiVersion: "v1",
      kind: "List",
      items: [{ url: "https://charts.example.com/demo", dir: repo }],
    });
    const bad = await runCli(["sandbox", "charts", "add", "ftp://x", repo, "--sandbox", dir]);
    expect(bad.code).toBe(2);
  });

  it.each([
    { name: "bad header", argv: ["-H", "no-colon"] },
    { name: "bad cookie", argv: ["--cookie", "novalue"] },
    { name: "bad count", argv: ["--count", "ten"] },
  ])("request usage errors: $name", async ({ argv }) => {
    const dir = tempDir("vela-ts-sandbox-usage-");
    const result = await runCli(["sandbox", "request", "--host", "x", ...argv, "--sandbox", dir]);
    expect(result.code).toBe(2);
  });
});
