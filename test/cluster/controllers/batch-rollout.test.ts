import { describe, expect, it } from "vitest";
import { memorySandbox, type MemorySandbox } from "../../support/sandbox.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { JsonObject } from "../../../src/util/index.js";

function revision(name: string, image: string): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name, namespace: "default", labels: { "app.oam.dev/revision": name } },
    data: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "reviews", namespace: "default", labels: { "app.oam.dev/component": "reviews" } },
      spec: {
        selector: { matchLabels: { "app.oam.dev/component": "reviews" } },
        template: { metadata: { labels: { "app.oam.dev/component": "reviews" } }, spec: { containers: [{ name: "reviews", image }] } },
      },
    },
    revision: Number(name.split("-v")[1]),
  } as unknown as KubeObject;
}

function rollout(target: string, plan: JsonObject): KubeObject {
  return {
    apiVersion: "standard.oam.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "reviews", namespace: "default" },
    spec: { targetRevisionName: target, componentName: "reviews", rolloutPlan: { rolloutStrategy: "IncreaseFirst", ...plan } },
  };
}

function replicasByRevision(sandbox: MemorySandbox): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pod of sandbox.store.list("v1", "Pod", { namespace: "default" })) {
    const rev = pod.metadata.labels?.["app.oam.dev/revision"] ?? "?";
    out[rev] = (out[rev] ?? 0) + 1;
  }
  return out;
}

describe("scratch", () => {
  it("runs", () => {
    const sandbox = memorySandbox({ objects: [revision("reviews-v1", "r:v2"), rollout("reviews-v1", { targetSize: 2, rolloutBatches: [{ replicas: 2 }] })] });
    sandbox.settle();
    console.log(replicasByRevision(sandbox), JSON.stringify(sandbox.store.get({ apiVersion: "standard.oam.dev/v1alpha1", kind: "Rollout", name: "reviews", namespace: "default" })?.status));
    sandbox.store.apply(revision("reviews-v2", "r:v3"));
    sandbox.store.apply(rollout("reviews-v2", { targetSize: 2, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }], batchPartition: 0 }));
    sandbox.settle();
    console.log(replicasByRevision(sandbox), JSON.stringify(sandbox.store.get({ apiVersion: "standard.oam.dev/v1alpha1", kind: "Rollout", name: "reviews", namespace: "default" })?.status));
    sandbox.store.apply(rollout("reviews-v1", { targetSize: 2, rolloutBatches: [{ replicas: 1 }, { replicas: 1 }] }));
    sandbox.settle();
    console.log(replicasByRevision(sandbox), JSON.stringify(sandbox.store.get({ apiVersion: "standard.oam.dev/v1alpha1", kind: "Rollout", name: "reviews", namespace: "default" })?.status));
    console.log(sandbox.store.list("apps/v1","Deployment").map(d=>d.metadata.name));
  });
});
