/**
 * Conditions and Events on a real API path: the reconciler runs through the kube Cluster
 * (@kubernetes/client-node over HTTPS against `sandbox serve`), and the real kubectl sees what it
 * recorded — `kubectl describe application.core.oam.dev/<app>` lists the Warning event and
 * `kubectl get events` the Event object — where it used to show an empty phase and `Events: <none>`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import { startSandboxServer, type SandboxServer } from "../../src/cluster/sandbox/server/index.js";
import { FakeClock } from "../../src/util/clock.js";
import { KUBECTL, KUBECTL_MISSING_REASON, kubectlWorkspace } from "../cluster/server/support.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

const BAD_TYPE_APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: bad
  namespace: default
spec:
  components:
    - name: web
      type: no-such-type
      properties: {}
`;

const CONFIG_APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: cfg
  namespace: default
spec:
  components:
    - name: cfg
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: cfg
            data:
              a: "1"
`;

describe.skipIf(KUBECTL === undefined)(
  `conditions and events seen by kubectl${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    let cluster: SandboxCluster;
    let server: SandboxServer;
    let workspace: ReturnType<typeof kubectlWorkspace>;
    let kubeconfig: string;

    beforeAll(async () => {
      cluster = await openSandbox({ dir: tempDir("vela-ts-served-"), clock });
      server = await startSandboxServer({ cluster, clock, settleIntervalMs: 0 });
      workspace = kubectlWorkspace(server.kubeconfig());
      kubeconfig = join(tempDir("vela-ts-kubeconfig-"), "config");
      writeFileSync(kubeconfig, server.kubeconfig(), { mode: 0o600 });
    });
    afterAll(async () => {
      await server.close();
      cluster.close();
    });

    it("a bad component type: describe shows Parsed False and a FailedParse Warning event", async () => {
      const applied = await workspace.kubectl(["apply", "-f", "-"], BAD_TYPE_APP);
      expect(applied.code, applied.stderr).toBe(0);
      const status = await runCli(["status", "bad", "--kubeconfig", kubeconfig], { cwd: PROJECT_ROOT, clock });
      expect(status.code).toBe(1);
      expect(status.stderr).toMatch(/no-such-type/);

      const described = await workspace.kubectl(["describe", "application.core.oam.dev/bad"]);
      expect(described.code, described.stderr).toBe(0);
      expect(described.stdout).toMatch(/Type:\s+Parsed/);
      expect(described.stdout).toMatch(/Reason:\s+ReconcileError/);
      expect(described.stdout).not.toMatch(/Events:\s+<none>/);
      expect(described.stdout).toMatch(
        /Warning\s+FailedParse\s+.*vela-ts\s+component "web": component type "no-such-type"/,
      );

      const events = await workspace.kubectl(["get", "events", "-n", "default"]);
      expect(events.code, events.stderr).toBe(0);
      expect(events.stdout).toMatch(/Warning\s+FailedParse\s+application\/bad/);
    }, 60_000);

    it("a good app: the stage events in order and Ready True", async () => {
      const applied = await workspace.kubectl(["apply", "-f", "-"], CONFIG_APP);
      expect(applied.code, applied.stderr).toBe(0);
      const status = await runCli(["status", "cfg", "--kubeconfig", kubeconfig], { cwd: PROJECT_ROOT, clock });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/^ {2}Ready +True +ReconcileSuccess/m);

      const ready = await workspace.kubectl([
        "get",
        "application.core.oam.dev/cfg",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      expect(ready.stdout).toBe("True");
      const described = await workspace.kubectl(["describe", "application.core.oam.dev/cfg"]);
      const reasons = [...described.stdout.matchAll(/^\s+Normal\s+(\w+)\s/gm)].map((match) => match[1]);
      expect(reasons).toEqual(["Parsed", "Revisioned", "PolicyGenerated", "Rendered", "Applied", "Deployed"]);
    }, 60_000);
  },
);
