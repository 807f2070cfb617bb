/**
 * Status writes that never lose a person's command: a `workflow suspend` written between a reconcile
 * pass's read and its status write survives (the pass ends on the 409 and the next one reads the
 * suspend), and a person's status edit that meets a reconciler's write is made again on the newer
 * object instead of replacing it.
 */
import { describe, expect, it } from "vitest";
import {
  applicationRef,
  editApplicationSpec,
  editApplicationStatus,
  saveApplicationStatus,
  StatusConflictError,
} from "../../src/reconciler/application-object.js";
import { driveApplication } from "../../src/reconciler/drive.js";
import { ConflictError } from "../../src/errors/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import type { JsonObject } from "../../src/util/index.js";
import { suspendWorkflow } from "../../src/workflow/index.js";
import { forwardingCluster } from "../support/forwarding-cluster.js";
import { withSandboxTarget, workflowOf } from "../support/sandbox-target.js";

const APP_REF = applicationRef("three", "default");

/** Three ConfigMaps applied one step after the other. */
function threeSteps(): KubeObject {
  const component = (name: string): JsonObject => ({
    name,
    type: "k8s-objects",
    properties: {
      objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `three-${name}` }, data: { step: name } }],
    },
  });
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name: "three", namespace: "default" },
    spec: {
      components: [component("a"), component("b"), component("c")],
      workflow: {
        steps: ["a", "b", "c"].map((name) => ({
          name: `apply-${name}`,
          type: "apply-component",
          properties: { component: name },
        })),
      },
    },
  };
}

describe("a workflow suspend between a reconcile pass's read and its status write", () => {
  it("survives: the pass ends on the conflict and the next pass keeps the workflow suspended", async () => {
    await withSandboxTarget("status-write", async (target) => {
      const inner = target.cluster;
      await inner.create(threeSteps());
      let suspendedAt: readonly string[] | undefined;
      let conflicts = 0;
      // Another shell's `workflow suspend` lands just before the first status write that follows a
      // stored, unfinished run: the pass computed that write from the read before the suspend.
      const racing = forwardingCluster(inner, {
        updateStatus: async (object) => {
          const stored = object.kind === "Application" ? await inner.get(APP_REF) : undefined;
          const run = workflowOf(stored);
          if (suspendedAt === undefined && stored !== undefined && run !== undefined && !run.finished) {
            suspendedAt = run.steps.map((step) => `${step.name}:${step.phase}`);
            await inner.updateStatus({
              ...stored,
              status: {
                ...(stored.status as JsonObject),
                workflow: suspendWorkflow(run, "three").status as unknown as JsonObject,
              },
            });
          }
          try {
            return await inner.updateStatus(object);
          } catch (error) {
            if (error instanceof ConflictError) conflicts += 1;
            throw error;
          }
        },
      });
      const drive = await driveApplication("three", "default", { ...target.deps, cluster: racing }, target.driver, {
        wait: false,
        sleep: () => Promise.resolve(),
      });

      expect(suspendedAt).toBeDefined();
      expect(conflicts).toBe(1);
      const workflow = workflowOf(await inner.get(APP_REF));
      expect(workflow).toMatchObject({ suspend: true, suspendState: "manual", finished: false, status: "suspending" });
      expect(drive.stop).toBe("waiting-for-person");
      // Nothing after the suspend ran: the last step never applied its ConfigMap.
      expect(workflow?.steps.find((step) => step.name === "apply-c")?.phase).toBe("pending");
      expect(
        await inner.get({ apiVersion: "v1", kind: "ConfigMap", name: "three-c", namespace: "default" }),
      ).toBeUndefined();
    });
  });

  it("saveApplicationStatus does not retry a conflict: it throws StatusConflictError", async () => {
    await withSandboxTarget("status-write", async (target) => {
      const created = await target.cluster.create(threeSteps());
      await target.cluster.updateStatus({ ...created, status: { status: "runningWorkflow" } });
      await expect(saveApplicationStatus(target.cluster, created, { status: "running" })).rejects.toBeInstanceOf(
        StatusConflictError,
      );
      expect((await target.cluster.get(APP_REF))?.status).toEqual({ status: "runningWorkflow" });
    });
  });
});

describe("editApplicationStatus (a person's status write)", () => {
  it("after a reconciler's write in between, edits the newer status: both changes are kept", async () => {
    await withSandboxTarget("status-write", async (target) => {
      const inner = target.cluster;
      const read = await inner.create(threeSteps());
      await inner.updateStatus({ ...read, status: { status: "runningWorkflow", services: [] } });
      let raced = false;
      const racing = forwardingCluster(inner, {
        updateStatus: async (object) => {
          if (!raced) {
            raced = true;
            const stored = await inner.get(APP_REF);
            if (stored !== undefined)
              await inner.updateStatus({
                ...stored,
                status: { ...(stored.status as JsonObject), observedGeneration: 1 },
              });
          }
          return inner.updateStatus(object);
        },
      });
      const edited: JsonObject[] = [];
      const saved = await editApplicationStatus(racing, read, (current) => {
        const status = { ...((current.status as JsonObject | undefined) ?? {}), rollback: { to: "three-v1" } };
        edited.push(status);
        return status;
      });
      expect(edited).toHaveLength(2);
      expect(saved.status).toEqual({
        status: "runningWorkflow",
        services: [],
        observedGeneration: 1,
        rollback: { to: "three-v1" },
      });
    });
  });
});

describe("editApplicationSpec (a person's spec write: up, rollback)", () => {
  it("after a reconciler's status write in between, writes the spec on the newer object: both kept", async () => {
    await withSandboxTarget("status-write", async (target) => {
      const inner = target.cluster;
      const read = await inner.create(threeSteps());
      let raced = false;
      const racing = forwardingCluster(inner, {
        update: async (object) => {
          if (!raced) {
            raced = true;
            const stored = await inner.get(APP_REF);
            if (stored !== undefined)
              await inner.updateStatus({ ...stored, status: { status: "running", observedGeneration: 1 } });
          }
          return inner.update(object);
        },
      });
      let edits = 0;
      const saved = await editApplicationSpec(racing, read, (current) => {
        edits += 1;
        return { ...current, spec: { ...(current.spec as JsonObject), components: [] } };
      });
      expect(edits).toBe(2);
      expect(saved.spec).toMatchObject({ components: [] });
      expect(saved.status).toEqual({ status: "running", observedGeneration: 1 });
    });
  });

  it("gives up when the edit no longer applies to the newer object, and after five conflicts", async () => {
    await withSandboxTarget("status-write", async (target) => {
      const inner = target.cluster;
      const read = await inner.create(threeSteps());
      await inner.updateStatus({ ...read, status: { status: "runningWorkflow" } });
      const refused = editApplicationSpec(inner, read, (current) => {
        if (current !== read) throw new Error("the workflow runs now");
        return { ...current, spec: {} };
      });
      await expect(refused).rejects.toThrow("the workflow runs now");

      let attempts = 0;
      const alwaysConflicting = forwardingCluster(inner, {
        update: async (object) => {
          attempts += 1;
          const stored = await inner.get(APP_REF);
          if (stored !== undefined) await inner.updateStatus({ ...stored, status: { attempt: attempts } });
          return inner.update(object);
        },
      });
      await expect(editApplicationSpec(alwaysConflicting, read, (current) => current)).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect(attempts).toBe(5);
    });
  });
});
