import { request as httpsRequest } from "node:https";
import { describe, expect, it } from "vitest";
import { openSandbox } from "../../../src/cluster/sandbox/index.js";
import { startSandboxServer } from "../../../src/cluster/sandbox/server/index.js";
import { openSandboxStore } from "../../../src/cluster/sandbox/store/durable-store.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";

const clock = new FakeClock();

function cm(name: string, value: string): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { value } };
}

/** An fdatasync that runs only when the test says so: the syncs asked for, and a way to finish them. */
function heldFdatasync(fail?: NodeJS.ErrnoException): {
  readonly calls: () => number;
  readonly finishAll: () => void;
  readonly fdatasync: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;
} {
  let calls = 0;
  let held: ((error: NodeJS.ErrnoException | null) => void)[] = [];
  return {
    calls: () => calls,
    finishAll: () => {
      const finishing = held;
      held = [];
      for (const done of finishing) done(fail ?? null);
    },
    fdatasync: (_fd, done) => {
      calls++;
      held.push(done);
    },
  };
}

/** Lets pending promise callbacks and I/O callbacks run. */
const settleTicks = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe("group commit", () => {
  it("acknowledges no write before an fdatasync covered it, and concurrent writes share one", async () => {
    const sync = heldFdatasync();
    const sandbox = await openSandboxStore({ dir: tempDir(), clock, groupCommit: true, fdatasync: sync.fdatasync });
    try {
      const acknowledged: string[] = [];
      const writeAndWait = (name: string): Promise<number> => {
        sandbox.store.apply(cm(name, "1"));
        return sandbox.durable().then(() => acknowledged.push(name));
      };
      const first = writeAndWait("a");
      const second = writeAndWait("b");
      const third = writeAndWait("c");
      await settleTicks();
      expect(acknowledged).toEqual([]);
      // One fdatasync, started when a asked: it covers a only.
      expect(sync.calls()).toBe(1);
      sync.finishAll();
      await first;
      await settleTicks();
      expect(acknowledged).toEqual(["a"]);
      // b and c, appended while it ran, share the second.
      expect(sync.calls()).toBe(2);
      sync.finishAll();
      await Promise.all([second, third]);
      expect(acknowledged).toEqual(["a", "b", "c"]);
      await sandbox.durable();
      expect(sync.calls()).toBe(2);
    } finally {
      sandbox.close();
    }
  });

  it("a failed fdatasync fails every write it should have covered, and every later one", async () => {
    const failure = Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    const sync = heldFdatasync(failure);
    const sandbox = await openSandboxStore({ dir: tempDir(), clock, groupCommit: true, fdatasync: sync.fdatasync });
    try {
      sandbox.store.apply(cm("a", "1"));
      const first = sandbox.durable();
      sync.finishAll();
      await expect(first).rejects.toThrow("EIO");
      sandbox.store.apply(cm("b", "1"));
      await expect(sandbox.durable()).rejects.toThrow("EIO");
    } finally {
      sandbox.close();
    }
  });

  it("closing syncs what group commit had not, so the next open finds every write and the mark agrees", async () => {
    const dir = tempDir();
    const sync = heldFdatasync();
    const sandbox = await openSandboxStore({ dir, clock, groupCommit: true, fdatasync: sync.fdatasync });
    for (let index = 0; index < 5; index++) sandbox.store.apply(cm(`c${index}`, String(index)));
    const pending = sandbox.durable();
    sandbox.close();
    await pending;
    const reopened = await openSandboxStore({ dir, clock });
    try {
      expect([...reopened.store.allObjects()].map((object) => object.metadata.name).sort()).toEqual([
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
      ]);
    } finally {
      reopened.close();
    }
  });

  it("the served sandbox answers a write only after its fdatasync", async () => {
    const sync = heldFdatasync();
    const cluster = await openSandbox({
      dir: tempDir(),
      clock,
      controllers: [],
      groupCommit: true,
      fdatasync: sync.fdatasync,
    });
    const server = await startSandboxServer({ cluster, clock, settleIntervalMs: 0 });
    try {
      let answered: number | undefined;
      const response = new Promise<number>((resolve, reject) => {
        const outgoing = httpsRequest(
          `${server.url}/api/v1/namespaces/default/configmaps`,
          {
            method: "POST",
            ca: server.certificate.certPem,
            headers: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/json" },
          },
          (incoming) => {
            incoming.resume();
            incoming.on("end", () => {
              answered = incoming.statusCode;
              resolve(incoming.statusCode ?? 0);
            });
          },
        );
        outgoing.on("error", reject);
        outgoing.end(JSON.stringify(cm("held", "1")));
      });
      for (let wait = 0; wait < 100 && sync.calls() === 0; wait++) await settleTicks();
      expect(sync.calls()).toBeGreaterThan(0);
      // The write is in the store (and the journal), but not yet on disk: no answer.
      expect(
        cluster.store.get({ apiVersion: "v1", kind: "ConfigMap", name: "held", namespace: "default" }),
      ).toBeDefined();
      await settleTicks();
      expect(answered).toBeUndefined();
      sync.finishAll();
      expect(await response).toBe(201);
    } finally {
      await server.close();
      cluster.close();
    }
  });
});
