import { describe, expect, it } from "vitest";
import { NO_UPSTREAM_SCHEMA, schemaSourceOf, validateAgainstSchema } from "../support/k8s-schema.js";
import { HAS_SHARED, SHARED_MISSING_REASON } from "../support/shared.js";

const deployment = (
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = { name: "web" },
): Record<string, unknown> => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata,
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
    ...spec,
  },
});

const rollout = (
  apiVersion: string,
  step: Record<string, unknown>,
  routing: Record<string, unknown> = { service: "web", ingress: { name: "web", classType: "nginx" } },
): Record<string, unknown> => ({
  apiVersion,
  kind: "Rollout",
  metadata: { name: "web" },
  spec: {
    objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
    strategy: { canary: { steps: [step], trafficRoutings: [routing] } },
  },
});

describe("validateAgainstSchema: built-in kinds (kubernetes-models + OpenAPI type map)", () => {
  it.each([
    { name: "a valid Deployment", object: deployment({ replicas: 3 }), want: [] as string[] },
    { name: "a misspelt spec field", object: deployment({ replica: 3 }), want: ["/spec/replica"] },
    {
      name: "a misspelt container field",
      object: {
        ...deployment({}),
        spec: { selector: {}, template: { spec: { containers: [{ name: "a", imagee: "x" }] } } },
      },
      want: ["/spec/template/spec/containers/0/imagee"],
    },
    { name: "a wrong type", object: deployment({ replicas: "3" }), want: ["/spec/replicas"] },
    {
      name: "a missing required field",
      object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { template: {} } },
      want: ["/spec"],
    },
    {
      name: "a misspelt metadata field",
      object: deployment({}, { name: "web", label: { a: "b" } }),
      want: ["/metadata/label"],
    },
    {
      name: "a non-string label value",
      object: deployment({}, { name: "web", labels: { a: 1 } }),
      want: ["/metadata/labels/a"],
    },
    {
      name: "an int-or-string targetPort given as a name",
      object: {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "s" },
        spec: { ports: [{ port: 80, targetPort: "http" }] },
      },
      want: [],
    },
    {
      name: "an Ingress with a misspelt backend field",
      object: {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "i" },
        spec: { rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { servce: { name: "s" } } }] } }] },
      },
      want: ["/spec/rules/0/http/paths/0/backend/servce"],
    },
  ])("$name", ({ object, want }) => {
    const paths = validateAgainstSchema(object).map((issue) => issue.path);
    if (want.length === 0) expect(paths).toEqual([]);
    else for (const path of want) expect(paths).toContain(path);
  });

  it("reports a kind that has no schema and is not listed as schemaless", () => {
    const issues = validateAgainstSchema({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } });
    expect(issues.map((issue) => issue.message).join()).toContain("no schema for example.com/v1 Widget");
  });

  it.each([...NO_UPSTREAM_SCHEMA.keys()].map((key) => ({ name: key, key })))(
    "accepts the listed schemaless kind $name without a schema",
    ({ key }) => {
      const slash = key.lastIndexOf("/");
      const object = { apiVersion: key.slice(0, slash), kind: key.slice(slash + 1), metadata: { name: "x" } };
      expect(schemaSourceOf(object.apiVersion, object.kind)).toBe("none");
      expect(validateAgainstSchema(object)).toEqual([]);
    },
  );
});

describe.skipIf(!HAS_SHARED)(
  `validateAgainstSchema: CRD kinds (reference/crds) ${HAS_SHARED ? "" : SHARED_MISSING_REASON}`,
  () => {
    it.each([
      {
        name: "a v1alpha1 Rollout as KubeVela renders it",
        object: rollout("rollouts.kruise.io/v1alpha1", { weight: 20, pause: {} }),
        want: [] as string[],
      },
      {
        name: "v1alpha1 replicas as a percentage (int-or-string)",
        object: rollout("rollouts.kruise.io/v1alpha1", { replicas: "20%", pause: { duration: 30 } }),
        want: [],
      },
      {
        name: "a misspelt step field",
        object: rollout("rollouts.kruise.io/v1alpha1", { wieght: 20 }),
        want: ["/spec/strategy/canary/steps/0"],
      },
      {
        name: "steps[].weight on v1beta1, where only traffic exists",
        object: rollout("rollouts.kruise.io/v1beta1", { weight: 20 }),
        want: ["/spec/strategy/canary/steps/0"],
      },
      {
        name: "a lower-case header match type",
        object: rollout("rollouts.kruise.io/v1alpha1", {
          matches: [{ headers: [{ type: "exact", name: "a", value: "b" }] }],
        }),
        want: ["/spec/strategy/canary/steps/0/matches/0/headers/0/type"],
      },
      {
        name: "a HelmRelease v2beta1 with free-form values",
        object: {
          apiVersion: "helm.toolkit.fluxcd.io/v2beta1",
          kind: "HelmRelease",
          metadata: { name: "h" },
          spec: {
            interval: "30s",
            chart: { spec: { chart: "c", sourceRef: { kind: "HelmRepository", name: "h" } } },
            values: { any: { thing: [1] } },
          },
        },
        want: [],
      },
      {
        name: "a HelmRepository with a file:// URL",
        object: {
          apiVersion: "source.toolkit.fluxcd.io/v1beta2",
          kind: "HelmRepository",
          metadata: { name: "h" },
          spec: { url: "file:///charts", interval: "5m" },
        },
        want: ["/spec/url"],
      },
      {
        name: "a VirtualService with a misspelt route field",
        object: {
          apiVersion: "networking.istio.io/v1alpha3",
          kind: "VirtualService",
          metadata: { name: "v" },
          spec: { hosts: ["v"], http: [{ route: [{ destination: { host: "v" }, wieght: 10 }] }] },
        },
        want: ["/spec/http/0/route/0"],
      },
      {
        name: "CRD metadata is checked like a built-in object's",
        object: {
          apiVersion: "networking.istio.io/v1alpha3",
          kind: "DestinationRule",
          metadata: { name: "d", labelz: {} },
          spec: { host: "d" },
        },
        want: ["/metadata/labelz"],
      },
    ])("$name", ({ object, want }) => {
      const paths = validateAgainstSchema(object).map((issue) => issue.path);
      if (want.length === 0) expect(paths).toEqual([]);
      else for (const path of want) expect(paths).toContain(path);
    });

    it("knows every kind of reference/crds by its served versions", () => {
      expect(schemaSourceOf("rollouts.kruise.io", "Rollout")).toBe("none");
      expect(schemaSourceOf("rollouts.kruise.io/v1alpha1", "Rollout")).toBe("crd");
      expect(schemaSourceOf("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease")).toBe("crd");
      expect(schemaSourceOf("source.toolkit.fluxcd.io/v1beta2", "HelmRepository")).toBe("crd");
      expect(schemaSourceOf("networking.istio.io/v1alpha3", "DestinationRule")).toBe("crd");
    });
  },
);
