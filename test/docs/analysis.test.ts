import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/** The `vela-ts …` lines of the page's first shell block, with the exit code a `# exit N` comment names (else 0). */
function commands(): { argv: string[]; code: number }[] {
  const page = readFileSync(join(PROJECT_ROOT, "docs/analysis.md"), "utf8");
  const block = /```sh\n([\s\S]*?)```/.exec(page)?.[1] ?? "";
  return block
    .split("\n")
    .filter((line) => line.startsWith("vela-ts "))
    .map((line) => ({
      argv: line.replace(/#.*$/, "").trim().slice("vela-ts ".length).split(/\s+/),
      code: Number(/# exit (\d+)/.exec(line)?.[1] ?? "0"),
    }));
}

describe("docs/analysis.md", () => {
  it("the bad v2 rolls itself back, as the page shows", async () => {
    const env = { VELA_TS_SANDBOX: tempDir("vela-ts-docs-analysis-") };
    const clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
    const lines = commands();
    expect(lines.length).toBe(5);
    const outputs: string[] = [];
    for (const { argv, code } of lines) {
      const run = await runCli(argv, { cwd: PROJECT_ROOT, env, clock });
      expect({ argv: argv.join(" "), code: run.code }).toEqual({ argv: argv.join(" "), code });
      outputs.push(run.stdout);
    }
    const page = readFileSync(join(PROJECT_ROOT, "docs/analysis.md"), "utf8");
    const shown = /rolled back by its analysis: .*/.exec(page)?.[0] ?? "none shown";
    expect(outputs[2]).toContain(shown);
    expect(outputs[3]).toMatch(/Reason:\s+Rollout default\/analysed step 1 analysis failed/);
    expect(outputs[3]).toMatch(/Metric success-rate: Failed\n\s+\S+ value 0\.\d+: Failed/);
    expect(outputs[4]).toMatch(/ghcr\.io\/vela-ts\/demo-app:v1\s+1000\s+100\.0%/);
  });
});
