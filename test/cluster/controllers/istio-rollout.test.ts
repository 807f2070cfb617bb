import { describe, expect, it } from "vitest";
import { memorySandbox } from "../../support/sandbox.js";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";
import {
  binomialInterval,
  canaryState,
  deployment,
  getObject,
  service,
  settleThroughTime,
  setImage,
} from "./fixtures.js";

const vsSpec: JsonObject = {
  hosts: ["reviews.example.com"],
  gateways: ["gw"],
  http: [{ route: [{ destination: { host: "reviews" } }] }],
};

function objects(): KubeObject[] {
  return [
    deployment("reviews", "reviews:v1", 5),
    service("reviews"),
    {
      apiVersion: "networking.istio.io/v1beta1",
      kind: "Gateway",
      metadata: { name: "gw", namespace: "default" },
      spec: { servers: [{ hosts: ["*"], port: { number: 80, name: "http", protocol: "HTTP" } }] },
    },
    {
      apiVersion: "networking.istio.io/v1beta1",
      kind: "VirtualService",
      metadata: { name: "reviews", namespace: "default" },
      spec: vsSpec,
    },
    {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "reviews", namespace: "default" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "reviews" } },
        strategy: {
          canary: {
            steps: [{ weight: 20 }, { weight: 100 }],
            trafficRoutings: [
              {
                service: "reviews",
                customNetworkRefs: [
                  { apiVersion: "networking.istio.io/v1beta1", kind: "VirtualService", name: "reviews" },
                ],
              },
            ],
          },
        },
      },
    },
  ];
}

describe("Kruise Rollout with an Istio VirtualService (customNetworkRefs, §1.11)", () => {
  it("scales the stable route to 100 − w, appends the canary Service, and restores the original spec on rollback", () => {
    const sandbox = memorySandbox({ objects: objects() });
    sandbox.settle();
    setImage(sandbox, "reviews", "reviews:v2");
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "reviews").state === "StepPaused");
    const vs = getObject(sandbox.store, "networking.istio.io/v1beta1", "VirtualService", "reviews");
    expect((vs?.spec as JsonObject).http).toEqual([
      {
        route: [
          { destination: { host: "reviews" }, weight: 80 },
          { destination: { host: "reviews-canary" }, weight: 20 },
        ],
      },
    ]);
    expect(vs?.metadata.annotations?.["rollouts.kruise.io/original-spec-configuration"]).toBeDefined();
    const summary = routeRequests(sandbox.store, {
      host: "reviews.example.com",
      path: "/",
      headers: {},
      cookies: {},
      count: 10_000,
      seed: 2,
    });
    const interval = binomialInterval(10_000, 0.2);
    expect(summary.byImage["reviews:v2"]).toBeGreaterThan(interval.low);
    expect(summary.byImage["reviews:v2"]).toBeLessThan(interval.high);

    setImage(sandbox, "reviews", "reviews:v1");
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "reviews").phase === "Healthy");
    const restored = getObject(sandbox.store, "networking.istio.io/v1beta1", "VirtualService", "reviews");
    expect(restored?.spec).toEqual(vsSpec);
    expect(restored?.metadata.annotations?.["rollouts.kruise.io/original-spec-configuration"]).toBeUndefined();
    expect(
      routeRequests(sandbox.store, {
        host: "reviews.example.com",
        path: "/",
        headers: {},
        cookies: {},
        count: 100,
        seed: 2,
      }).byImage,
    ).toEqual({ "reviews:v1": 100 });
  });
});
