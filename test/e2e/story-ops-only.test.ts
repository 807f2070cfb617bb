/**
 * DESIGN §1 story 5, ops-only traits and revisions: `scaler` (skipRevisionAffect) changes land live
 * with no revision, no workflow re-run and no pod restart, and survive `workflow rollback --revision 1`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube-object.js";
import {
  exampleApp,
  readApplication,
  readRevisions,
  storySandbox,
  type PodSnapshot,
  type StorySandbox,
} from "../support/story.js";

const APP = "shop";

async function frontend(story: StorySandbox): Promise<{ replicas: unknown; image: unknown }> {
  const deployment = await story.get({
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: "frontend",
    namespace: "default",
  });
  const spec = deployment?.spec as
    { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
  return { replicas: spec?.replicas, image: spec?.template?.spec?.containers?.[0]?.image };
}

function images(pods: readonly PodSnapshot[]): string[] {
  return [...new Set(pods.map((pod) => pod.image))];
}

function revisionSummary(revisions: readonly KubeObject[]): [string | undefined, boolean | undefined][] {
  return revisions.map((revision) => [
    revision.metadata.name,
    (revision.status as { succeeded?: boolean } | undefined)?.succeeded,
  ]);
}

describe("story 5: ops-only scaler, a new image, a live scale and a rollback that keeps the scale (in-process)", () => {
  let story: StorySandbox;
  let v2Pods: PodSnapshot[] = [];
  let v2Workflow: unknown;

  beforeAll(async () => {
    story = await storySandbox({ charts: false });
  });

  it("up v1: 3 pods of nginx:1.25, revision shop-v1", async () => {
    await story.velaOk(["up", "-f", exampleApp("shop-v1.yaml"), "--wait"]);
    expect(await frontend(story)).toEqual({ replicas: 3, image: "nginx:1.25" });
    const pods = await story.pods();
    expect(pods).toHaveLength(3);
    expect(images(pods)).toEqual(["nginx:1.25"]);
    expect(revisionSummary(await readRevisions(story, APP))).toEqual([["shop-v1", true]]);
  });

  it("up v2 (new image): revision shop-v2, 3 pods of nginx:1.26", async () => {
    const run = await story.velaOk(["up", "-f", exampleApp("shop-v2.yaml"), "--wait"]);
    expect(run.stdout).toContain("revision: shop-v2");
    expect(await frontend(story)).toEqual({ replicas: 3, image: "nginx:1.26" });
    v2Pods = await story.pods();
    expect(v2Pods).toHaveLength(3);
    expect(images(v2Pods)).toEqual(["nginx:1.26"]);
    expect(revisionSummary(await readRevisions(story, APP))).toEqual([
      ["shop-v1", true],
      ["shop-v2", true],
    ]);
    v2Workflow = (await readApplication(story, APP))?.status.workflow;
  });

  it("scaler 3 → 5: no new revision, no workflow re-run, applied live, the 3 pods not restarted", async () => {
    const run = await story.velaOk(["up", "-f", exampleApp("shop-v2-scaled.yaml"), "--wait"]);
    expect(run.stdout).toContain("revision: shop-v2");
    expect(await frontend(story)).toEqual({ replicas: 5, image: "nginx:1.26" });
    const pods = await story.pods();
    expect(pods).toHaveLength(5);
    expect(images(pods)).toEqual(["nginx:1.26"]);
    // The three pods of before are still there (same uids): the pod template did not change.
    expect(pods.map((pod) => pod.uid)).toEqual(expect.arrayContaining(v2Pods.map((pod) => pod.uid)));
    expect(revisionSummary(await readRevisions(story, APP))).toEqual([
      ["shop-v1", true],
      ["shop-v2", true],
    ]);
    const app = await readApplication(story, APP);
    expect(app?.status.latestRevision?.name).toBe("shop-v2");
    expect(app?.status.workflow).toEqual(v2Workflow);
  });

  it("workflow rollback --revision 1: image of v1, replicas still 5, spec of revision 1 plus the current scaler", async () => {
    const run = await story.velaOk(["workflow", "rollback", APP, "--revision", "1", "--wait"]);
    expect(run.stdout).toContain("revision: shop-v1");
    expect(await frontend(story)).toEqual({ replicas: 5, image: "nginx:1.25" });
    const pods = await story.pods();
    expect(pods).toHaveLength(5);
    expect(images(pods)).toEqual(["nginx:1.25"]);

    const app = await readApplication(story, APP);
    const revisions = await readRevisions(story, APP);
    const v1Spec = (
      revisions[0]?.spec as { application?: { spec?: { components?: { traits?: unknown[] }[] } } } | undefined
    )?.application?.spec;
    const spec = (app?.object.spec ?? {}) as { components?: { properties?: unknown; traits?: unknown[] }[] };
    const components = spec.components;
    expect(components?.[0]?.properties).toEqual({ image: "nginx:1.25", ports: [{ port: 80, expose: true }] });
    expect(components?.[0]?.traits).toEqual([{ type: "scaler", properties: { replicas: 5 } }]);
    // Apart from the ops-only trait, the spec is revision 1's stored spec.
    expect({ ...spec, components: components?.map((component) => ({ ...component, traits: [] })) }).toEqual({
      ...v1Spec,
      components: v1Spec?.components?.map((component) => ({ ...component, traits: [] })),
    });
    expect(app?.status.latestRevision?.name).toBe("shop-v1");
    expect(app?.status.rollback).toMatchObject({ from: "shop-v2", to: "shop-v1" });
    expect(app?.status.status).toBe("running");
    expect(revisions.map((revision) => revision.metadata.name)).toEqual(["shop-v1", "shop-v2"]);
  });
});
