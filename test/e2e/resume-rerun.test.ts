/**
 * `workflow resume` run again after it was killed (issue: kill -9 anywhere converges): the record it
 * writes before its first effect (`status.resumeInFlight`) lets the re-run finish what the killed run
 * started and approve nothing more — a Rollout it approved that has since reached the next step waits
 * there, as after an uninterrupted run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { openCommandSandbox } from "../../src/target/addon-objects.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { exampleApp, storySandbox, type StorySandbox } from "../support/story.js";

const APP_REF = { apiVersion: "core.oam.dev/v1beta1", kind: "Application", name: "demo-app", namespace: "default" };
const ROLLOUT_REF = {
  apiVersion: "rollouts.kruise.io/v1alpha1",
  kind: "Rollout",
  name: "demo-app",
  namespace: "default",
};

/** Leaves the record a resume killed before it reported would leave: approving `step` of the Rollout. */
async function leaveRecord(story: StorySandbox, step: number): Promise<void> {
  const sandbox = await openCommandSandbox({ dir: story.dir, clock: story.clock, command: "test" });
  try {
    const app = (await sandbox.get(APP_REF)) as KubeObject;
    const status = app.status as Record<string, unknown>;
    await sandbox.updateStatus({
      ...app,
      status: {
        ...status,
        resumeInFlight: { revision: "demo-app-v2", workflow: false, rollouts: { "default/demo-app": step } },
      },
    });
  } finally {
    sandbox.close();
  }
}

async function canaryStep(story: StorySandbox): Promise<string> {
  const rollout = await story.get(ROLLOUT_REF);
  const canary = (rollout?.status as { canaryStatus?: { currentStepIndex?: number; currentStepState?: string } })
    .canaryStatus;
  return `${String(canary?.currentStepIndex)}:${canary?.currentStepState ?? ""}`;
}

async function record(story: StorySandbox): Promise<unknown> {
  return ((await story.get(APP_REF))?.status as { resumeInFlight?: unknown } | undefined)?.resumeInFlight;
}

describe("workflow resume run again after a kill", () => {
  let atStep1: StorySandbox;

  beforeAll(async () => {
    atStep1 = await storySandbox();
    await atStep1.velaOk(["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]);
    await atStep1.velaOk(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
  }, 120_000);

  it("a finished resume leaves no record; one killed after its approval took effect is not approved again", async () => {
    const story = atStep1.fork();
    await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
    expect(await canaryStep(story)).toBe("2:StepPaused");
    expect(await record(story)).toBeUndefined();

    // Killed after step 1's approval took effect and step 2 was reached, before it reported.
    await leaveRecord(story, 1);
    const rerun = await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
    expect(rerun.stdout).toContain("the approval of step 1 by an interrupted workflow resume already took effect");
    expect(rerun.stdout).toContain("vela-ts workflow resume demo-app");
    expect(await canaryStep(story)).toBe("2:StepPaused");
    expect(await record(story)).toBeUndefined();

    // The person's next resume approves step 2.
    await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
    expect(await canaryStep(story)).not.toBe("2:StepPaused");
  }, 120_000);

  it("killed after the record but before the approval: the re-run approves, as the first run would have", async () => {
    const story = atStep1.fork();
    await leaveRecord(story, 1);
    const rerun = await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
    expect(rerun.stdout).toContain("Rollout default/demo-app resumed.");
    expect(await canaryStep(story)).toBe("2:StepPaused");
    expect(await record(story)).toBeUndefined();
  }, 120_000);

  it("a record of another revision is stale: the resume approves as usual", async () => {
    const story = atStep1.fork();
    const sandbox = await openCommandSandbox({ dir: story.dir, clock: story.clock, command: "test" });
    try {
      const app = (await sandbox.get(APP_REF)) as KubeObject;
      await sandbox.updateStatus({
        ...app,
        status: {
          ...(app.status as Record<string, unknown>),
          resumeInFlight: { revision: "demo-app-v1", workflow: false, rollouts: { "default/demo-app": 2 } },
        },
      });
    } finally {
      sandbox.close();
    }
    await story.velaOk(["workflow", "resume", "demo-app", "--wait"]);
    expect(await canaryStep(story)).toBe("2:StepPaused");
    expect(await record(story)).toBeUndefined();
  }, 120_000);
});
