import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandbox, type SandboxCluster } from "../../src/cluster/index.js";
import {
  parseSandboxQuery,
  REQUEST_METRICS_API_VERSION,
  REQUEST_METRICS_KIND,
  REQUEST_METRICS_NAMESPACE,
  renderRequestMetrics,
} from "../../src/cluster/sandbox/metrics/index.js";
import {
  evaluateMetricCondition,
  measureMetric,
  parseJsonPath,
  promCheck,
  readWebMetric,
  type PromCheckTimes,
} from "../../src/metrics/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import { tempDir } from "../support/cli.js";
import { deployment, ingress, service } from "../cluster/controllers/fixtures.js";
import { fetchHttp } from "./prometheus-support.js";

const HOST = "web.example.com";

async function canarySandbox(errorRate: string): Promise<{ sandbox: SandboxCluster; clock: FakeClock }> {
  const clock = new FakeClock(new Date("2026-02-01T00:00:00Z"));
  const sandbox = await openSandbox({ dir: tempDir(), clock });
  const v2 = deployment("web-v2", "web:v2", 2);
  (v2.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations = {
    "sandbox.vela-ts.dev/error-rate": errorRate,
    "sandbox.vela-ts.dev/latency-ms": "120",
  };
  const canary = ingress("web-canary", HOST, "/", "web-canary");
  canary.metadata.annotations = {
    "nginx.ingress.kubernetes.io/canary": "true",
    "nginx.ingress.kubernetes.io/canary-weight": "30",
  };
  const objects: KubeObject[] = [deployment("web", "web:v1", 4), service("web"), ingress("web", HOST, "/"), v2];
  for (const object of [...objects, service("web-canary", "web-v2"), canary]) await sandbox.apply(object);
  await sandbox.settle();
  clock.advance(120_000);
  await sandbox.settle();
  return { sandbox, clock };
}

describe("the sandbox provider", () => {
  it("answers success rate, latency and request rate per version over a window", async () => {
    const { sandbox, clock } = await canarySandbox("0.3");
    const now = clock.now();
    const read = (query: string) =>
      measureMetric({ kind: "sandbox", query: parseSandboxQuery(query) }, { now, sandbox: sandbox.store });
    const canary = await read(`success-rate{host="${HOST}",version="canary"}[1m]`);
    const stable = await read(`success-rate{host="${HOST}",version="stable"}[1m]`);
    expect(stable).toEqual({ kind: "value", value: 1 });
    expect(canary.kind).toBe("value");
    const rate = canary.kind === "value" ? (canary.value as number) : 0;
    expect(rate).toBeGreaterThan(0.55);
    expect(rate).toBeLessThan(0.85);
    // 10 requests a second over the whole minute (buckets overlapping the window: 60–70 s of them).
    const count = await read(`request-count{host="${HOST}"}[1m]`);
    expect(count.kind === "value" ? count.value : 0).toBeGreaterThanOrEqual(600);
    expect(count.kind === "value" ? count.value : 0).toBeLessThanOrEqual(700);
    // The canary answers in exactly 120 ms: its p99 lies in the 100–250 ms bucket.
    const p99 = await read(`latency-p99{host="${HOST}",version="web:v2"}[1m]`);
    expect(p99.kind === "value" ? p99.value : 0).toBeGreaterThan(100);
    expect(p99.kind === "value" ? p99.value : 0).toBeLessThanOrEqual(250);
    expect(await read(`success-rate{host="other.example.com"}[1m]`)).toMatchObject({ kind: "no-data" });
    sandbox.close();
  });

  it("refuses a query it does not know, naming the metrics it does", () => {
    expect(() => parseSandboxQuery('rate(http_requests_total{host="x"}[1m])')).toThrow(/does not read/);
    expect(() => parseSandboxQuery('success{host="x"}')).toThrow(/unknown metric "success"/);
    expect(() => parseSandboxQuery("success-rate[1m]")).toThrow(/host label is required/);
  });
});

describe("#PromCheck over the sandbox", () => {
  it("succeeds only after the condition held for duration, and fails after failDuration", async () => {
    const { sandbox, clock } = await canarySandbox("0");
    const times = new Map<string, PromCheckTimes>();
    const check = (condition: string) =>
      promCheck(
        {
          query: `success-rate{host="${HOST}",version="canary"}[1m]`,
          metricEndpoint: "sandbox",
          condition,
          stepID: condition,
          duration: "30s",
          failDuration: "30s",
        },
        {
          now: clock.now(),
          sandbox: sandbox.store,
          memory: { get: (id) => times.get(id) ?? {}, set: (id, value) => void times.set(id, value) },
        },
      );
    expect(await check(">=0.99")).toMatchObject({ result: false, failed: false });
    expect(await check("<0.5")).toMatchObject({ result: false, failed: false });
    clock.advance(15_000);
    await sandbox.settle();
    expect(await check(">=0.99")).toMatchObject({ result: false, failed: false });
    clock.advance(15_000);
    await sandbox.settle();
    expect(await check(">=0.99")).toEqual({
      result: true,
      failed: false,
      message: "The metric check has passed successfully.",
    });
    const failed = await check("<0.5");
    expect(failed).toMatchObject({ result: false, failed: true });
    expect(failed.message).toMatch(
      /^The healthy condition should be <0\.5, but the query result is 1, indicating failure\. The failure has persisted for 30s/,
    );
    sandbox.close();
  });
});

describe("the exposition", () => {
  it("writes ingress-nginx's counter and histogram with its label names", async () => {
    const { sandbox } = await canarySandbox("0.5");
    const text = renderRequestMetrics(
      sandbox.store.list(REQUEST_METRICS_API_VERSION, REQUEST_METRICS_KIND, { namespace: REQUEST_METRICS_NAMESPACE }),
    );
    expect(text).toContain("# TYPE nginx_ingress_controller_requests counter");
    expect(text).toContain("# TYPE nginx_ingress_controller_request_duration_seconds histogram");
    expect(text).toMatch(
      /^nginx_ingress_controller_requests\{canary="default-web-canary",controller_class="k8s.io\/ingress-nginx",controller_namespace="ingress-nginx",controller_pod="ingress-nginx-controller",host="web.example.com",ingress="web",method="GET",namespace="default",service="web-canary",status="500"\} \d+$/m,
    );
    expect(text).toMatch(/^nginx_ingress_controller_request_duration_seconds_bucket\{.*canary="",.*le="\+Inf"\} \d+$/m);
    const lines = text.trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(/^(# (HELP|TYPE) \S+ .+|[a-z_]+\{[^}]*\} [0-9.e+-]+)$/);
    sandbox.close();
  });
});

describe("conditions", () => {
  it("reads Argo's expressions over result", () => {
    expect(evaluateMetricCondition("result >= 0.99", 0.995)).toBe(true);
    expect(evaluateMetricCondition("result[0] < 0.05", [0.1])).toBe(false);
    expect(evaluateMetricCondition("len(result) > 0 && result[0] >= 1", [2])).toBe(true);
  });
});

describe("the web provider", () => {
  let server: Server;
  let url = "";
  beforeAll(async () => {
    server = createServer((request, response) => {
      const body = request.url === "/ok" ? { data: { ratio: 0.97, items: [{ value: "12.5" }] } } : { error: "nope" };
      response.writeHead(request.url === "/ok" ? 200 : 500, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reads a number at a JSONPath, as Argo's web metric", async () => {
    const sources = { now: new Date(), http: fetchHttp };
    expect(await readWebMetric(`${url}/ok`, "{$.data.ratio}", {}, sources)).toEqual({ kind: "value", value: 0.97 });
    expect(await readWebMetric(`${url}/ok`, "$.data.items[0].value", {}, sources)).toEqual({
      kind: "value",
      value: 12.5,
    });
    expect(await readWebMetric(`${url}/ok`, "$.data.missing", {}, sources)).toMatchObject({ kind: "no-data" });
    expect(await readWebMetric(`${url}/bad`, "$.data.ratio", {}, sources)).toMatchObject({ kind: "error" });
    expect(parseJsonPath("{$.a['b c'][2]}")).toEqual(["a", "b c", 2]);
    expect(parseJsonPath("$.a..b")).toBeUndefined();
  });
});
