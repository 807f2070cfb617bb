/**
 * Multi-stage dispatch on the sandbox: a `kruise-rollout` trait (PreDispatch) added in the same
 * apply as a new image — the Rollout is in place before the Deployment changes, so the release
 * pauses at its first step with one canary pod instead of rolling every pod at once.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectShare, podsByTag, readApplication, storySandbox, type StorySandbox } from "../support/story.js";

const HOST = "staged.example.com";
const REQUESTS = 10_000;

function appText(image: string, rollout: boolean): string {
  return [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata:",
    "  name: staged",
    "spec:",
    "  components:",
    "    - name: staged",
    "      type: webservice",
    "      properties:",
    `        image: ${image}`,
    "        port: 80",
    "      traits:",
    "        - type: scaler",
    "          properties: {replicas: 5}",
    "        - type: gateway",
    "          properties:",
    "            http: {/: 80}",
    `            domain: ${HOST}`,
    "            class: nginx",
    "            classInSpec: true",
    "            pathType: Prefix",
    ...(rollout
      ? [
          "        - type: kruise-rollout",
          "          properties:",
          "            canary:",
          "              steps:",
          "                - weight: 20",
          "                - weight: 90",
          "                - weight: 100",
          "              trafficRoutings:",
          "                - type: nginx",
        ]
      : []),
    "",
  ].join("\n");
}

function writeApp(story: StorySandbox, name: string, text: string): string {
  const file = join(story.cwd, name);
  writeFileSync(file, text);
  return file;
}

async function podCounts(story: StorySandbox): Promise<Record<string, number>> {
  return Object.fromEntries(Object.entries(podsByTag(await story.pods())).map(([tag, list]) => [tag, list.length]));
}

async function rolloutStep(story: StorySandbox): Promise<{ phase?: string; step?: number; state?: string }> {
  await story.velaOk(["status", "staged"]);
  const rollout = (await story.list("rollouts.kruise.io/v1alpha1", "Rollout"))[0];
  const status = rollout?.status as
    { phase?: string; canaryStatus?: { currentStepIndex?: number; currentStepState?: string } } | undefined;
  return {
    ...(status?.phase === undefined ? {} : { phase: status.phase }),
    ...(status?.canaryStatus?.currentStepIndex === undefined ? {} : { step: status.canaryStatus.currentStepIndex }),
    ...(status?.canaryStatus?.currentStepState === undefined ? {} : { state: status.canaryStatus.currentStepState }),
  };
}

async function untilPausedAt(story: StorySandbox, step: number): Promise<void> {
  for (let tick = 0; tick < 120; tick++) {
    const seen = await rolloutStep(story);
    if (seen.step === step && seen.state === "StepPaused") return;
    story.clock.advance(1000);
  }
  throw new Error(`the Rollout never paused at step ${step}: ${JSON.stringify(await rolloutStep(story))}`);
}

describe("a PreDispatch kruise-rollout trait added with a new image in one apply", () => {
  it("pauses at the first step with one canary pod, the stable pods untouched", { timeout: 180_000 }, async () => {
    const story = await storySandbox({ charts: false });
    await story.velaOk([
      "up",
      "-f",
      writeApp(story, "v1.yaml", appText("ghcr.io/vela-ts/demo-app:v1", false)),
      "--wait",
    ]);
    expect(await podCounts(story)).toEqual({ v1: 5 });
    const stable = (await story.pods()).map((pod) => pod.uid).sort();

    await story.velaOk(["up", "-f", writeApp(story, "v2.yaml", appText("ghcr.io/vela-ts/demo-app:v2", true))]);
    await untilPausedAt(story, 1);
    expect(await podCounts(story)).toEqual({ v1: 5, v2: 1 });
    const v1Pods = (await story.pods()).filter((pod) => pod.image.endsWith(":v1"));
    expect(v1Pods.map((pod) => pod.uid).sort()).toEqual(stable);
    expectShare(
      (await story.requestShares({ host: HOST, path: "/", count: REQUESTS })).count("v2"),
      REQUESTS,
      0.2,
      "step 1",
    );
    const waiting = await readApplication(story, "staged");
    expect(waiting?.status.workflow?.status).not.toBe("succeeded");

    await story.velaOk(["workflow", "resume", "staged"]);
    await untilPausedAt(story, 2);
    expectShare(
      (await story.requestShares({ host: HOST, path: "/", count: REQUESTS })).count("v2"),
      REQUESTS,
      0.9,
      "step 2",
    );
    // Through every pause until the app is released.
    await story.velaOk(["workflow", "resume", "staged", "--wait"]);
    const done = await readApplication(story, "staged");
    expect(done?.status.workflow?.status).toBe("succeeded");
    expect(await podCounts(story)).toEqual({ v2: 5 });
  });
});

/** A PostDispatch trait in KubeVela's `.cue` form: a ConfigMap recording the workload's live status. */
const STATUS_READER = `"status-reader": {
	type: "trait"
	description: "Records the workload's status in a ConfigMap once the workload is healthy"
	attributes: {
		stage: "PostDispatch"
		appliesToWorkloads: ["deployments.apps"]
	}
}
template: {
	outputs: statusconfig: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		metadata: name: context.name + "-status"
		data: {
			component: context.name
			if context.output.status != _|_ {
				if context.output.status.readyReplicas != _|_ {
					readyReplicas: "\\(context.output.status.readyReplicas)"
				}
			}
		}
	}
	parameter: {}
}
`;

describe("a PostDispatch trait", () => {
  it("is applied once the workload is healthy and reads its status", { timeout: 120_000 }, async () => {
    const story = await storySandbox({ charts: false });
    const definitions = join(story.cwd, "definitions");
    mkdirSync(definitions);
    writeFileSync(join(definitions, "status-reader.cue"), STATUS_READER);
    const file = writeApp(
      story,
      "reader.yaml",
      [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        "metadata:",
        "  name: reader",
        "spec:",
        "  components:",
        "    - name: reader",
        "      type: webservice",
        "      properties: {image: ghcr.io/vela-ts/demo-app:v1, port: 80}",
        "      traits:",
        "        - type: scaler",
        "          properties: {replicas: 3}",
        "        # The sandbox's pods become ready 30 s after they start.",
        "        - type: annotations",
        '          properties: {"sandbox.vela-ts.io/pod-ready-seconds": "30"}',
        "        - type: status-reader",
        "",
      ].join("\n"),
    );
    const defs = ["--definitions", definitions];
    const dry = await story.velaOk(["dry-run", "-f", file, ...defs]);
    expect(dry.stdout.match(/^# .*$/gm)).toEqual([
      "# Application(reader) -- Component(reader) -- Stage(DefaultDispatch)",
      "# Application(reader) -- Component(reader) -- Stage(PostDispatch)",
    ]);
    const configMap = { apiVersion: "v1", kind: "ConfigMap", name: "reader-status", namespace: "default" };
    // The workload is applied; its pods are not ready yet, so the ConfigMap waits.
    await story.velaOk(["up", "-f", file, ...defs]);
    expect(
      await story.get({ apiVersion: "apps/v1", kind: "Deployment", name: "reader", namespace: "default" }),
    ).toBeDefined();
    expect(await story.get(configMap)).toBeUndefined();
    const app = await readApplication(story, "reader");
    expect(JSON.stringify(app?.status.workflow?.steps ?? [])).toContain(
      "waiting for the DefaultDispatch stage before PostDispatch",
    );

    story.clock.advance(31_000);
    await story.velaOk(["up", "-f", file, ...defs, "--wait"]);
    const written = await story.get(configMap);
    expect(written?.data).toEqual({ component: "reader", readyReplicas: "3" });
    expect((await readApplication(story, "reader"))?.status.workflow?.status).toBe("succeeded");
  });
});
