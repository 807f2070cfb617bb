import { describe, expect, it } from "vitest";
import { compileShorthand } from "../../src/definitions/index.js";
import { ValidationError } from "../../src/errors/index.js";
import { parseYamlDocuments } from "../../src/model/index.js";
import type { JsonObject, JsonValue } from "../../src/util/index.js";

/** Compiles `parameter: {x: <leaf>}` and returns the schema of x. */
function leaf(shorthand: JsonValue): JsonValue | undefined {
  const schema = compileShorthand({ x: shorthand });
  return (schema.properties as JsonObject).x;
}

describe("compileShorthand: every row of docs/definitions.md", () => {
  it.each([
    { name: "string", input: "string", want: { type: "string" } },
    { name: "int", input: "int", want: { type: "integer" } },
    { name: "number", input: "number", want: { type: "number" } },
    { name: "bool", input: "bool", want: { type: "boolean" } },
    { name: "default int", input: "*8080 | int", want: { type: "integer", default: 8080 } },
    { name: "enum", input: '"a" | "b" | "c"', want: { enum: ["a", "b", "c"] } },
    { name: "enum with default", input: '*"a" | "b"', want: { enum: ["a", "b"], default: "a" } },
    { name: "bounds", input: "int & >=0 & <=100", want: { type: "integer", minimum: 0, maximum: 100 } },
    {
      name: "exclusive bounds",
      input: "number & >0 & <1",
      want: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
    },
    { name: "pattern", input: 'string & =~"^[a-z]+$"', want: { type: "string", pattern: "^[a-z]+$" } },
    { name: "list of a type", input: "[...string]", want: { type: "array", items: { type: "string" } } },
    {
      name: "map of a type",
      input: "{[string]: string}",
      want: { type: "object", additionalProperties: { type: "string" } },
    },
    { name: "union int-or-string", input: "int | string", want: { anyOf: [{ type: "integer" }, { type: "string" }] } },
    { name: "any object", input: "{...}", want: { type: "object" } },
    { name: "any value", input: "_", want: {} },
    { name: "default with bounds", input: "*1 | int & >=0", want: { type: "integer", minimum: 0, default: 1 } },
    { name: "bool default", input: "*false | bool", want: { type: "boolean", default: false } },
    {
      name: "list default",
      input: "*[] | [...string]",
      want: { type: "array", items: { type: "string" }, default: [] },
    },
    { name: "not empty", input: 'string & !=""', want: { type: "string", not: { const: "" } } },
    {
      name: "list of structs",
      input: [{ name: "string", "port?": "int" }],
      want: {
        type: "array",
        items: {
          type: "object",
          properties: { name: { type: "string" }, port: { type: "integer" } },
          required: ["name"],
          additionalProperties: false,
        },
      },
    },
    {
      name: "map of structs",
      input: { "[string]": { x: "int" } },
      want: {
        type: "object",
        properties: {},
        additionalProperties: {
          type: "object",
          properties: { x: { type: "integer" } },
          required: ["x"],
          additionalProperties: false,
        },
        default: {},
      },
    },
    {
      name: "required struct defaults to {}",
      input: { "size?": "*1 | int" },
      want: {
        type: "object",
        properties: { size: { type: "integer", default: 1 } },
        additionalProperties: false,
        default: {},
      },
    },
  ])("$name", ({ input, want }) => {
    expect(leaf(input)).toEqual(want);
  });

  it("optional keys are not required, required keys without default are", () => {
    expect(compileShorthand({ image: "string", "port?": "int", replicas: "*1 | int" })).toEqual({
      type: "object",
      properties: { image: { type: "string" }, port: { type: "integer" }, replicas: { type: "integer", default: 1 } },
      required: ["image"],
      additionalProperties: false,
    });
  });

  it("turns # +usage= comments into descriptions", () => {
    const text = "parameter:\n  # +usage=the image\n  image: string\n  nested:\n    # +usage=inner field\n    a: int\n";
    const [document] = parseYamlDocuments(text, "def.yaml");
    const schema = compileShorthand((document?.value as JsonObject).parameter ?? null, {
      sourceMap: document!.sourceMap,
      pointer: "/parameter",
    });
    const properties = schema.properties as JsonObject;
    expect((properties.image as JsonObject).description).toBe("the image");
    expect(((properties.nested as JsonObject).properties as JsonObject).a).toEqual({
      type: "integer",
      description: "inner field",
    });
  });
});

describe("compileShorthand: errors", () => {
  it.each([
    { name: "unknown type", input: "integer", detail: 'unknown type "integer"' },
    { name: "two defaults", input: "*1 | *2", detail: "only one branch" },
    { name: "default not a value", input: "*int | string", detail: "the default (after *) must be a value" },
    { name: "dangling operator", input: "string & =~", detail: '"=~" needs' },
    { name: "unterminated string", input: '"abc', detail: "unterminated string" },
    { name: "unbalanced list", input: "[...string", detail: 'expected "]"' },
    { name: "contradiction", input: "int & string", detail: "can never match" },
    { name: "bare number", input: 3, detail: "must be written as a string" },
    { name: "two-item list", input: ["string", "int"], detail: "exactly one item" },
  ])("$name", ({ input, detail }) => {
    let caught: unknown;
    try {
      leaf(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const issue = (caught as ValidationError).issues[0];
    expect(issue?.code).toBe("E_DEF_SHORTHAND");
    expect(issue?.path).toBe("/spec/schematic/template/parameter/x");
    expect(issue?.message).toContain(detail);
  });

  it("reports every broken leaf at its line in the definition file", () => {
    const text = [
      "spec:",
      "  schematic:",
      "    template:",
      "      parameter:",
      '        a: "integer"',
      "        b: string",
      '        c: "[...int"',
      "",
    ].join("\n");
    const [document] = parseYamlDocuments(text, "defs/x.yaml");
    const parameter = (((document?.value as JsonObject).spec as JsonObject).schematic as JsonObject)
      .template as JsonObject;
    let caught: unknown;
    try {
      compileShorthand(parameter.parameter ?? null, { sourceMap: document!.sourceMap });
    } catch (error) {
      caught = error;
    }
    const issues = (caught as ValidationError).issues;
    expect(issues.map((issue) => [issue.path, issue.source?.file, issue.source?.line])).toEqual([
      ["/spec/schematic/template/parameter/a", "defs/x.yaml", 5],
      ["/spec/schematic/template/parameter/c", "defs/x.yaml", 7],
    ]);
  });
});
