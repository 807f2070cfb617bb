import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WatchEvent } from "../../../src/cluster/cluster.js";
import { KubeCluster, openKubeCluster, retryOnConflict } from "../../../src/cluster/kube/index.js";
import { startSandboxServer, type SandboxServer } from "../../../src/cluster/sandbox/server/index.js";
import { ClusterError, ConflictError, NotFoundError, ValidationError, VelaError } from "../../../src/errors/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";
import { MemoryCluster } from "../server/memory-cluster.js";
import { openSandbox, type SandboxCluster } from "../../../src/cluster/sandbox/index.js";

const configMap = (name: string, data: Record<string, string>, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", labels },
  data,
});

const deployment = (name: string, replicas: number): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default", labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "nginx:1.25" }] } },
  },
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Reads events from a watch until `count` arrived (or fails after 10 s). */
async function take(iterator: AsyncIterator<WatchEvent>, count: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const deadline = Date.now() + 10_000;
  while (events.length < count) {
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`timed out after ${events.length} events`)),
          Math.max(1, deadline - Date.now()),
        ),
      ),
    ]);
    if (next.done === true) break;
    events.push(next.value);
  }
  return events;
}

function clientFor(server: SandboxServer, dir: string, name = "kubeconfig"): KubeCluster {
  const path = join(dir, name);
  writeFileSync(path, server.kubeconfig());
  return openKubeCluster({ kubeconfigPath: path });
}

describe("KubeCluster against the served sandbox", () => {
  const clock = new FakeClock();
  const dir = tempDir("vela-ts-kube-");
  let sandbox: SandboxCluster;
  let server: SandboxServer;
  let kube: KubeCluster;

  beforeAll(async () => {
    sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock });
    server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 0, bookmarkIntervalMs: 200 });
    kube = clientFor(server, dir);
  });
  afterAll(async () => {
    kube.close();
    await server.close();
    sandbox.close();
  });

  it("creates, gets and lists with label and field selectors", async () => {
    const created = await kube.create(configMap("alpha", { a: "1" }, { tier: "web" }));
    expect(created.metadata.uid).toMatch(/.+/);
    await kube.create(configMap("beta", { b: "2" }, { tier: "db" }));
    expect(
      (await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "alpha", namespace: "default" }))?.data,
    ).toEqual({ a: "1" });
    expect(
      await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "missing", namespace: "default" }),
    ).toBeUndefined();
    const web = await kube.list("v1", "ConfigMap", { labelSelector: "tier=web" });
    expect(web.map((object) => [object.kind, object.metadata.name])).toEqual([["ConfigMap", "alpha"]]);
    const byName = await kube.list("v1", "ConfigMap", { namespace: "default", fieldSelector: "metadata.name=beta" });
    expect(byName.map((object) => object.metadata.name)).toEqual(["beta"]);
    const again = await caught(kube.create(configMap("alpha", {})));
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as ConflictError).message).toBe('configmaps "alpha" in namespace "default" already exists');
  });

  it("update with a stale resourceVersion is a ConflictError", async () => {
    const live = await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "alpha", namespace: "default" });
    if (live === undefined) throw new Error("alpha missing");
    await kube.update({ ...live, data: { a: "2" } });
    const stale = await caught(kube.update({ ...live, data: { a: "3" } }));
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).message).toContain("the object has been modified");
  });

  it("server-side apply reports the other manager's field and --force takes it over", async () => {
    await kube.apply(deployment("web", 2), { fieldManager: "kubectl" });
    const conflict = await caught(kube.apply(deployment("web", 5)));
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).message).toBe(
      'cannot apply deployments.apps "web" in namespace "default": .spec.replicas is owned by "kubectl"',
    );
    expect((conflict as ConflictError).hint).toContain("--force-conflicts");
    const forced = await kube.apply(deployment("web", 5), { force: true });
    expect(forced.spec).toMatchObject({ replicas: 5 });
    expect(
      forced.metadata.managedFields?.some((entry) => entry.manager === "vela-ts" && entry.operation === "Apply"),
    ).toBe(true);
  });

  it("merge and JSON patches, and patches of the status subresource", async () => {
    const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default" } as const;
    const merged = await kube.patch(ref, { type: "merge", patch: { metadata: { labels: { release: "v2" } } } });
    expect(merged.metadata.labels).toEqual({ app: "web", release: "v2" });
    const jsonPatched = await kube.patch(ref, {
      type: "json",
      patch: [{ op: "replace", path: "/spec/replicas", value: 3 }],
    });
    expect(jsonPatched.spec).toMatchObject({ replicas: 3 });
    const status = await kube.patchStatus(ref, {
      type: "merge",
      patch: { status: { observedGeneration: 9, readyReplicas: 1 } },
    });
    expect(status.status).toMatchObject({ readyReplicas: 1 });
    expect(status.spec).toMatchObject({ replicas: 3 });
    const ignored = await kube.patchStatus(ref, { type: "merge", patch: { spec: { replicas: 100 } } });
    expect(ignored.spec).toMatchObject({ replicas: 3 });
  });

  it("concurrent status updates succeed with retryOnConflict", async () => {
    // An Application: no simulated controller writes its status, so only the four writers below do.
    const ref = {
      apiVersion: "core.oam.dev/v1beta1",
      kind: "Application",
      name: "counters",
      namespace: "default",
    } as const;
    await kube.create({ ...ref, metadata: { name: ref.name, namespace: ref.namespace }, spec: { components: [] } });
    let conflicts = 0;
    const bump = (field: string): Promise<KubeObject> =>
      retryOnConflict(
        async () => {
          const live = await kube.get(ref);
          if (live === undefined) throw new Error("web missing");
          const status = (live.status ?? {}) as Record<string, number>;
          await new Promise((resolve) => setTimeout(resolve, 5));
          try {
            return await kube.updateStatus({ ...live, status: { ...status, [field]: (status[field] ?? 0) + 1 } });
          } catch (error) {
            if (error instanceof ConflictError) conflicts++;
            throw error;
          }
        },
        { attempts: 20 },
      );
    await Promise.all([bump("observedGeneration"), bump("latest"), bump("applied"), bump("observedGeneration")]);
    const live = await kube.get(ref);
    expect(live?.status).toEqual({ observedGeneration: 2, latest: 1, applied: 1 });
    expect(conflicts).toBeGreaterThan(0);
    const direct = await caught(
      retryOnConflict(() => Promise.reject(new ConflictError("still stale")), {
        attempts: 2,
        sleep: () => Promise.resolve(),
      }),
    );
    expect((direct as Error).message).toBe("still stale");
  });

  it("422 from the server becomes a ValidationError pointing at the field", async () => {
    const invalid = await caught(
      kube.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "default" } }),
    );
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).issues.map((issue) => issue.path)).toEqual(["/metadata/name"]);
  });

  it("deletes with a propagation policy; a second delete returns false", async () => {
    expect(
      await kube.delete(
        { apiVersion: "v1", kind: "ConfigMap", name: "beta", namespace: "default" },
        { propagationPolicy: "Foreground" },
      ),
    ).toBe(true);
    expect(await kube.delete({ apiVersion: "v1", kind: "ConfigMap", name: "beta", namespace: "default" })).toBe(false);
    const missing = await caught(
      kube.patch(
        { apiVersion: "v1", kind: "ConfigMap", name: "beta", namespace: "default" },
        { type: "merge", patch: { data: {} } },
      ),
    );
    expect(missing).toBeInstanceOf(NotFoundError);
  });

  it("watch reports ADDED, MODIFIED and DELETED, and skips bookmarks", async () => {
    const controller = new AbortController();
    const iterator = kube
      .watch("v1", "ConfigMap", { namespace: "default", labelSelector: "watch=yes", signal: controller.signal })
      [Symbol.asyncIterator]();
    const first = take(iterator, 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await kube.create(configMap("watched", { v: "1" }, { watch: "yes" }));
    await kube.create(configMap("unwatched", { v: "1" }, { watch: "no" }));
    await kube.patch(
      { apiVersion: "v1", kind: "ConfigMap", name: "watched", namespace: "default" },
      { type: "merge", patch: { data: { v: "2" } } },
    );
    await kube.delete({ apiVersion: "v1", kind: "ConfigMap", name: "watched", namespace: "default" });
    const events = await first;
    controller.abort();
    expect(
      events.map((event) => [event.type, event.object.metadata.name, (event.object.data as Record<string, string>).v]),
    ).toEqual([
      ["ADDED", "watched", "1"],
      ["MODIFIED", "watched", "2"],
      ["DELETED", "watched", "2"],
    ]);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("a 401 names the context and hints at credentials", async () => {
    const path = join(dir, "bad-token");
    writeFileSync(path, server.kubeconfig().replace(server.token, "not-the-token"));
    const client = openKubeCluster({ kubeconfigPath: path });
    const error = await caught(client.list("v1", "ConfigMap"));
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).code).toBe("E_UNAUTHORIZED");
    expect((error as ClusterError).message).toContain('context "vela-ts-sandbox"');
    client.close();
  });
});

describe("KubeCluster discovery", () => {
  it.each([
    {
      name: "kruise rollout",
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      message: "rollouts.kruise.io is not installed in this cluster; enable the kruise-rollout addon",
    },
    {
      name: "flux helm release",
      apiVersion: "helm.toolkit.fluxcd.io/v2beta1",
      kind: "HelmRelease",
      message: "helm.toolkit.fluxcd.io is not installed in this cluster; enable the fluxcd addon",
    },
    {
      name: "istio virtual service",
      apiVersion: "networking.istio.io/v1beta1",
      kind: "VirtualService",
      message: "networking.istio.io is not installed in this cluster; enable the istio addon",
    },
    {
      name: "unknown version of a served group",
      apiVersion: "apps/v2",
      kind: "Deployment",
      message: "apps/v2 is not served by this cluster (it serves apps/v1)",
    },
  ])("a missing API group names its addon: $name", async ({ apiVersion, kind, message }) => {
    const clock = new FakeClock();
    const server = await startSandboxServer({
      cluster: new MemoryCluster(clock),
      clock,
      settleIntervalMs: 0,
      hiddenGroups: ["rollouts.kruise.io", "helm.toolkit.fluxcd.io", "networking.istio.io"],
    });
    const kube = clientFor(server, tempDir());
    try {
      const error = await caught(kube.list(apiVersion, kind));
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as ClusterError).code).toBe("E_KIND_NOT_INSTALLED");
      expect((error as ClusterError).message).toBe(message);
    } finally {
      kube.close();
      await server.close();
    }
  });
});

describe("KubeCluster watch resumption", () => {
  it("keeps one watch going across a server restart on the same port and sandbox dir", async () => {
    const clock = new FakeClock();
    const dir = join(tempDir(), "sandbox");
    let sandbox = await openSandbox({ dir, clock });
    const first = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 0 });
    const kube = clientFor(first, tempDir());
    const controller = new AbortController();
    const iterator = kube
      .watch("v1", "ConfigMap", { namespace: "default", signal: controller.signal })
      [Symbol.asyncIterator]();
    await kube.create(configMap("before", {}));
    expect((await take(iterator, 1)).map((event) => [event.type, event.object.metadata.name])).toEqual([
      ["ADDED", "before"],
    ]);
    await first.close();
    sandbox.close();
    // Written while no server runs: the resumed watch must still report it (the new process has no
    // history, so the client gets 410 for its resourceVersion, relists and reports the difference).
    const offline = await openSandbox({ dir, clock });
    await offline.create(configMap("while-down", {}));
    offline.close();
    sandbox = await openSandbox({ dir, clock });
    const second = await startSandboxServer({
      cluster: sandbox,
      clock,
      settleIntervalMs: 0,
      port: first.port,
      token: first.token,
      certificate: first.certificate,
    });
    await kube.create(configMap("after", {}));
    const events = await take(iterator, 2);
    controller.abort();
    kube.close();
    await second.close();
    sandbox.close();
    expect(events.map((event) => `${event.type} ${event.object.metadata.name ?? ""}`).sort()).toEqual([
      "ADDED after",
      "ADDED while-down",
    ]);
  });

  it("relists when the resourceVersion is too old (410) and reports only differences", async () => {
    const clock = new FakeClock();
    const memory = new MemoryCluster(clock, 2);
    const server = await startSandboxServer({ cluster: memory, clock, settleIntervalMs: 0 });
    const kube = clientFor(server, tempDir());
    await memory.create(configMap("one", {}));
    const startVersion = memory.resourceVersion;
    for (const name of ["two", "three", "four"]) await memory.create(configMap(name, {}));
    await memory.delete({ apiVersion: "v1", kind: "ConfigMap", name: "one", namespace: "default" });
    const controller = new AbortController();
    const iterator = kube
      .watch("v1", "ConfigMap", { namespace: "default", resourceVersion: startVersion, signal: controller.signal })
      [Symbol.asyncIterator]();
    const relisted = await take(iterator, 3);
    expect(relisted.map((event) => [event.type, event.object.metadata.name]).sort()).toEqual([
      ["ADDED", "four"],
      ["ADDED", "three"],
      ["ADDED", "two"],
    ]);
    await memory.create(configMap("five", {}));
    expect((await take(iterator, 1)).map((event) => [event.type, event.object.metadata.name])).toEqual([
      ["ADDED", "five"],
    ]);
    controller.abort();
    kube.close();
    await server.close();
  });
});

describe("KubeCluster unreachable", () => {
  it("a kubeconfig pointing at a closed port fails with exit-4 E_CLUSTER_UNREACHABLE within 10 s", async () => {
    const clock = new FakeClock();
    const server = await startSandboxServer({ cluster: new MemoryCluster(clock), clock, settleIntervalMs: 0 });
    const kubeconfig = server.kubeconfig();
    await server.close();
    const probe = createServer();
    const closedPort = await new Promise<number>((resolve) =>
      probe.listen(0, "127.0.0.1", () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise((resolve) => probe.close(resolve));
    const path = join(tempDir(), "kubeconfig");
    writeFileSync(path, kubeconfig.replace(`127.0.0.1:${server.port}`, `127.0.0.1:${closedPort}`));
    const kube = openKubeCluster({ kubeconfigPath: path });
    const started = Date.now();
    const error = await caught(kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "x", namespace: "default" }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(VelaError);
    expect((error as VelaError).category).toBe("unreachable");
    expect((error as VelaError).code).toBe("E_CLUSTER_UNREACHABLE");
    expect((error as VelaError).message).toMatch(
      new RegExp(
        `^cannot reach cluster at https://127\\.0\\.0\\.1:${closedPort} \\(context "vela-ts-sandbox"\\): connection refused after \\d\\.\\ds$`,
      ),
    );
    expect(elapsed).toBeLessThan(10_000);
    expect(elapsed).toBeGreaterThan(1_000);
  });
});
