/**
 * A pass over an app of many components writes what it must a bounded number of times: its
 * ResourceTracker once per DAG round (before anything it records is applied) and its status at the
 * 1st, 2nd, 4th… apply-component transition, not once per component. Nothing is lost by it: a pass
 * that dies between two writes converges on the next run, and a step that could stop the run (a
 * suspend) ends what is recorded ahead.
 */
import { describe, expect, it } from "vitest";
import { resourceTrackerRef, trackedResources } from "../../src/cluster/tracker.js";
import { applicationRef } from "../../src/reconciler/application-object.js";
import { driveApplication } from "../../src/reconciler/drive.js";
import { reconcileApplication } from "../../src/reconciler/reconcile.js";
import { type Target } from "../../src/target/target.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { ClusterError } from "../../src/errors/index.js";
import type { JsonObject } from "../../src/util/index.js";
import type { WorkflowStatus } from "../../src/workflow/index.js";
import { forwardingCluster } from "../support/forwarding-cluster.js";
import { withSandboxTarget, workflowOf } from "../support/sandbox-target.js";

const COMPONENTS = 24;
const APP_REF = applicationRef("many", "default");

function configComponent(app: string, name: string): JsonObject {
  return {
    name,
    type: "k8s-objects",
    properties: {
      objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${app}-${name}` }, data: { part: name } }],
    },
  };
}

/** An app of `count` ConfigMap components and the default workflow (one apply-component step each, DAG). */
function manyParts(count: number): KubeObject {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name: "many", namespace: "default" },
    spec: { components: Array.from({ length: count }, (_, index) => configComponent("many", `part-${index}`)) },
  };
}

async function configMapNames(target: Target): Promise<string[]> {
  const maps = await target.cluster.list("v1", "ConfigMap", { namespace: "default" });
  return maps.map((map) => map.metadata.name ?? "").sort();
}

async function trackedNames(target: Target, app: string): Promise<string[]> {
  const tracker = await target.cluster.get(resourceTrackerRef(app, "default", `${app}-v1`));
  return tracker === undefined
    ? []
    : trackedResources(tracker)
        .map((resource) => resource.name)
        .sort();
}

describe("a pass over an app of many components", () => {
  it("writes its tracker once and its status O(log components) times, and finishes the workflow", async () => {
    await withSandboxTarget("component-scale", async (target) => {
      await target.cluster.create(manyParts(COMPONENTS));
      const writes = { tracker: 0, status: 0 };
      const counting = forwardingCluster(target.cluster, {
        apply: (object, options) => {
          if (object.kind === "ResourceTracker") writes.tracker += 1;
          return target.cluster.apply(object, options);
        },
        create: (object) => {
          if (object.kind === "ResourceTracker") writes.tracker += 1;
          return target.cluster.create(object);
        },
        update: (object) => {
          if (object.kind === "ResourceTracker") writes.tracker += 1;
          return target.cluster.update(object);
        },
        updateStatus: (object) => {
          if (object.kind === "Application") writes.status += 1;
          return target.cluster.updateStatus(object);
        },
      });
      const outcome = await reconcileApplication("many", "default", { ...target.deps, cluster: counting });

      expect(outcome.workflow?.finished).toBe(true);
      expect(outcome.workflow?.steps.every((step) => step.phase === "succeeded")).toBe(true);
      expect(writes.tracker).toBe(1);
      // The stages' conditions, the run's start, the 1st, 2nd, 4th, 8th and 16th transitions and
      // the pass's final status: about log2(components) + 4, where one per step would be 24 and more.
      expect(writes.status).toBeLessThanOrEqual(Math.ceil(Math.log2(COMPONENTS)) + 4);
      const stored = workflowOf(await target.cluster.get(APP_REF));
      expect(stored?.steps.filter((step) => step.phase === "succeeded")).toHaveLength(COMPONENTS);
      expect(await trackedNames(target, "many")).toHaveLength(COMPONENTS);
    });
  });

  it("writes a one-component app's status twice on its first pass: the revision, then the finished run", async () => {
    await withSandboxTarget("component-scale", async (target) => {
      await target.cluster.create({ ...manyParts(1), metadata: { name: "one", namespace: "default" } });
      const statuses: (WorkflowStatus | undefined)[] = [];
      const counting = forwardingCluster(target.cluster, {
        updateStatus: (object) => {
          if (object.kind === "Application") statuses.push(workflowOf(object));
          return target.cluster.updateStatus(object);
        },
      });
      const outcome = await reconcileApplication("one", "default", { ...target.deps, cluster: counting });
      expect(outcome.workflow?.finished).toBe(true);
      // The run's start and its one apply-component step wait for the pass's final write.
      expect(statuses.map((workflow) => workflow?.finished)).toEqual([undefined, true]);
    });
  });

  it("converges after being killed at a one-component app's apply, its run's start not written before it", async () => {
    await withSandboxTarget("component-scale", async (target) => {
      await target.cluster.create({ ...manyParts(1), metadata: { name: "one", namespace: "default" } });
      const dying = forwardingCluster(target.cluster, {
        apply: (object, options) =>
          object.kind === "ConfigMap"
            ? Promise.reject(new ClusterError("E_CLUSTER_UNREACHABLE", "killed"))
            : target.cluster.apply(object, options),
      });
      await expect(reconcileApplication("one", "default", { ...target.deps, cluster: dying })).rejects.toThrow(
        "killed",
      );
      expect(workflowOf(await target.cluster.get(applicationRef("one", "default")))?.finished).not.toBe(true);
      expect(await configMapNames(target)).toEqual([]);
      const drive = await driveApplication("one", "default", target.deps, target.driver, {
        wait: false,
        sleep: () => Promise.resolve(),
      });
      expect(drive.stop).toBe("finished");
      expect(await configMapNames(target)).toEqual(["many-part-0"]);
    });
  });

  it("converges after dying between two status writes: every component applied, recorded and succeeded", async () => {
    await withSandboxTarget("component-scale", async (target) => {
      await target.cluster.create(manyParts(COMPONENTS));
      let applied = 0;
      // The cluster goes away at the 11th ConfigMap (as for a killed process, nothing more is
      // written): two steps have run since the last status write (the 8th transition).
      const dying = forwardingCluster(target.cluster, {
        apply: (object, options) => {
          if (object.kind === "ConfigMap" && ++applied === 11)
            return Promise.reject(new ClusterError("E_CLUSTER_UNREACHABLE", "killed"));
          return target.cluster.apply(object, options);
        },
      });
      await expect(reconcileApplication("many", "default", { ...target.deps, cluster: dying })).rejects.toThrow(
        "killed",
      );
      const half = workflowOf(await target.cluster.get(APP_REF));
      expect(half?.finished).toBe(false);
      // What the tracker records was written before any of it was applied.
      expect(await trackedNames(target, "many")).toHaveLength(COMPONENTS);

      const drive = await driveApplication("many", "default", target.deps, target.driver, {
        wait: false,
        sleep: () => Promise.resolve(),
      });
      expect(drive.stop).toBe("finished");
      expect(await configMapNames(target)).toEqual(
        Array.from({ length: COMPONENTS }, (_, index) => `many-part-${index}`).sort(),
      );
      const workflow = workflowOf(drive.outcome.app);
      expect(workflow?.steps.map((step) => step.phase)).toEqual(Array(COMPONENTS).fill("succeeded"));
    });
  });

  it("records nothing past a step that could stop the run: a suspend in a DAG round", async () => {
    await withSandboxTarget("component-scale", async (target) => {
      await target.cluster.create({
        apiVersion: "core.oam.dev/v1beta1",
        kind: "Application",
        metadata: { name: "held", namespace: "default" },
        spec: {
          components: [configComponent("held", "a"), configComponent("held", "c")],
          workflow: {
            mode: { steps: "DAG" },
            steps: [
              { name: "apply-a", type: "apply-component", properties: { component: "a" } },
              { name: "hold", type: "suspend" },
              { name: "apply-c", type: "apply-component", properties: { component: "c" } },
            ],
          },
        },
      });
      const drive = await driveApplication("held", "default", target.deps, target.driver, {
        wait: false,
        sleep: () => Promise.resolve(),
      });
      expect(drive.stop).toBe("waiting-for-person");
      expect(await configMapNames(target)).toEqual(["held-a"]);
      // c's step has not run: neither applied nor recorded (GC and state keep go by the tracker).
      expect(await trackedNames(target, "held")).toEqual(["held-a"]);
    });
  });
});
