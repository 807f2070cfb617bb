/**
 * Simulated controllers at scale: 1,000 apps, each a Deployment (3 replicas) + Service + Ingress +
 * Kruise Rollout, in a MemoryObjectStore. Prints the time for the controllers to reach a fixed
 * point from nothing (install), the time for all 1,000 to reach a paused canary step after a
 * template change, one app's template change settled among the 1,000 (what a command that touches
 * one app pays), and RSS. Each is measured twice: every controller reconciling everything each pass
 * ("full passes", as before the change feed) and the keyed controllers visiting only what changed.
 */
import { performance } from "node:perf_hooks";
import { MemoryObjectStore, seededRandom } from "../src/cluster/sandbox/store/index.js";
import { SIMULATED_ADMISSIONS, SIMULATED_CONTROLLERS } from "../src/cluster/sandbox/controllers/index.js";
import { nextWakeAt, settle } from "../src/cluster/sandbox/runner.js";
import { ChangeTracker } from "../src/cluster/sandbox/change-feed.js";
import type { ControllerEnv } from "../src/cluster/sandbox/controller-contract.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { FakeClock } from "../src/util/clock.js";
import { printFigure, rssMiB } from "./measure.js";

const APPS = Number(process.env.BENCH_APPS ?? 1000);

function app(name: string): KubeObject[] {
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "default", labels: { app: name } },
      spec: {
        replicas: 3,
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
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name, namespace: "default" },
      spec: {
        ingressClassName: "nginx",
        rules: [
          {
            host: `${name}.example.com`,
            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }] },
          },
        ],
      },
    },
    {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name, namespace: "default" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name } },
        strategy: {
          canary: {
            steps: [{ weight: 20 }, { weight: 90 }],
            trafficRoutings: [{ service: name, ingress: { name, classType: "nginx" } }],
          },
        },
      },
    },
  ];
}

/** CPU milliseconds (user + system) of this process since `since` (honest on a shared machine). */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

export async function run(): Promise<void> {
  await measure(false);
  await measure(true);
  printFigure("RSS after the controller bench", rssMiB(), "MiB");
}

function measure(keyed: boolean): Promise<void> {
  const mode = keyed ? "change feed" : "full passes";
  const clock = new FakeClock();
  const enabledAddons = new Set(["kruise-rollout", "ingress-nginx", "istio", "fluxcd"]);
  const store = new MemoryObjectStore({ clock, seed: "bench", admissions: SIMULATED_ADMISSIONS, enabledAddons });
  const env = (): ControllerEnv => ({
    now: clock.now(),
    random: seededRandom(`bench/${store.resourceVersion}`),
    enabledAddons,
  });
  for (let i = 0; i < APPS; i++) for (const object of app(`app-${i}`)) store.apply(object);
  const changes = keyed ? new ChangeTracker() : undefined;
  changes?.follow(store);
  const options = { controllers: SIMULATED_CONTROLLERS, maxPasses: 500, ...(changes === undefined ? {} : { changes }) };

  let start = performance.now();
  let cpu = process.cpuUsage();
  const install = settle(store, { ...options, env: env() });
  printFigure(
    `controllers to a fixed point (${mode}), ${APPS} apps (Deployment+Service+Ingress+Rollout, 3 pods each)`,
    performance.now() - start,
    "ms",
  );
  printFigure("  CPU time", cpuMs(cpu), "ms");
  printFigure(
    "  passes / writes",
    install.passes,
    `passes, ${install.writes} writes, converged=${String(install.converged)}`,
  );
  printFigure("  objects in store", store.size, "objects");

  for (let i = 0; i < APPS; i++) {
    const ref = { apiVersion: "apps/v1", kind: "Deployment", name: `app-${i}`, namespace: "default" };
    store.patch(ref, {
      type: "json",
      patch: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "demo:v2" }],
    });
  }
  start = performance.now();
  cpu = process.cpuUsage();
  let passes = 0;
  let writes = 0;
  for (let wake = 0; wake < 50; wake++) {
    const result = settle(store, { ...options, env: env() });
    passes += result.passes;
    writes += result.writes;
    const next = nextWakeAt(store, SIMULATED_CONTROLLERS, env(), changes);
    if (next === undefined) break;
    clock.advance(next.getTime() - clock.now().getTime());
  }
  const paused = store
    .list("rollouts.kruise.io/v1alpha1", "Rollout")
    .filter(
      (r) =>
        (r.status as { canaryStatus?: { currentStepState?: string } } | undefined)?.canaryStatus?.currentStepState ===
        "StepPaused",
    ).length;
  printFigure(
    `${APPS} canary releases to their first paused step (${mode}; grace periods on a fake clock)`,
    performance.now() - start,
    "ms",
  );
  printFigure("  CPU time", cpuMs(cpu), "ms");
  printFigure("  passes / writes / paused rollouts", passes, `passes, ${writes} writes, ${paused} paused`);

  // One app's Deployment scaled among the rest, settled, then its next wake instant asked for.
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  for (let round = 0; round < 20; round++) {
    const ref = { apiVersion: "apps/v1", kind: "Deployment", name: `app-${round}`, namespace: "default" };
    store.patch(ref, { type: "merge", patch: { spec: { replicas: 4 + (round % 2) } } });
    start = performance.now();
    cpu = process.cpuUsage();
    settle(store, { ...options, env: env() });
    nextWakeAt(store, SIMULATED_CONTROLLERS, env(), changes);
    samples.push(performance.now() - start);
    cpuSamples.push(cpuMs(cpu));
  }
  samples.sort((a, b) => a - b);
  cpuSamples.sort((a, b) => a - b);
  printFigure(
    `one app scaled among ${APPS}, settle + nextWakeAt (${mode}), median of 20`,
    samples[Math.floor(samples.length / 2)] ?? 0,
    "ms",
  );
  printFigure("  CPU time, median of 20", cpuSamples[Math.floor(cpuSamples.length / 2)] ?? 0, "ms");
  return Promise.resolve();
}
