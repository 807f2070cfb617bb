/**
 * Workflow steps built from `actions` (DESIGN §4) run at `up`: the bundled `apply-object` and
 * `read-object`, a user WorkflowStepDefinition given with `--definitions`, and the kruise-rollout
 * addon's `canary-deploy`. On the sandbox and over the Kubernetes API (`--kubeconfig`), and
 * re-entrant: a step that waits runs its actions again from the top on the next command.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli } from "../support/cli.js";
import { readApplication, storySandbox, type StorySandbox } from "../support/story.js";
import { runCliPolling, servedStory, type ServedStory } from "./http-support.js";

const WAIT_FOR_CONFIG = `apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata:
  name: wait-for-config
  annotations:
    definition.oam.dev/description: Wait until a ConfigMap says ready, then output one of its keys
spec:
  schematic:
    template:
      parameter:
        # +usage=the ConfigMap to watch
        name: string
        # +usage=the key to output
        key: string
      actions: |
        - read:
            apiVersion: v1
            kind: ConfigMap
            name: {{json parameter.name}}
            as: config
        - wait:
            condition: 'config != null && has(config.data) && has(config.data.ready) && config.data.ready == "yes"'
            message: {{json (concat "waiting for ConfigMap " parameter.name " to be ready")}}
        - output:
            name: value
            valueFrom: config.data[parameter.key]
`;

function actionsApp(name: string): string {
  return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: ${name}
spec:
  components:
    - name: ${name}
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: ${name}-base}
            data: {role: base}
  workflow:
    steps:
      - name: deploy
        type: apply-component
        properties: {component: ${name}}
      - name: write-settings
        type: apply-object
        properties:
          value:
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ${name}-settings}
            data: {colour: blue, ready: "no"}
      - name: read-settings
        type: read-object
        properties: {apiVersion: v1, kind: ConfigMap, name: ${name}-settings}
        outputs:
          - name: colour
            valueFrom: value.data.colour
      - name: wait-ready
        type: wait-for-config
        properties: {name: ${name}-flag, key: colour}
        outputs:
          - name: flagged
            valueFrom: value
`;
}

const FLAG = (name: string, colour: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-flag
  namespace: default
data:
  ready: "yes"
  colour: ${colour}
`;

interface Files {
  readonly app: string;
  readonly definitions: string;
  readonly flag: string;
}

function writeFiles(dir: string, name: string): Files {
  const definitions = join(dir, "definitions");
  mkdirSync(definitions, { recursive: true });
  writeFileSync(join(definitions, "wait-for-config.yaml"), WAIT_FOR_CONFIG);
  const app = join(dir, `${name}.yaml`);
  writeFileSync(app, actionsApp(name));
  const flag = join(dir, `${name}-flag.yaml`);
  writeFileSync(flag, FLAG(name, "green"));
  return { app, definitions, flag };
}

function configMap(story: StorySandbox, name: string): Promise<KubeObject | undefined> {
  return story.get({ apiVersion: "v1", kind: "ConfigMap", name, namespace: "default" });
}

describe("action steps on the sandbox", () => {
  let story: StorySandbox;
  let files: Files;

  beforeAll(async () => {
    story = await storySandbox({ charts: false });
    files = writeFiles(story.cwd, "settings");
  });

  it("def list, def vet and dry-run accept them", async () => {
    const list = await runCli(["def", "list", "-t", "workflow-step", "--definitions", files.definitions]);
    expect(list.code, list.stderr).toBe(0);
    for (const name of ["apply-object", "read-object", "wait-for-config", "canary-deploy"])
      expect(list.stdout).toContain(name);
    const vet = await runCli(["def", "vet", join(files.definitions, "wait-for-config.yaml")]);
    expect(vet.code, vet.stderr).toBe(0);
    const dryRun = await runCli(["dry-run", "-f", files.app, "--definitions", files.definitions]);
    expect(dryRun.code, dryRun.stderr).toBe(0);
  });

  it("up runs apply-object and read-object, and waits in the user step (not 'step type is not defined')", async () => {
    const up = await story.velaOk(["up", "-f", files.app, "--definitions", files.definitions]);
    expect(up.stdout).not.toContain("is not defined");
    const app = await readApplication(story, "settings");
    expect(app?.status.workflow?.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["deploy", "succeeded"],
      ["write-settings", "succeeded"],
      ["read-settings", "succeeded"],
      ["wait-ready", "running"],
    ]);
    expect(app?.status.workflow?.steps?.[3]?.message).toBe("waiting for ConfigMap settings-flag to be ready");
    expect((await configMap(story, "settings-settings"))?.data).toEqual({ colour: "blue", ready: "no" });
    const vars = ((app?.object.status as { workflow?: { context?: { vars?: unknown } } }).workflow?.context?.vars ??
      {}) as Record<string, unknown>;
    expect(vars.colour).toBe("blue");
  });

  it("is re-entrant: the next command runs the waiting step's actions again from the top and it finishes", async () => {
    await story.velaOk(["sandbox", "apply", "-f", files.flag]);
    const up = await story.velaOk(["up", "-f", files.app, "--definitions", files.definitions, "--wait"]);
    expect(up.stdout).toContain("the workflow finished");
    const app = await readApplication(story, "settings");
    expect(app?.status.workflow?.status).toBe("succeeded");
    const vars = ((app?.object.status as { workflow?: { context?: { vars?: unknown } } }).workflow?.context?.vars ??
      {}) as Record<string, unknown>;
    expect(vars).toMatchObject({ colour: "blue", flagged: "green" });
  });

  it("delete removes what the steps applied, not the ConfigMap someone else applied", async () => {
    const deleted = await story.velaOk(["delete", "settings"]);
    expect(deleted.stdout).toContain("ConfigMap/default/settings-settings deleted");
    expect(await configMap(story, "settings-settings")).toBeUndefined();
    expect(await configMap(story, "settings-base")).toBeUndefined();
    expect(await configMap(story, "settings-flag")).toBeDefined();
  });
});

describe("canary-deploy (kruise-rollout addon): the release progression written in the workflow", () => {
  function release(image: string, workflow: boolean): string {
    return [
      "apiVersion: core.oam.dev/v1beta1",
      "kind: Application",
      "metadata:",
      "  name: stepped",
      "spec:",
      "  components:",
      "    - name: stepped",
      "      type: webservice",
      `      properties: {image: "${image}"}`,
      "      traits:",
      "        - type: scaler",
      "          properties: {replicas: 5}",
      ...(workflow
        ? [
            "  workflow:",
            "    steps:",
            "      - {name: rollout-20, type: canary-deploy, properties: {weight: 20, rolloutType: canary}}",
            "      - {name: approve, type: suspend}",
            "      - {name: rollout-100, type: canary-deploy, properties: {weight: 100, rolloutType: canary}}",
          ]
        : []),
      "",
    ].join("\n");
  }

  it("20% of the pods, suspend, then all: each step waits until its Rollout reached it", async () => {
    const story = await storySandbox({ charts: false });
    const v1 = join(story.cwd, "stepped-v1.yaml");
    const v2 = join(story.cwd, "stepped-v2.yaml");
    writeFileSync(v1, release("nginx:1.25", false));
    writeFileSync(v2, release("nginx:1.26", true));
    await story.velaOk(["up", "-f", v1, "--wait"]);
    const up = await story.velaOk(["up", "-f", v2, "--wait"]);
    expect(up.stdout).toContain("step rollout-20 [canary-deploy]: succeeded");
    expect(up.stdout).toContain("vela-ts workflow resume stepped");
    const at20 = await story.pods();
    expect(at20.filter((pod) => pod.image === "nginx:1.26")).toHaveLength(1);
    expect(at20.filter((pod) => pod.image === "nginx:1.25")).toHaveLength(5);

    const resume = await story.velaOk(["workflow", "resume", "stepped", "--wait"]);
    expect(resume.stdout).toContain("the workflow finished");
    const done = await story.pods();
    expect(done.map((pod) => pod.image)).toEqual(Array(5).fill("nginx:1.26"));
    expect((await readApplication(story, "stepped"))?.status.workflow?.status).toBe("succeeded");
  });
});

describe("action steps over the Kubernetes API (--kubeconfig)", () => {
  const clock = new FakeClock();
  let served: ServedStory;
  let files: Files;

  beforeAll(async () => {
    served = await servedStory(clock, 10);
    files = writeFiles(join(served.dir, ".."), "remote");
  });

  afterAll(async () => {
    await served.close();
  });

  it("runs apply-object, read-object and the user step against the served API", async () => {
    const kube = ["--kubeconfig", served.kubeconfig, "--definitions", files.definitions];
    const first = await runCliPolling(["up", "-f", files.app, ...kube], clock);
    expect(first.code, first.stderr).toBe(0);
    expect(
      served.serving.cluster.store.get({
        apiVersion: "v1",
        kind: "ConfigMap",
        name: "remote-settings",
        namespace: "default",
      })?.data,
    ).toEqual({ colour: "blue", ready: "no" });

    // Someone else marks the ConfigMap ready (through the API, as kubectl would).
    await served.serving.cluster.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "remote-flag", namespace: "default" },
      data: { ready: "yes", colour: "green" },
    });
    const done = await runCliPolling(["up", "-f", files.app, ...kube, "--wait", "--timeout", "5m"], clock);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain("the workflow finished");
  });
});
