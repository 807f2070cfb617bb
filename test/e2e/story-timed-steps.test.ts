/**
 * DESIGN §1 story 3, timed steps: Kruise canary steps with `pause: {duration: 30}` (and the trait's
 * `duration: 60` shorthand) advance on their own as the clock moves, and a workflow `suspend` step
 * with `duration: 2m` resumes on its own; `--wait` sleeps through all of it. Time is a FakeClock.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  exampleApp,
  expectShare,
  podsByTag,
  readApplication,
  storySandbox,
  type StorySandbox,
} from "../support/story.js";

const APP = "timed-demo-app";
const HOST = "timed.example.com";
const PATH = "/version";
const REQUESTS = 10_000;
const TICK_MS = 1_000;

interface CanaryStatus {
  readonly currentStepIndex?: number;
  readonly currentStepState?: string;
}

interface RolloutView {
  readonly phase?: string;
  readonly canaryStatus?: CanaryStatus;
}

/** `vela-ts sandbox get rollout NAME -o json` (which lets the controllers catch up with the clock first). */
async function observeRollout(story: StorySandbox): Promise<RolloutView> {
  const run = await story.velaOk(["sandbox", "get", "rollout", APP, "-o", "json"]);
  const rollout = JSON.parse(run.stdout) as { status?: RolloutView };
  return rollout.status ?? {};
}

/** One observation per tick: when the Rollout entered each `step/state`. */
interface Transition {
  readonly atSeconds: number;
  readonly step: number | undefined;
  readonly state: string | undefined;
  readonly phase: string | undefined;
}

describe("story 3: timed canary steps and a timed suspend step (in-process, fake clock)", () => {
  let story: StorySandbox;

  beforeAll(async () => {
    story = await storySandbox();
  });

  it("up v1 --wait sleeps through the 2m soak step and returns with the workflow succeeded", async () => {
    const started = story.clock.now().getTime();
    const run = await story.velaOk(["up", "-f", exampleApp("timed-canary-v1.yaml"), "--wait"]);
    expect(run.stdout).toContain("the workflow finished");
    expect(run.stderr).toMatch(/waiting .*soak/);
    expect(story.clock.now().getTime() - started).toBeGreaterThanOrEqual(120_000);
    const app = await readApplication(story, APP);
    expect(app?.status.workflow?.status).toBe("succeeded");
    expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["release", "succeeded"],
      ["soak", "succeeded"],
    ]);
  });

  it("up v2 without --wait returns at once; the Rollout then walks 20% → 50% → 90% → done on the clock alone, with no approval", async () => {
    const run = await story.velaOk(["up", "-f", exampleApp("timed-canary-v2.yaml")]);
    expect(run.stdout).toContain("revision: timed-demo-app-v2");

    const start = story.clock.now().getTime();
    const transitions: Transition[] = [];
    let sharesAt: Record<number, number> = {};
    for (let tick = 0; tick < 400; tick++) {
      const status = await observeRollout(story);
      const seconds = (story.clock.now().getTime() - start) / 1000;
      const last = transitions.at(-1);
      const step = status.canaryStatus?.currentStepIndex;
      const state = status.canaryStatus?.currentStepState;
      if (last === undefined || last.step !== step || last.state !== state || last.phase !== status.phase) {
        transitions.push({ atSeconds: seconds, step, state, phase: status.phase });
        // Measure the routed share once per paused step, as it is entered.
        if (state === "StepPaused" && step !== undefined && sharesAt[step] === undefined) {
          const shares = await story.requestShares({ host: HOST, path: PATH });
          sharesAt = { ...sharesAt, [step]: shares.count("v2") };
        }
      }
      if (status.phase === "Healthy" && transitions.some((entry) => entry.step === 3)) break;
      story.clock.advance(TICK_MS);
    }

    const paused = transitions.filter((entry) => entry.state === "StepPaused");
    expect(paused.map((entry) => entry.step)).toEqual([1, 2, 3]);
    const leftPause = (step: number): number => {
      const entered = paused.find((entry) => entry.step === step)?.atSeconds ?? Number.NaN;
      const next = transitions.find(
        (entry) => entry.atSeconds > entered && !(entry.step === step && entry.state === "StepPaused"),
      );
      return (next?.atSeconds ?? Number.NaN) - entered;
    };
    // Each pause lasts its duration (to the tick), counted from when the step's traffic was set.
    expect(leftPause(1)).toBeGreaterThanOrEqual(30);
    expect(leftPause(1)).toBeLessThanOrEqual(31);
    expect(leftPause(2)).toBeGreaterThanOrEqual(60);
    expect(leftPause(2)).toBeLessThanOrEqual(61);
    expect(leftPause(3)).toBeGreaterThanOrEqual(30);
    expect(leftPause(3)).toBeLessThanOrEqual(31);
    expect(transitions.at(-1)?.phase).toBe("Healthy");

    expectShare(sharesAt[1] ?? -1, REQUESTS, 0.2, "v2 share at step 1");
    expectShare(sharesAt[2] ?? -1, REQUESTS, 0.5, "v2 share at step 2");
    expectShare(sharesAt[3] ?? -1, REQUESTS, 0.9, "v2 share at step 3");
    expect(Object.keys(podsByTag(await story.pods()))).toEqual(["v2"]);
  });

  it("the next command carries the workflow on to the timed suspend step, which shows the time left", async () => {
    const run = await story.velaOk(["up", "-f", exampleApp("timed-canary-v2.yaml")]);
    expect(run.stdout).toMatch(/step soak \[suspend\]: suspending/);
    expect(run.stdout).toMatch(/resumes by itself in 2m/);
    const app = await readApplication(story, APP);
    const soak = app?.status.workflow?.steps?.find((step) => step.name === "soak");
    expect(soak?.phase).toBe("suspending");
    expect(app?.status.workflow?.suspend).toBe(true);
    expect(app?.status.status).toBe("workflowSuspending");

    // `vela-ts status` shows the suspended step and the time it has left.
    story.clock.advance(25_000);
    const status = await story.velaOk(["status", APP]);
    expect(status.stdout).toMatch(/soak/);
    expect(status.stdout).toMatch(/1m35s/);
  });

  it("once 2 minutes have passed the suspend step resumes on its own (no workflow resume): the workflow succeeds", async () => {
    // 25 s of the 2 minutes passed in the test before.
    story.clock.advance(94_000);
    const early = await story.velaOk(["up", "-f", exampleApp("timed-canary-v2.yaml")]);
    expect(early.stdout).toMatch(/resumes by itself in 1s/);
    story.clock.advance(1_000);
    const run = await story.velaOk(["up", "-f", exampleApp("timed-canary-v2.yaml")]);
    expect(run.stdout).toContain("the workflow finished");
    const app = await readApplication(story, APP);
    expect(app?.status.workflow?.status).toBe("succeeded");
    expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["release", "succeeded"],
      ["soak", "succeeded"],
    ]);
  });
});

describe("story 3 with --wait: up sleeps through every timed canary step and the soak", () => {
  it("up v2 --wait returns only when the workflow succeeded, ≥ 30 + 60 + 30 s + 2 m of fake time later", async () => {
    const story = await storySandbox();
    await story.velaOk(["up", "-f", exampleApp("timed-canary-v1.yaml"), "--wait"]);
    const started = story.clock.now().getTime();
    const run = await story.velaOk(["up", "-f", exampleApp("timed-canary-v2.yaml"), "--wait"]);
    expect(run.stdout).toContain("the workflow finished");
    expect(story.clock.now().getTime() - started).toBeGreaterThanOrEqual((30 + 60 + 30 + 120) * 1000);
    const app = await readApplication(story, APP);
    expect(app?.status.workflow?.status).toBe("succeeded");
    expect(app?.status.latestRevision?.name).toBe(`${APP}-v2`);
    const shares = await story.requestShares({ host: HOST, path: PATH });
    expect(shares.count("v2")).toBe(REQUESTS);
  });
});
