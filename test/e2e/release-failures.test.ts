/**
 * The release commands' failure paths (issue 5 acceptance), in-process on a fake clock: clear errors
 * that say what to do, exit codes of STYLE §6, nothing written on bad input, a step that fails and
 * then recovers with backoff, and terminate → restart.
 */
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APPLICATION_API,
  exampleApp,
  readApplication,
  readRevisions,
  storySandbox,
  type StorySandbox,
  applicationHead,
} from "../support/story.js";

/** A webservice app with the given workflow steps (YAML lines indented under `workflow:`). */
function webApp(name: string, image: string, workflowSteps?: string): string {
  return [
    ...applicationHead(name),
    `    - name: ${name}`,
    "      type: webservice",
    "      properties:",
    `        image: ${image}`,
    ...(workflowSteps === undefined ? [] : ["  workflow:", "    steps:", workflowSteps]),
    "",
  ].join("\n");
}

function writeApp(story: StorySandbox, file: string, text: string): string {
  const path = join(story.cwd, file);
  writeFileSync(path, text);
  return path;
}

describe("workflow commands refuse clearly when the app is not in a state for them", () => {
  let story: StorySandbox;

  beforeAll(async () => {
    story = await storySandbox();
    await story.velaOk(["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]);
  });

  it("resume on a finished (not suspended) app: exit 1, says it is not suspended", async () => {
    const run = await story.vela(["workflow", "resume", "demo-app"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error\[E_WORKFLOW_NOT_SUSPENDED\]: workflow demo-app is not suspended/);
    expect(run.stderr).toContain("hint: it has finished");
  });

  it("rollback with no earlier succeeded revision: exit 1, names the app and points at revision list", async () => {
    const run = await story.vela(["workflow", "rollback", "demo-app"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error\[E_NO_ROLLBACK_TARGET\]: .*demo-app/);
    expect(run.stderr).toContain("vela-ts revision list demo-app");
    expect((await readApplication(story, "demo-app"))?.status.latestRevision?.name).toBe("demo-app-v1");
  });

  it("rollback --revision N that does not exist: exit 1, nothing changed", async () => {
    const before = await story.resourceVersion();
    const run = await story.vela(["workflow", "rollback", "demo-app", "--revision", "7"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error\[E_REVISION_NOT_FOUND\]: .*7/);
    expect(await story.resourceVersion()).toBe(before);
  });

  it("rollback --revision that is not a number is a usage error (exit 2)", async () => {
    const run = await story.vela(["workflow", "rollback", "demo-app", "--revision", "latest"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--revision latest is not a revision number");
  });

  it("workflow commands on an app that does not exist: exit 1, not found", async () => {
    const run = await story.vela(["workflow", "resume", "no-such-app"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error\[E_APP_NOT_FOUND\]: .*no-such-app/);
    expect(run.stderr).toContain("vela-ts up -f");
  });

  it("rollback while the workflow actively runs (the canary at step 1): refused with the hint to suspend first, nothing changed", async () => {
    await story.velaOk(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
    const before = await story.resourceVersion();
    const run = await story.vela(["workflow", "rollback", "demo-app"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error[E_WORKFLOW_RUNNING]");
    expect(run.stderr).toContain("vela-ts workflow suspend demo-app");
    expect(await story.resourceVersion()).toBe(before);
    expect((await readApplication(story, "demo-app"))?.status.latestRevision?.name).toBe("demo-app-v2");
  });
});

describe("a terminated canary release stays stopped", () => {
  it("terminate at step 1, then resume: refused with the restart hint, and the Rollout is not approved", async () => {
    const story = await storySandbox();
    await story.velaOk(["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]);
    await story.velaOk(["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]);
    await story.velaOk(["workflow", "terminate", "demo-app"]);
    const rolloutRef = {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      name: "demo-app",
      namespace: "default",
    };
    const before = (await story.get(rolloutRef))?.status;

    const resume = await story.vela(["workflow", "resume", "demo-app"]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain("error[E_WORKFLOW_TERMINATED]");
    expect(resume.stderr).toContain("vela-ts workflow restart demo-app");
    expect((await story.get(rolloutRef))?.status).toEqual(before);
    expect((before as { canaryStatus?: unknown } | undefined)?.canaryStatus).toMatchObject({
      currentStepIndex: 1,
      currentStepState: "StepPaused",
    });

    const restart = await story.velaOk(["workflow", "restart", "demo-app", "--wait"]);
    expect(restart.stdout).toContain("step(1/2)");
    expect((await readApplication(story, "demo-app"))?.status.workflow?.terminated).toBe(false);
  });
});

describe("up with bad input writes nothing (exit 1)", () => {
  let story: StorySandbox;

  beforeAll(async () => {
    story = await storySandbox({ charts: false });
  });

  it.each([
    {
      name: "an unknown trait (with a did-you-mean hint)",
      text: webApp("bad-trait", "nginx:1.25").replace(
        "        image: nginx:1.25\n",
        "        image: nginx:1.25\n      traits:\n        - type: scalr\n          properties: {replicas: 2}\n",
      ),
      code: "E_DEF_NOT_FOUND",
      where: /bad-trait\.yaml:\d+:\d+/,
      hint: "scaler",
    },
    {
      name: "a YAML syntax error",
      text:
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: bad-yaml\nspec:\n  components:\n" +
        "    - name: x\n      type: webservice\n     properties: {image: nginx}\n",
      code: "E_YAML",
      where: /bad-yaml\.yaml:\d+:\d+/,
      hint: undefined,
    },
    {
      name: "a cycle in component dependsOn (named, at its line; before, the app was stored and the first reconcile failed)",
      text: [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        "metadata:",
        "  name: bad-cycle",
        "spec:",
        "  components:",
        "    - {name: a, type: webservice, dependsOn: [b], properties: {image: nginx}}",
        "    - {name: b, type: webservice, dependsOn: [a], properties: {image: nginx}}",
        "",
      ].join("\n"),
      code: "E_COMPONENT_CYCLE",
      where: /bad-cycle\.yaml:7:\d+/,
      hint: "a → b → a",
    },
    {
      name: "a cycle in the declared workflow's dependsOn",
      text: webApp(
        "bad-steps",
        "nginx:1.25",
        [
          "      - {name: one, type: apply-component, dependsOn: [two], properties: {component: bad-steps}}",
          "      - {name: two, type: apply-component, dependsOn: [one], properties: {component: bad-steps}}",
        ].join("\n"),
      ),
      code: "E_WORKFLOW_CYCLE",
      where: /bad-steps\.yaml:\d+:\d+/,
      hint: "one → two → one",
    },
    {
      name: "a topology naming a cluster that is not joined",
      text: [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        "metadata:",
        "  name: bad-placement",
        "spec:",
        "  components:",
        "    - {name: bad-placement, type: webservice, properties: {image: nginx}}",
        "  policies:",
        "    - {name: prod, type: topology, properties: {clusters: [local, eu-west], namespace: prod}}",
        "  workflow:",
        "    steps:",
        "      - {name: deploy-prod, type: deploy, properties: {policies: [prod]}}",
        "",
      ].join("\n"),
      code: "E_POLICY_INVALID",
      where: /bad-placement\.yaml:9:\d+/,
      hint: "known clusters: local",
    },
    {
      name: "a parameter of the wrong type",
      text: webApp("bad-param", "nginx:1.25").replace("        image: nginx:1.25\n", "        image: 42\n"),
      code: "E_PARAM_INVALID",
      where: /bad-param\.yaml:\d+:\d+/,
      hint: undefined,
    },
  ])("$name → exit 1, file:line:col, no Application stored", async ({ name, text, code, where, hint }) => {
    const appName = /name: (bad-[a-z-]+)/.exec(text)?.[1] ?? name;
    const file = writeApp(story, `${appName}.yaml`, text);
    const before = await story.resourceVersion();
    const run = await story.vela(["up", "-f", file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`error[${code}]`);
    expect(run.stderr).toMatch(where);
    if (hint !== undefined) expect(run.stderr).toContain(hint);
    expect(
      await story.get({ apiVersion: APPLICATION_API, kind: "Application", name: appName, namespace: "default" }),
    ).toBeUndefined();
    expect(await story.list(APPLICATION_API, "Application")).toEqual([]);
    expect(await story.resourceVersion()).toBe(before);
  });

  it("a file with a good and a bad app stores neither", async () => {
    const text = `${webApp("good-one", "nginx:1.25")}---\n${webApp("bad-two", "nginx:1.25").replace("type: webservice", "type: webservise")}`;
    const run = await story.vela(["up", "-f", writeApp(story, "two.yaml", text)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("webservice");
    expect(await story.list(APPLICATION_API, "Application")).toEqual([]);
  });

  it("a missing file is exit 1 with a hint", async () => {
    const run = await story.vela(["up", "-f", "nope.yaml"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error[E_FILE_NOT_FOUND]");
  });
});

describe("a step that fails and then recovers (notification to a 127.0.0.1 webhook that fails twice)", () => {
  let server: Server;
  let url = "";
  const received: { readonly status: number; readonly body: string }[] = [];
  let failuresLeft = 2;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        const status = failuresLeft > 0 ? 503 : 200;
        failuresLeft -= 1;
        received.push({ status, body });
        response.writeHead(status, { "content-type": "text/plain" });
        response.end(status === 200 ? "ok" : "try later");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("up --wait retries with backoff on the fake clock and succeeds on the third attempt", async () => {
    const story = await storySandbox({ charts: false });
    const steps = [
      "      - name: deploy-web",
      "        type: apply-component",
      "        properties: {component: notified}",
      "      - name: tell-the-team",
      "        type: notification",
      "        properties:",
      "          slack:",
      `            url: {value: "${url}"}`,
      "            message: {text: notified is out}",
    ].join("\n");
    const file = writeApp(story, "notified.yaml", webApp("notified", "nginx:1.25", steps));
    const started = story.clock.now().getTime();
    const run = await story.velaOk(["up", "-f", file, "--wait"]);
    expect(run.stdout).toContain("the workflow finished");
    expect(received.map((entry) => entry.status)).toEqual([503, 503, 200]);
    expect(
      received.every(
        (entry) => (JSON.parse(entry.body) as unknown) !== undefined && entry.body.includes("notified is out"),
      ),
    ).toBe(true);
    // The retries waited on the (fake) clock: backoff, not a busy loop.
    expect(story.clock.now().getTime()).toBeGreaterThan(started);
    const app = await readApplication(story, "notified");
    expect(app?.status.workflow?.status).toBe("succeeded");
    expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["deploy-web", "succeeded"],
      ["tell-the-team", "succeeded"],
    ]);
  });
});

describe("terminate, then restart", () => {
  const terminateThenRestart =
    "a suspended workflow is terminated (exit 0: it did what was asked; resume then refuses), " +
    "then restart runs it again from the first step";
  it(terminateThenRestart, async () => {
    const story = await storySandbox({ charts: false });
    const steps = [
      "      - name: first",
      "        type: apply-component",
      "        properties: {component: gated}",
      "      - name: gate",
      "        type: suspend",
      "        properties: {message: approve the release}",
    ].join("\n");
    const file = writeApp(story, "gated.yaml", webApp("gated", "nginx:1.25", steps));
    const up = await story.velaOk(["up", "-f", file, "--wait"]);
    expect(up.stdout).toContain("vela-ts workflow resume gated");
    expect((await readApplication(story, "gated"))?.status.workflow?.suspend).toBe(true);

    const terminate = await story.velaOk(["workflow", "terminate", "gated"]);
    expect(terminate.stdout).toContain("workflowTerminated");
    const terminated = await readApplication(story, "gated");
    expect(terminated?.status.workflow?.terminated).toBe(true);
    expect(terminated?.status.workflow?.status).toBe("terminated");
    expect(terminated?.status.status).toBe("workflowTerminated");

    const resume = await story.vela(["workflow", "resume", "gated"]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain("restart");

    const restart = await story.velaOk(["workflow", "restart", "gated", "--wait"]);
    expect(restart.stdout).toContain("vela-ts workflow resume gated");
    const restarted = await readApplication(story, "gated");
    expect(restarted?.status.workflow?.terminated).toBe(false);
    expect(restarted?.status.workflow?.suspend).toBe(true);
    expect(restarted?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["first", "succeeded"],
      ["gate", "suspending"],
    ]);

    const resumed = await story.velaOk(["workflow", "resume", "gated", "--wait"]);
    expect(resumed.stdout).toContain("the workflow finished");
    expect((await readApplication(story, "gated"))?.status.workflow?.status).toBe("succeeded");
    expect((await readRevisions(story, "gated")).map((revision) => revision.metadata.name)).toEqual(["gated-v1"]);
  });
});
