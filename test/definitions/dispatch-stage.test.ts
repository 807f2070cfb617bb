import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDefinitions, parseDefinitions, type TraitDefinition } from "../../src/definitions/index.js";
import { ValidationError } from "../../src/errors/index.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/**
 * A TraitDefinition's dispatch stage (`spec.stage`; `attributes: stage:` in KubeVela's `.cue`
 * form): read in both formats, `DefaultDispatch` when absent, and a bad value or a stage on another
 * kind reported at the file and line with a hint.
 */

function yamlTrait(stage: string | undefined, kind = "TraitDefinition"): string {
  return [
    "apiVersion: core.oam.dev/v1beta1",
    `kind: ${kind}`,
    "metadata:",
    "  name: staged",
    "spec:",
    ...(stage === undefined ? [] : [`  stage: ${stage}`]),
    "  schematic:",
    "    template:",
    "      outputs:",
    "        cm: |",
    "          apiVersion: v1",
    "          kind: ConfigMap",
    "          metadata:",
    "            name: {{context.name}}-cm",
    "",
  ].join("\n");
}

function cueTrait(stage: string): string {
  return [
    '"staged": {',
    '\ttype: "trait"',
    '\tdescription: "a staged trait"',
    "\tattributes: {",
    "\t\tpodDisruptive: false",
    `\t\tstage: "${stage}"`,
    "\t}",
    "}",
    "template: {",
    '\toutputs: cm: {apiVersion: "v1", kind: "ConfigMap", metadata: name: context.name + "-cm"}',
    "\tparameter: {}",
    "}",
    "",
  ].join("\n");
}

function issuesOf(parse: () => unknown): ValidationError["issues"] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("a trait's dispatch stage", () => {
  it("is read from spec.stage and from a .cue definition's attributes, DefaultDispatch when absent", () => {
    const [pre] = parseDefinitions(yamlTrait("PreDispatch"), "staged.yaml") as TraitDefinition[];
    const [plain] = parseDefinitions(yamlTrait(undefined), "plain.yaml") as TraitDefinition[];
    const [post] = parseDefinitions(cueTrait("PostDispatch"), "staged.cue") as TraitDefinition[];
    expect([pre?.stage, plain?.stage, post?.stage]).toEqual(["PreDispatch", "DefaultDispatch", "PostDispatch"]);
  });

  it("rejects an unknown stage at its line, with the stages in the hint", () => {
    const [yamlIssue] = issuesOf(() => parseDefinitions(yamlTrait("Predispatch"), "bad.yaml"));
    expect(yamlIssue?.code).toBe("E_DEF_INVALID");
    expect(yamlIssue?.message).toContain('got "Predispatch"');
    expect(yamlIssue?.source).toEqual({ file: "bad.yaml", line: 6, column: 10 });
    expect(yamlIssue?.hint).toMatch(/PreDispatch .*DefaultDispatch .*PostDispatch/);
    const [cueIssue] = issuesOf(() => parseDefinitions(cueTrait("AfterWorkload"), "bad.cue"));
    expect(cueIssue?.source).toEqual({ file: "bad.cue", line: 6, column: 3 });
    expect(cueIssue?.hint).toMatch(/PreDispatch/);
  });

  it("is refused outside a TraitDefinition", () => {
    const text = yamlTrait("PreDispatch", "ComponentDefinition").replace("outputs:\n        cm: |", "output: |");
    const [issue] = issuesOf(() => parseDefinitions(text, "component.yaml"));
    expect(issue?.message).toContain("stage is not allowed in a ComponentDefinition");
    expect(issue?.source?.line).toBe(6);
  });

  it("makes the bundled kruise-rollout and argo-rollout traits PreDispatch", () => {
    const { registry } = loadDefinitions({ userDirs: [] });
    expect(registry.getTrait("kruise-rollout").stage).toBe("PreDispatch");
    expect(registry.getTrait("argo-rollout").stage).toBe("PreDispatch");
    expect(registry.getTrait("scaler").stage).toBe("DefaultDispatch");
  });

  it("def vet prints a bad stage with file:line and hint, no stack trace", async () => {
    const file = join(tempDir("vela-ts-stage-"), "bad.cue");
    writeFileSync(file, cueTrait("Later"));
    const run = await runCli(["def", "vet", file], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`--> ${file}:6:3`);
    expect(run.stderr).toMatch(/hint: stage is PreDispatch/);
    expect(run.stderr).not.toMatch(/\n\s+at \S+ \(/);
  });
});
