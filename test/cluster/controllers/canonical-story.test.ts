import { describe, expect, it } from "vitest";
import { memorySandbox } from "../../support/sandbox.js";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import {
  binomialInterval,
  canaryState,
  canonicalApp,
  getObject,
  podsByImage,
  settleThroughTime,
  setImage,
} from "./fixtures.js";
import type { KubeObject } from "../../../src/model/kube-object.js";

const V1 = "barnett/canarydemo:v1";
const V2 = "barnett/canarydemo:v2";

function traffic(store: Parameters<typeof routeRequests>[0], count = 10_000): Record<string, number> {
  return {
    ...routeRequests(store, { host: "canary-demo.com", path: "/version", headers: {}, cookies: {}, count, seed: 7 })
      .byImage,
  };
}

function approve(sandbox: ReturnType<typeof memorySandbox>): void {
  sandbox.store.patchStatus(
    { apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout", name: "canary-demo", namespace: "default" },
    { type: "merge", patch: { status: { canaryStatus: { currentStepState: "StepReady" } } } },
  );
}

function uidsOf(pods: readonly KubeObject[]): string[] {
  return pods.map((pod) => pod.metadata.uid ?? "").sort();
}

function stablePods(sandbox: ReturnType<typeof memorySandbox>): KubeObject[] {
  return sandbox.store
    .list("v1", "Pod", { namespace: "default" })
    .filter((pod) => (pod.spec as { containers: { image: string }[] }).containers[0]?.image === V1);
}

function pausedAt(sandbox: ReturnType<typeof memorySandbox>, step: number): () => boolean {
  return () => {
    const state = canaryState(sandbox.store, "canary-demo");
    return state.step === step && state.state === "StepPaused";
  };
}

function startStory(): { sandbox: ReturnType<typeof memorySandbox>; stableUids: string[] } {
  const sandbox = memorySandbox({ objects: canonicalApp() });
  settleThroughTime(sandbox);
  expect(canaryState(sandbox.store, "canary-demo").phase).toBe("Healthy");
  expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ [V1]: 5 });
  const stableUids = uidsOf(stablePods(sandbox));
  setImage(sandbox, "canary-demo", V2);
  settleThroughTime(sandbox, pausedAt(sandbox, 1));
  return { sandbox, stableUids };
}

describe("canonical canary story at the controller level", () => {
  it("pauses at step 1 with one canary pod and ≈20% traffic, then step 2 ≈90%, then finishes on v2", () => {
    const { sandbox, stableUids } = startStory();
    const deploy = getObject(sandbox.store, "apps/v1", "Deployment", "canary-demo");
    expect((deploy?.spec as { paused?: boolean }).paused).toBe(true);
    expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({
      phase: "Progressing",
      step: 1,
      state: "StepPaused",
      reason: "InRolling",
      message: "Rollout is in step(1/2), and you need manually confirm to enter the next step",
    });
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ [V1]: 5, [V2]: 1 });
    expect(uidsOf(stablePods(sandbox))).toEqual(stableUids);
    const step1 = traffic(sandbox.store);
    const interval20 = binomialInterval(10_000, 0.2);
    expect(step1[V2]).toBeGreaterThan(interval20.low);
    expect(step1[V2]).toBeLessThan(interval20.high);

    approve(sandbox);
    settleThroughTime(sandbox, pausedAt(sandbox, 2));
    expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({ step: 2, state: "StepPaused" });
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ [V1]: 5, [V2]: 5 });
    expect(uidsOf(stablePods(sandbox))).toEqual(stableUids);
    const step2 = traffic(sandbox.store);
    const interval90 = binomialInterval(10_000, 0.9);
    expect(step2[V2]).toBeGreaterThan(interval90.low);
    expect(step2[V2]).toBeLessThan(interval90.high);

    approve(sandbox);
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "canary-demo").phase === "Healthy");
    expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({
      phase: "Healthy",
      message: "rollout is healthy",
    });
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ [V2]: 5 });
    expect(getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "canary-demo-canary")).toBeUndefined();
    expect(getObject(sandbox.store, "v1", "Service", "canary-demo-canary")).toBeUndefined();
    expect(getObject(sandbox.store, "rollouts.kruise.io/v1alpha1", "BatchRelease", "canary-demo")).toBeUndefined();
    expect(sandbox.store.list("apps/v1", "Deployment").map((d) => d.metadata.name)).toEqual(["canary-demo"]);
    expect(traffic(sandbox.store, 1000)).toEqual({ [V2]: 1000 });
    const succeeded = (
      sandbox.store.get({
        apiVersion: "rollouts.kruise.io/v1alpha1",
        kind: "Rollout",
        name: "canary-demo",
        namespace: "default",
      })?.status as { conditions: { type: string; status: string }[] }
    ).conditions.find((c) => c.type === "Succeeded");
    expect(succeeded?.status).toBe("True");
  });

  it("rolls back from step 1: the first write deletes the canary Ingress and stable pods never restart", () => {
    const { sandbox, stableUids } = startStory();
    const writes: string[] = [];
    let paused = true;
    const stop = sandbox.store.subscribe((changes) => {
      for (const change of changes) {
        const { kind, metadata } = change.object;
        if (kind === "Deployment" && metadata.name === "canary-demo" && change.type === "MODIFIED") {
          const now = (change.object.spec as { paused?: boolean }).paused === true;
          if (paused && !now) writes.push("unpause Deployment/canary-demo");
          paused = now;
        } else if (kind === "Service" && change.type === "MODIFIED")
          writes.push(`selector Service/${metadata.name ?? ""}`);
        else if (change.type !== "MODIFIED" && ["Ingress", "Service", "BatchRelease", "Deployment"].includes(kind))
          writes.push(`${change.type} ${kind}/${metadata.name ?? ""}`);
      }
    });
    setImage(sandbox, "canary-demo", V1);
    writes.length = 0;
    // One pass of the controllers: the Rollout notices the rollback (status write), then the next action.
    let afterFirstRouteWrite: Record<string, number> | undefined;
    const stopProbe = sandbox.store.subscribe((changes) => {
      if (
        afterFirstRouteWrite === undefined &&
        changes.some((c) => c.type === "DELETED" && c.object.kind === "Ingress")
      )
        afterFirstRouteWrite = traffic(sandbox.store, 1000);
    });
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "canary-demo").phase === "Healthy");
    stop();
    stopProbe();
    const canaryDeployment = writes.find((w) => w.startsWith("DELETED Deployment/"));
    expect(writes).toEqual([
      "DELETED Ingress/canary-demo-canary",
      "unpause Deployment/canary-demo",
      "DELETED BatchRelease/canary-demo",
      canaryDeployment,
      "selector Service/canary-demo",
      "DELETED Service/canary-demo-canary",
    ]);
    expect(afterFirstRouteWrite).toEqual({ [V1]: 1000 });
    expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({ phase: "Healthy", reason: "Completed" });
    expect(uidsOf(stablePods(sandbox))).toEqual(stableUids);
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ [V1]: 5 });
    expect(getObject(sandbox.store, "v1", "Service", "canary-demo-canary")).toBeUndefined();
    expect(sandbox.store.list("apps/v1", "Deployment").map((d) => d.metadata.name)).toEqual(["canary-demo"]);
    const conditions = (
      sandbox.store.get({
        apiVersion: "rollouts.kruise.io/v1alpha1",
        kind: "Rollout",
        name: "canary-demo",
        namespace: "default",
      })?.status as { conditions: { type: string; status: string; message: string }[] }
    ).conditions;
    expect(conditions.find((c) => c.type === "Succeeded")?.status).toBe("False");
    expect(conditions.find((c) => c.type === "Progressing")?.message).toBe("Rollout progressing has been canceled");
  });
});
