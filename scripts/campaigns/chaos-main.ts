/**
 * `npm run chaos [-- --kills N --served-kills N --controller-kills N --damage N --seed S]`: the kill
 * campaign over the canary story (the CLI killed; the `sandbox serve` process the CLI goes through
 * killed; the `vela-ts controller` the commands hand their work to killed), then
 * the damage campaign over the sandbox files; prints the figures of each.
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
// The served story waits through Kruise's grace periods on the wall clock: fewer kills by default.
const servedKills = await runChaosCampaign({
  workDir: join(workDir, "served-kill"),
  kills: Number(flag("served-kills") ?? 20),
  seed: flag("seed") ?? "chaos-served",
  mode: "served",
  log,
});
process.stdout.write(`${formatChaosFigures(servedKills)}\n`);
const controllerKills = await runChaosCampaign({
  workDir: join(workDir, "controller-kill"),
  kills: Number(flag("controller-kills") ?? 10),
  seed: flag("seed") ?? "chaos-controller",
  mode: "controller",
  log,
});
process.stdout.write(`${formatChaosFigures(controllerKills)}\n`);
const damage = await runDamageCampaign({
  workDir: join(workDir, "damage"),
  cases: Number(flag("damage") ?? 240),
  seed: flag("seed") ?? "damage",
  run: binaryRunner,
  log,
});
process.stdout.write(`${formatDamageFigures(damage)}\n`);
const failed =
  [kills, servedKills, controllerKills].reduce(
    (sum, figures) => sum + figures.mismatches + figures.stuck + figures.staleLocks,
    0,
  ) +
  damage.silentLosses +
  damage.crashes +
  damage.readOnlyWrites;
process.exitCode = failed === 0 ? 0 : 1;
