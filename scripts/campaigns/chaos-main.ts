/**
 * `npm run chaos [-- --kills N --damage N --seed S]`: the kill campaign over the canary story, then
 * the damage campaign over the sandbox files; prints the figures of both.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatChaosFigures, runChaosCampaign } from "./chaos.js";
import { formatDamageFigures, runDamageCampaign } from "./damage.js";
import { binaryRunner } from "./runner.js";

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const workDir = mkdtempSync(join(tmpdir(), "vela-ts-chaos-"));
const kills = await runChaosCampaign({
  workDir: join(workDir, "kill"),
  kills: Number(flag("kills") ?? 100),
  seed: flag("seed") ?? "chaos",
  log,
});
process.stdout.write(`${formatChaosFigures(kills)}\n`);
const damage = await runDamageCampaign({
  workDir: join(workDir, "damage"),
  cases: Number(flag("damage") ?? 240),
  seed: flag("seed") ?? "damage",
  run: binaryRunner,
  log,
});
process.stdout.write(`${formatDamageFigures(damage)}\n`);
const failed =
  kills.mismatches + kills.stuck + kills.staleLocks + damage.silentLosses + damage.crashes + damage.readOnlyWrites;
process.exitCode = failed === 0 ? 0 : 1;
