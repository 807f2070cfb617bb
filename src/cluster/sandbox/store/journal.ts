import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import type { KubeObject } from "../../../model/kube-object.js";
import type { StoredChange } from "../object-store.js";
import type { StorePersistence, WriteRecord } from "./memory-store.js";

/**
 * The append-only journal of writes (`journal.log`). Each record is one store write:
 *
 * ```
 * uint32 LE  payload length
 * uint32 LE  CRC-32 of the payload
 * payload    UTF-8 JSON {v: resourceVersion, r?: 1 (reset), c: [{o: object} | {d: object ref}]}
 * ```
 *
 * A record is fsynced (fdatasync) before its write is acknowledged; a record cut short by a crash
 * (short, or failing its checksum) ends the journal and is truncated away on the next open.
 */
const HEADER_BYTES = 8;

interface EncodedChange {
  readonly o?: KubeObject;
  readonly d?: KubeObject;
}

interface EncodedRecord {
  readonly v: number;
  readonly r?: 1;
  readonly c: readonly EncodedChange[];
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
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

/** The records of a journal file and the byte length of its intact prefix. */
export interface JournalContents {
  readonly records: readonly WriteRecord[];
  /** Bytes up to the end of the last intact record; anything after is a torn tail. */
  readonly validBytes: number;
  readonly totalBytes: number;
}

function decodePayload(payload: Buffer): WriteRecord | undefined {
  try {
    const parsed = JSON.parse(payload.toString("utf8")) as EncodedRecord;
    const encodedChanges: unknown = parsed.c;
    if (typeof parsed.v !== "number" || !Array.isArray(encodedChanges)) return undefined;
    const changes: StoredChange[] = parsed.c.map((change) =>
      change.o !== undefined
        ? { type: "MODIFIED", object: change.o }
        : { type: "DELETED", object: change.d as KubeObject },
    );
    return { resourceVersion: parsed.v, changes, ...(parsed.r === 1 ? { reset: true } : {}) };
  } catch {
    return undefined;
  }
}

/** Reads every intact record of a journal file (a missing file is an empty journal). */
export function readJournal(path: string): JournalContents {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], validBytes: 0, totalBytes: 0 };
    throw error;
  }
  const records: WriteRecord[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= data.length) {
    const length = data.readUInt32LE(offset);
    const checksum = data.readUInt32LE(offset + 4);
    const end = offset + HEADER_BYTES + length;
    if (end > data.length) break;
    const payload = data.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload) !== checksum) break;
    const record = decodePayload(payload);
    if (record === undefined) break;
    records.push(record);
    offset = end;
  }
  return { records, validBytes: offset, totalBytes: data.length };
}

export interface JournalOptions {
  /** fdatasync each acknowledged write; off only in benchmarks of the in-memory cost. @default true */
  readonly sync?: boolean;
  /** Called after a batch was made durable (its writes are applied by then), e.g. to compact. */
  readonly afterWrite?: () => void;
}

/**
 * The journal as the store's {@link StorePersistence}: a write is appended and synced before it
 * is acknowledged; inside `batch` records are buffered and written with one sync at the end.
 */
export class Journal implements StorePersistence {
  private fd: number;
  private bytes: number;
  private depth = 0;
  private pending: Buffer[] = [];
  private readonly sync: boolean;
  private readonly afterWrite: (() => void) | undefined;

  /** Opens `path` for appending, first cutting off a torn tail at `validBytes`. */
  constructor(
    readonly path: string,
    validBytes: number,
    options: JournalOptions = {},
  ) {
    this.fd = openSync(path, "a+");
    if (fstatSync(this.fd).size !== validBytes) {
      ftruncateSync(this.fd, validBytes);
      fdatasyncSync(this.fd);
    }
    this.bytes = validBytes;
    this.sync = options.sync ?? true;
    this.afterWrite = options.afterWrite;
  }

  get size(): number {
    return this.bytes;
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
    let written = 0;
    while (written < buffer.length) written += writeSync(this.fd, buffer, written, buffer.length - written);
    if (this.sync) fdatasyncSync(this.fd);
    this.bytes += buffer.length;
  }

  /** Empties the journal (after its records went into a snapshot). */
  truncate(): void {
    ftruncateSync(this.fd, 0);
    if (this.sync) fdatasyncSync(this.fd);
    this.bytes = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
