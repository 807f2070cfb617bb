import { beforeAll, describe, expect, it } from "vitest";
import { memorySandbox } from "../../support/sandbox.js";
import { HAS_SHARED, SHARED_MISSING_REASON, sharedPath } from "../../support/shared.js";
import { tempDir } from "../../support/cli.js";
import { addChartMirror, createMirrorCatalog } from "../../../src/cluster/sandbox/charts/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { displayText, type JsonObject } from "../../../src/util/index.js";
import { buildDemoRepository } from "../charts/chart-repo.js";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import { canaryState, getObject, podsByImage, rollout, settleThroughTime } from "./fixtures.js";

const REPO_URL = "https://charts.example.com/demo";

function helmRepository(url = REPO_URL, apiVersion = "source.toolkit.fluxcd.io/v1beta2"): KubeObject {
  return {
    apiVersion,
    kind: "HelmRepository",
    metadata: { name: "demo", namespace: "default" },
    spec: { url, interval: "5m" },
  };
}

function helmRelease(spec: JsonObject = {}, apiVersion = "helm.toolkit.fluxcd.io/v2beta1", name = "demo"): KubeObject {
  return {
    apiVersion,
    kind: "HelmRelease",
    metadata: { name, namespace: "default" },
    spec: {
      interval: "5m",
      chart: { spec: { chart: "demo-app", version: "1.0.0", sourceRef: { kind: "HelmRepository", name: "demo" } } },
      ...spec,
    },
  };
}

function condition(object: KubeObject | undefined, type: string): JsonObject | undefined {
  return ((object?.status as JsonObject | undefined)?.conditions as JsonObject[] | undefined)?.find(
    (c) => c.type === type,
  );
}

function catalogFor(repoDir: string, url = REPO_URL): ReturnType<typeof createMirrorCatalog> {
  const sandboxDir = tempDir("vela-ts-sandbox-");
  addChartMirror(sandboxDir, url, repoDir);
  return createMirrorCatalog(sandboxDir);
}

describe("Flux source-controller and helm-controller", () => {
  let repoDir = "";
  beforeAll(async () => {
    repoDir = await buildDemoRepository();
  });

  it("installs the chart through a mirror, owned and labelled, with the upstream Ready message", () => {
    const sandbox = memorySandbox({ objects: [helmRepository(), helmRelease()], charts: catalogFor(repoDir) });
    settleThroughTime(sandbox);
    const repo = getObject(sandbox.store, "source.toolkit.fluxcd.io/v1beta2", "HelmRepository", "demo");
    expect(condition(repo, "Ready")).toMatchObject({ status: "True", reason: "Succeeded" });
    expect((repo?.status as JsonObject).url).toBe(
      "http://source-controller.flux-system.svc.cluster.local./helmrepository/default/demo/index.yaml",
    );
    const release = getObject(sandbox.store, "helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", "demo");
    expect(condition(release, "Ready")).toMatchObject({
      status: "True",
      reason: "InstallSucceeded",
      message: "Helm install succeeded for release default/demo.v1 with chart demo-app@1.0.0",
    });
    expect(release?.status).toMatchObject({
      lastAppliedRevision: "1.0.0",
      lastAttemptedRevision: "1.0.0",
      helmChart: "default/default-demo",
    });
    const deployment = getObject(sandbox.store, "apps/v1", "Deployment", "demo");
    expect(deployment?.metadata.labels).toMatchObject({
      "helm.toolkit.fluxcd.io/name": "demo",
      "helm.toolkit.fluxcd.io/namespace": "default",
    });
    expect(deployment?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "HelmRelease",
      name: "demo",
      uid: release?.metadata.uid,
    });
    expect(podsByImage(sandbox.store, "demo")).toEqual({ "example/demo:v1": 3 });
  });

  it("upgrades when the chart version changes, newest history first", () => {
    const sandbox = memorySandbox({
      objects: [helmRepository(), helmRelease({}, "helm.toolkit.fluxcd.io/v2")],
      charts: catalogFor(repoDir),
    });
    settleThroughTime(sandbox);
    const live = getObject(sandbox.store, "helm.toolkit.fluxcd.io/v2", "HelmRelease", "demo");
    sandbox.store.patch(
      { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", name: "demo", namespace: "default" },
      { type: "merge", patch: { spec: { chart: { spec: { version: "2.0.0" } } } } },
    );
    settleThroughTime(sandbox);
    const release = getObject(sandbox.store, "helm.toolkit.fluxcd.io/v2", "HelmRelease", "demo");
    expect(live).toBeDefined();
    expect(condition(release, "Ready")).toMatchObject({
      status: "True",
      reason: "UpgradeSucceeded",
      message: "Helm upgrade succeeded for release default/demo.v2 with chart demo-app@2.0.0",
    });
    const history = (release?.status as JsonObject).history as JsonObject[];
    expect(history.map((h) => [h.version, h.chartVersion, h.status])).toEqual([
      [2, "2.0.0", "deployed"],
      [1, "1.0.0", "superseded"],
    ]);
    expect(podsByImage(sandbox.store, "demo")).toEqual({ "example/demo:v2": 3 });
  });

  it.each([
    {
      name: "targetNamespace prefixes the default release name",
      spec: { targetNamespace: "prod" },
      object: { namespace: "prod", name: "prod-demo" },
    },
    { name: "releaseName wins", spec: { releaseName: "custom" }, object: { namespace: "default", name: "custom" } },
  ])("naming: $name", ({ spec, object }) => {
    const sandbox = memorySandbox({ objects: [helmRepository(), helmRelease(spec)], charts: catalogFor(repoDir) });
    settleThroughTime(sandbox);
    expect(getObject(sandbox.store, "apps/v1", "Deployment", object.name, object.namespace)).toBeDefined();
  });

  it.each([
    {
      name: "valuesFrom in order, then inline values on top",
      objects: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "a", namespace: "default" },
          data: { "values.yaml": "replicaCount: 1\nmessage: from-a" },
        },
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "b", namespace: "default" },
          data: { custom: "replicaCount: 2" },
        },
      ],
      spec: {
        valuesFrom: [
          { kind: "ConfigMap", name: "a" },
          { kind: "ConfigMap", name: "b", valuesKey: "custom" },
        ],
        values: { message: "inline" },
      },
      want: { replicas: 2, message: "inline" },
    },
    {
      name: "targetPath wins over inline values",
      objects: [
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "s", namespace: "default" },
          data: { msg: Buffer.from("secret-text").toString("base64") },
        },
      ],
      spec: {
        valuesFrom: [{ kind: "Secret", name: "s", valuesKey: "msg", targetPath: "message" }],
        values: { message: "inline", replicaCount: 4 },
      },
      want: { replicas: 4, message: "secret-text" },
    },
    {
      name: "a missing optional reference is ignored",
      objects: [],
      spec: { valuesFrom: [{ kind: "ConfigMap", name: "absent", optional: true }] },
      want: { replicas: 3, message: "hello" },
    },
  ])("values: $name", ({ objects, spec, want }) => {
    const sandbox = memorySandbox({
      objects: [...(objects as KubeObject[]), helmRepository(), helmRelease(spec)],
      charts: catalogFor(repoDir),
    });
    settleThroughTime(sandbox);
    const deployment = getObject(sandbox.store, "apps/v1", "Deployment", "demo") as unknown as {
      spec: { replicas: number; template: { spec: { containers: { env: { value: string }[] }[] } } };
    };
    expect({
      replicas: deployment.spec.replicas,
      message: deployment.spec.template.spec.containers[0]?.env[0]?.value,
    }).toEqual(want);
  });

  it("deletes objects the new manifest no longer renders, and deleting the release removes its objects", () => {
    const sandbox = memorySandbox({
      objects: [helmRepository(), helmRelease({ values: { extraConfig: "x" } })],
      charts: catalogFor(repoDir),
    });
    settleThroughTime(sandbox);
    expect(getObject(sandbox.store, "v1", "ConfigMap", "demo-extra")).toBeDefined();
    sandbox.store.patch(
      { apiVersion: "helm.toolkit.fluxcd.io/v2beta1", kind: "HelmRelease", name: "demo", namespace: "default" },
      { type: "merge", patch: { spec: { values: null } } },
    );
    settleThroughTime(sandbox);
    expect(getObject(sandbox.store, "v1", "ConfigMap", "demo-extra")).toBeUndefined();
    sandbox.store.delete({
      apiVersion: "helm.toolkit.fluxcd.io/v2beta1",
      kind: "HelmRelease",
      name: "demo",
      namespace: "default",
    });
    settleThroughTime(sandbox);
    expect(getObject(sandbox.store, "apps/v1", "Deployment", "demo")).toBeUndefined();
    expect(sandbox.store.list("v1", "Pod", { namespace: "default" })).toEqual([]);
  });

  it.each([
    {
      name: "unknown repository URL",
      url: "https://unknown.example.com/charts",
      mirror: false,
      reason: "ArtifactFailed",
      contains:
        'chart "demo-app" not found: no mirror for https://unknown.example.com/charts; add one with: vela-ts sandbox charts add https://unknown.example.com/charts <dir>',
    },
    {
      name: "chart version not in the repository",
      url: REPO_URL,
      mirror: true,
      version: "9.9.9",
      reason: "ArtifactFailed",
      contains: "9.9.9",
    },
  ])(
    "bad input is a clear Ready=False condition, never a crash: $name",
    ({ url, mirror, version, reason, contains }) => {
      const charts = mirror ? catalogFor(repoDir) : createMirrorCatalog(tempDir("vela-ts-empty-"));
      const release = helmRelease(
        version === undefined
          ? {}
          : { chart: { spec: { chart: "demo-app", version, sourceRef: { kind: "HelmRepository", name: "demo" } } } },
      );
      const sandbox = memorySandbox({ objects: [helmRepository(url), release], charts });
      settleThroughTime(sandbox);
      const ready = condition(
        getObject(sandbox.store, "helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", "demo"),
        "Ready",
      );
      expect(ready).toMatchObject({ status: "False", reason });
      expect(displayText(ready?.message)).toContain(contains);
      if (!mirror)
        expect(
          condition(getObject(sandbox.store, "source.toolkit.fluxcd.io/v1beta2", "HelmRepository", "demo"), "Ready"),
        ).toMatchObject({ status: "False", reason: "FetchFailed" });
    },
  );

  it("without a chart catalog the release says chart rendering is unavailable", () => {
    const sandbox = memorySandbox({ objects: [helmRepository(), helmRelease()] });
    settleThroughTime(sandbox);
    expect(
      displayText(
        condition(getObject(sandbox.store, "helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", "demo"), "Ready")?.message,
      ),
    ).toContain("chart rendering unavailable");
  });
});

describe.skipIf(!HAS_SHARED)(
  `Flux + Kruise Rollout on the reference canary-demo chart (${HAS_SHARED ? "shared present" : SHARED_MISSING_REASON})`,
  () => {
    it("upgrades canary-demo 1.0.0 → 2.0.0 and the Rollout intercepts it; the release is Ready while paused", () => {
      const url = "https://wangyikewxgm.github.io/my-charts";
      const repository = helmRepository(url);
      repository.metadata.name = "canary-demo";
      const release: KubeObject = {
        apiVersion: "helm.toolkit.fluxcd.io/v2beta1",
        kind: "HelmRelease",
        metadata: { name: "canary-demo", namespace: "default" },
        spec: {
          interval: "5m",
          chart: {
            spec: {
              chart: "canary-demo",
              version: "1.0.0",
              sourceRef: { kind: "HelmRepository", name: "canary-demo" },
            },
          },
          values: { image: { tag: "v1" } },
        },
      };
      const sandbox = memorySandbox({
        objects: [repository, release, rollout("canary-demo", { steps: [{ weight: 20 }, { weight: 90 }] })],
        charts: catalogFor(sharedPath("reference", "charts", "my-charts"), url),
      });
      settleThroughTime(sandbox);
      expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ "barnett/canarydemo:v1": 5 });
      expect(canaryState(sandbox.store, "canary-demo").phase).toBe("Healthy");
      sandbox.store.patch(
        {
          apiVersion: "helm.toolkit.fluxcd.io/v2beta1",
          kind: "HelmRelease",
          name: "canary-demo",
          namespace: "default",
        },
        { type: "merge", patch: { spec: { chart: { spec: { version: "2.0.0" } }, values: { image: { tag: "v2" } } } } },
      );
      settleThroughTime(sandbox, () => canaryState(sandbox.store, "canary-demo").state === "StepPaused");
      expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({
        phase: "Progressing",
        step: 1,
        state: "StepPaused",
      });
      expect(podsByImage(sandbox.store, "canary-demo")).toEqual({
        "barnett/canarydemo:v1": 5,
        "barnett/canarydemo:v2": 1,
      });
      const ready = condition(
        getObject(sandbox.store, "helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", "canary-demo"),
        "Ready",
      );
      expect(ready).toMatchObject({
        status: "True",
        message: "Helm upgrade succeeded for release default/canary-demo.v2 with chart canary-demo@2.0.0",
      });
      const share = routeRequests(sandbox.store, {
        host: "canary-demo.com",
        path: "/version",
        headers: {},
        cookies: {},
        count: 2000,
        seed: 3,
      }).byImage;
      expect(share["barnett/canarydemo:v2"]).toBeGreaterThan(300);
      expect(share["barnett/canarydemo:v2"]).toBeLessThan(500);
      // Re-reconciling the release does not fight the Rollout.
      const deployment = getObject(sandbox.store, "apps/v1", "Deployment", "canary-demo");
      expect((deployment?.spec as JsonObject).paused).toBe(true);
    });
  },
);
