/**
 * The simulated helm-controller runs chart hooks as Helm's install and upgrade do: pre-* hooks
 * before the manifest (by weight, then name), post-* hooks once the release is ready, delete
 * policies applied, test hooks never installed.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { addChartMirror, createMirrorCatalog } from "../../../src/cluster/sandbox/charts/index.js";
import type { ControllerChange } from "../../../src/cluster/sandbox/controller-contract.js";
import { helmReleaseController } from "../../../src/cluster/sandbox/controllers/flux/helm-release.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";
import { buildTgz } from "../../chart/support/tar-builder.js";
import { tempDir } from "../../support/cli.js";
import { memorySandbox, type MemorySandbox } from "../../support/sandbox.js";
import { getObject, settleThroughTime } from "./fixtures.js";

const REPO_URL = "https://charts.example.com/hooks";

const hook = (kind: string, name: string, annotations: Record<string, string>, body: string): string =>
  [
    `apiVersion: ${kind === "Job" ? "batch/v1" : "v1"}`,
    `kind: ${kind}`,
    "metadata:",
    `  name: ${name}`,
    "  annotations:",
    ...Object.entries(annotations).map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)}`),
    body,
  ].join("\n");

const JOB_BODY = [
  "spec:",
  "  template:",
  "    spec:",
  "      restartPolicy: Never",
  "      containers:",
  "        - name: migrate",
  "          image: example/migrate:{{ .Chart.Version }}",
].join("\n");

function chartFiles(version: string): Record<string, string> {
  return {
    "hooks/Chart.yaml": `apiVersion: v2\nname: hooks\nversion: ${version}\n`,
    "hooks/templates/deployment.yaml": [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: web",
      "spec:",
      "  replicas: 1",
      "  selector:",
      "    matchLabels: {app: web}",
      "  template:",
      "    metadata:",
      "      labels: {app: web}",
      "    spec:",
      "      containers:",
      "        - name: web",
      "          image: example/web:{{ .Chart.Version }}",
    ].join("\n"),
    "hooks/templates/pre-config.yaml": hook(
      "ConfigMap",
      "pre-config",
      { "helm.sh/hook": "pre-install", "helm.sh/hook-weight": "5" },
      "data:\n  version: {{ .Chart.Version | quote }}",
    ),
    "hooks/templates/pre-secret.yaml": hook(
      "Secret",
      "pre-secret",
      { "helm.sh/hook": "pre-install", "helm.sh/hook-weight": "5" },
      "stringData:\n  token: abc",
    ),
    "hooks/templates/migrate.yaml": hook(
      "Job",
      "migrate",
      {
        "helm.sh/hook": "pre-install,pre-upgrade",
        "helm.sh/hook-weight": "-5",
        "helm.sh/hook-delete-policy": "hook-succeeded",
      },
      JOB_BODY,
    ),
    "hooks/templates/post-config.yaml": hook(
      "ConfigMap",
      "post-config",
      { "helm.sh/hook": "post-install" },
      "data:\n  phase: after",
    ),
    "hooks/templates/post-upgrade.yaml": hook(
      "ConfigMap",
      "post-upgrade",
      { "helm.sh/hook": "post-upgrade", "helm.sh/hook-delete-policy": "before-hook-creation" },
      "data:\n  version: {{ .Chart.Version | quote }}",
    ),
    "hooks/templates/test.yaml": hook(
      "Pod",
      "web-test",
      { "helm.sh/hook": "test" },
      "spec:\n  restartPolicy: Never\n  containers:\n    - name: t\n      image: busybox",
    ),
  };
}

function hooksRepository(): string {
  const repo = tempDir("vela-ts-hook-charts-");
  const entries = ["1.0.0", "2.0.0"].map((version) => {
    const archive = buildTgz(chartFiles(version));
    writeFileSync(join(repo, `hooks-${version}.tgz`), archive);
    return {
      apiVersion: "v2",
      name: "hooks",
      version,
      digest: createHash("sha256").update(archive).digest("hex"),
      urls: [`hooks-${version}.tgz`],
    };
  });
  writeFileSync(join(repo, "index.yaml"), stringify({ apiVersion: "v1", entries: { hooks: entries } }));
  return repo;
}

function sandboxWithRelease(version: string): MemorySandbox {
  const sandboxDir = tempDir("vela-ts-sandbox-");
  addChartMirror(sandboxDir, REPO_URL, hooksRepository());
  return memorySandbox({
    charts: createMirrorCatalog(sandboxDir),
    objects: [
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "HelmRepository",
        metadata: { name: "hooks", namespace: "default" },
        spec: { url: REPO_URL, interval: "5m" },
      },
      {
        apiVersion: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        metadata: { name: "app", namespace: "default" },
        spec: {
          interval: "5m",
          chart: { spec: { chart: "hooks", version, sourceRef: { kind: "HelmRepository", name: "hooks" } } },
        },
      },
    ],
  });
}

/** `create Kind/name`, `patch Kind/name`, `delete Kind/name` for the object writes of one reconcile. */
function writes(changes: readonly ControllerChange[]): string[] {
  return changes.flatMap((change) => {
    if (change.op === "create") return [`create ${change.object.kind}/${change.object.metadata.name ?? ""}`];
    if (change.op === "patch" || change.op === "delete") return [`${change.op} ${change.ref.kind}/${change.ref.name}`];
    return [];
  });
}

function get(sandbox: MemorySandbox, apiVersion: string, kind: string, name: string): KubeObject | undefined {
  return getObject(sandbox.store, apiVersion, kind, name);
}

function readyReason(sandbox: MemorySandbox): unknown {
  const release = get(sandbox, "helm.toolkit.fluxcd.io/v2", "HelmRelease", "app");
  const conditions = ((release?.status as JsonObject | undefined)?.conditions ?? []) as JsonObject[];
  return conditions.find((condition) => condition.type === "Ready")?.reason;
}

describe("Flux helm-controller: chart hooks", () => {
  it("runs pre-install hooks by weight and name before the manifest, and nothing after it yet", () => {
    const sandbox = sandboxWithRelease("1.0.0");
    const changes = helmReleaseController.reconcile(sandbox.store, sandbox.env());
    expect(writes(changes)).toEqual([
      "create HelmChart/default-app",
      "create Job/migrate",
      "delete Job/migrate",
      "create ConfigMap/pre-config",
      "create Secret/pre-secret",
      "create Deployment/web",
      "create Secret/sh.helm.release.v1.app.v1",
    ]);
  });

  it("runs post-install hooks once the release is ready; test hooks are never installed", () => {
    const sandbox = sandboxWithRelease("1.0.0");
    settleThroughTime(sandbox);
    expect(readyReason(sandbox)).toBe("InstallSucceeded");
    const post = get(sandbox, "v1", "ConfigMap", "post-config");
    const deployment = get(sandbox, "apps/v1", "Deployment", "web");
    expect(post?.metadata.labels).toMatchObject({ "helm.toolkit.fluxcd.io/name": "app" });
    expect(Number(post?.metadata.resourceVersion)).toBeGreaterThan(Number(deployment?.metadata.resourceVersion));
    expect(get(sandbox, "v1", "ConfigMap", "pre-config")?.["data"]).toEqual({ version: "1.0.0" });
    expect(get(sandbox, "batch/v1", "Job", "migrate")).toBeUndefined();
    expect(get(sandbox, "v1", "Pod", "web-test")).toBeUndefined();
    expect(get(sandbox, "v1", "ConfigMap", "post-upgrade")).toBeUndefined();
    // Hooks are not part of the release: no Helm ownership annotations, not owned by the HelmRelease.
    expect(post?.metadata.annotations?.["meta.helm.sh/release-name"]).toBeUndefined();
    expect(post?.metadata.ownerReferences).toBeUndefined();
  });

  it("runs pre-upgrade and post-upgrade hooks on upgrade, not the install ones", () => {
    const sandbox = sandboxWithRelease("1.0.0");
    settleThroughTime(sandbox);
    const preConfig = get(sandbox, "v1", "ConfigMap", "pre-config");
    sandbox.store.patch(
      { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", name: "app", namespace: "default" },
      { type: "merge", patch: { spec: { chart: { spec: { version: "2.0.0" } } } } },
    );
    const changes = helmReleaseController.reconcile(sandbox.store, sandbox.env());
    expect(writes(changes)).toEqual([
      "patch HelmChart/default-app",
      "create Job/migrate",
      "delete Job/migrate",
      "patch Deployment/web",
      "create Secret/sh.helm.release.v1.app.v2",
    ]);
    settleThroughTime(sandbox);
    expect(readyReason(sandbox)).toBe("UpgradeSucceeded");
    expect(get(sandbox, "v1", "ConfigMap", "post-upgrade")?.["data"]).toEqual({ version: "2.0.0" });
    expect(get(sandbox, "v1", "ConfigMap", "pre-config")?.metadata.resourceVersion).toBe(
      preConfig?.metadata.resourceVersion,
    );
  });
});
