import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { ClusterError } from "../../../errors/index.js";
import type { KubeObject } from "../../../model/kube-object.js";
import { REPAIR_HINT, writeFileAtomic } from "./files.js";

export { REPAIR_HINT, syncDirectory, writeFileAtomic } from "./files.js";

/**
 * `objects.snapshot` in the layouts of earlier vela-ts versions, read whole to upgrade them (format 4,
 * read on demand, is indexed-snapshot.ts; format 3 is format 2 with one index line per kind and a
 * directory, skipped here); {@link salvageSnapshot} reads every layout. Format 2: every line is
 * `<CRC-32 of the JSON, 8 hex digits> <JSON>`; line 1 is the header
 * `{"format":2,"resourceVersion":N,"count":M}`, then one object per line. The per-line checksum
 * makes any damaged line (a flipped bit, an edited header) an error naming that line instead of
 * different data. Written to a temp file, fsynced and renamed over the old one, so a crash leaves
 * either the old or the new snapshot. Format 1 (no checksums) is still read, to migrate it.
 */
export interface Snapshot {
  readonly resourceVersion: number;
  readonly objects: KubeObject[];
  /** The format the file was written in (1–3 for a sandbox of an earlier vela-ts, 0 when there was no file). */
  readonly format: 0 | 1 | 2 | 3;
}

interface SnapshotHeader {
  readonly format: number;
  readonly resourceVersion: number;
  readonly count: number;
}

const SNAPSHOT_FORMAT = 2;

/** One snapshot line: the JSON text behind its checksum. */
export function checkedLine(json: string): string {
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

/** The JSON of a checked line, or undefined when the line fails its checksum. */
export function verifiedJson(line: string): string | undefined {
  if (line.length < 10 || line[8] !== " ") return undefined;
  const expected = line.slice(0, 8);
  if (!/^[0-9a-f]{8}$/.test(expected)) return undefined;
  const json = line.slice(9);
  return crc32(json) === Number.parseInt(expected, 16) ? json : undefined;
}

function* snapshotLines(resourceVersion: number, objects: readonly KubeObject[]): Generator<string> {
  const header: SnapshotHeader = { format: SNAPSHOT_FORMAT, resourceVersion, count: objects.length };
  yield checkedLine(JSON.stringify(header));
  for (const object of objects) yield checkedLine(JSON.stringify(object));
}

/**
 * Writes the format-2 layout (every object parsed on open), which sandboxes of earlier vela-ts
 * versions hold; new snapshots are indexed (see `writeSnapshot` in indexed-snapshot.ts). Kept to test
 * reading and upgrading such sandboxes.
 */
export function writeFormat2Snapshot(path: string, resourceVersion: number, objects: readonly KubeObject[]): void {
  writeFileAtomic(path, snapshotLines(resourceVersion, objects));
}

function corrupt(path: string, why: string): ClusterError {
  return new ClusterError("E_SANDBOX_CORRUPT", `the sandbox snapshot ${path} is damaged: ${why}`, {
    hint: REPAIR_HINT,
  });
}

function isObjectLike(value: unknown): value is KubeObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { metadata?: unknown }).metadata === "object" &&
    (value as { metadata?: unknown }).metadata !== null
  );
}

function parseHeader(json: string | undefined): SnapshotHeader | undefined {
  if (json === undefined) return undefined;
  try {
    const header = JSON.parse(json) as unknown;
    if (typeof header !== "object" || header === null) return undefined;
    const { format, resourceVersion, count } = header as Partial<SnapshotHeader>;
    if (typeof format !== "number" || !Number.isSafeInteger(resourceVersion) || !Number.isSafeInteger(count))
      return undefined;
    return { format, resourceVersion: resourceVersion as number, count: count as number };
  } catch {
    return undefined;
  }
}

/** Splits text into lines without the newline; a final line without one is kept. */
function* linesOf(text: string): Generator<{ readonly line: string; readonly number: number }> {
  let start = 0;
  let number = 1;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    yield { line: text.slice(start, end), number };
    start = end + 1;
    number++;
  }
}

/** Byte ranges of the lines of `data`, without the newline; a final line without one is kept. */
function* byteLinesOf(
  data: Buffer,
): Generator<{ readonly start: number; readonly end: number; readonly number: number }> {
  let start = 0;
  let number = 1;
  while (start < data.length) {
    let end = data.indexOf(NEWLINE, start);
    if (end < 0) end = data.length;
    yield { start, end, number };
    start = end + 1;
    number++;
  }
}

const NEWLINE = 0x0a;
const SPACE = 0x20;

/** The lines of an indexed snapshot (formats 3 and 4) that are not objects: indexes and directories. */
const INDEX_LINE = /^\{"(kindIndex|directory|section|buckets|labels|allocations)":/;

/**
 * The JSON text of a checked line held as bytes, or undefined when it fails its checksum. The
 * checksum is computed over the bytes as stored (what {@link checkedLine} wrote), so the file is
 * never decoded as one string: a large sandbox's snapshot can exceed V8's longest string.
 */
function verifiedJsonAt(data: Buffer, start: number, end: number): string | undefined {
  if (end - start < 10 || data[start + 8] !== SPACE) return undefined;
  const expected = data.toString("latin1", start, start + 8);
  if (!/^[0-9a-f]{8}$/.test(expected)) return undefined;
  const json = data.subarray(start + 9, end);
  return crc32(json) === Number.parseInt(expected, 16) ? json.toString("utf8") : undefined;
}

/** Reads a snapshot; a missing file is the empty store at resourceVersion 0. Any damage is an error. */
export function readSnapshot(path: string): Snapshot {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { resourceVersion: 0, objects: [], format: 0 };
    throw error;
  }
  if (data.length === 0) throw corrupt(path, "the file is empty");
  const lines = byteLinesOf(data);
  const first = lines.next();
  const firstLine = first.done === true ? { start: 0, end: 0 } : first.value;
  const checked = verifiedJsonAt(data, firstLine.start, firstLine.end);
  const header = parseHeader(checked) ?? parseHeader(data.toString("utf8", firstLine.start, firstLine.end));
  if (header === undefined) throw corrupt(path, "line 1 (the header) fails its checksum");
  if (header.format === 1 && checked === undefined) {
    const text = data.toString("utf8");
    const textLines = linesOf(text);
    textLines.next();
    return readV1Body(path, header, textLines);
  }
  if ((header.format !== SNAPSHOT_FORMAT && header.format !== 3) || checked === undefined)
    throw corrupt(path, `line 1 (the header) fails its checksum or names an unknown format`);
  if (data[data.length - 1] !== NEWLINE) throw corrupt(path, "the last line is cut short");
  const objects: KubeObject[] = [];
  for (const { start, end, number } of lines) {
    const json = verifiedJsonAt(data, start, end);
    if (json === undefined) throw corrupt(path, `line ${number} fails its checksum`);
    // Format 3 (read whole only to upgrade it) also holds one index line per kind and a directory.
    if (header.format === 3 && INDEX_LINE.test(json)) continue;
    const object = JSON.parse(json) as unknown;
    if (!isObjectLike(object)) throw corrupt(path, `line ${number} is not an object`);
    objects.push(object);
  }
  if (objects.length !== header.count)
    throw corrupt(path, `it holds ${objects.length} objects, its header says ${header.count}`);
  return { resourceVersion: header.resourceVersion, objects, format: header.format === 3 ? 3 : 2 };
}

function readV1Body(
  path: string,
  header: SnapshotHeader,
  lines: Generator<{ readonly line: string; readonly number: number }>,
): Snapshot {
  const objects: KubeObject[] = [];
  for (const { line, number } of lines) {
    let object: unknown;
    try {
      object = JSON.parse(line);
    } catch {
      throw corrupt(path, `line ${number} is not JSON`);
    }
    if (!isObjectLike(object)) throw corrupt(path, `line ${number} is not an object`);
    objects.push(object);
  }
  if (objects.length !== header.count)
    throw corrupt(path, `it holds ${objects.length} objects, its header says ${header.count}`);
  return { resourceVersion: header.resourceVersion, objects, format: 1 };
}

/** What {@link salvageSnapshot} could read of a damaged snapshot. */
export interface SalvagedSnapshot {
  /** The header's resourceVersion when the header verifies. */
  readonly resourceVersion: number | undefined;
  readonly objects: readonly KubeObject[];
  /** Lines that failed (1-based), with the object's name when the damaged line still parses. */
  readonly damagedLines: readonly { readonly line: number; readonly name?: string }[];
  readonly expectedCount: number | undefined;
}

/** Every line of a snapshot that verifies (format 2) or parses (format 1), for `sandbox repair`. */
export function salvageSnapshot(text: string): SalvagedSnapshot {
  const lines = [...linesOf(text)];
  const firstLine = lines[0]?.line ?? "";
  const checkedHeader = parseHeader(verifiedJson(firstLine));
  const v1Header = checkedHeader === undefined ? parseHeader(firstLine) : undefined;
  const v1 = v1Header?.format === 1;
  const header = checkedHeader ?? (v1 ? v1Header : undefined);
  const objects: KubeObject[] = [];
  const damagedLines: { line: number; name?: string }[] = [];
  if (header === undefined && lines.length > 0) damagedLines.push({ line: 1 });
  for (const { line, number } of lines.slice(1)) {
    const json = v1 ? line : verifiedJson(line);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json ?? line.slice(9));
    } catch {
      parsed = undefined;
    }
    if (json !== undefined && isObjectLike(parsed)) {
      objects.push(parsed);
      continue;
    }
    // An indexed snapshot's index and directory lines: derived from the objects, nothing to recover.
    if (!v1 && INDEX_LINE.test(line.slice(9))) continue;
    const name = isObjectLike(parsed) ? describeObject(parsed) : undefined;
    damagedLines.push({ line: number, ...(name === undefined ? {} : { name }) });
  }
  return {
    resourceVersion: header?.resourceVersion,
    objects,
    damagedLines,
    expectedCount: header?.count,
  };
}

function describeObject(object: KubeObject): string {
  const namespace = object.metadata.namespace === undefined ? "" : `${object.metadata.namespace}/`;
  return `${String(object.kind)} ${namespace}${object.metadata.name ?? ""}`;
}
