import { describe, expect, it } from "vitest";
import {
  compareWithLive,
  decompileRulesOf,
  runDecompileRule,
  type DecompileContext,
} from "../../src/decompile/index.js";
import { parseDefinitions } from "../../src/definitions/index.js";
import { VelaError } from "../../src/errors/index.js";
import type { KubeObject } from "../../src/model/index.js";

function trait(decompile: string): string {
  return `apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: replicas-copy
spec:
  schematic:
    cue:
      template: |
        patch: spec: replicas: parameter.replicas
        parameter: replicas: int
${decompile}`;
}

const DEPLOYMENT: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default" },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "web", image: "nginx:1.25" }] } } },
};
const CONTEXT: DecompileContext = { name: "web", namespace: "default", workload: DEPLOYMENT, objects: [DEPLOYMENT] };

function caught(fn: () => unknown): VelaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VelaError) return error;
    throw error;
  }
  throw new Error("expected a VelaError");
}

describe("decompile rules", () => {
  it("runs a rule on the live object: output is the properties, none when the rule sets none", () => {
    const [definition] = parseDefinitions(
      trait(`  decompile:
    targetResource: {apiVersion: apps/v1, kind: Deployment}
    template: |
      if parameter.spec.replicas > 1 {
      	output: replicas: parameter.spec.replicas
      }
`),
      "replicas-copy.yaml",
    );
    if (definition === undefined) throw new Error("no definition");
    const [rule] = decompileRulesOf(definition);
    if (rule === undefined) throw new Error("no rule");
    expect(runDecompileRule(rule, DEPLOYMENT, CONTEXT)).toEqual({ replicas: 3 });
    const single = { ...DEPLOYMENT, spec: { replicas: 1 } };
    expect(runDecompileRule(rule, single, { ...CONTEXT, workload: single })).toBeUndefined();
  });

  it("names the definition, the rule and the hint for a rule that does not compile or lacks its target", () => {
    const [broken] = parseDefinitions(
      trait(`  decompile:
    - targetResource: {apiVersion: apps/v1, kind: Deployment}
      template: "output: {"
`),
      "broken.yaml",
    );
    if (broken === undefined) throw new Error("no definition");
    const error = caught(() => decompileRulesOf(broken));
    expect(error.code).toBe("E_DECOMPILE_RULE");
    expect(error.message).toContain('definition "replicas-copy": spec.decompile[0]');
    expect(error.hint).toContain("broken.yaml");

    const [untargeted] = parseDefinitions(trait(`  decompile:\n    - template: "output: {}"\n`), "untargeted.yaml");
    if (untargeted === undefined) throw new Error("no definition");
    expect(caught(() => decompileRulesOf(untargeted)).message).toContain("targetResource needs apiVersion and kind");
  });

  it("reports a rule failing on an object, naming the object", () => {
    const [definition] = parseDefinitions(
      trait(`  decompile:
    - targetResource: {apiVersion: apps/v1, kind: Deployment}
      template: |
        output: replicas: parameter.spec.missing.field + 1
`),
      "failing.yaml",
    );
    if (definition === undefined) throw new Error("no definition");
    const [rule] = decompileRulesOf(definition);
    if (rule === undefined) throw new Error("no rule");
    const error = caught(() => runDecompileRule(rule, DEPLOYMENT, CONTEXT));
    expect(error.code).toBe("E_DECOMPILE_RULE");
    expect(error.message).toContain("failed on Deployment default/web");
  });
});

describe("compareWithLive", () => {
  it("lists the fields the rendering sets differently, marking those of the pod template", () => {
    const rendered: KubeObject = {
      ...DEPLOYMENT,
      metadata: { name: "web", namespace: "default", labels: { "app.oam.dev/name": "shop", team: "pay" } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            containers: [{ name: "web", image: "nginx:1.26", ports: [{ containerPort: 80, protocol: "TCP" }] }],
          },
        },
      },
    };
    const live: KubeObject = {
      ...DEPLOYMENT,
      spec: {
        replicas: 3,
        template: { spec: { containers: [{ name: "web", image: "nginx:1.25", ports: [{ containerPort: 80 }] }] } },
      },
    };
    expect(compareWithLive(rendered, live)).toEqual([
      {
        object: "Deployment default/web",
        path: "metadata.labels.team",
        live: undefined,
        rendered: "pay",
        restartsPods: false,
      },
      {
        object: "Deployment default/web",
        path: "spec.template.spec.containers[0].image",
        live: "nginx:1.25",
        rendered: "nginx:1.26",
        restartsPods: true,
      },
    ]);
  });

  it("counts zero values and API-server defaults as equal to no field, and a missing object as created", () => {
    const rendered: KubeObject = {
      ...DEPLOYMENT,
      spec: {
        replicas: 3,
        paused: false,
        template: { spec: { containers: [{ name: "web", image: "nginx:1.25", args: [] }] } },
      },
    };
    expect(compareWithLive(rendered, DEPLOYMENT)).toEqual([]);
    expect(compareWithLive(rendered, undefined)).toEqual([
      { object: "Deployment default/web", path: "", live: undefined, rendered: "(created)", restartsPods: false },
    ]);
  });
});
