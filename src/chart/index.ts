/**
 * The offline Helm chart engine: Go text/template with Helm's functions, chart loading, values,
 * rendering as `helm template`, chart repositories, and workload discovery in rendered output.
 */
export type { ChartDependency, ChartFile, ChartMaintainer, ChartMetadata, LoadedChart } from "./chart.js";
export { ChartError, type ChartErrorCode } from "./errors.js";
export { loadChart, loadChartArchive, loadChartDirectory, validateChartMetadata } from "./load.js";
export { copyValues, mergeValues } from "./values.js";
export {
  formatHelmTemplate,
  parseKubeVersion,
  renderChart,
  renderChartTemplates,
  type FormatTemplateOptions,
  type RenderChartOptions,
  type RenderedChart,
  type RenderedManifest,
  type RenderedTemplate,
} from "./render.js";
export { fn, vfn, type GoFunc, type ParamType } from "./template/go-func.js";
export { GoInt, int64 } from "./template/go-value.js";
export { DEFAULT_LIMITS, type EvaluationLimits } from "./template/limits.js";
export { HELM_FUNCTION_NAMES, type LookupFunction } from "./template/helm-functions.js";
export {
  fetchChartFromRepository,
  fetchChartFromRepositorySync,
  parseRepositoryIndex,
  readChartRepository,
  readChartRepositorySync,
  selectChartVersion,
  type ChartRepository,
  type IndexEntry,
  type ReadRepositoryOptions,
  type RepositoryIndex,
} from "./repository.js";
export { applySetValue, parseSetValues } from "./set-values.js";
export { findWorkloads, isWorkload, selectRolloutWorkload, type WorkloadSelector } from "./workloads.js";
export { renderTemplateString, type RenderTemplateStringOptions } from "./template-string.js";
