/**
 * Values merging with Helm's semantics (`pkg/chartutil/coalesce.go`): user values win over chart
 * defaults, maps merge deeply, a user `null` deletes the key, subcharts see their own section plus `global`.
 */
import type { LoadedChart } from "./chart.js";
import { ChartError } from "./errors.js";

type Values = Record<string, unknown>;

function isTable(value: unknown): value is Values {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (isTable(value)) {
    const out: Values = {};
    for (const [key, item] of Object.entries(value)) out[key] = copy(item);
    return out;
  }
  return value;
}

/** Fills `dst` (user values, higher precedence) from `src` (defaults); a null in `dst` removes the key. Mutates `dst`. */
function coalesceTables(dst: Values, src: Values): void {
  for (const [key, fallback] of Object.entries(src)) {
    if (!Object.hasOwn(dst, key)) {
      dst[key] = copy(fallback);
      continue;
    }
    const mine = dst[key];
    if (mine === null) delete dst[key];
    else if (isTable(mine) && isTable(fallback)) coalesceTables(mine, fallback);
  }
}

/**
 * Merges user values over chart defaults as Helm does: the user wins, maps merge key by key,
 * lists replace, and a user `null` deletes the default. Returns a new object; inputs are not changed.
 */
export function mergeValues(
  chartDefaults: Readonly<Record<string, unknown>>,
  userValues: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out = copy(userValues) as Values;
  coalesceTables(out, chartDefaults);
  return out;
}

/** Copies the parent's `global` into a subchart's values (parent globals win, maps merge). */
function coalesceGlobals(subValues: Values, parentValues: Values): void {
  const parentGlobal = parentValues["global"];
  if (!isTable(parentGlobal)) return;
  const subGlobal = isTable(subValues["global"]) ? subValues["global"] : {};
  const merged = copy(parentGlobal) as Values;
  coalesceTables(merged, subGlobal);
  subValues["global"] = merged;
}

/** The name a subchart's values live under: its alias in the parent's dependencies, else its name. */
export function subchartName(parent: LoadedChart, sub: LoadedChart): string {
  const dep = parent.metadata.dependencies?.find((d) => d.name === sub.metadata.name && d.alias !== undefined);
  return dep?.alias ?? sub.metadata.name;
}

function lookupPath(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const part of path.split(".")) {
    if (!isTable(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** Whether a subchart is switched on by its dependency's `condition`/`tags` (Helm's ProcessDependencies). */
export function isSubchartEnabled(parent: LoadedChart, sub: LoadedChart, parentValues: Values): boolean {
  const dep = parent.metadata.dependencies?.find(
    (d) => (d.alias ?? d.name) === subchartName(parent, sub) || d.name === sub.metadata.name,
  );
  if (dep === undefined) return true;
  if (dep.condition !== undefined && dep.condition !== "") {
    for (const path of dep.condition.split(",").map((p) => p.trim())) {
      const value = lookupPath(parentValues, path);
      if (typeof value === "boolean") return value;
    }
  }
  if (dep.tags !== undefined && dep.tags.length > 0) {
    const tags = parentValues["tags"];
    if (isTable(tags)) {
      const states = dep.tags.map((tag) => tags[tag]).filter((v): v is boolean => typeof v === "boolean");
      if (states.length > 0) return states.some(Boolean);
    }
  }
  return dep.enabled ?? true;
}

/** A chart with the values it renders with, and its enabled subcharts (values scoped to each). */
export interface ScopedChart {
  readonly chart: LoadedChart;
  /** Path of the chart inside the release: `canary-demo`, `canary-demo/charts/redis`. */
  readonly path: string;
  readonly values: Values;
  readonly subcharts: readonly ScopedChart[];
}

/**
 * Coalesces user values with a chart and its subcharts (Helm's `CoalesceValues` + dependency
 * conditions): each subchart gets `values[<name>]` merged over its own defaults, plus `global`.
 */
export function scopeValues(
  chart: LoadedChart,
  userValues: Readonly<Record<string, unknown>>,
  path = chart.metadata.name,
): ScopedChart {
  if (!isTable(userValues))
    throw new ChartError("E_CHART_VALUES", "values must be a mapping", { hint: "pass values as key: value pairs" });
  const values = mergeValues(chart.values, userValues);
  const subcharts: ScopedChart[] = [];
  for (const sub of chart.subcharts) {
    const name = subchartName(chart, sub);
    if (!isSubchartEnabled(chart, sub, values)) continue;
    const section = values[name];
    if (section !== undefined && section !== null && !isTable(section)) {
      throw new ChartError("E_CHART_VALUES", `type mismatch on ${name}: ${typeof section}`, {
        path: `/${name}`,
        hint: `values for subchart "${name}" must be a mapping`,
      });
    }
    const subValues: Values = isTable(section) ? section : {};
    coalesceGlobals(subValues, values);
    const scoped = scopeValues(sub, subValues, `${path}/charts/${name}`);
    values[name] = scoped.values;
    subcharts.push(scoped);
  }
  return { chart, path, values, subcharts };
}
