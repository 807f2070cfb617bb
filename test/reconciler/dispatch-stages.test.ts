/**
 * Multi-stage dispatch in the reconciler: a component's PreDispatch trait objects are written (and
 * seen by their controller) before its workload, in one apply-component step; a process killed
 * between the stages leaves nothing of the later stage written, and the next run converges.
 */
import { describe, expect, it } from "vitest";
import { loadDefinitions } from "../../src/definitions/index.js";
import { ClusterError } from "../../src/errors/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { applicationRef } from "../../src/reconciler/application-object.js";
import { planDispatchStages, traitStageOf } from "../../src/reconciler/dispatch-stages.js";
import { driveApplication } from "../../src/reconciler/drive.js";
import { bindAppfile } from "../../src/appfile/index.js";
import { renderAppfile } from "../../src/render/index.js";
import { forwardingCluster } from "../support/forwarding-cluster.js";
import { withSandboxTarget, workflowOf } from "../support/sandbox-target.js";

const APP_REF = applicationRef("staged", "default");
const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment", name: "staged", namespace: "default" };
const ROLLOUT = { apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout", name: "staged", namespace: "default" };

const APP: KubeObject = {
  apiVersion: "core.oam.dev/v1beta1",
  kind: "Application",
  metadata: { name: "staged", namespace: "default" },
  spec: {
    components: [
      {
        name: "staged",
        type: "webservice",
        properties: { image: "ghcr.io/vela-ts/demo-app:v1", port: 80 },
        traits: [
          { type: "scaler", properties: { replicas: 2 } },
          { type: "kruise-rollout", properties: { canary: { steps: [{ weight: 50 }] } } },
        ],
      },
    ],
  },
};

describe("planDispatchStages", () => {
  it("puts PreDispatch trait outputs first, then the workload with the default traits' objects", () => {
    const { registry } = loadDefinitions({ userDirs: [] });
    const [manifest] = renderAppfile(bindAppfile(APP as never, registry, { namespace: "default" }));
    if (manifest === undefined) throw new Error("nothing rendered");
    const all = [manifest.workload, ...manifest.outputs.map((output) => output.object)].filter(
      (object) => object !== undefined,
    );
    const plans = planDispatchStages(
      manifest,
      [...all, ...manifest.traits.flatMap((t) => t.outputs.map((o) => o.object))],
      (type) => traitStageOf(registry, type),
    );
    expect(plans.map((plan) => [plan.stage, plan.objects.map((object) => object.kind)])).toEqual([
      ["PreDispatch", ["Rollout"]],
      ["DefaultDispatch", ["Deployment"]],
    ]);
    expect(plans[0]?.traits.map((trait) => trait.type)).toEqual(["kruise-rollout"]);
  });
});

describe("dispatch stages in one apply-component step", () => {
  it("writes the Rollout, and the Deployment only once Kruise has seen it", async () => {
    await withSandboxTarget("dispatch-stages", async (target) => {
      await target.cluster.create(APP);
      const writes: { kind: string; rolloutObserved: boolean }[] = [];
      const observing = forwardingCluster(target.cluster, {
        apply: async (object, options) => {
          const rollout = await target.cluster.get(ROLLOUT);
          writes.push({ kind: object.kind, rolloutObserved: rollout?.status !== undefined });
          return target.cluster.apply(object, options);
        },
      });
      const drive = await driveApplication("staged", "default", { ...target.deps, cluster: observing }, target.driver, {
        wait: false,
        sleep: () => Promise.resolve(),
      });
      expect(drive.stop).toBe("finished");
      const kinds = writes.map((write) => write.kind);
      expect(kinds.indexOf("Rollout")).toBeLessThan(kinds.indexOf("Deployment"));
      expect(writes.find((write) => write.kind === "Deployment")?.rolloutObserved).toBe(true);
      expect(workflowOf(drive.outcome.app)?.steps.map((step) => step.phase)).toEqual(["succeeded"]);
    });
  });

  it("killed between the stages: nothing of the workload's stage written, the next run converges", async () => {
    await withSandboxTarget("dispatch-stages", async (target) => {
      await target.cluster.create(APP);
      // The process dies at its first write of the DefaultDispatch stage.
      const dying = forwardingCluster(target.cluster, {
        apply: (object, options) =>
          object.kind === "Deployment" || object.kind === "Service"
            ? Promise.reject(new ClusterError("E_CLUSTER_UNREACHABLE", "killed"))
            : target.cluster.apply(object, options),
      });
      await expect(
        driveApplication("staged", "default", { ...target.deps, cluster: dying }, target.driver, {
          wait: false,
          sleep: () => Promise.resolve(),
        }),
      ).rejects.toThrow("killed");
      expect(await target.cluster.get(ROLLOUT)).toBeDefined();
      expect(await target.cluster.get(DEPLOYMENT)).toBeUndefined();
      expect(workflowOf(await target.cluster.get(APP_REF))?.finished).toBe(false);

      const drive = await driveApplication("staged", "default", target.deps, target.driver, {
        wait: false,
        sleep: () => Promise.resolve(),
      });
      expect(drive.stop).toBe("finished");
      expect(await target.cluster.get(DEPLOYMENT)).toBeDefined();
      const rollout = await target.cluster.get(ROLLOUT);
      expect((rollout?.status as { phase?: string } | undefined)?.phase).toBe("Healthy");
      expect(workflowOf(drive.outcome.app)?.steps.map((step) => step.phase)).toEqual(["succeeded"]);
    });
  });
});
