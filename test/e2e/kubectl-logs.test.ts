/**
 * `kubectl logs` against `sandbox serve`, with the real kubectl: a pod's simulated container log is
 * its start line and one access-log line per request the traffic simulation routed to that pod;
 * kubectl's flags (`-c`, `--tail`, `--since`, `--timestamps`, `-l`, `deploy/NAME`, `-f`) map to the
 * log subresource's query, and a missing pod or container gets the API server's words.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import {
  KUBECTL,
  KUBECTL_MISSING_REASON,
  servedSandboxForKubectl,
  type ServedForKubectl,
} from "../cluster/server/support.js";
import { documentedOutput } from "./kubectl-docs.js";

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
        - name: sidecar
          image: busybox:1.36
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  selector: {app: web}
  ports:
    - port: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: default
  annotations:
    sandbox.vela-ts.dev/traffic-rps: "4"
spec:
  ingressClassName: nginx
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port: {number: 80}
`;

const ACCESS_LINE =
  /^10\.244\.0\.\d+ - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/ HTTP\/1\.1" 200 615 "-" "vela-ts-sandbox" \d+\.\d{3} "web\.example\.com"$/;

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

describe.skipIf(KUBECTL === undefined)(
  `kubectl logs on the served sandbox${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    let served: ServedForKubectl;
    let workspace: ServedForKubectl["workspace"];
    let pods: string[] = [];

    beforeAll(async () => {
      served = await servedSandboxForKubectl("vela-ts-served-logs-", clock);
      workspace = served.workspace;
      const apply = await workspace.kubectl(["apply", "-f", "-"], MANIFESTS);
      expect(apply.code, apply.stderr).toBe(0);
      await served.cluster.settle();
      clock.advance(60_000);
      await served.cluster.settle();
      const run = await workspace.kubectl(["get", "pods", "-l", "app=web", "-o", "name"]);
      pods = lines(run.stdout).map((line) => line.replace(/^pod\//, ""));
      expect(pods).toHaveLength(2);
    }, 60_000);

    afterAll(() => served.close());

    it("kubectl auth can-i get pods/log: yes", async () => {
      const run = await workspace.kubectl(["auth", "can-i", "get", "pods", "--subresource=log"]);
      expect(run.stdout.trim(), run.stderr).toBe("yes");
    });

    it("a pod's log: its start, then one access-log line per request it answered (the pods share the 240)", async () => {
      let requests = 0;
      for (const pod of pods) {
        const run = await workspace.kubectl(["logs", pod, "-c", "web"]);
        expect(run.code, run.stderr).toBe(0);
        const [start, ...rest] = lines(run.stdout);
        expect(start).toBe("[sandbox] container web started (image nginx:1.25, restart 0)");
        for (const line of rest) expect(line).toMatch(ACCESS_LINE);
        expect(rest.length).toBeGreaterThan(60);
        requests += rest.length;
      }
      expect(requests).toBe(240);
    });

    it("the second container logs only its start; an unknown container is the API server's 400", async () => {
      const sidecar = await workspace.kubectl(["logs", pods[0] ?? "", "-c", "sidecar"]);
      expect(sidecar.stdout).toBe("[sandbox] container sidecar started (image busybox:1.36, restart 0)\n");
      const wrong = await workspace.kubectl(["logs", pods[0] ?? "", "-c", "nope"]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`container nope is not valid for pod ${pods[0] ?? ""}`);
    });

    it("--tail, --since and --timestamps select and prefix lines", async () => {
      const pod = pods[0] ?? "";
      const all = lines((await workspace.kubectl(["logs", pod, "-c", "web"])).stdout);
      const tail = await workspace.kubectl(["logs", pod, "-c", "web", "--tail=3"]);
      expect(lines(tail.stdout)).toEqual(all.slice(-3));
      const since = lines((await workspace.kubectl(["logs", pod, "-c", "web", "--since=10s"])).stdout);
      expect(since.length).toBeGreaterThan(0);
      expect(since.length).toBeLessThan(all.length / 3);
      expect(all.slice(-since.length)).toEqual(since);
      const stamped = lines((await workspace.kubectl(["logs", pod, "-c", "web", "--timestamps", "--tail=2"])).stdout);
      expect(stamped).toHaveLength(2);
      for (const [index, line] of stamped.entries()) {
        expect(line).toMatch(/^2026-01-01T00:00:\d{2}\.\d{9}Z /);
        expect(line.slice(line.indexOf(" ") + 1)).toBe(all.slice(-2)[index]);
      }
    });

    it("-l selects pods client-side; deploy/NAME resolves to one of its pods", async () => {
      const byLabel = await workspace.kubectl(["logs", "-l", "app=web", "-c", "web", "--tail=1", "--prefix"]);
      expect(byLabel.code, byLabel.stderr).toBe(0);
      const prefixed = lines(byLabel.stdout);
      expect(prefixed).toHaveLength(2);
      expect(prefixed.map((line) => /^\[pod\/([^/]+)\/web\]/.exec(line)?.[1]).sort()).toEqual([...pods].sort());
      const deploy = await workspace.kubectl(["logs", "deploy/web", "-c", "web", "--tail=1"]);
      expect(deploy.code, deploy.stderr).toBe(0);
      expect(lines(deploy.stdout)[0]).toMatch(ACCESS_LINE);
      const documented = documentedOutput("logs deploy/web -c web --tail=2").split("\n").slice(0, 2);
      expect(documented).toHaveLength(2);
      for (const line of documented) expect(line).toMatch(ACCESS_LINE);
    });

    it("a missing pod is kubectl's NotFound, worded as against an API server", async () => {
      const run = await workspace.kubectl(["logs", "nothing-here"]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(
        'error: error from server (NotFound): pods "nothing-here" not found in namespace "default"',
      );
      expect(documentedOutput("logs nothing-here")).toBe(run.stderr.trim());
    });

    it("-f streams new lines and ends when the pod is deleted", async () => {
      const pod = pods[1] ?? "";
      if (KUBECTL === undefined) throw new Error(KUBECTL_MISSING_REASON);
      const child = spawn(
        KUBECTL,
        [
          "--kubeconfig",
          workspace.kubeconfigPath,
          "--cache-dir",
          join(workspace.dir, "cache"),
          "logs",
          pod,
          "-c",
          "web",
          "-f",
          "--tail=0",
        ],
        { env: { PATH: process.env.PATH ?? "", HOME: workspace.dir } },
      );
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      const waitFor = async (predicate: () => boolean): Promise<void> => {
        for (let tries = 0; tries < 100 && !predicate(); tries++) await new Promise((r) => setTimeout(r, 100));
      };
      await new Promise((r) => setTimeout(r, 1000));
      expect(output).toBe("");
      clock.advance(20_000);
      await served.cluster.settle();
      await waitFor(() => lines(output).length > 10);
      for (const line of lines(output)) expect(line).toMatch(ACCESS_LINE);
      expect(lines(output).length).toBeGreaterThan(10);
      const removed = await workspace.kubectl(["delete", "pod", pod, "--wait=false"]);
      expect(removed.code, removed.stderr).toBe(0);
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 15_000))]);
      if (code === "still running") child.kill();
      expect(code).toBe(0);
    }, 40_000);
  },
);
