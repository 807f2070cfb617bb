import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSandboxStore } from "../../../src/cluster/sandbox/store/durable-store.js";
import { SANDBOX_FILES } from "../../../src/cluster/sandbox/store/load.js";
import { repairSandbox } from "../../../src/cluster/sandbox/store/repair.js";
import { ClusterError } from "../../../src/errors/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { FakeClock } from "../../../src/util/clock.js";
import { tempDir } from "../../support/cli.js";

const clock = new FakeClock("2026-01-01T00:00:00Z");
const FIXTURES = join(import.meta.dirname, "fixtures");

function cm(name: string, namespace: string, value: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels }, data: { value } };
}

/** Three namespaces of ConfigMaps and a Deployment owning one of them, compacted into a snapshot. */
async function buildSandbox(): Promise<string> {
  const dir = tempDir();
  const sandbox = await openSandboxStore({ dir, clock });
  for (const namespace of ["a", "b", "c"])
    for (let index = 0; index < 5; index++)
      sandbox.store.apply(cm(`config-${index}`, namespace, `${namespace}-${index}`, { tier: `t${index % 2}` }));
  const owner = sandbox.store.apply({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "a" },
    spec: { replicas: 1 },
  });
  sandbox.store.apply({
    ...cm("owned", "a", "owned"),
    metadata: {
      name: "owned",
      namespace: "a",
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: owner.metadata.uid ?? "" }],
    },
  });
  sandbox.compact();
  sandbox.close();
  return dir;
}

/** Damages the snapshot line holding `marker` (its second byte, the checksum left as it was). */
function damageLineOf(dir: string, marker: string): void {
  const path = join(dir, SANDBOX_FILES.snapshot);
  const data = readFileSync(path);
  const at = data.indexOf(Buffer.from(marker, "utf8"));
  expect(at).toBeGreaterThan(0);
  data[at + 1] = (data[at + 1] ?? 0) ^ 0x01;
  writeFileSync(path, data);
}

const names = (objects: readonly KubeObject[]): string[] =>
  objects.map((object) => `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`);

describe("indexed snapshot (format 4: one index section per kind and namespace)", () => {
  it("reads only what a command touches: a damaged object elsewhere does not stop a get or a namespace's list", async () => {
    const dir = await buildSandbox();
    damageLineOf(dir, '"c-3"');
    const sandbox = await openSandboxStore({ dir, clock });
    try {
      expect(sandbox.store.size).toBe(17);
      const listed = sandbox.store.list("v1", "ConfigMap", { namespace: "b" });
      expect(names(listed)).toEqual(["b/config-0", "b/config-1", "b/config-2", "b/config-3", "b/config-4"]);
      expect(
        sandbox.store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "c", name: "config-1" })?.["data"],
      ).toEqual({ value: "c-1" });
      // The label index comes from the snapshot's index, without reading the objects it selects.
      expect(names(sandbox.store.list("v1", "ConfigMap", { namespace: "a", labelSelector: "tier=t1" }))).toEqual([
        "a/config-1",
        "a/config-3",
      ]);
      // The damaged object is refused with the repair advice when it is read, never shown different.
      const error = (() => {
        try {
          sandbox.store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "c", name: "config-3" });
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as ClusterError).code).toBe("E_SANDBOX_CORRUPT");
      expect((error as ClusterError).message).toMatch(/\/ConfigMap\/c\/config-3 .* fails its checksum/);
      expect((error as ClusterError).hint).toContain("vela-ts sandbox repair");
    } finally {
      sandbox.close();
    }
  });

  it("a delete cascades through owner references read from the index", async () => {
    const dir = await buildSandbox();
    const sandbox = await openSandboxStore({ dir, clock });
    sandbox.store.delete({ apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" });
    expect(sandbox.store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "owned" })).toBeUndefined();
    expect(sandbox.store.findInconsistencies()).toEqual([]);
    sandbox.close();
    const again = await openSandboxStore({ dir, clock });
    expect(again.store.size).toBe(15);
    again.close();
  });

  it("compaction copies objects not read and keeps later writes; the result reads back whole", async () => {
    const dir = await buildSandbox();
    const sandbox = await openSandboxStore({ dir, clock });
    sandbox.store.apply(cm("config-0", "b", "changed"));
    sandbox.store.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "c", name: "config-4" });
    sandbox.compact();
    // Objects not read before the compaction are read from the new file.
    expect(
      sandbox.store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "c", name: "config-2" })?.["data"],
    ).toEqual({ value: "c-2" });
    sandbox.close();
    const reopened = await openSandboxStore({ dir, clock });
    expect(reopened.store.findInconsistencies()).toEqual([]);
    const all = [...reopened.store.allObjects()];
    expect(all).toHaveLength(16);
    expect(
      all.find((object) => object.metadata.namespace === "b" && object.metadata.name === "config-0")?.["data"],
    ).toEqual({
      value: "changed",
    });
    reopened.close();
    expect(readFileSync(join(dir, SANDBOX_FILES.snapshot), "utf8")).toMatch(
      /^[0-9a-f]{8} \{"format":4,"resourceVersion":\d+,"count":16\}/,
    );
  });

  it("repair checks every line, not only those a command read, and recovers the others", async () => {
    const dir = await buildSandbox();
    damageLineOf(dir, '"c-3"');
    const report = await repairSandbox({ dir, clock });
    expect(report.intact).toBe(false);
    expect(report.lost.join("\n")).toMatch(/ConfigMap c\/config-3/);
    const sandbox = await openSandboxStore({ dir, clock });
    expect(sandbox.store.size).toBe(16);
    expect(sandbox.store.findInconsistencies()).toEqual([]);
    sandbox.close();
  });

  it("a damaged index section is refused when its namespace is first used; other namespaces read on", async () => {
    const dir = await buildSandbox();
    damageLineOf(dir, '{"section":["/ConfigMap","c",0]');
    const sandbox = await openSandboxStore({ dir, clock });
    try {
      expect(
        sandbox.store.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" }),
      ).toBeDefined();
      expect(names(sandbox.store.list("v1", "ConfigMap", { namespace: "b" }))).toHaveLength(5);
      expect(() =>
        sandbox.store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "c", name: "config-0" }),
      ).toThrow(/the index of \/ConfigMap in namespace "c" .* fails its checksum/);
      expect(() => sandbox.store.list("v1", "ConfigMap")).toThrow(/E_SANDBOX_CORRUPT|fails its checksum/);
    } finally {
      sandbox.close();
    }
  });

  it("a damaged section directory is refused for the namespaces it lists, with the repair advice", async () => {
    const dir = await buildSandbox();
    damageLineOf(dir, '{"buckets":["/ConfigMap",0]');
    const sandbox = await openSandboxStore({ dir, clock });
    try {
      expect(
        sandbox.store.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" }),
      ).toBeDefined();
      const error = (() => {
        try {
          sandbox.store.list("v1", "ConfigMap", { namespace: "a" });
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect((error as ClusterError).code).toBe("E_SANDBOX_CORRUPT");
      expect((error as ClusterError).message).toMatch(/the section directory 0 of \/ConfigMap .* fails its checksum/);
      expect((error as ClusterError).hint).toContain("vela-ts sandbox repair");
    } finally {
      sandbox.close();
    }
  });

  it("a command touching one namespace reads only that namespace's sections; lists over every namespace still see all", async () => {
    const dir = tempDir();
    const writer = await openSandboxStore({ dir, clock });
    // Enough namespaces for several section directories (about 64 namespaces each).
    for (let index = 0; index < 200; index++)
      writer.store.apply(
        cm("config", `ns-${index}`, `v${index}`, {
          team: index % 10 === 0 ? "core" : "apps",
          ...(index === 7 || index === 150 ? { pick: "yes" } : {}),
        }),
      );
    writer.compact();
    writer.close();
    // Damage every section but those of ns-7 and ns-150: a command touching those two reads nothing else.
    const path = join(dir, SANDBOX_FILES.snapshot);
    const data = readFileSync(path);
    const text = data.toString("latin1");
    for (let index = 0; index < 200; index++) {
      if (index === 7 || index === 150) continue;
      const at = text.indexOf(`{"section":["/ConfigMap","ns-${index}",0]`);
      expect(at).toBeGreaterThan(0);
      data[at + 3] = (data[at + 3] ?? 0) ^ 0x01;
    }
    const damaged = `${dir}-damaged`;
    cpSync(dir, damaged, { recursive: true });
    writeFileSync(join(damaged, SANDBOX_FILES.snapshot), data);
    const narrow = await openSandboxStore({ dir: damaged, clock });
    try {
      expect(narrow.store.size).toBe(200);
      expect(
        narrow.store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "ns-7", name: "config" })?.["data"],
      ).toEqual({
        value: "v7",
      });
      expect(names(narrow.store.list("v1", "ConfigMap", { namespace: "ns-150", labelSelector: "team=core" }))).toEqual([
        "ns-150/config",
      ]);
      // A label selector over every namespace reads only the sections its label's postings name.
      expect(names(narrow.store.list("v1", "ConfigMap", { labelSelector: "pick=yes" }))).toEqual([
        "ns-150/config",
        "ns-7/config",
      ]);
      // The most selective requirement decides which shards are read (team=apps alone names 180).
      expect(names(narrow.store.list("v1", "ConfigMap", { labelSelector: "team=apps,pick=yes" }))).toEqual([
        "ns-7/config",
      ]);
      narrow.store.apply(cm("second", "ns-7", "w", { pick: "yes" }));
      expect(names(narrow.store.list("v1", "ConfigMap", { labelSelector: "pick in (yes,no)" }))).toEqual([
        "ns-150/config",
        "ns-7/config",
        "ns-7/second",
      ]);
    } finally {
      narrow.close();
    }
    // The intact copy answers lists over every namespace, by label too.
    const wide = await openSandboxStore({ dir, clock });
    try {
      expect(wide.store.list("v1", "ConfigMap")).toHaveLength(200);
      expect(names(wide.store.list("v1", "ConfigMap", { labelSelector: "team=core" }))).toEqual(
        Array.from({ length: 20 }, (_, index) => `ns-${index * 10}/config`).sort(),
      );
      expect(wide.store.findInconsistencies()).toEqual([]);
    } finally {
      wide.close();
    }
  });

  it("a large section is read a shard at a time: one cluster-scoped object, or a label's, without the rest", async () => {
    const dir = tempDir();
    const writer = await openSandboxStore({ dir, clock });
    for (let index = 0; index < 600; index++)
      writer.store.apply({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: `n-${index}`, labels: { id: `${index}` } },
      });
    writer.compact();
    writer.close();
    const path = join(dir, SANDBOX_FILES.snapshot);
    const data = readFileSync(path);
    const lines = data.toString("latin1").split("\n");
    let at = 0;
    let shards = 0;
    for (const line of lines) {
      if (line.slice(9).startsWith('{"section":["/Namespace",""')) {
        shards++;
        if (!line.includes('["n-42",')) data[at + 12] = (data[at + 12] ?? 0) ^ 0x01;
      }
      at += line.length + 1;
    }
    expect(shards).toBeGreaterThan(1);
    writeFileSync(path, data);
    const sandbox = await openSandboxStore({ dir, clock });
    try {
      expect(sandbox.store.get({ apiVersion: "v1", kind: "Namespace", name: "n-42" })?.metadata.labels).toEqual({
        id: "42",
      });
      expect(names(sandbox.store.list("v1", "Namespace", { labelSelector: "id=42" }))).toEqual(["/n-42"]);
      expect(() => sandbox.store.list("v1", "Namespace")).toThrow(
        /the index of \/Namespace in namespace "" \(shard \d\) .* fails its checksum/,
      );
    } finally {
      sandbox.close();
    }
  });

  it("an owner that is cluster-scoped takes its dependents in every namespace with it", async () => {
    const dir = tempDir();
    const writer = await openSandboxStore({ dir, clock });
    const owner = writer.store.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "owner" } });
    const ownerReferences = [{ apiVersion: "v1", kind: "Namespace", name: "owner", uid: owner.metadata.uid ?? "" }];
    for (const namespace of ["x", "y", "z"])
      writer.store.apply({
        ...cm("owned", namespace, namespace),
        metadata: { name: "owned", namespace, ownerReferences },
      });
    writer.store.apply(cm("free", "y", "free"));
    writer.compact();
    writer.close();
    const sandbox = await openSandboxStore({ dir, clock });
    sandbox.store.delete({ apiVersion: "v1", kind: "Namespace", name: "owner" });
    expect(names(sandbox.store.list("v1", "ConfigMap"))).toEqual(["y/free"]);
    expect(sandbox.store.findInconsistencies()).toEqual([]);
    sandbox.close();
  });
});

describe("a sandbox written by the previous vela-ts (format 2)", () => {
  it("opens with every object and write, upgrades its snapshot in place, and stays the same afterwards", async () => {
    const dir = tempDir();
    cpSync(join(FIXTURES, "format2-sandbox"), dir, { recursive: true });
    const expected = JSON.parse(readFileSync(join(FIXTURES, "format2-sandbox.expected.json"), "utf8")) as {
      resourceVersion: string;
      objects: KubeObject[];
    };
    const sorted = (objects: Iterable<KubeObject>): KubeObject[] =>
      [...objects].sort((a, b) =>
        `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.kind}/${b.metadata.namespace}/${b.metadata.name}`,
        ),
      );
    expect(readFileSync(join(dir, SANDBOX_FILES.snapshot), "utf8")).toMatch(/^[0-9a-f]{8} \{"format":2,/);
    const first = await openSandboxStore({ dir, clock });
    expect(first.opened.migratedFrom).toBe(2);
    expect(first.store.resourceVersion).toBe(expected.resourceVersion);
    expect(sorted(first.store.allObjects())).toEqual(expected.objects);
    first.close();
    expect(readFileSync(join(dir, SANDBOX_FILES.snapshot), "utf8")).toMatch(/^[0-9a-f]{8} \{"format":4,/);
    expect(JSON.parse(readFileSync(join(dir, SANDBOX_FILES.metadata), "utf8"))).toMatchObject({ format: 4 });

    const second = await openSandboxStore({ dir, clock });
    expect(second.opened.migratedFrom).toBeUndefined();
    expect(second.store.resourceVersion).toBe(expected.resourceVersion);
    expect(sorted(second.store.allObjects())).toEqual(expected.objects);
    // The owner index survives the upgrade: deleting the Deployment takes the ConfigMap it owns.
    second.store.delete({ apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web" });
    expect(
      second.store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "owned" }),
    ).toBeUndefined();
    second.close();
  });
});

describe("a sandbox written by the previous vela-ts (format 3: one index line per kind)", () => {
  it("opens with every object and the writes in its journal, upgrades in place, and keeps its allocations", async () => {
    const dir = tempDir();
    cpSync(join(FIXTURES, "format3-sandbox"), dir, { recursive: true });
    const expected = JSON.parse(readFileSync(join(FIXTURES, "format3-sandbox.expected.json"), "utf8")) as {
      resourceVersion: string;
      objects: KubeObject[];
    };
    const sorted = (objects: Iterable<KubeObject>): KubeObject[] =>
      [...objects].sort((a, b) =>
        `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.kind}/${b.metadata.namespace}/${b.metadata.name}`,
        ),
      );
    expect(readFileSync(join(dir, SANDBOX_FILES.snapshot), "utf8")).toMatch(/^[0-9a-f]{8} \{"format":3,/);
    const first = await openSandboxStore({ dir, clock });
    expect(first.opened.migratedFrom).toBe(3);
    expect(first.store.resourceVersion).toBe(expected.resourceVersion);
    expect(sorted(first.store.allObjects())).toEqual(expected.objects);
    first.close();
    expect(readFileSync(join(dir, SANDBOX_FILES.snapshot), "utf8")).toMatch(/^[0-9a-f]{8} \{"format":4,/);
    expect(JSON.parse(readFileSync(join(dir, SANDBOX_FILES.metadata), "utf8"))).toMatchObject({ format: 4 });

    const second = await openSandboxStore({ dir, clock });
    try {
      expect(second.opened.migratedFrom).toBeUndefined();
      expect(sorted(second.store.allObjects())).toEqual(expected.objects);
      // The Services' node ports and cluster IPs are in the new snapshot's allocation table.
      expect(second.store.allocatedTo("nodePort/30080")).toMatchObject({ namespace: "team-a", name: "api" });
      expect(second.store.allocatedTo("clusterIP/10.96.0.21")).toMatchObject({ namespace: "team-b", name: "db" });
      expect(second.store.allocatedTo("nodePort/30082")).toBeUndefined();
      second.store.delete({ apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web" });
      expect(
        second.store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "owned" }),
      ).toBeUndefined();
    } finally {
      second.close();
    }
  });
});
