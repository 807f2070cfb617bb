/**
 * `vela-ts install` against the sandbox served over HTTPS: the KubeVela-compatible CRDs are applied
 * (and a second run changes nothing), `--dry-run` prints them without a cluster, and kubectl finds
 * the short names once they are installed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import { startSandboxServer, type SandboxServer } from "../../src/cluster/sandbox/server/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";

interface CrdSpec {
  readonly group: string;
  readonly scope: string;
  readonly names: { readonly kind: string; readonly plural: string; readonly shortNames?: readonly string[] };
  readonly versions: readonly {
    readonly name: string;
    readonly served: boolean;
    readonly storage: boolean;
    readonly subresources?: { readonly status?: object };
    readonly schema: { readonly openAPIV3Schema: { readonly properties: Record<string, Record<string, unknown>> } };
  }[];
}

const EXPECTED = [
  { kind: "Application", plural: "applications", scope: "Namespaced", shortName: "app" },
  { kind: "ApplicationRevision", plural: "applicationrevisions", scope: "Namespaced", shortName: "apprev" },
  { kind: "ResourceTracker", plural: "resourcetrackers", scope: "Cluster", shortName: "rt" },
  { kind: "ComponentDefinition", plural: "componentdefinitions", scope: "Namespaced", shortName: "comp" },
  { kind: "TraitDefinition", plural: "traitdefinitions", scope: "Namespaced", shortName: "trait" },
  { kind: "PolicyDefinition", plural: "policydefinitions", scope: "Namespaced", shortName: "def-policy" },
  { kind: "WorkflowStepDefinition", plural: "workflowstepdefinitions", scope: "Namespaced", shortName: "workflowstep" },
];

describe("vela-ts install", () => {
  const clock = new FakeClock();
  let sandbox: SandboxCluster;
  let server: SandboxServer;
  let kubeconfig: string;

  beforeAll(async () => {
    const dir = tempDir("vela-ts-install-");
    sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock });
    server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 0 });
    kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, server.kubeconfig());
  });
  afterAll(async () => {
    await server.close();
    sandbox.close();
  });

  it("--dry-run prints the seven CRDs without touching a cluster", async () => {
    const run = await runCli(["install", "--dry-run", "--kubeconfig", "/nonexistent/kubeconfig"]);
    expect(run.code, run.stderr).toBe(0);
    const crds = parseAllDocuments(run.stdout).map((document) => document.toJS() as KubeObject);
    expect(crds.map((crd) => crd.metadata.name)).toEqual(EXPECTED.map((entry) => `${entry.plural}.core.oam.dev`));
    for (const crd of crds) expect(crd.apiVersion).toBe("apiextensions.k8s.io/v1");
  });

  it.each(EXPECTED)(
    "$kind: KubeVela's group, names, scope, short name, status subresource and open spec/status",
    async ({ kind, plural, scope, shortName }) => {
      const run = await runCli(["install", "--dry-run"]);
      const crd = parseAllDocuments(run.stdout)
        .map((document) => document.toJS() as KubeObject)
        .find((object) => object.metadata.name === `${plural}.core.oam.dev`);
      const spec = crd?.spec as CrdSpec | undefined;
      expect(spec?.group).toBe("core.oam.dev");
      expect(spec?.scope).toBe(scope);
      expect(spec?.names.kind).toBe(kind);
      expect(spec?.names.shortNames).toContain(shortName);
      const version = spec?.versions[0];
      expect({
        name: version?.name,
        served: version?.served,
        storage: version?.storage,
        status: version?.subresources?.status,
      }).toEqual({ name: "v1beta1", served: true, storage: true, status: {} });
      const properties = version?.schema.openAPIV3Schema.properties ?? {};
      expect(properties.spec?.["x-kubernetes-preserve-unknown-fields"]).toBe(true);
      expect(properties.status?.["x-kubernetes-preserve-unknown-fields"]).toBe(true);
    },
  );

  it("applies the CRDs to the cluster; a second run reports them unchanged", async () => {
    const first = await runCli(["install", "--kubeconfig", kubeconfig]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split("\n")).toEqual(
      EXPECTED.map((entry) => `customresourcedefinition.apiextensions.k8s.io/${entry.plural}.core.oam.dev created`),
    );
    const stored = await sandbox.list("apiextensions.k8s.io/v1", "CustomResourceDefinition");
    expect(stored.map((crd) => crd.metadata.name).sort()).toEqual(
      EXPECTED.map((entry) => `${entry.plural}.core.oam.dev`).sort(),
    );
    expect(stored[0]?.metadata.managedFields?.[0]).toMatchObject({ manager: "vela-ts" });
    const second = await runCli(["install", "--kubeconfig", kubeconfig]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain("created");
    expect(second.stdout.trim().split("\n")).toHaveLength(EXPECTED.length);
  });

  it("without a usable kubeconfig: a clear error, exit 1", async () => {
    const run = await runCli(["install", "--kubeconfig", "/nonexistent/kubeconfig"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error\[E_KUBECONFIG\]: kubeconfig \/nonexistent\/kubeconfig does not exist/);
  });
});
