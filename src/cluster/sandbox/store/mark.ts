import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { ClusterError } from "../../../errors/index.js";
import { REPAIR_HINT, writeFileAtomic } from "./snapshot.js";

/**
 * `journal.mark`: the resourceVersion the store had reached when a command that wrote last closed
 * the sandbox cleanly. Every write up to it was acknowledged, so on open the snapshot and journal
 * together must reach it: a journal cut short (truncated, emptied, replaced by an older copy) is
 * then damage that is reported, not a quiet loss of acknowledged writes. Writes after the mark (by
 * a command that was killed) may end in a torn record, which is dropped as before.
 */
export const MARK_FILE = "journal.mark";

interface StoredMark {
  readonly resourceVersion: number;
  readonly checksum: string;
}

function checksumOf(resourceVersion: number): string {
  return crc32(`journal.mark:${resourceVersion}`).toString(16).padStart(8, "0");
}

/** Records that every write up to `resourceVersion` is in the snapshot or the journal. */
export function writeMark(dir: string, resourceVersion: number): void {
  const mark: StoredMark = { resourceVersion, checksum: checksumOf(resourceVersion) };
  writeFileAtomic(join(dir, MARK_FILE), `${JSON.stringify(mark)}\n`);
}

/** The mark's resourceVersion (0 when there is none yet); a damaged mark is `E_SANDBOX_CORRUPT`. */
export function readMark(dir: string): number {
  const path = join(dir, MARK_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const version = (parsed as Partial<StoredMark> | null | undefined)?.resourceVersion;
  const checksum = (parsed as Partial<StoredMark> | null | undefined)?.checksum;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || checksum !== checksumOf(version)) {
    throw new ClusterError("E_SANDBOX_CORRUPT", `the sandbox journal mark ${path} is damaged`, {
      hint: REPAIR_HINT,
    });
  }
  return version;
}
