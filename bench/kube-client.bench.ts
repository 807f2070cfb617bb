/**
 * vela-ts's own Kubernetes transport (`src/cluster/kube`: node:http(s) with keep-alive agents,
 * client-node's KubeConfig for credentials) against @kubernetes/client-node's KubernetesObjectApi and
 * Watch, on the same served sandbox in another process (so the CPU figures are the client's alone):
 * median latency and client CPU per operation, one request at a time, for server-side apply, get,
 * list and the delay from a write to its watch event.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from "@kubernetes/client-node";
import { openKubeCluster } from "../src/cluster/kube/index.js";
import type { KubeObject } from "../src/model/kube-object.js";
import { printFigure } from "./measure.js";

const OPERATIONS = 300;
const WATCHED_WRITES = 60;
const LIST_SIZE = 100;

interface Client {
  readonly name: string;
  apply(object: KubeObject): Promise<unknown>;
  get(name: string): Promise<unknown>;
  list(): Promise<number>;
  /** Starts a watch of the bench's ConfigMaps; `seen` is called with each event's object name. */
  watch(seen: (name: string) => void): Promise<() => void>;
  close(): void;
}

const configMap = (index: number, value: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `bench-${index % LIST_SIZE}`, namespace: "default", labels: { bench: "yes" } },
  data: { value },
});

function ours(kubeconfigPath: string): Client {
  const kube = openKubeCluster({ kubeconfigPath });
  return {
    name: "own transport",
    apply: (object) => kube.apply(object),
    get: (name) => kube.get({ apiVersion: "v1", kind: "ConfigMap", name, namespace: "default" }),
    list: async () => (await kube.list("v1", "ConfigMap", { namespace: "default", labelSelector: "bench=yes" })).length,
    async watch(seen) {
      const abort = new AbortController();
      const events = kube.watch("v1", "ConfigMap", { namespace: "default", signal: abort.signal });
      void (async () => {
        try {
          for await (const event of events) if (event.object !== undefined) seen(event.object.metadata.name ?? "");
        } catch {
          // aborted at the end of the bench
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 200));
      return () => abort.abort();
    },
    close: () => kube.close(),
  };
}

function clientNode(kubeconfigPath: string): Client {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const api = KubernetesObjectApi.makeApiClient(config);
  const header = (name: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default" },
  });
  return {
    name: "client-node",
    apply: (object) =>
      api.patch(
        {
          apiVersion: object.apiVersion,
          kind: object.kind,
          metadata: {
            name: object.metadata.name ?? "",
            namespace: object.metadata.namespace ?? "default",
            labels: object.metadata.labels ?? {},
          },
          data: object.data,
        },
        undefined,
        undefined,
        "vela-ts",
        true,
        PatchStrategy.ServerSideApply,
      ),
    get: (name) => api.read(header(name)),
    list: async () =>
      (await api.list("v1", "ConfigMap", "default", undefined, undefined, undefined, undefined, "bench=yes")).items
        .length,
    async watch(seen) {
      const watch = new Watch(config);
      const abort = await watch.watch(
        "/api/v1/namespaces/default/configmaps",
        {},
        (_phase, object: KubernetesObject) => seen(object.metadata?.name ?? ""),
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      return () => abort.abort();
    },
    close: () => undefined,
  };
}

interface Figures {
  readonly medianMs: number;
  readonly cpuMsPerOp: number;
}

async function measure(operation: (index: number) => Promise<unknown>, count = OPERATIONS): Promise<Figures> {
  for (let index = 0; index < 20; index++) await operation(index);
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await operation(index);
    samples.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  samples.sort((a, b) => a - b);
  return {
    medianMs: samples[Math.floor(samples.length / 2)] ?? 0,
    cpuMsPerOp: (used.user + used.system) / 1000 / count,
  };
}

async function watchDelay(client: Client): Promise<Figures> {
  const waiting = new Map<string, () => void>();
  const stop = await client.watch((name) => waiting.get(name)?.());
  try {
    return await measure(async (index) => {
      const name = `bench-${index % LIST_SIZE}`;
      const arrived = new Promise<void>((resolve) => waiting.set(name, resolve));
      await client.apply(configMap(index, `watched-${index}-${performance.now()}`));
      await arrived;
      waiting.delete(name);
    }, WATCHED_WRITES);
  } finally {
    stop();
  }
}

async function startServer(dir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(dirname(fileURLToPath(import.meta.url)), "served-sandbox-child.ts"), dir],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the served sandbox exited (${String(code)})`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
  });
  return child;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vela-ts-bench-kube-client-"));
  const server = await startServer(dir);
  const kubeconfig = join(dir, "kubeconfig");
  try {
    const clients = [ours(kubeconfig), clientNode(kubeconfig)];
    for (let index = 0; index < LIST_SIZE; index++) await clients[0]?.apply(configMap(index, "0"));
    for (const client of clients) {
      try {
        const apply = await measure((index) => client.apply(configMap(index, `${client.name}-${index}`)));
        const get = await measure((index) => client.get(`bench-${index % LIST_SIZE}`));
        const list = await measure(() => client.list());
        const watch = await watchDelay(client);
        for (const [what, figures] of [
          ["server-side apply", apply],
          ["get", get],
          [`list of ${LIST_SIZE}`, list],
          ["write to watch event", watch],
        ] as const) {
          printFigure(`${client.name}: ${what}, median latency`, Number(figures.medianMs.toFixed(2)), "ms");
          printFigure(`${client.name}: ${what}, client CPU`, Number(figures.cpuMsPerOp.toFixed(3)), "ms/op");
        }
      } finally {
        client.close();
      }
    }
  } finally {
    server.stdin?.end();
    await new Promise((resolve) => server.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}
