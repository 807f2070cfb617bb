/**
 * Chart loading (Helm's `pkg/chart/loader`): a directory (honouring `.helmignore`) or a packaged
 * `.tgz` (read in memory; entries with `..` or absolute paths are refused), with subcharts in `charts/`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import semver from "semver";
import type { ChartFile, ChartMetadata, LoadedChart } from "./chart.js";
import { ChartError } from "./errors.js";
import { parseHelmignore, type IgnoreRules } from "./helmignore.js";
import { readTarGz, TarLimitError } from "./tar.js";
import { scalarText } from "./template/go-value.js";
import { readYaml, YamlSyntaxError } from "./yaml.js";

const decoder = new TextDecoder();

function loadError(origin: string, message: string, hint: string, file = "Chart.yaml"): ChartError {
  return new ChartError("E_CHART_LOAD", message, { source: { file: `${origin}/${file}`, line: 1, column: 1 }, hint });
}

function parseYamlFile(origin: string, file: ChartFile): unknown {
  try {
    return readYaml(decoder.decode(file.data));
  } catch (error) {
    const where = error instanceof YamlSyntaxError ? error : undefined;
    throw new ChartError(
      "E_CHART_LOAD",
      `cannot load ${file.path}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      {
        source: { file: `${origin}/${file.path}`, line: where?.line ?? 1, column: where?.column ?? 1 },
        hint: `fix the YAML syntax of ${file.path}`,
        cause: error,
      },
    );
  }
}

function parseSchema(origin: string, file: ChartFile): unknown {
  try {
    return JSON.parse(decoder.decode(file.data)) as unknown;
  } catch (error) {
    throw new ChartError(
      "E_CHART_LOAD",
      `cannot load values.schema.json: ${error instanceof Error ? error.message : String(error)}`,
      { source: { file: `${origin}/values.schema.json`, line: 1, column: 1 }, hint: "values.schema.json must be JSON" },
    );
  }
}

/** Files Helm keeps out of `.Files` (they have their own place in the chart). */
const SPECIAL_FILES = new Set([
  "Chart.yaml",
  "values.yaml",
  "values.schema.json",
  "Chart.lock",
  "requirements.yaml",
  "requirements.lock",
]);

function optionalString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  return scalarText(value);
}

/** Validates Chart.yaml as Helm's `Metadata.Validate` does and returns it typed. */
export function validateChartMetadata(raw: unknown, origin: string): ChartMetadata {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw loadError(origin, "validation: Chart.yaml is not a mapping", "Chart.yaml needs apiVersion, name and version");
  }
  const record = raw as Record<string, unknown>;
  const apiVersion = optionalString(record, "apiVersion");
  const name = optionalString(record, "name");
  const version = optionalString(record, "version");
  if (apiVersion === undefined || apiVersion === "")
    throw loadError(origin, "validation: chart.metadata.apiVersion is required", "set apiVersion: v2 in Chart.yaml");
  if (apiVersion !== "v1" && apiVersion !== "v2")
    throw loadError(
      origin,
      `validation: chart.metadata.apiVersion "${apiVersion}" is not supported`,
      "Helm 3 charts use apiVersion: v2 (v1 is still read)",
    );
  if (name === undefined || name === "")
    throw loadError(origin, "validation: chart.metadata.name is required", "set name: in Chart.yaml");
  if (/[/\\]/.test(name) || name === "." || name === "..")
    throw loadError(
      origin,
      `validation: chart.metadata.name "${name}" is invalid`,
      "a chart name may not contain path separators",
    );
  if (version === undefined || version === "")
    throw loadError(
      origin,
      "validation: chart.metadata.version is required",
      "set version: to a semantic version such as 1.0.0",
    );
  if (semver.valid(version.replace(/^v/, ""), { loose: true }) === null && !/^v?\d+(\.\d+)?$/.test(version)) {
    throw loadError(
      origin,
      `validation: chart.metadata.version "${version}" is invalid`,
      "the chart version must be a semantic version (MAJOR.MINOR.PATCH)",
    );
  }
  const type = optionalString(record, "type");
  if (type !== undefined && type !== "" && type !== "application" && type !== "library") {
    throw loadError(
      origin,
      "validation: chart.metadata.type must be application or library",
      'type is "application" or "library"',
    );
  }
  const rawDeps = record["dependencies"];
  if (rawDeps !== undefined && rawDeps !== null && !Array.isArray(rawDeps))
    throw loadError(origin, "validation: chart.metadata.dependencies must be a list", "list dependencies as - name: …");
  const dependencies = (Array.isArray(rawDeps) ? rawDeps : []).map((dep: unknown, index: number) => {
    if (typeof dep !== "object" || dep === null)
      throw loadError(origin, `validation: dependencies[${index}] is not a mapping`, "each dependency needs a name");
    const d = dep as Record<string, unknown>;
    const depName = optionalString(d, "name");
    if (depName === undefined)
      throw loadError(origin, `validation: dependencies[${index}].name is required`, "each dependency needs a name");
    return {
      name: depName,
      ...optionalField("version", optionalString(d, "version")),
      ...optionalField("repository", optionalString(d, "repository")),
      ...optionalField("condition", optionalString(d, "condition")),
      ...optionalField("alias", optionalString(d, "alias")),
      ...(Array.isArray(d["tags"]) ? { tags: (d["tags"] as unknown[]).map(String) } : {}),
      ...(typeof d["enabled"] === "boolean" ? { enabled: d["enabled"] } : {}),
      ...importValuesOf(d["import-values"], origin, index),
    };
  });
  return {
    ...(record as object),
    apiVersion,
    name,
    version,
    ...(dependencies.length > 0 ? { dependencies } : {}),
  };
}

function importValuesOf(
  raw: unknown,
  origin: string,
  index: number,
): { importValues?: (string | { child: string; parent: string })[] } {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw))
    throw loadError(
      origin,
      `validation: dependencies[${index}].import-values must be a list`,
      "list names or {child, parent} pairs",
    );
  return {
    importValues: raw.map((entry: unknown) => {
      if (typeof entry === "string") return entry;
      if (typeof entry === "object" && entry !== null) {
        const record = entry as Record<string, unknown>;
        return { child: scalarText(record["child"] ?? ""), parent: scalarText(record["parent"] ?? "") };
      }
      throw loadError(
        origin,
        `validation: dependencies[${index}].import-values has an invalid entry`,
        "use a name exported by the child, or child: and parent: paths",
      );
    }),
  };
}

function optionalField<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/**
 * Builds a chart from its files (paths relative to the chart root). Shared by the directory and
 * archive loaders, and used for subcharts found in `charts/`.
 */
export function loadChartFiles(files: readonly ChartFile[], origin: string): LoadedChart {
  const chartYaml = files.find((file) => file.path === "Chart.yaml");
  if (chartYaml === undefined) {
    throw new ChartError("E_CHART_LOAD", `${origin} is not a chart: Chart.yaml file is missing`, {
      hint: "a chart directory holds Chart.yaml, values.yaml and templates/",
    });
  }
  const rawMetadata = parseYamlFile(origin, chartYaml);
  const requirements = files.find((file) => file.path === "requirements.yaml");
  if (requirements !== undefined && typeof rawMetadata === "object" && rawMetadata !== null) {
    // apiVersion v1 charts list their dependencies in requirements.yaml.
    const declared = parseYamlFile(origin, requirements) as { dependencies?: unknown } | null;
    const record = rawMetadata as Record<string, unknown>;
    if (record["dependencies"] === undefined && declared?.dependencies !== undefined)
      record["dependencies"] = declared.dependencies;
  }
  const metadata = validateChartMetadata(rawMetadata, origin);
  const schemaFile = files.find((file) => file.path === "values.schema.json");
  const valuesFile = files.find((file) => file.path === "values.yaml");
  const rawValues = valuesFile === undefined ? {} : (parseYamlFile(origin, valuesFile) ?? {});
  if (typeof rawValues !== "object" || Array.isArray(rawValues)) {
    throw new ChartError("E_CHART_VALUES", `${origin}/values.yaml must be a mapping`, {
      source: { file: `${origin}/values.yaml`, line: 1, column: 1 },
      hint: "values.yaml holds key: value pairs",
    });
  }
  const templates: ChartFile[] = [];
  const others: ChartFile[] = [];
  const subchartDirs = new Map<string, ChartFile[]>();
  const subcharts: LoadedChart[] = [];
  for (const file of files) {
    if (SPECIAL_FILES.has(file.path)) continue;
    if (file.path.startsWith("templates/")) templates.push(file);
    else if (file.path.startsWith("charts/")) {
      const rest = file.path.slice("charts/".length);
      const slash = rest.indexOf("/");
      if (slash < 0) {
        if (rest.endsWith(".tgz") || rest.endsWith(".tar.gz"))
          subcharts.push(loadChartArchive(file.data, `${origin}/charts/${rest}`));
        else others.push(file);
      } else {
        const dir = rest.slice(0, slash);
        const list = subchartDirs.get(dir) ?? [];
        list.push({ path: rest.slice(slash + 1), data: file.data });
        subchartDirs.set(dir, list);
      }
    } else others.push(file);
  }
  for (const [dir, list] of [...subchartDirs].sort(([a], [b]) => a.localeCompare(b))) {
    subcharts.push(loadChartFiles(list, `${origin}/charts/${dir}`));
  }
  templates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    metadata,
    origin,
    templates,
    values: rawValues as Record<string, unknown>,
    files: others,
    subcharts,
    ...(schemaFile === undefined ? {} : { schema: parseSchema(origin, schemaFile) }),
  };
}

function walkDirectory(root: string, rel: string, ignore: IgnoreRules, out: ChartFile[]): void {
  for (const entry of readdirSync(join(root, rel)).sort()) {
    const path = rel === "" ? entry : `${rel}/${entry}`;
    const stat = statSync(join(root, path));
    if (ignore.ignores(path, stat.isDirectory())) continue;
    if (stat.isDirectory()) walkDirectory(root, path, ignore, out);
    else if (stat.isFile()) out.push({ path, data: readFileSync(join(root, path)) });
  }
}

/** Loads a chart directory (Chart.yaml, values.yaml, templates/, charts/), skipping what `.helmignore` lists. */
export function loadChartDirectory(dir: string): LoadedChart {
  let ignoreText: string;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) {
    throw new ChartError("E_CHART_NOT_FOUND", `chart directory ${dir} does not exist`, {
      hint: "pass a chart directory or a packaged .tgz",
    });
  }
  try {
    ignoreText = readFileSync(join(dir, ".helmignore"), "utf8");
  } catch {
    ignoreText = "";
  }
  const files: ChartFile[] = [];
  walkDirectory(dir, "", parseHelmignore(ignoreText), files);
  return loadChartFiles(files, dir);
}

/**
 * Loads a packaged chart from its bytes, entirely in memory. The first path segment (the chart's
 * directory inside the archive) is dropped, as Helm does; `..` and absolute paths are refused.
 */
export function loadChartArchive(bytes: Uint8Array, origin: string): LoadedChart {
  let entries;
  try {
    entries = readTarGz(bytes);
  } catch (error) {
    throw new ChartError(
      "E_CHART_LOAD",
      `cannot read chart archive ${origin}: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint:
          error instanceof TarLimitError
            ? "the archive unpacks past Helm's limits (100 MiB, 10,000 files); it is not a chart helm package would write"
            : "the file must be a gzipped tar made by helm package",
        cause: error,
      },
    );
  }
  const files: ChartFile[] = [];
  for (const entry of entries) {
    const path = entry.path.replace(/\\/g, "/");
    if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) {
      throw new ChartError("E_CHART_LOAD", `chart archive ${origin} illegally contains absolute paths: ${entry.path}`, {
        hint: "repackage the chart with helm package",
      });
    }
    const parts = path.split("/").filter((part) => part !== "" && part !== ".");
    if (parts.includes("..")) {
      throw new ChartError(
        "E_CHART_LOAD",
        `chart archive ${origin} illegally references parent directory: ${entry.path}`,
        { hint: "repackage the chart with helm package; archives may not contain .. paths" },
      );
    }
    if (parts.length < 2) continue;
    files.push({ path: parts.slice(1).join("/"), data: entry.data });
  }
  if (files.length === 0)
    throw new ChartError("E_CHART_LOAD", `chart archive ${origin} is empty`, {
      hint: "the file must be a gzipped tar made by helm package",
    });
  return loadChartFiles(files, origin);
}

/** Loads a chart from a directory or a `.tgz` file. */
export function loadChart(pathToDirOrTgz: string): LoadedChart {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(pathToDirOrTgz).isDirectory();
  } catch {
    throw new ChartError("E_CHART_NOT_FOUND", `chart ${pathToDirOrTgz} does not exist`, {
      hint: "pass a chart directory or a packaged .tgz",
    });
  }
  if (isDirectory) return loadChartDirectory(pathToDirOrTgz);
  return loadChartArchive(
    readFileSync(pathToDirOrTgz),
    basename(pathToDirOrTgz) === pathToDirOrTgz ? pathToDirOrTgz : pathToDirOrTgz,
  );
}
