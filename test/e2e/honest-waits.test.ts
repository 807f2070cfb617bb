/**
 * `--wait` returns only when the workflow finished, failed or waits for a person; `--timeout D`
 * bounds it with an exit code of its own (5). And the things a real cluster gives that releases
 * wait on (a Service's cluster IP, an Ingress address) are there on the sandbox, so KubeVela's own
 * kruise-rollout example finishes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HAS_SHARED, SHARED_MISSING_REASON, sharedPath } from "../support/shared.js";
import { readApplication, storySandbox } from "../support/story.js";

const WAIT_FOR_FLAG = `apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata:
  name: wait-for-flag
spec:
  schematic:
    template:
      parameter:
        name: string
      actions: |
        - read: {apiVersion: v1, kind: ConfigMap, name: {{json parameter.name}}, as: flag}
        - wait:
            condition: "flag != null"
            message: {{json (concat "waiting for ConfigMap " parameter.name)}}
`;

const GATED_APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: gated
spec:
  components:
    - name: gated
      type: webservice
      properties: {image: nginx:1.25}
  workflow:
    steps:
      - {name: deploy, type: apply-component, properties: {component: gated}}
      - {name: flag, type: wait-for-flag, properties: {name: go-ahead}}
`;

describe("--wait and --timeout", () => {
  it("with nothing scheduled, --wait keeps looking until --timeout, then exits 5 (never 'in progress, re-run with --wait')", async () => {
    const story = await storySandbox({ charts: false });
    const definitions = join(story.cwd, "definitions");
    mkdirSync(definitions);
    writeFileSync(join(definitions, "wait-for-flag.yaml"), WAIT_FOR_FLAG);
    const file = join(story.cwd, "gated.yaml");
    writeFileSync(file, GATED_APP);
    const started = story.clock.now().getTime();
    const run = await story.vela(["up", "-f", file, "--definitions", definitions, "--wait", "--timeout", "90s"]);
    expect(run.code).toBe(5);
    expect(run.stdout).toContain("stopped waiting (--timeout passed); the release goes on");
    expect(run.stdout).not.toContain("re-run with --wait");
    expect(run.stderr).toContain("nothing scheduled");
    expect(story.clock.now().getTime() - started).toBeGreaterThanOrEqual(90_000);
    expect((await readApplication(story, "gated"))?.status.workflow?.steps?.[1]).toMatchObject({
      phase: "running",
      message: "waiting for ConfigMap go-ahead",
    });

    // Once someone provides what the step waits for, the next --wait finishes it (exit 0).
    writeFileSync(
      join(story.cwd, "flag.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: go-ahead, namespace: default}\ndata: {go: ahead}\n",
    );
    await story.velaOk(["sandbox", "apply", "-f", join(story.cwd, "flag.yaml")]);
    const resumed = await story.velaOk(["up", "-f", file, "--definitions", definitions, "--wait", "--timeout", "90s"]);
    expect(resumed.stdout).toContain("the workflow finished");
  });

  it("--timeout stops waiting at the deadline even when the next event is later (a slow pod), exit 5", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "slow.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: core.oam.dev/v1beta1",
        "kind: Application",
        "metadata:",
        "  name: slow",
        "spec:",
        "  components:",
        "    - name: slow",
        "      type: webservice",
        "      properties: {image: nginx:1.25}",
        "      traits:",
        "        - type: annotations",
        '          properties: {"sandbox.vela-ts.io/pod-ready-seconds": "600"}',
        "",
      ].join("\n"),
    );
    const started = story.clock.now().getTime();
    const run = await story.vela(["up", "-f", file, "--wait", "--timeout", "1m"]);
    expect(run.code).toBe(5);
    const waited = story.clock.now().getTime() - started;
    expect(waited).toBeGreaterThanOrEqual(60_000);
    expect(waited).toBeLessThan(600_000);
  });
});

describe.skipIf(!HAS_SHARED)(
  `KubeVela's kruise-rollout example (${HAS_SHARED ? "../shared" : SHARED_MISSING_REASON})`,
  () => {
    it("readme-canary-demo-v1 (webservice + scaler + gateway + kruise-rollout) finishes with up --wait", async () => {
      const story = await storySandbox({ charts: false });
      const run = await story.velaOk([
        "up",
        "-f",
        sharedPath("reference", "kubevela-examples", "kruise-rollout-webservice", "readme-canary-demo-v1.yaml"),
        "--wait",
      ]);
      expect(run.stdout).toContain("the workflow finished and every component is healthy");
      const service = await story.get({ apiVersion: "v1", kind: "Service", name: "canary-demo", namespace: "default" });
      expect((service?.spec as { clusterIP?: string }).clusterIP).toMatch(/^10\./);
      const status = await story.velaOk(["status", "canary-demo"]);
      expect(status.stdout).toContain("[ok] gateway: Visiting URL: canary-demo.com, IP: 172.18.255.200");
    });
  },
);
