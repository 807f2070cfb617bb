import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/errors/index.js";
import {
  apiVersionOf,
  formatAge,
  isNamespacedKind,
  qualifiedKindName,
  qualifiedResourceName,
  resolveResource,
} from "../../src/cluster/resources.js";

describe("resolveResource", () => {
  it.each([
    { input: "pods", kind: "Pod", apiVersion: "v1" },
    { input: "po", kind: "Pod", apiVersion: "v1" },
    { input: "pod", kind: "Pod", apiVersion: "v1" },
    { input: "deploy", kind: "Deployment", apiVersion: "apps/v1" },
    { input: "Deployment", kind: "Deployment", apiVersion: "apps/v1" },
    { input: "deployments.apps", kind: "Deployment", apiVersion: "apps/v1" },
    { input: "rs", kind: "ReplicaSet", apiVersion: "apps/v1" },
    { input: "svc", kind: "Service", apiVersion: "v1" },
    { input: "ing", kind: "Ingress", apiVersion: "networking.k8s.io/v1" },
    { input: "rollouts", kind: "Rollout", apiVersion: "rollouts.kruise.io/v1alpha1" },
    { input: "rollouts.rollouts.kruise.io", kind: "Rollout", apiVersion: "rollouts.kruise.io/v1alpha1" },
    { input: "rollout", kind: "Rollout", apiVersion: "rollouts.kruise.io/v1alpha1" },
    { input: "batchreleases", kind: "BatchRelease", apiVersion: "rollouts.kruise.io/v1alpha1" },
    { input: "hr", kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2" },
    { input: "helmrepositories", kind: "HelmRepository", apiVersion: "source.toolkit.fluxcd.io/v1" },
    { input: "vs", kind: "VirtualService", apiVersion: "networking.istio.io/v1beta1" },
    { input: "dr", kind: "DestinationRule", apiVersion: "networking.istio.io/v1beta1" },
    { input: "gateways", kind: "Gateway", apiVersion: "networking.istio.io/v1beta1" },
    { input: "gateways.gateway.networking.k8s.io", kind: "Gateway", apiVersion: "gateway.networking.k8s.io/v1" },
    { input: "sts", kind: "StatefulSet", apiVersion: "apps/v1" },
    { input: "clonesets", kind: "CloneSet", apiVersion: "apps.kruise.io/v1alpha1" },
    { input: "cm", kind: "ConfigMap", apiVersion: "v1" },
    { input: "secrets", kind: "Secret", apiVersion: "v1" },
    { input: "ns", kind: "Namespace", apiVersion: "v1" },
    { input: "app", kind: "Application", apiVersion: "core.oam.dev/v1beta1" },
    { input: "apprev", kind: "ApplicationRevision", apiVersion: "core.oam.dev/v1beta1" },
    { input: "resourcetrackers", kind: "ResourceTracker", apiVersion: "core.oam.dev/v1beta1" },
    { input: "componentdefinitions", kind: "ComponentDefinition", apiVersion: "core.oam.dev/v1beta1" },
    { input: "traitdefinitions", kind: "TraitDefinition", apiVersion: "core.oam.dev/v1beta1" },
    { input: "hpa", kind: "HorizontalPodAutoscaler", apiVersion: "autoscaling/v2" },
    { input: "sa", kind: "ServiceAccount", apiVersion: "v1" },
    { input: "leases", kind: "Lease", apiVersion: "coordination.k8s.io/v1" },
  ])("$input → $kind ($apiVersion)", ({ input, kind, apiVersion }) => {
    const type = resolveResource(input);
    expect(type.kind).toBe(kind);
    expect(apiVersionOf(type)).toBe(apiVersion);
  });

  it.each([
    { input: "deploymnts", hint: '"deployments"' },
    { input: "rolout", hint: '"rollouts"' },
    { input: "deployments.batch", hint: '"deployments"' },
  ])("an unknown resource $input is E_UNKNOWN_RESOURCE with close names", ({ input, hint }) => {
    let error: unknown;
    try {
      resolveResource(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe("E_UNKNOWN_RESOURCE");
    expect((error as NotFoundError).message).toBe(`the server doesn't have a resource type "${input}"`);
    expect((error as NotFoundError).hint).toContain(hint);
  });
});

describe("resource names and scope", () => {
  it.each([
    { apiVersion: "apps/v1", kind: "Deployment", namespaced: true },
    { apiVersion: "v1", kind: "Namespace", namespaced: false },
    { apiVersion: "core.oam.dev/v1beta1", kind: "ResourceTracker", namespaced: false },
    { apiVersion: "core.oam.dev/v1beta1", kind: "TraitDefinition", namespaced: true },
    { apiVersion: "example.com/v1", kind: "Unknown", namespaced: true },
  ])("$kind namespaced: $namespaced", ({ apiVersion, kind, namespaced }) => {
    expect(isNamespacedKind(apiVersion, kind)).toBe(namespaced);
  });

  it("prints names as kubectl does", () => {
    expect(qualifiedKindName(resolveResource("deploy"))).toBe("deployment.apps");
    expect(qualifiedKindName(resolveResource("svc"))).toBe("service");
    expect(qualifiedResourceName(resolveResource("rollout"))).toBe("rollouts.rollouts.kruise.io");
  });
});

describe("formatAge", () => {
  const now = new Date("2026-01-10T00:00:00Z");
  it.each([
    { seconds: 5, want: "5s" },
    { seconds: 119, want: "119s" },
    { seconds: 200, want: "3m20s" },
    { seconds: 900, want: "15m" },
    { seconds: 5 * 3600 + 180, want: "5h3m" },
    { seconds: 20 * 3600, want: "20h" },
    { seconds: 3 * 86400 + 4 * 3600, want: "3d4h" },
  ])("$seconds s → $want", ({ seconds, want }) => {
    expect(formatAge(new Date(now.getTime() - seconds * 1000).toISOString(), now)).toBe(want);
  });
});
