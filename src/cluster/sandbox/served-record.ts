import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { liveLockOwner } from "./store/lock.js";
import { writeFileAtomic } from "./store/snapshot.js";

/**
 * `served.json`: written by `vela-ts sandbox serve` while it holds a sandbox, so that other commands
 * on the same sandbox go through its Kubernetes API instead of waiting for its lock. It counts only
 * while the process that holds the lock is the one that wrote it (a killed server leaves a record
 * that a later command ignores).
 */
export interface ServedRecord {
  /** The token of the serving process's sandbox lock. */
  readonly lockToken: string;
  readonly pid: number;
  readonly url: string;
  /** The kubeconfig the server wrote (its token and certificate). */
  readonly kubeconfig: string;
}

const SERVED_FILE = "served.json";

/** Records that `dir` is being served (called by the server, which holds the lock). */
export function writeServedRecord(dir: string, record: ServedRecord): void {
  writeFileAtomic(join(dir, SERVED_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes the record, if it is still this server's. */
export function removeServedRecord(dir: string, lockToken: string): void {
  if (readServedRecord(dir)?.lockToken === lockToken) rmSync(join(dir, SERVED_FILE), { force: true });
}

function readServedRecord(dir: string): ServedRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, SERVED_FILE), "utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const fields = parsed as Record<string, unknown>;
  const { lockToken, pid, url, kubeconfig } = fields;
  if (typeof lockToken !== "string" || typeof pid !== "number" || typeof url !== "string") return undefined;
  if (typeof kubeconfig !== "string") return undefined;
  return { lockToken, pid, url, kubeconfig };
}

/** The server holding `dir` right now, if a live `sandbox serve` holds it. */
export function findSandboxServer(dir: string): ServedRecord | undefined {
  const record = readServedRecord(dir);
  if (record === undefined) return undefined;
  return liveLockOwner(dir)?.token === record.lockToken ? record : undefined;
}
