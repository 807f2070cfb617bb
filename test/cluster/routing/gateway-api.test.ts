import { describe, expect, it } from "vitest";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import type { JsonObject } from "../../../src/util/index.js";
import { object, plainService, stableAndCanary } from "./fixtures.js";
import { viewOf } from "./view.js";

const GW = "gateway.networking.k8s.io/v1";

const gateway = object(GW, "Gateway", "public", {
  gatewayClassName: "sandbox",
  listeners: [
    { name: "http", port: 80, protocol: "HTTP", hostname: "*.example.com" },
    { name: "other", port: 80, protocol: "HTTP", hostname: "other.org" },
  ],
});

function httpRoute(name: string, rules: JsonObject[], extra: JsonObject = {}) {
  return object(GW, "HTTPRoute", name, { parentRefs: [{ name: "public" }], rules, ...extra });
}

const ask = (host: string, path: string, headers: Record<string, string> = {}, count = 200) =>
  ({ host, path, headers, cookies: {}, count, seed: 5 }) as const;

describe("Gateway API routing (Gateway + HTTPRoute)", () => {
  it("splits by backendRef weights", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      gateway,
      httpRoute(
        "demo",
        [
          {
            backendRefs: [
              { name: "demo-stable", port: 80, weight: 70 },
              { name: "demo-canary", port: 80, weight: 30 },
            ],
          },
        ],
        { hostnames: ["demo.example.com"] },
      ),
    ]);
    const summary = routeRequests(view, ask("demo.example.com", "/version", {}, 10_000));
    expect(summary.router).toBe("gateway-api");
    expect(summary.route).toBe("HTTPRoute default/demo rules[0]");
    expect(summary.byImage["demo:v2"]).toBeGreaterThan(2800);
    expect(summary.byImage["demo:v2"]).toBeLessThan(3200);
  });

  it("a header-matched rule wins over the plain one (more header matches), others stay on the weights", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      gateway,
      httpRoute("demo", [
        { backendRefs: [{ name: "demo-stable", port: 80 }] },
        {
          matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ name: "x-canary", value: "always" }] }],
          backendRefs: [{ name: "demo-canary", port: 80 }],
        },
      ]),
    ]);
    expect(routeRequests(view, ask("a.example.com", "/", { "X-Canary": "always" })).byImage).toEqual({
      "demo:v2": 200,
    });
    expect(routeRequests(view, ask("a.example.com", "/", { "X-Canary": "never" })).byImage).toEqual({
      "demo:v1": 200,
    });
  });

  it("an exact path beats the longest prefix, which beats a shorter one", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      plainService("exact", { app: "demo", version: "v2" }),
      gateway,
      httpRoute("demo", [
        { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "demo-stable", port: 80 }] },
        {
          matches: [{ path: { type: "PathPrefix", value: "/api" } }],
          backendRefs: [{ name: "demo-canary", port: 80 }],
        },
        { matches: [{ path: { type: "Exact", value: "/api/v" } }], backendRefs: [{ name: "exact", port: 80 }] },
      ]),
    ]);
    expect(routeRequests(view, ask("a.example.com", "/api/x")).route).toBe("HTTPRoute default/demo rules[1]");
    expect(routeRequests(view, ask("a.example.com", "/api/v")).route).toBe("HTTPRoute default/demo rules[2]");
    expect(routeRequests(view, ask("a.example.com", "/apiary")).route).toBe("HTTPRoute default/demo rules[0]");
  });

  it("hosts must fit the listener; weight 0 everywhere is 500; no rule is 404", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      gateway,
      httpRoute("demo", [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 0 }] }]),
    ]);
    expect(routeRequests(view, ask("example.com", "/")).router).toBe("none");
    expect(routeRequests(view, ask("deep.sub.example.com", "/")).byStatus).toEqual({ "500": 200 });
    expect(routeRequests(view, ask("other.org", "/")).router).toBe("gateway-api");
    expect(routeRequests(view, ask("unknown.net", "/")).byStatus).toEqual({ "404": 200 });
  });
});
