import { describe, expect, it } from "vitest";
import { parseTraefikRule, routeRequests, traefikRuleMatches } from "../../../src/cluster/sandbox/routing/index.js";
import { VelaError } from "../../../src/errors/index.js";
import { object, plainService, stableAndCanary } from "./fixtures.js";
import { viewOf } from "./view.js";

const request = (host: string, path: string, headers: Record<string, string> = {}) => ({
  host,
  path,
  headers,
  cookies: {},
});

describe("Traefik rule language", () => {
  it.each([
    {
      name: "Host and PathPrefix",
      rule: "Host(`a.com`) && PathPrefix(`/api`)",
      req: request("a.com", "/api/x"),
      want: true,
    },
    {
      name: "PathPrefix is a plain string prefix",
      rule: "PathPrefix(`/api`)",
      req: request("a.com", "/apiary"),
      want: true,
    },
    {
      name: "Host is case-insensitive, port ignored",
      rule: "Host(`A.com`)",
      req: request("a.COM:8080", "/"),
      want: true,
    },
    { name: "v2 Host with several names", rule: "Host(`a.com`, `b.com`)", req: request("b.com", "/"), want: true },
    { name: "Path is exact", rule: "Path(`/v`)", req: request("a.com", "/v/x"), want: false },
    {
      name: "|| and parentheses",
      rule: "(Host(`x`) || Host(`a.com`)) && Path(`/`)",
      req: request("a.com", "/"),
      want: true,
    },
    { name: "negation", rule: "Host(`a.com`) && !PathPrefix(`/admin`)", req: request("a.com", "/admin"), want: false },
    {
      name: "v2 Headers",
      rule: "Headers(`X-Canary`, `always`)",
      req: request("a", "/", { "x-canary": "always" }),
      want: true,
    },
    {
      name: "v3 Header",
      rule: 'Header("X-Canary", "always")',
      req: request("a", "/", { "X-Canary": "no" }),
      want: false,
    },
    {
      name: "HeadersRegexp",
      rule: "HeadersRegexp(`User-Agent`, `.*android.*`)",
      req: request("a", "/", { "user-agent": "x android y" }),
      want: true,
    },
    {
      name: "v2 HostRegexp placeholder",
      rule: "HostRegexp(`{sub:[a-z]+}.a.com`)",
      req: request("api.a.com", "/"),
      want: true,
    },
    { name: "v2 Query", rule: "Query(`v=2`)", req: request("a", "/x?v=2"), want: true },
    { name: "v3 Query", rule: "Query(`v`, `3`)", req: request("a", "/x?v=2"), want: false },
    {
      name: "ClientIP never matches a simulated request",
      rule: "ClientIP(`10.0.0.0/8`)",
      req: request("a", "/"),
      want: false,
    },
  ])("$name", ({ rule, req, want }) => {
    expect(traefikRuleMatches(parseTraefikRule(rule), req)).toBe(want);
  });

  it.each([
    { name: "unknown matcher", rule: "Hots(`a`)", message: /unknown matcher Hots at column 1/ },
    { name: "unterminated string", rule: "Host(`a)", message: /unterminated string/ },
    { name: "dangling operator", rule: "Host(`a`) &&", message: /unexpected end/ },
  ])("refuses $name", ({ rule, message }) => {
    let error: unknown;
    try {
      parseTraefikRule(rule);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VelaError);
    expect((error as VelaError).message).toMatch(message);
  });
});

function ingressRoute(name: string, routes: object[]) {
  return object("traefik.io/v1alpha1", "IngressRoute", name, { entryPoints: ["web"], routes: routes as never });
}

function weighted(name: string, stable: number, canary: number, apiVersion = "traefik.containo.us/v1alpha1") {
  return object(apiVersion, "TraefikService", name, {
    weighted: {
      services: [
        { name: "demo-stable", port: 80, weight: stable },
        { name: "demo-canary", port: 80, weight: canary },
      ],
    },
  });
}

describe("Traefik routing (IngressRoute + weighted TraefikService)", () => {
  it("splits by the TraefikService weights and names the router and route", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      weighted("demo-wrr", 80, 20),
      ingressRoute("demo", [
        {
          match: "Host(`demo.com`) && PathPrefix(`/`)",
          kind: "Rule",
          services: [{ name: "demo-wrr", kind: "TraefikService" }],
        },
      ]),
    ]);
    const summary = routeRequests(view, { ...request("demo.com", "/version"), count: 10_000, seed: 3 });
    expect(summary.router).toBe("traefik");
    expect(summary.route).toBe("IngressRoute default/demo routes[0]");
    expect(summary.byImage["demo:v2"]).toBeGreaterThan(1800);
    expect(summary.byImage["demo:v2"]).toBeLessThan(2200);
    expect(summary.byStatus).toEqual({ "200": 10_000 });
  });

  it("weight 0 never receives a request; the longest rule wins without priorities", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      weighted("demo-wrr", 100, 0),
      ingressRoute("demo", [
        { match: "Host(`demo.com`)", services: [{ name: "demo-canary", port: 80 }] },
        { match: "Host(`demo.com`) && PathPrefix(`/`)", services: [{ name: "demo-wrr", kind: "TraefikService" }] },
      ]),
    ]);
    const summary = routeRequests(view, { ...request("demo.com", "/"), count: 500, seed: 1 });
    expect(summary.byImage).toEqual({ "demo:v1": 500 });
    expect(summary.route).toBe("IngressRoute default/demo routes[1]");
  });

  it("an explicit priority beats the rule length; a header rule sends only matching requests", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      ingressRoute("demo", [
        { match: "Host(`demo.com`)", priority: 1, services: [{ name: "demo-stable", port: 80 }] },
        {
          match: "Host(`demo.com`) && Headers(`X-Canary`, `always`)",
          priority: 100,
          services: [{ name: "demo-canary", port: 80 }],
        },
      ]),
    ]);
    expect(routeRequests(view, { ...request("demo.com", "/", { "X-Canary": "always" }), count: 50 }).byImage).toEqual({
      "demo:v2": 50,
    });
    expect(routeRequests(view, { ...request("demo.com", "/"), count: 50 }).byImage).toEqual({ "demo:v1": 50 });
  });

  it("a Service without ready endpoints answers 503, a missing one 500; no route answers 404", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      plainService("ghost"),
      ingressRoute("demo", [
        { match: "Host(`demo.com`) && Path(`/ghost`)", services: [{ name: "ghost", port: 80 }] },
        { match: "Host(`demo.com`)", services: [{ name: "nothing-here", port: 80 }] },
      ]),
    ]);
    expect(routeRequests(view, { ...request("demo.com", "/ghost"), count: 3 }).byStatus).toEqual({ "503": 3 });
    expect(routeRequests(view, { ...request("demo.com", "/"), count: 3 }).byStatus).toEqual({ "500": 3 });
    expect(routeRequests(view, { ...request("other.com", "/"), count: 3 })).toMatchObject({
      router: "none",
      byStatus: { "404": 3 },
    });
  });
});
