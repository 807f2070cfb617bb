/**
 * The controller's passes refuse an object another application manages, as `up` does: the second
 * app's step fails with the reason, written in its status as KubeVela writes it (retried with
 * backoff, then the workflow fails) and the object keeps the first app's content; with a
 * `shared-resource` rule, the second app joins it instead.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import { DEFAULT_ADDONS, reconcileApplication, type ReconcilerDeps } from "../../src/operations/index.js";
import { loadClusterRegistry } from "../../src/reconciler/definitions-for-app.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import { tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

const { registry: REGISTRY } = loadClusterRegistry({
  definitionDirs: [],
  cwd: PROJECT_ROOT,
  enabledAddons: [...DEFAULT_ADDONS],
});
const SETTINGS = { apiVersion: "v1", kind: "ConfigMap", name: "settings", namespace: "default" };

function settingsApp(name: string, level: string, shared = false): KubeObject {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, namespace: "default" },
    spec: {
      components: [
        {
          name: "settings",
          type: "k8s-objects",
          properties: {
            objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { level } }],
          },
        },
      ],
      ...(shared
        ? {
            policies: [
              {
                name: "share",
                type: "shared-resource",
                properties: { rules: [{ selector: { resourceTypes: ["ConfigMap"] } }] },
              },
            ],
          }
        : {}),
    },
  };
}

const opened: SandboxCluster[] = [];
afterEach(() => {
  for (const cluster of opened.splice(0)) cluster.close();
});

async function sandboxWith(...apps: readonly KubeObject[]): Promise<{
  readonly cluster: SandboxCluster;
  readonly clock: FakeClock;
  settle(name: string): Promise<void>;
  pass(name: string): Promise<unknown>;
}> {
  const clock = new FakeClock();
  const cluster = await openSandbox({ dir: join(tempDir(), "sandbox"), clock, sync: false });
  opened.push(cluster);
  const deps: ReconcilerDeps = {
    cluster,
    clock,
    registry: REGISTRY,
    http: () => Promise.reject(new Error("no webhooks here")),
  };
  for (const app of apps) await cluster.create(app);
  return {
    cluster,
    clock,
    pass: (name) => reconcileApplication(name, "default", deps),
    async settle(name) {
      for (let round = 0; round < 20; round++) {
        const outcome = await reconcileApplication(name, "default", deps);
        const { writes } = await cluster.settle();
        if (!outcome.wrote && writes === 0) return;
      }
    },
  };
}

describe("ownership in the controller's passes", () => {
  it("a second app rendering the first's object fails its step (in its status, with the reason) and writes nothing of it", async () => {
    const box = await sandboxWith(settingsApp("first", "info"), settingsApp("second", "debug"));
    await box.settle("first");
    const before = await box.cluster.get(SETTINGS);
    const refusal =
      "existing object ConfigMap default/settings is managed by other application default/first " +
      "(add a shared-resource policy selecting it to share it with default/first, or a take-over policy to move it to default/second)";
    const statusOf = async (): Promise<{
      status?: string;
      workflow?: { steps?: { name?: string; phase?: string; message?: string }[] };
      conditions?: { type?: string; status?: string; message?: string }[];
    }> =>
      ((
        await box.cluster.get({
          apiVersion: "core.oam.dev/v1beta1",
          kind: "Application",
          name: "second",
          namespace: "default",
        })
      )?.status ?? {}) as never;
    await box.settle("second");
    const step = {
      name: "settings",
      phase: "failed",
      message: `component "settings" of application default/second: ${refusal}`,
    };
    // At once: the step failed with the reason; retried with backoff, as any failed step.
    let status = await statusOf();
    expect(status.status).toBe("runningWorkflow");
    expect(status.workflow?.steps).toEqual([expect.objectContaining(step)]);
    // Then the workflow fails after the retries, its condition saying why.
    for (let round = 0; round < 20 && status.status !== "workflowFailed"; round++) {
      box.clock.advance(60_000);
      await box.settle("second");
      status = await statusOf();
    }
    expect(status.status).toBe("workflowFailed");
    const finished = status.conditions?.find((condition) => condition.type === "WorkflowFinished");
    expect(finished).toMatchObject({ status: "False", message: expect.stringContaining(refusal) as unknown });
    const after = await box.cluster.get(SETTINGS);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(after?.metadata.labels?.["app.oam.dev/name"]).toBe("first");
    expect(after?.data).toEqual({ level: "info" });
  });

  it("with a shared-resource rule in the second app, it joins instead", async () => {
    const box = await sandboxWith(settingsApp("first", "info"), settingsApp("second", "debug", true));
    await box.settle("first");
    await box.settle("second");
    const live = await box.cluster.get(SETTINGS);
    expect(live?.data).toEqual({ level: "info" });
    expect(live?.metadata.annotations?.["app.oam.dev/shared-by"]).toBe("default/first,default/second");
  });
});
