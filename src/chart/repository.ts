/**
 * Chart repositories (Helm's `repo` package): an `index.yaml` plus archives, read from a local
 * directory or an http(s) URL on loopback. Versions are chosen with semver constraints and every
 * archive is checked against the digest the index publishes.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import semver from "semver";
import type { LoadedChart } from "./chart.js";
import { ChartError } from "./errors.js";
import { loadChartArchive } from "./load.js";
import { scalarText } from "./template/go-value.js";
import { toSemverRange } from "./template/semver.js";
import { MAX_UNPACKED_BYTES } from "./tar.js";
import { readYaml } from "./yaml.js";

/** The largest `index.yaml` read (a repository of thousands of charts is a few MiB). */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** How long one HTTP request of a repository may take. */
const HTTP_TIMEOUT_MS = 30_000;
/** Redirects followed (each only to an allowed host). */
const MAX_REDIRECTS = 5;

/** One chart version in a repository index. */
export interface IndexEntry {
  readonly name: string;
  readonly version: string;
  readonly apiVersion?: string;
  readonly appVersion?: string;
  readonly description?: string;
  readonly type?: string;
  /** sha256 of the archive, hex. */
  readonly digest?: string;
  readonly urls: readonly string[];
  readonly created?: string;
}

/** A parsed `index.yaml`: entries by chart name, each list newest first. */
export interface RepositoryIndex {
  readonly origin: string;
  readonly entries: Readonly<Record<string, readonly IndexEntry[]>>;
}

/** A repository that has been read: where it is, its index, and archives fetched so far. */
export interface ChartRepository {
  /** The directory or URL as given. */
  readonly location: string;
  readonly kind: "directory" | "http";
  readonly index: RepositoryIndex;
  /** Archives already in memory, by resolved URL or path (filled by `prefetch` or by fetching). */
  readonly archives: Map<string, Uint8Array>;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function repoError(message: string, hint: string, cause?: unknown): ChartError {
  return new ChartError("E_CHART_REPO", message, { hint, ...(cause === undefined ? {} : { cause }) });
}

const PLAIN_VERSION = /^\d+\.\d+\.\d+$/;

/** A version the index may list (semver, loosely; the plain `1.2.3` form is checked without semver's parser). */
function isVersion(version: string): boolean {
  return PLAIN_VERSION.test(version) || semver.valid(version, { loose: true }) !== null;
}

const OPTIONAL_FIELDS = ["apiVersion", "appVersion", "description", "type", "digest", "created"] as const;

function indexEntry(name: string, item: Record<string, unknown>): IndexEntry {
  const text = (key: string): string | undefined => {
    const value = item[key];
    return value === undefined || value === null ? undefined : scalarText(value);
  };
  const entry: { -readonly [K in keyof IndexEntry]: IndexEntry[K] } = {
    name: text("name") ?? name,
    version: text("version") ?? "",
    urls: Array.isArray(item["urls"]) ? (item["urls"] as unknown[]).map(String) : [],
  };
  for (const field of OPTIONAL_FIELDS) {
    const value = text(field);
    if (value !== undefined) entry[field] = value;
  }
  return entry;
}

/** Parses a repository `index.yaml`. */
export function parseRepositoryIndex(text: string, origin: string): RepositoryIndex {
  if (text.length > MAX_INDEX_BYTES) {
    throw repoError(
      `repository index ${origin} is ${text.length} bytes, over the ${MAX_INDEX_BYTES}-byte limit`,
      "this is not a chart repository index vela-ts will read; check the repository URL",
    );
  }
  let raw: unknown;
  try {
    raw = readYaml(text);
  } catch (error) {
    throw repoError(
      `cannot parse repository index ${origin}: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`,
      "index.yaml must be valid YAML (helm repo index writes it)",
      error,
    );
  }
  if (typeof raw !== "object" || raw === null || typeof (raw as Record<string, unknown>)["entries"] !== "object") {
    throw repoError(`repository index ${origin} has no entries`, "index.yaml needs apiVersion: v1 and entries:");
  }
  const rawEntries = ((raw as Record<string, unknown>)["entries"] ?? {}) as Record<string, unknown>;
  const entries: Record<string, IndexEntry[]> = {};
  for (const [name, list] of Object.entries(rawEntries)) {
    if (!Array.isArray(list)) continue;
    const versions: IndexEntry[] = [];
    for (const item of list) {
      if (typeof item !== "object" || item === null) continue;
      const entry = indexEntry(name, item as Record<string, unknown>);
      if (isVersion(entry.version)) versions.push(entry);
    }
    if (versions.length > 1) versions.sort((a, b) => semver.rcompare(a.version, b.version, { loose: true }));
    entries[name] = versions;
  }
  return { origin, entries };
}

/**
 * Picks the highest version of `chart` that satisfies `constraint` (`1.0.0`, `~1.0`, `>=1.0.0 <2`,
 * `*`; Masterminds syntax). Errors list what the repository has.
 */
export function selectChartVersion(index: RepositoryIndex, chart: string, constraint: string): IndexEntry {
  const versions = index.entries[chart];
  if (versions === undefined || versions.length === 0) {
    const known = Object.keys(index.entries).sort();
    throw new ChartError("E_CHART_NOT_FOUND", `chart "${chart}" not found in repository ${index.origin}`, {
      hint:
        known.length === 0 ? "the repository index lists no charts" : `charts in this repository: ${known.join(", ")}`,
    });
  }
  const wanted = constraint.trim() === "" ? "*" : constraint.trim();
  const { range, includePrerelease } = toSemverRange(wanted);
  const valid = semver.validRange(range, { loose: true, includePrerelease });
  if (valid === null) {
    throw new ChartError("E_CHART_NOT_FOUND", `invalid version constraint "${constraint}" for chart "${chart}"`, {
      hint: 'use a version such as 1.0.0, ~1.0 or ">=1.0.0 <2"',
    });
  }
  const match = versions.find((entry) => semver.satisfies(entry.version, range, { loose: true, includePrerelease }));
  if (match === undefined) {
    throw new ChartError(
      "E_CHART_NOT_FOUND",
      `chart "${chart}" version "${constraint}" not found in repository ${index.origin}`,
      {
        hint: `available versions: ${versions.map((entry) => entry.version).join(", ")}`,
      },
    );
  }
  return match;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

type Location = { readonly kind: "directory"; readonly dir: string } | { readonly kind: "http"; readonly url: URL };

function classify(dirOrUrl: string): Location {
  if (dirOrUrl.startsWith("file://")) return { kind: "directory", dir: fileURLToPath(dirOrUrl) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dirOrUrl)) {
    let url: URL;
    try {
      url = new URL(dirOrUrl);
    } catch (error) {
      throw repoError(
        `invalid repository URL ${dirOrUrl}`,
        "use a directory, file://… or http://127.0.0.1:PORT/…",
        error,
      );
    }
    if ((url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTS.has(url.hostname))
      return { kind: "http", url };
    throw repoError(
      `repository ${dirOrUrl} is not reachable offline`,
      "vela-ts reads chart repositories from a local directory or an http(s) URL on 127.0.0.1; map remote repositories to a local mirror",
    );
  }
  return { kind: "directory", dir: dirOrUrl };
}

function readLocalIndex(dir: string, location: string): RepositoryIndex {
  let text: string;
  try {
    const bytes = readFileSync(join(dir, "index.yaml"));
    if (bytes.length > MAX_INDEX_BYTES) return parseRepositoryIndex(" ".repeat(MAX_INDEX_BYTES + 1), location);
    text = bytes.toString("utf8");
  } catch (error) {
    throw repoError(
      `no index.yaml in chart repository ${location}`,
      "a chart repository directory holds index.yaml and the .tgz archives (helm repo index DIR writes it)",
      error,
    );
  }
  return parseRepositoryIndex(text, location);
}

/**
 * GETs a repository file: a timeout, a size cap, and redirects followed only to loopback hosts (the
 * only ones a repository may be served from), so a repository cannot hang `up` or point it elsewhere.
 */
async function httpGet(url: URL, maxBytes: number): Promise<Uint8Array> {
  let current = url;
  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await fetch(current, { redirect: "manual", signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw repoError(
        `cannot fetch ${current.href}: ${timedOut ? `no answer within ${HTTP_TIMEOUT_MS / 1000} s` : describeError(error)}`,
        "is the local chart server running?",
        error,
      );
    }
    if (response.status >= 300 && response.status < 400) {
      const target = response.headers.get("location");
      await response.body?.cancel();
      if (target === null || hop >= MAX_REDIRECTS)
        throw repoError(
          `cannot fetch ${current.href}: too many or empty redirects`,
          "serve the repository without redirects",
        );
      const next = new URL(target, current);
      if (!LOOPBACK_HOSTS.has(next.hostname) || (next.protocol !== "http:" && next.protocol !== "https:"))
        throw repoError(
          `cannot fetch ${current.href}: redirected to ${next.href}, which is not on loopback`,
          "chart repositories are read from 127.0.0.1 only; map remote repositories to a local mirror",
        );
      current = next;
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw repoError(
        `cannot fetch ${current.href}: HTTP ${response.status}`,
        "check the repository URL and chart name",
      );
    }
    return readCapped(response, current, maxBytes);
  }
}

async function readCapped(response: Response, url: URL, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (): ChartError =>
    repoError(`${url.href} is larger than ${maxBytes} bytes`, "this is not a chart repository file vela-ts will read");
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (reader === undefined) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk: { done: boolean; value?: Uint8Array | undefined } = await reader.read();
    const value = chunk.value;
    if (chunk.done || value === undefined) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Reads a local chart repository synchronously (a directory or `file://` URL). */
export function readChartRepositorySync(dir: string): ChartRepository {
  const location = classify(dir);
  if (location.kind !== "directory")
    throw repoError(
      `repository ${dir} is remote and cannot be read synchronously`,
      "call readChartRepository (async) first, with prefetch",
    );
  return { location: dir, kind: "directory", index: readLocalIndex(location.dir, dir), archives: new Map() };
}

/** Options of {@link readChartRepository}. */
export interface ReadRepositoryOptions {
  /** Also download every archive the index lists, so later fetches can be synchronous. @default false */
  readonly prefetch?: boolean;
}

/** Reads a chart repository: a local directory, `file://` URL, or `http(s)://127.0.0.1…` URL. Nothing else is contacted. */
export async function readChartRepository(
  dirOrUrl: string,
  options: ReadRepositoryOptions = {},
): Promise<ChartRepository> {
  const location = classify(dirOrUrl);
  if (location.kind === "directory") return readChartRepositorySync(dirOrUrl);
  const base = new URL(location.url.href.endsWith("/") ? location.url.href : `${location.url.href}/`);
  const indexBytes = await httpGet(new URL("index.yaml", base), MAX_INDEX_BYTES);
  const repo: ChartRepository = {
    location: dirOrUrl,
    kind: "http",
    index: parseRepositoryIndex(new TextDecoder().decode(indexBytes), dirOrUrl),
    archives: new Map(),
  };
  if (options.prefetch === true) {
    for (const list of Object.values(repo.index.entries)) {
      for (const entry of list) {
        const url = archiveLocation(repo, entry);
        if (!repo.archives.has(url)) repo.archives.set(url, await httpGet(new URL(url), MAX_UNPACKED_BYTES));
      }
    }
  }
  return repo;
}

function archiveLocation(repo: ChartRepository, entry: IndexEntry): string {
  const first = entry.urls[0];
  if (first === undefined)
    throw repoError(
      `chart "${entry.name}" ${entry.version} has no download URL in the index`,
      "regenerate the index with helm repo index",
    );
  if (repo.kind === "http") {
    const base = repo.location.endsWith("/") ? repo.location : `${repo.location}/`;
    const baseUrl = new URL(base);
    const url = new URL(first, baseUrl);
    if (!LOOPBACK_HOSTS.has(url.hostname))
      throw repoError(
        `archive URL ${url.href} is not on loopback`,
        "serve the archives from the same local server as index.yaml",
      );
    if (url.origin === baseUrl.origin && !url.pathname.startsWith(baseUrl.pathname))
      throw repoError(
        `chart "${entry.name}" ${entry.version}: download URL ${JSON.stringify(first)} points outside the repository`,
        "index.yaml urls must name archives inside the repository",
      );
    return url.href;
  }
  const location = classify(repo.location);
  if (location.kind !== "directory") throw repoError(`unexpected repository ${repo.location}`, "use a directory");
  // Index published with absolute URLs: the mirror directory holds the same file names.
  const name = /^[a-z]+:\/\//i.test(first) ? decodeURIComponent(new URL(first).pathname.split("/").pop() ?? "") : first;
  return confined(location.dir, name, entry);
}

/** A path inside the repository directory; `..` or absolute paths that leave it are refused. */
function confined(dir: string, name: string, entry: IndexEntry): string {
  const root = resolve(dir);
  const target = resolve(root, name);
  const inside = relative(root, target);
  if (name === "" || inside === "" || inside.startsWith("..") || isAbsolute(inside) || isAbsolute(name)) {
    throw repoError(
      `chart "${entry.name}" ${entry.version}: download URL ${JSON.stringify(name)} points outside the repository`,
      "index.yaml urls must name archives inside the repository directory",
    );
  }
  return target;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function verifyAndLoad(
  bytes: Uint8Array,
  entry: IndexEntry,
  where: string,
): { chart: LoadedChart; entry: IndexEntry; digest: string } {
  const digest = sha256(bytes);
  if (entry.digest !== undefined && entry.digest !== "" && entry.digest.toLowerCase() !== digest) {
    throw repoError(
      `digest mismatch for ${entry.name} ${entry.version}: archive ${where} does not match the digest ${entry.digest} in the index`,
      "the archive was changed after the index was written; regenerate index.yaml or re-download the chart",
    );
  }
  return { chart: loadChartArchive(bytes, where), entry, digest };
}

/** Fetches a chart version from a repository already read (local, or with its archives prefetched), synchronously. */
export function fetchChartFromRepositorySync(
  repo: ChartRepository,
  chart: string,
  constraint: string,
): { chart: LoadedChart; entry: IndexEntry; digest: string } {
  const entry = selectChartVersion(repo.index, chart, constraint);
  const where = archiveLocation(repo, entry);
  let bytes = repo.archives.get(where);
  if (bytes === undefined) {
    if (repo.kind === "http")
      throw repoError(
        `archive ${where} was not prefetched`,
        "read the repository with { prefetch: true } or use fetchChartFromRepository",
      );
    try {
      bytes = readFileSync(where);
    } catch (error) {
      throw repoError(
        `cannot read chart archive ${where}`,
        "the index lists an archive that is not in the repository directory",
        error,
      );
    }
    repo.archives.set(where, bytes);
  }
  return verifyAndLoad(bytes, entry, where);
}

/** Fetches a chart version (highest match of `constraint`), checks its digest and loads it. */
export async function fetchChartFromRepository(
  repo: ChartRepository,
  chart: string,
  constraint: string,
): Promise<{ chart: LoadedChart; entry: IndexEntry; digest: string }> {
  if (repo.kind === "http") {
    const entry = selectChartVersion(repo.index, chart, constraint);
    const where = archiveLocation(repo, entry);
    if (!repo.archives.has(where)) repo.archives.set(where, await httpGet(new URL(where), MAX_UNPACKED_BYTES));
  }
  return fetchChartFromRepositorySync(repo, chart, constraint);
}
