import { describe, expect, it } from "vitest";
import { memorySandbox } from "../../support/sandbox.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { displayText, type JsonObject } from "../../../src/util/index.js";
import { deployment, getObject, podsByImage, settleThroughTime, setImage } from "./fixtures.js";

function pods(sandbox: ReturnType<typeof memorySandbox>, app: string): KubeObject[] {
  return sandbox.store.list("v1", "Pod", { namespace: "default" }).filter((pod) => pod.metadata.labels?.app === app);
}

function imageOf(pod: KubeObject): string {
  return displayText(((pod.spec as JsonObject).containers as JsonObject[])[0]?.image);
}

describe("Deployment → ReplicaSet → Pods", () => {
  it("creates an owned ReplicaSet <deploy>-<hash> and ready pods <rs>-<5 chars> with the template's labels", () => {
    const sandbox = memorySandbox({ objects: [deployment("web", "nginx:1", 3)] });
    sandbox.settle();
    const [rs] = sandbox.store.list("apps/v1", "ReplicaSet");
    const hash = rs?.metadata.labels?.["pod-template-hash"] ?? "";
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    expect(rs?.metadata.name).toBe(`web-${hash}`);
    expect(rs?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "web", controller: true });
    const all = pods(sandbox, "web");
    expect(all).toHaveLength(3);
    for (const pod of all) {
      expect(pod.metadata.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(pod.metadata.labels).toMatchObject({ app: "web", "pod-template-hash": hash });
      expect(pod.status).toMatchObject({ phase: "Running", podIP: expect.stringMatching(/^10\.244\./) as unknown });
    }
    expect(getObject(sandbox.store, "apps/v1", "Deployment", "web")?.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: 1,
    });
  });

  it("pods become ready after the configured delay on the injected clock", () => {
    const slow = deployment("web", "nginx:1", 2);
    slow.metadata.annotations = { "sandbox.vela-ts.io/pod-ready-seconds": "10" };
    const sandbox = memorySandbox({ objects: [slow] });
    sandbox.settle();
    expect(getObject(sandbox.store, "apps/v1", "Deployment", "web")?.status).toMatchObject({ readyReplicas: 0 });
    expect(sandbox.nextWakeAt()?.getTime()).toBe(sandbox.clock.now().getTime() + 10_000);
    sandbox.clock.advanceSeconds(10);
    sandbox.settle();
    expect(getObject(sandbox.store, "apps/v1", "Deployment", "web")?.status).toMatchObject({
      readyReplicas: 2,
      availableReplicas: 2,
    });
  });

  it.each([
    {
      name: "default 25%/25% never exceeds N + maxSurge nor drops below N − maxUnavailable",
      replicas: 4,
      strategy: undefined,
      maxTotal: 5,
      minAvailable: 3,
    },
    {
      name: "maxSurge 0 / maxUnavailable 1",
      replicas: 4,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      maxTotal: 4,
      minAvailable: 3,
    },
    {
      name: "maxSurge 2 / maxUnavailable 0",
      replicas: 3,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } },
      maxTotal: 5,
      minAvailable: 3,
    },
  ])("rolling update: $name", ({ replicas, strategy, maxTotal, minAvailable }) => {
    const d = deployment("web", "nginx:1", replicas, strategy === undefined ? {} : { strategy });
    d.metadata.annotations = { "sandbox.vela-ts.io/pod-ready-seconds": "5" };
    const sandbox = memorySandbox({ objects: [d] });
    settleThroughTime(sandbox);
    let maxSeen = 0;
    let minReady = Number.POSITIVE_INFINITY;
    sandbox.store.subscribe(() => {
      const live = pods(sandbox, "web").filter((pod) => pod.metadata.deletionTimestamp === undefined);
      maxSeen = Math.max(maxSeen, live.length);
      minReady = Math.min(
        minReady,
        live.filter((pod) =>
          (((pod.status as JsonObject).conditions as JsonObject[] | undefined) ?? []).some(
            (c) => c.type === "Ready" && c.status === "True",
          ),
        ).length,
      );
    });
    setImage(sandbox, "web", "nginx:2");
    settleThroughTime(
      sandbox,
      () =>
        podsByImage(sandbox.store, "web")["nginx:2"] === replicas &&
        podsByImage(sandbox.store, "web")["nginx:1"] === undefined,
    );
    expect(podsByImage(sandbox.store, "web")).toEqual({ "nginx:2": replicas });
    expect(maxSeen).toBeLessThanOrEqual(maxTotal);
    expect(minReady).toBeGreaterThanOrEqual(minAvailable);
    expect(sandbox.store.list("apps/v1", "ReplicaSet")).toHaveLength(2);
  });

  it("a paused Deployment keeps its pods (no new ReplicaSet) but still scales", () => {
    const sandbox = memorySandbox({ objects: [deployment("web", "nginx:1", 2)] });
    sandbox.settle();
    const uids = pods(sandbox, "web")
      .map((pod) => pod.metadata.uid)
      .sort();
    sandbox.store.patch(
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default" },
      { type: "merge", patch: { spec: { paused: true } } },
    );
    setImage(sandbox, "web", "nginx:2");
    sandbox.settle();
    expect(
      pods(sandbox, "web")
        .map((pod) => pod.metadata.uid)
        .sort(),
    ).toEqual(uids);
    expect(getObject(sandbox.store, "apps/v1", "Deployment", "web")?.status).toMatchObject({
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: "Progressing", reason: "DeploymentPaused" }),
      ]) as unknown,
    });
    sandbox.store.patch(
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default" },
      { type: "merge", patch: { spec: { replicas: 4 } } },
    );
    sandbox.settle();
    expect(podsByImage(sandbox.store, "web")).toEqual({ "nginx:1": 4 });
  });

  it("deleting a Deployment cascades to its ReplicaSets and pods", () => {
    const sandbox = memorySandbox({ objects: [deployment("web", "nginx:1", 2)] });
    sandbox.settle();
    sandbox.store.delete({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default" });
    sandbox.settle();
    expect(sandbox.store.list("apps/v1", "ReplicaSet")).toEqual([]);
    expect(pods(sandbox, "web")).toEqual([]);
  });
});

function statefulSet(name: string, image: string, replicas: number, partition?: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image }] } },
      ...(partition === undefined ? {} : { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition } } }),
    },
  };
}

function cloneSet(name: string, image: string, replicas: number, partition?: number | string): KubeObject {
  return {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "CloneSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image }] } },
      ...(partition === undefined ? {} : { updateStrategy: { partition } }),
    },
  };
}

describe("StatefulSet", () => {
  it("names pods <name>-<ordinal> with controller-revision-hash", () => {
    const sandbox = memorySandbox({ objects: [statefulSet("db", "pg:1", 3)] });
    sandbox.settle();
    const names = pods(sandbox, "db")
      .map((pod) => pod.metadata.name)
      .sort();
    expect(names).toEqual(["db-0", "db-1", "db-2"]);
    const revision = (getObject(sandbox.store, "apps/v1", "StatefulSet", "db")?.status as JsonObject).updateRevision;
    expect(pods(sandbox, "db").every((pod) => pod.metadata.labels?.["controller-revision-hash"] === revision)).toBe(
      true,
    );
  });

  it.each([
    {
      name: "partition 2 of 4 updates ordinals 2 and 3 only",
      partition: 2,
      want: ["db-0:pg:1", "db-1:pg:1", "db-2:pg:2", "db-3:pg:2"],
    },
    { name: "partition 0 updates all", partition: 0, want: ["db-0:pg:2", "db-1:pg:2", "db-2:pg:2", "db-3:pg:2"] },
    { name: "partition 4 updates none", partition: 4, want: ["db-0:pg:1", "db-1:pg:1", "db-2:pg:1", "db-3:pg:1"] },
  ])("$name", ({ partition, want }) => {
    const sandbox = memorySandbox({ objects: [statefulSet("db", "pg:1", 4, partition)] });
    sandbox.settle();
    const order: string[] = [];
    sandbox.store.subscribe((changes) => {
      for (const change of changes)
        if (change.type === "DELETED" && change.object.kind === "Pod") order.push(change.object.metadata.name ?? "");
    });
    setImage(sandbox, "db", "pg:2");
    sandbox.settle();
    expect(
      pods(sandbox, "db")
        .map((pod) => `${pod.metadata.name ?? ""}:${imageOf(pod)}`)
        .sort(),
    ).toEqual(want);
    expect(order).toEqual([...order].sort().reverse());
  });
});

describe("CloneSet", () => {
  it.each([
    { name: "partition 3 of 5 keeps 3 old pods", partition: 3, old: 3 },
    { name: "partition 40% of 5 keeps 2 old pods", partition: "40%", old: 2 },
    { name: "no partition updates all", partition: undefined, old: 0 },
  ])("$name", ({ partition, old }) => {
    const sandbox = memorySandbox({ objects: [cloneSet("api", "api:1", 5, partition)] });
    sandbox.settle();
    expect(pods(sandbox, "api")[0]?.metadata.labels?.["apps.kruise.io/cloneset-instance-id"]).toMatch(
      /^[bcdfghjklmnpqrstvwxz2456789]{5}$/,
    );
    setImage(sandbox, "api", "api:2");
    settleThroughTime(sandbox);
    expect(podsByImage(sandbox.store, "api")).toEqual({
      ...(old > 0 ? { "api:1": old } : {}),
      ...(old < 5 ? { "api:2": 5 - old } : {}),
    });
  });
});

describe("partition-style Rollout on a CloneSet", () => {
  it("holds the update at 100% partition, then updates ceil(p × N) pods per step", () => {
    const plan: KubeObject = {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "api", namespace: "default", annotations: { "rollouts.kruise.io/rolling-style": "partition" } },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", name: "api" } },
        strategy: { canary: { steps: [{ weight: 40 }, { weight: 100 }] } },
      },
    };
    const sandbox = memorySandbox({ objects: [cloneSet("api", "api:1", 5), plan] });
    sandbox.settle();
    setImage(sandbox, "api", "api:2");
    expect(
      (
        (getObject(sandbox.store, "apps.kruise.io/v1alpha1", "CloneSet", "api")?.spec as JsonObject)
          .updateStrategy as JsonObject
      ).partition,
    ).toBe("100%");
    settleThroughTime(
      sandbox,
      () =>
        (
          (getObject(sandbox.store, "rollouts.kruise.io/v1alpha1", "Rollout", "api")?.status as JsonObject | undefined)
            ?.canaryStatus as JsonObject | undefined
        )?.currentStepState === "StepPaused",
    );
    expect(podsByImage(sandbox.store, "api")).toEqual({ "api:1": 3, "api:2": 2 });
    sandbox.store.patchStatus(
      { apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout", name: "api", namespace: "default" },
      { type: "merge", patch: { status: { canaryStatus: { currentStepState: "StepReady" } } } },
    );
    settleThroughTime(
      sandbox,
      () =>
        (getObject(sandbox.store, "rollouts.kruise.io/v1alpha1", "Rollout", "api")?.status as JsonObject).phase ===
        "Healthy",
    );
    expect(podsByImage(sandbox.store, "api")).toEqual({ "api:2": 5 });
  });
});
