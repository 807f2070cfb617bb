import type { ControllerView } from "../cluster/sandbox/controller-contract.js";
import type { SandboxMetricQuery } from "../cluster/sandbox/metrics/index.js";

/** Where a metric's value comes from (Argo Rollouts' `AnalysisTemplate.spec.metrics[].provider`, plus the sandbox). */
export type MetricProvider =
  | { readonly kind: "sandbox"; readonly query: SandboxMetricQuery }
  | {
      /** PromQL over the Prometheus HTTP API (`GET <address>/api/v1/query`). */
      readonly kind: "prometheus";
      readonly address: string;
      readonly query: string;
      /** Extra request headers, e.g. `Authorization: Bearer …` (Argo's `authentication` / `headers`). */
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      /** Argo's web metric: an HTTP GET whose JSON answer holds the value at `jsonPath`. */
      readonly kind: "web";
      readonly url: string;
      /** `{$.data.ratio}` (kubectl JSONPath, as Argo takes it) or `$.data.ratio`. */
      readonly jsonPath: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

/** An HTTP GET as the providers need it (the caller decides how it reaches the network). */
export interface MetricHttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface MetricHttpResponse {
  readonly status: number;
  readonly body: string;
}

/** What a measurement may read: the time, the sandbox's objects, the network. */
export interface MetricSources {
  readonly now: Date;
  /** The sandbox's objects, for the `sandbox` provider; absent on a real cluster. */
  readonly sandbox?: ControllerView;
  /** How the `prometheus` and `web` providers reach the network; absent = they fail with a clear message. */
  readonly http?: (request: MetricHttpRequest) => Promise<MetricHttpResponse>;
}

/** One reading of a metric. */
export type MetricReading =
  | {
      readonly kind: "value";
      /** A number, or the values of a PromQL vector (Argo's `result` is then a list). */
      readonly value: number | readonly number[];
    }
  /** The provider answered, without a value (no requests in the window, an empty vector). */
  | { readonly kind: "no-data"; readonly message: string }
  /** The provider could not be asked or gave an answer that does not read. */
  | { readonly kind: "error"; readonly message: string };

/** `12.5`, `[0.98, 0.97]`, as status and messages show a reading's value. */
export function formatMetricValue(value: number | readonly number[]): string {
  const one = (n: number): string => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6));
  return typeof value === "number" ? one(value) : `[${value.map(one).join(", ")}]`;
}
