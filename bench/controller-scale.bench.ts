/**
 * Controller mode's own cost, measured in this process while the served sandbox runs in another
 * (`vela-ts sandbox serve`, from the sources): N small apps (one ConfigMap through `k8s-objects`,
 * the default workflow) from created to `running`, per controller core-second; then steady state,
 * every app resynced every 2 s, in reconciles per controller core-second; the controller's RSS and
 * live heap per app. KubeVela v1.8 reports 12,000 apps on 2 cores / 4 GB: `BENCH_CONTROLLER_SCALE_APPS=12000`
 * (default 2,000, a routine run) shows the same count within the RSS printed.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { openKubeCluster } from "../src/cluster/kube/index.js";
import { runController } from "../src/controller/controller-mode.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { openTarget } from "../src/target/target.js";
import { SystemClock } from "../src/util/clock.js";
import { printFigure, rssMiB } from "./measure.js";

const APPS = Number(process.env.BENCH_CONTROLLER_SCALE_APPS ?? "2000");
const STEADY_SECONDS = Number(process.env.BENCH_CONTROLLER_STEADY_SECONDS ?? "15");
const MAX_SECONDS = Number(process.env.BENCH_CONTROLLER_SECONDS ?? "900");
const CONCURRENCY = 16;
const PROJECT_ROOT = join(import.meta.dirname, "..");

function smallApp(index: number): KubeObject {
  const name = `scale-${index}`;
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, namespace: "default" },
    spec: {
      components: [
        {
          name: "config",
          type: "k8s-objects",
          properties: {
            objects: [
              {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: `${name}-config` },
                data: { index: `${index}` },
              },
            ],
          },
        },
      ],
    },
  };
}

async function inParallel(count: number, limit: number, fn: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** Prints `name: value unit (goal ≥ min: met|NOT met)`. */
function printGoal(name: string, value: number, unit: string, min: number): void {
  process.stdout.write(`${name}: ${value.toFixed(0)} ${unit} (goal ≥ ${min}: ${value >= min ? "met" : "NOT met"})\n`);
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** `vela-ts sandbox serve` on `dir` in its own process, once it serves. */
async function serve(dir: string): Promise<{ readonly kubeconfig: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(PROJECT_ROOT, "bench/vela-ts-cli.ts"), "sandbox", "serve", "--sandbox", dir],
    { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("Serving sandbox")) resolve();
    });
    child.on("close", (code) => reject(new Error(`sandbox serve exited ${code}: ${stderr}`)));
  });
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    kubeconfig: join(dir, "kubeconfig"),
    stop: async () => {
      child.kill("SIGTERM");
      await closed;
    },
  };
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vela-ts-bench-controller-scale-"));
  const server = await serve(join(root, "sandbox"));
  const clock = new SystemClock();
  const client = openKubeCluster({ kubeconfigPath: server.kubeconfig });
  const target = await openTarget({
    cwd: process.cwd(),
    clock,
    http: () => Promise.reject(new Error("no webhooks")),
    command: "bench",
    kubeconfig: server.kubeconfig,
    env: {},
  });
  const stop = new AbortController();
  try {
    await inParallel(APPS, CONCURRENCY, (index) => client.create(smallApp(index)));
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const running = new Set<string>();
    let reconciles = 0;
    let allRunning: () => void = () => undefined;
    const deployed = new Promise<void>((resolve) => (allRunning = resolve));
    let rssPeak = rssMiB();
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB())), 250);
    const cpuStart = cpuSeconds();
    const started = performance.now();
    const controller = runController({
      deps: target.deps,
      signal: stop.signal,
      leaderElection: false,
      concurrency: CONCURRENCY,
      pollIntervalMs: 1000,
      resyncIntervalMs: 2000,
      onReconcile: (event) => {
        reconciles += 1;
        if (event.outcome?.phase === "running") running.add(event.key);
        if (running.size >= APPS) allRunning();
      },
    });
    const capped = await Promise.race([
      deployed.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), MAX_SECONDS * 1000).unref()),
    ]);
    const deployCpu = cpuSeconds() - cpuStart;
    const deployWall = (performance.now() - started) / 1000;
    const label = capped ? ` (capped at ${MAX_SECONDS}s: ${running.size} of ${APPS} running)` : "";
    printFigure(`controller scale: ${APPS} apps created → running${label}, wall`, Number(deployWall.toFixed(1)), "s");
    printFigure("controller scale: first deploy, controller CPU", Number(deployCpu.toFixed(1)), "core-s");
    const perCore = running.size / deployCpu;
    printGoal("controller scale: first deploy", perCore, "apps per controller core-second", 500);

    const steadyCpuStart = cpuSeconds();
    const steadyReconcilesStart = reconciles;
    await new Promise((resolve) => setTimeout(resolve, STEADY_SECONDS * 1000));
    const steady = (reconciles - steadyReconcilesStart) / (cpuSeconds() - steadyCpuStart);
    printGoal(
      "controller scale: steady, every app resynced every 2 s",
      steady,
      "reconciles per controller core-second",
      1000,
    );
    collectGarbage();
    const heapPerApp = (process.memoryUsage().heapUsed - heapBefore) / APPS / 1024;
    printFigure("controller scale: live heap per app (after GC)", Number(heapPerApp.toFixed(2)), "KiB");
    clearInterval(sampler);
    const rssGoal = APPS >= 12_000 ? " (KubeVela v1.8 anchor: 12,000 apps; goal ≤ 1024 MiB)" : "";
    printFigure(`controller scale: controller process RSS peak, ${APPS} apps${rssGoal}`, Math.round(rssPeak), "MiB");
    stop.abort();
    await controller;
  } finally {
    stop.abort();
    target.close();
    client.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
