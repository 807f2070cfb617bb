/**
 * `kubectl scale` against `sandbox serve`, with the real kubectl: the scale subresource
 * (`autoscaling/v1` Scale) of the workloads, listed in discovery, read and patched; the simulated
 * Deployment controller then runs the new count of pods. Kinds without the subresource are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import {
  KUBECTL,
  KUBECTL_MISSING_REASON,
  servedSandboxForKubectl,
  type ServedForKubectl,
} from "../cluster/server/support.js";

const DEPLOYMENT = `apiVersion: apps/v1
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
`;

describe.skipIf(KUBECTL === undefined)(
  `kubectl scale on the served sandbox${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    let served: ServedForKubectl;
    let workspace: ServedForKubectl["workspace"];

    beforeAll(async () => {
      served = await servedSandboxForKubectl("vela-ts-served-scale-", clock);
      workspace = served.workspace;
      const apply = await served.workspace.kubectl(["apply", "-f", "-"], DEPLOYMENT);
      expect(apply.code, apply.stderr).toBe(0);
    });

    afterAll(() => served.close());

    async function podsOfWeb(): Promise<number> {
      const run = await workspace.kubectl(["get", "pods", "-l", "app=web", "-o", "name"]);
      expect(run.code, run.stderr).toBe(0);
      return run.stdout.split("\n").filter((line) => line.startsWith("pod/")).length;
    }

    it("discovery lists deployments/scale as an autoscaling/v1 Scale", async () => {
      const run = await workspace.kubectl(["get", "--raw", "/apis/apps/v1"]);
      const list = JSON.parse(run.stdout) as { resources: { name: string; kind: string; group?: string }[] };
      expect(list.resources.find((resource) => resource.name === "deployments/scale")).toMatchObject({
        kind: "Scale",
        group: "autoscaling",
      });
      expect(list.resources.some((resource) => resource.name === "controllerrevisions/scale")).toBe(false);
    });

    it("reads the Scale: desired and observed replicas, the selector as text", async () => {
      const run = await workspace.kubectl(["get", "--raw", "/apis/apps/v1/namespaces/default/deployments/web/scale"]);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        kind: "Scale",
        apiVersion: "autoscaling/v1",
        metadata: { name: "web", namespace: "default" },
        spec: { replicas: 2 },
        status: { replicas: 2, selector: "app=web" },
      });
    });

    it("kubectl scale sets the replicas and the controller runs that many pods", async () => {
      expect(await podsOfWeb()).toBe(2);
      const run = await workspace.kubectl(["scale", "deployment/web", "--replicas=4"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe("deployment.apps/web scaled");
      const replicas = await workspace.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]);
      expect(replicas.stdout).toBe("4");
      expect(await podsOfWeb()).toBe(4);
      const template = await workspace.kubectl([
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      ]);
      expect(template.stdout).toBe("nginx:1.25");
    });

    it("--current-replicas is a precondition: a mismatch changes nothing", async () => {
      const run = await workspace.kubectl(["scale", "deployment/web", "--current-replicas=9", "--replicas=1"]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/expected replicas to be 9, was 4/i);
      const replicas = await workspace.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]);
      expect(replicas.stdout).toBe("4");
    });

    it("a negative count is refused with 422; a kind without the subresource with 404", async () => {
      const negative = await workspace.kubectl([
        "patch",
        "deployment",
        "web",
        "--subresource=scale",
        "--type=merge",
        "-p",
        '{"spec":{"replicas":-1}}',
      ]);
      expect(negative.code).not.toBe(0);
      expect(negative.stderr).toContain('The Scale "web" is invalid');
      expect(negative.stderr).toContain("spec.replicas: Invalid value: -1: must be greater than or equal to 0");
      const unchanged = await workspace.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]);
      expect(unchanged.stdout).toBe("4");

      expect((await workspace.kubectl(["create", "configmap", "settings", "--from-literal=a=b"])).code).toBe(0);
      const configMap = await workspace.kubectl(["scale", "configmap/settings", "--replicas=2"]);
      expect(configMap.code).not.toBe(0);
      expect(configMap.stderr).toMatch(/could not find the requested resource|no scale/i);
    });

    it("auth can-i knows the scale subresource", async () => {
      const run = await workspace.kubectl(["auth", "can-i", "patch", "deployments", "--subresource=scale"]);
      expect(run.stdout.trim(), run.stderr).toBe("yes");
      const pods = await workspace.kubectl(["auth", "can-i", "patch", "pods", "--subresource=scale"]);
      expect(pods.stdout.trim()).toBe("no - the served sandbox has no pods/scale");
    });
  },
);
