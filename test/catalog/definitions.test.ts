import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { CATALOG_FILES, catalogDefinitions, stem } from "./catalog-files.js";

/** Every field name declared anywhere in a parameter JSON Schema (nested structs and list items too). */
function parameterNames(schema: unknown, into: Set<string> = new Set()): Set<string> {
  if (schema === null || typeof schema !== "object") return into;
  const record = schema as Record<string, unknown>;
  if (record.properties !== null && typeof record.properties === "object") {
    for (const [name, sub] of Object.entries(record.properties)) {
      into.add(name);
      parameterNames(sub, into);
    }
  }
  for (const key of ["items", "additionalProperties"]) parameterNames(record[key], into);
  for (const key of ["anyOf", "oneOf", "allOf"])
    if (Array.isArray(record[key])) for (const sub of record[key]) parameterNames(sub, into);
  return into;
}

/** Component, trait, step and policy types used by the golden Applications. */
function goldenTypes(): Set<string> {
  const dir = join(PROJECT_ROOT, "test", "golden");
  const types = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === "object") {
      for (const [key, member] of Object.entries(value)) {
        if (key === "type" && typeof member === "string") types.add(member);
        else collect(member);
      }
    }
  };
  for (const entry of readdirSync(dir)) {
    const app = join(dir, entry, "app.yaml");
    if (!existsSync(app)) continue;
    for (const document of parseAllDocuments(readFileSync(app, "utf8"))) {
      const spec = (document.toJS() as { spec?: unknown }).spec as Record<string, unknown> | undefined;
      collect([spec?.components, spec?.policies, spec?.workflow]);
    }
  }
  return types;
}

const DEFINITIONS = catalogDefinitions().map(({ definition, file }) => ({
  name: `${definition.kind} ${definition.name}`,
  definition,
  file,
}));

describe("the built-in catalog", () => {
  it("holds the definitions DESIGN §5 lists", () => {
    const names = new Set(DEFINITIONS.map(({ definition }) => definition.name));
    for (const name of [
      "webservice",
      "k8s-objects",
      "ref-objects",
      "helm",
      "kruise-rollout",
      "canary-traffic",
      "rollout",
      "expose",
      "istio-gateway",
      "scaler",
      "labels",
      "annotations",
      "node-affinity",
      "gateway",
      "deploy",
      "apply-component",
      "suspend",
      "canary-rollout",
      "canary-rollback",
      "notification",
      "step-group",
      "topology",
      "override",
      "apply-once",
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it.each(DEFINITIONS)("$name is named after its file and described", ({ definition, file }) => {
    expect(stem(file.file)).toBe(definition.name);
    expect(definition.description.length).toBeGreaterThan(10);
  });

  it("no two definitions of one kind share a name", () => {
    const keys = DEFINITIONS.map(({ definition }) => `${definition.kind}/${definition.name}`);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
  });

  it("every definition is exercised by a golden case (rendered and schema-checked there)", () => {
    const used = goldenTypes();
    expect(DEFINITIONS.map(({ definition }) => definition.name).filter((name) => !used.has(name))).toEqual([]);
  });

  it.each(
    DEFINITIONS.filter(
      ({ definition }) => definition.kind === "WorkflowStepDefinition" || definition.kind === "PolicyDefinition",
    ),
  )("$name is either builtin or has actions", ({ definition }) => {
    if (definition.kind === "WorkflowStepDefinition")
      expect(definition.builtin !== undefined || definition.actions !== undefined).toBe(true);
    if (definition.kind === "PolicyDefinition") expect(definition.builtin).toBe(definition.name);
  });
});

describe("vela-ts def on the catalog", () => {
  const vet = async (file: string): Promise<void> => {
    const run = await runCli(["def", "vet", file], { cwd: PROJECT_ROOT });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  };
  it.each(CATALOG_FILES)("def vet $name", async ({ file }) => vet(file));

  it.each(DEFINITIONS)("def doc $name mentions every parameter", async ({ definition }) => {
    const run = await runCli(["def", "doc", definition.name], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(0);
    const missing = [...parameterNames(definition.parameterSchema)].filter((name) => !run.stdout.includes(name));
    expect(missing).toEqual([]);
  });
});
