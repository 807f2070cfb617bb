import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli } from "../support/cli.js";
import { HAS_SHARED, PROJECT_ROOT, SHARED_MISSING_REASON, sharedPath } from "../support/shared.js";

const APP = "test/fixtures/apps/webservice-scaler.yaml";
const FIXTURE_DEFS = "test/fixtures/definitions";

describe("vela-ts dry-run", () => {
  it("prints a YAML stream with a header per component", async () => {
    const run = await runCli(["dry-run", "-f", APP], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(
      run.stdout.startsWith(
        "---\n# Application(shop) -- Component(frontend)\n---\napiVersion: apps/v1\nkind: Deployment\n",
      ),
    ).toBe(true);
    expect(run.stdout).toContain("# Application(shop) -- Component(worker)");
    const kinds = parseAllDocuments(run.stdout)
      .map((document) => (document.toJS() as { kind?: string } | null)?.kind)
      .filter((kind) => kind !== undefined);
    expect(kinds).toEqual(["Deployment", "Service", "Deployment"]);
  });

  it("prints a JSON List with -o json and reads stdin with -f -", async () => {
    const run = await runCli(["dry-run", "-f", "-", "-o", "json"], {
      cwd: PROJECT_ROOT,
      stdin: readFileSync(join(PROJECT_ROOT, APP), "utf8"),
    });
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { kind: string; items: { kind: string }[] };
    expect(list.kind).toBe("List");
    expect(list.items.map((item) => item.kind)).toEqual(["Deployment", "Service", "Deployment"]);
  });

  it("gives byte-identical output on every run", async () => {
    const first = await runCli(["dry-run", "-f", APP], { cwd: PROJECT_ROOT });
    const second = await runCli(["dry-run", "-f", APP], { cwd: PROJECT_ROOT });
    expect(second.stdout).toBe(first.stdout);
  });

  it.each([
    { name: "missing file", argv: ["dry-run", "-f", "nope.yaml"], code: 1, stderr: "error[E_FILE_NOT_FOUND]" },
    {
      name: "malformed YAML",
      argv: ["dry-run", "-f", "-"],
      stdin: "apiVersion: core.oam.dev/v1beta1\nkind: [\n",
      code: 1,
      stderr: "error[E_YAML]",
    },
    {
      name: "unknown trait",
      argv: ["dry-run", "-f", "-"],
      stdin: [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        "metadata:\n  name: a",
        "spec:\n  components:\n    - name: c\n      type: webservice\n      properties: {image: x}",
        "      traits:\n        - type: scalr\n",
      ].join("\n"),
      code: 1,
      stderr: "--> <stdin>:11:17",
    },
    {
      name: "broken shorthand in --definitions",
      argv: ["dry-run", "-f", APP, "--definitions", "test/fixtures/broken-definitions"],
      code: 1,
      stderr: "broken-shorthand.yaml:9:19",
    },
    { name: "bad output format", argv: ["dry-run", "-f", APP, "-o", "xml"], code: 2, stderr: "error[E_USAGE]" },
    { name: "no -f", argv: ["dry-run"], code: 2, stderr: "required option" },
  ])("$name: exit $code, nothing on stdout", async ({ argv, stdin, code, stderr }) => {
    const run = await runCli(argv, { cwd: PROJECT_ROOT, ...(stdin === undefined ? {} : { stdin }) });
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(stderr);
  });

  it("warns on stderr when a user definition overrides a bundled one", async () => {
    const run = await runCli(
      ["dry-run", "-f", APP, "--definitions", FIXTURE_DEFS, "--definitions", "definitions/traits"],
      { cwd: PROJECT_ROOT },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: TraitDefinition "scaler" from user');
  });
});

describe.skipIf(!HAS_SHARED)(
  `dry-run of the upstream examples (${HAS_SHARED ? "../shared" : SHARED_MISSING_REASON})`,
  () => {
    it("reports the broken rollback.yaml at 24:13 and prints nothing", async () => {
      const file = sharedPath("reference/kubevela-examples/canary-rollout-use-case/rollback.yaml");
      const run = await runCli(["dry-run", "-f", file], { cwd: PROJECT_ROOT });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(`--> ${file}:24:13`);
    });
  },
);

describe("dry-run refuses what would never settle, naming where", () => {
  const app = (...lines: string[]): string =>
    ["apiVersion: core.oam.dev/v1beta1", "kind: Application", "metadata:", "  name: loop", "spec:", ...lines, ""].join(
      "\n",
    );
  it.each([
    {
      name: "a cycle in component dependsOn",
      text: app(
        "  components:",
        "    - name: a",
        "      type: webservice",
        "      dependsOn: [b]",
        "      properties: {image: nginx}",
        "    - name: b",
        "      type: webservice",
        "      dependsOn: [a]",
        "      properties: {image: nginx}",
      ),
      want: [
        "error[E_COMPONENT_CYCLE]: components depend on each other in a cycle: a → b → a",
        "  --> <stdin>:9:18  (/spec/components/0/dependsOn)",
      ],
    },
    {
      name: "a component dependsOn naming no component",
      text: app(
        "  components:",
        "    - name: a",
        "      type: webservice",
        "      dependsOn: [bb]",
        "      properties: {image: nginx}",
      ),
      want: [
        'error[E_DEPENDS_ON]: component "a" depends on unknown component "bb"',
        "  --> <stdin>:9:19  (/spec/components/0/dependsOn/0)",
      ],
    },
    {
      name: "a cycle in the declared workflow's dependsOn",
      text: app(
        "  components:",
        "    - {name: a, type: webservice, properties: {image: nginx}}",
        "  workflow:",
        "    mode: {steps: DAG}",
        "    steps:",
        "      - name: one",
        "        type: apply-component",
        "        dependsOn: [two]",
        "        properties: {component: a}",
        "      - {name: two, type: apply-component, dependsOn: [one], properties: {component: a}}",
      ),
      want: [
        "error[E_WORKFLOW_CYCLE]: steps depend on each other in a cycle: one → two → one",
        "  --> <stdin>:13:20  (/spec/workflow/steps/0/dependsOn)",
      ],
    },
    {
      name: "a webservice exposing a port plus a gateway trait: both render Service a",
      text: app(
        "  components:",
        "    - name: a",
        "      type: webservice",
        "      properties: {image: nginx, ports: [{port: 80, expose: true}]}",
        "      traits:",
        "        - type: gateway",
        '          properties: {http: {"/": 80}}',
      ),
      want: [
        'error[E_DUPLICATE_OBJECT]: Service default/a is rendered twice: by component "a" (its webservice ' +
          'outputs.webserviceExpose) and by trait "gateway" of component "a" (outputs.service)',
        "  --> <stdin>:11:17  (/spec/components/0/traits/0/type)",
      ],
    },
  ])("$name", async ({ text, want }) => {
    const run = await runCli(["dry-run", "-f", "-"], { cwd: PROJECT_ROOT, stdin: text });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n").slice(0, 2)).toEqual(want);
  });
});
