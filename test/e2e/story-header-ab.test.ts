/**
 * DESIGN §1 story 2, header A/B: Kruise canary steps with `matches` send only requests carrying a
 * header to the canary — `user-agent: android` at step 1, `X-Canary: true` (exact) at step 2 —
 * while every other request stays on stable. Shares of 10,000 seeded requests per header set.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { exampleApp, podsByTag, readApplication, storySandbox, type StorySandbox } from "../support/story.js";

const HOST = "ab.example.com";
const PATH = "/version";
const REQUESTS = 10_000;

interface Case {
  readonly name: string;
  readonly headers: readonly string[];
}

const ANDROID: Case = { name: "user-agent: android", headers: ["user-agent: android"] };
const CANARY_HEADER: Case = { name: "X-Canary: true", headers: ["X-Canary: true"] };
const PLAIN: Case = { name: "no header", headers: [] };
const IPHONE: Case = { name: "user-agent: iphone", headers: ["user-agent: iphone"] };
const CANARY_FALSE: Case = { name: "X-Canary: false", headers: ["X-Canary: false"] };

describe("story 2: header A/B through the Kruise Rollout's matches (in-process, fake clock)", () => {
  let story: StorySandbox;

  async function v2Share(headers: readonly string[]): Promise<number> {
    const shares = await story.requestShares({ host: HOST, path: PATH, headers });
    expect(shares.count("v1") + shares.count("v2"), `every request answered (${headers.join(", ")})`).toBe(REQUESTS);
    return shares.count("v2") / REQUESTS;
  }

  beforeAll(async () => {
    story = await storySandbox();
    await story.velaOk(["up", "-f", exampleApp("header-ab-v1.yaml"), "--wait"]);
  });

  it("release 1 answers every request with v1, whatever the headers", async () => {
    for (const { headers } of [ANDROID, CANARY_HEADER, PLAIN]) expect(await v2Share(headers)).toBe(0);
    expect(podsByTag(await story.pods()).v1).toHaveLength(5);
  });

  it("up v2 --wait stops at step 1 with one canary pod", async () => {
    const run = await story.velaOk(["up", "-f", exampleApp("header-ab-v2.yaml"), "--wait"]);
    expect(run.stdout).toContain("vela-ts workflow resume ab-demo-app");
    const pods = podsByTag(await story.pods());
    expect(pods.v1).toHaveLength(5);
    expect(pods.v2).toHaveLength(1);
  });

  it.each([
    { ...ANDROID, want: 1 },
    { ...PLAIN, want: 0 },
    { ...IPHONE, want: 0 },
    { ...CANARY_HEADER, want: 0 },
  ])("step 1: $name → $want of the requests on the canary", async ({ headers, want }) => {
    expect(await v2Share(headers)).toBe(want);
  });

  it("workflow resume --wait moves to step 2", async () => {
    await story.velaOk(["workflow", "resume", "ab-demo-app", "--wait"]);
    const rollout = await story.get({
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      name: "ab-demo-app",
      namespace: "default",
    });
    expect((rollout?.status as { canaryStatus?: unknown } | undefined)?.canaryStatus).toMatchObject({
      currentStepIndex: 2,
      currentStepState: "StepPaused",
    });
  });

  it.each([
    { ...CANARY_HEADER, want: 1 },
    { ...CANARY_FALSE, want: 0 },
    { ...ANDROID, want: 0 },
    { ...PLAIN, want: 0 },
  ])("step 2: $name → $want of the requests on the canary", async ({ headers, want }) => {
    expect(await v2Share(headers)).toBe(want);
  });

  it("workflow resume --wait finishes: every request on v2, the app running", async () => {
    const run = await story.velaOk(["workflow", "resume", "ab-demo-app", "--wait"]);
    expect(run.stdout).toContain("the workflow finished");
    for (const { headers } of [ANDROID, CANARY_HEADER, PLAIN]) expect(await v2Share(headers)).toBe(1);
    expect(Object.keys(podsByTag(await story.pods()))).toEqual(["v2"]);
    expect((await readApplication(story, "ab-demo-app"))?.status.status).toBe("running");
  });
});
