import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadChartDirectory, type LoadedChart } from "../../../src/chart/index.js";
import { readYaml } from "../../../src/chart/yaml.js";
import { PROJECT_ROOT } from "../../support/shared.js";

/** Charts written to reproduce the template patterns of ten popular charts (one directory each). */
export const REAL_WORLD_DIR = join(PROJECT_ROOT, "test", "fixtures", "charts", "real-world");

/** Subcharts each chart is packaged with (`helm dependency build` copies them under `charts/`). */
const DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  "bitnami-nginx": ["bitnami-common"],
  "bitnami-redis": ["bitnami-common"],
  "kube-prometheus-stack": ["kube-state-metrics", "prometheus-node-exporter", "grafana"],
};

/** The ten charts, by the fixture directory that reproduces each. */
export const REAL_WORLD_CHARTS = [
  "podinfo",
  "ingress-nginx",
  "kube-state-metrics",
  "argo-rollouts",
  "kruise-rollout",
  "prometheus-node-exporter",
  "bitnami-nginx",
  "bitnami-redis",
  "grafana",
  "kube-prometheus-stack",
] as const;

/** A fixture chart with its dependencies in place, as the packaged chart would hold them. */
export function loadRealWorldChart(name: string): LoadedChart {
  const chart = loadChartDirectory(join(REAL_WORLD_DIR, name));
  const dependencies = (DEPENDENCIES[name] ?? []).map((dependency) => loadRealWorldChart(dependency));
  return dependencies.length === 0 ? chart : { ...chart, subcharts: [...chart.subcharts, ...dependencies] };
}

/** The chart's `ci/*.yaml` values files (the cases its CI installs), by file name. */
export function ciValues(name: string): { readonly file: string; readonly values: Record<string, unknown> }[] {
  const dir = join(REAL_WORLD_DIR, name, "ci");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => ({
      file,
      values: (readYaml(readFileSync(join(dir, file), "utf8")) ?? {}) as Record<string, unknown>,
    }));
}
