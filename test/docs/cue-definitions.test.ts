import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/** docs/cue-definitions.md: its two example definitions pass `def vet` and render the same objects. */

const DOC = readFileSync(join(PROJECT_ROOT, "docs/cue-definitions.md"), "utf8");

function block(after: string, language: string): string {
  const section = DOC.slice(DOC.indexOf(after));
  const start = section.indexOf(`\`\`\`${language}\n`) + language.length + 4;
  return section.slice(start, section.indexOf("```\n", start));
}

describe("docs/cue-definitions.md", () => {
  const dir = mkdtempSync(join(tmpdir(), "vela-cue-doc-"));
  writeFileSync(join(dir, "pod-env.yaml"), block("## A definition, in YAML", "yaml"));
  writeFileSync(join(dir, "pod-env.cue"), block("## The same definition, in KubeVela's `.cue` form", "cue"));

  it.each(["pod-env.yaml", "pod-env.cue"])("%s passes def vet", async (file) => {
    expect(await runCli(["def", "vet", file], { cwd: dir })).toEqual({
      code: 0,
      stdout: `${file}: Validation succeeded.\n`,
      stderr: "",
    });
  });

  it("both forms render the same objects", async () => {
    const render = async (file: string): Promise<unknown> => {
      const run = await runCli(["def", "render", file, "-p", "env.LOG=debug"], { cwd: dir });
      expect(run.stderr).toBe("");
      return run.stdout;
    };
    const fromYaml = await render("pod-env.yaml");
    expect(fromYaml).toContain("name: LOG");
    expect(await render("pod-env.cue")).toBe(fromYaml);
  });

  it("def render of the .cue form prints the Definition", async () => {
    const run = await runCli(["def", "render", "pod-env.cue"], { cwd: dir });
    const document = parse(run.stdout) as {
      kind: string;
      metadata: { name: string };
      spec: { appliesToWorkloads: string[] };
    };
    expect({ kind: document.kind, name: document.metadata.name, applies: document.spec.appliesToWorkloads }).toEqual({
      kind: "TraitDefinition",
      name: "pod-env",
      applies: ["deployments.apps"],
    });
  });
});
