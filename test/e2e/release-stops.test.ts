/**
 * Nothing ships past a stop (DESIGN §6): resources are applied only by steps, so a run that failed,
 * was terminated or skipped a step never applies what its unrun steps would have — not during the
 * run, and not afterwards when later commands (`up` again, `status`) keep the app's state.
 */
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube-object.js";
import { readApplication, storySandbox, type StorySandbox } from "../support/story.js";

function writeApp(story: StorySandbox, file: string, text: string): string {
  const path = join(story.cwd, file);
  writeFileSync(path, text);
  return path;
}

function deployment(story: StorySandbox, name: string): Promise<KubeObject | undefined> {
  return story.get({ apiVersion: "apps/v1", kind: "Deployment", name, namespace: "default" });
}

function imageOf(object: KubeObject | undefined): string | undefined {
  const spec = object?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
  return spec?.template?.spec?.containers?.[0]?.image;
}

describe("a failed step before the deploy step", () => {
  let server: Server;
  let url = "";

  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(500, { "content-type": "text/plain" });
      response.end("down");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("applies nothing: not when the run fails, not on a later up, not on status", async () => {
    const story = await storySandbox({ charts: false });
    const file = writeApp(
      story,
      "guarded.yaml",
      [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        "metadata:",
        "  name: guarded",
        "spec:",
        "  components:",
        "    - name: guarded",
        "      type: webservice",
        "      properties:",
        "        image: nginx:1.25",
        "  workflow:",
        "    steps:",
        "      - name: announce",
        "        type: notification",
        "        properties:",
        `          webhook: {url: "${url}", message: {text: releasing}}`,
        "      - name: deploy",
        "        type: apply-component",
        "        properties: {component: guarded}",
        "",
      ].join("\n"),
    );
    const up = await story.velaOk(["up", "-f", file, "--wait"], 3);
    expect(up.stdout).toContain("the workflow failed");
    const app = await readApplication(story, "guarded");
    expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["announce", "failed"],
      ["deploy", "skipped"],
    ]);
    expect(await deployment(story, "guarded")).toBeUndefined();

    await story.velaOk(["up", "-f", file], 3);
    await story.velaOk(["status", "guarded"]);
    story.clock.advance(10 * 60_000);
    await story.velaOk(["status", "guarded"]);
    expect(await deployment(story, "guarded")).toBeUndefined();
    expect(await story.pods()).toEqual([]);
  });
});

describe("a skipped step", () => {
  it("applies nothing, also after the run ended, while the steps that ran keep their objects", async () => {
    const story = await storySandbox({ charts: false });
    const file = writeApp(
      story,
      "partial.yaml",
      [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        "metadata:",
        "  name: partial",
        "spec:",
        "  components:",
        "    - name: api",
        "      type: webservice",
        "      properties: {image: nginx:1.25}",
        "    - name: extra",
        "      type: webservice",
        "      properties: {image: nginx:1.25}",
        "  workflow:",
        "    steps:",
        "      - name: deploy-api",
        "        type: apply-component",
        "        properties: {component: api}",
        "      - name: deploy-extra",
        "        type: apply-component",
        '        if: "false"',
        "        properties: {component: extra}",
        "",
      ].join("\n"),
    );
    await story.velaOk(["up", "-f", file, "--wait"]);
    const app = await readApplication(story, "partial");
    expect(app?.status.workflow?.status).toBe("succeeded");
    expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["deploy-api", "succeeded"],
      ["deploy-extra", "skipped"],
    ]);
    await story.velaOk(["up", "-f", file]);
    await story.velaOk(["status", "partial"]);
    expect(imageOf(await deployment(story, "api"))).toBe("nginx:1.25");
    expect(await deployment(story, "extra")).toBeUndefined();
  });
});

describe("terminate while a Kruise Rollout waits at a timed step", () => {
  /** `api` goes out through a Rollout (1 pod for 60 s, then 2 pods, then approval), `worker` after it. */
  function release(image: string): string {
    return [
      "apiVersion: core.oam.dev/v1beta1",
      "kind: Application",
      "metadata:",
      "  name: pair",
      "spec:",
      "  components:",
      "    - name: api",
      "      type: webservice",
      `      properties: {image: "${image}"}`,
      "      traits:",
      "        - type: scaler",
      "          properties: {replicas: 4}",
      "        - type: kruise-rollout",
      "          properties:",
      "            canary:",
      "              steps:",
      "                - {replicas: 1, duration: 60}",
      "                - {replicas: 2}",
      "    - name: worker",
      "      type: webservice",
      `      properties: {image: "${image}"}`,
      "  workflow:",
      "    steps:",
      "      - name: deploy-api",
      "        type: apply-component",
      "        properties: {component: api}",
      "      - name: deploy-worker",
      "        type: apply-component",
      "        properties: {component: worker}",
      "",
    ].join("\n");
  }

  it("ships nothing more: the next component stays at v1 and the Rollout stays paused where it is", async () => {
    const story = await storySandbox({ charts: false });
    await story.velaOk(["up", "-f", writeApp(story, "pair-v1.yaml", release("nginx:1.25")), "--wait"]);
    const v2 = writeApp(story, "pair-v2.yaml", release("nginx:1.26"));
    await story.velaOk(["up", "-f", v2]);
    // Initializing and the grace periods pass: the Rollout reaches its first, timed step.
    story.clock.advance(10_000);
    await story.velaOk(["status", "pair"]);
    const rolloutRef = {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      name: "api",
      namespace: "default",
    };
    const atStep = (await story.get(rolloutRef))?.status as { canaryStatus?: Record<string, unknown> } | undefined;
    expect(atStep?.canaryStatus).toMatchObject({ currentStepIndex: 1, currentStepState: "StepPaused" });

    const terminate = await story.velaOk(["workflow", "terminate", "pair"]);
    expect(terminate.stdout).toContain("Rollout default/api paused where it is");
    // The 60 s of the step pass, and more commands keep the app's state.
    story.clock.advance(5 * 60_000);
    await story.velaOk(["up", "-f", v2], 3);
    const status = await story.velaOk(["status", "pair"]);
    expect(status.stdout).toContain("Paused (workflow terminated)");
    expect(status.stdout).toContain("vela-ts workflow restart pair");
    expect(status.stdout).not.toContain("approve the next step");

    expect(imageOf(await deployment(story, "worker"))).toBe("nginx:1.25");
    const rollout = await story.get(rolloutRef);
    expect((rollout?.spec as { strategy?: { paused?: boolean } }).strategy?.paused).toBe(true);
    expect((rollout?.status as { canaryStatus?: Record<string, unknown> }).canaryStatus).toMatchObject({
      currentStepIndex: 1,
    });
    const pods = await story.pods();
    expect(pods.filter((pod) => pod.name.startsWith("api-") && pod.image === "nginx:1.26")).toHaveLength(1);
    expect(pods.filter((pod) => pod.name.startsWith("api-") && pod.image === "nginx:1.25")).toHaveLength(4);

    // restart unpauses the Rollout and runs the release again from the first step.
    const restart = await story.velaOk(["workflow", "restart", "pair"]);
    expect(restart.stdout).toContain("Rollout default/api resumed.");
    expect(((await story.get(rolloutRef))?.spec as { strategy?: { paused?: boolean } }).strategy?.paused).toBe(false);
  });
});
