/**
 * DESIGN §1 story 1, the headline: a helm chart released as a Kruise canary (20% → 90% → 100%)
 * through `vela-ts up` and `vela-ts workflow …`, in-process on a fake clock. Every stage checks the
 * objects, the pods by version (and that the stable pods are the same pods), and the share of 10,000
 * seeded requests routed through the nginx Ingress rules.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube-object.js";
import {
  exampleApp,
  expectShare,
  podsByTag,
  readApplication,
  readRevisions,
  storySandbox,
  type PodSnapshot,
  type StorySandbox,
} from "../support/story.js";

const HOST = "demo.example.com";
const PATH = "/version";
const REQUESTS = 10_000;
const CANARY_DEPLOYMENT_LABEL = "rollouts.kruise.io/canary-deployment";

function names(objects: readonly KubeObject[]): string[] {
  return objects.map((object) => object.metadata.name ?? "").sort();
}

function uids(pods: readonly PodSnapshot[] | undefined): string[] {
  return (pods ?? []).map((pod) => pod.uid).sort();
}

/** The canary objects Kruise makes: the canary Deployment (by label), `demo-app-canary` Service and Ingress. */
async function canaryObjects(
  story: StorySandbox,
): Promise<{ deployments: string[]; services: string[]; ingresses: string[] }> {
  const deployments = (await story.list("apps/v1", "Deployment")).filter(
    (object) => object.metadata.labels?.[CANARY_DEPLOYMENT_LABEL] !== undefined,
  );
  const services = (await story.list("v1", "Service")).filter((object) =>
    (object.metadata.name ?? "").endsWith("-canary"),
  );
  const ingresses = (await story.list("networking.k8s.io/v1", "Ingress")).filter((object) =>
    (object.metadata.name ?? "").endsWith("-canary"),
  );
  return { deployments: names(deployments), services: names(services), ingresses: names(ingresses) };
}

async function rolloutCanaryStatus(
  story: StorySandbox,
): Promise<{ currentStepIndex?: number; currentStepState?: string } | undefined> {
  const rollout = await story.get({
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "Rollout",
    name: "demo-app",
    namespace: "default",
  });
  return (rollout?.status as { canaryStatus?: { currentStepIndex?: number; currentStepState?: string } } | undefined)
    ?.canaryStatus;
}

describe("story 1: helm canary through up and workflow (in-process, fake clock)", () => {
  let story: StorySandbox;
  let stableUids: string[] = [];
  let atStep2: StorySandbox;

  beforeAll(async () => {
    story = await storySandbox();
  });

  it("up v1: 5 ready v1 pods answer 100% of the requests; revision v1 succeeded; app running", async () => {
    const run = await story.velaOk(["up", "-f", exampleApp("demo-app-v1.yaml")]);
    expect(run.stdout).toContain("Application default/demo-app created");
    expect(run.stdout).toContain("revision: demo-app-v1");

    const pods = podsByTag(await story.pods());
    expect(Object.keys(pods)).toEqual(["v1"]);
    expect(pods.v1?.length).toBe(5);
    expect(pods.v1?.every((pod) => pod.ready)).toBe(true);
    stableUids = uids(pods.v1);

    const shares = await story.requestShares({ host: HOST, path: PATH });
    expect(shares.count("v1")).toBe(REQUESTS);
    expect(shares.byStatus).toEqual({ "200": REQUESTS });

    const app = await readApplication(story, "demo-app");
    expect(app?.status.status).toBe("running");
    expect(app?.status.workflow?.status).toBe("succeeded");
    expect(app?.status.latestRevision?.name).toBe("demo-app-v1");
    const revisions = await readRevisions(story, "demo-app");
    expect(
      revisions.map((revision) => [
        revision.metadata.name,
        (revision.status as { succeeded?: boolean } | undefined)?.succeeded,
      ]),
    ).toEqual([["demo-app-v1", true]]);
    expect(await canaryObjects(story)).toEqual({ deployments: [], services: [], ingresses: [] });
  });

  it("up v2 --wait: stops at step 1 (exit 0, says how to go on): 1 canary pod, the 5 v1 pods untouched, ≈20% on v2", async () => {
    const run = await story.velaOk(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
    expect(run.stdout).toContain("revision: demo-app-v2");
    expect(run.stdout).toContain("vela-ts workflow resume demo-app");

    const pods = podsByTag(await story.pods());
    expect(uids(pods.v1)).toEqual(stableUids);
    expect(pods.v2?.length).toBe(1);
    expect(pods.v2?.every((pod) => pod.ready)).toBe(true);

    const shares = await story.requestShares({ host: HOST, path: PATH });
    expect(shares.count("v1") + shares.count("v2")).toBe(REQUESTS);
    expectShare(shares.count("v2"), REQUESTS, 0.2, "canary share at step 1");

    expect(await canaryObjects(story)).toMatchObject({
      deployments: [expect.stringMatching(/^demo-app-/)],
      services: ["demo-app-canary"],
      ingresses: ["demo-app-canary"],
    });
    expect(await rolloutCanaryStatus(story)).toMatchObject({ currentStepIndex: 1, currentStepState: "StepPaused" });
    const app = await readApplication(story, "demo-app");
    expect(app?.status.latestRevision?.name).toBe("demo-app-v2");
    expect(app?.status.status).toBe("runningWorkflow");
    expect(app?.status.workflow?.finished).toBe(false);
  });

  it("workflow resume --wait: step 2, ≈90% on v2, the v1 pods still the same pods", async () => {
    const run = await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
    expect(run.stdout).toContain("vela-ts workflow resume demo-app");

    const pods = podsByTag(await story.pods());
    expect(uids(pods.v1)).toEqual(stableUids);
    expect(pods.v2?.length).toBeGreaterThanOrEqual(4);

    const shares = await story.requestShares({ host: HOST, path: PATH });
    expect(shares.count("v1") + shares.count("v2")).toBe(REQUESTS);
    expectShare(shares.count("v2"), REQUESTS, 0.9, "canary share at step 2");
    expect(await rolloutCanaryStatus(story)).toMatchObject({ currentStepIndex: 2, currentStepState: "StepPaused" });
    expect(await canaryObjects(story)).toMatchObject({
      deployments: [expect.stringMatching(/^demo-app-/)],
      services: ["demo-app-canary"],
      ingresses: ["demo-app-canary"],
    });
    atStep2 = story.fork();
  });

  it("branch A, workflow resume --wait: all pods v2, canary objects gone, 100% v2, workflow succeeded, revision v2 succeeded", async () => {
    const run = await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
    expect(run.stdout).toContain("the workflow finished");

    const pods = podsByTag(await story.pods());
    expect(Object.keys(pods)).toEqual(["v2"]);
    expect(pods.v2?.length).toBe(5);
    expect(pods.v2?.every((pod) => pod.ready)).toBe(true);

    const shares = await story.requestShares({ host: HOST, path: PATH });
    expect(shares.count("v2")).toBe(REQUESTS);
    expect(await canaryObjects(story)).toEqual({ deployments: [], services: [], ingresses: [] });

    const app = await readApplication(story, "demo-app");
    expect(app?.status.status).toBe("running");
    expect(app?.status.workflow?.status).toBe("succeeded");
    expect(app?.status.latestRevision?.name).toBe("demo-app-v2");
    const revisions = await readRevisions(story, "demo-app");
    expect(
      revisions.map((revision) => [
        revision.metadata.name,
        (revision.status as { succeeded?: boolean } | undefined)?.succeeded,
      ]),
    ).toEqual([
      ["demo-app-v1", true],
      ["demo-app-v2", true],
    ]);
  });

  const branchB =
    "branch B, workflow suspend + rollback --wait: 100% v1, canary objects deleted, the same 5 v1 pods, " +
    "spec of revision 1, status rolled back";
  it(branchB, async () => {
    const suspend = await atStep2.velaOk(["workflow", "suspend", "demo-app"]);
    expect(suspend.stdout).toContain("suspend");
    expect((await readApplication(atStep2, "demo-app"))?.status.workflow?.suspend).toBe(true);

    const run = await atStep2.velaOk(["workflow", "rollback", "demo-app", "--wait"]);
    expect(run.stdout).toContain("revision: demo-app-v1");

    const shares = await atStep2.requestShares({ host: HOST, path: PATH });
    expect(shares.count("v1")).toBe(REQUESTS);
    expect(shares.count("v2")).toBe(0);
    expect(await canaryObjects(atStep2)).toEqual({ deployments: [], services: [], ingresses: [] });

    const pods = podsByTag(await atStep2.pods());
    expect(Object.keys(pods)).toEqual(["v1"]);
    expect(uids(pods.v1)).toEqual(stableUids);

    const app = await readApplication(atStep2, "demo-app");
    const revisions = await readRevisions(atStep2, "demo-app");
    const v1 = revisions.find((revision) => revision.metadata.name === "demo-app-v1");
    const v2 = revisions.find((revision) => revision.metadata.name === "demo-app-v2");
    expect(app?.object.spec).toEqual((v1?.spec as { application?: { spec?: unknown } } | undefined)?.application?.spec);
    expect(app?.object.metadata.annotations?.["app.oam.dev/publishVersion"]).toBe("v1");
    expect(app?.status.latestRevision?.name).toBe("demo-app-v1");
    expect(app?.status.rollback).toMatchObject({ from: "demo-app-v2", to: "demo-app-v1" });
    expect(app?.status.status).toBe("running");
    expect((v2?.status as { succeeded?: boolean } | undefined)?.succeeded).toBe(false);
    expect(revisions).toHaveLength(2);

    const status = await atStep2.velaOk(["status", "demo-app"]);
    expect(status.stdout).toMatch(/rolled back/i);
    expect(status.stdout).toContain("demo-app-v1");
  });
});
