/**
 * The request metrics through a real Prometheus: `sandbox serve` exposes them at /metrics with
 * ingress-nginx's names, Prometheus (Debian's binary, on 127.0.0.1) scrapes it every second, and the
 * `prometheus` provider and KubeVela's #PromCheck read a PromQL success rate back.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandbox } from "../../src/cluster/index.js";
import { ANNOTATION_ERROR_RATE, ANNOTATION_TRAFFIC_RPS } from "../../src/cluster/sandbox/metrics/index.js";
import { promCheck, readPrometheusMetric, type MetricReading, type PromCheckTimes } from "../../src/metrics/index.js";
import { serveSandbox, type ServingSandbox } from "../../src/operations/serve.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { SystemClock } from "../../src/util/clock.js";
import { tempDir } from "../support/cli.js";
import { deployment, ingress, service } from "../cluster/controllers/fixtures.js";
import {
  fetchHttp,
  freePort,
  PROMETHEUS,
  PROMETHEUS_MISSING_REASON,
  startPrometheus,
  type RunningPrometheus,
} from "./prometheus-support.js";

const HOST = "web.example.com";
const CANARY = `sum(rate(nginx_ingress_controller_requests{host="${HOST}",canary!=""}[10s]))`;
const CANARY_OK = `sum(rate(nginx_ingress_controller_requests{host="${HOST}",canary!="",status!~"5.."}[10s]))`;
const STABLE = `sum(rate(nginx_ingress_controller_requests{host="${HOST}",canary=""}[10s]))`;
const STABLE_OK = `sum(rate(nginx_ingress_controller_requests{host="${HOST}",canary="",status!~"5.."}[10s]))`;

function canaryObjects(): KubeObject[] {
  const main = ingress("web", HOST, "/");
  main.metadata.annotations = { [ANNOTATION_TRAFFIC_RPS]: "40" };
  const v2 = deployment("web-v2", "web:v2", 2);
  (v2.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations = {
    [ANNOTATION_ERROR_RATE]: "0.5",
  };
  const canary = ingress("web-canary", HOST, "/", "web-canary");
  canary.metadata.annotations = {
    "nginx.ingress.kubernetes.io/canary": "true",
    "nginx.ingress.kubernetes.io/canary-weight": "50",
  };
  return [deployment("web", "web:v1", 4), service("web"), main, v2, service("web-canary", "web-v2"), canary];
}

function firstValue(reading: MetricReading): number | undefined {
  if (reading.kind !== "value") return undefined;
  return typeof reading.value === "number" ? reading.value : reading.value[0];
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe.skipIf(PROMETHEUS === undefined)(
  `a real Prometheus scraping sandbox serve${PROMETHEUS === undefined ? ` (skipped: ${PROMETHEUS_MISSING_REASON})` : ""}`,
  () => {
    let serving: ServingSandbox;
    let prometheus: RunningPrometheus;
    const sources = (): { now: Date; http: typeof fetchHttp } => ({ now: new Date(), http: fetchHttp });

    beforeAll(async () => {
      const dir = tempDir("vela-ts-prometheus-");
      const clock = new SystemClock();
      const sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock });
      for (const object of canaryObjects()) await sandbox.apply(object);
      await sandbox.settle();
      sandbox.close();
      serving = await serveSandbox({
        sandboxDir: join(dir, "sandbox"),
        kubeconfigOut: join(dir, "kubeconfig"),
        clock,
        settleIntervalMs: 250,
      });
      mkdirSync(join(dir, "prometheus"));
      prometheus = await startPrometheus(join(dir, "prometheus"), {
        port: serving.port,
        token: serving.server.token,
        caPem: serving.server.certificate.certPem,
      });
    }, 60_000);

    afterAll(async () => {
      await prometheus?.stop();
      await serving?.close();
    });

    it("reads the canary's success rate with PromQL over ingress-nginx's metric", async () => {
      // A ratio of a handful of requests may land anywhere: read it once the window holds enough of them.
      const window = (query: string): string => query.replace("[10s]", "[30s]");
      const canaryCount = `sum(increase(nginx_ingress_controller_requests{host="${HOST}",canary!=""}[30s]))`;
      await eventually(
        () => readPrometheusMetric(prometheus.address, canaryCount, {}, sources()),
        (value) => (firstValue(value) ?? 0) >= 100,
      );
      const reading = await readPrometheusMetric(
        prometheus.address,
        `${window(CANARY_OK)} / ${window(CANARY)}`,
        {},
        sources(),
      );
      expect(reading.kind).toBe("value");
      const value = firstValue(reading);
      expect(value).toBeGreaterThan(0.3);
      expect(value).toBeLessThan(0.7);
      const stable = await readPrometheusMetric(prometheus.address, `${STABLE_OK} / ${STABLE}`, {}, sources());
      expect(stable).toEqual({ kind: "value", value: [1] });
    }, 60_000);

    it("exports the latency histogram with ingress-nginx's buckets", async () => {
      const reading = await eventually(
        () =>
          readPrometheusMetric(
            prometheus.address,
            `histogram_quantile(0.5, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{host="${HOST}"}[10s])))`,
            {},
            sources(),
          ),
        (value) => value.kind === "value",
      );
      const median = firstValue(reading);
      // The default pod latency is log-normal with a 20 ms median: within the (10 ms, 25 ms] bucket
      // (histogram_quantile interpolates inside it and may land on its upper bound).
      expect(median).toBeGreaterThan(0.01);
      expect(median).toBeLessThanOrEqual(0.025);
    }, 60_000);

    it("gives #PromCheck a failing value: the bad canary never passes >=0.95", async () => {
      const times = new Map<string, PromCheckTimes>();
      const env = {
        ...sources(),
        memory: {
          get: (id: string) => times.get(id) ?? {},
          set: (id: string, t: PromCheckTimes) => void times.set(id, t),
        },
      };
      const params = {
        query: `${CANARY_OK} / ${CANARY}`,
        metricEndpoint: prometheus.address,
        condition: ">=0.95",
        stepID: "check",
        duration: "1s",
        failDuration: "1s",
      };
      const first = await promCheck(params, env);
      expect(first).toMatchObject({ result: false, failed: false });
      expect(first.message).toMatch(/indicating failure/);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = await promCheck(params, { ...env, now: new Date() });
      expect(second).toMatchObject({ result: false, failed: true });
    }, 60_000);

    it("reads a Prometheus that is down as an error, never as a value", async () => {
      const port = await freePort();
      const reading = await readPrometheusMetric(`http://127.0.0.1:${port}`, "vector(1)", {}, sources());
      expect(reading.kind).toBe("error");
    });
  },
);
