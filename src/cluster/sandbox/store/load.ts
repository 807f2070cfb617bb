import { join } from "node:path";
import { ClusterError } from "../../../errors/index.js";
import { readJournal, type JournalContents } from "./journal.js";
import { readMark } from "./mark.js";
import type { WriteRecord } from "./memory-store.js";
import { REPAIR_HINT } from "./files.js";
import { openSnapshot, type OpenedSnapshot } from "./indexed-snapshot.js";
import { readMetadata, SANDBOX_FORMAT_VERSION, type SandboxMetadata } from "./metadata.js";
import { groupKindOf, keyOf } from "./object-key.js";

/** File names inside a sandbox directory. */
export const SANDBOX_FILES = {
  metadata: "sandbox.json",
  snapshot: "objects.snapshot",
  journal: "journal.log",
  mark: "journal.mark",
  lock: "lock",
} as const;

/** The state files of a sandbox directory, read and checked against each other. */
export interface LoadedSandbox {
  /** Undefined for a new sandbox (no files yet). */
  readonly metadata: SandboxMetadata | undefined;
  /** An indexed snapshot is open (its objects are read on demand): the store that reads it closes it. */
  readonly snapshot: OpenedSnapshot;
  readonly journal: JournalContents;
  /** The journal records after the snapshot, to replay on top of it. */
  readonly replay: readonly WriteRecord[];
  /** The resourceVersion the store reaches. */
  readonly resourceVersion: number;
}

function damaged(dir: string, what: string): ClusterError {
  return new ClusterError("E_SANDBOX_CORRUPT", `the sandbox ${dir} is damaged: ${what}`, { hint: REPAIR_HINT });
}

/**
 * Reads metadata, snapshot, journal and mark, and checks that they tell one history: the journal
 * continues from the snapshot (or from an older one, during a compaction that died before it
 * emptied the journal), its records chain without gaps, and together they reach the mark (every
 * write acknowledged before the last clean close). Anything else is `E_SANDBOX_CORRUPT`, naming the
 * file and what is wrong, with the repair command: nothing is dropped silently, and nothing is
 * written here.
 */
export function loadSandboxFiles(dir: string): LoadedSandbox {
  const metadata = readMetadata(dir);
  const snapshot = openSnapshot(join(dir, SANDBOX_FILES.snapshot));
  try {
    return checkFiles(dir, metadata, snapshot);
  } catch (error) {
    if ("indexed" in snapshot) snapshot.indexed.close();
    throw error;
  }
}

function checkFiles(dir: string, metadata: SandboxMetadata | undefined, snapshot: OpenedSnapshot): LoadedSandbox {
  const format = metadata?.format ?? SANDBOX_FORMAT_VERSION;
  const journalPath = join(dir, SANDBOX_FILES.journal);
  const journal = readJournal(journalPath, format === 1 ? 1 : 2);
  if (journal.damage !== undefined) {
    const damage = journal.damage;
    throw damaged(
      dir,
      `${journalPath} has a damaged record at byte ${damage.offset} of ${journal.totalBytes} (${damage.reason}); ` +
        `the ${journal.records.length} records before it are intact`,
    );
  }
  if (metadata === undefined && (snapshot.format !== 0 || journal.records.length > 0))
    throw damaged(dir, `${join(dir, SANDBOX_FILES.metadata)} is missing, but the sandbox holds objects`);
  if (
    (format >= 2 && snapshot.format === 1) ||
    (format >= 3 && snapshot.format === 2) ||
    (format >= 4 && snapshot.format === 3)
  )
    throw damaged(
      dir,
      `${join(dir, SANDBOX_FILES.snapshot)} is in format ${snapshot.format}, its sandbox in format ${format}`,
    );

  const last = journal.records.at(-1)?.resourceVersion ?? journal.base;
  const hasHistory = journal.format === 2 && journal.validBytes > 0;
  if (hasHistory && snapshot.resourceVersion < journal.base) {
    throw damaged(
      dir,
      `the journal continues from resourceVersion ${journal.base}, but the snapshot is at ${snapshot.resourceVersion}: ` +
        "the writes in between are missing",
    );
  }
  if (
    hasHistory &&
    snapshot.resourceVersion > journal.base &&
    !journal.records.some((record) => record.resourceVersion === snapshot.resourceVersion)
  ) {
    throw damaged(
      dir,
      `the snapshot is at resourceVersion ${snapshot.resourceVersion}, which is not a point of the journal's history (${journal.base} to ${last})`,
    );
  }
  const skipped = journal.records.filter((record) => record.resourceVersion <= snapshot.resourceVersion);
  const missing = skipped.length === 0 ? undefined : findWriteMissingFromSnapshot(snapshot, skipped);
  if (missing !== undefined) {
    throw damaged(
      dir,
      `the snapshot is said to hold every write up to resourceVersion ${snapshot.resourceVersion}, but it lacks the write of ${missing}`,
    );
  }
  const replay = journal.records.filter((record) => record.resourceVersion > snapshot.resourceVersion);
  const resourceVersion = Math.max(snapshot.resourceVersion, replay.at(-1)?.resourceVersion ?? 0);
  const mark = readMark(dir);
  if (resourceVersion < mark) {
    throw damaged(
      dir,
      `it had reached resourceVersion ${mark} when it was last closed, but its snapshot and journal end at ${resourceVersion}: ` +
        `acknowledged writes are missing (was ${journalPath} cut short or replaced?)`,
    );
  }
  return { metadata, snapshot, journal, replay, resourceVersion };
}

/**
 * Journal records the snapshot is said to contain (a compaction died before emptying the journal)
 * must be in it: each object they wrote is there at that resourceVersion or a later one, each they
 * deleted is gone or written again later. Returns the first write that is not, described.
 */
function findWriteMissingFromSnapshot(snapshot: OpenedSnapshot, skipped: readonly WriteRecord[]): string | undefined {
  const versions = new Map<string, number>();
  if ("indexed" in snapshot) {
    // Only the sections those writes touched: they hold each object's resourceVersion.
    const { indexed } = snapshot;
    const sections = new Map<string, readonly [string, string, number]>();
    for (const record of skipped)
      for (const { object } of record.changes) {
        const groupKind = groupKindOf(object.apiVersion, object.kind);
        const namespace = object.metadata.namespace ?? "";
        const shard = indexed.shardOf(groupKind, namespace, object.metadata.name ?? "");
        sections.set(`${groupKind}/${namespace}/${shard}`, [groupKind, namespace, shard]);
      }
    for (const [groupKind, namespace, shard] of sections.values())
      for (const entry of indexed.entriesIn(groupKind, namespace, shard))
        versions.set(entry.key, entry.resourceVersion);
  } else {
    for (const object of snapshot.objects) versions.set(keyOf(object), Number(object.metadata.resourceVersion) || 0);
  }
  // Writes before a reset (`sandbox reset` empties the store) are rightly absent.
  const lastReset = skipped.findLastIndex((record) => record.reset === true);
  for (const record of skipped.slice(Math.max(0, lastReset))) {
    for (const [index, change] of record.changes.entries()) {
      const version = record.resourceVersion - record.changes.length + 1 + index;
      const stored = versions.get(keyOf(change.object));
      const present = change.type === "DELETED" ? stored === undefined || stored > version : (stored ?? 0) >= version;
      if (!present) return `${change.object.kind} ${change.object.metadata.name ?? ""} at resourceVersion ${version}`;
    }
  }
  return undefined;
}
