import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { ClusterError } from "../../../errors/index.js";
import { REPAIR_HINT, writeFileAtomic } from "./snapshot.js";

/** The addons a new sandbox starts with (DESIGN §7: "a new sandbox starts with the bundled addons enabled"). */
export const DEFAULT_SANDBOX_ADDONS: readonly string[] = [
  "fluxcd",
  "kruise-rollout",
  "argo-rollouts",
  "ingress-nginx",
  "istio",
];

/**
 * Version of the on-disk layout; a sandbox written by a newer layout is refused, not misread.
 * 2: checksummed snapshot lines, journal file header and record header checks, `journal.mark`,
 * `sandbox.json` checksum. 3: the snapshot is indexed and read on demand, one index line per kind.
 * 4: one index section per kind and namespace, and the Services' allocations (indexed-snapshot.ts).
 * A sandbox of an earlier format is migrated when it is opened.
 */
export const SANDBOX_FORMAT_VERSION = 4;

/** `sandbox.json`: what a sandbox directory is, beside its objects. */
export interface SandboxMetadata {
  readonly format: number;
  /** Seed of uids, generateName suffixes and the controllers' random source. */
  readonly seed: string;
  readonly enabledAddons: readonly string[];
  readonly createdAt: string;
  /**
   * Whether the objects the enabled addons install (their Definition objects) are in the store:
   * set once they are, cleared by a reset so the next command installs them again. Absent in
   * sandboxes of earlier versions, which then get them on their next command.
   */
  readonly addonObjectsInstalled?: boolean;
  /**
   * How far the sandbox's time runs ahead of the wall clock: the simulated time `--wait` skipped
   * instead of sleeping (docs/sandbox.md, "Sandbox time"). Absent means 0.
   */
  readonly clockOffsetMs?: number;
}

const METADATA_FILE = "sandbox.json";

function corrupt(path: string, why: string): ClusterError {
  return new ClusterError("E_SANDBOX_CORRUPT", `the sandbox metadata ${path} is damaged: ${why}`, {
    hint: REPAIR_HINT,
  });
}

/** The fields in their written order, so the checksum covers exactly what is stored. */
function canonicalFields(metadata: SandboxMetadata): SandboxMetadata {
  return {
    format: metadata.format,
    seed: metadata.seed,
    enabledAddons: [...metadata.enabledAddons],
    createdAt: metadata.createdAt,
    ...(metadata.addonObjectsInstalled === true ? { addonObjectsInstalled: true } : {}),
    ...(metadata.clockOffsetMs !== undefined && metadata.clockOffsetMs > 0
      ? { clockOffsetMs: metadata.clockOffsetMs }
      : {}),
  };
}

function checksumOf(metadata: SandboxMetadata): string {
  return crc32(JSON.stringify(canonicalFields(metadata)))
    .toString(16)
    .padStart(8, "0");
}

/** Writes `sandbox.json` atomically, with the checksum of its fields. */
export function writeMetadata(dir: string, metadata: SandboxMetadata): void {
  const stored = { ...canonicalFields(metadata), checksum: checksumOf(metadata) };
  writeFileAtomic(join(dir, METADATA_FILE), `${JSON.stringify(stored, null, 2)}\n`);
}

/** The fields of a parsed `sandbox.json` that have their types, or why they do not. */
function fieldsOf(parsed: unknown): SandboxMetadata | string {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "it is not a JSON object";
  const fields = parsed as Record<string, unknown>;
  if (typeof fields["format"] !== "number") return "it has no format number";
  if (typeof fields["seed"] !== "string") return "it has no seed";
  const addons = fields["enabledAddons"];
  if (!Array.isArray(addons) || !addons.every((addon) => typeof addon === "string"))
    return "its enabledAddons is not a list of names";
  return {
    format: fields["format"],
    seed: fields["seed"],
    enabledAddons: addons,
    createdAt: typeof fields["createdAt"] === "string" ? fields["createdAt"] : "",
    ...(fields["addonObjectsInstalled"] === true ? { addonObjectsInstalled: true } : {}),
    ...(isOffset(fields["clockOffsetMs"]) ? { clockOffsetMs: fields["clockOffsetMs"] } : {}),
  };
}

function isOffset(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/**
 * Reads `sandbox.json` (undefined when there is none: a new sandbox). A file that is not valid
 * metadata, or whose checksum does not match its fields, is `E_SANDBOX_CORRUPT`; a newer format is
 * `E_SANDBOX_FORMAT`. Format-1 files have no checksum.
 */
export function readMetadata(dir: string): SandboxMetadata | undefined {
  const path = join(dir, METADATA_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt(path, text.trim() === "" ? "the file is empty" : "it is not JSON");
  }
  const format = (parsed as { format?: unknown } | null)?.format;
  if (typeof format === "number" && format > SANDBOX_FORMAT_VERSION) {
    throw new ClusterError(
      "E_SANDBOX_FORMAT",
      `sandbox ${dir} has format ${format}, this vela-ts reads format ${SANDBOX_FORMAT_VERSION}`,
      { hint: "use the vela-ts version that created the sandbox, or point --sandbox at a new directory" },
    );
  }
  const metadata = fieldsOf(parsed);
  if (typeof metadata === "string") throw corrupt(path, metadata);
  if (metadata.format < 1) throw corrupt(path, `format ${metadata.format} does not exist`);
  const checksum = (parsed as { checksum?: unknown }).checksum;
  if (metadata.format >= 2 && checksum !== checksumOf(metadata)) throw corrupt(path, "it fails its checksum");
  return metadata;
}

/** What `sandbox repair` can keep of a damaged `sandbox.json`: the fields that still read. */
export function salvageMetadata(text: string | undefined): Partial<SandboxMetadata> {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null) return {};
  const fields = parsed as Record<string, unknown>;
  const addons = fields["enabledAddons"];
  return {
    ...(typeof fields["seed"] === "string" ? { seed: fields["seed"] } : {}),
    ...(Array.isArray(addons) && addons.every((addon) => typeof addon === "string") ? { enabledAddons: addons } : {}),
    ...(typeof fields["createdAt"] === "string" ? { createdAt: fields["createdAt"] } : {}),
    ...(isOffset(fields["clockOffsetMs"]) ? { clockOffsetMs: fields["clockOffsetMs"] } : {}),
  };
}
