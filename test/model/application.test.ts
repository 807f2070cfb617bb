import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { formatError } from "../../src/cli/report.js";
import { ValidationError } from "../../src/errors/index.js";
import {
  parseApplication,
  parseApplications,
  parseYamlDocuments,
  locateInSource,
  commentAt,
} from "../../src/model/index.js";
import { HAS_SHARED, SHARED_MISSING_REASON, sharedPath } from "../support/shared.js";

function failure(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

const HEADER = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: demo\n";

describe("parseYamlDocuments", () => {
  it("maps pointers to lines and columns, and keeps comments above keys", () => {
    const text = "a:\n  # +usage=the b\n  b: 1\n  list:\n    - x: hi\n---\nsecond: true\n";
    const [first, second] = parseYamlDocuments(text, "f.yaml");
    expect(first?.value).toEqual({ a: { b: 1, list: [{ x: "hi" }] } });
    expect(locateInSource(first?.sourceMap, "/a/b")).toEqual({ file: "f.yaml", line: 3, column: 6 });
    expect(locateInSource(first?.sourceMap, "/a/list/0/x")).toEqual({ file: "f.yaml", line: 5, column: 10 });
    expect(locateInSource(first?.sourceMap, "/a/list/0/missing")).toEqual({ file: "f.yaml", line: 5, column: 7 });
    expect(commentAt(first?.sourceMap, "/a/b")).toBe(" +usage=the b");
    expect(second?.index).toBe(1);
    expect(locateInSource(second?.sourceMap, "/second")).toEqual({ file: "f.yaml", line: 7, column: 9 });
  });

  it.each([
    { name: "sequence after a mapping", text: "a: 1\n- b\n", line: 2 },
    { name: "duplicate key", text: "a: 1\na: 2\n", line: 2 },
    { name: "bad indentation", text: "a:\n  b: 1\n c: 2\n", line: 3 },
  ])("reports $name as E_YAML with a line", ({ text, line }) => {
    const error = failure(() => parseYamlDocuments(text, "bad.yaml"));
    expect(error.issues[0]?.code).toBe("E_YAML");
    expect(error.issues[0]?.source?.file).toBe("bad.yaml");
    expect(error.issues[0]?.source?.line).toBe(line);
  });
});

describe("parseApplication errors", () => {
  it.each([
    {
      name: "unknown top-level key",
      text: `${HEADER}spec:\n  components: []\nextra: 1\n`,
      code: "E_APP_INVALID",
      path: "/extra",
      line: 7,
    },
    {
      name: "unknown spec key",
      text: `${HEADER}spec:\n  components: []\n  polices: []\n`,
      code: "E_APP_INVALID",
      path: "/spec/polices",
      line: 7,
    },
    {
      name: "component without type",
      text: `${HEADER}spec:\n  components:\n    - name: a\n`,
      code: "E_APP_INVALID",
      path: "/spec/components/0",
      line: 7,
    },
    {
      name: "properties not a map",
      text: `${HEADER}spec:\n  components:\n    - name: a\n      type: webservice\n      properties: [1]\n`,
      code: "E_APP_INVALID",
      path: "/spec/components/0/properties",
      line: 9,
    },
    {
      name: "duplicate component",
      text: `${HEADER}spec:\n  components:\n    - name: a\n      type: x\n    - name: a\n      type: y\n`,
      code: "E_DUPLICATE_NAME",
      path: "/spec/components/1/name",
      line: 9,
    },
    {
      name: "wrong kind",
      text: "apiVersion: core.oam.dev/v1beta1\nkind: Deployment\nmetadata:\n  name: demo\nspec:\n  components: []\n",
      code: "E_APP_INVALID",
      path: "/kind",
      line: 2,
    },
    {
      name: "bad step timeout",
      text: `${HEADER}spec:\n  components: []\n  workflow:\n    steps:\n      - name: s\n        type: suspend\n        timeout: soon\n`,
      code: "E_APP_INVALID",
      path: "/spec/workflow/steps/0/timeout",
      line: 11,
    },
    {
      name: "dependsOn unknown component",
      text: `${HEADER}spec:\n  components:\n    - name: a\n      type: x\n      dependsOn: [b]\n`,
      code: "E_DEPENDS_ON",
      path: "/spec/components/0/dependsOn/0",
      line: 9,
    },
  ])("$name", ({ text, code, path, line }) => {
    const error = failure(() => parseApplication(text, "app.yaml"));
    const issue = error.issues[0];
    expect(issue?.code).toBe(code);
    expect(issue?.path).toBe(path);
    expect(issue?.source?.line).toBe(line);
    expect(issue?.hint ?? issue?.message).toBeTruthy();
  });

  it("reports all problems at once with a readable report", () => {
    const text = `${HEADER}spec:\n  components:\n    - name: a\n      type: webservice\n      trait: []\n    - name: b\n`;
    const error = failure(() => parseApplication(text, "app.yaml"));
    expect(error.issues.map((issue) => issue.path)).toEqual(["/spec/components/0/trait", "/spec/components/1"]);
    expect(formatError(error)).toBe(
      [
        'error[E_APP_INVALID]: unknown field "trait" in "spec.components.0"',
        "  --> app.yaml:9:14  (/spec/components/0/trait)",
        '  hint: did you mean "traits"? known fields: name, type, properties, traits, dependsOn, inputs, outputs, externalRevision, scopes',
        "",
        'error[E_APP_INVALID]: missing required field "type" in "spec.components.1"',
        "  --> app.yaml:10:7  (/spec/components/1)",
        '  hint: add "type"',
        "",
        "2 problems found",
        "",
      ].join("\n"),
    );
  });

  it("accepts several Applications in one stream", () => {
    const one = `${HEADER}spec:\n  components: []\n`;
    expect(
      parseApplications(`${one}---\n${one.replace("demo", "other")}`, "apps.yaml").map(
        (parsed) => parsed.application.metadata.name,
      ),
    ).toEqual(["demo", "other"]);
  });
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return entry.endsWith(".yaml") ? [full] : [];
  });
}

describe.skipIf(!HAS_SHARED)(
  `upstream example Applications (${HAS_SHARED ? "../shared" : SHARED_MISSING_REASON})`,
  () => {
    const root = sharedPath("reference", "kubevela-examples");
    const files = HAS_SHARED
      ? yamlFiles(root)
          .map((file) => relative(root, file))
          .sort()
      : [];
    const valid = files.filter((file) => !file.endsWith("canary-rollout-use-case/rollback.yaml"));

    it.each(valid.map((file) => ({ file })))("$file parses", ({ file }) => {
      const apps = parseApplications(readFileSync(join(root, file), "utf8"), file);
      expect(apps.length).toBeGreaterThan(0);
    });

    it("rollback.yaml (broken upstream) is an E_YAML error at 24:13", () => {
      const file = join(root, "canary-rollout-use-case/rollback.yaml");
      const error = failure(() => parseApplication(readFileSync(file, "utf8"), file));
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]).toMatchObject({ code: "E_YAML", source: { file, line: 24, column: 13 } });
    });
  },
);
