/**
 * `settled.json`: the keyed simulated controllers' work queues as the last command that wrote left
 * them, so the next command resumes them instead of visiting every object. It holds the store's
 * resourceVersion then, the enabled addons, and each keyed controller's pending wake instants and
 * the objects it still had to reconcile (none when that command settled last).
 *
 * It is only ever a shortcut: on open it is trusted when the journal still holds every write after
 * its resourceVersion (the snapshot is not newer than it) and nothing moved the store behind it;
 * otherwise it is removed and the first settle is one pass over every object. It is written when a
 * command lets go of the sandbox, after the journal is on disk: a command killed before leaves the
 * earlier marker, and its writes are in the journal tail the next command reads. Reset and repair remove it before they rewrite the files.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { ObjectRef } from "../../../model/kube-object.js";
import { syncDirectory, writeFileAtomic } from "./files.js";

export const SETTLED_FILE = "settled.json";

/** Bumped whenever the controllers' queue semantics change: an older marker is then ignored. */
const SETTLED_FORMAT = 1;

/** One pending wake of a keyed controller: the primary object and the instant (ms) it is due. */
export interface SettledWake {
  readonly key: string;
  readonly ref: ObjectRef;
  readonly kindIndex: number;
  readonly at: number;
}

/** A primary object still to reconcile (its write came after the controller's last turn). */
export interface SettledDirty {
  readonly key: string;
  readonly ref: ObjectRef;
  readonly kindIndex: number;
}

/** The keyed controllers' queues when a command let go of the sandbox. */
export interface SettledState {
  readonly resourceVersion: number;
  readonly enabledAddons: readonly string[];
  /** Controller name → its wakes; a keyed controller missing here does one full pass. */
  readonly controllers: Readonly<Record<string, readonly SettledWake[]>>;
  /** Controller name → the objects it still has to reconcile (none when the command settled last). */
  readonly dirty: Readonly<Record<string, readonly SettledDirty[]>>;
}

interface StoredSettled extends SettledState {
  readonly format: number;
  readonly checksum: string;
}

function checksumOf(state: SettledState): string {
  return crc32(
    JSON.stringify([SETTLED_FORMAT, state.resourceVersion, state.enabledAddons, state.controllers, state.dirty]),
  )
    .toString(16)
    .padStart(8, "0");
}

/** Records a converged settle durably (temp file, fsync, rename). */
export function writeSettled(dir: string, state: SettledState): void {
  const stored: StoredSettled = { format: SETTLED_FORMAT, ...state, checksum: checksumOf(state) };
  writeFileAtomic(join(dir, SETTLED_FILE), `${JSON.stringify(stored)}\n`);
}

/** Removes the marker (durably): the next first settle is a full pass. */
export function removeSettled(dir: string): void {
  rmSync(join(dir, SETTLED_FILE), { force: true });
  syncDirectory(dir);
}

/** The marker as written, or undefined when it is missing, of another format or damaged. */
export function readSettled(dir: string): SettledState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, SETTLED_FILE), "utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const stored = parsed as Partial<StoredSettled>;
  if (stored.format !== SETTLED_FORMAT) return undefined;
  if (typeof stored.resourceVersion !== "number" || !Number.isSafeInteger(stored.resourceVersion)) return undefined;
  if (!Array.isArray(stored.enabledAddons) || typeof stored.controllers !== "object" || stored.controllers === null)
    return undefined;
  if (typeof stored.dirty !== "object" || stored.dirty === null) return undefined;
  const state: SettledState = {
    resourceVersion: stored.resourceVersion,
    enabledAddons: stored.enabledAddons,
    controllers: stored.controllers,
    dirty: stored.dirty,
  };
  if (stored.checksum !== checksumOf(state)) return undefined;
  for (const wakes of Object.values(state.controllers)) {
    if (!Array.isArray(wakes)) return undefined;
    for (const wake of wakes as unknown[]) if (!isWake(wake)) return undefined;
  }
  for (const dirty of Object.values(state.dirty)) {
    if (!Array.isArray(dirty)) return undefined;
    for (const entry of dirty as unknown[]) if (!isWake({ ...(entry as object), at: 0 })) return undefined;
  }
  return state;
}

function isWake(value: unknown): value is SettledWake {
  if (typeof value !== "object" || value === null) return false;
  const wake = value as Partial<SettledWake>;
  return (
    typeof wake.key === "string" &&
    typeof wake.kindIndex === "number" &&
    typeof wake.at === "number" &&
    typeof wake.ref === "object" &&
    wake.ref !== null &&
    typeof wake.ref.apiVersion === "string" &&
    typeof wake.ref.kind === "string" &&
    typeof wake.ref.name === "string"
  );
}
