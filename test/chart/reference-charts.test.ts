import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  fetchChartFromRepositorySync,
  findWorkloads,
  loadChart,
  readChartRepositorySync,
  renderChart,
} from "../../src/chart/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { HAS_SHARED, SHARED_MISSING_REASON, sharedPath } from "../support/shared.js";

const REPO = sharedPath("reference", "charts", "my-charts");

/** What `helm template canary-demo <chart>` prints for the canary-demo chart, read from its templates. */
function canaryDemoObjects(
  version: string,
  tag: string,
  options: { replicas?: number; ingress?: boolean; hpa?: boolean } = {},
): KubeObject[] {
  const labels = {
    "helm.sh/chart": `canary-demo-${version}`,
    "app.kubernetes.io/name": "canary-demo",
    "app.kubernetes.io/instance": "canary-demo",
    "app.kubernetes.io/version": "1.16.0",
    "app.kubernetes.io/managed-by": "Helm",
  };
  const selector = { "app.kubernetes.io/name": "canary-demo", "app.kubernetes.io/instance": "canary-demo" };
  const probe = { httpGet: { path: "/version", port: "http" } };
  const objects: KubeObject[] = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "canary-demo", labels } },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "canary-demo", labels },
      spec: { type: "ClusterIP", ports: [{ port: 8090, targetPort: "http", protocol: "TCP", name: "http" }], selector },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "canary-demo", labels },
      spec: {
        ...(options.hpa === true ? {} : { replicas: options.replicas ?? 5 }),
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: selector },
          spec: {
            serviceAccountName: "canary-demo",
            securityContext: {},
            containers: [
              {
                name: "canary-demo",
                securityContext: {},
                image: `barnett/canarydemo:${tag}`,
                imagePullPolicy: "IfNotPresent",
                ports: [{ name: "http", containerPort: 8090, protocol: "TCP" }],
                livenessProbe: probe,
                readinessProbe: probe,
                resources: {},
              },
            ],
          },
        },
      },
    },
  ];
  if (options.hpa === true) {
    objects.push({
      apiVersion: "autoscaling/v2beta1",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "canary-demo", labels },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "canary-demo" },
        minReplicas: 1,
        maxReplicas: 100,
        metrics: [{ type: "Resource", resource: { name: "cpu", targetAverageUtilization: 80 } }],
      },
    });
  }
  if (options.ingress !== false) {
    objects.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "canary-demo", labels },
      spec: {
        ingressClassName: "nginx",
        rules: [
          {
            host: "canary-demo.com",
            http: {
              paths: [
                {
                  path: "/version",
                  pathType: "ImplementationSpecific",
                  backend: { service: { name: "canary-demo", port: { number: 8090 } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
  return objects;
}

describe.skipIf(!HAS_SHARED)(
  `reference chart repository my-charts (${HAS_SHARED ? "present" : SHARED_MISSING_REASON})`,
  () => {
    const render = (archive: string, values: Record<string, unknown> = {}): KubeObject[] =>
      renderChart(loadChart(`${REPO}/${archive}`), { releaseName: "canary-demo", namespace: "default", values })
        .objects as KubeObject[];

    it.each([
      { name: "canary-demo 1.0.0", archive: "canary-demo-1.0.0.tgz", version: "1.0.0", tag: "v1" },
      { name: "canary-demo 2.0.0", archive: "canary-demo-2.0.0.tgz", version: "2.0.0", tag: "v2" },
    ])("$name renders the objects helm template produces", ({ archive, version, tag }) => {
      expect(render(archive)).toEqual(canaryDemoObjects(version, tag));
    });

    it("the unpacked sources render like the 2.0.0 archive", () => {
      expect(render("canary-demo-src")).toEqual(render("canary-demo-2.0.0.tgz"));
    });

    it("user values: replicaCount and image.tag", () => {
      expect(render("canary-demo-1.0.0.tgz", { replicaCount: 2, image: { tag: "v9" } })).toEqual(
        canaryDemoObjects("1.0.0", "v9", { replicas: 2 }),
      );
    });

    it("user values: ingress.enabled false drops the Ingress", () => {
      const objects = render("canary-demo-2.0.0.tgz", { ingress: { enabled: false } });
      expect(objects).toEqual(canaryDemoObjects("2.0.0", "v2", { ingress: false }));
      expect(objects.map((o) => o.kind)).not.toContain("Ingress");
    });

    it("user values: autoscaling.enabled adds an HPA and drops replicas", () => {
      expect(render("canary-demo-2.0.0.tgz", { autoscaling: { enabled: true } })).toEqual(
        canaryDemoObjects("2.0.0", "v2", { hpa: true }),
      );
    });

    it("NOTES.txt is returned, tests are skipped", () => {
      const rendered = renderChart(loadChart(`${REPO}/canary-demo-1.0.0.tgz`), {
        releaseName: "canary-demo",
        namespace: "default",
      });
      expect(rendered.notes).toContain("http://canary-demo.com/version");
      expect(rendered.templates.map((t) => t.source)).toEqual([
        "canary-demo/templates/deployment.yaml",
        "canary-demo/templates/ingress.yaml",
        "canary-demo/templates/service.yaml",
        "canary-demo/templates/serviceaccount.yaml",
      ]);
    });

    it("hello-kubernetes-chart renders its ConfigMap, Deployment, Service and ServiceAccount", () => {
      const objects = render("hello-kubernetes-chart-0.1.0.tgz");
      const labels = {
        "helm.sh/chart": "hello-kubernetes-chart-0.1.0",
        "app.kubernetes.io/name": "hello-kubernetes-chart",
        "app.kubernetes.io/instance": "canary-demo",
        "app.kubernetes.io/version": "1.0.0",
        "app.kubernetes.io/managed-by": "Helm",
      };
      const selector = {
        "app.kubernetes.io/name": "hello-kubernetes-chart",
        "app.kubernetes.io/instance": "canary-demo",
      };
      const name = "canary-demo-hello-kubernetes-chart";
      const probe = { httpGet: { path: "/", port: "http" } };
      expect(objects).toEqual([
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, labels } },
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { labels, name },
          data: { LOGO: "kubernetes", MESSAGE: "You're testing this environment." },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name, labels },
          spec: {
            type: "ClusterIP",
            ports: [{ port: 80, targetPort: "http", protocol: "TCP", name: "http" }],
            selector,
          },
        },
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name, labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: selector },
            template: {
              metadata: { labels: selector },
              spec: {
                serviceAccountName: name,
                securityContext: {},
                containers: [
                  {
                    name: "hello-kubernetes-chart",
                    securityContext: {},
                    image: "jhidalgo3/hello-kubernetes:1.0.0",
                    imagePullPolicy: "IfNotPresent",
                    ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
                    livenessProbe: probe,
                    readinessProbe: probe,
                    resources: {},
                    envFrom: [{ configMapRef: { name } }],
                  },
                ],
              },
            },
          },
        },
      ]);
    });

    it.each([
      { name: "exact version", chart: "canary-demo", constraint: "1.0.0", want: "1.0.0" },
      { name: "tilde", chart: "canary-demo", constraint: "~1.0", want: "1.0.0" },
      { name: "range", chart: "canary-demo", constraint: ">=1.0.0 <3", want: "2.0.0" },
      { name: "any", chart: "canary-demo", constraint: "*", want: "2.0.0" },
      { name: "second chart", chart: "hello-kubernetes-chart", constraint: "", want: "0.1.0" },
    ])("repository: $name resolves and the index digest checks out", ({ chart, constraint, want }) => {
      const repo = readChartRepositorySync(REPO);
      const fetched = fetchChartFromRepositorySync(repo, chart, constraint);
      expect(fetched.entry.version).toBe(want);
      expect(fetched.chart.metadata.version).toBe(want);
      const bytes = readFileSync(`${REPO}/${chart}-${want}.tgz`);
      expect(fetched.digest).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(fetched.digest).toBe(fetched.entry.digest);
    });

    it("findWorkloads finds the Deployment of canary-demo", () => {
      expect(findWorkloads(render("canary-demo-2.0.0.tgz")).map((o) => `${o.kind}/${o.metadata.name ?? ""}`)).toEqual([
        "Deployment/canary-demo",
      ]);
    });
  },
);
