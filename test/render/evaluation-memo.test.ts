/**
 * The memo of CUE evaluations: a definition's rendering and parameter check are reused for an
 * input seen again, and never across a changed definition or a changed input.
 */
import { describe, expect, it } from "vitest";
import { compileCue, EvaluationMemo } from "../../src/cue/index.js";
import { checkCueParameter, compileDefinitionCue, type ComponentDefinition } from "../../src/definitions/index.js";
import { DEFAULT_ADDONS } from "../../src/operations/index.js";
import { loadClusterRegistry } from "../../src/reconciler/definitions-for-app.js";
import { renderCueComponent } from "../../src/render/cue-template.js";
import type { JsonObject } from "../../src/util/index.js";
import { PROJECT_ROOT } from "../support/shared.js";

const program = (text: string): ReturnType<typeof compileCue> =>
  compileCue({ file: "t.cue", text }, { injected: ["parameter"] });

describe("EvaluationMemo", () => {
  it("computes once per program and input; another input or another program computes again", () => {
    const memo = new EvaluationMemo<{ n: number }>({ copy: (result) => ({ ...result }) });
    const first = program("output: parameter");
    const second = program("output: parameter");
    let computed = 0;
    const compute = (): { n: number } => ({ n: ++computed });
    expect(memo.get(first, { a: 1 }, compute)).toEqual({ n: 1 });
    expect(memo.get(first, { a: 1 }, compute)).toEqual({ n: 1 });
    expect(memo.get(first, { a: 2 }, compute)).toEqual({ n: 2 });
    expect(memo.get(second, { a: 1 }, compute)).toEqual({ n: 3 });
    expect(computed).toBe(3);
  });

  it("tells long inputs apart by their whole text (kept as a digest), down to the last character", () => {
    const memo = new EvaluationMemo<{ n: number }>({ copy: (result) => ({ ...result }) });
    const compiled = program("output: parameter");
    const long = (last: string): { text: string } => ({ text: `${"x".repeat(4096)}${last}` });
    let computed = 0;
    const compute = (): { n: number } => ({ n: ++computed });
    expect(memo.get(compiled, long("a"), compute)).toEqual({ n: 1 });
    expect(memo.get(compiled, long("b"), compute)).toEqual({ n: 2 });
    expect(memo.get(compiled, long("a"), compute)).toEqual({ n: 1 });
    expect(computed).toBe(2);
  });

  it("hands out copies, remembers nothing of a computation that throws, and forgets the least recently used", () => {
    const memo = new EvaluationMemo<{ n: number }>({ copy: (result) => ({ ...result }), capacity: 2 });
    const compiled = program("output: parameter");
    let computed = 0;
    const compute = (): { n: number } => ({ n: ++computed });
    memo.get(compiled, "a", compute).n = 100;
    expect(memo.get(compiled, "a", compute)).toEqual({ n: 1 });
    expect(() =>
      memo.get(compiled, "b", () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(memo.get(compiled, "b", compute)).toEqual({ n: 2 });
    memo.get(compiled, "a", compute); // a is now the most recently used
    memo.get(compiled, "c", compute); // evicts b
    expect(memo.get(compiled, "a", compute)).toEqual({ n: 1 });
    expect(memo.get(compiled, "b", compute)).toEqual({ n: 4 });
    expect(computed).toBe(4);
  });
});

describe("rendering and checking a CUE definition again", () => {
  const { registry } = loadClusterRegistry({
    definitionDirs: [],
    cwd: PROJECT_ROOT,
    enabledAddons: [...DEFAULT_ADDONS],
  });
  const definition = registry.getComponent("k8s-objects");
  const objects = (name: string): JsonObject => ({
    objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" } }],
  });
  const context: JsonObject = { name: "c", appName: "app", namespace: "default" };

  it("renders the same again, each caller getting its own copy; a changed input renders anew", () => {
    const first = renderCueComponent(definition, { parameter: objects("one"), context }, registry.cache, "c");
    (first.output as JsonObject).kind = "Changed";
    const again = renderCueComponent(definition, { parameter: objects("one"), context }, registry.cache, "c");
    expect(again.output).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "one" }, data: { a: "1" } });
    const other = renderCueComponent(definition, { parameter: objects("two"), context }, registry.cache, "c");
    expect((other.output as { metadata: { name: string } }).metadata.name).toBe("two");
  });

  it("renders with the changed definition when the template changes, not what the old one rendered", () => {
    const cue = definition.cue;
    if (cue === undefined) throw new Error("k8s-objects is a CUE definition");
    const changed: ComponentDefinition = {
      ...definition,
      cue: {
        ...cue,
        text: cue.text.replace(
          "output: parameter.objects[0]",
          'output: parameter.objects[0] & {metadata: labels: changed: "yes"}',
        ),
      },
    };
    expect(changed.cue?.text).not.toBe(cue.text);
    const before = renderCueComponent(definition, { parameter: objects("one"), context }, registry.cache, "c");
    const after = renderCueComponent(changed, { parameter: objects("one"), context }, registry.cache, "c");
    expect((before.output as { metadata: JsonObject }).metadata.labels).toBeUndefined();
    expect((after.output as { metadata: JsonObject }).metadata.labels).toEqual({ changed: "yes" });
  });

  it("checks parameters again with the caller's own ignoreMissing, and a changed input is checked anew", () => {
    const cue = definition.cue;
    if (cue === undefined) throw new Error("k8s-objects is a CUE definition");
    const compiled = compileDefinitionCue(cue, registry.cache);
    const incomplete: JsonObject = { objects: [{ apiVersion: "v1", metadata: { name: "x" } }] };
    const missing = checkCueParameter(compiled, incomplete).problems.map((problem) => problem.kind);
    expect(missing).toContain("missing");
    const ignored = checkCueParameter(compiled, incomplete, { ignoreMissing: () => true }).problems;
    expect(ignored.filter((problem) => problem.kind === "missing")).toEqual([]);
    const complete = checkCueParameter(compiled, objects("ok"));
    expect(complete.problems).toEqual([]);
    (complete.value.objects as JsonObject[]).push({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } });
    expect(checkCueParameter(compiled, objects("ok")).value).toEqual(objects("ok"));
  });
});
