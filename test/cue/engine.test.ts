import { describe, expect, it } from "vitest";
import {
  compileCue,
  compileCueExpression,
  compileCuePackage,
  createCueCompiler,
  CueError,
  type CueValue,
} from "../../src/cue/index.js";

function evaluate(text: string, fill: Record<string, unknown> = {}, injected: string[] = []): CueValue {
  return compileCue({ file: "t.cue", text }, { injected }).evaluate({
    fill: Object.entries(fill).map(([key, value]) => ({ path: [key], value: value as never })),
  });
}

function thrown(run: () => unknown): CueError {
  try {
    run();
  } catch (error) {
    if (error instanceof CueError) return error;
    throw error;
  }
  throw new Error("expected a CueError");
}

describe("compiling", () => {
  it.each([
    { name: "unterminated string", text: 'a: "abc\n', line: 1, column: 4, kind: "syntax" },
    { name: "missing closing brace", text: "a: {\n  b: 1\n", line: 3, column: 1, kind: "syntax" },
    { name: "stray token", text: "a: 1\nb: ]\n", line: 2, column: 4, kind: "syntax" },
    { name: "unknown reference", text: "a: 1\nb: c + 1\n", line: 2, column: 4, kind: "reference" },
    { name: "unknown import", text: 'import "vela/nope"\na: 1\n', line: 1, column: 8, kind: "reference" },
    { name: "comprehension without body", text: "a: [for x in [1] x]\n", line: 1, column: 18, kind: "syntax" },
  ])("$name is a $kind error at its line and column", ({ text, line, column, kind }) => {
    const error = thrown(() => compileCue({ file: "broken.cue", text }));
    expect({ kind: error.kind, source: error.source }).toEqual({ kind, source: { file: "broken.cue", line, column } });
  });

  it("reports every unknown reference at once", () => {
    const error = thrown(() => compileCue({ file: "t.cue", text: "a: b\nc: d\n" }));
    expect(error.problems.map((problem) => problem.message)).toEqual([
      'reference "b" not found',
      'reference "d" not found',
    ]);
  });

  it("maps positions of a template cut out of a YAML block scalar back into the file", () => {
    const error = thrown(() =>
      compileCue({ file: "def.yaml", text: "a: 1\nb: nope\n", line: 12, column: 9, indent: 8 }),
    );
    expect(error.source).toEqual({ file: "def.yaml", line: 13, column: 12 });
  });

  it("accepts names that fills will supply (`context`, `parameter`)", () => {
    const value = evaluate('out: context.name + "-x"', { context: { name: "api" } }, ["context"]);
    expect(value.lookup("out")?.export()).toBe("api-x");
  });

  it("a compiler reuses the program of identical sources", () => {
    const compiler = createCueCompiler();
    const first = compiler.compile({ file: "a.cue", text: "a: 1" });
    expect(compiler.compile({ file: "a.cue", text: "a: 1" })).toBe(first);
    expect(compiler.compile({ file: "a.cue", text: "a: 2" })).not.toBe(first);
  });
});

describe("evaluating", () => {
  const template = `
parameter: {
	image: string
	replicas: *1 | int & >=0
	env?: [...{name: string, value: string}]
}
output: {
	spec: replicas: parameter.replicas
	spec: containers: [{
		image: parameter.image
		if parameter.env != _|_ {env: parameter.env}
	}]
}`;
  const program = compileCue({ file: "t.cue", text: template });

  it("one program evaluates with different fills", () => {
    const first = program.evaluate({ fill: [{ path: ["parameter"], value: { image: "a" } }] });
    const second = program.evaluate({
      fill: [{ path: ["parameter"], value: { image: "b", replicas: 3, env: [{ name: "X", value: "1" }] } }],
    });
    expect(first.lookup("output")?.export()).toEqual({ spec: { replicas: 1, containers: [{ image: "a" }] } });
    expect(second.lookup("output")?.export()).toEqual({
      spec: { replicas: 3, containers: [{ image: "b", env: [{ name: "X", value: "1" }] }] },
    });
  });

  it("an incomplete value is reported with its path and the position of its type", () => {
    const result = program.evaluate().lookup("output")?.tryExport();
    expect(result?.ok).toBe(false);
    if (result?.ok !== false) return;
    expect(
      result.error.problems.map((problem) => ({
        path: problem.path,
        message: problem.message,
        line: problem.positions[0]?.line,
      })),
    ).toEqual([{ path: "output.spec.containers.0.image", message: "incomplete value string", line: 3 }]);
  });

  it("a conflict names both values and both positions", () => {
    const value = program.evaluate({ fill: [{ path: ["parameter"], value: { image: "a", replicas: -1 } }] });
    const problems = value.lookup("parameter")?.errors() ?? [];
    expect(problems.map((problem) => [problem.path, problem.message])).toEqual([
      ["parameter.replicas", "conflicting values -1 and *1 | int & >=0 (no alternative matches)"],
    ]);
  });

  it("fillPath re-evaluates with one more value", () => {
    const root = program.evaluate({ fill: [{ path: ["parameter"], value: { image: "a" } }] });
    const filled = root.fillPath(["parameter", "replicas"], 5);
    expect(filled.lookup("output", "spec", "replicas")?.export()).toBe(5);
    expect(root.lookup("output", "spec", "replicas")?.export()).toBe(1);
  });

  it("fields come in declaration order with their comments and attributes", () => {
    const value = evaluate(`
// +usage=the image
image: "x" @tag(img)
#hidden: 1
_private: 2
opt?: int
// first line
// +patchKey=name
list: [] @step(2)
`);
    expect(value.fields().map((field) => field.label)).toEqual(["image", "list"]);
    expect(value.fields({ definitions: true, hidden: true, optional: true }).map((field) => field.label)).toEqual([
      "image",
      "#hidden",
      "_private",
      "opt",
      "list",
    ]);
    expect(value.lookup("image")?.comments()).toEqual([" +usage=the image"]);
    expect(value.lookup("list")?.comments()).toEqual([" first line", " +patchKey=name"]);
    expect(value.lookup("list")?.attributes("step")).toEqual([{ name: "step", body: "2" }]);
  });

  it("describes declarations and defaults for documentation", () => {
    const value = evaluate(`p: {replicas: *1 | int, proto: *"TCP" | "UDP", name: string, tags: [...string]}`);
    const replicas = value.lookup("p", "replicas");
    expect(replicas?.defaultValue()).toBe(1);
    expect(replicas?.describe()).toBe("*1 | int");
    expect(value.lookup("p", "proto")?.describe()).toBe('*"TCP" | "UDP"');
    expect(value.lookup("p", "name")?.describe()).toBe("string");
    expect(value.lookup("p", "name")?.kind()).toBe("incomplete");
    expect(value.lookup("p", "tags")?.kind()).toBe("list");
  });

  it("compiles expressions over variables (workflow conditions)", () => {
    const condition = compileCueExpression(
      { file: "app.yaml", text: 'status.deploy.phase == "succeeded" && inputs.ready' },
      { variables: ["status", "inputs", "context"] },
    );
    expect(condition.evaluate({ status: { deploy: { phase: "succeeded" } }, inputs: { ready: true } })).toBe(true);
    expect(condition.evaluate({ status: { deploy: { phase: "failed" } }, inputs: { ready: true } })).toBe(false);
    expect(thrown(() => condition.evaluate({ status: {}, inputs: { ready: true } })).kind).toBe("incomplete");
  });
});

describe("host packages (the workflow step model)", () => {
  const kube = `
#Apply: {
	#do:       "apply"
	#provider: "kube"
	cluster:   *"" | string
	value: {...}
	...
}
#Read: {
	#do:       "read"
	#provider: "kube"
	value?: {...}
	...
}`;
  const op = compileCuePackage("vela/op", [
    { file: "kube.cue", text: `kube: {${kube}\n}` },
    {
      file: "op.cue",
      text: `
#Apply: kube.#Apply
#Read: kube.#Read
#ConditionalWait: {
	#do: "wait"
	continue: bool
	message?: string
}
#Steps: {
	#do: "steps"
	...
}`,
    },
  ]);

  const step = `
import "vela/op"

apply: op.#Apply & {
	value: {kind: "Deployment", metadata: name: parameter.name}
} @step(1)
read: op.#Read & {
	value: {kind: "Deployment", metadata: name: parameter.name}
} @step(2)
wait: op.#ConditionalWait & {
	continue: read.value.status.ready == true
	message: "waiting for \\(parameter.name)"
} @step(3)
parameter: name: string`;

  function tasks(value: CueValue): { path: string; do: unknown; step: string | undefined }[] {
    const found: { path: string; do: unknown; step: string | undefined }[] = [];
    for (const field of value.fields()) {
      const marker = field.value.lookup("#do");
      if (marker !== undefined)
        found.push({ path: field.value.pathText, do: marker.export(), step: field.value.attributes("step")[0]?.body });
    }
    return found;
  }

  it("#Apply: kube.#Apply style definitions evaluate, and tasks are found in field order with @step", () => {
    const program = compileCue({ file: "step.cue", text: step }, { packages: { "vela/op": op } });
    const value = program.evaluate({ fill: [{ path: ["parameter"], value: { name: "api" } }] });
    expect(tasks(value)).toEqual([
      { path: "apply", do: "apply", step: "1" },
      { path: "read", do: "read", step: "2" },
      { path: "wait", do: "wait", step: "3" },
    ]);
    expect(value.lookup("apply")?.export()).toEqual({
      cluster: "",
      value: { kind: "Deployment", metadata: { name: "api" } },
    });
    expect(value.lookup("apply", "#provider")?.export()).toBe("kube");
    expect(value.lookup("wait", "continue")?.kind()).toBe("incomplete");
  });

  it("#Steps groups tasks: nested values with #do are found depth-first", () => {
    const grouped = `
import "vela/op"

deploy: op.#Steps & {
	apply: op.#Apply & {value: {kind: "ConfigMap", metadata: name: parameter.name}} @step(1)
	wait: op.#ConditionalWait & {continue: apply.value.metadata.name == parameter.name} @step(2)
}
parameter: name: string`;
    const value = compileCue({ file: "steps.cue", text: grouped }, { packages: { "vela/op": op } }).evaluate({
      fill: [{ path: ["parameter"], value: { name: "cfg" } }],
    });
    const found: string[] = [];
    const walk = (node: CueValue): void => {
      for (const field of node.fields()) {
        const marker = field.value.lookup("#do");
        if (marker !== undefined) found.push(`${field.value.pathText}=${JSON.stringify(marker.export())}`);
        if (field.value.kind() === "struct") walk(field.value);
      }
    };
    walk(value);
    expect(found).toEqual([`deploy="steps"`, `deploy.apply="apply"`, `deploy.wait="wait"`]);
    expect(value.lookup("deploy", "wait", "continue")?.export()).toBe(true);
  });

  it("filling a task's result makes the next task concrete", () => {
    const program = compileCue({ file: "step.cue", text: step }, { packages: { "vela/op": op } });
    const value = program.evaluate({ fill: [{ path: ["parameter"], value: { name: "api" } }] });
    const filled = value.fillPath(["read", "value"], {
      kind: "Deployment",
      metadata: { name: "api" },
      status: { ready: true },
    });
    expect(filled.lookup("wait")?.export()).toEqual({ continue: true, message: "waiting for api" });
  });
});

describe("bounded evaluation", () => {
  it.each([
    { name: "a structural cycle", text: "#L: {next: #L}\nx: #L\n" },
    {
      name: "runaway recursion through a definition",
      text: "#F: {n: int, out: (#F & {n: n + 1}).out}\nx: (#F & {n: 0}).out\n",
    },
    {
      name: "a list too long to build",
      text: 'import "list"\nx: list.Repeat(["a"], 100000) + list.Repeat(["b"], 100000)\nl: [for a in x for b in x {1}]\n',
    },
  ])("$name is an error, not a hang or a crash", ({ text }) => {
    const program = compileCue({ file: "loop.cue", text });
    const run = (): unknown => program.evaluate({ limits: { maxSteps: 200_000 } }).tryExport();
    let error: unknown;
    try {
      const result = run();
      if (result !== null && typeof result === "object" && "error" in result) error = result.error;
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CueError);
  });

  it("a limit error says which bound was passed", () => {
    const program = compileCue({
      file: "loop.cue",
      text: "#F: {n: int, out: (#F & {n: n + 1}).out}\nx: (#F & {n: 0}).out\n",
    });
    const error = thrown(() => program.evaluate().export());
    expect(error.kind).toBe("limit");
    expect(error.message).toMatch(/nested deeper than|steps/);
  });
});
