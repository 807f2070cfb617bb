import { describe, expect, it } from "vitest";
import { hostMatches, pathScore, routeRequests, routeToCanary } from "../../../src/cluster/sandbox/routing/index.js";
import type { ControllerView } from "../../../src/cluster/sandbox/controller-contract.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { viewOf } from "./view.js";

const P = "nginx.ingress.kubernetes.io/";

describe("ingress-nginx per-request decision (balancer.lua, §2.2)", () => {
  it.each([
    {
      name: "header value equal → canary",
      annotations: { [`${P}canary-by-header`]: "x-canary", [`${P}canary-by-header-value`]: "yes" },
      headers: { "X-Canary": "yes" },
      cookies: {},
      draw: 100,
      want: true,
    },
    {
      name: "header value differs → falls through to weight 0 → stable",
      annotations: { [`${P}canary-by-header`]: "x-canary", [`${P}canary-by-header-value`]: "yes" },
      headers: { "x-canary": "no" },
      cookies: {},
      draw: 1,
      want: false,
    },
    {
      name: "header value differs → falls through to cookie always → canary",
      annotations: {
        [`${P}canary-by-header`]: "x-canary",
        [`${P}canary-by-header-value`]: "yes",
        [`${P}canary-by-cookie`]: "c",
      },
      headers: { "x-canary": "no" },
      cookies: { c: "always" },
      draw: 100,
      want: true,
    },
    {
      name: "header always → canary",
      annotations: { [`${P}canary-by-header`]: "x-canary" },
      headers: { "x-canary": "always" },
      cookies: {},
      draw: 100,
      want: true,
    },
    {
      name: "header never → stable, even with cookie always and weight 100",
      annotations: {
        [`${P}canary-by-header`]: "x-canary",
        [`${P}canary-by-cookie`]: "c",
        [`${P}canary-weight`]: "100",
      },
      headers: { "x-canary": "never" },
      cookies: { c: "always" },
      draw: 1,
      want: false,
    },
    {
      name: "with -value set, always loses its meaning and falls through",
      annotations: { [`${P}canary-by-header`]: "x-canary", [`${P}canary-by-header-value`]: "v" },
      headers: { "x-canary": "always" },
      cookies: {},
      draw: 1,
      want: false,
    },
    {
      name: "header pattern matches → canary",
      annotations: { [`${P}canary-by-header`]: "user-agent", [`${P}canary-by-header-pattern`]: "^android" },
      headers: { "User-Agent": "android-14" },
      cookies: {},
      draw: 100,
      want: true,
    },
    {
      name: "header pattern with a regex error → stable",
      annotations: { [`${P}canary-by-header`]: "x", [`${P}canary-by-header-pattern`]: "(" },
      headers: { x: "a" },
      cookies: {},
      draw: 1,
      want: false,
    },
    {
      name: "cookie never → stable even with weight 100",
      annotations: { [`${P}canary-by-cookie`]: "c", [`${P}canary-weight`]: "100" },
      headers: {},
      cookies: { c: "never" },
      draw: 1,
      want: false,
    },
    {
      name: "cookie other value falls through to weight",
      annotations: { [`${P}canary-by-cookie`]: "c", [`${P}canary-weight`]: "30" },
      headers: {},
      cookies: { c: "maybe" },
      draw: 30,
      want: true,
    },
    {
      name: "weight: draw ≤ weight → canary",
      annotations: { [`${P}canary-weight`]: "20" },
      headers: {},
      cookies: {},
      draw: 20,
      want: true,
    },
    {
      name: "weight: draw > weight → stable",
      annotations: { [`${P}canary-weight`]: "20" },
      headers: {},
      cookies: {},
      draw: 21,
      want: false,
    },
    {
      name: "weight-total 1000 scales the draw",
      annotations: { [`${P}canary-weight`]: "200", [`${P}canary-weight-total`]: "1000" },
      headers: {},
      cookies: {},
      draw: 201,
      want: false,
    },
    { name: "no weight → never canary", annotations: {}, headers: {}, cookies: {}, draw: 1, want: false },
  ])("$name", ({ annotations, headers, cookies, draw, want }) => {
    expect(routeToCanary(annotations, { headers, cookies }, (total) => Math.min(draw, total))).toBe(want);
  });
});

describe("host and path matching", () => {
  it.each([
    { name: "exact host", rule: "a.com", host: "a.com", want: true },
    { name: "host with port", rule: "a.com", host: "a.com:8080", want: true },
    { name: "other host", rule: "a.com", host: "b.com", want: false },
    { name: "wildcard one label", rule: "*.a.com", host: "x.a.com", want: true },
    { name: "wildcard two labels", rule: "*.a.com", host: "y.x.a.com", want: false },
    { name: "rule without host", rule: "", host: "anything", want: true },
  ])("host: $name", ({ rule, host, want }) => {
    expect(hostMatches(rule, host)).toBe(want);
  });

  it.each([
    { name: "Exact equal", type: "Exact", path: "/v", request: "/v", match: true },
    { name: "Exact with trailing slash", type: "Exact", path: "/v", request: "/v/", match: false },
    { name: "Prefix element-wise", type: "Prefix", path: "/v", request: "/v/x", match: true },
    { name: "Prefix not a path element", type: "Prefix", path: "/v", request: "/version", match: false },
    {
      name: "ImplementationSpecific is a string prefix",
      type: "ImplementationSpecific",
      path: "/v",
      request: "/version",
      match: true,
    },
    { name: "query string ignored", type: "Exact", path: "/v", request: "/v?x=1", match: true },
  ])("path: $name", ({ type, path, request, match }) => {
    expect(pathScore(type, path, request) >= 0).toBe(match);
  });
});

function pod(name: string, app: string, image: string, hash: string, ready = true): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app, "pod-template-hash": hash } },
    spec: { containers: [{ name: "c", image }] },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

function world(options: {
  readonly stableReady?: boolean;
  readonly canaryReady?: boolean;
  readonly annotations?: Record<string, string>;
  readonly canaryHost?: string;
}): ControllerView {
  const svc = (name: string, hash: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { selector: { app: "demo", "pod-template-hash": hash } },
  });
  const ing = (name: string, backend: string, host: string, annotations?: Record<string, string>): KubeObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", ...(annotations === undefined ? {} : { annotations }) },
    spec: {
      ingressClassName: "nginx",
      rules: [
        {
          host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: backend, port: { number: 80 } } } }],
          },
        },
      ],
    },
  });
  return viewOf([
    svc("demo", "old"),
    svc("demo-canary", "new"),
    ing("demo", "demo", "demo.com"),
    ing("demo-canary", "demo-canary", options.canaryHost ?? "demo.com", {
      [`${P}canary`]: "true",
      ...(options.annotations ?? { [`${P}canary-weight`]: "50" }),
    }),
    pod("demo-old-1", "demo", "img:v1", "old", options.stableReady ?? true),
    pod("demo-old-2", "demo", "img:v1", "old", options.stableReady ?? true),
    pod("demo-new-1", "demo", "img:v2", "new", options.canaryReady ?? true),
  ]);
}

describe("routing through Ingress objects", () => {
  const request = { host: "demo.com", path: "/x", headers: {}, cookies: {}, count: 1000, seed: 5 };
  it.each([
    {
      name: "canary without ready endpoints → all stable",
      world: { canaryReady: false },
      want: { "img:v1": 1000 },
      status: { "200": 1000 },
    },
    {
      name: "stable without endpoints → 503 for every request",
      world: { stableReady: false },
      want: {},
      status: { "503": 1000 },
    },
    {
      name: "canary Ingress for another host is not bound",
      world: { canaryHost: "other.com" },
      want: { "img:v1": 1000 },
      status: { "200": 1000 },
    },
    {
      name: "weight 100 → all canary",
      world: { annotations: { [`${P}canary-weight`]: "100" } },
      want: { "img:v2": 1000 },
      status: { "200": 1000 },
    },
  ])("$name", ({ world: options, want, status }) => {
    const summary = routeRequests(world(options), request);
    expect(summary.byImage).toEqual(want);
    expect(summary.byStatus).toEqual(status);
  });

  it("weight 20 over 10,000 seeded requests lands in the binomial 99.9% interval, and the seed makes it repeatable", () => {
    const view = world({ annotations: { [`${P}canary-weight`]: "20" } });
    const summary = routeRequests(view, { ...request, count: 10_000 });
    const sd = Math.sqrt(10_000 * 0.2 * 0.8);
    expect(summary.byImage["img:v2"]).toBeGreaterThan(2000 - 3.29 * sd);
    expect(summary.byImage["img:v2"]).toBeLessThan(2000 + 3.29 * sd);
    expect(routeRequests(view, { ...request, count: 10_000 })).toEqual(summary);
    expect(Object.keys(summary.byPod).sort()).toEqual(["demo-new-1", "demo-old-1", "demo-old-2"]);
  });

  it("with the ingress-nginx addon disabled, Ingresses route nothing", () => {
    expect(routeRequests(world({}), { ...request, enabledAddons: new Set(["istio"]) }).byStatus).toEqual({
      "404": 1000,
    });
  });

  it("no Ingress for the host → 404", () => {
    expect(routeRequests(world({}), { ...request, host: "nope.com" }).byStatus).toEqual({ "404": 1000 });
  });
});
