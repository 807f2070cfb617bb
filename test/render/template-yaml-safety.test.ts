/**
 * Handlebars templates emit YAML-safe scalars (DESIGN §4): a bare `{{x}}` can no longer inject YAML
 * structure, and a value keeps its type — before, a value with a newline became a new key, the
 * string "1.10" became the number 1.1 and "null" vanished.
 */
import { describe, expect, it } from "vitest";
import { VelaError } from "../../src/errors/index.js";
import { renderTemplate } from "../../src/render/index.js";
import type { JsonObject } from "../../src/util/index.js";

function render(template: string, parameter: JsonObject, context: JsonObject = { name: "web" }): unknown {
  return renderTemplate(template, { parameter, context });
}

describe("bare {{x}} in a YAML template", () => {
  it("cannot add structure: a value with a newline and 'key:' stays inside its string", () => {
    const value = render("metadata:\n  annotations:\n    note: {{parameter.note}}\n", {
      note: "hello\nadmin: true\n  - x",
    });
    expect(value).toEqual({ metadata: { annotations: { note: "hello\nadmin: true\n  - x" } } });
  });

  it.each([
    { name: "a version string", value: "1.10", want: "1.10" },
    { name: "the text null", value: "null", want: "null" },
    { name: "the text true", value: "true", want: "true" },
    { name: "a string with ': ' and '#'", value: "a: b # c", want: "a: b # c" },
    { name: "an empty string", value: "", want: "" },
    { name: "a number", value: 8080, want: 8080 },
    { name: "a boolean", value: false, want: false },
    { name: "null", value: null, want: null },
    { name: "a list", value: [1, "2"], want: [1, "2"] },
    { name: "a map", value: { a: "1.0" }, want: { a: "1.0" } },
  ])("keeps the type of $name", ({ value, want }) => {
    expect(render("v: {{parameter.v}}\n", { v: value })).toEqual({ v: want });
  });

  it("goes in as text inside quotes, around other text and in keys", () => {
    const value = render(
      [
        'image: "repo/{{parameter.tag}}"',
        "name: {{context.name}}-svc",
        "labels:",
        "{{#each parameter.labels}}",
        "  {{@key}}: {{this}}",
        "{{/each}}",
        "",
      ].join("\n"),
      { tag: 'v1" evil: "x', labels: { "team: a": "1.0", plain: "yes" } },
    );
    expect(value).toEqual({
      image: 'repo/v1" evil: "x',
      name: "web-svc",
      labels: { "team: a": "1.0", plain: "yes" },
    });
  });

  it("leaves the text helpers (json, toYaml, indent, nindent, quote) and {{{x}}} as text", () => {
    const value = render(
      [
        "a: {{json parameter.list}}",
        "b: {{quote parameter.n}}",
        "c:{{nindent 2 (toYaml parameter.map)}}",
        "d: {{{parameter.raw}}}",
        "",
      ].join("\n"),
      { list: [1, 2], n: 3, map: { x: "1" }, raw: "[1, 2]" },
    );
    expect(value).toEqual({ a: [1, 2], b: "3", c: { x: "1" }, d: [1, 2] });
  });

  it("a YAML error in the template's own text shows the rendered line with the values, not placeholders", () => {
    let error: unknown;
    try {
      render("a: {{parameter.x}}: b: c\n", { x: "visible" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VelaError);
    expect((error as VelaError).code).toBe("E_TEMPLATE_YAML");
    expect((error as VelaError).hint).toContain('"a: visible: b: c"');
    expect((error as VelaError).hint).not.toContain("\uE000");
  });
});
