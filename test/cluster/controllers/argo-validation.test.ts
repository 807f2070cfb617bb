import { describe, expect, it } from "vitest";
import { findArgoRolloutIssues } from "../../../src/cluster/sandbox/controllers/argo-rollouts/validation.js";
import { findWebhookIssues, SIMULATED_VALIDATIONS } from "../../../src/cluster/sandbox/controllers/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";
import { memorySandbox } from "../../support/sandbox.js";
import { objectsOf } from "./argo-fixtures.js";

const DEMO = objectsOf("examples/argo-rollouts/rollouts-demo.yaml");

/** The demo Rollout with `edit` applied to a copy. */
function rollout(edit: (spec: JsonObject & { strategy: { canary: JsonObject } }) => void): KubeObject {
  const copy = structuredClone(DEMO.find((object) => object.kind === "Rollout")) as KubeObject;
  edit(copy.spec as JsonObject & { strategy: { canary: JsonObject } });
  return copy;
}

function problems(object: KubeObject): string[] {
  return findArgoRolloutIssues(object).map((issue) => `${issue.code} ${issue.path ?? ""}: ${issue.message}`);
}

describe("Argo Rollout validation", () => {
  it("accepts the examples", () => {
    expect(problems(rollout(() => undefined))).toEqual([]);
    const traefik = objectsOf("examples/argo-rollouts/rollouts-demo-traefik.yaml").find((o) => o.kind === "Rollout");
    expect(problems(traefik as KubeObject)).toEqual([]);
  });

  it.each([
    {
      name: "an analysis step",
      edit: (spec: JsonObject & { strategy: { canary: JsonObject } }) => {
        spec.strategy.canary.steps = [{ setWeight: 20 }, { analysis: { templates: [{ templateName: "rate" }] } }];
      },
      expected:
        "E_ARGO_ROLLOUT_UNSUPPORTED /spec/strategy/canary/steps/1/analysis: " +
        "step 2: analysis is an Argo Rollouts step the sandbox does not simulate yet",
    },
    {
      name: "background analysis",
      edit: (spec: JsonObject & { strategy: { canary: JsonObject } }) => {
        spec.strategy.canary.analysis = { templates: [{ templateName: "rate" }] };
      },
      expected:
        "E_ARGO_ROLLOUT_UNSUPPORTED /spec/strategy/canary/analysis: background analysis (canary.analysis) is not simulated by the sandbox yet",
    },
    {
      name: "Istio routing",
      edit: (spec: JsonObject & { strategy: { canary: JsonObject } }) => {
        spec.strategy.canary.trafficRouting = { istio: { virtualService: { name: "vs" } } };
      },
      expected:
        "E_ARGO_ROLLOUT_UNSUPPORTED /spec/strategy/canary/trafficRouting/istio: trafficRouting.istio is not simulated by the sandbox",
    },
    {
      name: "setCanaryScale without traffic routing",
      edit: (spec: JsonObject & { strategy: { canary: JsonObject } }) => {
        delete spec.strategy.canary.trafficRouting;
        spec.strategy.canary.steps = [{ setCanaryScale: { replicas: 1 } }, { setWeight: 20 }];
      },
      expected:
        "E_ARGO_ROLLOUT_INVALID /spec/strategy/canary/steps/0/setCanaryScale: step 1: setCanaryScale requires trafficRouting",
    },
    {
      name: "the same Service for stable and canary",
      edit: (spec: JsonObject & { strategy: { canary: JsonObject } }) => {
        spec.strategy.canary.canaryService = spec.strategy.canary.stableService as string;
      },
      expected:
        "E_ARGO_ROLLOUT_INVALID /spec/strategy/canary/canaryService: " +
        "This rollout uses the same service for the stable and canary services, but two different services are required.",
    },
    {
      name: "both a template and a workloadRef",
      edit: (spec: JsonObject & { strategy: { canary: JsonObject } }) => {
        spec.workloadRef = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
      },
      expected: "E_ARGO_ROLLOUT_INVALID /spec/template: template must be empty for a Rollout with workloadRef",
    },
    {
      name: "a weight above 100",
      edit: (spec: JsonObject & { strategy: { canary: JsonObject } }) => {
        spec.strategy.canary.steps = [{ setWeight: 120 }];
      },
      expected:
        "E_ARGO_ROLLOUT_INVALID /spec/strategy/canary/steps/0/setWeight: step 1: setWeight must be a whole number between 0 and 100, got 120",
    },
  ])("refuses $name", ({ edit, expected }) => {
    expect(problems(rollout(edit))).toEqual([expected]);
  });

  it("suggests the closest step kind for a misspelled one", () => {
    const found = findArgoRolloutIssues(
      rollout((spec) => {
        spec.strategy.canary.steps = [{ setWieght: 20 }];
      }),
    );
    expect(found[0]?.hint).toContain('did you mean "setWeight"?');
  });

  it("judges a partial update merged into the stored Rollout, as server-side apply stores it", () => {
    const sandbox = memorySandbox({ objects: DEMO });
    const partial: KubeObject = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "rollouts-demo", namespace: "default" },
      spec: { template: { spec: { containers: [{ name: "rollouts-demo", image: "argoproj/rollouts-demo:yellow" }] } } },
    };
    const enabled = new Set(["argo-rollouts"]);
    expect(findWebhookIssues(SIMULATED_VALIDATIONS, sandbox.store, enabled, partial)).toEqual([]);
    const bad = structuredClone(partial) as KubeObject & { spec: JsonObject };
    bad.spec.strategy = { canary: { steps: [{ setWeight: 50 }, { setWeight: 20 }] } };
    expect(findWebhookIssues(SIMULATED_VALIDATIONS, sandbox.store, enabled, bad).map((issue) => issue.path)).toEqual([
      "/spec/strategy/canary/steps/1/setWeight",
    ]);
  });
});
