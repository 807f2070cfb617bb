import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ValidationError } from "../../src/errors/index.js";
import { runCli } from "../support/cli.js";
import { describeIssues, validateAgainstSchema } from "../support/k8s-schema.js";
import { HAS_SHARED, PROJECT_ROOT, SHARED_MISSING_REASON, sharedPath } from "../support/shared.js";
import { renderAppFile } from "./render-app.js";

/** The one upstream example that is not valid YAML (kubevela cf039e27e mis-indented a trait). */
const BROKEN = join("canary-rollout-use-case", "rollback.yaml");

function examples(): { name: string; file: string }[] {
  const root = sharedPath("reference", "kubevela-examples");
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(root, dir.name))
        .filter((file) => file.endsWith(".yaml"))
        .map((file) => ({ name: join(dir.name, file), file: join(root, dir.name, file) })),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe.skipIf(!HAS_SHARED)(`real KubeVela example Applications ${HAS_SHARED ? "" : SHARED_MISSING_REASON}`, () => {
  const cases = HAS_SHARED ? examples().filter((example) => example.name !== BROKEN) : [];

  it("covers every example folder", () => {
    expect(cases.length).toBeGreaterThanOrEqual(19);
  });

  it.each(cases)("$name renders unchanged and every object validates", ({ file }) => {
    const objects = renderAppFile(file);
    expect(objects.length).toBeGreaterThan(0);
    expect(
      objects.map((object) => describeIssues(object, validateAgainstSchema(object))).filter((text) => text !== ""),
    ).toEqual([]);
  });

  it.each(cases)("vela-ts dry-run -f $name exits 0", async ({ file }) => {
    const run = await runCli(["dry-run", "-f", file], { cwd: PROJECT_ROOT });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("kind:");
  });

  it("the broken upstream rollback.yaml is an E_YAML error at line 24, column 13", () => {
    const file = sharedPath("reference", "kubevela-examples", BROKEN);
    let error: unknown;
    try {
      renderAppFile(file);
    } catch (caught) {
      error = caught;
    }
    const issues = (error as ValidationError | undefined)?.issues ?? [];
    expect(
      issues.map((issue) => ({ code: issue.code, line: issue.source?.line, column: issue.source?.column })),
    ).toContainEqual({ code: "E_YAML", line: 24, column: 13 });
  });

  it("vela-ts dry-run reports the broken rollback.yaml at 24:13 with exit 1 and nothing on stdout", async () => {
    const run = await runCli(["dry-run", "-f", sharedPath("reference", "kubevela-examples", BROKEN)], {
      cwd: PROJECT_ROOT,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("E_YAML");
    expect(run.stderr).toContain("rollback.yaml:24:13");
  });
});
