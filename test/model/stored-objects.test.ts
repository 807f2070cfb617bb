/**
 * Decoders of what vela-ts reads back from a cluster: what vela-ts itself writes decodes unchanged;
 * a damaged object is an E_STORED_OBJECT_INVALID naming the object and the field.
 */
import { describe, expect, it } from "vitest";
import { buildResourceTracker, trackedResources, type TrackedResource } from "../../src/cluster/tracker.js";
import { VelaError } from "../../src/errors/index.js";
import {
  ANALYSIS_RUNS_SCHEMA,
  APPLICATION_SNAPSHOT_SCHEMA,
  ARGO_ROLLOUT_STATUS_SCHEMA,
  COMPONENT_REVISIONS_SCHEMA,
  decodeStored,
  decodeStoredLeniently,
  decodeStoredOptional,
  isKubeObject,
  kubeObjectOf,
  KRUISE_ROLLOUT_STATUS_SCHEMA,
  SERVICES_SCHEMA,
  TRACKED_RESOURCES_SCHEMA,
  type KubeObject,
} from "../../src/model/index.js";
import { storedServicesOf } from "../../src/reconciler/component-runtime.js";
import { toJsonObject, toJsonValue, type JsonValue } from "../../src/util/index.js";

const WHERE = { object: "ResourceTracker/shop-v1-default", path: "/spec/managedResources" };

function decodeError(run: () => unknown): VelaError {
  try {
    run();
  } catch (error) {
    if (error instanceof VelaError) return error;
    throw error;
  }
  throw new Error("expected a VelaError");
}

const TRACKED: TrackedResource[] = [
  { apiVersion: "apps/v1", kind: "Deployment", name: "api", namespace: "default", component: "api", raw: { a: 1 } },
  { apiVersion: "v1", kind: "Namespace", name: "team" },
];

const APP: KubeObject = {
  apiVersion: "core.oam.dev/v1beta1",
  kind: "Application",
  metadata: { name: "shop", namespace: "default" },
};

describe("decodeStored", () => {
  it.each([
    { name: "tracked resources", schema: TRACKED_RESOURCES_SCHEMA, value: toJsonValue(TRACKED) },
    {
      name: "component revisions",
      schema: COMPONENT_REVISIONS_SCHEMA,
      value: { api: { name: "api-v2", hash: "ab12" } },
    },
    {
      name: "an application snapshot",
      schema: APPLICATION_SNAPSHOT_SCHEMA,
      value: { apiVersion: "core.oam.dev/v1beta1", kind: "Application", metadata: { name: "shop" }, spec: {} },
    },
    {
      name: "services (KubeVela writes only name and healthy)",
      schema: SERVICES_SCHEMA,
      value: [
        {
          name: "api",
          namespace: "default",
          healthy: true,
          workloadHealthy: true,
          traits: [{ type: "scaler", healthy: true }],
        },
        { name: "worker", healthy: false },
      ],
    },
    {
      name: "analysis runs",
      schema: ANALYSIS_RUNS_SCHEMA,
      value: {
        "api-v2/1": {
          key: "api-v2/1",
          step: 1,
          startedAt: "2026-01-01T00:00:00Z",
          phase: "Running",
          metrics: [
            {
              name: "success-rate",
              phase: "Running",
              successful: 1,
              failed: 0,
              inconclusive: 0,
              error: 0,
              consecutiveError: 0,
              measurements: [{ phase: "Successful", startedAt: "2026-01-01T00:00:10Z", value: "0.99" }],
            },
          ],
        },
      },
    },
    {
      name: "a Kruise Rollout status",
      schema: KRUISE_ROLLOUT_STATUS_SCHEMA,
      value: { phase: "Progressing", canaryStatus: { currentStepIndex: 1, currentStepState: "StepPaused" } },
    },
    {
      name: "an Argo Rollout status",
      schema: ARGO_ROLLOUT_STATUS_SCHEMA,
      value: { phase: "Paused", currentStepIndex: 2, pauseConditions: null, abort: false },
    },
  ])("decodes $name unchanged", ({ schema, value }) => {
    expect(decodeStored(schema, value, WHERE)).toBe(value);
  });

  it.each([
    {
      name: "a tracked resource without a name",
      schema: TRACKED_RESOURCES_SCHEMA,
      value: [{ apiVersion: "v1", kind: "ConfigMap" }] as JsonValue,
      path: "/spec/managedResources/0",
    },
    {
      name: "a list that is a string",
      schema: TRACKED_RESOURCES_SCHEMA,
      value: "oops",
      path: "/spec/managedResources",
    },
    {
      name: "a Kruise step index that is text",
      schema: KRUISE_ROLLOUT_STATUS_SCHEMA,
      value: { canaryStatus: { currentStepIndex: "two" } },
      path: "/spec/managedResources/canaryStatus/currentStepIndex",
    },
  ])("names the object and the field of $name", ({ schema, value, path }) => {
    const error = decodeError(() => decodeStored(schema, value, WHERE));
    expect(error.code).toBe("E_STORED_OBJECT_INVALID");
    expect(error.message).toMatch(/^ResourceTracker\/shop-v1-default is damaged: /);
    expect(error.path).toBe(path);
    expect(error.hint).toMatch(/changed by hand/);
  });

  it("leaves an absent optional field absent, and a lenient reader treats a damaged one as absent", () => {
    expect(decodeStoredOptional(SERVICES_SCHEMA, undefined, WHERE)).toBeUndefined();
    expect(decodeStoredLeniently(COMPONENT_REVISIONS_SCHEMA, { api: "v2" })).toBeUndefined();
    expect(decodeStoredLeniently(COMPONENT_REVISIONS_SCHEMA, { api: { name: "api-v1", hash: "1" } })).toEqual({
      api: { name: "api-v1", hash: "1" },
    });
  });
});

describe("readers at the cluster boundary", () => {
  it("reads back the resources a ResourceTracker was built with", () => {
    const tracker = buildResourceTracker({ name: "shop", namespace: "default" }, "shop-v1", TRACKED);
    expect(trackedResources(tracker)).toEqual(TRACKED);
  });

  it("reports a damaged ResourceTracker by name instead of crashing", () => {
    const tracker = buildResourceTracker({ name: "shop", namespace: "default" }, "shop-v1", TRACKED);
    const damaged = { ...tracker, spec: { managedResources: [{ kind: "Deployment" }] } };
    const error = decodeError(() => trackedResources(damaged));
    expect(error.code).toBe("E_STORED_OBJECT_INVALID");
    expect(error.message).toMatch(/^ResourceTracker\/shop-v1-default is damaged: missing required field "apiVersion"/);
    expect(error.path).toBe("/spec/managedResources/0");
  });

  it("reads an Application's services, none when the status has none, and names a damaged list", () => {
    const services = [{ name: "api", namespace: "default", healthy: true, workloadHealthy: true, traits: [] }];
    expect(storedServicesOf({ ...APP, status: { services } })).toEqual(services);
    expect(storedServicesOf(APP)).toEqual([]);
    const error = decodeError(() =>
      storedServicesOf({ ...APP, status: { services: [{ name: "api", healthy: "yes" }] } }),
    );
    expect(error.code).toBe("E_STORED_OBJECT_INVALID");
    expect(error.message).toMatch(/^Application\/default\/shop is damaged: /);
    expect(error.path).toBe("/status/services/0/healthy");
  });
});

describe("Kubernetes object envelope", () => {
  it("tells a Kubernetes object from other JSON", () => {
    expect(isKubeObject(toJsonObject(APP))).toBe(true);
    expect(isKubeObject({ apiVersion: "v1", kind: "ConfigMap" })).toBe(false);
    expect(isKubeObject({ apiVersion: "v1", kind: "ConfigMap", metadata: [] })).toBe(false);
    expect(isKubeObject([APP])).toBe(false);
  });

  it("turns a broken invariant into an internal error naming the value", () => {
    expect(kubeObjectOf(toJsonObject(APP), "the app")).toBe(APP);
    const error = decodeError(() => kubeObjectOf({ kind: "ConfigMap" }, "the patched value"));
    expect(error.code).toBe("E_INTERNAL");
    expect(error.message).toBe("the patched value is not a Kubernetes object");
  });
});
