/**
 * Packages the example chart `examples/charts/src/demo-app` into a chart repository at
 * `examples/charts/repo/` (index.yaml + one .tgz per version), the way `helm package` +
 * `helm repo index` would. Version 1.0.0 ships image tag v1, 2.0.0 ships v2.
 * Deterministic: fixed mtimes and created dates, so re-running gives identical bytes.
 *
 *   npx tsx scripts/package-example-charts.ts
 */
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "tar";
import { parse, stringify } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "examples/charts/src/demo-app");
const repo = join(root, "examples/charts/repo");
const FIXED_DATE = new Date("2026-01-01T00:00:00Z");
const releases = [
  { version: "1.0.0", tag: "v1" },
  { version: "2.0.0", tag: "v2" },
];

mkdirSync(repo, { recursive: true });
const entries: Record<string, unknown>[] = [];
for (const { version, tag } of releases) {
  const work = mkdtempSync(join(tmpdir(), "demo-app-"));
  const chartDir = join(work, "demo-app");
  cpSync(source, chartDir, { recursive: true });
  const chart = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as Record<string, unknown>;
  chart.version = version;
  writeFileSync(join(chartDir, "Chart.yaml"), stringify(chart));
  const values = readFileSync(join(chartDir, "values.yaml"), "utf8").replace(/^ {2}tag: .*$/m, `  tag: ${tag}`);
  writeFileSync(join(chartDir, "values.yaml"), values);
  const archive = join(repo, `demo-app-${version}.tgz`);
  await create(
    { gzip: { level: 9 }, file: archive, cwd: work, portable: true, mtime: FIXED_DATE, noDirRecurse: false },
    ["demo-app"],
  );
  rmSync(work, { recursive: true, force: true });
  const digest = createHash("sha256").update(readFileSync(archive)).digest("hex");
  entries.unshift({ ...chart, created: FIXED_DATE.toISOString(), digest, urls: [`demo-app-${version}.tgz`] });
}
writeFileSync(
  join(repo, "index.yaml"),
  stringify({ apiVersion: "v1", entries: { "demo-app": entries }, generated: FIXED_DATE.toISOString() }),
);
process.stdout.write(`packaged ${releases.length} versions of demo-app into ${repo}\n`);
