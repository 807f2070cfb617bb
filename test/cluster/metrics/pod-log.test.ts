import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/model/kube-object.js";
import {
  containerInstance,
  containerLogLines,
  readRequestLog,
  recordRequests,
  requestMetricsObject,
  type RequestLog,
  type TimedRequest,
} from "../../../src/cluster/sandbox/metrics/index.js";

const LABELS = {
  router: "ingress-nginx",
  namespace: "default",
  route: "web",
  service: "web",
  workload: "web",
  version: "abc",
  image: "web:v1",
  canary: false,
};
const T0 = Date.parse("2026-01-01T00:00:00Z") / 1000;

function request(at: number, pod: string, status = 200): TimedRequest {
  return { labels: LABELS, status, latencyMs: 10, pod: `default/${pod}`, path: "/shop", at };
}

function pod(status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace: "default", uid: "u1" },
    spec: { containers: [{ name: "web", image: "web:v1" }] },
    status: { containerStatuses: [{ name: "web", image: "web:v1", ...status }] },
  };
}

describe("per-pod request log", () => {
  it("records each pod's requests per second of a bucket, and survives the store's round trip", () => {
    const empty: RequestLog = { host: "web.example.com", buckets: [], totals: [] };
    const log = recordRequests(
      empty,
      [request(T0 + 1, "web-1"), request(T0 + 1, "web-1"), request(T0 + 3, "web-2", 500), request(T0 + 12, "web-1")],
      T0 + 20,
    );
    expect(log.buckets[0]?.pods).toEqual([
      { pod: "default/web-1", path: "/shop", status: 200, perSecond: [0, 2, 0, 0, 0, 0, 0, 0, 0, 0], latencySumMs: 20 },
      { pod: "default/web-2", path: "/shop", status: 500, perSecond: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0], latencySumMs: 10 },
    ]);
    expect(log.buckets[1]?.pods?.[0]?.perSecond).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    const stored = requestMetricsObject(log, new Date((T0 + 20) * 1000));
    expect(readRequestLog(stored, "web.example.com")).toEqual(log);
  });

  it("a restarted container's log starts at its new start and says how the last one ended", () => {
    const log = recordRequests(
      { host: "web.example.com", buckets: [], totals: [] },
      [request(T0 + 1, "web-1"), request(T0 + 31, "web-1", 500)],
      T0 + 40,
    );
    const restarted = pod({
      restartCount: 1,
      state: { running: { startedAt: "2026-01-01T00:00:30Z" } },
      lastState: {
        terminated: {
          startedAt: "2026-01-01T00:00:00Z",
          finishedAt: "2026-01-01T00:00:29Z",
          reason: "OOMKilled",
          exitCode: 137,
        },
      },
    });
    const instance = containerInstance(restarted, "web");
    const lines = containerLogLines(restarted, instance, [log], {
      from: instance.startedAt ?? 0,
      until: (T0 + 40) * 1000,
      restart: instance.restartCount,
      ...(instance.previous === undefined ? {} : { previous: instance.previous }),
    });
    expect(lines.map((line) => line.text)).toEqual([
      "[sandbox] container web started (image web:v1, restart 1); the previous instance ended: OOMKilled, exit code 137",
      "10.244.0." +
        (lines[1]?.text.split(" ")[0]?.split(".")[3] ?? "") +
        ' - - [01/Jan/2026:00:00:31 +0000] "GET /shop HTTP/1.1" 500 157 "-" "vela-ts-sandbox" 0.010 "web.example.com"',
    ]);
  });

  it("a container that has not started is waiting, with its reason", () => {
    expect(containerInstance(pod({ state: { waiting: { reason: "ImagePullBackOff" } } }), "web")).toMatchObject({
      waitingReason: "ImagePullBackOff",
    });
  });
});
