/**
 * Kruise Rollouts an app renders are checked as Kruise's validating webhook checks them
 * (`validate_v1alphal_rollout.go`), plus vela-ts's refusal of a partition-style weight that no
 * traffic routing could honour; errors point at the trait's step in the Application.
 */
import { describe, expect, it } from "vitest";
import { bindAppfile } from "../../src/appfile/index.js";
import { loadDefinitions } from "../../src/definitions/index.js";
import { ValidationError } from "../../src/errors/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { parseApplication } from "../../src/model/index.js";
import { renderAppfile } from "../../src/render/index.js";
import { kruiseRolloutProblems } from "../../src/render/kruise-rollout-check.js";
import type { JsonObject } from "../../src/util/index.js";

function rollout(canary: JsonObject, options: { style?: string; kind?: string; apiVersion?: string } = {}): KubeObject {
  return {
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "Rollout",
    metadata: {
      name: "web",
      namespace: "default",
      ...(options.style === undefined ? {} : { annotations: { "rollouts.kruise.io/rolling-style": options.style } }),
    },
    spec: {
      objectRef: {
        workloadRef: { apiVersion: options.apiVersion ?? "apps/v1", kind: options.kind ?? "Deployment", name: "web" },
      },
      strategy: { canary },
    },
  };
}

const INGRESS = [{ service: "web", gracePeriodSeconds: 5, ingress: { name: "web", classType: "nginx" } }];

describe("kruiseRolloutProblems (Kruise's webhook rules)", () => {
  it.each([
    {
      name: "canary steps 20 → 90 with an ingress",
      canary: { steps: [{ weight: 20 }, { weight: 90 }], trafficRoutings: INGRESS },
      want: [],
    },
    {
      name: "replicas as numbers and percentages",
      canary: { steps: [{ replicas: 1 }, { replicas: "50%" }, { replicas: "100%" }] },
      want: [],
    },
    { name: "no steps", canary: { steps: [] }, want: ["steps: a release needs at least one step"] },
    {
      name: "a step with neither",
      canary: { steps: [{ pause: {} }] },
      want: ["steps/0: step 1 has neither weight nor replicas"],
    },
    {
      name: "weight 0",
      canary: { steps: [{ weight: 0 }] },
      want: ["steps/0/weight: step 1: weight 0 must be in (0, 100]"],
    },
    {
      name: "weight above 100",
      canary: { steps: [{ weight: 120 }] },
      want: ["steps/0/weight: step 1: weight 120 must be in (0, 100]"],
    },
    {
      name: "replicas 0%",
      canary: { steps: [{ replicas: "0%" }] },
      want: [
        'steps/0/replicas: step 1: replicas "0%" must be a positive number, or a percentage with 0% < replicas <= 100%',
      ],
    },
    {
      name: "replicas 150%",
      canary: { steps: [{ replicas: "150%" }] },
      want: [
        'steps/0/replicas: step 1: replicas "150%" must be a positive number, or a percentage with 0% < replicas <= 100%',
      ],
    },
    {
      name: "replicas a bare string",
      canary: { steps: [{ replicas: "two" }] },
      want: [
        'steps/0/replicas: step 1: replicas "two" must be a positive number, or a percentage with 0% < replicas <= 100%',
      ],
    },
    {
      name: "decreasing weights with traffic routing",
      canary: { steps: [{ weight: 50 }, { weight: 20 }], trafficRoutings: INGRESS },
      want: [
        "steps/1/weight: step 2: weight 20 is less than step 1's 50; weights must not decrease",
        "steps/1/replicas: step 2: replicas go down from step 1 (50 → 20); they must not decrease",
      ],
    },
    {
      name: "decreasing replicas of the same form",
      canary: { steps: [{ replicas: 3 }, { replicas: 2 }] },
      want: ["steps/1/replicas: step 2: replicas go down from step 1 (3 → 2); they must not decrease"],
    },
    {
      name: "replicas of different forms are not compared",
      canary: { steps: [{ replicas: 3 }, { replicas: "10%" }] },
      want: [],
    },
    {
      name: "two traffic routings, one without a Service",
      canary: { steps: [{ weight: 20 }], trafficRoutings: [...INGRESS, { ingress: { name: "x" } }] },
      want: [
        "trafficRoutings: 2 traffic routings given; a Rollout supports one",
        "trafficRoutings/1/service: a traffic routing needs the stable Service's name",
      ],
    },
  ])("canary style: $name", ({ canary, want }) => {
    expect(kruiseRolloutProblems(rollout(canary)).map((problem) => `${problem.field}: ${problem.message}`)).toEqual(
      want,
    );
  });

  it.each([
    {
      name: "pods by replicas, no traffic",
      style: "partition",
      canary: { steps: [{ replicas: "20%" }, { replicas: "100%" }] },
      want: [],
    },
    {
      name: "a weight with a traffic routing, at most 30%",
      style: "partition",
      canary: { steps: [{ weight: 20 }], trafficRoutings: INGRESS },
      want: [],
    },
    {
      name: "a weight above 30% without replicas",
      style: "partition",
      canary: { steps: [{ weight: 50 }], trafficRoutings: INGRESS },
      want: ["steps/0/weight: step 1: in partition style, weight 50 without replicas is more than 30%"],
    },
    {
      name: "replicas above 30% with a weight",
      style: "partition",
      canary: { steps: [{ weight: 20, replicas: "50%" }], trafficRoutings: INGRESS },
      want: [
        'steps/0/replicas: step 1: in partition style, replicas "50%" is more than 30% while the step also routes traffic (weight or matches)',
      ],
    },
    {
      name: "a weight without any traffic routing (it could only follow the pod ratio)",
      style: "partition",
      canary: { steps: [{ weight: 20 }] },
      want: [
        "steps/0/weight: step 1: a weight in partition style needs a traffic routing; " +
          "without one, requests would follow the pod ratio, not the weight",
      ],
    },
    {
      name: "a CloneSet is partition style without the annotation",
      kind: "CloneSet",
      canary: { steps: [{ weight: 20 }] },
      want: [
        "steps/0/weight: step 1: a weight in partition style needs a traffic routing; " +
          "without one, requests would follow the pod ratio, not the weight",
      ],
    },
  ])("partition style: $name", ({ style, kind, canary, want }) => {
    const object = rollout(canary, {
      ...(style === undefined ? {} : { style }),
      ...(kind === undefined ? {} : { kind, apiVersion: "apps.kruise.io/v1alpha1" }),
    });
    expect(kruiseRolloutProblems(object).map((problem) => `${problem.field}: ${problem.message}`)).toEqual(want);
  });

  it.each([
    {
      name: "an unknown rolling style",
      object: rollout({ steps: [{ replicas: 1 }] }, { style: "blue-green" }),
      want: 'rolling style "blue-green" must be canary, partition or empty',
    },
    {
      name: "a kind Kruise does not release",
      object: rollout({ steps: [{ replicas: 1 }] }, { kind: "Job" }),
      want: "Kruise cannot release a Job (apps/v1)",
    },
  ])("$name", ({ object, want }) => {
    expect(kruiseRolloutProblems(object).map((problem) => problem.message)).toEqual([want]);
  });
});

describe("the kruise-rollout trait's steps are checked at render, at the step's line", () => {
  const { registry } = loadDefinitions({});
  const app = (steps: string, extra = ""): string =>
    [
      "apiVersion: core.oam.dev/v1beta1",
      "kind: Application",
      "metadata:",
      "  name: web",
      "spec:",
      "  components:",
      "    - name: web",
      "      type: webservice",
      "      properties: {image: nginx:1.25, ports: [{port: 80, expose: true}]}",
      "      traits:",
      "        - type: kruise-rollout",
      "          properties:",
      ...(extra === "" ? [] : [`            ${extra}`]),
      "            canary:",
      "              steps:",
      steps,
      "              trafficRoutings: [{type: ingress}]",
      "",
    ].join("\n");

  function issuesOf(text: string): ValidationError["issues"] {
    const parsed = parseApplication(text, "web.yaml");
    try {
      renderAppfile(bindAppfile(parsed.application, registry, { sourceMap: parsed.sourceMap }));
    } catch (error) {
      if (error instanceof ValidationError) return error.issues;
      throw error;
    }
    return [];
  }

  it("decreasing weights: E_ROLLOUT_INVALID at the second step's weight", () => {
    const issues = issuesOf(app("                - weight: 50\n                - weight: 20"));
    expect(issues[0]).toMatchObject({
      code: "E_ROLLOUT_INVALID",
      message:
        'component "web": trait "kruise-rollout": Rollout web: step 2: weight 20 is less than step 1\'s 50; weights must not decrease',
      path: "/spec/components/0/traits/0/properties/canary/steps/1/weight",
      source: { file: "web.yaml", line: 16, column: 27 },
    });
  });

  it("releaseMode batch (partition style) with a weight above 30%: refused at the weight, with Kruise's limit in the hint", () => {
    const issues = issuesOf(app("                - weight: 50", "releaseMode: batch"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: "E_ROLLOUT_INVALID",
      path: "/spec/components/0/traits/0/properties/canary/steps/0/weight",
      source: { line: 16 },
    });
    expect(issues[0]?.hint).toContain("30%");
  });

  it("a valid release renders", () => {
    expect(issuesOf(app("                - weight: 20\n                - weight: 90"))).toEqual([]);
  });
});
