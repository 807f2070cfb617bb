/**
 * Controller mode over HTTP: the time for one `vela-ts controller` loop to drive N small apps
 * (a ConfigMap through `k8s-objects`, then `apply-component` → `suspend`) to their suspend step,
 * against the sandbox served as a Kubernetes API in this process; the process RSS, and the served
 * API's requests per second during the run. Bounded: N apps (default 1,000, `BENCH_CONTROLLER_APPS`)
 * and a time cap (default 240 s, `BENCH_CONTROLLER_SECONDS`); a capped run prints how far it got.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openKubeCluster } from "../src/cluster/kube/index.js";
import { openSandbox } from "../src/cluster/sandbox/index.js";
import { startSandboxServer } from "../src/cluster/sandbox/server/index.js";
import { runController } from "../src/controller/controller-mode.js";
import { openTarget } from "../src/target/target.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { SystemClock } from "../src/util/clock.js";
import { printFigure, rssMiB } from "./measure.js";

const APPS = Number(process.env.BENCH_CONTROLLER_APPS ?? "1000");
const MAX_SECONDS = Number(process.env.BENCH_CONTROLLER_SECONDS ?? "240");
const CONCURRENCY = 16;

function smallApp(index: number): KubeObject {
  const name = `bench-${index}`;
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
                data: { index: String(index) },
              },
            ],
          },
        },
      ],
      workflow: {
        steps: [
          { name: "apply", type: "apply-component", properties: { component: "config" } },
          { name: "hold", type: "suspend" },
        ],
      },
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

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-bench-controller-"));
  const clock = new SystemClock();
  const sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock, sync: false });
  const server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 500 });
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, server.kubeconfig());
  const client = openKubeCluster({ kubeconfigPath: kubeconfig });
  const target = await openTarget({
    cwd: process.cwd(),
    clock,
    http: () => Promise.reject(new Error("no webhooks")),
    command: "bench",
    kubeconfig,
    env: {},
  });
  const stop = new AbortController();
  try {
    await inParallel(APPS, CONCURRENCY, (index) => client.create(smallApp(index)));
    const suspended = new Set<string>();
    let allDone: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (allDone = resolve));
    const requestsBefore = server.requestCount;
    const rssBefore = rssMiB();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB())), 250);
    const started = performance.now();
    const controller = runController({
      deps: target.deps,
      signal: stop.signal,
      leaderElection: false,
      concurrency: CONCURRENCY,
      pollIntervalMs: 1000,
      onReconcile: (event) => {
        const hold = event.outcome?.workflow?.steps.find((step) => step.name === "hold");
        if (hold?.phase === "suspending") suspended.add(event.key);
        if (suspended.size >= APPS) allDone();
      },
    });
    const capped = await Promise.race([
      finished.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), MAX_SECONDS * 1000).unref()),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const requests = server.requestCount - requestsBefore;
    clearInterval(sampler);
    stop.abort();
    await controller;
    const label = capped ? ` (capped at ${MAX_SECONDS}s: ${suspended.size} of ${APPS} apps done)` : "";
    printFigure(
      `controller: ${APPS} apps to their first suspend step over HTTP (concurrency ${CONCURRENCY})${label}`,
      Number(seconds.toFixed(2)),
      "s",
    );
    printFigure("controller: apps per second", Number((suspended.size / seconds).toFixed(1)), "apps/s");
    printFigure("served API during the controller run", Math.round(requests / seconds), "requests/s");
    printFigure("served API requests per app", Math.round(requests / Math.max(1, suspended.size)), "requests");
    printFigure("process RSS, controller + served sandbox (peak during the run)", Math.round(rssPeak), "MiB");
    printFigure("process RSS growth during the run", Math.round(rssPeak - rssBefore), "MiB");
  } finally {
    stop.abort();
    target.close();
    client.close();
    await server.close();
    sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
