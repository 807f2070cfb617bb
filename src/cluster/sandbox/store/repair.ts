import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { VelaError } from "../../../errors/index.js";
import type { KubeObject } from "../../../model/kube-object.js";
import type { Clock } from "../../../util/index.js";
import { formatTimestamp } from "../../../util/index.js";
import { readJournal, salvageJournal } from "./journal.js";
import { loadSandboxFiles, SANDBOX_FILES } from "./load.js";
import { acquireSandboxLock } from "./lock.js";
import { MARK_FILE, readMark, writeMark } from "./mark.js";
import { removeSettled } from "./settled-marker.js";
import { MemoryObjectStore, type WriteRecord } from "./memory-store.js";
import {
  DEFAULT_SANDBOX_ADDONS,
  readMetadata,
  salvageMetadata,
  SANDBOX_FORMAT_VERSION,
  writeMetadata,
  type SandboxMetadata,
} from "./metadata.js";
import { writeSnapshot } from "./indexed-snapshot.js";
import { salvageSnapshot, writeFileAtomic } from "./snapshot.js";

export interface RepairOptions {
  readonly dir: string;
  readonly clock: Clock;
  /** Only report what would be done. @default false */
  readonly dryRun?: boolean;
  /** @default 10000 */
  readonly lockTimeoutMs?: number;
  /** @default "vela-ts sandbox repair" */
  readonly command?: string;
}

/** What `sandbox repair` found and did. */
export interface RepairReport {
  /** True when every file read cleanly: nothing was changed. */
  readonly intact: boolean;
  /** The damage found, one line each. */
  readonly problems: readonly string[];
  /** What could not be recovered, one line each (empty: nothing acknowledged was lost). */
  readonly lost: readonly string[];
  readonly objects: number;
  readonly resourceVersion: number;
  /** Where the damaged files were copied before anything was rewritten. */
  readonly backupDir?: string;
  readonly dryRun: boolean;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Applies the changes of `record` that are newer than what the store holds for their object: the
 * salvaged snapshot's own resourceVersion cannot be trusted to say which records it contains.
 */
function applyNewerChanges(store: MemoryObjectStore, record: WriteRecord): void {
  const changes = record.changes.filter((change, index) => {
    const version = record.resourceVersion - record.changes.length + 1 + index;
    const { apiVersion, kind, metadata } = change.object;
    const ref = {
      apiVersion,
      kind,
      name: metadata.name ?? "",
      ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
    };
    const stored = store.get(ref);
    return stored === undefined ? change.type !== "DELETED" : Number(stored.metadata.resourceVersion) < version;
  });
  if (record.reset === true && record.resourceVersion > Number(store.resourceVersion)) store.applyRecord(record);
  else if (changes.length > 0) store.applyRecord({ resourceVersion: record.resourceVersion, changes });
}

function backupDirFor(dir: string, clock: Clock): string {
  const stamp = formatTimestamp(clock.now()).replace(/:/g, "-");
  let candidate = join(dir, "backups", `repair-${stamp}`);
  for (let suffix = 2; existsSync(candidate); suffix++) candidate = join(dir, "backups", `repair-${stamp}-${suffix}`);
  return candidate;
}

function metadataOf(dir: string, problems: string[], clock: Clock): SandboxMetadata {
  try {
    const metadata = readMetadata(dir);
    if (metadata !== undefined) return { ...metadata, format: SANDBOX_FORMAT_VERSION };
    problems.push(`${SANDBOX_FILES.metadata} is missing`);
  } catch (error) {
    if (error instanceof VelaError && error.code === "E_SANDBOX_FORMAT") throw error;
    problems.push(describeError(error));
  }
  const salvaged = salvageMetadata(readText(join(dir, SANDBOX_FILES.metadata)));
  return {
    format: SANDBOX_FORMAT_VERSION,
    seed: salvaged.seed ?? "0",
    enabledAddons: salvaged.enabledAddons ?? [...DEFAULT_SANDBOX_ADDONS],
    createdAt: salvaged.createdAt ?? formatTimestamp(clock.now()),
    ...(salvaged.clockOffsetMs === undefined ? {} : { clockOffsetMs: salvaged.clockOffsetMs }),
  };
}

/**
 * `vela-ts sandbox repair`: recovers what a damaged sandbox still holds. Every snapshot line that
 * verifies, then every journal record that verifies (after a damaged stretch, the next whole record
 * that passes both checksums), on top of each other; what could not be kept is listed. Before
 * rewriting anything it copies the sandbox files to `DIR/backups/repair-<time>/`. An intact sandbox
 * is left untouched.
 */
export async function repairSandbox(options: RepairOptions): Promise<RepairReport> {
  const { dir, clock } = options;
  const dryRun = options.dryRun ?? false;
  const lock = await acquireSandboxLock(dir, {
    command: options.command ?? "vela-ts sandbox repair",
    ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
  });
  try {
    try {
      const loaded = loadSandboxFiles(dir);
      const problems =
        loaded.journal.tornBytes > 0
          ? [
              `the journal ends in an unfinished write of ${loaded.journal.tornBytes} bytes ` +
                "(a command killed while writing; never acknowledged): left out, and cut off by the next write",
            ]
          : [];
      const intact = new MemoryObjectStore({
        clock,
        restored: loaded.snapshot,
      });
      let objects: number;
      try {
        // Every line is checked here, not only those a command happened to read.
        for (const object of intact.allObjects()) void object;
        for (const record of loaded.replay) intact.applyRecord(record);
        objects = intact.size;
      } finally {
        intact.closeSnapshot();
      }
      return { intact: true, problems, lost: [], objects, resourceVersion: loaded.resourceVersion, dryRun };
    } catch (error) {
      if (!(error instanceof VelaError) || error.code !== "E_SANDBOX_CORRUPT") throw error;
    }
    const problems: string[] = [];
    const lost: string[] = [];
    const metadata = metadataOf(dir, problems, clock);

    const snapshotText = readText(join(dir, SANDBOX_FILES.snapshot));
    const snapshot = snapshotText === undefined ? undefined : salvageSnapshot(snapshotText);
    const objects: KubeObject[] = [...(snapshot?.objects ?? [])];
    let version = snapshot?.resourceVersion ?? 0;
    if (snapshot !== undefined) {
      if (snapshot.resourceVersion === undefined) {
        problems.push(`${SANDBOX_FILES.snapshot}: the header is damaged`);
        version = objects.reduce(
          (highest, object) => Math.max(highest, Number(object.metadata.resourceVersion) || 0),
          0,
        );
      }
      for (const damaged of snapshot.damagedLines.filter((entry) => entry.line > 1)) {
        problems.push(`${SANDBOX_FILES.snapshot}: line ${damaged.line} fails its checksum`);
        lost.push(
          `the object on snapshot line ${damaged.line}${damaged.name === undefined ? "" : ` (${damaged.name}, as far as it reads)`}`,
        );
      }
      if (
        snapshot.expectedCount !== undefined &&
        snapshot.expectedCount !== objects.length + snapshot.damagedLines.filter((entry) => entry.line > 1).length
      )
        lost.push(
          `${snapshot.expectedCount - objects.length} snapshot objects in all (the file is shorter than its header says)`,
        );
    }

    const journalBytes = readBytes(join(dir, SANDBOX_FILES.journal));
    const store = new MemoryObjectStore({
      clock,
      seed: metadata.seed,
      restored: { objects, resourceVersion: version },
    });
    if (journalBytes !== undefined && journalBytes.length > 0) {
      const v1 = !journalBytes.subarray(0, 8).equals(Buffer.from("VTJRNL02", "latin1"));
      const salvaged = v1
        ? {
            records: readJournal(join(dir, SANDBOX_FILES.journal), 1).records.map((record) => ({ offset: 0, record })),
            skipped: [],
            base: 0,
          }
        : salvageJournal(journalBytes);
      if (salvaged.base !== undefined && salvaged.base > version)
        lost.push(
          snapshot === undefined
            ? `every object last written before resourceVersion ${salvaged.base} (the snapshot is missing; the journal starts there)`
            : `the writes between resourceVersion ${version} (the snapshot) and ${salvaged.base} (where the journal starts)`,
        );
      for (const range of salvaged.skipped) {
        problems.push(`${SANDBOX_FILES.journal}: bytes ${range.from} to ${range.to} are damaged`);
        lost.push(`the journal records in bytes ${range.from} to ${range.to} of ${SANDBOX_FILES.journal}`);
      }
      let previous: number | undefined;
      for (const { record } of salvaged.records) {
        if (previous !== undefined && record.resourceVersion !== previous + record.changes.length)
          problems.push(
            `${SANDBOX_FILES.journal}: the records jump from resourceVersion ${previous} to ${record.resourceVersion}`,
          );
        previous = record.resourceVersion;
        applyNewerChanges(store, record);
      }
    }
    let mark = 0;
    try {
      mark = readMark(dir);
    } catch (error) {
      problems.push(describeError(error));
    }
    const reached = Number(store.resourceVersion);
    if (mark > reached) {
      problems.push(`the sandbox had reached resourceVersion ${mark}; what the files hold ends at ${reached}`);
      lost.push(`the writes after resourceVersion ${reached} up to ${mark}`);
    }
    for (const inconsistency of store.findInconsistencies()) problems.push(`recovered store: ${inconsistency}`);
    if (problems.length === 0) problems.push("the files do not agree with each other");

    const report = { intact: false, problems, lost, objects: store.size, resourceVersion: reached, dryRun };
    if (dryRun) return report;
    const backupDir = backupDirFor(dir, clock);
    mkdirSync(backupDir, { recursive: true });
    for (const file of [SANDBOX_FILES.metadata, SANDBOX_FILES.snapshot, SANDBOX_FILES.journal, MARK_FILE])
      if (existsSync(join(dir, file))) copyFileSync(join(dir, file), join(backupDir, file));
    // The controllers' last fixed point may describe writes that are now lost: their next settle visits everything.
    removeSettled(dir);
    // Snapshot first: until the journal is emptied, a crash leaves the damaged journal to repair again.
    writeSnapshot(join(dir, SANDBOX_FILES.snapshot), reached, [...store.allObjects()]);
    writeFileAtomic(join(dir, SANDBOX_FILES.journal), "");
    writeMark(dir, reached);
    writeMetadata(dir, metadata);
    return { ...report, backupDir };
  } finally {
    lock.release();
  }
}
