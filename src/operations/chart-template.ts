/**
 * `vela-ts chart template`: loads a chart (directory or .tgz), merges values files and `--set`
 * arguments as Helm does, and renders it offline.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  ChartError,
  formatHelmTemplate,
  loadChart,
  parseSetValues,
  renderChart,
  renderTemplateString,
  type RenderedChart,
} from "../chart/index.js";
import { ValidationError } from "../errors/index.js";
import { parseYamlValue } from "../model/parse-yaml.js";

/** Options of {@link templateChart}, as the command's flags. */
export interface TemplateChartOptions {
  /** Chart directory or .tgz, relative to `cwd`. */
  readonly chart: string;
  readonly cwd: string;
  /** Values files in order (later ones win). @default [] */
  readonly valueFiles?: readonly string[];
  /** `--set` arguments in order (applied after the files). @default [] */
  readonly set?: readonly string[];
  /** @default "release-name" (as helm template) */
  readonly releaseName?: string;
  /** @default "default" */
  readonly namespace?: string;
  /** @default "v1.29.0" */
  readonly kubeVersion?: string;
  /** `--api-versions` (group/version or group/version/Kind). @default [] */
  readonly apiVersions?: readonly string[];
  /** `--is-upgrade`: `.Release.IsUpgrade` true, `.Release.IsInstall` false. @default false */
  readonly isUpgrade?: boolean;
  /** `--name-template`: the release name is this template's output. @default none */
  readonly nameTemplate?: string;
}

/** A map of values (a plain object; `--set` integers are Go `int64` objects, not maps). */
function isTable(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Helm's `mergeMaps`: `override` wins; maps merge key by key. */
function mergeMaps(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const existing = out[key];
    out[key] = isTable(existing) && isTable(value) ? mergeMaps(existing, value) : value;
  }
  return out;
}

function readValuesFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ChartError("E_CHART_VALUES", `cannot read values file ${path}`, {
      hint: "check the --values path",
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = parseYamlValue(text, path, { merge: true });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ChartError("E_CHART_VALUES", `values file ${path} is not valid YAML: ${error.message}`, {
      ...(error.source === undefined ? {} : { source: error.source }),
      hint: error.hint ?? "fix the YAML syntax of the values file",
    });
  }
  if (value === null || value === undefined) return {};
  if (!isTable(value))
    throw new ChartError("E_CHART_VALUES", `values file ${path} must be a mapping`, {
      source: { file: path, line: 1, column: 1 },
      hint: "values files hold key: value pairs",
    });
  return value;
}

/** Loads and renders a chart as `helm template CHART -f … --set …` would. */
export function templateChart(options: TemplateChartOptions): RenderedChart {
  let values: Record<string, unknown> = {};
  for (const file of options.valueFiles ?? []) values = mergeMaps(values, readValuesFile(resolve(options.cwd, file)));
  values = mergeMaps(values, parseSetValues(options.set ?? []));
  const chart = loadChart(resolve(options.cwd, options.chart));
  const releaseName =
    options.nameTemplate === undefined
      ? (options.releaseName ?? "release-name")
      : renderTemplateString(options.nameTemplate, undefined, { name: "name-template" });
  return renderChart(chart, {
    releaseName,
    namespace: options.namespace ?? "default",
    values,
    isInstall: options.isUpgrade !== true,
    ...(options.apiVersions === undefined ? {} : { apiVersions: options.apiVersions }),
    ...(options.kubeVersion === undefined ? {} : { kubeVersion: options.kubeVersion }),
  });
}

/** `helm template`'s text: documents with `# Source:` lines, hooks last, filtered as the flags say. */
export { formatHelmTemplate };
