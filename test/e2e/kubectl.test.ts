import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { startSandboxServer, type SandboxServer } from "../../src/cluster/sandbox/server/index.js";
import { FakeClock } from "../../src/util/clock.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import { tempDir } from "../support/cli.js";
import { KUBECTL, KUBECTL_MISSING_REASON, kubectlWorkspace } from "../cluster/server/support.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
`;

const APPLICATION = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: canary-demo
  namespace: default
spec:
  components:
  - name: canary-demo
    type: webservice
    properties: {image: "barnett/canarydemo:v1"}
`;

describe.skipIf(KUBECTL === undefined)(
  `real kubectl against vela-ts sandbox serve${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    let cluster: SandboxCluster;
    let server: SandboxServer;
    let workspace: ReturnType<typeof kubectlWorkspace>;

    beforeAll(async () => {
      cluster = await openSandbox({ dir: tempDir("vela-ts-served-"), clock });
      server = await startSandboxServer({ cluster, clock, settleIntervalMs: 0 });
      workspace = kubectlWorkspace(server.kubeconfig());
    });
    afterAll(async () => {
      await server.close();
      cluster.close();
    });

    it("get deploy,rollout,ingress -A lists objects of every kind with their columns", async () => {
      const empty = await workspace.kubectl(["get", "deploy,rollout,ingress", "-A"]);
      expect(empty.stderr).toContain("No resources found");
      await cluster.apply({
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "edge", namespace: "web" },
        spec: { rules: [{ host: "canary-demo.com" }] },
      });
      await cluster.apply({
        apiVersion: "rollouts.kruise.io/v1alpha1",
        kind: "Rollout",
        metadata: { name: "canary", namespace: "web" },
        spec: {
          objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
          strategy: { canary: { steps: [{ weight: 20 }, { weight: 100 }] } },
        },
      });
      clock.advanceSeconds(90);
      const listed = await workspace.kubectl(["get", "deploy,rollout,ingress", "-A"]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/NAMESPACE\s+NAME\s+STATUS\s+CANARY_STEP\s+CANARY_STATE\s+MESSAGE\s+AGE/);
      expect(listed.stdout).toMatch(/web\s+rollout\.rollouts\.kruise\.io\/canary\s+.*90s/);
      expect(listed.stdout).toMatch(/web\s+ingress\.networking\.k8s\.io\/edge\s+<none>\s+canary-demo\.com\s+80\s+90s/);
    });

    it("apply -f creates a Deployment and get -o yaml shows it", async () => {
      const file = join(workspace.dir, "deploy.yaml");
      writeFileSync(file, DEPLOYMENT);
      const applied = await workspace.kubectl(["apply", "-f", file]);
      expect(applied.stderr).toBe("");
      expect(applied.stdout).toBe("deployment.apps/web created\n");
      const shown = await workspace.kubectl(["get", "deploy", "web", "-o", "yaml"]);
      const object = parseYaml(shown.stdout) as KubeObject;
      expect(object.metadata.namespace).toBe("default");
      expect(object.spec).toMatchObject({ replicas: 2 });
      expect(object.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]).toContain(
        '"replicas":2',
      );
      const live = await cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default" });
      expect(live?.metadata.uid).toBe(object.metadata.uid);
      // The simulated Deployment controller ran in the server process after the write.
      const pods = await workspace.kubectl(["get", "pods", "-l", "app=web", "-o", "json"]);
      const items = (JSON.parse(pods.stdout) as { items: KubeObject[] }).items;
      expect(items).toHaveLength(2);
      expect(items.every((pod) => pod.metadata.ownerReferences?.[0]?.kind === "ReplicaSet")).toBe(true);
    });

    it("apply -f again with a change patches the Deployment (strategic merge)", async () => {
      const file = join(workspace.dir, "deploy.yaml");
      writeFileSync(file, DEPLOYMENT.replace("replicas: 2", "replicas: 3").replace("nginx:1.25", "nginx:1.26"));
      const applied = await workspace.kubectl(["apply", "-f", file]);
      expect(applied.stderr).toBe("");
      expect(applied.stdout).toBe("deployment.apps/web configured\n");
      const live = await cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default" });
      expect(live?.spec).toMatchObject({
        replicas: 3,
        template: { spec: { containers: [{ name: "web", image: "nginx:1.26" }] } },
      });
      const table = await workspace.kubectl(["get", "deployments"]);
      expect(table.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+\d+\/3\s+/);
    });

    it("apply --server-side records kubectl as field manager", async () => {
      const file = join(workspace.dir, "cm.yaml");
      writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: canary\n");
      const applied = await workspace.kubectl(["apply", "--server-side", "-f", file]);
      expect(applied.stderr).toBe("");
      expect(applied.stdout).toBe("configmap/settings serverside-applied\n");
      const live = await cluster.get({ apiVersion: "v1", kind: "ConfigMap", name: "settings", namespace: "default" });
      expect(live?.data).toEqual({ mode: "canary" });
      expect(live?.metadata.managedFields?.map((entry) => entry.manager)).toContain("kubectl");
    });

    it("get application -o yaml shows a core.oam.dev/v1beta1 Application", async () => {
      const file = join(workspace.dir, "app.yaml");
      writeFileSync(file, APPLICATION);
      const applied = await workspace.kubectl(["apply", "-f", file]);
      expect(applied.stdout).toBe("application.core.oam.dev/canary-demo created\n");
      const shown = await workspace.kubectl(["get", "application", "canary-demo", "-o", "yaml"]);
      const object = parseYaml(shown.stdout) as KubeObject;
      expect(object.apiVersion).toBe("core.oam.dev/v1beta1");
      expect(object.spec).toEqual({
        components: [{ name: "canary-demo", type: "webservice", properties: { image: "barnett/canarydemo:v1" } }],
      });
      const byShortName = await workspace.kubectl(["get", "app"]);
      expect(byShortName.stdout).toMatch(
        /^NAME\s+COMPONENT\s+TYPE\s+PHASE\s+HEALTHY\s+AGE\ncanary-demo\s+canary-demo\s+webservice\s+/,
      );
    });

    it("delete removes the object and later gets say NotFound", async () => {
      const deleted = await workspace.kubectl(["delete", "deployment", "web"]);
      expect(deleted.stderr).toBe("");
      expect(deleted.stdout).toBe('deployment.apps "web" deleted\n');
      const missing = await workspace.kubectl(["get", "deployment", "web"]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('Error from server (NotFound): deployments.apps "web" not found');
      const pods = await workspace.kubectl(["get", "pods", "-l", "app=web"]);
      expect(pods.stderr).toContain("No resources found in default namespace.");
    });
  },
);

describe.skipIf(KUBECTL === undefined)(
  `kubectl apply against a server without OpenAPI v3${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    it("falls back to the protobuf /openapi/v2 document (what kubectl before 1.27 reads) and applies", async () => {
      const clock = new FakeClock();
      const cluster = await openSandbox({ dir: tempDir("vela-ts-served-"), clock });
      const server = await startSandboxServer({ cluster, clock, settleIntervalMs: 0, openApiV3: false });
      try {
        const workspace = kubectlWorkspace(server.kubeconfig());
        const file = join(workspace.dir, "app.yaml");
        writeFileSync(file, APPLICATION);
        const applied = await workspace.kubectl(["apply", "-f", file]);
        expect(applied.stderr).toBe("");
        expect(applied.stdout).toBe("application.core.oam.dev/canary-demo created\n");
      } finally {
        await server.close();
        cluster.close();
      }
    });
  },
);
