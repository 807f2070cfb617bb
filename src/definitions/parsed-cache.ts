import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isJsonObject } from "../util/index.js";
import { packageRoot } from "./addon.js";
import type { Definition } from "./types.js";

/**
 * Parsed definitions of the bundled files, written by `npm run build` so a command need not parse
 * their YAML, source maps and parameter shorthand at every start. An entry is used only when the
 * file's path and content hash are those it was built from: an edited or moved file is parsed
 * again, so the cache can make a command faster but never different.
 */
export interface ParsedDefinitionCache {
  /** The definitions of `file` when its `text` is the one cached, else undefined. */
  lookup(file: string, text: string): readonly Definition[] | undefined;
}

interface CacheEntry {
  readonly sha256: string;
  readonly definitions: readonly Definition[];
}

const FORMAT = 2;
const EMPTY: ParsedDefinitionCache = { lookup: () => undefined };

export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Where the build writes the cache. */
export function parsedDefinitionCachePath(): string {
  return join(packageRoot(), "dist", "definitions-cache.json");
}

/** Reads a cache file; a missing, unreadable or older-format file is an empty cache. */
export function readParsedDefinitionCache(path: string = parsedDefinitionCachePath()): ParsedDefinitionCache {
  if (!existsSync(path)) return EMPTY;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return EMPTY;
  }
  if (!isJsonObject(parsed) || parsed.format !== FORMAT || !isJsonObject(parsed.files)) return EMPTY;
  // Our own cache file, versioned by `format`; an entry of another shape only misses (lookup compares hashes).
  const files = parsed.files as unknown as Record<string, CacheEntry>;
  return {
    lookup(file, text) {
      const entry = files[file];
      if (entry === undefined || entry.sha256 !== contentHash(text)) return undefined;
      return entry.definitions;
    },
  };
}

/** Writes the cache of `definitions` (each file's, as parsed from its current text). */
export function writeParsedDefinitionCache(
  definitions: readonly Definition[],
  path: string = parsedDefinitionCachePath(),
): number {
  const byFile = new Map<string, Definition[]>();
  for (const definition of definitions) {
    const list = byFile.get(definition.origin.file) ?? [];
    list.push(definition);
    byFile.set(definition.origin.file, list);
  }
  const files: Record<string, CacheEntry> = {};
  for (const [file, list] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    files[file] = { sha256: contentHash(readFileSync(file, "utf8")), definitions: list };
  }
  writeFileSync(path, `${JSON.stringify({ format: FORMAT, files })}\n`);
  return byFile.size;
}
