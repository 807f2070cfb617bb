/**
 * A Kruise Rollout whose Ingress is served by Higress (`trafficRoutings[].ingress.classType:
 * higress`, an Ingress of class `higress`): the canary Ingress Kruise writes keeps the class, so
 * Higress routes it, with Higress's reading of the nginx canary annotations.
 */
import { describe, expect, it } from "vitest";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";
import { memorySandbox, type MemorySandbox } from "../../support/sandbox.js";
import {
  binomialInterval,
  canaryState,
  deployment,
  getObject,
  ingress,
  service,
  settleThroughTime,
  setImage,
} from "./fixtures.js";

const V2 = "demo:v2";

function objects(): KubeObject[] {
  const main = ingress("web", "web.example.com", "/");
  (main.spec as JsonObject).ingressClassName = "higress";
  return [
    deployment("web", "demo:v1"),
    service("web"),
    main,
    {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web", namespace: "default" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
        strategy: {
          canary: {
            steps: [{ replicas: 1, matches: [{ headers: [{ name: "x-user", value: "beta" }] }] }, { weight: 30 }],
            trafficRoutings: [
              { service: "web", gracePeriodSeconds: 0, ingress: { name: "web", classType: "higress" } },
            ],
          },
        },
      },
    },
  ];
}

function v2Share(sandbox: MemorySandbox, headers: Record<string, string> = {}): number {
  const summary = routeRequests(sandbox.store, {
    host: "web.example.com",
    path: "/",
    headers,
    cookies: {},
    count: 4000,
    seed: 5,
  });
  expect(summary.router).toBe("higress");
  return summary.byImage[V2] ?? 0;
}

function pausedAt(sandbox: MemorySandbox, step: number): () => boolean {
  return () => {
    const state = canaryState(sandbox.store, "web");
    return state.step === step && state.state === "StepPaused";
  };
}

function approve(sandbox: MemorySandbox): void {
  sandbox.store.patchStatus(
    { apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout", name: "web", namespace: "default" },
    { type: "merge", patch: { status: { canaryStatus: { currentStepState: "StepReady" } } } },
  );
}

describe("Kruise Rollout with a Higress Ingress", () => {
  it("a header step, then a weight step, routed by Higress; ingress-nginx ignores the class", () => {
    const sandbox = memorySandbox({ objects: objects() });
    settleThroughTime(sandbox);
    setImage(sandbox, "web", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    const canary = getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "web-canary");
    expect((canary?.spec as JsonObject).ingressClassName).toBe("higress");
    expect(v2Share(sandbox, { "x-user": "beta" })).toBe(4000);
    expect(v2Share(sandbox, { "x-user": "alpha" })).toBe(0);
    expect(v2Share(sandbox)).toBe(0);
    const nginx = routeRequests(sandbox.store, {
      host: "web.example.com",
      path: "/",
      headers: {},
      cookies: {},
      count: 10,
      router: "ingress-nginx",
    });
    expect(nginx.byStatus).toEqual({ 404: 10 });

    approve(sandbox);
    settleThroughTime(sandbox, pausedAt(sandbox, 2));
    const interval = binomialInterval(4000, 0.3);
    expect(v2Share(sandbox)).toBeGreaterThan(interval.low);
    expect(v2Share(sandbox)).toBeLessThan(interval.high);

    approve(sandbox);
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "web").phase === "Healthy");
    expect(getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "web-canary")).toBeUndefined();
    expect(v2Share(sandbox)).toBe(4000);
  });
});
