import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "tar";
import { stringify } from "yaml";
import { PROJECT_ROOT } from "../../support/shared.js";
import { tempDir } from "../../support/cli.js";

/** The fixture chart's source directory. */
export const DEMO_CHART_DIR = join(PROJECT_ROOT, "test/fixtures/sandbox-charts/demo-app");

/**
 * Packages the fixture chart `demo-app` as versions 1.0.0 (appVersion v1) and 2.0.0 (appVersion v2)
 * into a fresh chart repository directory (index.yaml + .tgz), as `helm package` + `helm repo index` would.
 */
export async function buildDemoRepository(): Promise<string> {
  const repo = tempDir("vela-ts-charts-");
  const entries: Record<string, unknown>[] = [];
  for (const [version, appVersion] of [
    ["2.0.0", "v2"],
    ["1.0.0", "v1"],
  ] as const) {
    const work = tempDir("vela-ts-chart-src-");
    const dir = join(work, "demo-app");
    mkdirSync(dir);
    cpSync(DEMO_CHART_DIR, dir, { recursive: true });
    const chartYaml = readFileSync(join(dir, "Chart.yaml"), "utf8")
      .replace(/^version: .*$/m, `version: ${version}`)
      .replace(/^appVersion: .*$/m, `appVersion: ${appVersion}`);
    writeFileSync(join(dir, "Chart.yaml"), chartYaml);
    const file = join(repo, `demo-app-${version}.tgz`);
    await create({ gzip: true, file, cwd: work, portable: true }, ["demo-app"]);
    const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
    entries.push({
      apiVersion: "v2",
      appVersion,
      name: "demo-app",
      version,
      digest,
      urls: [`demo-app-${version}.tgz`],
      created: "2026-01-01T00:00:00Z",
    });
  }
  writeFileSync(
    join(repo, "index.yaml"),
    stringify({ apiVersion: "v1", entries: { "demo-app": entries }, generated: "2026-01-01T00:00:00Z" }),
  );
  return repo;
}
