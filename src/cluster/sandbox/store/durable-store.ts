import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ClusterError } from "../../../errors/index.js";
import type { Clock } from "../../../util/index.js";
import { formatTimestamp } from "../../../util/index.js";
import type { SimulatedAdmission } from "../controller-contract.js";
import { Journal } from "./journal.js";
import { loadSandboxFiles, SANDBOX_FILES, type LoadedSandbox } from "./load.js";
import { acquireSandboxLock, type SandboxLock } from "./lock.js";
import { writeMark } from "./mark.js";
import { MemoryObjectStore } from "./memory-store.js";
import { DEFAULT_SANDBOX_ADDONS, SANDBOX_FORMAT_VERSION, writeMetadata, type SandboxMetadata } from "./metadata.js";
import { writeSnapshot } from "./snapshot.js";

export { SANDBOX_FILES };

export interface OpenSandboxStoreOptions {
  readonly dir: string;
  readonly clock: Clock;
  /** Seed of a sandbox created by this open; an existing sandbox keeps its own. @default "0" */
  readonly seed?: string;
  /** @default [] */
  readonly admissions?: readonly SimulatedAdmission[];
  /** Wait for another process's lock this long. @default 10000 */
  readonly lockTimeoutMs?: number;
  /** Shown to processes waiting for the lock. @default "vela-ts" */
  readonly command?: string;
  /** Compact when the journal exceeds this many bytes and the snapshot's size. @default 8 MiB */
  readonly compactBytes?: number;
  /** fdatasync every acknowledged write. @default true */
  readonly sync?: boolean;
}

/** How the files were found on open (for messages and tests). */
export interface OpenReport {
  /** Bytes of an unfinished last write (a command killed while writing) that were left out. */
  readonly tornBytes: number;
  /** Set when a sandbox of an earlier format was converted to the current one on open. */
  readonly migratedFrom?: number;
}

/**
 * A sandbox directory opened for one command: its metadata, the object store loaded from
 * snapshot + journal, and the lock that keeps other processes out until `close()`.
 */
export class SandboxStore {
  private closed = false;
  private snapshotBytes: number;

  constructor(
    readonly dir: string,
    readonly store: MemoryObjectStore,
    private metadataValue: SandboxMetadata,
    private readonly journal: Journal,
    private readonly lock: SandboxLock,
    private readonly compactBytes: number,
    snapshotBytes: number,
    readonly opened: OpenReport,
  ) {
    this.snapshotBytes = snapshotBytes;
  }

  get metadata(): SandboxMetadata {
    return this.metadataValue;
  }

  /** Turns addons on or off (their controllers and admissions), durably. */
  setEnabledAddons(addons: readonly string[]): void {
    const sorted = [...new Set(addons)].sort();
    this.metadataValue = { ...this.metadataValue, enabledAddons: sorted };
    writeMetadata(this.dir, this.metadataValue);
    this.store.enabledAddons = new Set(sorted);
  }

  /** Records whether the enabled addons' objects are in the store (see {@link SandboxMetadata}). */
  setAddonObjectsInstalled(installed: boolean): void {
    if ((this.metadataValue.addonObjectsInstalled === true) === installed) return;
    this.metadataValue = { ...this.metadataValue, addonObjectsInstalled: installed };
    writeMetadata(this.dir, this.metadataValue);
  }

  /** Compacts when the journal has grown past half the snapshot (and `compactBytes`). */
  maybeCompact(): void {
    if (this.closed || this.journal.batching) return;
    if (this.journal.size > Math.max(this.compactBytes, this.snapshotBytes / 2)) this.compact();
  }

  /**
   * Writes the whole store as a new snapshot, then empties the journal. A crash in between is
   * harmless: journal records at or below the snapshot's resourceVersion are skipped on open.
   */
  compact(): void {
    const objects = [...this.store.allObjects()];
    const path = join(this.dir, SANDBOX_FILES.snapshot);
    const version = Number(this.store.resourceVersion);
    writeSnapshot(path, version, objects);
    this.journal.truncate(version);
    this.snapshotBytes = fileSize(path);
  }

  /** Deletes every object (one journal record, then compaction to an empty snapshot). */
  reset(): number {
    const count = this.store.clear();
    this.compact();
    this.setAddonObjectsInstalled(false);
    return count;
  }

  /**
   * Releases the lock; the store must not be used afterwards. A command that wrote records how far
   * the store got (`journal.mark`), so a journal cut short later is noticed.
   */
  close(): void {
    if (this.closed) return;
    try {
      if (this.journal.hasWritten) {
        // A journal worth replaying slowly becomes a snapshot now, so the next command opens fast.
        if (this.journal.size > this.compactBytes / 8) this.compact();
        writeMark(this.dir, Number(this.store.resourceVersion));
      }
    } finally {
      this.closed = true;
      this.journal.close();
      this.lock.release();
    }
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Converts a format-1 sandbox (unchecked snapshot, journal without headers) to the current format,
 * keeping every object: new snapshot first, then the mark, the empty journal, and the metadata last,
 * so a crash part way leaves a sandbox that is still read (and migrated again) correctly.
 */
function migrate(dir: string, loaded: LoadedSandbox, store: MemoryObjectStore, journal: Journal): void {
  const version = Number(store.resourceVersion);
  writeSnapshot(join(dir, SANDBOX_FILES.snapshot), version, [...store.allObjects()]);
  writeMark(dir, version);
  journal.truncate(version);
  if (loaded.metadata !== undefined) writeMetadata(dir, { ...loaded.metadata, format: SANDBOX_FORMAT_VERSION });
}

/**
 * Opens (creating if needed) the sandbox directory: takes the lock, reads and checks metadata,
 * snapshot, journal and mark (see {@link loadSandboxFiles}: damage is an error, never a silent
 * truncation), replays the journal and returns the store, whose every write is journalled and
 * synced before it returns. A torn last record (a command killed mid-write) is left out, and cut
 * off the file only when this command writes. Close it to release the lock.
 */
export async function openSandboxStore(options: OpenSandboxStoreOptions): Promise<SandboxStore> {
  const { dir } = options;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new ClusterError("E_SANDBOX_DIR", `cannot create the sandbox directory ${dir}: ${(error as Error).message}`, {
      hint: "pick a writable directory with --sandbox DIR",
      cause: error,
    });
  }
  const lock = await acquireSandboxLock(dir, {
    ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
    ...(options.command === undefined ? {} : { command: options.command }),
  });
  try {
    const loaded = loadSandboxFiles(dir);
    let metadata = loaded.metadata;
    if (metadata === undefined) {
      metadata = {
        format: SANDBOX_FORMAT_VERSION,
        seed: options.seed ?? "0",
        enabledAddons: [...DEFAULT_SANDBOX_ADDONS],
        createdAt: formatTimestamp(options.clock.now()),
      };
      writeMetadata(dir, metadata);
    }
    // Leftovers of a compaction or metadata write that died before its rename.
    for (const entry of readdirSync(dir)) if (entry.includes(".tmp-")) rmSync(join(dir, entry), { force: true });
    let sandbox: SandboxStore | undefined;
    const journal = new Journal(
      join(dir, SANDBOX_FILES.journal),
      loaded.journal.format === 2 ? loaded.journal.validBytes : 0,
      loaded.journal.format === 2 && loaded.journal.validBytes > 0 ? loaded.journal.base : loaded.resourceVersion,
      {
        ...(options.sync === undefined ? {} : { sync: options.sync }),
        afterWrite: () => sandbox?.maybeCompact(),
      },
    );
    const store = new MemoryObjectStore({
      clock: options.clock,
      seed: metadata.seed,
      admissions: options.admissions ?? [],
      enabledAddons: new Set(metadata.enabledAddons),
      restored: loaded.snapshot,
      persistence: journal,
    });
    for (const record of loaded.replay) store.applyRecord(record);
    const migratedFrom = metadata.format < SANDBOX_FORMAT_VERSION ? metadata.format : undefined;
    if (migratedFrom !== undefined) {
      migrate(dir, loaded, store, journal);
      metadata = { ...metadata, format: SANDBOX_FORMAT_VERSION };
    }
    sandbox = new SandboxStore(
      dir,
      store,
      metadata,
      journal,
      lock,
      options.compactBytes ?? 8 * 1024 * 1024,
      fileSize(join(dir, SANDBOX_FILES.snapshot)),
      { tornBytes: loaded.journal.tornBytes, ...(migratedFrom === undefined ? {} : { migratedFrom }) },
    );
    const opened = sandbox;
    store.subscribe(() => opened.maybeCompact());
    return sandbox;
  } catch (error) {
    lock.release();
    throw error;
  }
}
