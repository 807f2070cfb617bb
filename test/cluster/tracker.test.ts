/** Garbage collection over ResourceTrackers: adopted objects are released, not collected, unless taken over. */
import { describe, expect, it } from "vitest";
import { buildResourceTracker, resourcesToCollect, type TrackedResource } from "../../src/cluster/tracker.js";

const app = { name: "legacy", namespace: "default" };

function entry(name: string, adoption?: TrackedResource["adoption"]): TrackedResource {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name,
    namespace: "default",
    component: name,
    ...(adoption === undefined ? {} : { adoption }),
  };
}

describe("resourcesToCollect", () => {
  it("collects created and taken-over objects a newer revision dropped, never read-only or referenced ones", () => {
    const older = buildResourceTracker(app, "legacy-v1", [
      entry("created"),
      entry("owned", "take-over"),
      entry("read", "read-only"),
      entry("referenced", "referenced"),
      entry("kept"),
    ]);
    expect(resourcesToCollect([older], [entry("kept")]).map((collected) => collected.ref.name)).toEqual([
      "owned",
      "created",
    ]);
  });
});
