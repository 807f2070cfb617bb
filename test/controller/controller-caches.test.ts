/**
 * What keeps controller mode's requests per app down: the informer view the steady-state check
 * reads, the pass cluster's Application reads and status patches, and the in-memory event correlator.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Cluster } from "../../src/cluster/cluster.js";
import { CorrelatingEventRecorder, LABEL_EVENT_INVOLVED_UID } from "../../src/cluster/events.js";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import { InformerView } from "../../src/controller/informer-view.js";
import { newerOf, passCluster } from "../../src/controller/pass-cluster.js";
import { realSleep } from "../../src/controller/work-queue.js";
import { ClusterError, ConflictError } from "../../src/errors/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import { tempDir } from "../support/cli.js";
import { forwardingCluster } from "../support/forwarding-cluster.js";

const APP = { apiVersion: "core.oam.dev/v1beta1", kind: "Application" } as const;

function configMap(name: string, labels: Record<string, string> = {}, namespace = "default"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels }, data: { a: "1" } };
}

async function withSandbox(body: (sandbox: SandboxCluster) => Promise<void>): Promise<void> {
  const sandbox = await openSandbox({ dir: join(tempDir(), "sb"), clock: new FakeClock() });
  try {
    await body(sandbox);
  } finally {
    sandbox.close();
  }
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Counts the requests of each verb that reach the cluster. */
function counting(inner: Cluster): { readonly cluster: Cluster; readonly calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const count = (verb: string): void => void calls.set(verb, (calls.get(verb) ?? 0) + 1);
  return {
    calls,
    cluster: forwardingCluster(inner, {
      get: (ref) => (count("get"), inner.get(ref)),
      list: (apiVersion, kind, options) => (count("list"), inner.list(apiVersion, kind, options)),
      create: (object) => (count("create"), inner.create(object)),
      patch: (ref, body) => (count("patch"), inner.patch(ref, body)),
      updateStatus: (object) => (count("updateStatus"), inner.updateStatus(object)),
      patchStatus: (ref, body) => (count("patchStatus"), inner.patchStatus(ref, body)),
    }),
  };
}

async function smallApp(sandbox: SandboxCluster, name: string): Promise<KubeObject> {
  return sandbox.create({
    ...APP,
    metadata: { name, namespace: "default" },
    spec: { components: [] },
  });
}

describe("the informer view", () => {
  it("covers a kind once its informer has listed it, and follows creates, updates and deletes", async () => {
    await withSandbox(async (sandbox) => {
      await sandbox.create(configMap("a", { app: "x" }));
      await sandbox.create(configMap("b", { app: "y" }, "other"));
      const stop = new AbortController();
      const view = new InformerView({ cluster: sandbox, signal: stop.signal, sleep: realSleep });
      try {
        expect(view.covers("v1", "ConfigMap")).toBe(false);
        await eventually("the ConfigMap informer", () => view.covers("v1", "ConfigMap"));
        const a = await sandbox.get({ apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "default" });
        const seen = view.get({ apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "default" });
        expect(seen?.metadata.resourceVersion).toBe(a?.metadata.resourceVersion);
        expect(view.list("v1", "ConfigMap", { labelSelector: "app=y" }).map((o) => o.metadata.name)).toEqual(["b"]);
        expect(view.list("v1", "ConfigMap", { namespace: "default" }).map((o) => o.metadata.name)).toEqual(["a"]);

        const updated = await sandbox.patch(
          { apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "default" },
          { type: "merge", patch: { metadata: { labels: { app: "y" } }, data: { a: "2" } } },
        );
        await sandbox.create(configMap("c", { app: "y" }));
        await eventually(
          "the update and the create",
          () => view.list("v1", "ConfigMap", { labelSelector: "app=y" }).length === 3,
        );
        expect(
          view.get({ apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "default" })?.metadata.resourceVersion,
        ).toBe(updated.metadata.resourceVersion);
        // Namespace, then name: the order an API server lists in.
        expect(
          view
            .list("v1", "ConfigMap", { labelSelector: "app=y" })
            .map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
        ).toEqual(["default/a", "default/c", "other/b"]);
        expect(view.list("v1", "ConfigMap", { labelSelector: "app=x" })).toEqual([]);

        await sandbox.delete({ apiVersion: "v1", kind: "ConfigMap", name: "c", namespace: "default" });
        await eventually("the delete", () => view.list("v1", "ConfigMap", { namespace: "default" }).length === 1);
        // Field selectors are not in the cache: those reads go to the cluster.
        expect(view.covers("v1", "ConfigMap", { fieldSelector: "metadata.name=a" })).toBe(false);
      } finally {
        stop.abort();
      }
    });
  });

  it("leaves a kind the cluster does not serve to the cluster's reads", async () => {
    await withSandbox(async (sandbox) => {
      const stop = new AbortController();
      let lists = 0;
      const cluster = forwardingCluster(sandbox, {
        list: () => {
          lists++;
          return Promise.reject(new ClusterError("E_KIND_NOT_INSTALLED", "the cluster does not serve Nothing"));
        },
      });
      const view = new InformerView({ cluster, signal: stop.signal, sleep: realSleep });
      try {
        expect(view.covers("example.com/v1", "Nothing")).toBe(false);
        await eventually("the informer's list", () => lists === 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(view.covers("example.com/v1", "Nothing")).toBe(false);
        expect(lists).toBe(1);
      } finally {
        stop.abort();
      }
    });
  });
});

describe("the pass cluster", () => {
  it("serves the Application's first read from the informer's copy, later reads from the cluster", async () => {
    await withSandbox(async (sandbox) => {
      const app = await smallApp(sandbox, "web");
      const { cluster, calls } = counting(sandbox);
      const pass = passCluster(cluster, { cached: app });
      const ref = { ...APP, name: "web", namespace: "default" };
      expect(await pass.get(ref)).toBe(app);
      expect(calls.get("get")).toBeUndefined();
      expect((await pass.get(ref))?.metadata.resourceVersion).toBe(app.metadata.resourceVersion);
      expect(calls.get("get")).toBe(1);
    });
  });

  it("answers a repeated read from the first until the pass writes anything", async () => {
    await withSandbox(async (sandbox) => {
      await sandbox.create(configMap("a"));
      const { cluster, calls } = counting(sandbox);
      const pass = passCluster(cluster);
      const ref = { apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "default" };
      const first = (await pass.get(ref)) as KubeObject;
      const second = (await pass.get(ref)) as KubeObject;
      expect(calls.get("get")).toBe(1);
      expect(second).toEqual(first);
      expect(second).not.toBe(first);
      await pass.create(configMap("b"));
      expect((await pass.get(ref))?.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      expect(calls.get("get")).toBe(2);
    });
  });

  it("writes only the changed status members as a merge patch, and nothing when the status is unchanged", async () => {
    await withSandbox(async (sandbox) => {
      await smallApp(sandbox, "web");
      const ref = { ...APP, name: "web", namespace: "default" };
      const first = await sandbox.updateStatus({
        ...((await sandbox.get(ref)) as KubeObject),
        status: { status: "running", services: [{ name: "a", healthy: true }], kept: { x: 1 } },
      });
      const { cluster, calls } = counting(sandbox);
      const pass = passCluster(cluster);
      const read = (await pass.get(ref)) as KubeObject;
      expect(await pass.updateStatus({ ...read, status: read.status })).toBe(read);
      expect(calls.get("patchStatus")).toBeUndefined();

      const written = await pass.updateStatus({
        ...read,
        status: { status: "runningWorkflow", services: [{ name: "a", healthy: true }] },
      });
      expect(calls.get("patchStatus")).toBe(1);
      expect(calls.get("updateStatus")).toBeUndefined();
      expect(written.status).toEqual({ status: "runningWorkflow", services: [{ name: "a", healthy: true }] });
      expect(written.metadata.resourceVersion).not.toBe(first.metadata.resourceVersion);
      expect(((await sandbox.get(ref)) as KubeObject).status).toEqual(written.status);
    });
  });

  it("keeps the resourceVersion precondition: a status patch over a newer Application is a 409, and so is every later one", async () => {
    await withSandbox(async (sandbox) => {
      await smallApp(sandbox, "web");
      const ref = { ...APP, name: "web", namespace: "default" };
      const pass = passCluster(sandbox);
      const read = (await pass.get(ref)) as KubeObject;
      await sandbox.patch(ref, { type: "merge", patch: { metadata: { labels: { touched: "yes" } } } });
      await expect(pass.updateStatus({ ...read, status: { status: "running" } })).rejects.toBeInstanceOf(ConflictError);
      const fresh = (await sandbox.get(ref)) as KubeObject;
      await expect(pass.updateStatus({ ...fresh, status: { status: "running" } })).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect(((await sandbox.get(ref)) as KubeObject).status).toBeUndefined();
    });
  });

  it("writes a status holding null whole (a merge patch would read the null as a deletion)", async () => {
    await withSandbox(async (sandbox) => {
      await smallApp(sandbox, "web");
      const ref = { ...APP, name: "web", namespace: "default" };
      const { cluster, calls } = counting(sandbox);
      const pass = passCluster(cluster);
      const read = (await pass.get(ref)) as KubeObject;
      const written = await pass.updateStatus({ ...read, status: { status: "running", note: null } });
      expect(calls.get("updateStatus")).toBe(1);
      expect(written.status).toEqual({ status: "running", note: null });
    });
  });

  it("compares resourceVersions as numbers, and trusts nothing cached when they are not numbers", () => {
    const at = (resourceVersion: string): KubeObject => ({ ...APP, metadata: { name: "a", resourceVersion } });
    expect(newerOf(at("9"), at("10"))?.metadata.resourceVersion).toBe("10");
    expect(newerOf(at("11"), at("10"))?.metadata.resourceVersion).toBe("11");
    expect(newerOf(undefined, at("3"))?.metadata.resourceVersion).toBe("3");
    expect(newerOf(at("abc"), at("10"))).toBeUndefined();
  });
});

describe("the correlating event recorder", () => {
  it("creates a new event without a list, and raises the count of a repeat with one patch", async () => {
    await withSandbox(async (sandbox) => {
      const subject = await sandbox.create(configMap("subject"));
      const { cluster, calls } = counting(sandbox);
      const recorder = new CorrelatingEventRecorder();
      const now = new Date("2026-01-01T00:00:00Z");
      const input = { type: "Normal", reason: "Deployed", message: "all good" } as const;
      const first = await recorder.record(cluster, subject, input, now);
      const again = await recorder.record(cluster, subject, input, new Date("2026-01-01T00:00:05Z"));
      expect(calls.get("list")).toBeUndefined();
      expect(calls.get("create")).toBe(1);
      expect(calls.get("patch")).toBe(1);
      expect(again.metadata.name).toBe(first.metadata.name);
      expect(again.count).toBe(2);
      expect(again.lastTimestamp).toBe("2026-01-01T00:00:05Z");
      const stored = await sandbox.list("v1", "Event", {
        namespace: "default",
        labelSelector: `${LABEL_EVENT_INVOLVED_UID}=${subject.metadata.uid ?? ""}`,
      });
      expect(stored).toHaveLength(1);
    });
  });

  it("records an event anew when the one it remembers was deleted meanwhile", async () => {
    await withSandbox(async (sandbox) => {
      const subject = await sandbox.create(configMap("subject"));
      const recorder = new CorrelatingEventRecorder();
      const input = { type: "Warning", reason: "Failed", message: "no" } as const;
      const first = await recorder.record(sandbox, subject, input, new Date("2026-01-01T00:00:00Z"));
      await sandbox.delete({ apiVersion: "v1", kind: "Event", name: first.metadata.name ?? "", namespace: "default" });
      const second = await recorder.record(sandbox, subject, input, new Date("2026-01-01T00:00:01Z"));
      expect(second.metadata.name).not.toBe(first.metadata.name);
      expect(second.count).toBe(1);
    });
  });
});
