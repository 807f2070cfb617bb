import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ClusterError } from "../../src/errors/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import type { SimulatedController } from "../../src/cluster/index.js";
import { DEFAULT_SANDBOX_ADDONS, openSandbox, SANDBOX_FILES } from "../../src/cluster/index.js";
import { FakeClock } from "../../src/util/clock.js";
import { tempDir } from "../support/cli.js";

const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels },
  data,
});
const cmRef = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", name, namespace: "default" });

describe("SandboxCluster", () => {
  it("keeps objects across close and reopen, with metadata and default addons", async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const first = await openSandbox({ dir, clock, seed: "abc", controllers: [] });
    const created = await first.apply(cm("a", { k: "v" }));
    await first.patch(cmRef("a"), { type: "merge", patch: { data: { k: "w" } } });
    first.close();
    const second = await openSandbox({ dir, clock, controllers: [] });
    const loaded = await second.get(cmRef("a"));
    expect(loaded?.["data"]).toEqual({ k: "w" });
    expect(loaded?.metadata.uid).toBe(created.metadata.uid);
    expect(second.resourceVersion).toBe("2");
    expect(second.seed).toBe("abc");
    expect([...second.enabledAddons].sort()).toEqual([...DEFAULT_SANDBOX_ADDONS].sort());
    second.close();
  });

  it("returns copies the caller may change", async () => {
    const dir = tempDir();
    const sandbox = await openSandbox({ dir, clock: new FakeClock(), controllers: [] });
    const object = await sandbox.apply(cm("a"));
    object.metadata.labels = { changed: "yes" };
    expect((await sandbox.get(cmRef("a")))?.metadata.labels).toEqual({});
    sandbox.close();
  });

  it("persists enabled addons", async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const first = await openSandbox({ dir, clock, controllers: [] });
    first.setEnabledAddons(["istio"]);
    first.close();
    const second = await openSandbox({ dir, clock, controllers: [] });
    expect([...second.enabledAddons]).toEqual(["istio"]);
    second.close();
  });

  it("settles controllers and reports the next wake", async () => {
    const dir = tempDir();
    const labeler: SimulatedController = {
      name: "labeler",
      reconcile: (view) =>
        view.list("v1", "ConfigMap", { labelSelector: "!seen" }).map((object) => ({
          op: "patch" as const,
          ref: cmRef(object.metadata.name ?? ""),
          body: { type: "merge" as const, patch: { metadata: { labels: { seen: "yes" } } } },
        })),
      nextWakeAt: (_view, env) => new Date(env.now.getTime() + 30_000),
    };
    const sandbox = await openSandbox({ dir, clock: new FakeClock("2026-01-01T00:00:00Z"), controllers: [labeler] });
    await sandbox.apply(cm("a"));
    await sandbox.apply(cm("b"));
    const result = await sandbox.settle();
    expect(result).toMatchObject({ converged: true, writes: 2 });
    expect(
      (await sandbox.list("v1", "ConfigMap", { labelSelector: "seen=yes" })).map((object) => object.metadata.name),
    ).toEqual(["a", "b"]);
    expect(sandbox.nextWakeAt()?.toISOString()).toBe("2026-01-01T00:00:30.000Z");
    sandbox.close();
  });

  it("reset empties the sandbox durably", async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const first = await openSandbox({ dir, clock, controllers: [] });
    await first.apply(cm("a"));
    await first.apply(cm("b"));
    expect(first.reset()).toBe(2);
    first.close();
    const second = await openSandbox({ dir, clock, controllers: [] });
    expect(await second.list("v1", "ConfigMap")).toEqual([]);
    expect(statSync(join(dir, SANDBOX_FILES.journal)).size).toBe(0);
    second.close();
  });

  it("ignores a torn record at the end of the journal, leaves it on a read and cuts it off at the next write", async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const first = await openSandbox({ dir, clock, controllers: [] });
    await first.apply(cm("a"));
    first.close();
    const journal = join(dir, SANDBOX_FILES.journal);
    const intact = readFileSync(journal);
    appendFileSync(journal, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 123, 34]));
    const second = await openSandbox({ dir, clock, controllers: [] });
    expect(await second.list("v1", "ConfigMap")).toHaveLength(1);
    expect(statSync(journal).size).toBe(intact.length + 10);
    await second.apply(cm("b"));
    expect(statSync(journal).size).toBeGreaterThan(intact.length);
    expect(readFileSync(journal).subarray(0, intact.length).equals(intact)).toBe(true);
    second.close();
    const third = await openSandbox({ dir, clock, controllers: [] });
    expect((await third.list("v1", "ConfigMap")).map((object) => object.metadata.name)).toEqual(["a", "b"]);
    third.close();
  });

  it("compacts the journal into a snapshot and reopens the same state", async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const { openSandboxStore } = await import("../../src/cluster/sandbox/store/durable-store.js");
    const store = await openSandboxStore({ dir, clock, compactBytes: 2000 });
    for (let index = 0; index < 50; index++) store.store.apply(cm(`c${index % 10}`, { value: String(index) }));
    store.close();
    expect(statSync(join(dir, SANDBOX_FILES.snapshot)).size).toBeGreaterThan(0);
    expect(statSync(join(dir, SANDBOX_FILES.journal)).size).toBeLessThan(4000);
    const reopened = await openSandbox({ dir, clock, controllers: [] });
    expect((await reopened.get(cmRef("c3")))?.["data"]).toEqual({ value: "43" });
    expect(reopened.resourceVersion).toBe("50");
    reopened.close();
  });

  it("a second open waits for the lock and then fails naming the holder", async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const holder = await openSandbox({ dir, clock, controllers: [], command: "vela-ts sandbox apply -f x.yaml" });
    let error: unknown;
    try {
      await openSandbox({ dir, clock, controllers: [], lockTimeoutMs: 100 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).code).toBe("E_SANDBOX_LOCKED");
    expect((error as ClusterError).message).toBe(
      `sandbox ${dir} is locked by pid ${process.pid} (command vela-ts sandbox apply -f x.yaml)`,
    );
    holder.close();
    const next = await openSandbox({ dir, clock, controllers: [], lockTimeoutMs: 100 });
    next.close();
  });

  it("breaks a stale lock left by a dead process", async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    (await openSandbox({ dir, clock, controllers: [] })).close();
    // A pid far above any pid_max: no such process.
    writeFileSync(
      join(dir, SANDBOX_FILES.lock),
      JSON.stringify({
        pid: 2 ** 30,
        processStart: "1",
        hostname: (await import("node:os")).hostname(),
        command: "x",
        acquiredAt: "",
        token: "t",
      }),
    );
    const sandbox = await openSandbox({ dir, clock, controllers: [], lockTimeoutMs: 100 });
    const lock = JSON.parse(readFileSync(join(dir, SANDBOX_FILES.lock), "utf8")) as { pid: unknown };
    expect(lock.pid).toBe(process.pid);
    sandbox.close();
  });

  it("watch yields the current objects, then later changes, until aborted", async () => {
    const dir = tempDir();
    const sandbox = await openSandbox({ dir, clock: new FakeClock(), controllers: [] });
    await sandbox.apply(cm("a", {}, { app: "web" }));
    await sandbox.apply(cm("other", {}, { app: "api" }));
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of sandbox.watch("v1", "ConfigMap", {
        labelSelector: "app=web",
        signal: controller.signal,
      })) {
        seen.push(`${event.type} ${event.object.metadata.name}`);
        if (seen.length === 3) controller.abort();
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await sandbox.apply(cm("b", {}, { app: "web" }));
    await sandbox.apply(cm("ignored", {}, { app: "api" }));
    await sandbox.delete(cmRef("a"));
    await reading;
    expect(seen).toEqual(["ADDED a", "ADDED b", "DELETED a"]);
    sandbox.close();
  });

  it("refuses a sandbox of a newer format", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, SANDBOX_FILES.metadata),
      JSON.stringify({ format: 99, seed: "0", enabledAddons: [], createdAt: "" }),
    );
    await expect(openSandbox({ dir, clock: new FakeClock(), controllers: [] })).rejects.toMatchObject({
      code: "E_SANDBOX_FORMAT",
    });
    // The failed open released its lock.
    await expect(
      openSandbox({ dir, clock: new FakeClock(), controllers: [], lockTimeoutMs: 50 }),
    ).rejects.toMatchObject({ code: "E_SANDBOX_FORMAT" });
  });
});
