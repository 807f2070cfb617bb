import { describe, expect, it } from "vitest";
import { VelaError } from "../../src/errors/index.js";
import { renderTemplate } from "../../src/render/template.js";

function errorOf(template: string, data: Record<string, unknown> = {}): VelaError {
  try {
    renderTemplate(template, { parameter: {}, context: {}, ...(data as Record<string, never>) });
  } catch (error) {
    if (error instanceof VelaError) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("bounded handlebars templates", () => {
  it("nested replace that doubles text at every level stops at the helper output cap", () => {
    let expression = '"ab"';
    for (let level = 0; level < 40; level++) expression = `(replace ${expression} "a" "aa")`;
    const started = Date.now();
    const error = errorOf(`value: {{json ${expression}}}`);
    expect(error.code).toBe("E_TEMPLATE_LIMIT");
    expect(error.message).toMatch(/helper "replace" would produce/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("indent with a huge width is refused before any string is built", () => {
    const error = errorOf('value: {{indent 400000000 "x"}}');
    expect(error.code).toBe("E_TEMPLATE_LIMIT");
    expect(error.message).toMatch(/400000000 spaces, more than 1024/);
  });

  it("50,000 nested {{#if}} blocks are refused before handlebars parses them", () => {
    const template = `${"{{#if true}}".repeat(50_000)}a: 1${"{{/if}}".repeat(50_000)}`;
    const error = errorOf(template);
    expect(error.code).toBe("E_TEMPLATE_LIMIT");
    expect(error.message).toMatch(/nest more than 100 levels/);
  });

  it("nested {{#each}} over data multiply their steps and stop at the step budget", () => {
    const list = Array.from({ length: 200 }, (_, index) => index);
    const error = errorOf(
      "items:\n{{#each parameter.l}}{{#each @root.parameter.l}}{{#each @root.parameter.l}}  - x\n{{/each}}{{/each}}{{/each}}",
      { parameter: { l: list } },
    );
    expect(error.message).toMatch(/more than 1000000 steps/);
    expect(error.code).toBe("E_TEMPLATE_LIMIT");
  });

  it("ordinary templates are unaffected", () => {
    expect(
      renderTemplate("{{#each parameter.ports}}- {{this}}\n{{/each}}", {
        parameter: { ports: [80, 443] },
        context: {},
      }),
    ).toEqual([80, 443]);
    expect(renderTemplate('v: {{json (replace "a-b-c" "-" ".")}}', { parameter: {}, context: {} })).toEqual({
      v: "a.b.c",
    });
  });
});
