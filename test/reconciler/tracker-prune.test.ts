import { describe, expect, it } from "vitest";
import { buildResourceTracker, type TrackedResource } from "../../src/cluster/tracker.js";
import { pruneRevisionTrackers } from "../../src/reconciler/tracker-prune.js";
import { MemoryCluster } from "../workflow/support.js";

const web = (name: string, cluster?: string): TrackedResource => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace: "default",
  component: name,
  ...(cluster === undefined ? {} : { cluster }),
});

async function trackersOf(cluster: MemoryCluster): Promise<string[]> {
  return (await cluster.list("core.oam.dev/v1beta1", "ResourceTracker")).map((tracker) => tracker.metadata.name ?? "");
}

describe("trackers of pruned revisions", () => {
  it("are deleted with their revision when a remaining tracker records everything they record", async () => {
    const cluster = new MemoryCluster();
    const app = { name: "app", namespace: "default" };
    await cluster.apply(buildResourceTracker(app, "app-v1", [web("a")]));
    await cluster.apply(buildResourceTracker(app, "app-v2", [web("a")]));
    await cluster.apply(buildResourceTracker(app, "app-v3", [web("a"), web("b")]));
    expect(await pruneRevisionTrackers(cluster, "app", "default", new Set(["app-v3"]))).toEqual([
      "app-v1-default",
      "app-v2-default",
    ]);
    expect(await trackersOf(cluster)).toEqual(["app-v3-default"]);
  });

  it("stay while they alone record an object (garbage collection has not deleted it yet), the same name in another cluster included", async () => {
    const cluster = new MemoryCluster();
    const app = { name: "app", namespace: "default" };
    await cluster.apply(buildResourceTracker(app, "app-v1", [web("old")]));
    await cluster.apply(buildResourceTracker(app, "app-v2", [web("a", "eu")]));
    await cluster.apply(buildResourceTracker(app, "app-v3", [web("a")]));
    expect(await pruneRevisionTrackers(cluster, "app", "default", new Set(["app-v3"]))).toEqual([]);
    expect(await trackersOf(cluster)).toEqual(["app-v1-default", "app-v2-default", "app-v3-default"]);
  });
});
