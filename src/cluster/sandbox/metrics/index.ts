/**
 * Request metrics of the sandbox: per-version pod behaviour (error rate, latency) from pod-template
 * annotations, steady synthetic traffic through each routed host in simulated time, the request log
 * it is counted in, and the Prometheus exposition of that log.
 */
export {
  ANNOTATION_ERROR_RATE,
  ANNOTATION_LATENCY_MS,
  DEFAULT_LATENCY_MS,
  drawLatency,
  parseErrorRate,
  parseLatency,
  podBehaviour,
  type LatencyDistribution,
  type PodBehaviour,
} from "./behaviour.js";
export {
  BUCKET_SECONDS,
  LATENCY_BOUNDS_MS,
  readRequestLog,
  recordRequests,
  REQUEST_METRICS_API_VERSION,
  REQUEST_METRICS_KIND,
  REQUEST_METRICS_NAMESPACE,
  requestMetricsObject,
  requestMetricsRef,
  RETENTION_SECONDS,
  type RecordedRequest,
  type PodRequests,
  type RequestBucket,
  type RequestLog,
  type SeriesCounts,
  type SeriesLabels,
  type TimedRequest,
} from "./request-log.js";
export {
  ANNOTATION_TRAFFIC_RPS,
  answerContext,
  answerRequest,
  answerRoutedRequests,
  requestLogChange,
  DEFAULT_TRAFFIC_RPS,
  findTrafficHosts,
  generateTraffic,
  requestsInSecond,
  syntheticTrafficController,
  type TrafficHost,
} from "./traffic.js";
export { behaviourAnnotationValidation } from "./validation.js";
export {
  parseSandboxQuery,
  querySandboxMetric,
  SANDBOX_METRICS,
  windowSeconds,
  type SandboxMetricName,
  type SandboxMetricQuery,
  type SandboxMetricValue,
} from "./query.js";
export { renderRequestMetrics } from "./exposition.js";
export {
  containerInstance,
  containerLogLines,
  podContainerNames,
  type ContainerInstance,
  type PodLogLine,
} from "./pod-log.js";
