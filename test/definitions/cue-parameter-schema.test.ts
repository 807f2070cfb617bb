import { describe, expect, it } from "vitest";
import { createDefinitionParser, type ComponentDefinition } from "../../src/definitions/index.js";

/** The JSON Schema derived from a CUE `parameter` (what `def init`, `def doc` and `def vet`'s sample read). */
function schemaOf(parameter: string): unknown {
  const indented = parameter
    .split("\n")
    .map((line) => `        ${line}`)
    .join("\n");
  const yaml = `apiVersion: core.oam.dev/v1beta1
kind: ComponentDefinition
metadata:
  name: lists
spec:
  workload:
    type: autodetects.core.oam.dev
  schematic:
    cue:
      template: |
        output: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "x"}
${indented}
`;
  const parsed = createDefinitionParser().parse(yaml, "lists.yaml", { source: "file" });
  expect(parsed.issues).toEqual([]);
  const [definition] = parsed.definitions as ComponentDefinition[];
  return definition?.parameterSchema;
}

describe("CUE parameter lists as JSON Schema", () => {
  it("an open list with leading elements needs at least those (minItems); others do not", () => {
    const schema = schemaOf(`parameter: {
	some: [string, ...string]
	two: [int, int, ...int]
	any: [...string]
	defaulted: *["a"] | [...string]
}`) as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties["some"]).toMatchObject({ type: "array", items: { type: "string" }, minItems: 1 });
    expect(schema.properties["two"]).toMatchObject({ type: "array", items: { type: "integer" }, minItems: 2 });
    expect(schema.properties["any"]).toEqual({ type: "array", items: { type: "string" } });
    expect(schema.properties["defaulted"]?.["minItems"]).toBeUndefined();
  });
});
