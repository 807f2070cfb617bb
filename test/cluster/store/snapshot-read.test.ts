import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSnapshot, writeFormat2Snapshot } from "../../../src/cluster/sandbox/store/snapshot.js";
import { ClusterError } from "../../../src/errors/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { tempDir } from "../../support/cli.js";

const objects: KubeObject[] = [
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plain", namespace: "default" }, data: { a: "b" } },
  {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "wide", namespace: "default", annotations: { note: "grüße ✓ 日本 🚀" } },
    data: { text: 'line\nbreak \u2028 and \\ quote "' },
  },
];

describe("format-2 snapshot reading (checksums over the stored bytes)", () => {
  it("reads back exactly what was written, multi-byte characters included", () => {
    const path = join(tempDir(), "objects.snapshot");
    writeFormat2Snapshot(path, 7, objects);
    expect(readSnapshot(path)).toEqual({ resourceVersion: 7, objects, format: 2 });
  });

  it("a flipped bit inside a multi-byte character is damage naming the line", () => {
    const path = join(tempDir(), "objects.snapshot");
    writeFormat2Snapshot(path, 7, objects);
    const data = readFileSync(path);
    const at = data.indexOf(Buffer.from("日", "utf8"));
    data[at + 1] = (data[at + 1] ?? 0) ^ 0x01;
    writeFileSync(path, data);
    expect(() => readSnapshot(path)).toThrow(ClusterError);
    expect(() => readSnapshot(path)).toThrow(/line 3 fails its checksum/);
  });

  it("a format-1 snapshot (no checksums) is still read, to migrate it", () => {
    const path = join(tempDir(), "objects.snapshot");
    const lines = [
      JSON.stringify({ format: 1, resourceVersion: 3, count: 2 }),
      ...objects.map((o) => JSON.stringify(o)),
    ];
    writeFileSync(path, `${lines.join("\n")}\n`);
    expect(readSnapshot(path)).toEqual({ resourceVersion: 3, objects, format: 1 });
  });
});
