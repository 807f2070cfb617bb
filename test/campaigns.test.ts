/**
 * The reduced, fixed-seed forms of the campaigns `npm run fuzz` and `npm run chaos` run in full
 * (docs/limits.md): fuzzed inputs through the CLI end in time with an exit code of 0–4 and no stack
 * trace; damaged sandbox files are never read as different data without a word.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatChaosFigures, runChaosCampaign } from "../scripts/campaigns/chaos.js";
import { formatDamageFigures, runDamageCampaign } from "../scripts/campaigns/damage.js";
import { formatFuzzFigures, runFuzzCampaign } from "../scripts/campaigns/fuzz.js";
import { inProcessRunner, PROJECT_ROOT } from "../scripts/campaigns/runner.js";

describe("campaigns (reduced, fixed seed)", () => {
  it("fuzz: 400 mutated Applications, definitions and values through the CLI", async () => {
    const figures = await runFuzzCampaign({
      inputs: 400,
      seed: "ci",
      // Chart templates are fuzzed by `npm run fuzz`; the chart engine's own bounds are tested with it.
      commands: ["dry-run", "up", "def vet", "dry-run --definitions"],
    });
    const report = formatFuzzFigures(figures);
    expect(figures.hangs, report).toBe(0);
    expect(figures.badExitCodes, report).toBe(0);
    expect(figures.stackTraces, report).toBe(0);
    expect(Object.keys(figures.exitCodes).sort(), report).toEqual(expect.arrayContaining(["0", "1"]));
  }, 180_000);

  it("damage: 60 damaged sandboxes, no silent loss, no write by a read", async () => {
    const figures = await runDamageCampaign({
      workDir: mkdtempSync(join(tmpdir(), "vela-ts-damage-")),
      cases: 60,
      seed: "ci",
      run: inProcessRunner,
    });
    const report = formatDamageFigures(figures);
    expect(figures.silentLosses, report).toBe(0);
    expect(figures.readOnlyWrites, report).toBe(0);
    expect(figures.crashes, report).toBe(0);
    expect(figures.repairSilentLosses, report).toBe(0);
    expect(figures.repaired, report).toBe(figures.detected);
    expect(figures.detected + figures.intact, report).toBe(figures.cases);
  }, 120_000);
});

describe.skipIf(!existsSync(join(PROJECT_ROOT, "dist", "cli", "bin.js")))("kill campaign (reduced, fixed seed)", () => {
  it("SIGKILLed resume, suspend and rollback of the canary story converge when run again", async () => {
    const figures = await runChaosCampaign({
      workDir: mkdtempSync(join(tmpdir(), "vela-ts-chaos-")),
      kills: 3,
      seed: "ci",
      steps: ["resume", "suspend", "rollback"],
    });
    const report = formatChaosFigures(figures);
    expect(figures.kills, report).toBe(3);
    expect(figures.converged, report).toBe(figures.kills);
    expect(figures.duplicateRevisions + figures.leftoverObjects + figures.staleLocks + figures.stuck, report).toBe(0);
  }, 400_000);

  it("the sandbox serve process SIGKILLed during a resume through it: started again, the re-run converges", async () => {
    const figures = await runChaosCampaign({
      workDir: mkdtempSync(join(tmpdir(), "vela-ts-chaos-served-")),
      kills: 1,
      seed: "ci",
      steps: ["resume"],
      mode: "served",
    });
    const report = formatChaosFigures(figures);
    expect(figures.kills, report).toBe(1);
    expect(figures.converged, report).toBe(1);
    expect(figures.duplicateRevisions + figures.leftoverObjects + figures.staleLocks + figures.stuck, report).toBe(0);
  }, 400_000);

  it("the vela-ts controller SIGKILLed while up --wait hands it the release: restarted, the release converges", async () => {
    const figures = await runChaosCampaign({
      workDir: mkdtempSync(join(tmpdir(), "vela-ts-chaos-controller-")),
      kills: 1,
      seed: "ci",
      steps: ["up v1"],
      mode: "controller",
    });
    const report = formatChaosFigures(figures);
    expect(figures.kills, report).toBe(1);
    expect(figures.converged, report).toBe(1);
    expect(figures.duplicateRevisions + figures.leftoverObjects + figures.staleLocks + figures.stuck, report).toBe(0);
  }, 400_000);
});
