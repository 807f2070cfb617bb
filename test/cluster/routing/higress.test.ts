import { describe, expect, it } from "vitest";
import { readHigressCanary, routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import { classedIngress, readyPod, stableAndCanary } from "./fixtures.js";
import { viewOf } from "./view.js";

const N = "nginx.ingress.kubernetes.io/";
const H = "higress.io/";

const ask = (headers: Record<string, string> = {}, cookies: Record<string, string> = {}, count = 400) =>
  ({ host: "demo.com", path: "/", headers, cookies, count, seed: 9 }) as const;

describe("Higress canary annotations (class higress)", () => {
  it.each([
    {
      name: "header only → exact always",
      annotations: { [`${N}canary-by-header`]: "x-canary" },
      want: { kind: "header", pattern: "always" },
    },
    {
      name: "header + value → always|value",
      annotations: {
        [`${N}canary-by-header`]: "x-canary",
        [`${N}canary-by-header-value`]: "v2",
        [`${N}canary-weight`]: "50",
      },
      want: { kind: "header", pattern: "always|v2" },
    },
    {
      name: "cookie → cookie match, weight not read",
      annotations: { [`${H}canary-by-cookie`]: "c", [`${H}canary-weight`]: "50" },
      want: { kind: "cookie" },
    },
    {
      name: "weight with total",
      annotations: { [`${N}canary-weight`]: "3", [`${N}canary-weight-total`]: "10" },
      want: { kind: "weight", weight: 3, total: 10 },
    },
    {
      name: "higress.io prefix wins",
      annotations: { [`${H}canary-weight`]: "30", [`${N}canary-weight`]: "90" },
      want: { kind: "weight", weight: 30 },
    },
  ])("$name", ({ annotations, want }) => {
    expect(readHigressCanary(classedIngress("c", "higress", "demo.com", "demo-canary", annotations))).toMatchObject(
      want,
    );
  });

  it("routes class higress only through Higress, and splits by weight", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      classedIngress("demo", "higress", "demo.com", "demo-stable"),
      classedIngress("demo-canary", "higress", "demo.com", "demo-canary", {
        [`${H}canary`]: "true",
        [`${H}canary-weight`]: "25",
      }),
    ]);
    const summary = routeRequests(view, ask({}, {}, 10_000));
    expect(summary.router).toBe("higress");
    expect(summary.byImage["demo:v2"]).toBeGreaterThan(2300);
    expect(summary.byImage["demo:v2"]).toBeLessThan(2700);
    expect(routeRequests(view, { ...ask(), router: "ingress-nginx" }).router).toBe("none");
  });

  it("a header canary ignores its weight (unlike ingress-nginx) and `never` means nothing special", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      classedIngress("demo", "higress", "demo.com", "demo-stable"),
      classedIngress("demo-canary", "higress", "demo.com", "demo-canary", {
        [`${N}canary`]: "true",
        [`${N}canary-by-header`]: "x-canary",
        [`${N}canary-weight`]: "100",
      }),
    ]);
    expect(routeRequests(view, ask({ "X-Canary": "always" })).byImage).toEqual({ "demo:v2": 400 });
    expect(routeRequests(view, ask({ "X-Canary": "never" })).byImage).toEqual({ "demo:v1": 400 });
    expect(routeRequests(view, ask()).byImage).toEqual({ "demo:v1": 400 });
  });

  it("honours several canary Ingresses at once: a header one and a weight one", () => {
    const view = viewOf([
      ...stableAndCanary("demo"),
      classedIngress("demo", "higress", "demo.com", "demo-stable"),
      classedIngress("demo-a-header", "higress", "demo.com", "demo-canary", {
        [`${H}canary`]: "true",
        [`${H}canary-by-header`]: "x-user",
        [`${H}canary-by-header-value`]: "tester",
      }),
      classedIngress("demo-b-weight", "higress", "demo.com", "demo-canary", {
        [`${H}canary`]: "true",
        [`${H}canary-weight`]: "100",
      }),
    ]);
    expect(routeRequests(view, ask({ "x-user": "tester" })).byImage).toEqual({ "demo:v2": 400 });
    expect(routeRequests(view, ask()).byImage).toEqual({ "demo:v2": 400 });
  });

  it("a canary backend without ready endpoints falls back to the main backend", () => {
    const view = viewOf([
      readyPod("v1-a", "demo", "v1"),
      readyPod("v2-a", "demo", "v2", false),
      ...stableAndCanary("demo").filter((o) => o.kind === "Service"),
      classedIngress("demo", "higress", "demo.com", "demo-stable"),
      classedIngress("demo-canary", "higress", "demo.com", "demo-canary", {
        [`${H}canary`]: "true",
        [`${H}canary-by-cookie`]: "beta",
      }),
    ]);
    expect(routeRequests(view, ask({}, { beta: "always" })).byImage).toEqual({ "demo:v1": 400 });
  });
});
