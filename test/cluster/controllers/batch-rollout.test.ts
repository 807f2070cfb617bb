import { describe, expect, it } from "vitest";
import { readBatchRolloutSpec } from "../../../src/cluster/sandbox/controllers/batch-rollout/index.js";
import { POD_READY_DELAY_ANNOTATION } from "../../../src/cluster/sandbox/controllers/common/pods.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";
import { memorySandbox, type MemorySandbox } from "../../support/sandbox.js";
import { settleThroughTime } from "./fixtures.js";

const ROLLOUT_REF = { apiVersion: "standard.oam.dev/v1alpha1", kind: "Rollout", name: "reviews", namespace: "default" };

/** A component revision as the app records it: a ControllerRevision whose data is the rendered Deployment. */
function componentRevision(name: string, image: string, readySeconds = 0): KubeObject {
  const annotations = readySeconds > 0 ? { [POD_READY_DELAY_ANNOTATION]: String(readySeconds) } : undefined;
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name, namespace: "default", labels: { "app.oam.dev/revision": name } },
    data: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "reviews",
        namespace: "default",
        labels: { "app.oam.dev/component": "reviews" },
        ...(annotations === undefined ? {} : { annotations }),
      },
      spec: {
        selector: { matchLabels: { "app.oam.dev/component": "reviews" } },
        template: {
          metadata: { labels: { "app.oam.dev/component": "reviews" } },
          spec: { containers: [{ name: "reviews", image }] },
        },
      },
    },
    revision: Number(name.split("-v")[1]),
  };
}

function rollout(target: string, plan: JsonObject): KubeObject {
  return {
    apiVersion: "standard.oam.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "reviews", namespace: "default" },
    spec: {
      targetRevisionName: target,
      componentName: "reviews",
      rolloutPlan: { rolloutStrategy: "IncreaseFirst", ...plan },
    },
  };
}

/** Pods by component revision, as `{revision: count}`. */
function podsByRevision(sandbox: MemorySandbox): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pod of sandbox.store.list("v1", "Pod", { namespace: "default" })) {
    if (pod.metadata.deletionTimestamp !== undefined) continue;
    const revision = pod.metadata.labels?.["app.oam.dev/revision"] ?? "?";
    out[revision] = (out[revision] ?? 0) + 1;
  }
  return out;
}

function podUids(sandbox: MemorySandbox, revision: string): string[] {
  return sandbox.store
    .list("v1", "Pod", { namespace: "default" })
    .filter((pod) => pod.metadata.labels?.["app.oam.dev/revision"] === revision)
    .map((pod) => pod.metadata.uid ?? "")
    .sort();
}

/** The Rollout status without condition timestamps. */
function status(sandbox: MemorySandbox): JsonObject {
  const value = structuredClone((sandbox.store.get(ROLLOUT_REF)?.status ?? {}) as JsonObject);
  if (Array.isArray(value.conditions))
    value.conditions = value.conditions.map((condition) => ({ ...(condition as JsonObject), lastTransitionTime: "T" }));
  return value;
}

function replicasOf(sandbox: MemorySandbox, name: string): number | undefined {
  const deployment = sandbox.store.get({ apiVersion: "apps/v1", kind: "Deployment", name, namespace: "default" });
  return deployment === undefined ? undefined : ((deployment.spec as JsonObject).replicas as number);
}

/** Sandbox with reviews-v1 rolled out at 2 replicas, and reviews-v2 recorded. */
function deployedV1(readySeconds = 0): MemorySandbox {
  const sandbox = memorySandbox({
    objects: [
      componentRevision("reviews-v1", "reviews:v2"),
      rollout("reviews-v1", { targetSize: 2, rolloutBatches: [{ replicas: 2 }] }),
    ],
  });
  settleThroughTime(sandbox);
  sandbox.store.apply(componentRevision("reviews-v2", "reviews:v3", readySeconds));
  return sandbox;
}

describe("readBatchRolloutSpec (rolloutPlan → batch targets)", () => {
  it.each([
    { name: "no batches: one batch of targetSize", plan: { targetSize: 3 }, want: { batchTargets: [3], partition: 0 } },
    {
      name: "batches add up",
      plan: { targetSize: 2, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }] },
      want: { batchTargets: [1, 2], partition: 1 },
    },
    {
      name: "partition clamps to the last batch",
      plan: { targetSize: 2, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }], batchPartition: 7 },
      want: { batchTargets: [1, 2], partition: 1 },
    },
    {
      name: "partition 0",
      plan: { targetSize: 4, rolloutBatches: [{ replicas: 2 }, { replicas: 2 }], batchPartition: 0 },
      want: { batchTargets: [2, 4], partition: 0 },
    },
    {
      name: "percentages of targetSize",
      plan: { targetSize: 10, rolloutBatches: [{ replicas: "20%" }, { replicas: "80%" }] },
      want: { batchTargets: [2, 10], partition: 1 },
    },
  ])("$name", ({ plan, want }) => {
    const spec = readBatchRolloutSpec(rollout("reviews-v1", plan));
    expect({ batchTargets: spec.batchTargets, partition: spec.partition, invalid: spec.invalid }).toEqual({
      ...want,
      invalid: undefined,
    });
  });

  it.each([
    {
      name: "batches that do not add up to targetSize",
      plan: { targetSize: 3, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }] },
      want: /add up to 2 replicas, not the targetSize 3/,
    },
    {
      name: "a batch without a number",
      plan: { targetSize: 2, rolloutBatches: [{ replicas: "two" }] },
      want: /whole number or a percentage/,
    },
  ])("invalid: $name", ({ plan, want }) => {
    expect(readBatchRolloutSpec(rollout("reviews-v1", plan)).invalid).toMatch(want);
  });
});

describe("the batch rollout controller (standard.oam.dev/v1alpha1 Rollout)", () => {
  it("first deploy: creates the target revision's Deployment at targetSize, labelled by revision, and succeeds", () => {
    const sandbox = deployedV1();
    expect(podsByRevision(sandbox)).toEqual({ "reviews-v1": 2 });
    const deployment = sandbox.store.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "reviews-v1",
      namespace: "default",
    });
    expect(deployment?.metadata.labels).toMatchObject({
      "app.oam.dev/revision": "reviews-v1",
      "app.oam.dev/component": "reviews",
    });
    expect((deployment?.spec as JsonObject).selector).toEqual({
      matchLabels: { "app.oam.dev/component": "reviews", "app.oam.dev/revision": "reviews-v1" },
    });
    expect(deployment?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "Rollout",
      name: "reviews",
      controller: true,
    });
    expect(status(sandbox)).toEqual({
      rollingState: "rolloutSucceed",
      batchRollingState: "batchReady",
      currentBatch: 0,
      rolloutTargetSize: 2,
      upgradedReplicas: 2,
      upgradedReadyReplicas: 2,
      lastTargetRevision: "reviews-v1",
      observedGeneration: 1,
      conditions: [
        {
          type: "Ready",
          status: "True",
          lastTransitionTime: "T",
          reason: "RolloutSucceed",
          message: "reviews-v1 runs 2 replicas",
        },
      ],
    });
    expect(sandbox.settle().writes).toBe(0);
  });

  it("rolls batch by batch up to batchPartition, IncreaseFirst: the source shrinks only once the target's pods are available", () => {
    const sandbox = deployedV1(10);
    sandbox.store.apply(
      rollout("reviews-v2", { targetSize: 2, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }], batchPartition: 0 }),
    );
    sandbox.settle();
    expect({ v1: replicasOf(sandbox, "reviews-v1"), v2: replicasOf(sandbox, "reviews-v2") }).toEqual({ v1: 2, v2: 1 });
    expect(status(sandbox)).toMatchObject({
      rollingState: "rollingInBatches",
      batchRollingState: "batchInRolling",
      currentBatch: 0,
      upgradedReadyReplicas: 0,
      LastSourceRevision: "reviews-v1",
    });

    settleThroughTime(sandbox);
    expect(podsByRevision(sandbox)).toEqual({ "reviews-v1": 1, "reviews-v2": 1 });
    expect(status(sandbox)).toMatchObject({
      rollingState: "rollingInBatches",
      batchRollingState: "batchReady",
      currentBatch: 0,
      upgradedReplicas: 1,
      upgradedReadyReplicas: 1,
      lastTargetRevision: "reviews-v2",
      LastSourceRevision: "reviews-v1",
    });

    sandbox.store.apply(
      rollout("reviews-v2", { targetSize: 2, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }], batchPartition: 1 }),
    );
    settleThroughTime(sandbox);
    expect(podsByRevision(sandbox)).toEqual({ "reviews-v2": 2 });
    expect(replicasOf(sandbox, "reviews-v1")).toBeUndefined();
    expect(status(sandbox)).toMatchObject({
      rollingState: "rolloutSucceed",
      batchRollingState: "batchReady",
      currentBatch: 1,
      upgradedReadyReplicas: 2,
    });
  });

  it("DecreaseFirst scales the source down before the target up", () => {
    const sandbox = deployedV1(10);
    sandbox.store.apply(
      rollout("reviews-v2", {
        rolloutStrategy: "DecreaseFirst",
        targetSize: 2,
        rolloutBatches: [{ replicas: 1 }, { replicas: 1 }],
        batchPartition: 0,
      }),
    );
    sandbox.settle();
    expect({ v1: replicasOf(sandbox, "reviews-v1"), v2: replicasOf(sandbox, "reviews-v2") }).toEqual({ v1: 1, v2: 1 });
  });

  it("rollback: targetRevisionName back to the source brings its surviving pods back to targetSize and removes the new revision", () => {
    const sandbox = deployedV1();
    sandbox.store.apply(
      rollout("reviews-v2", { targetSize: 2, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }], batchPartition: 0 }),
    );
    settleThroughTime(sandbox);
    const survivor = podUids(sandbox, "reviews-v1");
    expect(survivor).toHaveLength(1);

    sandbox.store.apply(rollout("reviews-v1", { targetSize: 2, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }] }));
    settleThroughTime(sandbox);
    expect(podsByRevision(sandbox)).toEqual({ "reviews-v1": 2 });
    expect(podUids(sandbox, "reviews-v1")).toEqual(expect.arrayContaining(survivor));
    expect(replicasOf(sandbox, "reviews-v2")).toBeUndefined();
    expect(status(sandbox)).toMatchObject({
      rollingState: "rolloutSucceed",
      lastTargetRevision: "reviews-v1",
      LastSourceRevision: "reviews-v2",
      currentBatch: 1,
    });
  });

  it.each([
    {
      name: "target revision not recorded yet",
      objects: [rollout("reviews-v9", { targetSize: 1 })],
      want: { rollingState: "locatingTargetApp", reason: "TargetRevisionNotFound" },
    },
    {
      name: "batches that do not add up",
      objects: [
        componentRevision("reviews-v1", "reviews:v1"),
        rollout("reviews-v1", { targetSize: 3, rolloutBatches: [{ replicas: 1 }] }),
      ],
      want: { rollingState: "rolloutFailed", reason: "InvalidRolloutPlan" },
    },
    {
      name: "a paused plan",
      objects: [componentRevision("reviews-v1", "reviews:v1"), rollout("reviews-v1", { targetSize: 1, paused: true })],
      want: { rollingState: "rollingInBatches", reason: "Paused" },
    },
  ])("creates nothing and says why: $name", ({ objects, want }) => {
    const sandbox = memorySandbox({ objects });
    sandbox.settle();
    expect(sandbox.store.list("apps/v1", "Deployment")).toEqual([]);
    const got = status(sandbox);
    expect({ rollingState: got.rollingState, reason: (got.conditions as JsonObject[])[0]?.reason }).toEqual(want);
  });

  it("picks up a target revision recorded after the Rollout", () => {
    const sandbox = memorySandbox({ objects: [rollout("reviews-v1", { targetSize: 1 })] });
    sandbox.settle();
    sandbox.store.apply(componentRevision("reviews-v1", "reviews:v1"));
    sandbox.settle();
    expect(podsByRevision(sandbox)).toEqual({ "reviews-v1": 1 });
    expect(status(sandbox)).toMatchObject({ rollingState: "rolloutSucceed" });
  });
});
