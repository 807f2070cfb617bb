import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ClusterError } from "../../../errors/index.js";
import type { Clock } from "../../../util/index.js";
import { formatTimestamp } from "../../../util/index.js";
import type { SimulatedAdmission } from "../controller-contract.js";
import { Journal, readJournal } from "./journal.js";
import { acquireSandboxLock, type SandboxLock } from "./lock.js";
import { MemoryObjectStore } from "./memory-store.js";
import { DEFAULT_SANDBOX_ADDONS, SANDBOX_FORMAT_VERSION, type SandboxMetadata } from "./metadata.js";
import { readSnapshot, writeFileAtomic, writeSnapshot } from "./snapshot.js";

/** File names inside a sandbox directory. */
export const SANDBOX_FILES = {
  metadata: "sandbox.json",
  snapshot: "objects.snapshot",
  journal: "journal.log",
  lock: "lock",
} as const;

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
    writeSnapshot(path, Number(this.store.resourceVersion), objects);
    this.journal.truncate();
    this.snapshotBytes = fileSize(path);
  }

  /** Deletes every object (one journal record, then compaction to an empty snapshot). */
  reset(): number {
    const count = this.store.clear();
    this.compact();
    this.setAddonObjectsInstalled(false);
    return count;
  }

  /** Releases the lock; the store must not be used afterwards. */
  close(): void {
    if (this.closed) return;
    // A journal worth replaying slowly becomes a snapshot now, so the next command opens fast.
    if (this.journal.size > this.compactBytes / 8) this.compact();
    this.closed = true;
    this.journal.close();
    this.lock.release();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function writeMetadata(dir: string, metadata: SandboxMetadata): void {
  writeFileAtomic(join(dir, SANDBOX_FILES.metadata), `${JSON.stringify(metadata, null, 2)}\n`);
}

function readMetadata(dir: string): SandboxMetadata | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, SANDBOX_FILES.metadata), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let parsed: Partial<SandboxMetadata>;
  try {
    parsed = JSON.parse(text) as Partial<SandboxMetadata>;
  } catch {
    throw new ClusterError("E_SANDBOX_CORRUPT", `${join(dir, SANDBOX_FILES.metadata)} is not JSON`, {
      hint: "fix or delete the file (a new one gets the default addons)",
    });
  }
  if (typeof parsed.format !== "number" || parsed.format > SANDBOX_FORMAT_VERSION) {
    throw new ClusterError(
      "E_SANDBOX_FORMAT",
      `sandbox ${dir} has format ${String(parsed.format)}, this vela-ts reads format ${SANDBOX_FORMAT_VERSION}`,
      {
        hint: "use the vela-ts version that created the sandbox, or point --sandbox at a new directory",
      },
    );
  }
  return {
    format: parsed.format,
    seed: typeof parsed.seed === "string" ? parsed.seed : "0",
    enabledAddons: Array.isArray(parsed.enabledAddons)
      ? parsed.enabledAddons.filter((addon): addon is string => typeof addon === "string")
      : [...DEFAULT_SANDBOX_ADDONS],
    createdAt: typeof parsed.createdAt === "string" ? parsed.createdAt : "",
    ...(parsed.addonObjectsInstalled === true ? { addonObjectsInstalled: true } : {}),
  };
}

/**
 * Opens (creating if needed) the sandbox directory: takes the lock, reads metadata, loads the snapshot,
 * replays the journal (ignoring a torn tail) and returns the store, whose every write is journalled and
 * synced before it returns. Close it to release the lock.
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
    let metadata = readMetadata(dir);
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
    const snapshotPath = join(dir, SANDBOX_FILES.snapshot);
    const snapshot = readSnapshot(snapshotPath);
    const journalPath = join(dir, SANDBOX_FILES.journal);
    const contents = readJournal(journalPath);
    const journal = new Journal(journalPath, contents.validBytes, {
      ...(options.sync === undefined ? {} : { sync: options.sync }),
      // Only commits write to the journal, and none happens before `sandbox` below exists.
      afterWrite: () => sandbox.maybeCompact(),
    });
    const store = new MemoryObjectStore({
      clock: options.clock,
      seed: metadata.seed,
      admissions: options.admissions ?? [],
      enabledAddons: new Set(metadata.enabledAddons),
      restored: snapshot,
      persistence: journal,
    });
    for (const record of contents.records)
      if (record.resourceVersion > snapshot.resourceVersion) store.applyRecord(record);
    const sandbox = new SandboxStore(
      dir,
      store,
      metadata,
      journal,
      lock,
      options.compactBytes ?? 8 * 1024 * 1024,
      fileSize(snapshotPath),
    );
    store.subscribe(() => sandbox.maybeCompact());
    return sandbox;
  } catch (error) {
    lock.release();
    throw error;
  }
}
