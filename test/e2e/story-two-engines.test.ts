/**
 * DESIGN §1 story 9, one app and two engines: the same canary (`canary.steps` 20% → 50% for 30 s →
 * 80% → 100%, nginx routing) released once with the `kruise-rollout` trait and once with
 * `argo-rollout` — the Application differs only in the trait type — gives the same pod counts and
 * the same traffic shares at each step, and `workflow resume|suspend|rollback` drive both.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canaryProgressOf, type CanaryProgress } from "../../src/operations/index.js";
import {
  exampleApp,
  expectShare,
  podsByTag,
  readApplication,
  storySandbox,
  type StorySandbox,
} from "../support/story.js";

const APP = "engines";
const HOST = "engines.example.com";
const REQUESTS = 10_000;

type Engine = "kruise-rollout" | "argo-rollout";

function appFile(story: StorySandbox, engine: Engine, release: "v1" | "v2"): string {
  const text = readFileSync(exampleApp(`two-engines-${release}.yaml`), "utf8");
  const file = join(story.cwd, `${engine}-${release}.yaml`);
  writeFileSync(file, text.replace("- type: kruise-rollout", `- type: ${engine}`));
  return file;
}

/** Where the app's Rollout stands, as `vela-ts status` shows it (after `status` let the controllers catch up). */
async function canary(story: StorySandbox): Promise<CanaryProgress | undefined> {
  await story.velaOk(["status", APP]);
  const rollouts = [
    ...(await story.list("rollouts.kruise.io/v1alpha1", "Rollout")),
    ...(await story.list("argoproj.io/v1alpha1", "Rollout")),
  ];
  return rollouts[0] === undefined ? undefined : canaryProgressOf(rollouts[0], []);
}

/** Moves the clock a second at a time (each command lets the controllers catch up) until the canary settles at `weight`. */
async function untilSettledAt(story: StorySandbox, weight: number): Promise<CanaryProgress> {
  for (let tick = 0; tick < 120; tick++) {
    const view = await canary(story);
    if (view?.weight === weight && (view.waitingForApproval || view.resumesAt !== undefined)) return view;
    story.clock.advance(1000);
  }
  throw new Error(`the canary never settled at ${weight}%: ${JSON.stringify(await canary(story))}`);
}

async function v2Share(story: StorySandbox): Promise<number> {
  return (await story.requestShares({ host: HOST, path: "/", count: REQUESTS })).count("v2");
}

/** Pods of the app per image tag. */
async function pods(story: StorySandbox): Promise<Record<string, number>> {
  return Object.fromEntries(Object.entries(podsByTag(await story.pods())).map(([tag, list]) => [tag, list.length]));
}

interface StepObservation {
  readonly weight: number;
  readonly pods: Record<string, number>;
  readonly v2: number;
}

/** Releases v2 with `engine` through every step and records the pods and the v2 share at each. */
async function release(engine: Engine): Promise<StepObservation[]> {
  const story = await storySandbox();
  await story.velaOk(["up", "-f", appFile(story, engine, "v1"), "--wait"]);
  expect(await pods(story)).toEqual({ v1: 5 });
  await story.velaOk(["up", "-f", appFile(story, engine, "v2")]);
  const observed: StepObservation[] = [];
  const observe = async (weight: number): Promise<void> => {
    const settled = await untilSettledAt(story, weight);
    expect(settled.engine).toBe(engine === "argo-rollout" ? "argo" : "kruise");
    observed.push({ weight, pods: await pods(story), v2: await v2Share(story) });
  };
  await observe(20);
  await story.velaOk(["workflow", "resume", APP]);
  await observe(50);
  story.clock.advance(30_000);
  await observe(80);
  await story.velaOk(["workflow", "resume", APP, "--wait"]);
  const app = await readApplication(story, APP);
  expect(app?.status.workflow?.status).toBe("succeeded");
  // Argo keeps the old ReplicaSet for scaleDownDelaySeconds (30 s) after the promotion.
  story.clock.advance(30_000);
  // The request lets the controllers catch up with the clock before the pods are counted.
  const share = await v2Share(story);
  observed.push({ weight: 100, pods: await pods(story), v2: share });
  return observed;
}

describe("story 9: the same canary with kruise-rollout and with argo-rollout", () => {
  it("gives the same pods and traffic shares at each step", { timeout: 240_000 }, async () => {
    const kruise = await release("kruise-rollout");
    const argo = await release("argo-rollout");
    const expected = [
      { weight: 20, canaryPods: 1 },
      { weight: 50, canaryPods: 3 },
      { weight: 80, canaryPods: 4 },
    ];
    for (const [index, step] of expected.entries()) {
      for (const [engine, observations] of [
        ["kruise-rollout", kruise],
        ["argo-rollout", argo],
      ] as const) {
        const seen = observations[index];
        expect(seen?.weight, engine).toBe(step.weight);
        // Both engines keep the 5 stable pods up while the canary takes its share.
        expect(seen?.pods, `${engine} pods at ${step.weight}%`).toEqual({ v1: 5, v2: step.canaryPods });
        expectShare(seen?.v2 ?? 0, REQUESTS, step.weight / 100, `${engine} at ${step.weight}%`);
      }
    }
    expect(kruise[3]).toEqual({ weight: 100, pods: { v2: 5 }, v2: REQUESTS });
    expect(argo[3]).toEqual({ weight: 100, pods: { v2: 5 }, v2: REQUESTS });
  });
});

describe("story 9: workflow commands drive an Argo Rollout", () => {
  it(
    "suspend pauses it, resume promotes it, rollback puts all traffic back on the untouched stable pods at once",
    { timeout: 120_000 },
    async () => {
      const story = await storySandbox();
      await story.velaOk(["up", "-f", appFile(story, "argo-rollout", "v1"), "--wait"]);
      const stableUids = (await story.pods()).map((pod) => pod.uid).sort();
      await story.velaOk(["up", "-f", appFile(story, "argo-rollout", "v2")]);
      await untilSettledAt(story, 20);

      const suspended = await story.velaOk(["workflow", "suspend", APP]);
      expect(suspended.stdout).toContain("Rollout default/engines suspended.");
      const paused = (await story.list("argoproj.io/v1alpha1", "Rollout"))[0];
      expect((paused?.spec as { paused?: boolean }).paused).toBe(true);
      expect((paused?.status as { phase?: string }).phase).toBe("Paused");

      const resumed = await story.velaOk(["workflow", "resume", APP]);
      expect(resumed.stdout).toContain("Rollout default/engines resumed.");
      // Unpaused only: the workflow was suspended, so the pause step is not promoted as well.
      expect((await canary(story))?.weight).toBe(20);
      await story.velaOk(["workflow", "resume", APP]);
      await untilSettledAt(story, 50);
      expectShare(await v2Share(story), REQUESTS, 0.5, "argo at 50%");

      await story.velaOk(["workflow", "suspend", APP]);
      const rolledBack = await story.velaOk(["workflow", "rollback", APP]);
      expect(rolledBack.stdout).toContain(
        "Rollout default/engines: canary route Ingress/default/engines-engines-demo-app-canary set to weight 0, all traffic on stable.",
      );
      expect(await v2Share(story)).toBe(0);
      const app = await readApplication(story, APP);
      expect(app?.object.metadata.annotations?.["app.oam.dev/publishVersion"]).toBe("v1");
      // The aborted canary ReplicaSet goes after abortScaleDownDelaySeconds (30 s).
      story.clock.advance(30_000);
      await story.velaOk(["status", APP]);
      expect(await pods(story)).toEqual({ v1: 5 });
      expect((await story.pods()).map((pod) => pod.uid).sort()).toEqual(stableUids);
      const rollout = (await story.list("argoproj.io/v1alpha1", "Rollout"))[0];
      expect(rollout?.status).toMatchObject({ phase: "Healthy" });
      expect((await canary(story))?.inProgress).toBe(false);
    },
  );
});
