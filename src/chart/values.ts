/**
 * Values as Helm's `pkg/chartutil` computes them: coalescing (`coalesce.go`: user values win, maps
 * merge, a user `null` deletes the default at any depth, subcharts get their section plus `global`),
 * dependency processing (`dependencies.go`: `condition` and `tags` reaching grandchildren, one chart
 * under several aliases, `import-values` in both forms), bottom-up, before the final coalesce.
 */
import type { ChartDependency, ChartMetadata, LoadedChart } from "./chart.js";
import { ChartError } from "./errors.js";
import { semverSatisfies } from "./template/semver.js";

type Values = Record<string, unknown>;

/** A map of values: a plain object (not a list, nor a Go value such as an `int64` from `--set`). */
function isTable(value: unknown): value is Values {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A deep copy of plain values (maps and lists; scalars as they are). */
export function copyValues<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyValues) as T;
  if (isTable(value)) {
    const out: Values = {};
    for (const [key, item] of Object.entries(value)) out[key] = copyValues(item);
    return out as T;
  }
  return value;
}

/**
 * Helm's `coalesceTablesFullKey`: fills `dst` (higher precedence) from `src`. With `merge` off, a
 * null in `dst` deletes the key (that is how users remove a chart default). Mutates `dst`.
 */
function coalesceTables(dst: Values, src: Values, merge: boolean): Values {
  const source: Values = { ...src };
  for (const [key, value] of Object.entries(dst)) if (value === null) source[key] = null;
  for (const [key, value] of Object.entries(source)) {
    const has = Object.hasOwn(dst, key);
    const mine = dst[key];
    if (has && !merge && mine === null) delete dst[key];
    else if (!has) dst[key] = copyValues(value);
    else if (isTable(value) && isTable(mine)) coalesceTables(mine, value, merge);
  }
  return dst;
}

/**
 * Merges user values over chart defaults as Helm does: the user wins, maps merge key by key, lists
 * replace, a user `null` deletes the default. Returns a new object; inputs are not changed.
 */
export function mergeValues(
  chartDefaults: Readonly<Record<string, unknown>>,
  userValues: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return coalesceTables(copyValues(userValues), chartDefaults, false);
}

/** A chart as dependency processing sees it: its (possibly aliased) metadata, defaults and enabled subcharts. */
export interface ResolvedChart {
  readonly chart: LoadedChart;
  /** `.Chart.Name`: the alias when the parent gave one. */
  readonly metadata: ChartMetadata;
  /** values.yaml after `import-values` (what the final coalesce starts from). */
  readonly defaults: Values;
  readonly subcharts: readonly ResolvedChart[];
}

interface Working {
  chart: LoadedChart;
  metadata: ChartMetadata & { name: string };
  requirements: Requirement[] | undefined;
  defaults: Values;
  deps: Working[];
}

interface Requirement {
  name: string;
  readonly dependency: ChartDependency;
  enabled: boolean;
}

function working(chart: LoadedChart): Working {
  return {
    chart,
    metadata: { ...chart.metadata },
    requirements: chart.metadata.dependencies?.map((dependency) => ({
      name: dependency.name,
      dependency,
      enabled: true,
    })),
    defaults: copyValues(chart.values),
    deps: chart.subcharts.map(working),
  };
}

function cloneWorking(node: Working): Working {
  return {
    chart: node.chart,
    metadata: { ...node.metadata },
    requirements: node.requirements?.map((r) => ({ ...r })),
    defaults: copyValues(node.defaults),
    deps: node.deps.map(cloneWorking),
  };
}

/** Masterminds `IsCompatibleRange`: a missing or bad constraint matches nothing. */
function isCompatibleRange(constraint: string | undefined, version: string): boolean {
  if (constraint === undefined || constraint.trim() === "") return false;
  try {
    return semverSatisfies(constraint, version);
  } catch {
    return false;
  }
}

/** Helm's `coalesce`: `dest` (user values for this chart) filled from the chart's defaults and its subcharts'. */
function coalesceChart(node: Working, dest: Values, merge: boolean, prefix: string): Values {
  coalesceChartValues(node, dest, merge);
  for (const sub of node.deps) {
    const name = sub.metadata.name;
    if (!Object.hasOwn(dest, name)) dest[name] = {};
    const section = dest[name];
    if (!isTable(section)) {
      throw new ChartError("E_CHART_VALUES", `type mismatch on ${name}: ${describe(section)}`, {
        path: `${prefix}/${name}`,
        hint: `values for subchart "${name}" must be a mapping`,
      });
    }
    coalesceGlobals(section, dest);
    dest[name] = coalesceChart(sub, section, merge, `${prefix}/${name}`);
  }
  return dest;
}

function describe(value: unknown): string {
  return value === null
    ? "%!t(<nil>)"
    : `%!t(${Array.isArray(value) ? "[]interface {}" : typeof value}=${JSON.stringify(value) ?? ""})`;
}

/** Helm's `coalesceValues`: chart defaults into `dest`; subchart sections merge (nulls are handled a level down). */
function coalesceChartValues(node: Working, dest: Values, merge: boolean): void {
  const subchartNames = new Set(node.deps.map((sub) => sub.metadata.name));
  for (const [key, fallback] of Object.entries(copyValues(node.defaults))) {
    if (!Object.hasOwn(dest, key)) {
      dest[key] = fallback;
      continue;
    }
    const mine = dest[key];
    if (mine === null && !merge) delete dest[key];
    else if (isTable(mine) && isTable(fallback)) coalesceTables(mine, fallback, merge || subchartNames.has(key));
  }
}

/** Helm's `coalesceGlobals`: the parent's `global` merged over the subchart's own. */
function coalesceGlobals(dest: Values, src: Values): void {
  const destGlobal = dest["global"] ?? {};
  const srcGlobal = src["global"] ?? {};
  if (!isTable(destGlobal) || !isTable(srcGlobal)) return;
  const merged: Values = { ...destGlobal };
  for (const [key, value] of Object.entries(srcGlobal)) {
    if (isTable(value)) {
      const copy = copyValues(value);
      const existing = merged[key];
      if (existing === undefined) merged[key] = copy;
      else if (isTable(existing)) merged[key] = coalesceTables(copy, existing, true);
    } else if (!isTable(merged[key])) merged[key] = value;
  }
  dest["global"] = merged;
}

function pathValue(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const part of path.split(".")) {
    if (!isTable(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** Helm's `processDependencyEnabled`: aliases, then `tags` and `condition` (paths from the top), recursively. */
function processEnabled(node: Working, parentValues: Values, path: string): void {
  const requirements = node.requirements;
  if (requirements === undefined) return;
  const chosen: Working[] = [];
  for (const existing of node.deps) {
    const declared = requirements.some(
      (r) =>
        existing.metadata.name === r.dependency.name &&
        isCompatibleRange(r.dependency.version, existing.metadata.version),
    );
    if (!declared) chosen.push(existing);
  }
  for (const requirement of requirements) {
    const match = node.deps.find(
      (d) =>
        d.metadata.name === requirement.dependency.name &&
        isCompatibleRange(requirement.dependency.version, d.metadata.version),
    );
    if (match !== undefined) {
      const copy = cloneWorking(match);
      if (requirement.dependency.alias !== undefined && requirement.dependency.alias !== "")
        copy.metadata.name = requirement.dependency.alias;
      chosen.push(copy);
    }
    if (requirement.dependency.alias !== undefined && requirement.dependency.alias !== "")
      requirement.name = requirement.dependency.alias;
    requirement.enabled = true;
  }
  node.deps = chosen;
  const values = coalesceChart(node, copyValues(parentValues), false, "");
  const tags = values["tags"];
  for (const requirement of requirements) {
    if (isTable(tags) && (requirement.dependency.tags?.length ?? 0) > 0) {
      const states = (requirement.dependency.tags ?? []).map((tag) => tags[tag]).filter((v) => typeof v === "boolean");
      const hasTrue = states.includes(true);
      const hasFalse = states.includes(false);
      requirement.enabled = hasTrue || !hasFalse;
    }
    for (const condition of (requirement.dependency.condition ?? "").trim().split(",")) {
      if (condition === "") continue;
      const value = pathValue(values, path + condition.trim());
      if (typeof value === "boolean") {
        requirement.enabled = value;
        break;
      }
    }
  }
  const removed = new Set(requirements.filter((r) => !r.enabled).map((r) => r.name));
  node.deps = node.deps.filter((d) => !removed.has(d.metadata.name));
  node.requirements = requirements.filter((r) => !removed.has(r.name));
  for (const sub of node.deps) processEnabled(sub, values, `${path}${sub.metadata.name}.`);
}

function table(values: Values, path: string): Values | undefined {
  const found = pathValue(values, path);
  return isTable(found) ? found : undefined;
}

function pathToMap(path: string, data: Values): Values {
  if (path === ".") return data;
  const parts = path.split(".").filter((part) => part !== "");
  let out: Values = data;
  for (const part of parts.reverse()) out = { [part]: out };
  return out;
}

/** Helm's `processImportValues`, bottom-up: children's `exports` or `child`→`parent` tables become parent defaults. */
function processImports(node: Working): void {
  for (const sub of node.deps) processImports(sub);
  if (node.requirements === undefined) return;
  const values = coalesceChart(node, {}, true, "");
  let imported: Values = {};
  for (const requirement of node.requirements) {
    for (const entry of requirement.dependency.importValues ?? []) {
      if (typeof entry === "string") {
        const found = table(values, `${requirement.name}.exports.${entry}`);
        if (found !== undefined) imported = coalesceTables(imported, copyValues(found), true);
      } else {
        const found = table(values, `${requirement.name}.${entry.child}`);
        if (found !== undefined) imported = coalesceTables(imported, pathToMap(entry.parent, copyValues(found)), true);
      }
    }
  }
  node.defaults = coalesceTables(copyValues(values), imported, true);
}

function freeze(node: Working): ResolvedChart {
  const metadata: ChartMetadata = {
    ...node.metadata,
    ...(node.requirements === undefined ? {} : { dependencies: node.requirements.map((r) => r.dependency) }),
  };
  return { chart: node.chart, metadata, defaults: node.defaults, subcharts: node.deps.map(freeze) };
}

/** Helm's `ProcessDependencies`: which subcharts are on (and under which names), and defaults after `import-values`. */
export function resolveDependencies(chart: LoadedChart, userValues: Readonly<Record<string, unknown>>): ResolvedChart {
  const root = working(chart);
  processEnabled(root, copyValues(userValues), "");
  processImports(root);
  return freeze(root);
}

/** A chart with the values it renders with, and its enabled subcharts (values scoped to each). */
export interface ScopedChart {
  readonly resolved: ResolvedChart;
  readonly chart: LoadedChart;
  /** Path of the chart inside the release: `canary-demo`, `canary-demo/charts/redis`. */
  readonly path: string;
  readonly values: Values;
  readonly subcharts: readonly ScopedChart[];
}

function toWorking(node: ResolvedChart): Working {
  return {
    chart: node.chart,
    metadata: { ...node.metadata },
    requirements: undefined,
    defaults: node.defaults,
    deps: node.subcharts.map(toWorking),
  };
}

function scope(node: ResolvedChart, values: Values, path: string): ScopedChart {
  const subcharts = node.subcharts.map((sub) => {
    const section = values[sub.metadata.name];
    return scope(sub, isTable(section) ? section : {}, `${path}/charts/${sub.metadata.name}`);
  });
  return { resolved: node, chart: node.chart, path, values, subcharts };
}

/**
 * Coalesces user values with a chart and its enabled subcharts (Helm's `CoalesceValues` after
 * `ProcessDependencies`): each subchart gets `values[<name>]` merged over its own defaults, plus `global`.
 */
export function scopeValues(chart: LoadedChart, userValues: Readonly<Record<string, unknown>>): ScopedChart {
  if (!isTable(userValues))
    throw new ChartError("E_CHART_VALUES", "values must be a mapping", { hint: "pass values as key: value pairs" });
  const resolved = resolveDependencies(chart, userValues);
  const values = coalesceChart(toWorking(resolved), copyValues(userValues), false, "");
  return scope(resolved, values, resolved.metadata.name);
}

/**
 * Helm's `CoalesceValues` (`merge` false: a null deletes the key) and `MergeValues` (`merge` true:
 * nulls are kept) of a chart and its subcharts, without dependency processing. Inputs are not changed.
 */
export function coalesceValues(
  chart: LoadedChart,
  userValues: Readonly<Record<string, unknown>>,
  merge = false,
): Record<string, unknown> {
  return coalesceChart(working(chart), copyValues(userValues), merge, "");
}

/** Helm's `CoalesceTables` (`merge` false) and `MergeTables` (`merge` true): fills `dst` from `src`; mutates `dst`. */
export function coalesceValueTables(
  dst: Record<string, unknown>,
  src: Readonly<Record<string, unknown>> | undefined,
  merge = false,
): Record<string, unknown> {
  return src === undefined ? dst : coalesceTables(dst, src, merge);
}
