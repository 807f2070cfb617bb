/**
 * Sandbox time (docs/sandbox.md): on the sandbox, `--wait` skips simulated time past timed pauses
 * instead of sleeping through them, durably (`sandbox.json` records the offset, so every later
 * command sees the same time); `--realtime` and `VELA_TS_REALTIME=1` sleep on the wall clock.
 * The built binary, one process per command. Needs `npm run build` (which `npm test` runs first).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import { runVela } from "../support/story.js";
import { PROJECT_ROOT } from "../support/shared.js";

const BUILT = existsSync(join(PROJECT_ROOT, "dist", "cli", "bin.js"));

/** examples/apps/soak.yaml (the example docs/sandbox.md shows), with its pause set to `duration`. */
function soakApp(duration: string): string {
  const example = readFileSync(join(PROJECT_ROOT, "examples/apps/soak.yaml"), "utf8");
  if (!example.includes("duration: 1h }")) throw new Error("examples/apps/soak.yaml no longer pauses for 1h");
  return example.replace("duration: 1h }", `duration: ${duration} }`);
}

interface StepView {
  readonly name: string;
  readonly phase?: string;
  readonly firstExecuteTime?: string;
  readonly lastExecuteTime?: string;
}

function setUp(prefix: string, duration: string): { cwd: string; dir: string } {
  const cwd = tempDir(prefix);
  writeFileSync(join(cwd, "soak.yaml"), soakApp(duration));
  return { cwd, dir: join(cwd, "sandbox") };
}

function clockOffsetOf(dir: string): number | undefined {
  const metadata = JSON.parse(readFileSync(join(dir, "sandbox.json"), "utf8")) as { clockOffsetMs?: number };
  return metadata.clockOffsetMs;
}

async function stepsOf(cwd: string, dir: string): Promise<{ status?: string; steps: readonly StepView[] }> {
  const run = await runVela(["status", "soak", "-o", "json", "--sandbox", dir], { cwd });
  expect(run.code, run.stderr).toBe(0);
  const app = JSON.parse(run.stdout) as { status?: { workflow?: { status?: string; steps?: StepView[] } } };
  return {
    ...(app.status?.workflow?.status === undefined ? {} : { status: app.status.workflow.status }),
    steps: app.status?.workflow?.steps ?? [],
  };
}

describe.skipIf(!BUILT)("sandbox time", () => {
  it("up --wait skips an hour-long suspend step in sandbox time, and later commands see that time", async () => {
    const { cwd, dir } = setUp("vela-ts-sandbox-time-", "1h");
    const before = Date.now();
    const up = await runVela(["up", "-f", "soak.yaml", "--wait", "--sandbox", dir], { cwd });
    expect(up.code, up.stderr).toBe(0);
    // The skip is what is left of the hour when the command gets there (about an hour: timestamps are whole seconds).
    expect(up.stderr).toMatch(/waiting (59m\d+s|1h(\d+s)?) of sandbox time: step soak \(suspend\)/);
    expect(up.stdout).toContain("the workflow finished");

    const offset = clockOffsetOf(dir) ?? 0;
    expect(offset).toBeGreaterThanOrEqual(3_600_000 - 60_000);
    const { status, steps } = await stepsOf(cwd, dir);
    expect(status).toBe("succeeded");
    const soak = steps.find((step) => step.name === "soak");
    const after = steps.find((step) => step.name === "after");
    // The step after the pause ran an hour of sandbox time after the pause began, though the wall clock barely moved.
    const paused = Date.parse(soak?.firstExecuteTime ?? "");
    const resumed = Date.parse(after?.firstExecuteTime ?? "");
    expect(resumed - paused).toBeGreaterThanOrEqual(3_600_000);
    expect(resumed).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);

    // A second release: the sandbox's time goes on from where the first left it, never back.
    writeFileSync(join(cwd, "soak.yaml"), soakApp("30m").replace('release: "1"', 'release: "2"'));
    const startedAt = Date.now();
    const again = await runVela(["up", "-f", "soak.yaml", "--wait", "--sandbox", dir], { cwd });
    const endedAt = Date.now();
    expect(again.code, again.stderr).toBe(0);
    // Sandbox time is wall time plus the offset: it moved by at least the 30m pause during the
    // command (less a second: timestamps are whole seconds), however long the command took.
    const sandboxTimeMoved = (clockOffsetOf(dir) ?? 0) + endedAt - (offset + startedAt);
    expect(sandboxTimeMoved).toBeGreaterThanOrEqual(1_800_000 - 1000);
    expect(clockOffsetOf(dir) ?? 0).toBeGreaterThan(offset + 1_800_000 - 60_000);
  }, 120_000);

  it("--timeout is measured in sandbox time: exit 5 once the skipped time reaches it", async () => {
    const { cwd, dir } = setUp("vela-ts-sandbox-timeout-", "1h");
    const up = await runVela(["up", "-f", "soak.yaml", "--wait", "--timeout", "10m", "--sandbox", dir], { cwd });
    expect(up.code, up.stderr).toBe(5);
    const offset = clockOffsetOf(dir) ?? 0;
    // The wall clock moved a little while the command ran: the skip made up the rest of the 10 minutes.
    expect(offset).toBeGreaterThanOrEqual(600_000 - 60_000);
    expect(offset).toBeLessThan(3_600_000);
    const { steps } = await stepsOf(cwd, dir);
    expect(steps.find((step) => step.name === "soak")?.phase).toBe("suspending");
    expect(steps.find((step) => step.name === "after")?.phase).toBe("pending");
  }, 120_000);

  it.each([
    ["--realtime", ["--realtime"], {}],
    ["VELA_TS_REALTIME=1", [], { VELA_TS_REALTIME: "1" }],
  ] as const)(
    "%s sleeps through the pause on the wall clock and leaves sandbox time alone",
    async (_label, flags, env) => {
      const { cwd, dir } = setUp("vela-ts-sandbox-realtime-", "3s");
      const started = Date.now();
      const up = await runVela(["up", "-f", "soak.yaml", "--wait", ...flags, "--sandbox", dir], { cwd, env });
      expect(up.code, up.stderr).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
      expect(up.stderr).not.toContain("of sandbox time");
      expect(clockOffsetOf(dir)).toBeUndefined();
      expect((await stepsOf(cwd, dir)).status).toBe("succeeded");
    },
    120_000,
  );
});
