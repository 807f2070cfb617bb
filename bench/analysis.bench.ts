/**
 * Metric-driven releases (docs/analysis.md):
 *
 * 1. the story of `examples/analysis/analysed-v2-bad.yaml` on the sandbox: every store write during
 *    the release is watched and, after each, 400 seeded requests are routed to the host. The figure
 *    is the simulated time from the first breaching measurement (the Failed one in
 *    `status.analysis`) to the write after which every request lands on the stable version, and the
 *    writes from the measurement to then (goal: within one analysis interval, ≤ 2 writes);
 * 2. the cost of synthetic traffic: requests simulated (routed and answered) per CPU-second, for a
 *    host with a canary Ingress over 5 minutes of simulated time.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSandbox } from "../src/cluster/index.js";
import { addChartMirror } from "../src/cluster/sandbox/charts/index.js";
import { findTrafficHosts, generateTraffic } from "../src/cluster/sandbox/metrics/index.js";
import { routeRequests } from "../src/cluster/sandbox/routing/index.js";
import { parseApplications } from "../src/model/index.js";
import { driveApplication, openTarget, up, type TargetOptions } from "../src/operations/index.js";
import type { JsonObject } from "../src/util/index.js";
import { FakeClock } from "../src/util/clock.js";
import { printFigure } from "./measure.js";

const ROOT = join(import.meta.dirname, "..");
const HOST = "analysed.example.com";
const V1 = "ghcr.io/vela-ts/demo-app:v1";
const INTERVAL_S = 30;

function sleeper(clock: FakeClock): (milliseconds: number) => Promise<void> {
  return (milliseconds) => {
    clock.advance(milliseconds);
    return Promise.resolve();
  };
}

function targetOptions(cwd: string, clock: FakeClock, command: string): TargetOptions {
  return { cwd, clock, command, http: () => Promise.reject(new Error("the analysis bench sends no HTTP requests")) };
}

interface Rollback {
  readonly seconds: number;
  readonly writes: number;
}

async function badReleaseRollsBack(): Promise<Rollback> {
  const cwd = mkdtempSync(join(tmpdir(), "vela-ts-analysis-bench-"));
  const clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
  addChartMirror(join(cwd, ".vela-ts"), "https://charts.example.com/demo/", join(ROOT, "examples/charts/repo"), ROOT);
  const v1 = join(ROOT, "examples/analysis/analysed-v1.yaml");
  await up({
    ...targetOptions(cwd, clock, "up"),
    text: readFileSync(v1, "utf8"),
    file: v1,
    wait: true,
    sleep: sleeper(clock),
  });

  const file = join(ROOT, "examples/analysis/analysed-v2-bad.yaml");
  const [parsed] = parseApplications(readFileSync(file, "utf8"), file);
  if (parsed === undefined) throw new Error("analysed-v2-bad.yaml holds no Application");
  const target = await openTarget(targetOptions(cwd, clock, "up"));
  const store = target.sandbox?.store;
  if (store === undefined) throw new Error("the bench needs the sandbox");
  const writes: { at: number; stable: boolean }[] = [];
  const unsubscribe = store.subscribe(() => {
    const summary = routeRequests(store, {
      host: HOST,
      path: "/version",
      headers: {},
      cookies: {},
      count: 400,
      seed: 5,
    });
    writes.push({ at: clock.now().getTime(), stable: summary.byImage[V1] === 400 });
  });
  try {
    const app = await target.cluster.get({
      apiVersion: "core.oam.dev/v1beta1",
      kind: "Application",
      name: "analysed",
      namespace: "default",
    });
    if (app === undefined) throw new Error("no Application analysed");
    await target.cluster.update({ ...app, spec: parsed.application.spec as unknown as JsonObject });
    const drive = await driveApplication("analysed", "default", target.deps, target.driver, {
      wait: true,
      sleep: sleeper(clock),
    });
    if (drive.stop !== "failed" || drive.outcome.analysisFailed === undefined)
      throw new Error(`the release was not rolled back: ${drive.stop}`);
    const status = (drive.outcome.app.status ?? {}) as {
      analysis?: Record<string, { metrics: { measurements: { phase: string; startedAt: string }[] }[] }>;
    };
    const breach = status.analysis?.["analysed"]?.metrics[0]?.measurements.find((m) => m.phase === "Failed");
    if (breach === undefined) throw new Error("no Failed measurement recorded");
    const breachAt = Date.parse(breach.startedAt);
    const after = writes.filter((write) => write.at >= breachAt);
    const stableIndex = after.findIndex((write) => write.stable);
    const stable = after[stableIndex];
    if (stable === undefined) throw new Error("the traffic never came back to stable");
    return { seconds: (stable.at - breachAt) / 1000, writes: stableIndex + 1 };
  } finally {
    unsubscribe();
    target.close();
  }
}

async function trafficCost(): Promise<{ requests: number; cpuSeconds: number }> {
  const clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
  const sandbox = await openSandbox({
    dir: mkdtempSync(join(tmpdir(), "vela-ts-traffic-bench-")),
    clock,
    controllers: [],
  });
  const ingress = (name: string, service: string, annotations: Record<string, string>): JsonObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", annotations },
    spec: {
      ingressClassName: "nginx",
      rules: [
        {
          host: "web.example.com",
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } }],
          },
        },
      ],
    },
  });
  const pod = (name: string, version: string): JsonObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      labels: { app: "web", version },
      annotations: { "sandbox.vela-ts.dev/error-rate": version === "v2" ? "0.3" : "0" },
    },
    spec: { containers: [{ name: "c", image: `web:${version}` }] },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  });
  const service = (name: string, version: string): JsonObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { selector: { app: "web", version }, ports: [{ port: 80 }] },
  });
  for (const object of [
    service("web", "v1"),
    service("web-canary", "v2"),
    ...[1, 2, 3, 4, 5].map((n) => pod(`web-v1-${n}`, "v1")),
    pod("web-v2-1", "v2"),
    ingress("web", "web", { "sandbox.vela-ts.dev/traffic-rps": "100" }),
    ingress("web-canary", "web-canary", {
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "20",
    }),
  ])
    await sandbox.apply(object as never);
  const [host] = findTrafficHosts(sandbox.store);
  if (host === undefined) throw new Error("no traffic host");
  const start = process.cpuUsage();
  const requests = generateTraffic(sandbox.store, host, 1_000_000, 1_000_300).length;
  const used = process.cpuUsage(start);
  sandbox.close();
  return { requests, cpuSeconds: (used.user + used.system) / 1e6 };
}

export async function run(): Promise<void> {
  const rollback = await badReleaseRollsBack();
  printFigure(
    "simulated time from the first breaching measurement to 100% of traffic on stable",
    rollback.seconds,
    "s",
    { max: INTERVAL_S },
  );
  printFigure("API writes from that measurement to 100% on stable", rollback.writes, "writes", { max: 2 });
  const cost = await trafficCost();
  printFigure("synthetic requests simulated", cost.requests, "requests");
  printFigure("synthetic traffic cost", Math.round(cost.requests / cost.cpuSeconds), "requests per CPU-second");
}
