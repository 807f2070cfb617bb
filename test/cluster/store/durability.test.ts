import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "vitest";
import { openSandboxStore } from "../../../src/cluster/sandbox/store/durable-store.js";
import { seededRandom } from "../../../src/cluster/sandbox/store/random.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";
import { PROJECT_ROOT } from "../../support/shared.js";
import { expectedAfter } from "./fixtures/kill-ops.js";

const FIXTURES = join(PROJECT_ROOT, "test/cluster/store/fixtures");
const WRITES = 1000;

interface ChildRun {
  readonly acked: number;
  readonly lines: readonly string[];
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs a fixture with tsx; `killAfter` SIGKILLs it once that many writes were acknowledged (or after `killAfterMs`). */
function runChild(
  script: string,
  args: readonly string[],
  kill: { readonly afterAcks?: number; readonly afterMs?: number } = {},
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(FIXTURES, script), ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffer = "";
    let stderr = "";
    const lines: string[] = [];
    let acked = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        if (line.startsWith("ack ")) acked++;
        if (line === "open" && kill.afterMs !== undefined)
          timer = setTimeout(() => child.kill("SIGKILL"), kill.afterMs);
        if (kill.afterAcks !== undefined && acked === kill.afterAcks) child.kill("SIGKILL");
        newline = buffer.indexOf("\n");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ acked, lines, signal, stderr });
    });
  });
}

function stateOf(objects: Iterable<KubeObject>): Map<string, string> {
  const state = new Map<string, string>();
  for (const object of objects)
    state.set(object.metadata.name ?? "", (object["data"] as Record<string, string>)["value"] ?? "");
  return state;
}

function sameState(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, value]) => b.get(name) === value);
}

describe("sandbox store durability", () => {
  const random = seededRandom("kill-test");
  const runs = [
    ...Array.from({ length: 5 }, (_, index) => ({
      name: `killed after a seeded number of acknowledged writes (run ${index + 1})`,
      kill: { afterAcks: 1 + Math.floor(random() * (WRITES - 1)) },
    })),
    ...Array.from({ length: 2 }, (_, index) => ({
      name: `killed after a seeded delay (run ${index + 1})`,
      kill: { afterMs: Math.floor(random() * 400) },
    })),
  ];

  // Concurrent: each run waits mostly on fsync, in its own directory.
  it.concurrent.for(runs)(
    "$name: the store opens consistent and holds every acknowledged write",
    async ({ kill }, { expect }) => {
      const dir = tempDir();
      const run = await runChild("kill-writer.ts", [dir, "0", String(WRITES), "4096"], kill);
      expect(run.stderr).toBe("");
      const sandbox = await openSandboxStore({ dir, clock: new FakeClock(), lockTimeoutMs: 5000 });
      try {
        expect(sandbox.store.findInconsistencies()).toEqual([]);
        const actual = stateOf(sandbox.store.allObjects());
        // The write in flight when the process died may or may not have landed; nothing else is allowed.
        const matches = sameState(actual, expectedAfter(run.acked)) || sameState(actual, expectedAfter(run.acked + 1));
        expect(matches, `state after ${run.acked} acknowledged writes (signal ${String(run.signal)})`).toBe(true);
        // Writing continues normally after recovery.
        sandbox.store.apply({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "after" },
          data: { value: "x" },
        });
        expect(sandbox.store.findInconsistencies()).toEqual([]);
      } finally {
        sandbox.close();
      }
    },
  );

  it.concurrent("a run that is not killed keeps all writes", async ({ expect }) => {
    const dir = tempDir();
    const run = await runChild("kill-writer.ts", [dir, "0", "300", "4096"]);
    expect(run.lines.at(-1)).toBe("done");
    const sandbox = await openSandboxStore({ dir, clock: new FakeClock() });
    expect(sameState(stateOf(sandbox.store.allObjects()), expectedAfter(300))).toBe(true);
    sandbox.close();
  });

  it.concurrent(
    "two processes updating the same object lose no update: conflicts are retried, the lock serialises them",
    async ({ expect }) => {
      const dir = tempDir();
      const setup = await openSandboxStore({ dir, clock: new FakeClock() });
      setup.store.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "counter" },
        data: { count: "0" },
      });
      setup.close();
      const times = 15;
      // Both children start their updates together (a barrier), so they overlap and must conflict.
      const [a, b] = await Promise.all([
        runChild("counter-updater.ts", [dir, String(times), "a", "a,b"]),
        runChild("counter-updater.ts", [dir, String(times), "b", "a,b"]),
      ]);
      expect(a?.stderr).toBe("");
      expect(b?.stderr).toBe("");
      const conflicts = [a, b].map((run) =>
        Number(run?.lines.find((line) => line.startsWith("conflicts "))?.split(" ")[1]),
      );
      const sandbox = await openSandboxStore({ dir, clock: new FakeClock() });
      const counter = sandbox.store.get({ apiVersion: "v1", kind: "ConfigMap", name: "counter", namespace: "default" });
      sandbox.close();
      expect((counter?.["data"] as Record<string, string>)["count"]).toBe(String(2 * times));
      expect(conflicts.every((count) => Number.isInteger(count))).toBe(true);
      expect((conflicts[0] ?? 0) + (conflicts[1] ?? 0)).toBeGreaterThan(0);
    },
  );
});
