import { describe, expect, it } from "vitest";
import type { TrackedResource } from "../../src/cluster/tracker.js";
import {
  componentsInSpec,
  garbageCollectPolicyOf,
  gcDeleteOptions,
  gcRuleFor,
  gcStrategyFor,
  policiesInSpec,
  reverseDependencyGroups,
} from "../../src/reconciler/garbage-collect.js";

const spec = {
  components: [
    { name: "db", type: "k8s-objects", outputs: [{ name: "dsn", valueFrom: "output.data.dsn" }] },
    { name: "api", type: "webservice", inputs: [{ from: "dsn", parameterKey: "env" }] },
    { name: "front", type: "webservice", dependsOn: ["api"] },
    { name: "docs", type: "webservice" },
  ],
  policies: [
    {
      name: "gc",
      type: "garbage-collect",
      properties: {
        keepLegacyResource: false,
        order: "dependency",
        applicationRevisionLimit: 3,
        rules: [
          { selector: { traitTypes: ["gateway"] }, strategy: "onAppDelete", propagation: "cascading" },
          { selector: { componentTypes: ["k8s-objects"], resourceTypes: ["ConfigMap"] }, strategy: "never" },
          { selector: { oamTypes: ["COMPONENT"], resourceNames: ["front"] }, propagation: "orphan" },
        ],
      },
    },
  ],
};

const tracked = (resource: Partial<TrackedResource> & Pick<TrackedResource, "kind" | "name">): TrackedResource => ({
  apiVersion: "v1",
  namespace: "default",
  ...resource,
});

describe("garbage-collect policy", () => {
  const policy = garbageCollectPolicyOf(policiesInSpec(spec));
  const types = new Map(componentsInSpec(spec).map((component) => [component.name, component.type ?? ""]));

  it("reads upstream's fields (defaults where absent)", () => {
    expect(policy).toMatchObject({
      keepLegacyResource: false,
      continueOnFailure: false,
      dependencyOrder: true,
      applicationRevisionLimit: 3,
    });
    expect(policy?.rules.map((rule) => rule.strategy)).toEqual(["onAppDelete", "never", "onAppUpdate"]);
    expect(garbageCollectPolicyOf([{ type: "apply-once" }])).toBeUndefined();
  });

  it("matches selectors by trait type, component type and kind, OAM type and name; the first rule wins", () => {
    const ingress = tracked({ kind: "Ingress", name: "front", component: "front", trait: "gateway" });
    expect(gcStrategyFor(policy, ingress, types)).toBe("onAppDelete");
    expect(gcDeleteOptions(gcRuleFor(policy, ingress, types))).toEqual({ propagationPolicy: "Background" });
    expect(gcStrategyFor(policy, tracked({ kind: "ConfigMap", name: "db", component: "db" }), types)).toBe("never");
    // The workload label names the type when the component is gone from the spec.
    const labelled = tracked({
      kind: "ConfigMap",
      name: "gone",
      component: "gone",
      raw: { metadata: { labels: { "workload.oam.dev/type": "k8s-objects" } } },
    });
    expect(gcStrategyFor(policy, labelled, types)).toBe("never");
    const front = tracked({ kind: "Deployment", name: "front", component: "front" });
    expect(gcDeleteOptions(gcRuleFor(policy, front, types))).toEqual({ propagationPolicy: "Orphan" });
    // A trait's output is not a COMPONENT.
    const frontService = tracked({ kind: "Service", name: "front", component: "front", trait: "expose" });
    expect(gcRuleFor(policy, frontService, types)).toBeUndefined();
    expect(gcStrategyFor(undefined, front, types)).toBe("onAppUpdate");
  });

  it("orders deletion by reverse dependency: dependsOn and inputs taken from outputs", () => {
    expect(reverseDependencyGroups(componentsInSpec(spec))).toEqual([["front", "docs"], ["api"], ["db"]]);
  });

  it("a dependency cycle (refused by validation) still gives every component a group", () => {
    const cycle = [
      { name: "a", dependsOn: ["b"] },
      { name: "b", dependsOn: ["a"] },
    ];
    expect(reverseDependencyGroups(cycle).flat().sort()).toEqual(["a", "b"]);
  });
});
