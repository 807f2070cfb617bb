import { describe, expect, it } from "vitest";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";
import { viewOf } from "./view.js";

function pod(name: string, app: string, version: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app, version } },
    spec: { containers: [{ name: "c", image: `${app}:${version}` }] },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  };
}

function service(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { selector: { app: name } },
  };
}

const gateway: KubeObject = {
  apiVersion: "networking.istio.io/v1beta1",
  kind: "Gateway",
  metadata: { name: "bookinfo-gateway", namespace: "default" },
  spec: { servers: [{ hosts: ["*"], port: { number: 80, name: "http", protocol: "HTTP" } }] },
};

const destinationRule: KubeObject = {
  apiVersion: "networking.istio.io/v1beta1",
  kind: "DestinationRule",
  metadata: { name: "reviews", namespace: "default" },
  spec: {
    host: "reviews",
    subsets: [
      { name: "v1", labels: { version: "v1" } },
      { name: "v2", labels: { version: "v2" } },
    ],
  },
};

function virtualService(name: string, spec: JsonObject): KubeObject {
  return {
    apiVersion: "networking.istio.io/v1beta1",
    kind: "VirtualService",
    metadata: { name, namespace: "default" },
    spec,
  };
}

const base = [
  gateway,
  destinationRule,
  service("reviews"),
  service("productpage"),
  pod("reviews-v1-a", "reviews", "v1"),
  pod("reviews-v1-b", "reviews", "v1"),
  pod("reviews-v2-a", "reviews", "v2"),
  pod("productpage-a", "productpage", "v1"),
];

const gatewayVs = virtualService("bookinfo", {
  hosts: ["*"],
  gateways: ["bookinfo-gateway"],
  http: [
    {
      match: [{ uri: { exact: "/productpage" } }],
      route: [{ destination: { host: "productpage", port: { number: 9080 } } }],
    },
    {
      match: [{ uri: { prefix: "/reviews" }, headers: { "end-user": { exact: "jason" } } }],
      route: [{ destination: { host: "reviews", subset: "v2" } }],
    },
    {
      match: [{ uri: { prefix: "/reviews" } }],
      route: [
        { destination: { host: "reviews", subset: "v1" }, weight: 90 },
        { destination: { host: "reviews", subset: "v2" }, weight: 10 },
      ],
    },
  ],
});

const request = { host: "bookinfo.example.com", headers: {}, cookies: {}, count: 10_000, seed: 11 };

describe("Istio VirtualService routing (§3)", () => {
  it("90/10 weights over DestinationRule subsets land in the binomial 99.9% interval", () => {
    const summary = routeRequests(viewOf([...base, gatewayVs]), { ...request, path: "/reviews/1" });
    const sd = Math.sqrt(10_000 * 0.1 * 0.9);
    expect(summary.router).toBe("istio");
    expect(summary.byImage["reviews:v2"]).toBeGreaterThan(1000 - 3.29 * sd);
    expect(summary.byImage["reviews:v2"]).toBeLessThan(1000 + 3.29 * sd);
    expect((summary.byImage["reviews:v1"] ?? 0) + (summary.byImage["reviews:v2"] ?? 0)).toBe(10_000);
  });

  it.each([
    {
      name: "first matching rule wins: header match → v2 only",
      path: "/reviews/1",
      headers: { "end-user": "jason" },
      want: { "reviews:v2": 1000 },
    },
    {
      name: "uri exact routes to another service",
      path: "/productpage",
      headers: {},
      want: { "productpage:v1": 1000 },
    },
    { name: "no rule matches → 404", path: "/nothing", headers: {}, want: {} },
  ])("$name", ({ path, headers, want }) => {
    expect(routeRequests(viewOf([...base, gatewayVs]), { ...request, count: 1000, path, headers }).byImage).toEqual(
      want,
    );
  });

  it("a subset no DestinationRule defines answers 503", () => {
    const vs = virtualService("bookinfo", {
      hosts: ["*"],
      gateways: ["bookinfo-gateway"],
      http: [{ route: [{ destination: { host: "reviews", subset: "v3" } }] }],
    });
    expect(routeRequests(viewOf([...base, vs]), { ...request, count: 100, path: "/" }).byStatus).toEqual({
      "503": 100,
    });
  });

  it("a VirtualService not bound to an existing Gateway does not take ingress traffic", () => {
    const vs = virtualService("bookinfo", { ...(gatewayVs.spec as JsonObject), gateways: ["missing-gateway"] });
    expect(routeRequests(viewOf([...base, vs]), { ...request, count: 10, path: "/productpage" }).byStatus).toEqual({
      "404": 10,
    });
  });

  it("--service follows the mesh VirtualService of that service", () => {
    const mesh = virtualService("reviews", {
      hosts: ["reviews"],
      http: [{ route: [{ destination: { host: "reviews", subset: "v2" } }] }],
    });
    expect(
      routeRequests(viewOf([...base, mesh]), { ...request, count: 1000, path: "/", service: "reviews" }).byImage,
    ).toEqual({ "reviews:v2": 1000 });
  });

  it("--service without a VirtualService spreads over the Service's ready endpoints", () => {
    const summary = routeRequests(viewOf(base), { ...request, count: 3000, path: "/", service: "reviews" });
    expect(Object.keys(summary.byPod).sort()).toEqual(["reviews-v1-a", "reviews-v1-b", "reviews-v2-a"]);
    expect(summary.byImage["reviews:v2"]).toBeGreaterThan(850);
    expect(summary.byImage["reviews:v2"]).toBeLessThan(1150);
  });
});
