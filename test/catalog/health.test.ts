import { describe, expect, it } from "vitest";
import { loadDefinitions, type ComponentDefinition } from "../../src/definitions/index.js";
import { evaluateHealth } from "../../src/render/index.js";
import type { JsonObject } from "../../src/util/index.js";

/** Health and status message of the built-in CUE components, as KubeVela's definitions compute them. */

const { registry } = loadDefinitions({ addonsDir: null });

function health(type: string, output: JsonObject): { healthy: boolean; message: string } {
  const definition: ComponentDefinition = registry.get("ComponentDefinition", type);
  expect(definition.cue).toBeDefined();
  const result = evaluateHealth(
    definition,
    { output, outputs: {}, parameter: { image: "nginx" }, context: { name: "api" } },
    { cache: registry.cache },
  );
  return { healthy: result.healthy, message: result.message };
}

const workload = (kind: string, spec: JsonObject, status?: JsonObject): JsonObject => ({
  apiVersion: "apps/v1",
  kind,
  metadata: { name: "api", generation: 2 },
  spec,
  ...(status === undefined ? {} : { status }),
});

describe("health of the built-in components", () => {
  it.each([
    { label: "ready", spec: { replicas: 3 }, status: { readyReplicas: 3 }, healthy: true, message: "Ready:3/3" },
    {
      label: "not ready yet",
      spec: { replicas: 3 },
      status: { readyReplicas: 1 },
      healthy: false,
      message: "Ready:1/3",
    },
    { label: "no status", spec: { replicas: 2 }, status: undefined, healthy: false, message: "Ready:0/2" },
    { label: "default replicas", spec: {}, status: { readyReplicas: 1 }, healthy: true, message: "Ready:1/1" },
  ])("webservice, $label", ({ spec, status, healthy, message }) => {
    expect(health("webservice", workload("Deployment", spec, status))).toEqual({ healthy, message });
  });

  it.each(["worker", "statefulset"])(
    "%s waits for ready, updated and current replicas of the observed generation",
    (type) => {
      const kind = type === "worker" ? "Deployment" : "StatefulSet";
      const done = { readyReplicas: 2, updatedReplicas: 2, replicas: 2, observedGeneration: 2 };
      expect(health(type, workload(kind, { replicas: 2 }, done))).toEqual({ healthy: true, message: "Ready:2/2" });
      expect(health(type, workload(kind, { replicas: 2 }, { ...done, updatedReplicas: 1 })).healthy).toBe(false);
      expect(health(type, workload(kind, { replicas: 2 }, { ...done, observedGeneration: 1 })).healthy).toBe(false);
      expect(health(type, workload(kind, { replicas: 2 }))).toEqual({ healthy: false, message: "Ready:0/2" });
    },
  );

  it("daemon compares ready, updated and current pods with the desired count", () => {
    const done = {
      desiredNumberScheduled: 3,
      numberReady: 3,
      updatedNumberScheduled: 3,
      currentNumberScheduled: 3,
      observedGeneration: 2,
    };
    expect(health("daemon", workload("DaemonSet", {}, done))).toEqual({ healthy: true, message: "Ready:3/3" });
    expect(health("daemon", workload("DaemonSet", {}, { ...done, numberReady: 2 }))).toEqual({
      healthy: false,
      message: "Ready:2/3",
    });
  });

  it("task is healthy once every parallel run succeeded", () => {
    const job = (status?: JsonObject): JsonObject => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "api" },
      spec: { parallelism: 2, completions: 2 },
      ...(status === undefined ? {} : { status }),
    });
    expect(health("task", job({ succeeded: 2 }))).toEqual({
      healthy: true,
      message: "Active/Failed/Succeeded:0/0/2",
    });
    expect(health("task", job({ active: 1, succeeded: 1 }))).toEqual({
      healthy: false,
      message: "Active/Failed/Succeeded:1/0/1",
    });
  });
});

describe("health of the built-in expose trait", () => {
  const exposeHealth = (spec: JsonObject, status?: JsonObject): { healthy: boolean; message: string } => {
    const trait = registry.get("TraitDefinition", "expose");
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api" },
      spec,
      ...(status === undefined ? {} : { status }),
    };
    const result = evaluateHealth(
      trait,
      {
        output: workload("Deployment", { replicas: 1 }),
        outputs: { service },
        parameter: { port: [80] },
        context: { name: "api" },
      },
      { cache: registry.cache },
    );
    return { healthy: result.healthy, message: result.message };
  };

  it.each([
    {
      label: "cluster IP",
      spec: { type: "ClusterIP", clusterIP: "10.0.0.7" },
      status: undefined,
      healthy: true,
      message: "ClusterIP: 10.0.0.7",
    },
    {
      label: "load balancer pending",
      spec: { type: "LoadBalancer" },
      status: {},
      healthy: false,
      message: "ExternalIP: Pending",
    },
    {
      label: "load balancer ready",
      spec: { type: "LoadBalancer" },
      status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } },
      healthy: true,
      message: "ExternalIP: 1.2.3.4",
    },
  ])("$label", ({ spec, status, healthy, message }) => {
    expect(exposeHealth(spec, status)).toEqual({ healthy, message });
  });
});
