/**
 * `workflow rollback` semantics beyond the canary story (DESIGN §6, docs/workflow.md "Rollback"):
 * after a release went out completely, the rollback goes straight back (like Argo Rollouts'
 * `rollbackWindow`: no canary steps, no approvals) and the next release is a canary again; a
 * rollback interrupted at any point converges when run again (exit 0, the same end state), and
 * nothing in between takes the half-rolled-back spec for a new release.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError } from "../../src/errors/index.js";
import { openTarget } from "../../src/target/target.js";
import { rollbackApplication } from "../../src/operations/rollback.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { forwardingCluster } from "../support/forwarding-cluster.js";
import {
  exampleApp,
  podsByTag,
  readApplication,
  readRevisions,
  storySandbox,
  type StorySandbox,
} from "../support/story.js";

const ROLLOUT = { apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout", name: "demo-app", namespace: "default" };
const HOST = { host: "demo.example.com", path: "/version", count: 400 };

/** demo-app v1, then v2 released completely (both steps approved). */
async function releasedV2(): Promise<StorySandbox> {
  const story = await storySandbox();
  await story.velaOk(["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]);
  await story.velaOk(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
  await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
  const done = await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
  expect(done.stdout).toContain("the workflow finished");
  return story;
}

/** What a rollback's end state is made of, for comparing two ways of getting there. */
async function endState(story: StorySandbox): Promise<unknown> {
  const app = await readApplication(story, "demo-app");
  const rollout = await story.get(ROLLOUT);
  return {
    spec: app?.object.spec,
    publishVersion: app?.object.metadata.annotations?.["app.oam.dev/publishVersion"],
    latestRevision: app?.status.latestRevision?.name,
    phase: app?.status.status,
    revisions: (await readRevisions(story, "demo-app")).map((revision) => [
      revision.metadata.name,
      (revision.status as { succeeded?: boolean }).succeeded,
    ]),
    images: Object.fromEntries(Object.entries(podsByTag(await story.pods())).map(([tag, pods]) => [tag, pods.length])),
    rollout: {
      phase: (rollout?.status as { phase?: string }).phase,
      disabled: (rollout?.spec as { disabled?: boolean }).disabled,
    },
  };
}

describe("rollback after a release went out completely", () => {
  let story: StorySandbox;

  beforeAll(async () => {
    story = await releasedV2();
  });

  it("goes straight back: no canary step, no approval, every pod and request on v1, and says so", async () => {
    const rollback = await story.velaOk(["workflow", "rollback", "demo-app", "--revision", "1", "--wait"]);
    expect(rollback.stdout).toContain("demo-app-v1 goes straight back (no canary steps)");
    expect(rollback.stdout).toContain("the workflow finished and every component is healthy");
    expect(rollback.stdout).not.toContain("still cancelling");
    expect(rollback.stdout).not.toContain("approve");
    const pods = podsByTag(await story.pods());
    expect(Object.keys(pods)).toEqual(["v1"]);
    expect(pods.v1).toHaveLength(5);
    const shares = await story.requestShares(HOST);
    expect(shares.count("v1")).toBe(HOST.count);
    // No canary Deployment was ever made for the rollback.
    const deployments = await story.list("apps/v1", "Deployment");
    expect(deployments.map((deployment) => deployment.metadata.name)).toEqual(["demo-app"]);
    const rollout = await story.get(ROLLOUT);
    expect((rollout?.status as { phase?: string }).phase).toBe("Healthy");
    expect((rollout?.spec as { disabled?: boolean }).disabled).toBeUndefined();
    expect(rollout?.metadata.annotations?.["app.oam.dev/rollback-fast-track"]).toBeUndefined();
    const status = await story.velaOk(["status", "demo-app"]);
    expect(status.stdout).toContain("  Status:      running");
    expect(status.stdout).toContain("rolled back from demo-app-v2 to demo-app-v1");
  });

  it("the next release is a canary again (the Rollout was re-enabled)", async () => {
    const up = await story.velaOk(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
    expect(up.stdout).toContain("Rollout is in step(1/2)");
    const pods = podsByTag(await story.pods());
    expect(pods.v1).toHaveLength(5);
    expect(pods.v2).toHaveLength(1);
  });
});

/** Runs the rollback's first write and fails the second, as if the command were killed in between. */
async function rollbackKilledAfterSpecWrite(story: StorySandbox): Promise<void> {
  const target = await openTarget({
    cwd: story.cwd,
    sandboxDir: story.dir,
    clock: story.clock,
    http: () => Promise.reject(new Error("no http in this test")),
    command: "killed rollback",
  });
  try {
    const cluster = forwardingCluster(target.cluster, {
      updateStatus: (object: KubeObject) =>
        object.kind === "Application"
          ? Promise.reject(new ConflictError("killed before the status write"))
          : target.cluster.updateStatus(object),
    });
    const app = await cluster.get({
      apiVersion: "core.oam.dev/v1beta1",
      kind: "Application",
      name: "demo-app",
      namespace: "default",
    });
    await expect(
      rollbackApplication({ ...target, cluster }, app as KubeObject, "demo-app", "default", undefined),
    ).rejects.toThrow("killed before the status write");
  } finally {
    target.close();
  }
}

describe("an interrupted rollback converges when run again", () => {
  let base: StorySandbox;
  let reference: unknown;

  beforeAll(async () => {
    base = await releasedV2();
    const straight = base.fork();
    await straight.velaOk(["workflow", "rollback", "demo-app", "--wait"]);
    reference = await endState(straight);
  });

  it("killed between the spec and the status write: run again, exit 0, the same end state", async () => {
    const story = base.fork();
    await rollbackKilledAfterSpecWrite(story);
    const again = await story.velaOk(["workflow", "rollback", "demo-app", "--wait"]);
    expect(again.stdout).not.toContain("no earlier succeeded revision");
    expect(await endState(story)).toEqual(reference);
  });

  it("killed between the writes, then any other command: it finishes the rollback, never a new revision from the rolled-back spec", async () => {
    const story = base.fork();
    await rollbackKilledAfterSpecWrite(story);
    await story.velaOk(["status", "demo-app"]);
    const app = await readApplication(story, "demo-app");
    expect(app?.status.latestRevision?.name).toBe("demo-app-v1");
    expect((await readRevisions(story, "demo-app")).map((revision) => revision.metadata.name)).toEqual([
      "demo-app-v1",
      "demo-app-v2",
    ]);
    await story.velaOk(["status", "demo-app", "--watch", "--timeout", "10m"]);
    expect(await endState(story)).toEqual(reference);
  });

  it("killed after both writes (during --wait): run again, exit 0, says it is already rolled back, the same end state", async () => {
    const story = base.fork();
    const first = await story.velaOk(["workflow", "rollback", "demo-app"]);
    expect(first.stdout).toContain("Application status rollback successfully.");
    const again = await story.velaOk(["workflow", "rollback", "demo-app", "--wait"]);
    expect(again.stdout).toContain("Application demo-app is already rolled back to demo-app-v1 from demo-app-v2");
    expect(await endState(story)).toEqual(reference);
    // And once more, now that it settled: still exit 0, nothing changes.
    const third = await story.velaOk(["workflow", "rollback", "demo-app"]);
    expect(third.stdout).toContain("already rolled back to demo-app-v1");
    expect(await endState(story)).toEqual(reference);
  });
});
