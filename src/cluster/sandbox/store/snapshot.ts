import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { ClusterError } from "../../../errors/index.js";
import type { KubeObject } from "../../../model/kube-object.js";

/**
 * `objects.snapshot`: the whole store at one resourceVersion. Line 1 is a header
 * `{"format":1,"resourceVersion":N,"count":M}`, then one object per line. Written to a temp file,
 * fsynced and renamed over the old one, so a crash leaves either the old or the new snapshot.
 */
export interface Snapshot {
  readonly resourceVersion: number;
  readonly objects: KubeObject[];
}

interface SnapshotHeader {
  readonly format: number;
  readonly resourceVersion: number;
  readonly count: number;
}

const SNAPSHOT_FORMAT = 1;

/** Makes a directory entry change (rename, create) durable. */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `contents` to `path` atomically: temp file, fsync, rename, directory fsync. */
export function writeFileAtomic(path: string, contents: string | Iterable<string>): void {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, "w");
  try {
    const chunks = typeof contents === "string" ? [contents] : contents;
    let buffered: string[] = [];
    let size = 0;
    const flush = (): void => {
      const buffer = Buffer.from(buffered.join(""), "utf8");
      let written = 0;
      while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
      buffered = [];
      size = 0;
    };
    for (const chunk of chunks) {
      buffered.push(chunk);
      size += chunk.length;
      if (size > 4 * 1024 * 1024) flush();
    }
    flush();
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  syncDirectory(dirname(path));
}

function* snapshotLines(resourceVersion: number, objects: readonly KubeObject[]): Generator<string> {
  const header: SnapshotHeader = { format: SNAPSHOT_FORMAT, resourceVersion, count: objects.length };
  yield `${JSON.stringify(header)}\n`;
  for (const object of objects) yield `${JSON.stringify(object)}\n`;
}

export function writeSnapshot(path: string, resourceVersion: number, objects: readonly KubeObject[]): void {
  writeFileAtomic(path, snapshotLines(resourceVersion, objects));
}

function corrupt(path: string, why: string): ClusterError {
  return new ClusterError("E_SANDBOX_CORRUPT", `the sandbox snapshot ${path} is unreadable: ${why}`, {
    hint: "restore the file from a backup, or start over with `vela-ts sandbox reset --yes`",
  });
}

/** Reads a snapshot; a missing file is the empty store at resourceVersion 0. */
export function readSnapshot(path: string): Snapshot {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { resourceVersion: 0, objects: [] };
    throw error;
  }
  const firstNewline = text.indexOf("\n");
  let header: SnapshotHeader;
  try {
    header = JSON.parse(firstNewline < 0 ? text : text.slice(0, firstNewline)) as SnapshotHeader;
  } catch {
    throw corrupt(path, "the header is not JSON");
  }
  if (header.format !== SNAPSHOT_FORMAT) throw corrupt(path, `unknown snapshot format ${String(header.format)}`);
  const objects: KubeObject[] = [];
  let start = firstNewline + 1;
  while (start > 0 && start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    try {
      objects.push(JSON.parse(text.slice(start, end)) as KubeObject);
    } catch {
      throw corrupt(path, `line ${objects.length + 2} is not JSON`);
    }
    start = end + 1;
  }
  if (objects.length !== header.count)
    throw corrupt(path, `it holds ${objects.length} objects, its header says ${header.count}`);
  return { resourceVersion: header.resourceVersion, objects };
}
