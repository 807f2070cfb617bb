import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crc32 } from "node:zlib";
import { openSandboxStore } from "../../../src/cluster/sandbox/store/durable-store.js";
import { SANDBOX_FILES } from "../../../src/cluster/sandbox/store/load.js";
import { repairSandbox } from "../../../src/cluster/sandbox/store/repair.js";
import { ClusterError } from "../../../src/errors/index.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";

const clock = new FakeClock();

function cm(
  name: string,
  value: string,
): Parameters<Awaited<ReturnType<typeof openSandboxStore>>["store"]["apply"]>[0] {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { value } };
}

/** A sandbox with a snapshot (30 objects) and a journal after it (20 writes), closed cleanly. */
async function buildSandbox(): Promise<{ readonly dir: string; readonly state: Map<string, string> }> {
  const dir = tempDir();
  const sandbox = await openSandboxStore({ dir, clock });
  for (let index = 0; index < 30; index++) sandbox.store.apply(cm(`c${index}`, `v${index}`));
  sandbox.compact();
  for (let index = 0; index < 20; index++) sandbox.store.apply(cm(`c${index % 7}`, `w${index}`));
  sandbox.store.delete({ apiVersion: "v1", kind: "ConfigMap", name: "c29", namespace: "default" });
  sandbox.close();
  return { dir, state: await stateOf(dir) };
}

async function stateOf(dir: string): Promise<Map<string, string>> {
  const sandbox = await openSandboxStore({ dir, clock, lockTimeoutMs: 1000 });
  try {
    const state = new Map<string, string>();
    for (const object of sandbox.store.allObjects())
      state.set(object.metadata.name ?? "", (object["data"] as Record<string, string>)["value"] ?? "");
    return state;
  } finally {
    sandbox.close();
  }
}

function filesOf(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir))
    if (entry !== "lock" && statSync(join(dir, entry)).isFile())
      files.set(entry, readFileSync(join(dir, entry)).toString("base64"));
  return files;
}

async function openError(dir: string): Promise<ClusterError | undefined> {
  try {
    const sandbox = await openSandboxStore({ dir, clock, lockTimeoutMs: 1000 });
    sandbox.close();
    return undefined;
  } catch (error) {
    if (error instanceof ClusterError) return error;
    throw error;
  }
}

/** Opens the sandbox and reads every object (damage in an object's line shows when it is read). */
async function readAll(dir: string): Promise<ClusterError | Map<string, string>> {
  try {
    return await stateOf(dir);
  } catch (error) {
    if (error instanceof ClusterError) return error;
    throw error;
  }
}

function flipByte(path: string, offset: number): void {
  const data = readFileSync(path);
  data[offset] = (data[offset] ?? 0) ^ 0x10;
  writeFileSync(path, data);
}

describe("sandbox state integrity", () => {
  it("a flipped byte anywhere in the journal is reported, and the read that found it changes no file", async () => {
    const { dir } = await buildSandbox();
    const journal = join(dir, SANDBOX_FILES.journal);
    const size = statSync(journal).size;
    const original = readFileSync(journal);
    // Every 37th byte, and the first and last: file header, record headers, payloads.
    const offsets = [
      ...new Set([
        0,
        8,
        16,
        20,
        24,
        28,
        size - 1,
        ...Array.from({ length: size }, (_, i) => i).filter((i) => i % 37 === 0),
      ]),
    ];
    for (const offset of offsets) {
      writeFileSync(journal, original);
      flipByte(journal, offset);
      const before = filesOf(dir);
      const error = await openError(dir);
      expect(error?.code, `byte ${offset}`).toBe("E_SANDBOX_CORRUPT");
      expect(error?.hint).toContain("vela-ts sandbox repair");
      expect(filesOf(dir)).toEqual(before);
    }
  });

  it("a journal cut short at any offset after a clean close is reported, never read as fewer writes", async () => {
    const { dir } = await buildSandbox();
    const journal = join(dir, SANDBOX_FILES.journal);
    const original = readFileSync(journal);
    for (let length = 0; length < original.length; length += 53) {
      writeFileSync(journal, original.subarray(0, length));
      const error = await openError(dir);
      expect(error?.code, `cut at ${length}`).toBe("E_SANDBOX_CORRUPT");
    }
  });

  it("a torn last write of a killed command (after the mark) is left out; the file is cut only by the next write", async () => {
    const { dir, state } = await buildSandbox();
    const journal = join(dir, SANDBOX_FILES.journal);
    const intact = statSync(journal).size;
    // A command that wrote one more record and was killed half way through the next.
    const writer = await openSandboxStore({ dir, clock });
    writer.store.apply(cm("late", "x"));
    const withLate = statSync(journal).size;
    writer.store.apply(cm("torn", "y"));
    const full = statSync(journal).size;
    // Simulate the kill: no close (no mark), the lock left behind by a dead pid.
    truncateSync(journal, withLate + Math.floor((full - withLate) / 2));
    writeFileSync(
      join(dir, "lock"),
      JSON.stringify({
        pid: 2 ** 30,
        processStart: "1",
        hostname: (await import("node:os")).hostname(),
        command: "x",
        acquiredAt: "",
        token: "t",
      }),
    );
    const reader = await openSandboxStore({ dir, clock, lockTimeoutMs: 1000 });
    expect(reader.opened.tornBytes).toBeGreaterThan(0);
    expect(reader.store.get({ apiVersion: "v1", kind: "ConfigMap", name: "late", namespace: "default" })).toBeDefined();
    expect(
      reader.store.get({ apiVersion: "v1", kind: "ConfigMap", name: "torn", namespace: "default" }),
    ).toBeUndefined();
    const sizeBefore = statSync(journal).size;
    reader.close();
    expect(statSync(journal).size).toBe(sizeBefore);
    const next = await openSandboxStore({ dir, clock });
    next.store.apply(cm("after", "z"));
    next.close();
    const after = await stateOf(dir);
    expect(after.get("late")).toBe("x");
    expect(after.get("after")).toBe("z");
    expect(after.has("torn")).toBe(false);
    for (const [name, value] of state) expect(after.get(name)).toBe(value);
    expect(intact).toBeLessThan(withLate);
  });

  it("a flipped byte in the snapshot, or a raised resourceVersion in its header, is reported where it is read", async () => {
    const { dir, state } = await buildSandbox();
    const path = join(dir, SANDBOX_FILES.snapshot);
    const original = readFileSync(path);
    let detected = 0;
    let cases = 0;
    for (let offset = 0; offset < original.length; offset += 97) {
      writeFileSync(path, original);
      flipByte(path, offset);
      cases++;
      const read = await readAll(dir);
      // An object the journal wrote again since is never read from the snapshot: the state is intact.
      if (read instanceof Map) expect(read, `byte ${offset}`).toEqual(state);
      else {
        expect(read.code, `byte ${offset}`).toBe("E_SANDBOX_CORRUPT");
        detected++;
      }
    }
    expect(detected).toBeGreaterThan(cases / 2);
    writeFileSync(path, original);
    // An edited header: resourceVersion raised (skipping journal records), checksum left as it was…
    const lines = original.toString("utf8").split("\n");
    const raised = (lines[0] ?? "").replace(
      /"resourceVersion":(\d+)/,
      (_, n: string) => `"resourceVersion":${Number(n) + 5}`,
    );
    writeFileSync(path, [raised, ...lines.slice(1)].join("\n"));
    expect((await openError(dir))?.code).toBe("E_SANDBOX_CORRUPT");
    // …or with a checksum that matches the edit: the journal's history does not pass through that point.
    const json = raised.slice(9);
    writeFileSync(path, [`${crc32(json).toString(16).padStart(8, "0")} ${json}`, ...lines.slice(1)].join("\n"));
    expect((await openError(dir))?.message).toMatch(/lacks the write of ConfigMap/);
  });

  it.each([
    { name: "sandbox.json is null", file: SANDBOX_FILES.metadata, contents: "null" },
    { name: "sandbox.json is empty", file: SANDBOX_FILES.metadata, contents: "" },
    { name: "sandbox.json is deleted", file: SANDBOX_FILES.metadata, contents: undefined },
    { name: "the snapshot is null", file: SANDBOX_FILES.snapshot, contents: "null" },
    { name: "the snapshot is empty", file: SANDBOX_FILES.snapshot, contents: "" },
    { name: "the snapshot is deleted", file: SANDBOX_FILES.snapshot, contents: undefined },
    { name: "the journal is null", file: SANDBOX_FILES.journal, contents: "null" },
    { name: "the journal is empty", file: SANDBOX_FILES.journal, contents: "" },
    { name: "the journal is deleted", file: SANDBOX_FILES.journal, contents: undefined },
    { name: "the mark is null", file: SANDBOX_FILES.mark, contents: "null" },
  ])("$name: a clear E_SANDBOX_CORRUPT, no crash", async ({ file, contents }) => {
    const { dir } = await buildSandbox();
    if (contents === undefined) rmSync(join(dir, file));
    else writeFileSync(join(dir, file), contents);
    const error = await openError(dir);
    expect(error?.code).toBe("E_SANDBOX_CORRUPT");
    expect(error?.hint).toContain("vela-ts sandbox repair");
  });

  it("repair backs the files up, keeps every record that verifies and lists what it lost", async () => {
    const { dir, state } = await buildSandbox();
    const journal = join(dir, SANDBOX_FILES.journal);
    const data = readFileSync(journal);
    // Damage one record in the middle of the journal: the records after it are still recovered.
    flipByte(journal, Math.floor(data.length / 2));
    const damaged = readFileSync(journal);
    const dry = await repairSandbox({ dir, clock, dryRun: true });
    expect(dry.intact).toBe(false);
    expect(readFileSync(journal).equals(damaged)).toBe(true);
    const report = await repairSandbox({ dir, clock });
    expect(report.lost.length).toBeGreaterThan(0);
    expect(report.problems.join("\n")).toMatch(/journal.log: bytes \d+ to \d+ are damaged/);
    expect(report.backupDir).toBeDefined();
    expect(readFileSync(join(report.backupDir ?? "", SANDBOX_FILES.journal)).equals(damaged)).toBe(true);
    const after = await stateOf(dir);
    // The last write of every object that was written after the damaged record is still there.
    let differing = 0;
    for (const [name, value] of state) if (after.get(name) !== value) differing++;
    expect(differing).toBeLessThanOrEqual(1);
    expect(after.has("c29")).toBe(false);
    expect((await repairSandbox({ dir, clock })).intact).toBe(true);
  });

  it("repair of a damaged snapshot line drops only that object and names it", async () => {
    const { dir } = await buildSandbox();
    const path = join(dir, SANDBOX_FILES.snapshot);
    const lines = readFileSync(path, "utf8").split("\n");
    lines[12] = (lines[12] ?? "").replace('"value":"v', '"value":"X');
    writeFileSync(path, lines.join("\n"));
    const report = await repairSandbox({ dir, clock });
    expect(report.lost).toEqual([expect.stringMatching(/snapshot line 13 \(ConfigMap default\/c\d+/)]);
    expect((await stateOf(dir)).size).toBe(28);
  });

  it("migrates a sandbox of format 1 (unchecked snapshot, journal without headers) keeping every object", async () => {
    const dir = tempDir();
    const object = (name: string, version: number): object => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default", uid: `u-${name}`, resourceVersion: String(version) },
      data: { value: name },
    });
    writeFileSync(
      join(dir, SANDBOX_FILES.metadata),
      JSON.stringify({ format: 1, seed: "7", enabledAddons: [], createdAt: "" }),
    );
    writeFileSync(
      join(dir, SANDBOX_FILES.snapshot),
      `${JSON.stringify({ format: 1, resourceVersion: 1, count: 1 })}\n${JSON.stringify(object("a", 1))}\n`,
    );
    const payload = Buffer.from(JSON.stringify({ v: 2, c: [{ o: object("b", 2) }] }));
    const header = Buffer.alloc(8);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    writeFileSync(join(dir, SANDBOX_FILES.journal), Buffer.concat([header, payload]));
    const sandbox = await openSandboxStore({ dir, clock });
    expect(sandbox.opened.migratedFrom).toBe(1);
    expect([...sandbox.store.allObjects()].map((entry) => entry.metadata.name).sort()).toEqual(["a", "b"]);
    sandbox.close();
    expect(JSON.parse(readFileSync(join(dir, SANDBOX_FILES.metadata), "utf8"))).toMatchObject({ format: 4, seed: "7" });
    expect([...(await stateOf(dir)).keys()].sort()).toEqual(["a", "b"]);
    expect(existsSync(join(dir, SANDBOX_FILES.mark))).toBe(true);
  });
});

describe("sandbox compaction crash windows", () => {
  it("a compaction that died after writing the snapshot but before emptying the journal reopens the same state", async () => {
    const { dir, state } = await buildSandbox();
    const sandbox = await openSandboxStore({ dir, clock });
    sandbox.store.apply(cm("extra", "e"));
    const { writeSnapshot } = await import("../../../src/cluster/sandbox/store/indexed-snapshot.js");
    writeSnapshot(join(dir, SANDBOX_FILES.snapshot), Number(sandbox.store.resourceVersion), [
      ...sandbox.store.allObjects(),
    ]);
    sandbox.close();
    const after = await stateOf(dir);
    expect(after).toEqual(new Map([...state, ["extra", "e"]]));
  });

  it("the same after a reset: the writes before it are rightly absent from the empty snapshot", async () => {
    const { dir } = await buildSandbox();
    const sandbox = await openSandboxStore({ dir, clock });
    sandbox.store.clear();
    const { writeSnapshot } = await import("../../../src/cluster/sandbox/store/indexed-snapshot.js");
    writeSnapshot(join(dir, SANDBOX_FILES.snapshot), Number(sandbox.store.resourceVersion), []);
    sandbox.close();
    expect((await stateOf(dir)).size).toBe(0);
  });
});
