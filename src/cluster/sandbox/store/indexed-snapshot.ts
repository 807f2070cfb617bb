/**
 * Format 4 of `objects.snapshot`: the objects of one resourceVersion, read on demand. A command
 * reads the header and the directory when it opens the sandbox, the index section of a kind in a
 * namespace when it first touches that namespace's objects of that kind, and an object when it
 * first reads it, so its cost follows the namespaces it touches, not what the sandbox holds.
 *
 * Every line is a checked line (`<CRC-32, 8 hex digits> <JSON>`, as in format 2):
 * - line 1, the header: `{"format":4,"resourceVersion":N,"count":M}`;
 * - the objects, one per line, grouped by `group/Kind`, sorted by namespace, then name;
 * - after each run of one kind in one namespace, its index section in shards (an object is in shard
 *   `crc32(name) % shards`, about 256 objects a shard, so a namespace with many objects, or the
 *   cluster-scoped objects of a kind, is read a shard at a time): `{"section":["apps/Deployment",
 *   "ns", shard],"entries":[[name, resourceVersion, offset, length, labels?, ownerUids?,
 *   allocations?], …]}` (offset and length in bytes of the object's line, without its newline): what
 *   the store's indexes (namespace, labels, owners, allocations) need without reading the objects;
 * - after each kind, its section directory in buckets (a namespace is in bucket
 *   `crc32(namespace) % buckets`, about 64 namespaces a bucket): `{"buckets":["apps/Deployment", b],
 *   "sections":[[namespace, [[offset, length, count], …shards]], …]}`, and its label postings in
 *   buckets by `crc32("key=value")`: `{"labels":["apps/Deployment", b],"postings":[["key=value",
 *   [[namespace, name], …]], …]}`, so a list by label over every namespace reads only the shards
 *   holding objects with that label;
 * - the allocations table (see allocations.ts) in buckets by `crc32(value) % buckets`:
 *   `{"allocations":b,"entries":[[value, objectKey], …]}`;
 * - the last line, the directory: `{"directory":[[groupKind, count, [[offset, length, count], …],
 *   [[offset, length, count], …]], …],"allocations":[[offset, length, count], …],"count":M}` (where
 *   each kind's section and label bucket lines are, and the allocation table's).
 * Offsets count from the start of line 2, so the header's own length never moves them. A namespace's
 * objects of one kind are thus found through one bucket line and one section line, and a list over
 * every namespace reads the kind's buckets and sections, never the other kinds'.
 *
 * Damage is found where it is read: the header and directory on open, a bucket or section line when
 * first used (its checksum, what it names, its count against the line that points to it), an
 * object's line (its checksum, and its key and resourceVersion against the index) when the object
 * is first read. Each is `E_SANDBOX_CORRUPT` naming the line's byte offset, never different data.
 * The file is written to a temp file, fsynced and renamed, as before.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import { ClusterError, InternalError } from "../../../errors/index.js";
import type { KubeObject } from "../../../model/kube-object.js";
import { isKubeObject } from "../../../model/kube-object.js";
import { REPAIR_HINT, writeAtomically } from "./files.js";
import { allocationsOf } from "./allocations.js";
import { byNamespaceThenName, groupKindOf } from "./object-key.js";
import { readSnapshot, type Snapshot } from "./snapshot.js";

export const INDEXED_SNAPSHOT_FORMAT = 4;

/** Namespaces per section bucket, and allocations per allocation bucket, that the writer aims at. */
const SECTIONS_PER_BUCKET = 64;
const ENTRIES_PER_SHARD = 256;
const POSTINGS_PER_BUCKET = 256;
const ALLOCATIONS_PER_BUCKET = 256;

/** Where one stored object is and what the indexes need of it: the store holds this until the object is read. */
export class SnapshotEntry {
  constructor(
    readonly groupKind: string,
    readonly namespace: string,
    readonly name: string,
    readonly resourceVersion: number,
    readonly offset: number,
    readonly length: number,
    readonly labels: Readonly<Record<string, string>> | undefined,
    readonly owners: readonly string[] | undefined,
    readonly allocations: readonly string[] | undefined,
  ) {}

  /** The store key (see `objectKey`): `group/Kind/namespace/name`. */
  get key(): string {
    return `${this.groupKind}/${this.namespace}/${this.name}`;
  }
}

/** What an index entry records of an object, from the object itself. */
export interface EntryFields {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: number;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly owners: readonly string[] | undefined;
  readonly allocations: readonly string[] | undefined;
}

export function entryFieldsOf(object: KubeObject): EntryFields {
  const labels = object.metadata.labels;
  const owners = object.metadata.ownerReferences?.map((owner) => owner.uid);
  return {
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name ?? "",
    resourceVersion: Number(object.metadata.resourceVersion) || 0,
    labels: labels === undefined || Object.keys(labels).length === 0 ? undefined : labels,
    owners: owners === undefined || owners.length === 0 ? undefined : owners,
    allocations: allocationsOf(object),
  };
}

/** One object to write: its index fields, and its checked line (JSON text, or the line bytes read from the old file). */
export interface SnapshotItem {
  readonly fields: EntryFields;
  readonly line: () => Buffer;
}

/** One kind's objects to write, sorted by namespace, then name. */
export interface SnapshotKind {
  readonly groupKind: string;
  readonly items: Iterable<SnapshotItem>;
}

type IndexRow = [string, number, number, number, Record<string, string> | null, string[] | null, string[] | null];

/** Where a line is, and how many entries it holds. */
interface LineRow {
  readonly offset: number;
  readonly length: number;
  readonly count: number;
}

interface KindRow {
  readonly count: number;
  readonly buckets: readonly LineRow[];
  readonly labels: readonly LineRow[];
}

function corrupt(path: string, why: string): ClusterError {
  return new ClusterError("E_SANDBOX_CORRUPT", `the sandbox snapshot ${path} is damaged: ${why}`, {
    hint: REPAIR_HINT,
  });
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CHECKSUM_RE = /^[0-9a-f]{8}$/;

/** The bucket of `value` among `buckets`. */
function bucketOf(value: string, buckets: number): number {
  return buckets <= 1 ? 0 : crc32(value) % buckets;
}

/** A checked line's JSON text (bytes), or undefined when it fails its checksum. */
function verified(line: Buffer): Buffer | undefined {
  if (line.length < 10 || line[8] !== SPACE) return undefined;
  const expected = line.toString("latin1", 0, 8);
  if (!CHECKSUM_RE.test(expected)) return undefined;
  const json = line.subarray(9);
  return crc32(json) === Number.parseInt(expected, 16) ? json : undefined;
}

/** A checked line for `json`, with its newline, as bytes. */
export function checkedLineBytes(json: string): Buffer {
  const body = Buffer.from(json, "utf8");
  const line = Buffer.allocUnsafe(body.length + 10);
  line.write(crc32(body).toString(16).padStart(8, "0"), 0, "latin1");
  line[8] = SPACE;
  body.copy(line, 9);
  line[line.length - 1] = NEWLINE;
  return line;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A section's row in its bucket line. */
interface SectionRow {
  readonly namespace: string;
  readonly shards: readonly LineRow[];
  readonly count: number;
}

/**
 * An open format-4 snapshot. Holds the file open for the life of the store that reads from it, so
 * a later compaction (which renames a new file over the path) never changes what it reads.
 */
export class IndexedSnapshot {
  private fd: number | undefined;
  /** Bucket lines read so far: `groupKind` → bucket → namespace → its section. */
  private readonly buckets = new Map<string, Map<number, ReadonlyMap<string, SectionRow>>>();
  /** Label bucket lines read so far: `groupKind` → bucket → `key=value` → [namespace, name] of the objects. */
  private readonly labelBuckets = new Map<
    string,
    Map<number, ReadonlyMap<string, readonly (readonly [string, string])[]>>
  >();
  /** Allocation bucket lines read so far: bucket → value → object key. */
  private readonly allocationBuckets = new Map<number, ReadonlyMap<string, string>>();

  private constructor(
    readonly path: string,
    fd: number,
    /** Where line 2 starts: offsets in the file count from here. */
    private readonly base: number,
    readonly resourceVersion: number,
    readonly count: number,
    private readonly directory: ReadonlyMap<string, KindRow>,
    private readonly allocations: readonly LineRow[],
  ) {
    this.fd = fd;
  }

  /**
   * Opens `path` (its first line already checked to be a format-4 header): checks the header, that
   * the file ends with a whole line, and the directory. Anything else is `E_SANDBOX_CORRUPT`.
   */
  static open(path: string, header: IndexedHeader): IndexedSnapshot {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== NEWLINE) throw corrupt(path, "the last line is cut short");
      const { line, offset } = lastLine(fd, size);
      const json = verified(line);
      if (json === undefined)
        throw corrupt(path, `the directory (the last line, at byte ${offset}) fails its checksum`);
      const parsed = directoryOf(parseJson(json.toString("utf8")));
      if (parsed === undefined) throw corrupt(path, `the directory (the last line, at byte ${offset}) is malformed`);
      let sum = 0;
      for (const row of parsed.kinds.values()) sum += row.count;
      if (sum !== header.count)
        throw corrupt(path, `its directory lists ${sum} objects, its header says ${header.count}`);
      return new IndexedSnapshot(
        path,
        fd,
        header.bytes,
        header.resourceVersion,
        header.count,
        parsed.kinds,
        parsed.allocations,
      );
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** The kinds the snapshot holds, with their object counts. */
  kinds(): ReadonlyMap<string, number> {
    return new Map([...this.directory].map(([groupKind, row]) => [groupKind, row.count]));
  }

  /** A checked line's parsed JSON, or `E_SANDBOX_CORRUPT` naming `what` when it fails its checksum. */
  private checkedJson(row: LineRow, what: string): unknown {
    const json = verified(this.read(row.offset, row.length));
    if (json === undefined) throw corrupt(this.path, `${what} (at byte ${row.offset}) fails its checksum`);
    return parseJson(json.toString("utf8"));
  }

  /** The sections of bucket `bucket` of `groupKind`, read and checked the first time. */
  private bucket(groupKind: string, bucket: number): ReadonlyMap<string, SectionRow> {
    let kindBuckets = this.buckets.get(groupKind);
    const cached = kindBuckets?.get(bucket);
    if (cached !== undefined) return cached;
    const kind = this.directory.get(groupKind);
    const row = kind?.buckets[bucket];
    if (kind === undefined || row === undefined) return new Map();
    const what = `the section directory ${bucket} of ${groupKind}`;
    const sections = sectionsOf(groupKind, bucket, kind.buckets.length, this.checkedJson(row, what));
    let sum = 0;
    for (const section of sections?.values() ?? []) sum += section.count;
    if (sections === undefined || sum !== row.count)
      throw corrupt(this.path, `${what} (at byte ${row.offset}) does not match the directory`);
    if (kindBuckets === undefined) {
      kindBuckets = new Map();
      this.buckets.set(groupKind, kindBuckets);
    }
    kindBuckets.set(bucket, sections);
    return sections;
  }

  /** The namespaces holding objects of `groupKind` (every bucket of the kind is read). */
  namespacesOf(groupKind: string): readonly string[] {
    const kind = this.directory.get(groupKind);
    if (kind === undefined) return [];
    const namespaces: string[] = [];
    for (let bucket = 0; bucket < kind.buckets.length; bucket++)
      namespaces.push(...this.bucket(groupKind, bucket).keys());
    return namespaces;
  }

  private section(groupKind: string, namespace: string): SectionRow | undefined {
    const kind = this.directory.get(groupKind);
    if (kind === undefined) return undefined;
    return this.bucket(groupKind, bucketOf(namespace, kind.buckets.length)).get(namespace);
  }

  /** How many shards the section of `groupKind` in `namespace` has (0: no objects there). */
  shardsOf(groupKind: string, namespace: string): number {
    return this.section(groupKind, namespace)?.shards.length ?? 0;
  }

  /** The shard of the section of `groupKind` in `namespace` that holds the object called `name`. */
  shardOf(groupKind: string, namespace: string, name: string): number {
    return bucketOf(name, this.shardsOf(groupKind, namespace));
  }

  /** Reads and checks one shard of the index section of `groupKind` in `namespace`: where each of its objects is. */
  entriesIn(groupKind: string, namespace: string, shard: number): readonly SnapshotEntry[] {
    const section = this.section(groupKind, namespace);
    const row = section?.shards[shard];
    if (section === undefined || row === undefined) return [];
    const what = `the index of ${groupKind} in namespace "${namespace}" (shard ${shard})`;
    const entries = entriesOf(groupKind, namespace, shard, section.shards.length, this.checkedJson(row, what));
    if (entries === undefined || entries.length !== row.count)
      throw corrupt(this.path, `${what} (at byte ${row.offset}) does not match its section directory`);
    return entries;
  }

  /** [namespace, name] of the objects of `groupKind` labelled `label` (`key=value`) in the snapshot. */
  labelled(groupKind: string, label: string): readonly (readonly [string, string])[] {
    const kind = this.directory.get(groupKind);
    if (kind === undefined || kind.labels.length === 0) return [];
    const bucket = bucketOf(label, kind.labels.length);
    let kindBuckets = this.labelBuckets.get(groupKind);
    let postings = kindBuckets?.get(bucket);
    if (postings === undefined) {
      const row = kind.labels[bucket];
      if (row === undefined) return [];
      const what = `the label postings ${bucket} of ${groupKind}`;
      const parsed = postingsOf(groupKind, bucket, kind.labels.length, this.checkedJson(row, what));
      if (parsed === undefined || parsed.size !== row.count)
        throw corrupt(this.path, `${what} (at byte ${row.offset}) does not match the directory`);
      postings = parsed;
      if (kindBuckets === undefined) {
        kindBuckets = new Map();
        this.labelBuckets.set(groupKind, kindBuckets);
      }
      kindBuckets.set(bucket, postings);
    }
    return postings.get(label) ?? [];
  }

  /** The key of the object the snapshot records as holding `allocation` (see allocations.ts), if any. */
  allocationHolder(allocation: string): string | undefined {
    const bucket = bucketOf(allocation, this.allocations.length);
    let table = this.allocationBuckets.get(bucket);
    if (table === undefined) {
      const row = this.allocations[bucket];
      if (row === undefined) return undefined;
      const what = `the allocations table ${bucket}`;
      const parsed = allocationTableOf(bucket, this.checkedJson(row, what));
      if (parsed === undefined || parsed.size !== row.count)
        throw corrupt(this.path, `${what} (at byte ${row.offset}) does not match the directory`);
      table = parsed;
      this.allocationBuckets.set(bucket, table);
    }
    return table.get(allocation);
  }

  /** `length` bytes at `offset`. */
  read(offset: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    const fd = this.descriptor();
    while (done < length) {
      const got = readSync(fd, buffer, done, length - done, this.base + offset + done);
      if (got === 0) throw corrupt(this.path, `it ends before byte ${this.base + offset + length}`);
      done += got;
    }
    return buffer;
  }

  /** The object `entry` points to, checked against its line's checksum and the entry's key and resourceVersion. */
  objectOf(entry: SnapshotEntry, line = this.read(entry.offset, entry.length)): KubeObject {
    const json = verified(line);
    if (json === undefined)
      throw corrupt(this.path, `the line of ${entry.key} (at byte ${entry.offset}) fails its checksum`);
    const object = parseJson(json.toString("utf8"));
    if (
      !isKubeObject(object) ||
      (object.metadata.namespace ?? "") !== entry.namespace ||
      object.metadata.name !== entry.name ||
      (Number(object.metadata.resourceVersion) || 0) !== entry.resourceVersion
    )
      throw corrupt(this.path, `the line at byte ${entry.offset} is not ${entry.key} as its index says`);
    return object;
  }

  /** The checked line of `entry` with its newline (verified), for copying into the next snapshot. */
  lineOf(entry: SnapshotEntry, line = this.read(entry.offset, entry.length)): Buffer {
    if (verified(line) === undefined)
      throw corrupt(this.path, `the line of ${entry.key} (at byte ${entry.offset}) fails its checksum`);
    const withNewline = Buffer.allocUnsafe(line.length + 1);
    line.copy(withNewline);
    withNewline[line.length] = NEWLINE;
    return withNewline;
  }

  /** Lines of many entries of one kind, read in one pass over the span they cover. */
  linesOf(entries: readonly SnapshotEntry[]): Buffer[] {
    if (entries.length === 0) return [];
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    for (const entry of entries) {
      start = Math.min(start, entry.offset);
      end = Math.max(end, entry.offset + entry.length);
    }
    // One read when the entries are most of their span (a whole kind, or a namespace's run of it).
    if (end - start > 64 * 1024 * 1024 || (end - start) / entries.length > 64 * 1024)
      return entries.map((entry) => this.read(entry.offset, entry.length));
    const span = this.read(start, end - start);
    return entries.map((entry) => span.subarray(entry.offset - start, entry.offset - start + entry.length));
  }

  private descriptor(): number {
    // A read after close (a store used after its sandbox was closed) reopens the file: what it reads
    // is still checked against the entry, so a file replaced meanwhile is an error, not other data.
    this.fd ??= openSync(this.path, "r");
    return this.fd;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The last line of the file (without its newline) and its offset; the file ends with a newline. */
function lastLine(fd: number, size: number): { readonly line: Buffer; readonly offset: number } {
  let chunk = 64 * 1024;
  for (;;) {
    const start = Math.max(0, size - 1 - chunk);
    const buffer = Buffer.allocUnsafe(size - 1 - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const newline = buffer.lastIndexOf(NEWLINE);
    if (newline >= 0) return { line: buffer.subarray(newline + 1), offset: start + newline + 1 };
    if (start === 0) return { line: buffer, offset: 0 };
    chunk *= 4;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function lineRowOf(value: unknown): LineRow | undefined {
  if (!Array.isArray(value)) return undefined;
  const [offset, length, count] = value as unknown[];
  return isCount(offset) && isCount(length) && isCount(count) ? { offset, length, count } : undefined;
}

function lineRowsOf(value: unknown): LineRow[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const rows: LineRow[] = [];
  for (const item of value as unknown[]) {
    const row = lineRowOf(item);
    if (row === undefined) return undefined;
    rows.push(row);
  }
  return rows;
}

function directoryOf(
  parsed: unknown,
): { readonly kinds: Map<string, KindRow>; readonly allocations: readonly LineRow[] } | undefined {
  if (!isRecord(parsed) || !Array.isArray(parsed["directory"])) return undefined;
  const kinds = new Map<string, KindRow>();
  for (const row of parsed["directory"] as unknown[]) {
    if (!Array.isArray(row)) return undefined;
    const [groupKind, count, bucketRows, labelRows] = row as unknown[];
    const buckets = lineRowsOf(bucketRows);
    const labels = lineRowsOf(labelRows);
    if (typeof groupKind !== "string" || !isCount(count) || buckets === undefined || buckets.length === 0)
      return undefined;
    if (labels === undefined || buckets.reduce((sum, bucket) => sum + bucket.count, 0) !== count) return undefined;
    kinds.set(groupKind, { count, buckets, labels });
  }
  const allocations = lineRowsOf(parsed["allocations"]);
  return allocations === undefined ? undefined : { kinds, allocations };
}

function sectionsOf(
  groupKind: string,
  bucket: number,
  buckets: number,
  parsed: unknown,
): Map<string, SectionRow> | undefined {
  if (!isRecord(parsed) || !Array.isArray(parsed["buckets"]) || !Array.isArray(parsed["sections"])) return undefined;
  const [kindName, index] = parsed["buckets"] as unknown[];
  if (kindName !== groupKind || index !== bucket) return undefined;
  const sections = new Map<string, SectionRow>();
  for (const row of parsed["sections"] as unknown[]) {
    if (!Array.isArray(row)) return undefined;
    const [namespace, shardRows] = row as unknown[];
    const shards = lineRowsOf(shardRows);
    if (typeof namespace !== "string" || shards === undefined || bucketOf(namespace, buckets) !== bucket)
      return undefined;
    sections.set(namespace, { namespace, shards, count: shards.reduce((sum, shard) => sum + shard.count, 0) });
  }
  return sections;
}

function postingsOf(
  groupKind: string,
  bucket: number,
  buckets: number,
  parsed: unknown,
): Map<string, (readonly [string, string])[]> | undefined {
  if (!isRecord(parsed) || !Array.isArray(parsed["labels"]) || !Array.isArray(parsed["postings"])) return undefined;
  const [kindName, index] = parsed["labels"] as unknown[];
  if (kindName !== groupKind || index !== bucket) return undefined;
  const postings = new Map<string, (readonly [string, string])[]>();
  for (const row of parsed["postings"] as unknown[]) {
    if (!Array.isArray(row)) return undefined;
    const [label, objects] = row as unknown[];
    if (typeof label !== "string" || !Array.isArray(objects) || bucketOf(label, buckets) !== bucket) return undefined;
    const named: (readonly [string, string])[] = [];
    for (const object of objects as unknown[]) {
      if (!Array.isArray(object)) return undefined;
      const [namespace, name] = object as unknown[];
      if (typeof namespace !== "string" || typeof name !== "string") return undefined;
      named.push([namespace, name]);
    }
    postings.set(label, named);
  }
  return postings;
}

function allocationTableOf(bucket: number, parsed: unknown): Map<string, string> | undefined {
  if (!isRecord(parsed) || parsed["allocations"] !== bucket || !Array.isArray(parsed["entries"])) return undefined;
  const table = new Map<string, string>();
  for (const row of parsed["entries"] as unknown[]) {
    if (!Array.isArray(row)) return undefined;
    const [value, key] = row as unknown[];
    if (typeof value !== "string" || typeof key !== "string") return undefined;
    table.set(value, key);
  }
  return table;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((item) => typeof item === "string");
}

function optionalStrings(value: unknown): value is string[] | null | undefined {
  return (
    value === null || value === undefined || (Array.isArray(value) && value.every((item) => typeof item === "string"))
  );
}

function entriesOf(
  groupKind: string,
  namespace: string,
  shard: number,
  shards: number,
  parsed: unknown,
): SnapshotEntry[] | undefined {
  if (!isRecord(parsed) || !Array.isArray(parsed["section"]) || !Array.isArray(parsed["entries"])) return undefined;
  const [kindName, namespaceName, shardNumber] = parsed["section"] as unknown[];
  if (kindName !== groupKind || namespaceName !== namespace || shardNumber !== shard) return undefined;
  const entries: SnapshotEntry[] = [];
  for (const row of parsed["entries"] as unknown[]) {
    if (!Array.isArray(row)) return undefined;
    const [name, version, offset, length, labels, owners, allocations] = row as unknown[];
    if (typeof name !== "string" || bucketOf(name, shards) !== shard) return undefined;
    if (!isCount(version) || !isCount(offset) || !isCount(length)) return undefined;
    if (labels !== null && labels !== undefined && !isStringRecord(labels)) return undefined;
    if (!optionalStrings(owners) || !optionalStrings(allocations)) return undefined;
    entries.push(
      new SnapshotEntry(
        groupKind,
        namespace,
        name,
        version,
        offset,
        length,
        labels ?? undefined,
        owners ?? undefined,
        allocations ?? undefined,
      ),
    );
  }
  return entries;
}

/** Groups `rows` into `count` buckets by `keyOf` (each bucket keeps the rows' order). */
function bucketed<T>(rows: readonly T[], count: number, keyOf: (row: T) => string): T[][] {
  const buckets: T[][] = Array.from({ length: count }, () => []);
  for (const row of rows) buckets[bucketOf(keyOf(row), count)]?.push(row);
  return buckets;
}

/**
 * Writes a format-4 snapshot atomically (temp file, fsync, rename, directory fsync) and returns the
 * entries of what it wrote, in the order given, each pointing into the new file.
 */
export function writeIndexedSnapshot(
  path: string,
  resourceVersion: number,
  kinds: Iterable<SnapshotKind>,
): SnapshotEntry[] {
  return writeAtomically(path, (fd) => {
    const written: SnapshotEntry[] = [];
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = (): void => {
      const buffer = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
      let done = 0;
      while (done < buffer.length) done += writeSync(fd, buffer, done, buffer.length - done);
      pending = [];
      pendingBytes = 0;
    };
    const append = (line: Buffer): number => {
      const at = offset;
      pending.push(line);
      pendingBytes += line.length;
      offset += line.length;
      if (pendingBytes > 4 * 1024 * 1024) flush();
      return at;
    };
    const appendJson = (json: string): [number, number] => {
      const line = checkedLineBytes(json);
      return [append(line), line.length - 1];
    };
    // The count is known only once the objects are written: the header goes in last, over a
    // placeholder of its fixed width, so the objects stream through without being held.
    const directory: [string, number, [number, number, number][], [number, number, number][]][] = [];
    // An allocation held twice (written before the store checked them) is recorded for its first holder.
    const allocations = new Map<string, string>();
    const headerPlaceholder = Buffer.alloc(HEADER_WIDTH + 10, SPACE);
    headerPlaceholder[headerPlaceholder.length - 1] = NEWLINE;
    append(headerPlaceholder);
    offset = 0;
    let count = 0;
    for (const kind of kinds) {
      const sections: [string, [number, number, number][]][] = [];
      const postings = new Map<string, [string, string][]>();
      let namespace: string | undefined;
      let rows: IndexRow[] = [];
      const endSection = (): void => {
        if (namespace === undefined || rows.length === 0) return;
        const shardRows: [number, number, number][] = [];
        const shards = bucketed(rows, Math.ceil(rows.length / ENTRIES_PER_SHARD), (row) => row[0]);
        for (const [shard, entries] of shards.entries()) {
          const section = { section: [kind.groupKind, namespace, shard], entries };
          const [at, length] = appendJson(JSON.stringify(section));
          shardRows.push([at, length, entries.length]);
        }
        sections.push([namespace, shardRows]);
        count += rows.length;
        rows = [];
      };
      for (const item of kind.items) {
        const { fields } = item;
        if (fields.namespace !== namespace) {
          endSection();
          namespace = fields.namespace;
        }
        const line = item.line();
        const at = append(line);
        written.push(
          new SnapshotEntry(
            kind.groupKind,
            fields.namespace,
            fields.name,
            fields.resourceVersion,
            at,
            line.length - 1,
            fields.labels,
            fields.owners,
            fields.allocations,
          ),
        );
        rows.push([
          fields.name,
          fields.resourceVersion,
          at,
          line.length - 1,
          fields.labels === undefined ? null : { ...fields.labels },
          fields.owners === undefined ? null : [...fields.owners],
          fields.allocations === undefined ? null : [...fields.allocations],
        ]);
        for (const [label, value] of Object.entries(fields.labels ?? {})) {
          const posting = `${label}=${value}`;
          const named = postings.get(posting);
          if (named === undefined) postings.set(posting, [[fields.namespace, fields.name]]);
          else named.push([fields.namespace, fields.name]);
        }
        for (const allocation of fields.allocations ?? [])
          if (!allocations.has(allocation))
            allocations.set(allocation, `${kind.groupKind}/${fields.namespace}/${fields.name}`);
      }
      endSection();
      if (sections.length === 0) continue;
      const objectsIn = (row: [string, [number, number, number][]]): number =>
        row[1].reduce((sum, shard) => sum + shard[2], 0);
      const bucketRows: [number, number, number][] = [];
      const buckets = bucketed(sections, Math.ceil(sections.length / SECTIONS_PER_BUCKET), (row) => row[0]);
      for (const [index, bucket] of buckets.entries()) {
        const [at, length] = appendJson(JSON.stringify({ buckets: [kind.groupKind, index], sections: bucket }));
        bucketRows.push([at, length, bucket.reduce((sum, row) => sum + objectsIn(row), 0)]);
      }
      const labelRows: [number, number, number][] = [];
      const labelBuckets = bucketed([...postings], Math.ceil(postings.size / POSTINGS_PER_BUCKET), (row) => row[0]);
      for (const [index, bucket] of labelBuckets.entries()) {
        const [at, length] = appendJson(JSON.stringify({ labels: [kind.groupKind, index], postings: bucket }));
        labelRows.push([at, length, bucket.length]);
      }
      directory.push([kind.groupKind, sections.reduce((sum, row) => sum + objectsIn(row), 0), bucketRows, labelRows]);
    }
    const allocationRows: [number, number, number][] = [];
    const allocationBuckets = bucketed(
      [...allocations],
      Math.ceil(allocations.size / ALLOCATIONS_PER_BUCKET),
      (row) => row[0],
    );
    for (const [index, bucket] of allocationBuckets.entries()) {
      const [at, length] = appendJson(JSON.stringify({ allocations: index, entries: bucket }));
      allocationRows.push([at, length, bucket.length]);
    }
    appendJson(JSON.stringify({ directory, allocations: allocationRows, count }));
    flush();
    const header = headerLine(resourceVersion, count);
    writeSync(fd, header, 0, header.length, 0);
    return written;
  });
}

/** Room for the header's JSON: the line is padded with spaces (valid JSON whitespace) to this width. */
const HEADER_WIDTH = 96;

function headerLine(resourceVersion: number, count: number): Buffer {
  const json = JSON.stringify({ format: INDEXED_SNAPSHOT_FORMAT, resourceVersion, count }).padEnd(HEADER_WIDTH, " ");
  if (json.length > HEADER_WIDTH) throw new InternalError(`snapshot header wider than ${HEADER_WIDTH}: ${json}`);
  return checkedLineBytes(json);
}

/** Writes `objects` as an indexed snapshot at `resourceVersion` (see {@link writeIndexedSnapshot}). */
export function writeSnapshot(path: string, resourceVersion: number, objects: Iterable<KubeObject>): SnapshotEntry[] {
  const kinds = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const groupKind = groupKindOf(object.apiVersion, object.kind);
    const list = kinds.get(groupKind);
    if (list === undefined) kinds.set(groupKind, [object]);
    else list.push(object);
  }
  return writeIndexedSnapshot(
    path,
    resourceVersion,
    [...kinds.keys()].sort().map((groupKind) => ({
      groupKind,
      items: (kinds.get(groupKind) ?? []).sort(byNamespaceThenName).map((object) => ({
        fields: entryFieldsOf(object),
        line: () => checkedLineBytes(JSON.stringify(object)),
      })),
    })),
  );
}

/** A snapshot as opened: indexed (read on demand), or of an earlier layout (read whole, to upgrade). */
export type OpenedSnapshot =
  | Snapshot
  | {
      readonly format: typeof INDEXED_SNAPSHOT_FORMAT;
      readonly resourceVersion: number;
      readonly indexed: IndexedSnapshot;
    };

/**
 * Opens `objects.snapshot`: an indexed one by its header and directory (see {@link IndexedSnapshot.open}),
 * one of an earlier layout read whole (see `readSnapshot`), a missing one as the empty store.
 */
export function openSnapshot(path: string): OpenedSnapshot {
  const header = indexedHeaderOf(path);
  if (header === undefined) return readSnapshot(path);
  return {
    format: INDEXED_SNAPSHOT_FORMAT,
    resourceVersion: header.resourceVersion,
    indexed: IndexedSnapshot.open(path, header),
  };
}

/** What line 1 of an indexed snapshot says, and its length with the newline. */
export interface IndexedHeader {
  readonly resourceVersion: number;
  readonly count: number;
  readonly bytes: number;
}

/** The header of an indexed snapshot when line 1 is one (checksum and format), else undefined. */
function indexedHeaderOf(path: string): IndexedHeader | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.allocUnsafe(4096);
    const got = readSync(fd, buffer, 0, buffer.length, 0);
    const newline = buffer.subarray(0, got).indexOf(NEWLINE);
    if (newline < 0) return undefined;
    const json = verified(buffer.subarray(0, newline));
    const parsed = json === undefined ? undefined : parseJson(json.toString("utf8"));
    if (!isRecord(parsed) || parsed["format"] !== INDEXED_SNAPSHOT_FORMAT) return undefined;
    const { resourceVersion, count } = parsed;
    return isCount(resourceVersion) && isCount(count) ? { resourceVersion, count, bytes: newline + 1 } : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Opens an indexed snapshot just written (a compaction's): anything else there is an internal error. */
export function openIndexedSnapshot(path: string): IndexedSnapshot {
  const header = indexedHeaderOf(path);
  if (header === undefined) throw new InternalError(`${path} is not the indexed snapshot just written`);
  return IndexedSnapshot.open(path, header);
}
