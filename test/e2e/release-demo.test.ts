/**
 * `npm run demo` (`examples/canary-story.sh`): runs the narrated walkthrough with bash on a fresh
 * sandbox and checks its key lines — the request shares after each stage and the rollback result.
 * Uses the built binary (real clock: Kruise grace periods are real seconds).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/shared.js";
import { tempDir } from "../support/cli.js";
import { binomialInterval } from "../support/story.js";

const SCRIPT = join(PROJECT_ROOT, "examples", "canary-story.sh");
const BUILT = existsSync(join(PROJECT_ROOT, "dist", "cli", "bin.js"));

function runScript(): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [SCRIPT], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? PROJECT_ROOT,
        TMPDIR: tempDir("vela-ts-demo-test-"),
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 128, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** The v2 count of every `sandbox request` table printed under a `== heading`, in order. */
function sharesByStage(stdout: string): { heading: string; v1: number; v2: number; requests: number }[] {
  const out: { heading: string; v1: number; v2: number; requests: number }[] = [];
  let heading = "";
  let current: { heading: string; v1: number; v2: number; requests: number } | undefined;
  for (const line of stdout.split("\n")) {
    const title = /^== (.*)$/.exec(line);
    if (title !== null) heading = title[1] ?? "";
    const total = /^(\d+) requests via ingress-nginx\b/.exec(line);
    if (total !== null) {
      current = { heading, v1: 0, v2: 0, requests: Number(total[1]) };
      out.push(current);
    }
    const row = /^ghcr\.io\/vela-ts\/demo-app:(v[12])\s+(\d+)\s+[\d.]+%$/.exec(line);
    if (row !== null && current !== undefined) current[row[1] as "v1" | "v2"] = Number(row[2]);
  }
  return out;
}

describe.skipIf(!BUILT)(
  `npm run demo (examples/canary-story.sh) ${BUILT ? "" : "(skipped: dist/ missing, run npm run build)"}`,
  () => {
    it("narrates story 1 and prints 0% → ≈20% → ≈90% → 0% on v2, ending with the same 5 v1 pods", async () => {
      const run = await runScript();
      expect(run.code, run.stderr).toBe(0);
      const stages = sharesByStage(run.stdout);
      expect(stages.map((stage) => stage.requests)).toEqual([1000, 1000, 1000, 1000]);
      expect(stages.every((stage) => stage.v1 + stage.v2 === 1000)).toBe(true);
      const [v1, step1, step2, rolledBack] = stages;
      expect(v1?.v2).toBe(0);
      const twenty = binomialInterval(1000, 0.2);
      const ninety = binomialInterval(1000, 0.9);
      expect(step1?.v2).toBeGreaterThanOrEqual(twenty.low);
      expect(step1?.v2).toBeLessThanOrEqual(twenty.high);
      expect(step2?.v2).toBeGreaterThanOrEqual(ninety.low);
      expect(step2?.v2).toBeLessThanOrEqual(ninety.high);
      expect(rolledBack?.v2).toBe(0);
      expect(rolledBack?.heading).toMatch(/^Rolled back/);

      expect(run.stdout).toContain("Rollout is in step(1/2)");
      expect(run.stdout).toContain("Rollout is in step(2/2)");
      expect(run.stdout).toContain("revision: demo-app-v1\n  status: running (workflow succeeded)");
      // The pods listed at step 1 (5 stable) are the pods listed after the rollback.
      const podTables = run.stdout
        .split("$ vela-ts sandbox get pods\n")
        .slice(1)
        .map((table) => [...table.matchAll(/^(demo-app-\S+)\s/gm)].map((match) => match[1]));
      expect(podTables).toHaveLength(2);
      expect(podTables[0]).toHaveLength(6);
      expect(podTables[1]).toHaveLength(5);
      expect(podTables[0]).toEqual(expect.arrayContaining(podTables[1] ?? ["none"]));
      expect(run.stdout).not.toContain("\u001b[");
      process.stderr.write(`npm run demo took ${run.seconds.toFixed(1)} s\n`);
    }, 400_000);
  },
);
