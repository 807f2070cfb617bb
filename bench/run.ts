/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn. Each exports `run(): Promise<void>` and
 * prints its own figures (ratios against a floor measured in the same run).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => only === undefined || file.includes(only))
  .sort();

for (const file of files) {
  const module = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<void> };
  if (typeof module.run !== "function") throw new Error(`${file} does not export run()`);
  process.stdout.write(`\n## ${file.replace(/\.bench\.ts$/, "")}\n`);
  await module.run();
}
