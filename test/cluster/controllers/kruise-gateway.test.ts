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
  service,
  settleThroughTime,
  setImage,
} from "./fixtures.js";

const GW = "gateway.networking.k8s.io/v1";
const V1 = "demo:v1";
const V2 = "demo:v2";

function objects(): KubeObject[] {
  return [
    deployment("web", V1),
    service("web"),
    {
      apiVersion: GW,
      kind: "Gateway",
      metadata: { name: "public", namespace: "default" },
      spec: { gatewayClassName: "sandbox", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] },
    },
    {
      apiVersion: GW,
      kind: "HTTPRoute",
      metadata: { name: "web", namespace: "default" },
      spec: {
        parentRefs: [{ name: "public" }],
        hostnames: ["web.example.com"],
        rules: [
          { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "web", port: 8090 }] },
        ],
      },
    },
    {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web", namespace: "default" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
        strategy: {
          canary: {
            steps: [
              { weight: 20 },
              { replicas: 2, matches: [{ headers: [{ name: "x-canary", value: "always" }] }] },
              { weight: 90 },
            ],
            trafficRoutings: [{ service: "web", gracePeriodSeconds: 0, gateway: { httpRouteName: "web" } }],
          },
        },
      },
    },
  ];
}

function rules(sandbox: MemorySandbox): unknown {
  return (getObject(sandbox.store, GW, "HTTPRoute", "web")?.spec as JsonObject).rules;
}

function v2Share(sandbox: MemorySandbox, headers: Record<string, string> = {}): number {
  const summary = routeRequests(sandbox.store, {
    host: "web.example.com",
    path: "/",
    headers,
    cookies: {},
    count: 4000,
    seed: 2,
  });
  expect(summary.router).toBe("gateway-api");
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

describe("Kruise Rollout with Gateway API traffic routing", () => {
  it("changes the HTTPRoute per step: weights, a header rule, then back to the original", () => {
    const sandbox = memorySandbox({ objects: objects() });
    settleThroughTime(sandbox);
    setImage(sandbox, "web", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    expect(rules(sandbox)).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [
          { name: "web", port: 8090, weight: 80 },
          { name: "web-canary", port: 8090, weight: 20 },
        ],
      },
    ]);
    const interval = binomialInterval(4000, 0.2);
    expect(v2Share(sandbox)).toBeGreaterThan(interval.low);
    expect(v2Share(sandbox)).toBeLessThan(interval.high);

    approve(sandbox);
    settleThroughTime(sandbox, pausedAt(sandbox, 2));
    expect(rules(sandbox)).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [{ name: "web", port: 8090, weight: 1 }],
      },
      {
        matches: [
          { path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "x-canary", value: "always" }] },
        ],
        backendRefs: [{ name: "web-canary", port: 8090 }],
      },
    ]);
    expect(v2Share(sandbox, { "X-Canary": "always" })).toBe(4000);
    expect(v2Share(sandbox)).toBe(0);

    approve(sandbox);
    settleThroughTime(sandbox, pausedAt(sandbox, 3));
    const interval90 = binomialInterval(4000, 0.9);
    expect(v2Share(sandbox)).toBeGreaterThan(interval90.low);

    approve(sandbox);
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "web").phase === "Healthy");
    expect(rules(sandbox)).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [{ name: "web", port: 8090, weight: 1 }],
      },
    ]);
    expect(v2Share(sandbox)).toBe(4000);
  });

  it("waits in Initializing with a message while the HTTPRoute does not exist", () => {
    const sandbox = memorySandbox({ objects: objects().filter((o) => o.kind !== "HTTPRoute") });
    settleThroughTime(sandbox);
    setImage(sandbox, "web", V2);
    settleThroughTime(sandbox);
    expect(canaryState(sandbox.store, "web").message).toBe("HTTPRoute(default/web) is Not Found");
  });
});
