/**
 * The sandbox's files as one durable store: opening (lock, format check and upgrade, snapshot and
 * journal replay, the settled marker), every write journalled before it is acknowledged, compaction,
 * reset and close. One file because the order of these steps on disk is what makes a kill at any
 * moment recoverable.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ClusterError } from "../../../errors/index.js";
import type { Clock } from "../../../util/index.js";
import { formatTimestamp } from "../../../util/index.js";
import type { SimulatedAdmission } from "../controller-contract.js";
import { Journal, type JournalOptions } from "./journal.js";
import { loadSandboxFiles, SANDBOX_FILES, type LoadedSandbox } from "./load.js";
import { acquireSandboxLock, type LockOptions, type SandboxLock } from "./lock.js";
import { writeMark } from "./mark.js";
import { MemoryObjectStore } from "./memory-store.js";
import { DEFAULT_SANDBOX_ADDONS, SANDBOX_FORMAT_VERSION, writeMetadata, type SandboxMetadata } from "./metadata.js";
import { openIndexedSnapshot, writeIndexedSnapshot, writeSnapshot } from "./indexed-snapshot.js";
import type { KubeObject } from "../../../model/kube-object.js";
import { readSettled, removeSettled, SETTLED_FILE, writeSettled, type SettledState } from "./settled-marker.js";

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
  /**
   * Group commit (the served sandbox): writes return before their fdatasync, and
   * {@link SandboxStore.durable} resolves once one fdatasync covered them (see {@link JournalOptions}).
   * @default false
   */
  readonly groupCommit?: boolean;
  /** The asynchronous fdatasync of group commit (tests). @default fs.fdatasync */
  readonly fdatasync?: JournalOptions["fdatasync"];
}

/** One write replayed on open after the last converged settle: the object and its state before. */
export interface ReplayedChange {
  readonly object: KubeObject;
  readonly previous: KubeObject | undefined;
}

/**
 * Where the simulated controllers resume on open: the last converged settle and the writes made
 * after it (in order). Undefined on open means their first settle visits every object.
 */
export interface SettledResume {
  readonly settled: SettledState;
  readonly changesSince: readonly ReplayedChange[];
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
  /** The files as this process left them when it let go of the lock (see {@link suspend}). */
  private leftAs: string | undefined;
  /** The keyed controllers' queues as they are now (`settled.json` is written from it when the command lets go). */
  private queueState: (() => SettledState | undefined) | undefined;
  /** `settled.json` as this process last read or wrote it (an unchanged one is not written again). */
  private recordedSettled: string | undefined;

  constructor(
    readonly dir: string,
    readonly store: MemoryObjectStore,
    private metadataValue: SandboxMetadata,
    private readonly journal: Journal,
    private lock: SandboxLock,
    private readonly options: OpenSandboxStoreOptions,
    snapshotBytes: number,
    readonly opened: OpenReport,
    /** Where the simulated controllers resume (see {@link SettledResume}); taken once. */
    public resumePoint: SettledResume | undefined = undefined,
  ) {
    this.snapshotBytes = snapshotBytes;
    this.recordedSettled = resumePoint === undefined ? undefined : JSON.stringify(resumePoint.settled);
  }

  private get compactBytes(): number {
    return this.options.compactBytes ?? DEFAULT_COMPACT_BYTES;
  }

  /**
   * The journal size past which a command compacts when it lets go. Compaction rewrites the whole
   * snapshot while replaying the journal costs every command in proportion to its size, so the
   * threshold grows with the square root of the snapshot (an eighth of `compactBytes` up to a
   * snapshot of four times `compactBytes`): at 10,000 apps (400 MB) about 3.5 MB of journal, and
   * the two costs stay balanced instead of a large sandbox being rewritten every few commands.
   */
  private get closingCompactBytes(): number {
    const floor = this.compactBytes / 8;
    return Math.max(floor, floor * Math.sqrt(this.snapshotBytes / (4 * this.compactBytes)));
  }

  /** False between {@link suspend} and {@link resume}, and after {@link close}. */
  get holdsLock(): boolean {
    return !this.closed && this.leftAs === undefined;
  }

  /**
   * Lets go of the sandbox for a while (a `--wait` that sleeps): everything written is durable and
   * marked, the journal file is closed and the lock released, so other commands can work meanwhile.
   * {@link resume} takes it back.
   */
  suspend(): void {
    if (!this.holdsLock) return;
    this.finishWrites();
    this.journal.close();
    this.leftAs = fingerprintOf(this.dir);
    this.lock.release();
  }

  /**
   * Takes the lock back after {@link suspend}. If no other command changed the sandbox meanwhile,
   * this store goes on as it was; otherwise the files are read again and a new store is returned
   * (this one is closed).
   */
  async resume(lockOptions: LockOptions = {}): Promise<SandboxStore> {
    if (this.closed) throw new ClusterError("E_SANDBOX_CLOSED", "the sandbox was closed");
    if (this.leftAs === undefined) return this;
    const lock = await acquireSandboxLock(this.dir, {
      command: this.options.command ?? "vela-ts",
      ...lockOptions,
    });
    if (fingerprintOf(this.dir) === this.leftAs) {
      this.journal.reopen();
      this.lock = lock;
      this.leftAs = undefined;
      return this;
    }
    this.closed = true;
    this.store.closeSnapshot();
    return loadWithLock(this.options, lock);
  }

  /**
   * Resolves once every write made so far is on disk. With group commit, concurrent callers share
   * one fdatasync; a caller acknowledges its write only after this resolves. Without, every write
   * was synced before it returned and this resolves at once.
   */
  durable(): Promise<void> {
    return this.journal.durable();
  }

  /**
   * Where to read the keyed controllers' queues from when the command lets go of the sandbox: they
   * are recorded in `settled.json` then, after the journal holding every write is on disk.
   */
  recordQueuesFrom(queueState: () => SettledState | undefined): void {
    this.queueState = queueState;
  }

  /** Writes the queues as they are now, after the journal holding the writes they cover is on disk. */
  private finishSettled(): void {
    const state = this.queueState?.();
    if (state === undefined) return;
    if (state.resourceVersion !== Number(this.store.resourceVersion)) return;
    const recorded = JSON.stringify(state);
    if (recorded === this.recordedSettled) return;
    writeSettled(this.dir, state);
    this.recordedSettled = recorded;
  }

  /** Compaction when due, and the mark, for a command that wrote; then the converged settle. */
  private finishWrites(): void {
    // Only a command that wrote records its fixed point: one that only read changes no file.
    const wrote = this.journal.hasWritten;
    this.finishWritesToJournal();
    if (wrote) this.finishSettled();
  }

  private finishWritesToJournal(): void {
    if (!this.journal.hasWritten) return;
    // The mark promises that the journal holds everything up to it: the journal goes to disk first.
    this.journal.syncNow();
    // A journal worth replaying slowly becomes a snapshot now, so the next command opens fast.
    if (this.journal.size > this.closingCompactBytes) this.compact();
    writeMark(this.dir, Number(this.store.resourceVersion));
    this.journal.markedClean();
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

  /** Records how far the sandbox's time runs ahead of the wall clock (see {@link SandboxMetadata.clockOffsetMs}). */
  setClockOffset(offsetMs: number): void {
    if ((this.metadataValue.clockOffsetMs ?? 0) >= offsetMs) return;
    this.metadataValue = { ...this.metadataValue, clockOffsetMs: offsetMs };
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
   * Objects this command did not read are copied from the old snapshot as they are (checked, not
   * parsed), and are read from the new one from then on.
   */
  compact(): void {
    const path = join(this.dir, SANDBOX_FILES.snapshot);
    const version = Number(this.store.resourceVersion);
    const written = writeIndexedSnapshot(path, version, this.store.snapshotKinds());
    this.store.snapshotMovedTo(openIndexedSnapshot(path), written);
    this.journal.truncate(version);
    this.snapshotBytes = fileSize(path);
  }

  /** Deletes every object (one journal record, then compaction to an empty snapshot). */
  reset(): number {
    this.recordedSettled = undefined;
    removeSettled(this.dir);
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
    if (this.leftAs !== undefined) {
      this.closed = true;
      return;
    }
    try {
      this.finishWrites();
    } finally {
      this.closed = true;
      this.journal.close();
      this.store.closeSnapshot();
      this.lock.release();
    }
  }
}

const DEFAULT_COMPACT_BYTES = 8 * 1024 * 1024;

/** Identity of the state files (inode, size, modification time): any write by anyone changes it. */
function fingerprintOf(dir: string): string {
  return [SANDBOX_FILES.metadata, SANDBOX_FILES.snapshot, SANDBOX_FILES.journal, SANDBOX_FILES.mark]
    .map((file) => {
      try {
        const stat = statSync(join(dir, file), { bigint: true });
        return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
      } catch {
        return "-";
      }
    })
    .join("/");
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Converts a sandbox of an earlier format (1: unchecked snapshot, journal without headers; 2: a
 * snapshot read whole on every open; 3: one index line per kind, read whole) to the current format,
 * keeping every object: new snapshot first, then the mark, the empty journal, and the metadata last,
 * so a crash part way leaves a sandbox that is still read (and migrated again) correctly.
 */
function migrate(dir: string, loaded: LoadedSandbox, store: MemoryObjectStore, journal: Journal): void {
  const version = Number(store.resourceVersion);
  removeSettled(dir);
  writeSnapshot(join(dir, SANDBOX_FILES.snapshot), version, [...store.allObjects()]);
  writeMark(dir, version);
  journal.truncate(version);
  if (loaded.metadata !== undefined) writeMetadata(dir, { ...loaded.metadata, format: SANDBOX_FORMAT_VERSION });
}

/**
 * Replays the journal; when `settled.json` can be trusted (the journal holds every write after it,
 * the store did not move behind it, no reset since, the same addons), returns it with the writes
 * after it. A marker that cannot be trusted is removed before this command's first write, so it is
 * never trusted later either.
 */
function replayAfterSettled(
  dir: string,
  loaded: LoadedSandbox,
  store: MemoryObjectStore,
  current: boolean,
): SettledResume | undefined {
  const settled = current ? readSettled(dir) : undefined;
  const usable =
    settled !== undefined &&
    settled.resourceVersion >= loaded.snapshot.resourceVersion &&
    settled.resourceVersion <= loaded.resourceVersion &&
    !loaded.replay.some((record) => record.reset === true && record.resourceVersion > settled.resourceVersion) &&
    sameAddons(settled.enabledAddons, store.enabledAddons);
  if (!usable) {
    for (const record of loaded.replay) store.applyRecord(record);
    return undefined;
  }
  const changesSince: ReplayedChange[] = [];
  for (const record of loaded.replay) {
    if (record.resourceVersion <= settled.resourceVersion) store.applyRecord(record);
    else changesSince.push(...store.replayRecord(record));
  }
  return { settled, changesSince };
}

function sameAddons(recorded: readonly string[], enabled: ReadonlySet<string>): boolean {
  return recorded.length === enabled.size && recorded.every((addon) => enabled.has(addon));
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
  return loadWithLock(options, lock);
}

/** Reads the sandbox files into a new store, under a lock already held (released if this fails). */
function loadWithLock(options: OpenSandboxStoreOptions, lock: SandboxLock): SandboxStore {
  const { dir } = options;
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
    const opening: { sandbox?: SandboxStore; staleSettled?: boolean } = {};
    const journal = new Journal(
      join(dir, SANDBOX_FILES.journal),
      loaded.journal.format === 2 ? loaded.journal.validBytes : 0,
      loaded.journal.format === 2 && loaded.journal.validBytes > 0 ? loaded.journal.base : loaded.resourceVersion,
      {
        ...(options.sync === undefined ? {} : { sync: options.sync }),
        ...(options.groupCommit === undefined ? {} : { groupCommit: options.groupCommit }),
        ...(options.fdatasync === undefined ? {} : { fdatasync: options.fdatasync }),
        afterWrite: () => opening.sandbox?.maybeCompact(),
        // An untrusted settled.json goes before the first write: writes could otherwise carry the
        // store up to its resourceVersion and make it look trustworthy. A command that only reads
        // changes no file.
        beforeFirstWrite: () => {
          if (opening.staleSettled === true) removeSettled(dir);
        },
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
    const migratedFrom = metadata.format < SANDBOX_FORMAT_VERSION ? metadata.format : undefined;
    const resumePoint = replayAfterSettled(dir, loaded, store, migratedFrom === undefined);
    opening.staleSettled = resumePoint === undefined && existsSync(join(dir, SETTLED_FILE));
    if (migratedFrom !== undefined) {
      migrate(dir, loaded, store, journal);
      metadata = { ...metadata, format: SANDBOX_FORMAT_VERSION };
    }
    const sandbox = new SandboxStore(
      dir,
      store,
      metadata,
      journal,
      lock,
      options,
      fileSize(join(dir, SANDBOX_FILES.snapshot)),
      { tornBytes: loaded.journal.tornBytes, ...(migratedFrom === undefined ? {} : { migratedFrom }) },
      resumePoint,
    );
    opening.sandbox = sandbox;
    store.subscribe(() => sandbox.maybeCompact());
    return sandbox;
  } catch (error) {
    lock.release();
    throw error;
  }
}
