/**
 * Requests per second of `vela-ts sandbox serve` for get, list and server-side apply, measured with
 * vela-ts's own Kubernetes client over loopback HTTPS (keep-alive), a bounded number of requests
 * each and a time cap. The simulated controllers run after each write, as in the served sandbox.
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
import { printFigure, rssMiB } from "./measure.js";

const MAX_REQUESTS = 2000;
const MAX_SECONDS = 5;
const CONCURRENCY = 8;

async function rate(operation: (index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < MAX_REQUESTS && performance.now() - started < MAX_SECONDS * 1000) {
      const index = next++;
      await operation(index);
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return done / ((performance.now() - started) / 1000);
}

const configMap = (index: number): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `bench-${index % 200}`, namespace: "default", labels: { bench: "yes" } },
  data: { value: String(index) },
});

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-bench-server-"));
  const clock = new SystemClock();
  const sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock, sync: false });
  const server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 0 });
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, server.kubeconfig());
  const kube = openKubeCluster({ kubeconfigPath: kubeconfig });
  try {
    for (let index = 0; index < 200; index++) await kube.apply(configMap(index));
    const apply = await rate((index) => kube.apply(configMap(index)));
    const get = await rate((index) =>
      kube.get({ apiVersion: "v1", kind: "ConfigMap", name: `bench-${index % 200}`, namespace: "default" }),
    );
    const list = await rate(() => kube.list("v1", "ConfigMap", { namespace: "default", labelSelector: "bench=yes" }));
    printFigure(`served API get (loopback HTTPS, ${CONCURRENCY} concurrent)`, Math.round(get), "requests/s");
    printFigure("served API list of 200 ConfigMaps", Math.round(list), "requests/s");
    printFigure("served API server-side apply (+ controller settle)", Math.round(apply), "requests/s");
    printFigure("served API process RSS", Math.round(rssMiB()), "MiB");
  } finally {
    kube.close();
    await server.close();
    sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
