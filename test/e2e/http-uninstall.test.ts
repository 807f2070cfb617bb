/**
 * `vela-ts uninstall` against the sandbox served over HTTPS with its kubeconfig: the inverse of
 * `install`. Refused while Applications exist (and without --yes), --dry-run deletes nothing, a CRD
 * another field manager shares is kept unless --force, and a second run finds nothing to delete.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import { startSandboxServer, type SandboxServer } from "../../src/cluster/sandbox/server/index.js";
import { velaCustomResourceDefinitions } from "../../src/operations/install.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";

const CRDS = velaCustomResourceDefinitions().map((crd) => crd.metadata.name ?? "");
const APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: web}
spec:
  components:
    - {name: web, type: webservice, properties: {image: "nginx:1.25"}}
`;

describe("vela-ts uninstall", () => {
  const clock = new FakeClock();
  const dir = tempDir("vela-ts-uninstall-");
  let sandbox: SandboxCluster;
  let server: SandboxServer;
  const vela = (argv: readonly string[]) => runCli(argv, { cwd: dir, env: { HOME: dir }, clock });
  const storedCrds = async (): Promise<string[]> =>
    (await sandbox.list("apiextensions.k8s.io/v1", "CustomResourceDefinition")).map((crd) => crd.metadata.name ?? "");

  beforeAll(async () => {
    sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock });
    server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 0 });
    writeFileSync(join(dir, "sandbox.kubeconfig"), server.kubeconfig());
    writeFileSync(join(dir, "app.yaml"), APP);
  });
  afterAll(async () => {
    await server.close();
    sandbox.close();
  });

  it("install, then an app: uninstall is refused while it exists, and without --yes", async () => {
    expect((await vela(["install", "--kubeconfig", "sandbox.kubeconfig"])).code).toBe(0);
    expect((await vela(["up", "-f", "app.yaml", "--kubeconfig", "sandbox.kubeconfig"])).code).toBe(0);
    const unconfirmed = await vela(["uninstall", "--kubeconfig", "sandbox.kubeconfig"]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("run `vela-ts uninstall --yes` to confirm");
    const refused = await vela(["uninstall", "--kubeconfig", "sandbox.kubeconfig", "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error\[E_UNINSTALL_IN_USE\]: 1 application\(s\) still exist: default\/web;/);
    expect((await storedCrds()).sort()).toEqual([...CRDS].sort());
  });

  it("--dry-run says what it would delete and deletes nothing", async () => {
    expect((await vela(["delete", "web", "--kubeconfig", "sandbox.kubeconfig"])).code).toBe(0);
    const dry = await vela(["uninstall", "--kubeconfig", "sandbox.kubeconfig", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trimEnd().split("\n")).toEqual(
      CRDS.map((name) => `customresourcedefinition.apiextensions.k8s.io/${name} deleted (dry run)`),
    );
    expect(await storedCrds()).toHaveLength(CRDS.length);
  });

  it("keeps a CRD another field manager shares, unless --force; a second run finds nothing", async () => {
    const shared = velaCustomResourceDefinitions()[1];
    if (shared === undefined) throw new Error("no CRD");
    await sandbox.apply(
      { ...shared, metadata: { name: shared.metadata.name ?? "", labels: { "app.kubernetes.io/managed-by": "Helm" } } },
      { fieldManager: "helm" },
    );
    const kept = await vela(["uninstall", "--kubeconfig", "sandbox.kubeconfig", "--yes"]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toContain(
      `customresourcedefinition.apiextensions.k8s.io/${shared.metadata.name ?? ""} kept: also managed by helm; --force deletes it`,
    );
    expect(await storedCrds()).toEqual([shared.metadata.name]);

    const forced = await vela(["uninstall", "--kubeconfig", "sandbox.kubeconfig", "--yes", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await storedCrds()).toEqual([]);

    const again = await vela(["uninstall", "--kubeconfig", "sandbox.kubeconfig", "--yes"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trimEnd().split("\n")).toEqual(
      CRDS.map((name) => `customresourcedefinition.apiextensions.k8s.io/${name} not found`),
    );
  });

  it("install after uninstall creates them again", async () => {
    const run = await vela(["install", "--kubeconfig", "sandbox.kubeconfig"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain("unchanged");
    expect((await storedCrds()).sort()).toEqual([...CRDS].sort());
  });
});
