/**
 * The served API under load: 50 clients (each with its own connections, as 50 kubectl or vela-ts
 * processes would) mix get (60%), list (10%) and server-side apply (30%) against `sandbox serve`
 * for 20 seconds (at most 400 requests each). Figures: throughput, p50/p99 latency, errors, and
 * acknowledged writes lost (each client's last acknowledged value must be what the store holds).
 * Goal: p99 < 200 ms. Measured twice in one run: with one fdatasync per write (as before group
 * commit) and with group commit (as `sandbox serve` runs it: concurrent writes share one fdatasync).
 * Then, with group commit, on a sandbox already holding `VELA_TS_BENCH_LOAD_APPS` (default 1,000)
 * apps (a Deployment of 2 pods and a Service each), where every write's controller pass matters:
 * once with every controller reconciling everything each pass (as before the change feed), once
 * with the keyed controllers visiting only what changed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openKubeCluster } from "../src/cluster/kube/index.js";
import { openSandbox } from "../src/cluster/sandbox/index.js";
import { startSandboxServer } from "../src/cluster/sandbox/server/index.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { SystemClock } from "../src/util/clock.js";
import { printFigure } from "./measure.js";

const CLIENTS = 50;
const SECONDS = 20;
const MAX_PER_CLIENT = 400;
const PRELOADED_APPS = Number(process.env.VELA_TS_BENCH_LOAD_APPS ?? 1000);

/** A small app already running in the sandbox: a Deployment of 2 pods and its Service. */
const preloadedApp = (index: number): KubeObject[] => {
  const name = `app-${index}`;
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "default", labels: { app: name } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "demo:v1" }] } },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: "default" },
      spec: { selector: { app: name }, ports: [{ port: 80 }] },
    },
  ];
};

const configMap = (client: number, value: number): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `load-${client}`, namespace: "default", labels: { load: "yes" } },
  data: { value: String(value) },
});

export async function run(): Promise<void> {
  await measure({ groupCommit: false, apps: 0, fullPasses: false });
  await measure({ groupCommit: true, apps: 0, fullPasses: false });
  if (PRELOADED_APPS <= 0) return;
  await measure({ groupCommit: true, apps: PRELOADED_APPS, fullPasses: true });
  await measure({ groupCommit: true, apps: PRELOADED_APPS, fullPasses: false });
}

interface LoadSetting {
  readonly groupCommit: boolean;
  /** Apps in the sandbox before the load starts. */
  readonly apps: number;
  /** Controllers reconcile everything each pass (the behaviour before the change feed). */
  readonly fullPasses: boolean;
}

async function measure(setting: LoadSetting): Promise<void> {
  const { groupCommit } = setting;
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-bench-load-"));
  const clock = new SystemClock();
  // Durable: every acknowledged write is fsynced before its answer.
  const sandbox = await openSandbox({
    dir: join(dir, "sandbox"),
    clock,
    groupCommit,
    fullPasses: setting.fullPasses,
  });
  if (setting.apps > 0) {
    const store = sandbox.store;
    store.batch(() => {
      for (let index = 0; index < setting.apps; index++) for (const object of preloadedApp(index)) store.apply(object);
    });
    await sandbox.settle();
    await sandbox.durable();
  }
  const mode =
    (groupCommit ? "group commit" : "one fdatasync per write") +
    (setting.apps === 0
      ? ""
      : `, ${setting.apps} apps in the sandbox, ${setting.fullPasses ? "full controller passes" : "controllers visit what changed"}`);
  const server = await startSandboxServer({ cluster: sandbox, clock });
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, server.kubeconfig());
  const latencies: number[] = [];
  let errors = 0;
  const acknowledged = new Map<number, number>();
  const started = performance.now();
  const client = async (id: number): Promise<void> => {
    const kube = openKubeCluster({ kubeconfigPath: kubeconfig });
    try {
      await kube.apply(configMap(id, 0));
      acknowledged.set(id, 0);
      for (let request = 1; request <= MAX_PER_CLIENT && performance.now() - started < SECONDS * 1000; request++) {
        const roll = (id * 7919 + request * 104_729) % 10;
        const before = performance.now();
        try {
          if (roll < 6)
            await kube.get({
              apiVersion: "v1",
              kind: "ConfigMap",
              name: `load-${(id + request) % CLIENTS}`,
              namespace: "default",
            });
          else if (roll < 7) await kube.list("v1", "ConfigMap", { namespace: "default", labelSelector: "load=yes" });
          else {
            await kube.apply(configMap(id, request));
            acknowledged.set(id, request);
          }
        } catch {
          errors++;
        }
        latencies.push(performance.now() - before);
      }
    } finally {
      kube.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
    const seconds = (performance.now() - started) / 1000;
    const stored = await sandbox.list("v1", "ConfigMap", { namespace: "default", labelSelector: "load=yes" });
    const lost = [...acknowledged].filter(([id, value]) => {
      const object = stored.find((candidate) => candidate.metadata.name === `load-${id}`);
      return (object?.["data"] as { value?: string } | undefined)?.value !== String(value);
    }).length;
    latencies.sort((a, b) => a - b);
    const percentile = (p: number): number =>
      latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
    printFigure(
      `served API (${mode}), ${CLIENTS} clients for ${Math.round(seconds)} s: throughput`,
      Math.round(latencies.length / seconds),
      "ops/s",
    );
    printFigure(`served API under load (${mode}): p50 latency`, Math.round(percentile(0.5)), "ms");
    printFigure(`served API under load (${mode}): p99 latency`, Math.round(percentile(0.99)), "ms", { max: 200 });
    printFigure(`served API under load (${mode}): errors`, errors, "requests", { max: 0 });
    printFigure(`served API under load (${mode}): acknowledged writes lost`, lost, "writes", { max: 0 });
  } finally {
    await server.close();
    sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
