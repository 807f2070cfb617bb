import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ClusterError } from "../../../errors/index.js";

/** What `lock` holds: who has the sandbox. */
export interface LockOwner {
  readonly pid: number;
  /** Start time of the holding process (Linux: jiffies since boot from /proc; elsewhere epoch ms), to tell a reused pid apart. */
  readonly processStart: string;
  readonly hostname: string;
  readonly command: string;
  readonly acquiredAt: string;
  /** Random identity of this acquisition: a breaker only removes the lock it judged stale. */
  readonly token: string;
}

export interface LockOptions {
  /** How long to wait for another process to release the sandbox. @default 10000 */
  readonly timeoutMs?: number;
  /** Told once when the lock is held by another process and this one starts waiting. @default ignored */
  readonly onWait?: (holder: string) => void;
  /** Shown to a process that waits for this one (e.g. `vela-ts sandbox apply -f app.yaml`). @default "vela-ts" */
  readonly command?: string;
  /** @default 25 */
  readonly pollMs?: number;
}

/** A held sandbox lock; `release()` is idempotent. */
export interface SandboxLock {
  readonly owner: LockOwner;
  release(): void;
}

/** A lock file still empty after this long was left by a process that died while creating it. */
const EMPTY_LOCK_GRACE_MS = 5000;
/** A break marker older than this was left by a breaker that died mid-way. */
const BREAK_GRACE_MS = 10000;
/** A waiting process rewrites `lock.want` this often; an older one is a waiter that gave up or died. */
const WANT_REFRESH_MS = 1000;
const WANT_STALE_MS = 5000;

function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime), counted after the parenthesised command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

function currentProcessStart(): string {
  return processStartOf(process.pid) ?? String(Math.round(Date.now() - process.uptime() * 1000));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(path: string): LockOwner | undefined | "empty" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  if (text.trim() === "") return "empty";
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    return "empty";
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** True when the lock's holder is certainly gone (dead pid, or the pid now belongs to a newer process). */
function isStale(owner: LockOwner | "empty", path: string): boolean {
  if (owner === "empty") return ageMs(path) > EMPTY_LOCK_GRACE_MS;
  if (owner.hostname !== hostname()) return false;
  if (!isAlive(owner.pid)) return true;
  const start = processStartOf(owner.pid);
  return (
    start !== undefined &&
    /^\d+$/.test(owner.processStart) &&
    start !== owner.processStart &&
    processStartOf(process.pid) !== undefined
  );
}

function sameOwner(a: LockOwner | "empty" | undefined, b: LockOwner | "empty"): boolean {
  if (a === undefined) return false;
  if (a === "empty" || b === "empty") return a === b;
  return a.token === b.token;
}

/**
 * Removes a stale lock without racing other breakers: only the holder of `lock.break` (O_EXCL) may
 * remove `lock`, and only if it still holds the owner judged stale.
 */
function breakStale(lockPath: string, judged: LockOwner | "empty"): void {
  const breakPath = `${lockPath}.break`;
  let fd: number;
  try {
    fd = openSync(breakPath, "wx");
  } catch {
    if (ageMs(breakPath) > BREAK_GRACE_MS) rmSync(breakPath, { force: true });
    return;
  }
  try {
    if (sameOwner(readOwner(lockPath), judged)) rmSync(lockPath, { force: true });
  } finally {
    closeSync(fd);
    rmSync(breakPath, { force: true });
  }
}

function tryCreate(lockPath: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new ClusterError(
      "E_SANDBOX_LOCK",
      `cannot create the sandbox lock ${lockPath}: ${(error as Error).message}`,
      {
        hint: "check that the sandbox directory exists and is writable",
        cause: error,
      },
    );
  }
  try {
    const buffer = Buffer.from(JSON.stringify(owner), "utf8");
    writeSync(fd, buffer);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Takes the sandbox lock (`DIR/lock`, created with O_EXCL, holding pid, process start time and
 * command). Waits up to `timeoutMs` for a live holder; a lock whose holder is dead is broken safely.
 * Throws `E_SANDBOX_LOCKED` naming the holder when the wait times out.
 */
export async function acquireSandboxLock(dir: string, options: LockOptions = {}): Promise<SandboxLock> {
  const lockPath = join(dir, "lock");
  const owner: LockOwner = {
    pid: process.pid,
    processStart: currentProcessStart(),
    hostname: hostname(),
    command: options.command ?? "vela-ts",
    acquiredAt: new Date().toISOString(),
    token: randomBytes(12).toString("hex"),
  };
  const timeoutMs = options.timeoutMs ?? 10000;
  const pollMs = options.pollMs ?? 25;
  const started = Date.now();
  let announced = 0;
  try {
    for (;;) {
      if (tryCreate(lockPath, owner)) break;
      const holder = readOwner(lockPath);
      if (holder === undefined) continue;
      if (isStale(holder, lockPath)) {
        breakStale(lockPath, holder);
        continue;
      }
      const who =
        holder === "empty" ? "a process that is still starting" : `pid ${holder.pid} (command ${holder.command})`;
      if (Date.now() - started >= timeoutMs) {
        const served = holder !== "empty" && holder.command.includes("sandbox serve");
        throw new ClusterError("E_SANDBOX_LOCKED", `sandbox ${dir} is locked by ${who}`, {
          hint: served
            ? "it is being served: use kubectl with the kubeconfig it wrote; vela-ts up, status, workflow … go through it"
            : `wait for that command to finish; if no such process runs, delete ${lockPath}`,
        });
      }
      if (announced === 0) options.onWait?.(who);
      // Tell the holder someone waits, so a long operation lets this process in between its passes.
      if (Date.now() - announced >= WANT_REFRESH_MS) {
        announceWaiter(dir, owner);
        announced = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs + Math.floor(Math.random() * pollMs)));
    }
  } finally {
    if (announced > 0) withdrawWaiter(dir, owner);
  }
  let released = false;
  return {
    owner,
    release() {
      if (released) return;
      released = true;
      const current = readOwner(lockPath);
      if (current !== undefined && current !== "empty" && current.token === owner.token)
        rmSync(lockPath, { force: true });
    },
  };
}

function wantPath(dir: string): string {
  return join(dir, "lock.want");
}

function announceWaiter(dir: string, owner: LockOwner): void {
  try {
    writeFileSync(wantPath(dir), JSON.stringify({ pid: owner.pid, token: owner.token }));
  } catch {
    // Only a courtesy to the holder: waiting works without it.
  }
}

function withdrawWaiter(dir: string, owner: LockOwner): void {
  const current = readOwner(wantPath(dir));
  if (current !== undefined && current !== "empty" && current.token === owner.token)
    rmSync(wantPath(dir), { force: true });
}

/**
 * True when another process waits for the sandbox lock (it announced itself in `lock.want` within
 * the last few seconds and is alive): a long operation then lets it in between two passes.
 */
export function hasLockWaiters(dir: string): boolean {
  const want = readOwner(wantPath(dir));
  if (want === undefined || want === "empty") return false;
  if (ageMs(wantPath(dir)) > WANT_STALE_MS) return false;
  return want.pid !== process.pid && isAlive(want.pid);
}

/** Who holds the sandbox lock now, when a live process does (a stale or missing lock is no one). */
export function liveLockOwner(dir: string): LockOwner | undefined {
  const lockPath = join(dir, "lock");
  const holder = readOwner(lockPath);
  if (holder === undefined || holder === "empty" || isStale(holder, lockPath)) return undefined;
  return holder;
}

/** The token of the process holding the lock now, if any (to see that a waiter took it). */
export function lockHolderToken(dir: string): string | undefined {
  const holder = readOwner(join(dir, "lock"));
  return holder === undefined || holder === "empty" ? undefined : holder.token;
}
