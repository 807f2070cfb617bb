/** `npm run fuzz [-- --inputs N --seed S]`: the fuzz campaign; failing inputs go to `fuzz-failures/`. */
import { join } from "node:path";
import { formatFuzzFigures, runFuzzCampaign } from "./fuzz.js";
import { PROJECT_ROOT } from "./runner.js";

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

const figures = await runFuzzCampaign({
  inputs: Number(flag("inputs") ?? 10_000),
  seed: flag("seed") ?? "fuzz",
  failuresDir: join(PROJECT_ROOT, "fuzz-failures"),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${formatFuzzFigures(figures)}\n`);
process.exitCode = figures.hangs + figures.badExitCodes + figures.stackTraces === 0 ? 0 : 1;
