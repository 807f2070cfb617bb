import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { openSandbox, type SandboxCluster } from "../../../src/cluster/index.js";
import {
  ANNOTATION_ERROR_RATE,
  ANNOTATION_LATENCY_MS,
  ANNOTATION_TRAFFIC_RPS,
  parseLatency,
  readRequestLog,
  requestMetricsRef,
  drawLatency,
} from "../../../src/cluster/sandbox/metrics/index.js";
import { mulberry32 } from "../../../src/cluster/sandbox/routing/index.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";
import { deployment, ingress, service } from "../controllers/fixtures.js";

const HOST = "web.example.com";

function withBehaviour(object: KubeObject, annotations: Record<string, string>): KubeObject {
  const spec = object.spec as { template: { metadata: { annotations?: Record<string, string> } } };
  spec.template.metadata.annotations = annotations;
  return object;
}

function canaryIngress(weight: number): KubeObject {
  const object = ingress("web-canary", HOST, "/", "web-canary");
  object.metadata.annotations = {
    "nginx.ingress.kubernetes.io/canary": "true",
    "nginx.ingress.kubernetes.io/canary-weight": String(weight),
  };
  return object;
}

async function releaseWithCanary(sandbox: SandboxCluster, errorRate: string): Promise<void> {
  await sandbox.apply(deployment("web", "web:v1", 4));
  await sandbox.apply(service("web"));
  await sandbox.apply(ingress("web", HOST, "/"));
  await sandbox.apply(withBehaviour(deployment("web-v2", "web:v2", 2), { [ANNOTATION_ERROR_RATE]: errorRate }));
  await sandbox.apply(service("web-canary", "web-v2"));
  await sandbox.apply(canaryIngress(50));
  await sandbox.settle();
}

function totals(sandbox: SandboxCluster): { byImage: Record<string, number>; errorsByImage: Record<string, number> } {
  const log = readRequestLog(sandbox.store.get(requestMetricsRef(HOST)), HOST);
  const byImage: Record<string, number> = {};
  const errorsByImage: Record<string, number> = {};
  for (const series of log.totals) {
    for (const [status, n] of Object.entries(series.statuses)) {
      byImage[series.labels.image] = (byImage[series.labels.image] ?? 0) + n;
      if (status.startsWith("5")) errorsByImage[series.labels.image] = (errorsByImage[series.labels.image] ?? 0) + n;
    }
  }
  return { byImage, errorsByImage };
}

describe("synthetic traffic", () => {
  it("sends 10 requests a second through a host with a canary, answered as the pods' annotations say", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:00Z"));
    const sandbox = await openSandbox({ dir: tempDir(), clock });
    await releaseWithCanary(sandbox, "0.5");
    clock.advance(60_000);
    await sandbox.settle();
    const { byImage, errorsByImage } = totals(sandbox);
    expect((byImage["web:v1"] ?? 0) + (byImage["web:v2"] ?? 0)).toBe(600);
    // 50% weight: the v2 share and its error share are binomial around their means.
    expect(byImage["web:v2"]).toBeGreaterThan(240);
    expect(byImage["web:v2"]).toBeLessThan(360);
    expect(errorsByImage["web:v1"] ?? 0).toBe(0);
    const v2 = byImage["web:v2"] ?? 0;
    expect(errorsByImage["web:v2"]).toBeGreaterThan(v2 * 0.38);
    expect(errorsByImage["web:v2"]).toBeLessThan(v2 * 0.62);
    sandbox.close();
  });

  it("gives the same requests however the passes split the time", async () => {
    const runs: unknown[] = [];
    for (const steps of [[60_000], [7_000, 13_500, 39_500]]) {
      const clock = new FakeClock(new Date("2026-01-01T00:00:00Z"));
      const sandbox = await openSandbox({ dir: tempDir(), clock });
      await releaseWithCanary(sandbox, "0.25");
      for (const step of steps) {
        clock.advance(step);
        await sandbox.settle();
      }
      const log = readRequestLog(sandbox.store.get(requestMetricsRef(HOST)), HOST);
      runs.push(log.totals);
      sandbox.close();
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  it("sends nothing to a host without a canary unless its Ingress asks for a rate", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:00Z"));
    const sandbox = await openSandbox({ dir: tempDir(), clock });
    await sandbox.apply(deployment("web", "web:v1", 2));
    await sandbox.apply(service("web"));
    await sandbox.apply(ingress("web", HOST, "/"));
    await sandbox.settle();
    clock.advance(30_000);
    await sandbox.settle();
    expect(sandbox.store.get(requestMetricsRef(HOST))).toBeUndefined();
    const annotated = ingress("web", HOST, "/");
    annotated.metadata.annotations = { [ANNOTATION_TRAFFIC_RPS]: "2.5" };
    await sandbox.apply(annotated);
    await sandbox.settle();
    clock.advance(30_000);
    await sandbox.settle();
    expect(totals(sandbox).byImage).toEqual({ "web:v1": 75 });
    sandbox.close();
  });

  it("refuses a behaviour annotation that does not read", async () => {
    const sandbox = await openSandbox({ dir: tempDir(), clock: new FakeClock() });
    await expect(
      sandbox.apply(withBehaviour(deployment("web", "web:v1"), { [ANNOTATION_LATENCY_MS]: "fast" })),
    ).rejects.toMatchObject({ code: "E_INVALID_OBJECT" });
    sandbox.close();
  });
});

describe("latency distributions", () => {
  it("reads a value, a range and two quantiles", () => {
    expect(parseLatency("40")).toEqual({ kind: "fixed", ms: 40 });
    expect(parseLatency("20-80")).toEqual({ kind: "uniform", min: 20, max: 80 });
    expect(parseLatency("p50=40,p99=250")).toMatchObject({ kind: "lognormal" });
    expect(parseLatency("80-20")).toBeUndefined();
    expect(parseLatency("slow")).toBeUndefined();
  });

  it("draws a log-normal whose median and 99th percentile are the ones asked for", () => {
    const distribution = parseLatency("p50=40,p99=250");
    if (distribution === undefined) throw new Error("unreadable");
    const random = mulberry32(7);
    const draws = Array.from({ length: 20_000 }, () => drawLatency(distribution, random)).sort((a, b) => a - b);
    expect(draws[10_000]).toBeGreaterThan(37);
    expect(draws[10_000]).toBeLessThan(43);
    expect(draws[19_800]).toBeGreaterThan(210);
    expect(draws[19_800]).toBeLessThan(300);
  });
});
