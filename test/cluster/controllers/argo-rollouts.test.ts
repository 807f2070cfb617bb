import { describe, expect, it } from "vitest";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import type { JsonObject } from "../../../src/util/index.js";
import { memorySandbox, type MemorySandbox } from "../../support/sandbox.js";
import { argoStatus, objectsOf, podImages, promote, setAbort, setRolloutImage } from "./argo-fixtures.js";
import { binomialInterval, getObject, settleThroughTime } from "./fixtures.js";

const BLUE = "argoproj/rollouts-demo:blue";
const YELLOW = "argoproj/rollouts-demo:yellow";

function shares(sandbox: MemorySandbox, headers: Record<string, string> = {}, count = 4000): Record<string, number> {
  return routeRequests(sandbox.store, { host: "rollouts-demo.local", path: "/", headers, cookies: {}, count, seed: 11 })
    .byImage;
}

function expectShare(sandbox: MemorySandbox, percent: number): void {
  const counts = shares(sandbox);
  const canary = counts[YELLOW] ?? 0;
  if (percent === 0 || percent === 100) {
    expect(canary).toBe(percent === 0 ? 0 : 4000);
    return;
  }
  const interval = binomialInterval(4000, percent / 100);
  expect(canary).toBeGreaterThan(interval.low);
  expect(canary).toBeLessThan(interval.high);
}

function state(sandbox: MemorySandbox): { phase: unknown; message: unknown; step: unknown; weight: unknown } {
  const status = argoStatus(sandbox);
  const weights = ((status.canary as JsonObject | undefined)?.weights ?? {}) as JsonObject;
  return {
    phase: status.phase,
    message: status.message,
    step: status.currentStepIndex,
    weight: (weights.canary as JsonObject | undefined)?.weight,
  };
}

function started(file = "examples/argo-rollouts/rollouts-demo.yaml"): MemorySandbox {
  const sandbox = memorySandbox({ objects: objectsOf(file) });
  settleThroughTime(sandbox);
  return sandbox;
}

describe("Argo Rollouts controller: the rollouts-demo canary with nginx", () => {
  it("installs as Healthy on the first ReplicaSet, steps skipped, all traffic stable", () => {
    const sandbox = started();
    expect(state(sandbox)).toMatchObject({ phase: "Healthy", step: 6, weight: 0 });
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5 });
    const status = argoStatus(sandbox);
    expect(status.stableRS).toBe(status.currentPodHash);
    const stable = getObject(sandbox.store, "v1", "Service", "rollouts-demo-stable");
    expect((stable?.spec as JsonObject).selector).toEqual({
      app: "rollouts-demo",
      "rollouts-pod-template-hash": status.stableRS,
    });
    expect(
      getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "rollouts-demo-rollouts-demo-stable-canary"),
    ).toMatchObject({
      metadata: {
        annotations: {
          "kubernetes.io/ingress.class": "nginx",
          "nginx.ingress.kubernetes.io/canary": "true",
          "nginx.ingress.kubernetes.io/canary-weight": "0",
          "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
        },
      },
    });
    expectShare(sandbox, 0);
  });

  it("20% → promote → 50% for 30 s → 70% for 30 s → 100%, old ReplicaSet scaled down", () => {
    const sandbox = started();
    const stableHash = argoStatus(sandbox).stableRS;
    setRolloutImage(sandbox, YELLOW);
    settleThroughTime(sandbox, () => state(sandbox).phase === "Paused");
    expect(state(sandbox)).toMatchObject({ phase: "Paused", message: "CanaryPauseStep", step: 1, weight: 20 });
    expect(argoStatus(sandbox).pauseConditions).toEqual([
      { reason: "CanaryPauseStep", startTime: "2026-01-01T00:00:00Z" },
    ]);
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5, [YELLOW]: 1 });
    expectShare(sandbox, 20);
    expect(shares(sandbox, { "X-Canary": "always" }, 200)).toEqual({ [YELLOW]: 200 });
    // Waiting does not move a pause without a duration.
    sandbox.clock.advance(3_600_000);
    sandbox.settle();
    expect(state(sandbox)).toMatchObject({ phase: "Paused", step: 1 });

    promote(sandbox);
    sandbox.settle();
    expect(state(sandbox)).toMatchObject({ phase: "Paused", step: 3, weight: 50 });
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5, [YELLOW]: 3 });
    expectShare(sandbox, 50);
    expect(sandbox.nextWakeAt()?.getTime()).toBe(sandbox.clock.now().getTime() + 30_000);

    sandbox.clock.advance(30_000);
    sandbox.settle();
    expect(state(sandbox)).toMatchObject({ phase: "Paused", step: 5, weight: 70 });
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5, [YELLOW]: 4 });
    expectShare(sandbox, 70);

    sandbox.clock.advance(30_000);
    sandbox.settle();
    const done = argoStatus(sandbox);
    expect(done).toMatchObject({ phase: "Healthy", currentStepIndex: 6 });
    expect(done.stableRS).toBe(done.currentPodHash);
    expect(done.stableRS).not.toBe(stableHash);
    expectShare(sandbox, 100);
    // The old stable ReplicaSet keeps its pods for scaleDownDelaySeconds (30 s), then goes to 0.
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5, [YELLOW]: 5 });
    settleThroughTime(sandbox);
    expect(podImages(sandbox)).toEqual({ [YELLOW]: 5 });
    expect(
      getObject(sandbox.store, "apps/v1", "ReplicaSet", `rollouts-demo-${stableHash as string}`)?.spec,
    ).toMatchObject({
      replicas: 0,
    });
  });

  it("abort puts all traffic on stable at once, scales the canary down after 30 s; retry starts the steps again", () => {
    const sandbox = started();
    setRolloutImage(sandbox, YELLOW);
    settleThroughTime(sandbox, () => state(sandbox).phase === "Paused");
    promote(sandbox);
    sandbox.settle();
    expect(state(sandbox)).toMatchObject({ step: 3, weight: 50 });
    setAbort(sandbox, true);
    sandbox.settle();
    expect(state(sandbox)).toMatchObject({
      phase: "Degraded",
      message: "RolloutAborted: Rollout aborted update to revision 2",
      step: 0,
      weight: 0,
    });
    expectShare(sandbox, 0);
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5, [YELLOW]: 3 });
    sandbox.clock.advance(30_000);
    sandbox.settle();
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5 });

    setAbort(sandbox, false);
    settleThroughTime(sandbox, () => state(sandbox).phase === "Paused");
    expect(state(sandbox)).toMatchObject({ phase: "Paused", step: 1, weight: 20 });
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5, [YELLOW]: 1 });
  });

  it("putting the stable template back mid-release skips the steps (rollback to stable)", () => {
    const sandbox = started();
    setRolloutImage(sandbox, YELLOW);
    settleThroughTime(sandbox, () => state(sandbox).phase === "Paused");
    setRolloutImage(sandbox, BLUE);
    settleThroughTime(sandbox);
    expect(state(sandbox)).toMatchObject({ phase: "Healthy", step: 6, weight: 0 });
    expect(podImages(sandbox)).toEqual({ [BLUE]: 5 });
    expectShare(sandbox, 0);
  });
});

describe("Argo Rollouts controller: Traefik weighted TraefikService", () => {
  it("moves the TraefikService weights per step and answers through traefik", () => {
    const sandbox = started("examples/argo-rollouts/rollouts-demo-traefik.yaml");
    const weights = (): unknown =>
      (
        getObject(sandbox.store, "traefik.containo.us/v1alpha1", "TraefikService", "rollouts-demo-wrr")
          ?.spec as JsonObject
      ).weighted;
    expect(weights()).toEqual({
      services: [
        { name: "rollouts-demo-stable", port: 80, weight: 100 },
        { name: "rollouts-demo-canary", port: 80, weight: 0 },
      ],
    });
    setRolloutImage(sandbox, YELLOW);
    settleThroughTime(sandbox, () => state(sandbox).phase === "Paused");
    expect(weights()).toMatchObject({ services: [{ weight: 80 }, { weight: 20 }] });
    const summary = routeRequests(sandbox.store, {
      host: "rollouts-demo.local",
      path: "/",
      headers: {},
      cookies: {},
      count: 4000,
      seed: 4,
    });
    expect(summary.router).toBe("traefik");
    const interval = binomialInterval(4000, 0.2);
    expect(summary.byImage[YELLOW]).toBeGreaterThan(interval.low);
    expect(summary.byImage[YELLOW]).toBeLessThan(interval.high);
  });
});
