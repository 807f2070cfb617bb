/**
 * A real member cluster joined from a kubeconfig, as `vela cluster join` does: the hub and the member
 * are both `sandbox serve` (real Kubernetes APIs over HTTPS), vela-ts reaches them with the real
 * client. The join stores the context's server, CA and token in a Secret of the hub's `vela-system`
 * (read back with the real kubectl), the deploy reaches the member with the Secret's credentials
 * alone (the kubeconfig file is gone by then), `cluster list` shows the server and credential type
 * and no secret, `detach` removes the Secret; an exec-plugin context is refused, naming the file.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { serveSandbox, type ServingSandbox } from "../../src/operations/serve.js";
import { FakeClock } from "../../src/util/clock.js";
import { KUBECTL, KUBECTL_MISSING_REASON, kubectlWorkspace } from "../cluster/server/support.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";

const APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: edge-settings
  namespace: default
spec:
  components:
    - name: settings
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: edge-settings}
            data: {region: eu}
  policies:
    - name: on-edge
      type: topology
      properties: {clusters: [edge], namespace: shop}
  workflow:
    steps:
      - name: deploy-edge
        type: deploy
        properties: {policies: [on-edge]}
`;

interface KubeconfigDoc {
  users: { name: string; user: Record<string, unknown> }[];
}

describe.skipIf(KUBECTL === undefined)(
  `a member cluster joined from a kubeconfig${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    const root = tempDir("vela-ts-kubeconfig-member-");
    let hub: ServingSandbox;
    let member: ServingSandbox;
    let workspace: ReturnType<typeof kubectlWorkspace>;
    const memberKubeconfig = join(root, "edge.kubeconfig");
    const vela = (argv: readonly string[]): Promise<CliRun> =>
      runCli([...argv, "--kubeconfig", hub.kubeconfigPath], { cwd: root, clock });

    beforeAll(async () => {
      hub = await serveSandbox({
        sandboxDir: join(root, "hub"),
        kubeconfigOut: join(root, "hub.kubeconfig"),
        clock,
        settleIntervalMs: 20,
      });
      member = await serveSandbox({
        sandboxDir: join(root, "edge"),
        kubeconfigOut: memberKubeconfig,
        clock,
        settleIntervalMs: 20,
      });
      workspace = kubectlWorkspace(hub.server.kubeconfig());
    });
    afterAll(async () => {
      await hub.close();
      await member.close();
    });

    it("a context that authenticates with an exec plugin is refused, naming the file; nothing is stored", async () => {
      const doc = parseYaml(member.server.kubeconfig()) as KubeconfigDoc;
      for (const user of doc.users)
        user.user = { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "aws", args: ["eks"] } };
      const execFile = join(root, "exec.kubeconfig");
      writeFileSync(execFile, stringify(doc));
      const refused = await vela(["cluster", "join", "edge", "--member-kubeconfig", execFile]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`error[E_CLUSTER_JOIN]: kubeconfig ${execFile}: context "vela-ts-sandbox"`);
      expect(refused.stderr).toContain("an exec plugin");
      expect(refused.stderr).toContain("X.509 client certificate or a bearer token");
      const secrets = await workspace.kubectl(["get", "secrets", "-n", "vela-system", "-o", "name"]);
      expect(secrets.stdout).not.toContain("edge");
    });

    it("join stores the server, CA and token in the Secret vela-system/edge, as KubeVela's cluster gateway reads it", async () => {
      const joined = await vela([
        "cluster",
        "join",
        "edge",
        "--member-kubeconfig",
        memberKubeconfig,
        "--labels",
        "env=prod",
      ]);
      expect(joined.stderr).toBe("");
      expect(joined.stdout).toBe(`cluster edge joined (ServiceAccountToken ${member.url})\n`);
      const got = await workspace.kubectl(["get", "secret", "edge", "-n", "vela-system", "-o", "json"]);
      expect(got.code).toBe(0);
      const secret = JSON.parse(got.stdout) as {
        metadata: { labels: Record<string, string> };
        data: Record<string, string>;
      };
      expect(secret.metadata.labels).toEqual({
        "cluster.core.oam.dev/cluster-credential-type": "ServiceAccountToken",
        env: "prod",
      });
      const data = Object.fromEntries(
        Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]),
      );
      expect(Object.keys(data).sort()).toEqual(["ca.crt", "endpoint", "token"]);
      expect(data.endpoint).toBe(member.url);
      expect(data["ca.crt"]).toContain("-----BEGIN CERTIFICATE-----");
      const token = (parseYaml(member.server.kubeconfig()) as KubeconfigDoc).users[0]?.user.token;
      expect(data.token).toBe(token);

      const list = await vela(["cluster", "list"]);
      expect(list.stdout).toMatch(
        new RegExp(`^edge\\s+ServiceAccountToken\\s+${member.url.replace(/\./g, "\\.")}\\s+env=prod$`, "m"),
      );
      expect(list.stdout).not.toContain(String(token));
    });

    it("dry-run reads the registry from the real hub's Secrets with --kubeconfig; without it, edge is unknown", async () => {
      const appFile = join(root, "app.yaml");
      writeFileSync(appFile, APP);
      const dry = await vela(["dry-run", "-f", appFile, "--cluster", "edge"]);
      expect(dry.stderr).toBe("");
      expect(dry.stdout).toContain("-- Placement(cluster edge, namespace shop, topology on-edge)");
      expect(dry.stdout).toContain("name: edge-settings");
      const unknown = await runCli(["dry-run", "-f", appFile, "--sandbox", join(root, "no-sandbox")], {
        cwd: root,
        clock,
      });
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('"edge"');
    });

    it("a deploy reaches the member with the Secret's credentials alone (the kubeconfig file is gone)", async () => {
      rmSync(memberKubeconfig);
      const appFile = join(root, "app.yaml");
      const up = await vela(["up", "-f", appFile, "--wait"]);
      expect(up.code).toBe(0);
      expect(up.stdout + up.stderr).toContain("step deploy-edge succeeded");
      const settings = member.cluster.store.get({
        apiVersion: "v1",
        kind: "ConfigMap",
        name: "edge-settings",
        namespace: "shop",
      });
      expect(settings?.data).toEqual({ region: "eu" });
      expect(
        hub.cluster.store.get({ apiVersion: "v1", kind: "ConfigMap", name: "edge-settings", namespace: "shop" }),
      ).toBeUndefined();
    });

    it("detach is refused while the app uses the cluster, then removes the Secret", async () => {
      const refused = await vela(["cluster", "detach", "edge"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('cluster "edge" is still used by application default/edge-settings');
      expect((await vela(["delete", "edge-settings"])).code).toBe(0);
      expect(
        member.cluster.store.get({ apiVersion: "v1", kind: "ConfigMap", name: "edge-settings", namespace: "shop" }),
      ).toBeUndefined();
      const detached = await vela(["cluster", "detach", "edge"]);
      expect(detached.stdout).toBe(`cluster edge detached (${member.url} is left as it is)\n`);
      const gone = await workspace.kubectl(["get", "secret", "edge", "-n", "vela-system"]);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain('secrets "edge" not found');
    });
  },
);
