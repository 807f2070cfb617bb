import type { ValidationIssue } from "../../../errors/index.js";
import type { KubeObject } from "../../../model/kube-object.js";

/** Pod-template annotation: the share of requests a pod answers with HTTP 500 (0–1). */
export const ANNOTATION_ERROR_RATE = "sandbox.vela-ts.dev/error-rate";
/**
 * Pod-template annotation: how long a pod takes to answer, in milliseconds — a value (`40`), a
 * uniform range (`20-80`) or a log-normal distribution given by two quantiles (`p50=40,p99=250`).
 */
export const ANNOTATION_LATENCY_MS = "sandbox.vela-ts.dev/latency-ms";

/** How a simulated latency is drawn. */
export type LatencyDistribution =
  | { readonly kind: "fixed"; readonly ms: number }
  | { readonly kind: "uniform"; readonly min: number; readonly max: number }
  | { readonly kind: "lognormal"; readonly mu: number; readonly sigma: number };

/** How a simulated pod answers requests. */
export interface PodBehaviour {
  readonly errorRate: number;
  readonly latency: LatencyDistribution;
}

/** A pod without annotations: never fails, answers in about 20 ms (p99 80 ms). */
export const DEFAULT_LATENCY_MS = "p50=20,p99=80";

/** z of the standard normal's 99th percentile. */
const Z99 = 2.3263478740408408;

/** Reads an error rate; undefined when it is not a number in [0, 1]. */
export function parseErrorRate(text: string): number | undefined {
  if (!/^\s*\d*\.?\d+(e-?\d+)?\s*$/i.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
}

/** Reads a latency annotation value; undefined when it is none of the three forms. */
export function parseLatency(text: string): LatencyDistribution | undefined {
  const trimmed = text.trim();
  const number = /^\d*\.?\d+$/;
  if (number.test(trimmed)) return { kind: "fixed", ms: Number(trimmed) };
  const range = /^(\d*\.?\d+)\s*-\s*(\d*\.?\d+)$/.exec(trimmed);
  if (range !== null) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    return min <= max ? { kind: "uniform", min, max } : undefined;
  }
  const quantiles = /^p50\s*=\s*(\d*\.?\d+)\s*,\s*p99\s*=\s*(\d*\.?\d+)$/.exec(trimmed);
  if (quantiles !== null) {
    const p50 = Number(quantiles[1]);
    const p99 = Number(quantiles[2]);
    if (p50 <= 0 || p99 < p50) return undefined;
    return { kind: "lognormal", mu: Math.log(p50), sigma: (Math.log(p99) - Math.log(p50)) / Z99 };
  }
  return undefined;
}

const DEFAULT_LATENCY = parseLatency(DEFAULT_LATENCY_MS) as LatencyDistribution;

/** The behaviour a pod's annotations ask for; values that do not read fall back to the defaults. */
export function podBehaviour(pod: KubeObject): PodBehaviour {
  const annotations = pod.metadata.annotations ?? {};
  const errorText = annotations[ANNOTATION_ERROR_RATE];
  const latencyText = annotations[ANNOTATION_LATENCY_MS];
  return {
    errorRate: errorText === undefined ? 0 : (parseErrorRate(errorText) ?? 0),
    latency: latencyText === undefined ? DEFAULT_LATENCY : (parseLatency(latencyText) ?? DEFAULT_LATENCY),
  };
}

/** One latency in milliseconds drawn from `distribution` (Box–Muller for the log-normal). */
export function drawLatency(distribution: LatencyDistribution, random: () => number): number {
  switch (distribution.kind) {
    case "fixed":
      return distribution.ms;
    case "uniform":
      return distribution.min + random() * (distribution.max - distribution.min);
    case "lognormal": {
      const u1 = Math.max(random(), Number.EPSILON);
      const u2 = random();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      return Math.exp(distribution.mu + distribution.sigma * z);
    }
  }
}

/**
 * The problems of the behaviour annotations in a pod template's `metadata.annotations`, with JSON
 * pointers under `pointer` (so a workload with `error-rate: "half"` is refused at apply).
 */
export function behaviourIssues(
  annotations: Readonly<Record<string, unknown>> | undefined,
  pointer: string,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const errorRate = annotations?.[ANNOTATION_ERROR_RATE];
  if (typeof errorRate === "string" && parseErrorRate(errorRate) === undefined) {
    issues.push({
      code: "E_INVALID_OBJECT",
      path: `${pointer}/${ANNOTATION_ERROR_RATE.replace("/", "~1")}`,
      message: `annotation ${ANNOTATION_ERROR_RATE} must be a number from 0 to 1, got "${errorRate}"`,
      hint: 'the share of requests answered with HTTP 500, e.g. "0.3"',
    });
  }
  const latency = annotations?.[ANNOTATION_LATENCY_MS];
  if (typeof latency === "string" && parseLatency(latency) === undefined) {
    issues.push({
      code: "E_INVALID_OBJECT",
      path: `${pointer}/${ANNOTATION_LATENCY_MS.replace("/", "~1")}`,
      message: `annotation ${ANNOTATION_LATENCY_MS} must be milliseconds: a value, a range or two quantiles, got "${latency}"`,
      hint: 'e.g. "40", "20-80" or "p50=40,p99=250"',
    });
  }
  return issues;
}
