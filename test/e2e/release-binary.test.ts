/**
 * The release loop through the built binary (`node bin/vela-ts.js`, real clock, real sleeps, one
 * process per command, state only in the sandbox directory): story 1 from start to rollback, two
 * workflow commands at once on one sandbox, and a `up --wait` killed with SIGKILL mid-run.
 * Needs `npm run build` (which `npm test` runs first).
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import {
  EXAMPLE_CHART_REPO,
  EXAMPLE_CHART_URL,
  VELA_BIN,
  exampleApp,
  expectShare,
  podsByTag,
  readApplication,
  readRevisions,
  runVela,
  spawnVela,
  storyAt,
  whenStderr,
  type StorySandbox,
} from "../support/story.js";
import { FakeClock } from "../../src/util/clock.js";
import { PROJECT_ROOT } from "../support/shared.js";

const BUILT = existsSync(join(PROJECT_ROOT, "dist", "cli", "bin.js"));
const REQUESTS = 10_000;
/** Real seconds: Kruise grace periods (5 s per traffic change) run on the wall clock here. */
const SLOW = 240_000;

interface BinarySandbox {
  readonly cwd: string;
  readonly dir: string;
  /** Runs the binary with `--sandbox DIR`; fails the test unless it exits with `code`. */
  ok(argv: readonly string[], code?: number): Promise<{ stdout: string; stderr: string }>;
  run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Reads the sandbox directly (only while no command runs). */
  readonly view: StorySandbox;
  v2Share(): Promise<number>;
}

function binarySandbox(): BinarySandbox {
  const cwd = tempDir("vela-ts-binary-");
  const dir = join(cwd, "sandbox");
  const run = (argv: readonly string[]) => runVela([...argv, "--sandbox", dir], { cwd });
  const sandbox: BinarySandbox = {
    cwd,
    dir,
    run,
    async ok(argv, code = 0) {
      const result = await run(argv);
      expect(result.code, `vela-ts ${argv.join(" ")}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`).toBe(
        code,
      );
      return result;
    },
    view: storyAt(cwd, dir, new FakeClock()),
    async v2Share() {
      const result = await sandbox.ok([
        "sandbox",
        "request",
        "--host",
        "demo.example.com",
        "--path",
        "/version",
        "--count",
        String(REQUESTS),
        "--seed",
        "7",
        "-o",
        "json",
      ]);
      const summary = JSON.parse(result.stdout) as { byImage: Record<string, number>; requests: number };
      expect(summary.requests).toBe(REQUESTS);
      expect(
        (summary.byImage["ghcr.io/vela-ts/demo-app:v1"] ?? 0) + (summary.byImage["ghcr.io/vela-ts/demo-app:v2"] ?? 0),
      ).toBe(REQUESTS);
      return summary.byImage["ghcr.io/vela-ts/demo-app:v2"] ?? 0;
    },
  };
  return sandbox;
}

describe.skipIf(!BUILT)(
  `story 1 through the built binary ${BUILT ? "" : "(skipped: dist/ missing, run npm run build)"}`,
  () => {
    it(
      "charts add → up v1 → up v2 --wait (20%) → resume --wait (90%) → suspend → rollback --wait (0%, same v1 pods)",
      async () => {
        expect(existsSync(VELA_BIN)).toBe(true);
        const sandbox = binarySandbox();
        await sandbox.ok(["sandbox", "charts", "add", EXAMPLE_CHART_URL, EXAMPLE_CHART_REPO]);

        const v1 = await sandbox.ok(["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]);
        expect(v1.stdout).toContain("the workflow finished");
        const stable = podsByTag(await sandbox.view.pods()).v1 ?? [];
        expect(stable).toHaveLength(5);
        expect(await sandbox.v2Share()).toBe(0);

        const v2 = await sandbox.ok(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
        expect(v2.stdout).toContain("vela-ts workflow resume demo-app");
        let pods = podsByTag(await sandbox.view.pods());
        expect(pods.v1?.map((pod) => pod.uid).sort()).toEqual(stable.map((pod) => pod.uid).sort());
        expect(pods.v2).toHaveLength(1);
        expectShare(await sandbox.v2Share(), REQUESTS, 0.2, "binary: canary share at step 1");

        await sandbox.ok(["workflow", "resume", "demo-app", "--wait"]);
        expectShare(await sandbox.v2Share(), REQUESTS, 0.9, "binary: canary share at step 2");

        const suspend = await sandbox.ok(["workflow", "suspend", "demo-app"]);
        expect(suspend.stdout).toContain("vela-ts workflow resume demo-app");
        const rollback = await sandbox.ok(["workflow", "rollback", "demo-app", "--wait"]);
        expect(rollback.stdout).toContain("revision: demo-app-v1");
        expect(await sandbox.v2Share()).toBe(0);
        pods = podsByTag(await sandbox.view.pods());
        expect(Object.keys(pods)).toEqual(["v1"]);
        expect(pods.v1?.map((pod) => pod.uid).sort()).toEqual(stable.map((pod) => pod.uid).sort());
        const app = await readApplication(sandbox.view, "demo-app");
        expect(app?.status.latestRevision?.name).toBe("demo-app-v1");
        expect(app?.status.rollback).toMatchObject({ from: "demo-app-v2", to: "demo-app-v1" });
      },
      SLOW,
    );
  },
);

const GATED = (name: string): string => `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: ${name}
spec:
  components:
    - name: ${name}
      type: webservice
      properties:
        image: nginx:1.25
  workflow:
    steps:
      - name: deploy
        type: apply-component
        properties: {component: ${name}}
      - name: gate
        type: suspend
`;

describe.skipIf(!BUILT)("two workflow commands at once on one sandbox (the lock serialises them)", () => {
  it(
    "resume of two apps at once: both succeed; resume of one app twice at once: one resumes, the other fails cleanly; nothing corrupt",
    async () => {
      const sandbox = binarySandbox();
      for (const name of ["alpha", "beta", "gamma"]) {
        writeFileSync(join(sandbox.cwd, `${name}.yaml`), GATED(name));
        await sandbox.ok(["up", "-f", `${name}.yaml`, "--wait"]);
      }

      const [alpha, beta] = await Promise.all([
        sandbox.run(["workflow", "resume", "alpha", "--wait"]),
        sandbox.run(["workflow", "resume", "beta", "--wait"]),
      ]);
      for (const run of [alpha, beta]) {
        // Serialised by the lock: both succeed, or one names the lock holder (never a crash).
        expect([0, 4, 1], run.stderr).toContain(run.code);
        if (run.code !== 0) expect(run.stderr).toContain("E_SANDBOX_LOCKED");
        expect(run.stderr).not.toContain("E_INTERNAL");
      }

      const both = await Promise.all([
        sandbox.run(["workflow", "resume", "gamma"]),
        sandbox.run(["workflow", "resume", "gamma"]),
      ]);
      const codes = both.map((run) => run.code).sort();
      expect(codes[0], both.map((run) => run.stderr).join("\n")).toBe(0);
      expect(codes[1], both.map((run) => run.stderr).join("\n")).not.toBe(70);
      const loser = both.find((run) => run.code !== 0);
      if (loser !== undefined) expect(loser.stderr).toMatch(/error\[(E_WORKFLOW_\w+|E_SANDBOX_LOCKED)\]/);

      // The store is whole: every app readable, the resumed ones finished, one revision each.
      for (const name of ["alpha", "beta", "gamma"]) {
        const app = await readApplication(sandbox.view, name);
        expect(app?.status.latestRevision?.name).toBe(`${name}-v1`);
        expect((await readRevisions(sandbox.view, name)).map((revision) => revision.metadata.name)).toEqual([
          `${name}-v1`,
        ]);
      }
      expect((await readApplication(sandbox.view, "gamma"))?.status.workflow?.suspend).toBe(false);
      const list = await sandbox.ok(["sandbox", "get", "applications", "-o", "json"]);
      expect((JSON.parse(list.stdout) as { items: unknown[] }).items).toHaveLength(3);
    },
    SLOW,
  );
});

describe.skipIf(!BUILT)("crash safety: up --wait killed with SIGKILL mid-run, then run again", () => {
  it(
    "killed while the canary starts: re-running up --wait converges to step 1 with one v2 revision and no duplicate objects",
    async () => {
      const sandbox = binarySandbox();
      await sandbox.ok(["sandbox", "charts", "add", EXAMPLE_CHART_URL, EXAMPLE_CHART_REPO]);
      await sandbox.ok(["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]);
      const stable = (podsByTag(await sandbox.view.pods()).v1 ?? []).map((pod) => pod.uid).sort();

      const child = spawnVela(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait", "--sandbox", sandbox.dir], {
        cwd: sandbox.cwd,
      });
      // Mid-run: the new revision is recorded and the workflow is applying it.
      await whenStderr(child, (stderr) => stderr.includes("step demo-app running"));
      child.child.kill("SIGKILL");
      const killed = await child.done;
      expect(killed.signal).toBe("SIGKILL");

      // The lock of the dead process is broken; the release goes on where it stopped.
      const again = await sandbox.ok(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
      expect(again.stdout).toContain("vela-ts workflow resume demo-app");
      expect((await readRevisions(sandbox.view, "demo-app")).map((revision) => revision.metadata.name)).toEqual([
        "demo-app-v1",
        "demo-app-v2",
      ]);
      const pods = podsByTag(await sandbox.view.pods());
      expect(pods.v1?.map((pod) => pod.uid).sort()).toEqual(stable);
      expect(pods.v2).toHaveLength(1);
      const rollouts = await sandbox.view.list("rollouts.kruise.io/v1alpha1", "Rollout");
      expect(rollouts).toHaveLength(1);
      const trackers = await sandbox.view.list("core.oam.dev/v1beta1", "ResourceTracker", "");
      expect(trackers.map((tracker) => tracker.metadata.name).sort()).toEqual([
        "demo-app-v1-default",
        "demo-app-v2-default",
      ]);
      expectShare(await sandbox.v2Share(), REQUESTS, 0.2, "after the crash: canary share at step 1");

      // Killed again during resume, the release converges too (to step 2, not beyond).
      const resume = spawnVela(["workflow", "resume", "demo-app", "--wait", "--sandbox", sandbox.dir], {
        cwd: sandbox.cwd,
      });
      await whenStderr(resume, (stderr) => stderr.includes("weight(90)"));
      resume.child.kill("SIGKILL");
      await resume.done;
      // The killed resume had approved step 1; re-running up (not resume, which would approve step 2) goes on to step 2.
      const after = await sandbox.ok(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
      expect(after.stdout).toContain("step(2/2)");
      expectShare(await sandbox.v2Share(), REQUESTS, 0.9, "after the second crash: canary share at step 2");
      expect((await readRevisions(sandbox.view, "demo-app")).map((revision) => revision.metadata.name)).toEqual([
        "demo-app-v1",
        "demo-app-v2",
      ]);
    },
    SLOW,
  );
});
