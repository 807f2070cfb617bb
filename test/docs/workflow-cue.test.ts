import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/**
 * The CUE step examples of the docs: the `release-gate` step shown in docs/workflow.md is the file
 * its tested commands use, and the `copy-config` step of docs/cue-definitions.md passes `def vet`.
 * (The commands themselves run in test/e2e/release-docs.test.ts.)
 */

function cueBlockAfter(doc: string, heading: string): string {
  const section = doc.slice(doc.indexOf(heading));
  const start = section.indexOf("```cue\n") + "```cue\n".length;
  return section.slice(start, section.indexOf("```\n", start));
}

describe("CUE workflow steps in the docs", () => {
  it("docs/workflow.md shows examples/cue-steps/release-gate.cue as it is", () => {
    const doc = readFileSync(join(PROJECT_ROOT, "docs", "workflow.md"), "utf8");
    const file = readFileSync(join(PROJECT_ROOT, "examples", "cue-steps", "release-gate.cue"), "utf8");
    expect(cueBlockAfter(doc, "## Steps written in CUE")).toBe(file);
  });

  it("the copy-config step of docs/cue-definitions.md passes def vet", async () => {
    const doc = readFileSync(join(PROJECT_ROOT, "docs", "cue-definitions.md"), "utf8");
    const dir = mkdtempSync(join(tmpdir(), "vela-cue-step-doc-"));
    writeFileSync(join(dir, "copy-config.cue"), cueBlockAfter(doc, "A workflow step in CUE"));
    expect(await runCli(["def", "vet", "copy-config.cue"], { cwd: dir })).toEqual({
      code: 0,
      stdout: "copy-config.cue: Validation succeeded.\n",
      stderr: "",
    });
  });

  it("def vet names a task whose input misses a field, with the task path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vela-cue-step-vet-"));
    writeFileSync(
      join(dir, "half.cue"),
      `import "vela/kube"
half: {
	type:        "workflow-step"
	description: "x"
}
template: {
	first: kube.#Apply & {$params: value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: parameter.name}}
	second: kube.#Apply & {$params: value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: string}}
	parameter: name: string
}
`,
    );
    const run = await runCli(["def", "vet", "half.cue"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'workflow step "half": task second: second.$params.value.metadata.name: incomplete value string',
    );
  });

  it.each([
    "definitions/workflowsteps/webhook.cue",
    "definitions/workflowsteps/request.cue",
    "definitions/workflowsteps/export2config.cue",
    "definitions/workflowsteps/export2secret.cue",
    ...readdirSync(join(PROJECT_ROOT, "examples", "cue-steps")).map((file) => `examples/cue-steps/${file}`),
  ])("%s passes def vet", async (file) => {
    const run = await runCli(["def", "vet", join(PROJECT_ROOT, file)]);
    expect(run.code, run.stderr).toBe(0);
  });
});
