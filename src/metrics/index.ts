/**
 * Metric-driven releases: reading a metric from a provider (the sandbox's request log, Prometheus,
 * a web endpoint), judging it against a condition, and KubeVela's `#PromCheck` over both.
 */
export {
  formatMetricValue,
  type MetricHttpRequest,
  type MetricHttpResponse,
  type MetricProvider,
  type MetricReading,
  type MetricSources,
} from "./provider.js";
export { measureMetric } from "./measure.js";
export { readSandboxMetric } from "./sandbox-provider.js";
export { readPrometheusMetric } from "./prometheus-provider.js";
export { parseJsonPath, readWebMetric } from "./web-provider.js";
export { checkMetricCondition, evaluateMetricCondition } from "./condition.js";
export {
  DEFAULT_METRIC_ENDPOINT,
  MetricQueryError,
  promCheck,
  promCheckProvider,
  type PromCheckEnv,
  type PromCheckMemory,
  type PromCheckParams,
  type PromCheckReturns,
  type PromCheckTimes,
} from "./prom-check.js";
export { metricSourcesFor } from "./cluster-sources.js";
export {
  concludeRun,
  nextMeasurementAt,
  readMetricSpecs,
  recordMeasurement,
  startAnalysisRun,
  type AnalysisMetricSpec,
  type AnalysisPhase,
  type AnalysisRun,
  type Measurement,
  type MeasurementPhase,
  type MetricRun,
} from "./analysis-run.js";
export { providerFromSpec } from "./provider-spec.js";
