import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDefinitions, type ComponentDefinition, type TraitDefinition } from "../../src/definitions/index.js";
import { evaluateHealth, type HealthInput } from "../../src/render/index.js";
import type { JsonValue } from "../../src/util/index.js";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/**
 * Every bundled definition still written in the handlebars format (the addons') has a CUE twin in
 * test/fixtures/cue-twins: the same parameters written as a CUE `parameter`, the same objects as CUE
 * `output`/`outputs`/`patch`, the same health as CUE `isHealth`/`message`. Rendering every golden
 * application with the twins in place of the built-ins must print the golden file byte for byte.
 */

const TWINS = join(PROJECT_ROOT, "test/fixtures/cue-twins");
const GOLDEN = join(PROJECT_ROOT, "test/golden");
const CASES = readdirSync(GOLDEN, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(GOLDEN, entry.name, "app.yaml")))
  .map((entry) => entry.name);

describe("CUE twins of the built-in definitions", () => {
  it("every built-in definition with handlebars templates has a CUE twin", () => {
    const bundled = loadDefinitions().definitions;
    const twins = new Map(
      loadDefinitions({ builtinDir: null, addonsDir: null, userDirs: [TWINS] }).definitions.map((definition) => [
        `${definition.kind}/${definition.name}`,
        definition,
      ]),
    );
    const templated = bundled.filter((definition) => {
      const template = definition.input.spec.schematic?.template;
      // Workflow-step `actions` run on the step runtime, not the renderer: their CUE form belongs there.
      // Builtin policies and steps have only a parameter: nothing to render.
      const renders = [template?.output, template?.outputs, template?.patch, template?.patchOutputs].some(
        (part) => part !== undefined,
      );
      return renders && definition.kind !== "WorkflowStepDefinition";
    });
    // The catalog is mostly CUE now; the handlebars ones left are the addons' and a few built-ins.
    expect(templated.length).toBeGreaterThan(5);
    const missing = templated.filter(
      (definition) => twins.get(`${definition.kind}/${definition.name}`)?.cue === undefined,
    );
    expect(missing.map((definition) => definition.name)).toEqual([]);
  });

  it.each(CASES)("%s renders byte-identical objects with the CUE twins", async (name) => {
    const expected = readFileSync(join(GOLDEN, name, "expected.yaml"), "utf8");
    const run = await runCli(["dry-run", "-f", join(GOLDEN, name, "app.yaml"), "--definitions", TWINS], {
      cwd: PROJECT_ROOT,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(expected);
  });
});

interface HealthCase {
  readonly name: string;
  readonly kind: "ComponentDefinition" | "TraitDefinition";
  readonly definition: string;
  readonly input: HealthInput;
}

const deployment = (spec: JsonValue, status: JsonValue | undefined): JsonValue => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", generation: 1 },
  spec,
  ...(status === undefined ? {} : { status }),
});

const HEALTH: readonly HealthCase[] = [
  ...[
    {
      label: "released",
      status: { conditions: [{ type: "Ready", status: "True" }] },
      repo: { conditions: [{ type: "Ready", status: "True" }] },
    },
    {
      label: "in progress",
      status: { conditions: [{ type: "Ready", status: "False", message: "installing" }] },
      repo: { conditions: [{ type: "Ready", status: "False" }] },
    },
    { label: "just created", status: undefined, repo: undefined },
  ].map(({ label, status, repo }) => ({
    name: `helm, ${label}`,
    kind: "ComponentDefinition" as const,
    definition: "helm",
    input: {
      output: {
        apiVersion: "helm.toolkit.fluxcd.io/v2beta1",
        kind: "HelmRelease",
        metadata: { name: "demo" },
        ...(status === undefined ? {} : { status }),
      },
      outputs: {
        repo: {
          apiVersion: "source.toolkit.fluxcd.io/v1beta2",
          kind: "HelmRepository",
          metadata: { name: "demo" },
          ...(repo === undefined ? {} : { status: repo }),
        },
      },
      parameter: { url: "https://charts.example.com", chart: "demo" },
      context: { name: "demo" },
    },
  })),
  ...[
    { label: "healthy", status: { phase: "Healthy", message: "done" } },
    { label: "progressing", status: { phase: "Progressing", message: "step 1 paused" } },
    { label: "no status", status: undefined },
  ].map(({ label, status }) => ({
    name: `kruise-rollout, ${label}`,
    kind: "TraitDefinition" as const,
    definition: "kruise-rollout",
    input: {
      output: deployment({ replicas: 2 }, undefined),
      outputs: {
        rollout: {
          apiVersion: "rollouts.kruise.io/v1alpha1",
          kind: "Rollout",
          metadata: { name: "api" },
          ...(status === undefined ? {} : { status }),
        },
      },
      parameter: { canary: { steps: [{ weight: 20 }] } },
      context: { name: "api" },
    },
  })),
];

describe("CUE twins report the same health", () => {
  const bundled = loadDefinitions().registry;
  const twins = loadDefinitions({ userDirs: [TWINS] }).registry;

  it.each(HEALTH)("$name", ({ kind, definition, input }) => {
    const original: ComponentDefinition | TraitDefinition = bundled.get(kind, definition);
    const twin: ComponentDefinition | TraitDefinition = twins.get(kind, definition);
    expect(twin.cue).toBeDefined();
    expect(evaluateHealth(twin, input, { cache: twins.cache })).toEqual(
      evaluateHealth(original, input, { cache: bundled.cache }),
    );
  });
});
