import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli, type CliRun } from "../support/cli.js";
import { describeIssues, validateAgainstSchema } from "../support/k8s-schema.js";
import { HAS_SHARED, PROJECT_ROOT } from "../support/shared.js";

/**
 * Golden files: `vela-ts dry-run -f test/golden/<case>/app.yaml` prints exactly
 * `test/golden/<case>/expected.yaml` (refresh with `npx vitest run test/golden -u` and review the
 * YAML diff). Cases `story*` are the stories of DESIGN §1, `def-*` exercise one built-in
 * definition each with non-default properties. Every printed object is also checked against its
 * upstream schema.
 */
const GOLDEN_DIR = join(PROJECT_ROOT, "test", "golden");
const CASES = readdirSync(GOLDEN_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(GOLDEN_DIR, entry.name, "app.yaml")))
  .map((entry) => ({ name: entry.name, dir: join(GOLDEN_DIR, entry.name) }));

const runs = new Map<string, CliRun>();

/** The objects of a dry-run's output (the `# Application(…)` header documents hold no object). */
function printedObjects(stdout: string): unknown[] {
  return parseAllDocuments(stdout)
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
}

describe("golden dry-runs", () => {
  beforeAll(async () => {
    for (const { name, dir } of CASES) runs.set(name, await runCli(["dry-run", "-f", join(dir, "app.yaml")], { cwd: PROJECT_ROOT }));
  });

  it("has a case for every story of DESIGN §1", () => {
    for (const story of [1, 2, 3, 4, 5, 6]) expect(CASES.some((testCase) => testCase.name.startsWith(`story${story}-`))).toBe(true);
  });

  it.each(CASES)("$name prints expected.yaml", async ({ name, dir }) => {
    const run = runs.get(name);
    expect(run?.stderr).toBe("");
    expect(run?.code).toBe(0);
    await expect(run?.stdout).toMatchFileSnapshot(join(dir, "expected.yaml"));
  });

  it.each(CASES)("$name: every object validates against its upstream schema", ({ name }) => {
    const objects = printedObjects(runs.get(name)?.stdout ?? "");
    expect(objects.length).toBeGreaterThan(0);
    // CRD kinds need ../shared/reference/crds; without it only built-in kinds can be checked.
    const builtin = (object: unknown): boolean => {
      const apiVersion = String((object as { apiVersion?: unknown }).apiVersion);
      return !apiVersion.includes(".") || apiVersion.includes(".k8s.io/");
    };
    const problems = objects.filter((object) => HAS_SHARED || builtin(object)).map((object) => describeIssues(object, validateAgainstSchema(object)));
    expect(problems.filter((text) => text !== "")).toEqual([]);
  });
});
