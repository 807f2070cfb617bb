import { existsSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ClusterError, UsageError } from "../../../errors/index.js";
import { normalizeRepositoryUrl } from "./resolution.js";

/** The file in a sandbox directory mapping repository URLs to local chart repositories. */
export const CHART_MIRRORS_FILE = "chart-mirrors.json";

/** One mirror: a repository URL served from a local directory (index.yaml + .tgz files). */
export interface ChartMirror {
  readonly url: string;
  readonly dir: string;
}

interface MirrorsFile {
  readonly mirrors: Readonly<Record<string, string>>;
}

/** Reads the sandbox's chart mirrors (none when the file is absent). */
export function readChartMirrors(sandboxDir: string): readonly ChartMirror[] {
  const path = join(sandboxDir, CHART_MIRRORS_FILE);
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ClusterError(
      "E_CHART_MIRRORS",
      `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: `fix or delete ${CHART_MIRRORS_FILE} and add the mirrors again with vela-ts sandbox charts add`,
        cause: error,
      },
    );
  }
  const mirrors = typeof parsed === "object" && parsed !== null ? (parsed as Partial<MirrorsFile>).mirrors : undefined;
  if (typeof mirrors !== "object" || mirrors === null) return [];
  return Object.entries(mirrors)
    .filter((entry): entry is [string, string] => typeof entry[1] === "string")
    .map(([url, dir]) => ({ url, dir }))
    .sort((a, b) => a.url.localeCompare(b.url));
}

/** The local directory mirroring `url`, if any. */
export function findChartMirror(mirrors: readonly ChartMirror[], url: string): ChartMirror | undefined {
  const wanted = normalizeRepositoryUrl(url);
  return mirrors.find((mirror) => normalizeRepositoryUrl(mirror.url) === wanted);
}

/**
 * Adds (or replaces) the mirror of `url`: `dirOrIndex` is a chart repository directory or its
 * `index.yaml`. Written atomically (temp file + rename). Returns the stored mirror.
 */
export function addChartMirror(sandboxDir: string, url: string, dirOrIndex: string, cwd = process.cwd()): ChartMirror {
  if (!/^(https?|oci):\/\//.test(url.trim())) {
    throw new UsageError(`repository URL "${url}" must start with http://, https:// or oci://`, {
      hint: "use the URL the HelmRepository names in spec.url",
    });
  }
  const target = resolve(cwd, dirOrIndex);
  if (!existsSync(target))
    throw new UsageError(`chart repository "${dirOrIndex}" does not exist`, {
      hint: "give a directory holding index.yaml and the chart archives, or the index.yaml itself",
    });
  const dir = statSync(target).isDirectory() ? target : dirname(target);
  if (!statSync(target).isDirectory() && basename(target) !== "index.yaml") {
    throw new UsageError(`"${dirOrIndex}" is neither a directory nor an index.yaml`, {
      hint: "give the chart repository directory or its index.yaml",
    });
  }
  if (!existsSync(join(dir, "index.yaml")))
    throw new UsageError(`"${dir}" has no index.yaml`, {
      hint: "create one with `helm repo index DIR` or point at a chart repository",
    });
  const mirrors: Record<string, string> = {};
  for (const mirror of readChartMirrors(sandboxDir)) mirrors[mirror.url] = mirror.dir;
  const key = normalizeRepositoryUrl(url);
  for (const existing of Object.keys(mirrors)) if (normalizeRepositoryUrl(existing) === key) delete mirrors[existing];
  mirrors[key] = dir;
  mkdirSync(sandboxDir, { recursive: true });
  const path = join(sandboxDir, CHART_MIRRORS_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  const sorted = Object.fromEntries(Object.entries(mirrors).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(temp, `${JSON.stringify({ mirrors: sorted }, null, 2)}\n`);
  renameSync(temp, path);
  return { url: key, dir };
}
