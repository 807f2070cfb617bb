import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSandbox } from "../../src/cluster/index.js";
import { FakeClock } from "../../src/util/clock.js";
import { tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

const cmRef = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", name, namespace: "default" });

/** Starts the fixture child that opens the sandbox, writes ConfigMap `name` and exits. */
function startWriter(dir: string, name: string): { readonly started: Promise<void>; readonly done: Promise<string> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(PROJECT_ROOT, "test/cluster/store/fixtures/open-and-write.ts"), dir, name],
    { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  let signalStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (signalStarted = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes("waiting")) signalStarted();
  });
  child.stderr.on("data", (chunk: Buffer) => void (err += chunk.toString()));
  const done = new Promise<string>((resolve, reject) =>
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`writer exited ${code}: ${err}`)))),
  );
  return { started, done };
}

describe("the sandbox lock is let go during waits", () => {
  it("withoutLock: another process writes while this one waits; afterwards this one sees the write", async () => {
    const dir = tempDir();
    const sandbox = await openSandbox({ dir, clock: new FakeClock(), controllers: [] });
    try {
      await sandbox.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "mine" }, data: {} });
      await sandbox.withoutLock(async () => {
        const writer = startWriter(dir, "theirs");
        expect(await writer.done).toMatch(/^waiting\nwrote \d+\n$/);
      });
      expect(await sandbox.get(cmRef("theirs"))).toMatchObject({ data: { from: "child" } });
      expect(await sandbox.get(cmRef("mine"))).toBeDefined();
      // And writes go on after taking the lock back.
      await sandbox.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after" }, data: {} });
    } finally {
      sandbox.close();
    }
    const reopened = await openSandbox({ dir, clock: new FakeClock(), controllers: [] });
    expect((await reopened.list("v1", "ConfigMap")).map((object) => object.metadata.name)).toEqual([
      "after",
      "mine",
      "theirs",
    ]);
    reopened.close();
  });

  it("without another writer, taking the lock back keeps the store in memory as it was", async () => {
    const dir = tempDir();
    const sandbox = await openSandbox({ dir, clock: new FakeClock(), controllers: [] });
    await sandbox.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: {} });
    const store = sandbox.store;
    await sandbox.withoutLock(() => Promise.resolve());
    expect(sandbox.store).toBe(store);
    await expect(sandbox.withoutLock(() => sandbox.get(cmRef("a")))).rejects.toMatchObject({
      code: "E_SANDBOX_RELEASED",
    });
    sandbox.close();
  });

  it("yieldToWaiters: a process waiting for the lock gets in between two passes, then this one goes on", async () => {
    const dir = tempDir();
    const sandbox = await openSandbox({ dir, clock: new FakeClock(), controllers: [] });
    try {
      expect(await sandbox.yieldToWaiters()).toBe(false);
      const writer = startWriter(dir, "waiter");
      await writer.started;
      // The waiter announces itself within its first polls; a long operation checks between passes.
      let yielded = false;
      for (let pass = 0; pass < 200 && !yielded; pass++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        yielded = await sandbox.yieldToWaiters();
      }
      expect(yielded).toBe(true);
      const output = await writer.done;
      expect(Number(/wrote (\d+)/.exec(output)?.[1])).toBeLessThan(15_000);
      expect(await sandbox.get(cmRef("waiter"))).toBeDefined();
    } finally {
      sandbox.close();
    }
  });
});
