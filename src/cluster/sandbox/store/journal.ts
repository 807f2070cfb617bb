/**
 * The sandbox's write-ahead journal: record encoding with checksums, reading back, salvaging a
 * torn tail after a crash. Long because reading a damaged journal (every way a
 * killed process can leave one) is most of the file, and it must stay next to the format it reads.
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { crc32 } from "node:zlib";
import type { KubeObject } from "../../../model/kube-object.js";
import type { StoredChange } from "../object-store.js";
import type { StorePersistence, WriteRecord } from "./memory-store.js";

/**
 * The append-only journal of writes (`journal.log`), format 2:
 *
 * ```
 * file header  "VTJRNL02" | uint64 LE base resourceVersion | uint32 LE CRC-32 of the 16 bytes before
 * record       uint32 LE payload length | uint32 LE CRC-32 of the payload
 *              | uint32 LE CRC-32 of the 8 bytes before (the header's own check) | payload
 * payload      UTF-8 JSON {v: resourceVersion, r?: 1 (reset), c: [{o: object} | {d: object ref}]}
 * ```
 *
 * A record is fsynced (fdatasync) before its write is acknowledged. Every write raises the
 * resourceVersion by the number of objects it changed, so the records form a chain from the base:
 * a record whose `v` does not continue it is damage, not history.
 *
 * Reading tells a **torn tail** (the end of the file holds less than a whole record: the write in
 * flight when the process died, never acknowledged) from **damage** (a record that is whole but
 * fails a checksum, a header that fails its own, a broken chain). A torn tail is dropped; damage is
 * reported and nothing after it is guessed at. The header check is what tells the two apart: a
 * torn record still has a valid header and a length reaching past the end of the file, while a
 * flipped length bit fails the header's checksum.
 *
 * Format 1 (no file header, records without the header check) is still read, to migrate it.
 */
const MAGIC = Buffer.from("VTJRNL02", "latin1");
const FILE_HEADER_BYTES = 20;
const RECORD_HEADER_BYTES = 12;
const V1_RECORD_HEADER_BYTES = 8;

interface EncodedChange {
  readonly o?: KubeObject;
  readonly d?: KubeObject;
}

interface EncodedRecord {
  readonly v: number;
  readonly r?: 1;
  readonly c: readonly EncodedChange[];
}

/** The 20-byte file header naming the resourceVersion the journal continues from. */
export function encodeFileHeader(base: number): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeBigUInt64LE(BigInt(base), 8);
  header.writeUInt32LE(crc32(header.subarray(0, 16)), 16);
  return header;
}

/** Serialises one write as a framed, checksummed record. */
export function encodeRecord(record: WriteRecord): Buffer {
  const encoded: EncodedRecord = {
    v: record.resourceVersion,
    ...(record.reset === true ? { r: 1 as const } : {}),
    c: record.changes.map((change) => {
      if (change.type !== "DELETED") return { o: change.object };
      const { apiVersion, kind, metadata } = change.object;
      return {
        d: {
          apiVersion,
          kind,
          metadata: {
            name: metadata.name ?? "",
            ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
          },
        },
      };
    }),
  };
  const payload = Buffer.from(JSON.stringify(encoded), "utf8");
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  header.writeUInt32LE(crc32(header.subarray(0, 8)), 8);
  return Buffer.concat([header, payload]);
}

/** Where and why a journal stops being trustworthy before its end. */
export interface JournalDamage {
  /** Byte offset of the damaged record (or header). */
  readonly offset: number;
  readonly reason: string;
}

/** A journal file as read: its intact records, and what follows them. */
export interface JournalContents {
  /** 2, or 1 for a journal written before the file header existed; 2 for a missing or empty file. */
  readonly format: 1 | 2;
  /** The resourceVersion the journal continues from (its snapshot's, when it was started). */
  readonly base: number;
  readonly records: readonly WriteRecord[];
  /** Bytes up to the end of the last intact record (0 when not even the file header is whole). */
  readonly validBytes: number;
  readonly totalBytes: number;
  /** Bytes after `validBytes` that are an unfinished last write (dropped: it was never acknowledged). */
  readonly tornBytes: number;
  /** Set when a record before the end is damaged: the journal cannot be trusted past `offset`. */
  readonly damage?: JournalDamage;
}

function decodePayload(payload: Buffer): WriteRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { v, r, c } = parsed as Partial<EncodedRecord>;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || !Array.isArray(c)) return undefined;
  const changes: StoredChange[] = [];
  for (const change of c as readonly unknown[]) {
    if (typeof change !== "object" || change === null) return undefined;
    const { o, d } = change as EncodedChange;
    const object = o ?? d;
    if (
      typeof object !== "object" ||
      object === null ||
      typeof object.metadata !== "object" ||
      object.metadata === null
    )
      return undefined;
    changes.push({ type: o !== undefined ? "MODIFIED" : "DELETED", object });
  }
  return { resourceVersion: v, changes, ...(r === 1 ? { reset: true } : {}) };
}

/** The resourceVersion after `record` when it follows `previous` (each changed object takes one). */
function continues(previous: number, record: WriteRecord): boolean {
  return record.resourceVersion === previous + record.changes.length;
}

/** One record of a format-2 journal at `offset`, or why there is none. */
type RecordRead =
  | { readonly kind: "record"; readonly record: WriteRecord; readonly end: number }
  | { readonly kind: "torn" }
  | { readonly kind: "damaged"; readonly reason: string };

function readRecordAt(data: Buffer, offset: number): RecordRead {
  if (offset + RECORD_HEADER_BYTES > data.length) return { kind: "torn" };
  const length = data.readUInt32LE(offset);
  const checksum = data.readUInt32LE(offset + 4);
  if (crc32(data.subarray(offset, offset + 8)) !== data.readUInt32LE(offset + 8))
    return { kind: "damaged", reason: "its header fails its checksum" };
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > data.length) return { kind: "torn" };
  const payload = data.subarray(offset + RECORD_HEADER_BYTES, end);
  if (crc32(payload) !== checksum) return { kind: "damaged", reason: "its contents fail their checksum" };
  const record = decodePayload(payload);
  if (record === undefined) return { kind: "damaged", reason: "its contents are not a journal record" };
  return { kind: "record", record, end };
}

function readV2(data: Buffer): JournalContents {
  const totalBytes = data.length;
  if (data.length < FILE_HEADER_BYTES)
    // The file header is written together with the first record: a shorter file is a torn first write.
    return { format: 2, base: 0, records: [], validBytes: 0, totalBytes, tornBytes: totalBytes };
  const base = Number(data.readBigUInt64LE(8));
  if (crc32(data.subarray(0, 16)) !== data.readUInt32LE(16) || !Number.isSafeInteger(base)) {
    return {
      format: 2,
      base: 0,
      records: [],
      validBytes: 0,
      totalBytes,
      tornBytes: 0,
      damage: { offset: 0, reason: "the file header fails its checksum" },
    };
  }
  const records: WriteRecord[] = [];
  let offset = FILE_HEADER_BYTES;
  let version = base;
  while (offset < data.length) {
    const read = readRecordAt(data, offset);
    if (read.kind === "torn")
      return { format: 2, base, records, validBytes: offset, totalBytes, tornBytes: totalBytes - offset };
    if (read.kind === "damaged")
      return { format: 2, base, records, validBytes: offset, totalBytes, tornBytes: 0, damage: { offset, ...read } };
    if (!continues(version, read.record)) {
      const reason = `its resourceVersion ${read.record.resourceVersion} does not follow ${version}`;
      return { format: 2, base, records, validBytes: offset, totalBytes, tornBytes: 0, damage: { offset, reason } };
    }
    records.push(read.record);
    version = read.record.resourceVersion;
    offset = read.end;
  }
  return { format: 2, base, records, validBytes: offset, totalBytes, tornBytes: 0 };
}

/**
 * Format 1 had one checksum per record and no header check, so a damaged length cannot be told
 * from a torn write: only an incomplete last record counts as torn; anything else is damage.
 */
function readV1(data: Buffer): JournalContents {
  const records: WriteRecord[] = [];
  let offset = 0;
  while (offset < data.length) {
    const torn = (): JournalContents => ({
      format: 1,
      base: 0,
      records,
      validBytes: offset,
      totalBytes: data.length,
      tornBytes: data.length - offset,
    });
    if (offset + V1_RECORD_HEADER_BYTES > data.length) return torn();
    const length = data.readUInt32LE(offset);
    const end = offset + V1_RECORD_HEADER_BYTES + length;
    if (end > data.length) return torn();
    const payload = data.subarray(offset + V1_RECORD_HEADER_BYTES, end);
    const record = crc32(payload) === data.readUInt32LE(offset + 4) ? decodePayload(payload) : undefined;
    if (record === undefined) {
      return {
        format: 1,
        base: 0,
        records,
        validBytes: offset,
        totalBytes: data.length,
        tornBytes: 0,
        damage: { offset, reason: "a record fails its checksum" },
      };
    }
    records.push(record);
    offset = end;
  }
  return { format: 1, base: 0, records, validBytes: offset, totalBytes: data.length, tornBytes: 0 };
}

/** Reads a journal file (a missing file is an empty journal); `format` is the one its sandbox says it uses. */
export function readJournal(path: string, format: 1 | 2 = 2): JournalContents {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { format: 2, base: 0, records: [], validBytes: 0, totalBytes: 0, tornBytes: 0 };
    throw error;
  }
  if (data.length === 0) return { format: 2, base: 0, records: [], validBytes: 0, totalBytes: 0, tornBytes: 0 };
  if (format === 1 && !data.subarray(0, MAGIC.length).equals(MAGIC)) return readV1(data);
  if (data.length >= MAGIC.length && !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    return {
      format: 2,
      base: 0,
      records: [],
      validBytes: 0,
      totalBytes: data.length,
      tornBytes: 0,
      damage: { offset: 0, reason: "it does not start with the journal's file header" },
    };
  }
  return readV2(data);
}

/** A record found by {@link salvageJournal}, and where. */
export interface SalvagedRecord {
  readonly offset: number;
  readonly record: WriteRecord;
}

/**
 * Every record of a damaged journal that still verifies, for `sandbox repair`: after a damaged
 * stretch, the next offset where a whole record passes both checksums is taken as the next record.
 * Returns the records and the byte ranges skipped.
 */
export function salvageJournal(data: Buffer): {
  readonly records: readonly SalvagedRecord[];
  readonly skipped: readonly { readonly from: number; readonly to: number }[];
  readonly base: number | undefined;
} {
  const records: SalvagedRecord[] = [];
  const skipped: { from: number; to: number }[] = [];
  const headerIntact =
    data.length >= FILE_HEADER_BYTES &&
    data.subarray(0, MAGIC.length).equals(MAGIC) &&
    crc32(data.subarray(0, 16)) === data.readUInt32LE(16);
  const base = headerIntact ? Number(data.readBigUInt64LE(8)) : undefined;
  let offset = headerIntact ? FILE_HEADER_BYTES : 0;
  let gapStart: number | undefined = headerIntact ? undefined : 0;
  while (offset < data.length) {
    const read = readRecordAt(data, offset);
    if (read.kind === "record") {
      if (gapStart !== undefined) skipped.push({ from: gapStart, to: offset });
      gapStart = undefined;
      records.push({ offset, record: read.record });
      offset = read.end;
      continue;
    }
    gapStart ??= offset;
    offset++;
  }
  if (gapStart !== undefined && gapStart < data.length) skipped.push({ from: gapStart, to: data.length });
  return { records, skipped, base };
}

export interface JournalOptions {
  /** fdatasync each acknowledged write; off only in benchmarks of the in-memory cost. @default true */
  readonly sync?: boolean;
  /** Called after a batch was made durable (its writes are applied by then), e.g. to compact. */
  readonly afterWrite?: () => void;
  /** Called once, before the first byte this process appends (to retire state a write would make stale). */
  readonly beforeFirstWrite?: () => void;
  /**
   * Group commit (the served sandbox): a write is appended but not synced; {@link Journal.durable}
   * resolves once one fdatasync covered it, and one fdatasync covers every write appended before it
   * started. The caller acknowledges a write only after `durable()`. @default false
   */
  readonly groupCommit?: boolean;
  /** The asynchronous fdatasync group commit uses (tests inject a slow or failing one). @default fs.fdatasync */
  readonly fdatasync?: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;
}

/** One caller of {@link Journal.durable} waiting for the bytes appended before it asked. */
interface SyncWaiter {
  readonly upTo: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The journal as the store's {@link StorePersistence}: a write is appended and synced before it
 * is acknowledged; inside `batch` records are buffered and written with one sync at the end.
 *
 * Opening never changes the file: a torn tail found on open is cut off by the first write, so a
 * command that only reads leaves every byte as it found it.
 */
export class Journal implements StorePersistence {
  private fd: number;
  private bytes: number;
  private fileBytes: number;
  private depth = 0;
  private pending: Buffer[] = [];
  private readonly sync: boolean;
  private readonly afterWrite: (() => void) | undefined;
  private beforeFirstWrite: (() => void) | undefined;
  private written = false;
  private readonly groupCommit: boolean;
  private readonly fdatasyncAsync: NonNullable<JournalOptions["fdatasync"]>;
  /** Bytes appended since the journal was opened (never goes down, unlike the file's size). */
  private appended = 0;
  /** Of those, how many an fdatasync has covered. */
  private synced = 0;
  private syncing = false;
  private waiters: SyncWaiter[] = [];
  /** A failed fdatasync: what it should have covered cannot be trusted to a retry (the kernel may have dropped it). */
  private syncFailure: Error | undefined;

  /**
   * Opens `path` for appending after its intact prefix of `validBytes` (0: the file header is
   * written first, naming `base`).
   */
  constructor(
    readonly path: string,
    validBytes: number,
    private base: number,
    options: JournalOptions = {},
  ) {
    this.fd = openSync(path, "a+");
    this.fileBytes = fstatSync(this.fd).size;
    this.bytes = validBytes;
    this.sync = options.sync ?? true;
    this.afterWrite = options.afterWrite;
    this.beforeFirstWrite = options.beforeFirstWrite;
    this.groupCommit = options.groupCommit ?? false;
    this.fdatasyncAsync = options.fdatasync ?? fdatasync;
  }

  /** Whether some appended write is not yet covered by an fdatasync (group commit only). */
  get hasUnsyncedWrites(): boolean {
    return this.appended > this.synced;
  }

  /**
   * Resolves once every write appended so far is on disk (at once without group commit, where each
   * write is synced before it returns). Concurrent callers share one fdatasync: while one runs, the
   * writes appended meanwhile wait for the next, which covers all of them. Rejects when the
   * fdatasync fails (the write must then not be acknowledged).
   */
  durable(): Promise<void> {
    if (!this.sync || this.synced >= this.appended) return Promise.resolve();
    if (this.syncFailure !== undefined) return Promise.reject(this.syncFailure);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ upTo: this.appended, resolve, reject });
      this.startSync();
    });
  }

  private startSync(): void {
    if (this.syncing || this.waiters.length === 0 || this.fd < 0) return;
    this.syncing = true;
    const upTo = this.appended;
    this.fdatasyncAsync(this.fd, (error) => {
      this.syncing = false;
      if (error === null) this.synced = Math.max(this.synced, upTo);
      else this.syncFailure ??= error;
      const waiting = this.waiters;
      this.waiters = [];
      for (const waiter of waiting) {
        if (waiter.upTo <= this.synced) waiter.resolve();
        else if (this.syncFailure !== undefined) waiter.reject(this.syncFailure);
        else this.waiters.push(waiter);
      }
      this.startSync();
    });
  }

  /** Syncs at once what group commit has not synced yet (before the file is closed, emptied or marked). */
  syncNow(): void {
    if (this.synced >= this.appended) return;
    if (this.sync && this.fd >= 0) fdatasyncSync(this.fd);
    this.synced = this.appended;
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) waiter.resolve();
  }

  /** Bytes of intact journal (what the next open replays). */
  get size(): number {
    return this.bytes;
  }

  /** Whether this process has written to the journal (or emptied it) since it opened it or last {@link markedClean}. */
  get hasWritten(): boolean {
    return this.written;
  }

  /** The writes so far are recorded in the journal mark. */
  markedClean(): void {
    this.written = false;
  }

  /** Opens the file again after {@link close} (the sandbox lock was let go and taken back, nothing changed). */
  reopen(): void {
    if (this.fd >= 0) return;
    this.fd = openSync(this.path, "a+");
    this.fileBytes = fstatSync(this.fd).size;
  }

  get batching(): boolean {
    return this.depth > 0;
  }

  commit(record: WriteRecord): void {
    const buffer = encodeRecord(record);
    if (this.depth > 0) {
      this.pending.push(buffer);
      return;
    }
    this.write(buffer);
  }

  batch<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0 && this.pending.length > 0) {
        const buffers = this.pending;
        this.pending = [];
        this.write(Buffer.concat(buffers));
        this.afterWrite?.();
      }
    }
  }

  private write(buffer: Buffer): void {
    const beforeFirstWrite = this.beforeFirstWrite;
    this.beforeFirstWrite = undefined;
    beforeFirstWrite?.();
    if (this.fileBytes !== this.bytes) {
      // The torn tail of a write that never finished goes now, before anything follows it.
      ftruncateSync(this.fd, this.bytes);
      this.fileBytes = this.bytes;
    }
    const framed = this.bytes === 0 ? Buffer.concat([encodeFileHeader(this.base), buffer]) : buffer;
    let written = 0;
    try {
      while (written < framed.length) written += writeSync(this.fd, framed, written, framed.length - written);
      if (this.sync && !this.groupCommit) fdatasyncSync(this.fd);
    } catch (error) {
      // A failed append (disk full) must not leave half a record for the next write to follow.
      this.fileBytes += written;
      throw error;
    }
    this.written = true;
    this.bytes += framed.length;
    this.fileBytes = this.bytes;
    this.appended += framed.length;
    if (!this.groupCommit) this.synced = this.appended;
  }

  /** Empties the journal (after its records went into a snapshot at resourceVersion `base`). */
  truncate(base: number): void {
    // The records go into the snapshot, already synced; the waiters' writes are durable with it.
    this.syncNow();
    ftruncateSync(this.fd, 0);
    if (this.sync) fdatasyncSync(this.fd);
    this.written = true;
    this.bytes = 0;
    this.fileBytes = 0;
    this.base = base;
  }

  close(): void {
    if (this.fd < 0) return;
    this.syncNow();
    closeSync(this.fd);
    this.fd = -1;
  }
}
