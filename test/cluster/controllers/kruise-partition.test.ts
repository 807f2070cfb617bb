import { describe, expect, it } from "vitest";
import { VelaError } from "../../../src/errors/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import { memorySandbox, type MemorySandbox } from "../../support/sandbox.js";
import {
  binomialInterval,
  canaryState,
  deployment,
  getObject,
  ingress,
  podsByImage,
  rollout,
  service,
  settleThroughTime,
  setImage,
} from "./fixtures.js";

const V1 = "barnett/canarydemo:v1";
const V2 = "barnett/canarydemo:v2";

function partitionApp(steps: JsonObject[], routing = false): KubeObject[] {
  const release = rollout("web", { steps, routing });
  return [
    deployment("web", V1, 5, {
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    }),
    service("web"),
    ingress("web", "web.example.com", "/"),
    { ...release, metadata: { ...release.metadata, annotations: { "rollouts.kruise.io/rolling-style": "partition" } } },
  ];
}

function pausedAt(sandbox: MemorySandbox, step: number): () => boolean {
  return () => {
    const state = canaryState(sandbox.store, "web");
    return state.step === step && state.state === "StepPaused";
  };
}

function approve(sandbox: MemorySandbox): void {
  sandbox.store.patchStatus(
    { apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout", name: "web", namespace: "default" },
    { type: "merge", patch: { status: { canaryStatus: { currentStepState: "StepReady" } } } },
  );
}

/** Watches the pods of the app and records the most that existed at once. */
function peakPods(sandbox: MemorySandbox): () => number {
  let peak = 0;
  const count = (): number =>
    sandbox.store
      .list("v1", "Pod", { namespace: "default" })
      .filter((pod) => pod.metadata.deletionTimestamp === undefined).length;
  sandbox.store.subscribe(() => {
    peak = Math.max(peak, count());
  });
  return () => peak;
}

function started(steps: JsonObject[], routing = false): MemorySandbox {
  const sandbox = memorySandbox({ objects: partitionApp(steps, routing) });
  settleThroughTime(sandbox);
  expect(podsByImage(sandbox.store, "web")).toEqual({ [V1]: 5 });
  return sandbox;
}

describe("Kruise partition style on a Deployment (the capped rolling canary)", () => {
  it("updates pods in place batch by batch, never above replicas + maxSurge, and the Deployment never runs ahead", () => {
    const sandbox = started([{ replicas: 1 }, { replicas: 3 }, { replicas: "100%" }]);
    const peak = peakPods(sandbox);
    setImage(sandbox, "web", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    const deploy = getObject(sandbox.store, "apps/v1", "Deployment", "web");
    expect((deploy?.spec as JsonObject).paused).toBe(true);
    expect(JSON.parse(deploy?.metadata.annotations?.["rollouts.kruise.io/deployment-strategy"] ?? "{}")).toMatchObject({
      rollingStyle: "Partition",
      partition: 1,
    });
    expect(podsByImage(sandbox.store, "web")).toEqual({ [V1]: 4, [V2]: 1 });
    expect(sandbox.store.list("apps/v1", "Deployment").map((d) => d.metadata.name)).toEqual(["web"]);
    // Time passing does not move it on: a step without pause.duration waits for approval.
    sandbox.clock.advance(600_000);
    settleThroughTime(sandbox);
    expect(podsByImage(sandbox.store, "web")).toEqual({ [V1]: 4, [V2]: 1 });

    approve(sandbox);
    settleThroughTime(sandbox, pausedAt(sandbox, 2));
    expect(podsByImage(sandbox.store, "web")).toEqual({ [V1]: 2, [V2]: 3 });

    approve(sandbox);
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "web").phase === "Healthy");
    expect(podsByImage(sandbox.store, "web")).toEqual({ [V2]: 5 });
    const done = getObject(sandbox.store, "apps/v1", "Deployment", "web");
    expect((done?.spec as JsonObject).paused).toBe(false);
    expect(done?.metadata.annotations?.["rollouts.kruise.io/deployment-strategy"]).toBeUndefined();
    // maxSurge 1: one pod above the 5 replicas while a batch is replaced, never more.
    expect(peak()).toBe(6);
  });

  it("rolls back by restoring the template: the updated pods roll back, within the same ceiling", () => {
    const sandbox = started([{ replicas: 2 }, { replicas: 5 }]);
    setImage(sandbox, "web", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    expect(podsByImage(sandbox.store, "web")).toEqual({ [V1]: 3, [V2]: 2 });
    const peak = peakPods(sandbox);
    setImage(sandbox, "web", V1);
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "web").phase === "Healthy");
    expect(podsByImage(sandbox.store, "web")).toEqual({ [V1]: 5 });
    const conditions = (getObject(sandbox.store, "rollouts.kruise.io/v1alpha1", "Rollout", "web")?.status as JsonObject)
      .conditions as JsonObject[];
    expect(conditions.find((c) => c.type === "Succeeded")?.status).toBe("False");
    expect(peak()).toBeLessThanOrEqual(6);
  });

  it("refuses a change of replicas while the release runs, with a clear error", () => {
    const sandbox = started([{ replicas: 1 }, { replicas: 5 }]);
    setImage(sandbox, "web", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    const current = structuredClone(getObject(sandbox.store, "apps/v1", "Deployment", "web")) as KubeObject & {
      spec: { replicas: number };
    };
    current.spec.replicas = 7;
    let error: unknown;
    try {
      sandbox.store.update(current);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VelaError);
    expect((error as VelaError).code).toBe("E_ROLLOUT_SCALING_PAUSED");
    expect((error as VelaError).message).toContain("its replicas stay 5 until the release ends, got 7");
  });

  it("routes by the canary Service when the partition Rollout has traffic routing", () => {
    const sandbox = started([{ replicas: 2, weight: 20 }, { weight: 100 }], true);
    setImage(sandbox, "web", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    expect(podsByImage(sandbox.store, "web")).toEqual({ [V1]: 3, [V2]: 2 });
    const summary = routeRequests(sandbox.store, {
      host: "web.example.com",
      path: "/",
      headers: {},
      cookies: {},
      count: 4000,
      seed: 5,
    });
    const interval = binomialInterval(4000, 0.2);
    expect(summary.byImage[V2]).toBeGreaterThan(interval.low);
    expect(summary.byImage[V2]).toBeLessThan(interval.high);
    approve(sandbox);
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "web").phase === "Healthy");
    expect(podsByImage(sandbox.store, "web")).toEqual({ [V2]: 5 });
    expect(
      routeRequests(sandbox.store, {
        host: "web.example.com",
        path: "/",
        headers: {},
        cookies: {},
        count: 100,
        seed: 5,
      }).byImage,
    ).toEqual({
      [V2]: 100,
    });
  });
});
