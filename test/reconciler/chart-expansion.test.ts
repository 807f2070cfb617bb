import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindAppfile } from "../../src/appfile/index.js";
import type { ChartResolution } from "../../src/cluster/index.js";
import {
  createHelmChartSource,
  findHelmRelease,
  helmRepositoryUrls,
  parseChartRepositoryMapping,
  resolveHelmWorkloads,
  type HelmChartSource,
} from "../../src/reconciler/chart-expansion.js";
import { loadDefinitions } from "../../src/definitions/index.js";
import { ValidationError, VelaError } from "../../src/errors/index.js";
import { fieldOf, parseApplications, type KubeObject } from "../../src/model/index.js";
import { componentObjects, renderAppfile, type ComponentManifest } from "../../src/render/index.js";
import { PROJECT_ROOT } from "../support/shared.js";

const REPO_URL = "https://charts.example.com/demo/";
const EXAMPLE_REPO = join(PROJECT_ROOT, "examples/charts/repo");
const { registry } = loadDefinitions({ userDirs: [] });

/** Renders an Application with one helm component `name` (chart `chart`) carrying a kruise-rollout trait. */
function helmApp(
  options: { name?: string; chart?: string; version?: string; extra?: string; trait?: string; more?: string } = {},
): ComponentManifest[] {
  const trait =
    options.trait ??
    "            canary:\n              steps: [{weight: 20}]\n              trafficRoutings: [{type: nginx}]\n";
  const text = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: app
spec:
  components:
    - name: ${options.name ?? "shop"}
      type: helm
      properties:
        url: ${REPO_URL}
        chart: ${options.chart ?? "demo-app"}
        version: "${options.version ?? "1.0.0"}"
${options.extra ?? ""}      traits:
        - type: kruise-rollout
          properties:
${trait}${options.more ?? ""}`;
  const [parsed] = parseApplications(text, "app.yaml");
  if (parsed === undefined) throw new Error("no application");
  return renderAppfile(bindAppfile(parsed.application, registry, { sourceMap: parsed.sourceMap }));
}

function rolloutOf(manifests: readonly ComponentManifest[], component = "shop"): KubeObject {
  const manifest = manifests.find((candidate) => candidate.name === component);
  const rollout =
    manifest === undefined ? undefined : componentObjects(manifest).find((object) => object.kind === "Rollout");
  if (rollout === undefined) throw new Error(`no Rollout in ${component}`);
  return rollout;
}

function obj(apiVersion: string, kind: string, name: string, body: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name }, ...(body as Record<string, never>) };
}

function deployment(name: string, app = name): KubeObject {
  return obj("apps/v1", "Deployment", name, { spec: { template: { metadata: { labels: { app } } } } });
}

function service(name: string, app: string): KubeObject {
  return obj("v1", "Service", name, { spec: { selector: { app } } });
}

function ingress(name: string, backend: string): KubeObject {
  return obj("networking.k8s.io/v1", "Ingress", name, {
    spec: { rules: [{ http: { paths: [{ backend: { service: { name: backend } } }] } }] },
  });
}

/** A chart source that renders fixed objects and records what it was asked for. */
function fakeSource(
  objects: readonly KubeObject[] | undefined,
): HelmChartSource & { calls: { releaseName: string; namespace: string; values: unknown }[] } {
  const calls: { releaseName: string; namespace: string; values: unknown }[] = [];
  return {
    calls,
    prefetch: () => Promise.resolve(),
    resolve(_url, chart, version): ChartResolution {
      if (objects === undefined) return { ok: false, reason: "ChartNotFound", message: "no mirror" };
      return {
        ok: true,
        chart,
        version: version === "*" ? "9.9.9" : version,
        digest: "0",
        render: (options) => {
          calls.push({ releaseName: options.releaseName, namespace: options.namespace, values: options.values });
          return objects;
        },
      };
    },
  };
}

function errorCodes(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.code);
    if (error instanceof VelaError) return [error.code];
    throw error;
  }
  return [];
}

const ROUTED =
  "            canary:\n              steps: [{weight: 20}]\n              trafficRoutings: [{type: nginx}]\n";
const STS = "            workloadType: {apiVersion: apps/v1, kind: StatefulSet}\n" + ROUTED;

describe("resolveHelmWorkloads with fixed chart objects", () => {
  it.each([
    {
      name: "the guess exists: nothing changes",
      objects: [deployment("shop"), service("shop", "shop"), ingress("shop", "shop")],
      trait: ROUTED,
      workload: "Deployment/shop",
      service: "shop",
      ingress: "shop",
      corrections: 0,
    },
    {
      name: "the only Deployment, Service and Ingress replace the guess",
      objects: [deployment("shop-web"), service("shop-web", "shop-web"), ingress("shop-web", "shop-web")],
      trait: ROUTED,
      workload: "Deployment/shop-web",
      service: "shop-web",
      ingress: "shop-web",
      corrections: 3,
    },
    {
      name: "a chart with only a StatefulSet: the kind follows when workloadType is not set",
      objects: [obj("apps/v1", "StatefulSet", "db"), service("db", "db"), ingress("db", "db")],
      trait: ROUTED,
      workload: "StatefulSet/db",
      service: "db",
      ingress: "db",
      corrections: 3,
    },
    {
      name: "two Deployments, one named like the guess",
      objects: [deployment("shop"), deployment("shop-worker"), service("shop", "shop"), ingress("shop", "shop")],
      trait: ROUTED,
      workload: "Deployment/shop",
      service: "shop",
      ingress: "shop",
      corrections: 0,
    },
    {
      name: "the Service selecting the workload's pods and the Ingress routing to it",
      objects: [
        deployment("web", "web"),
        service("metrics", "exporter"),
        service("web-svc", "web"),
        ingress("admin", "metrics"),
        ingress("public", "web-svc"),
      ],
      trait: ROUTED,
      workload: "Deployment/web",
      service: "web-svc",
      ingress: "public",
      corrections: 3,
    },
    {
      name: "explicit service and ingress names that the chart creates are kept",
      objects: [deployment("web"), service("a", "web"), service("b", "web"), ingress("x", "a"), ingress("y", "b")],
      trait:
        "            canary:\n              steps: [{weight: 20}]\n              trafficRoutings: [{type: nginx, service: b, ingressName: y}]\n",
      workload: "Deployment/web",
      service: "b",
      ingress: "y",
      corrections: 1,
    },
    {
      name: "CloneSet of OpenKruise",
      objects: [obj("apps.kruise.io/v1alpha1", "CloneSet", "shop-clone")],
      trait: "            canary:\n              steps: [{weight: 20}]\n",
      workload: "CloneSet/shop-clone",
      service: undefined,
      ingress: undefined,
      corrections: 1,
    },
  ])("$name", ({ objects, trait, workload, service: serviceName, ingress: ingressName, corrections }) => {
    const manifests = helmApp({ trait });
    const result = resolveHelmWorkloads(manifests, fakeSource(objects));
    const rollout = rolloutOf(result.manifests);
    const ref = fieldOf(rollout, "spec", "objectRef", "workloadRef") as {
      kind: string;
      name: string;
      apiVersion: string;
    };
    expect(`${ref.kind}/${ref.name}`).toBe(workload);
    expect(ref.apiVersion).toBe(
      objects.find((object) => `${object.kind}/${object.metadata.name ?? ""}` === workload)?.apiVersion,
    );
    expect(fieldOf(rollout, "spec", "strategy", "canary", "trafficRoutings", "0", "service")).toBe(serviceName);
    expect(fieldOf(rollout, "spec", "strategy", "canary", "trafficRoutings", "0", "ingress", "name")).toBe(ingressName);
    expect(result.corrections).toHaveLength(corrections);
    // The input is not changed.
    expect(fieldOf(rolloutOf(manifests), "spec", "objectRef", "workloadRef", "name")).toBe("shop");
  });

  it.each([
    {
      name: "workloadType names a kind the chart does not deploy",
      objects: [deployment("shop-web")],
      trait: STS,
      hint: "Deployment/shop-web",
    },
    {
      name: "two Deployments, neither named like the guess",
      objects: [deployment("api"), deployment("worker"), service("api", "api"), ingress("api", "api")],
      trait: ROUTED,
      hint: "Deployment/api, Deployment/worker",
    },
    {
      name: "no workload at all",
      objects: [obj("v1", "ConfigMap", "settings")],
      trait: ROUTED,
      hint: "ConfigMap/settings",
    },
    {
      name: "an explicit Service the chart does not create",
      objects: [deployment("shop"), service("shop", "shop"), ingress("shop", "shop")],
      trait:
        "            canary:\n              steps: [{weight: 20}]\n              trafficRoutings: [{type: nginx, service: other}]\n",
      hint: "Service/shop",
    },
    {
      name: "ingress routing and a chart without an Ingress",
      objects: [deployment("shop"), service("shop", "shop")],
      trait: ROUTED,
      hint: "Deployment/shop, Service/shop",
    },
    {
      name: "two Ingresses, none routing to the Service",
      objects: [deployment("web"), service("web", "web"), ingress("a", "x"), ingress("b", "y")],
      trait: ROUTED,
      hint: "ingressName",
    },
  ])("E_ROLLOUT_TARGET: $name", ({ objects, trait, hint }) => {
    const manifests = helmApp({ trait });
    let caught: unknown;
    try {
      resolveHelmWorkloads(manifests, fakeSource(objects), { componentIndexes: { shop: 0 } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const issues = (caught as ValidationError).issues;
    expect(issues.map((found) => found.code)).toEqual(["E_ROLLOUT_TARGET"]);
    expect(issues[0]?.path).toBe("/spec/components/0/traits/0");
    expect(issues[0]?.message).toContain('component "shop"');
    expect(issues[0]?.hint).toContain(hint);
  });

  it("keeps the Rollouts and warns when the chart is not available, or fails with unavailableChart: error", () => {
    const manifests = helmApp();
    const kept = resolveHelmWorkloads(manifests, fakeSource(undefined));
    expect(kept.manifests).toEqual(manifests);
    expect(kept.charts).toEqual([]);
    expect(kept.warnings.join("\n")).toContain(REPO_URL);
    expect(
      errorCodes(() => resolveHelmWorkloads(manifests, fakeSource(undefined), { unavailableChart: "error" })),
    ).toEqual(["E_CHART_FETCH"]);
  });

  it.each([
    { name: "default release name is the component name", extra: "", releaseName: "shop", namespace: "default" },
    {
      name: "targetNamespace prefixes the release name",
      extra: "        targetNamespace: prod\n",
      releaseName: "prod-shop",
      namespace: "prod",
    },
    {
      name: "an explicit releaseName wins",
      extra: "        targetNamespace: prod\n        releaseName: store\n",
      releaseName: "store",
      namespace: "prod",
    },
    {
      name: "over 53 characters the name is shortened",
      extra: `        targetNamespace: ${"n".repeat(50)}\n`,
      releaseName: `${"n".repeat(40)}-`,
      namespace: "n".repeat(50),
    },
  ])("renders with Flux's release name and namespace: $name", ({ extra, releaseName, namespace }) => {
    const source = fakeSource([deployment("x")]);
    resolveHelmWorkloads(
      helmApp({ extra, trait: "            canary:\n              steps: [{weight: 20}]\n" }),
      source,
    );
    expect(source.calls).toHaveLength(1);
    expect(source.calls[0]?.releaseName.startsWith(releaseName)).toBe(true);
    expect(source.calls[0]?.releaseName.length).toBeLessThanOrEqual(53);
    expect(source.calls[0]?.namespace).toBe(namespace);
  });

  it("warns when the chart installs into another namespace than the Rollout's", () => {
    const result = resolveHelmWorkloads(
      helmApp({
        extra: "        targetNamespace: prod\n",
        trait: "            canary:\n              steps: [{weight: 20}]\n",
      }),
      fakeSource([deployment("x")]),
    );
    expect(result.warnings.join("\n")).toContain("namespace prod");
    const same = resolveHelmWorkloads(
      helmApp({ trait: "            canary:\n              steps: [{weight: 20}]\n" }),
      fakeSource([deployment("x")]),
    );
    expect(same.warnings).toEqual([]);
  });

  it("composes values from a ConfigMap of another k8s-objects component, then inline values, then targetPath", () => {
    const more = `    - name: settings
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: shop-values}
            data:
              values.yaml: "replicaCount: 7\\nimage: {tag: v9}\\nservice: {port: 9090}\\n"
              tag: v10
`;
    const extra =
      "        values: {service: {port: 1234}}\n        valuesFrom:\n          - {kind: ConfigMap, name: shop-values}\n" +
      "          - {kind: ConfigMap, name: shop-values, valuesKey: tag, targetPath: image.tag}\n" +
      "          - {kind: ConfigMap, name: absent, optional: true}\n";
    const source = fakeSource([deployment("x")]);
    const manifests = helmApp({ extra, more, trait: "            canary:\n              steps: [{weight: 20}]\n" });
    const result = resolveHelmWorkloads(manifests, source);
    expect(source.calls[0]?.values).toEqual({ replicaCount: 7, image: { tag: "v10" }, service: { port: 1234 } });
    expect(result.warnings).toEqual([]);
    // A required reference that is not part of the app is reported, not fatal.
    const missing = resolveHelmWorkloads(
      helmApp({
        extra: "        valuesFrom: [{kind: ConfigMap, name: elsewhere}]\n",
        trait: "            canary:\n              steps: [{weight: 20}]\n",
      }),
      fakeSource([deployment("x")]),
    );
    expect(missing.warnings.join("\n")).toContain("ConfigMap/elsewhere");
  });

  it("leaves other components as they are", () => {
    const more = "    - name: plain\n      type: webservice\n      properties: {image: nginx}\n";
    const manifests = helmApp({ more });
    const result = resolveHelmWorkloads(
      manifests,
      fakeSource([deployment("shop"), service("shop", "shop"), ingress("shop", "shop")]),
    );
    expect(result.manifests[1]).toBe(manifests[1]);
    expect(findHelmRelease(manifests[1] as ComponentManifest, manifests)).toBeUndefined();
  });
});

describe("resolveHelmWorkloads with the example chart repository", () => {
  const source = (): HelmChartSource =>
    createHelmChartSource({ repositories: [parseChartRepositoryMapping(`${REPO_URL}=${EXAMPLE_REPO}`)] });

  it.each([
    {
      name: "component shop installs Deployment shop-demo-app",
      component: "shop",
      version: "1.0.0",
      expected: "shop-demo-app",
    },
    {
      name: "a release name containing demo-app is used as it is",
      component: "demo-app",
      version: "2.0.0",
      expected: "demo-app",
    },
    {
      name: "a release name containing demo-app somewhere",
      component: "my-demo-app-x",
      version: "~1.0",
      expected: "my-demo-app-x",
    },
  ])("$name", async ({ component, version, expected }) => {
    const manifests = helmApp({ name: component, version });
    const charts = source();
    expect(helmRepositoryUrls(manifests)).toEqual([REPO_URL]);
    await charts.prefetch(helmRepositoryUrls(manifests));
    const result = resolveHelmWorkloads(manifests, charts);
    const rollout = rolloutOf(result.manifests, component);
    expect(fieldOf(rollout, "spec", "objectRef", "workloadRef")).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: expected,
    });
    expect(fieldOf(rollout, "spec", "strategy", "canary", "trafficRoutings", "0", "service")).toBe(expected);
    expect(fieldOf(rollout, "spec", "strategy", "canary", "trafficRoutings", "0", "ingress", "name")).toBe(expected);
    const [chart] = result.charts;
    expect(chart?.chart).toBe("demo-app");
    expect(chart?.version).toBe(version === "2.0.0" ? "2.0.0" : "1.0.0");
    expect(chart?.objects.map((object) => `${object.kind}/${object.metadata.name ?? ""}`).sort()).toEqual([
      `Deployment/${expected}`,
      `Ingress/${expected}`,
      `Service/${expected}`,
    ]);
    for (const object of chart?.objects ?? []) {
      expect(object.metadata.labels?.["helm.toolkit.fluxcd.io/name"]).toBe(component);
      expect(object.metadata.namespace).toBe("default");
      expect(object.metadata.annotations?.["meta.helm.sh/release-name"]).toBe(component);
    }
  });

  it("fails with E_CHART_FETCH for a repository without a mapping, naming the URL", async () => {
    const manifests = helmApp();
    const charts = createHelmChartSource({});
    await charts.prefetch(helmRepositoryUrls(manifests));
    let caught: unknown;
    try {
      resolveHelmWorkloads(manifests, charts, { unavailableChart: "error" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const [found] = (caught as ValidationError).issues;
    expect(found?.code).toBe("E_CHART_FETCH");
    expect(found?.message).toContain(REPO_URL);
    expect(found?.hint).toContain("--chart-repo");
  });

  it.each([
    { name: "no =", flag: "https://x.example.com" },
    { name: "not a URL", flag: "charts=dir" },
    { name: "empty dir", flag: "https://x.example.com/=" },
  ])("rejects --chart-repo $name", ({ flag }) => {
    expect(errorCodes(() => parseChartRepositoryMapping(flag))).toEqual(["E_USAGE"]);
  });
});
