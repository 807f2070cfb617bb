import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

const BROKEN = "test/fixtures/broken-definitions/broken-shorthand.yaml";

describe("vela-ts def", () => {
  it("list prints a table of definitions, filtered by type", async () => {
    const run = await runCli(["def", "list", "-t", "trait"], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+SOURCE\s+DESCRIPTION$/);
    expect(lines.find((line) => line.startsWith("scaler "))).toMatch(
      /^scaler\s+trait\s+builtin\s+Set the replica count/,
    );
    expect(lines.slice(1).every((line) => /\strait\s/.test(line))).toBe(true);
  });

  it("vet accepts the bundled webservice and scaler", async () => {
    const run = await runCli(
      ["def", "vet", "definitions/components/webservice.yaml", "definitions/traits/scaler.yaml"],
      { cwd: PROJECT_ROOT },
    );
    expect(run).toEqual({
      code: 0,
      stderr: "",
      stdout:
        "definitions/components/webservice.yaml: Validation succeeded.\ndefinitions/traits/scaler.yaml: Validation succeeded.\n",
    });
  });

  it.each([
    { name: "broken shorthand", files: [BROKEN], want: ["error[E_DEF_SHORTHAND]", `${BROKEN}:9:19`] },
    {
      name: "template errors found by rendering samples",
      files: ["test/fixtures/definitions/test-traits.yaml"],
      want: ["error[E_TEMPLATE]", "test-traits.yaml:90:", "error[E_DEF_NO_SAMPLE]"],
    },
  ])("vet reports $name with line numbers, exit 1, nothing on stdout", async ({ files, want }) => {
    const run = await runCli(["def", "vet", ...files], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    for (const text of want) expect(run.stderr).toContain(text);
  });

  it("render applies -p properties; a trait renders on a sample component", async () => {
    const run = await runCli(["def", "render", "definitions/traits/scaler.yaml", "-p", "replicas=4"], {
      cwd: PROJECT_ROOT,
    });
    expect(run.code).toBe(0);
    const [deployment] = parseAllDocuments(run.stdout).map(
      (document) => document.toJS() as { kind: string; spec: { replicas: number } },
    );
    expect(deployment?.kind).toBe("Deployment");
    expect(deployment?.spec.replicas).toBe(4);
  });

  it("render reads --properties FILE and rejects a wrong type", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vela-def-"));
    writeFileSync(join(dir, "props.yaml"), "image: nginx\nports:\n  - port: 8080\n    expose: true\n");
    const ok = await runCli(
      [
        "def",
        "render",
        join(PROJECT_ROOT, "definitions/components/webservice.yaml"),
        "--properties",
        "props.yaml",
        "-o",
        "json",
      ],
      { cwd: dir },
    );
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { items: { kind: string }[] }).items.map((item) => item.kind)).toEqual([
      "Deployment",
      "Service",
    ]);
    const bad = await runCli(
      ["def", "render", join(PROJECT_ROOT, "definitions/traits/scaler.yaml"), "-p", "replicas=many"],
      { cwd: dir },
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain("error[E_PARAM_INVALID]");
  });

  it("doc prints Markdown with a parameters table including nested fields", async () => {
    const run = await runCli(["def", "doc", "webservice"], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("# webservice\n");
    expect(run.stdout).toContain("| Name | Type | Required | Default | Description |");
    expect(run.stdout).toContain(
      "| image (-i) | string | yes |  | Which image would you like to use for your service |",
    );
    expect(run.stdout).toContain(
      '| ports[].protocol | "TCP" \\| "UDP" \\| "SCTP" | no | "TCP" | Protocol for port. Must be UDP, TCP, or SCTP |',
    );
  });

  it("doc of an unknown name fails with exit 1", async () => {
    const run = await runCli(["def", "doc", "nope"], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error[E_DEF_NOT_FOUND]");
  });

  it.each([{ type: "component" }, { type: "trait" }, { type: "policy" }, { type: "workflow-step" }])(
    "init -t $type writes a KubeVela .cue definition that passes vet and renders to its Definition YAML",
    async ({ type }) => {
      const dir = mkdtempSync(join(tmpdir(), "vela-init-"));
      const init = await runCli(["def", "init", `my-${type}`, "-t", type, "--desc", "Mine", "-o", "def.cue"], {
        cwd: dir,
      });
      expect(init.code).toBe(0);
      const text = readFileSync(join(dir, "def.cue"), "utf8");
      expect(text).toContain(`"my-${type}": {`);
      expect(text).toContain(`type: "${type}"`);
      const vet = await runCli(["def", "vet", "def.cue"], { cwd: dir });
      expect(vet).toEqual({ code: 0, stderr: "", stdout: "def.cue: Validation succeeded.\n" });
      const render = await runCli(["def", "render", "def.cue"], { cwd: dir });
      expect(render.code).toBe(0);
      const document = parse(render.stdout) as {
        metadata: { name: string; annotations: Record<string, string> };
        spec: { schematic: { cue: { template: string } } };
      };
      expect(document.metadata).toEqual({
        name: `my-${type}`,
        annotations: { "definition.oam.dev/description": "Mine" },
      });
      expect(document.spec.schematic.cue.template).toContain("parameter: {");
    },
  );

  it.each([{ type: "component" }, { type: "trait" }, { type: "policy" }, { type: "step" }])(
    "init -t $type --format handlebars writes a skeleton that passes vet",
    async ({ type }) => {
      const dir = mkdtempSync(join(tmpdir(), "vela-init-"));
      const init = await runCli(
        ["def", "init", `my-${type}`, "--type", type, "--format", "handlebars", "-o", "def.yaml"],
        { cwd: dir },
      );
      expect(init.code).toBe(0);
      const text = readFileSync(join(dir, "def.yaml"), "utf8");
      expect(text).toContain("# ");
      expect((parse(text) as { metadata: { name: string } }).metadata.name).toBe(`my-${type}`);
      const vet = await runCli(["def", "vet", "def.yaml"], { cwd: dir });
      expect(vet).toEqual({ code: 0, stderr: "", stdout: "def.yaml: Validation succeeded.\n" });
    },
  );

  it("init rejects an unknown type as a usage error", async () => {
    const run = await runCli(["def", "init", "x", "--type", "workload"], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
  });
});
