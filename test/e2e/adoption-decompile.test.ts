/**
 * The adoption story to its end, on the sandbox from the CLI: a running Deployment + Service +
 * Ingress adopted with `ref-objects` (no restart), scaled through a trait, decompiled by
 * `adopt --decompile` into a `webservice` component with traits, the proposal applied (no restart:
 * same pod uids), then a new image released as a Kruise Rollout canary. And the refusal: a
 * Deployment whose pod template no definition reproduces is not proposed without `--accept-restart`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

interface Box {
  readonly dir: string;
  vela(argv: readonly string[]): Promise<CliRun>;
  file(name: string, text: string): string;
}

function newSandbox(): Box {
  const dir = tempDir();
  const clock = new FakeClock();
  return {
    dir,
    vela: (argv) => runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT, clock }),
    file: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

interface Pod {
  metadata: { name: string; uid: string };
  spec: { containers: { image: string }[] };
}

async function pods(box: Box): Promise<Pod[]> {
  const run = await box.vela(["sandbox", "get", "pods", "-o", "json"]);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { items: Pod[] }).items;
}

async function podUids(box: Box): Promise<string[]> {
  return (await pods(box)).map((pod) => pod.metadata.uid).sort();
}

async function ok(box: Box, argv: readonly string[]): Promise<CliRun> {
  const run = await box.vela(argv);
  expect(run.code, `${argv.join(" ")}\n${run.stdout}\n${run.stderr}`).toBe(0);
  return run;
}

const example = (name: string): string => join("examples", "adoption", name);
/** An example file without its leading comment: what a command prints. */
const exampleBody = (name: string): string => {
  const text = readFileSync(join(PROJECT_ROOT, example(name)), "utf8");
  return text.slice(text.indexOf("apiVersion:"));
};

describe("adopt --decompile", () => {
  it("adopts, scales, decompiles and applies the proposal without a restart, then releases a canary", async () => {
    const box = newSandbox();
    await ok(box, ["sandbox", "apply", "-f", example("legacy.yaml")]);
    const started = await podUids(box);
    expect(started).toHaveLength(2);

    await ok(box, ["up", "-f", example("legacy-app.yaml"), "--wait"]);
    expect(await podUids(box)).toEqual(started);
    await ok(box, ["up", "-f", example("legacy-app-scaled.yaml"), "--wait"]);
    const scaled = await podUids(box);
    expect(scaled).toHaveLength(4);
    expect(scaled).toEqual(expect.arrayContaining(started));

    const decompiled = await ok(box, [
      "adopt",
      "deployment/legacy-api",
      "service/legacy-api",
      "ingress/legacy-api",
      "--decompile",
      "--app",
      "legacy",
    ]);
    expect(decompiled.stdout).toBe(exampleBody("legacy-decompiled.yaml"));
    // The gateway names the Service's port; nothing of the pod template differs.
    expect(decompiled.stderr).toContain("no pod template among them: no pod restarts");
    expect(decompiled.stderr).toContain('Service default/legacy-api spec.ports[0].name: (none) → "port-80"');

    await ok(box, ["up", "-f", example("legacy-decompiled.yaml"), "--wait"]);
    expect(await podUids(box)).toEqual(scaled);
    const tree = await ok(box, ["status", "legacy", "--tree"]);
    expect(tree.stdout).toContain("Ingress/legacy-api");
    await ok(box, ["up", "-f", example("legacy-rollout.yaml"), "--wait"]);
    expect(await podUids(box)).toEqual(scaled);

    const canary = await box.vela(["up", "-f", example("legacy-canary.yaml"), "--wait"]);
    expect(canary.code).toBe(0);
    expect(canary.stdout).toContain("you need manually confirm to enter the next step");
    const during = await pods(box);
    // The four pods of the stable version keep running; one canary pod runs the new image.
    expect(during.map((pod) => pod.metadata.uid)).toEqual(expect.arrayContaining(scaled));
    expect(during.filter((pod) => pod.spec.containers[0]?.image === "nginx:1.26")).toHaveLength(1);

    await ok(box, ["workflow", "resume", "legacy"]);
    await ok(box, ["up", "-f", example("legacy-canary.yaml"), "--wait"]);
    const released = await pods(box);
    expect(released.length).toBeGreaterThanOrEqual(4);
    expect(released.every((pod) => pod.spec.containers[0]?.image === "nginx:1.26")).toBe(true);
  });

  it("decompiles seed 002's demo-app into a node-label-affinity trait and a scaler", async () => {
    const box = newSandbox();
    await ok(box, ["sandbox", "apply", "-f", box.file("demo.yaml", DEMO_APP)]);
    const run = await ok(box, ["adopt", "deploy/demo-app", "--decompile"]);
    expect(run.stdout).toContain(`      traits:
        - type: node-label-affinity
          properties:
            isRequired: true
            labels:
              area: east
        - type: scaler
          properties:
            replicas: 3
`);
    expect(run.stderr).toContain("applying it changes nothing and restarts no pod");
  });

  it("keeps an object no rule describes adopted in a ref-objects component, so applying does not delete it", async () => {
    const box = newSandbox();
    const config =
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo-config, namespace: default}\ndata: {a: b}\n";
    await ok(box, ["sandbox", "apply", "-f", box.file("demo.yaml", DEMO_APP + config)]);
    const objects = ["deploy/demo-app", "configmap/demo-config"];
    await ok(box, ["adopt", ...objects, "--mode", "take-over", "-o", join(box.dir, "a.yaml")]);
    const uids = await podUids(box);
    const run = await ok(box, ["adopt", ...objects, "--decompile", "-o", join(box.dir, "b.yaml")]);
    expect(run.stderr).toContain("no decompile rule describes ConfigMap demo-config: it stays adopted as it is");
    const decompiled = readFileSync(join(box.dir, "b.yaml"), "utf8");
    expect(decompiled).toContain(`    - name: demo-app-objects
      type: ref-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            name: demo-config
`);
    await ok(box, ["up", "-f", join(box.dir, "a.yaml"), "--wait"]);
    await ok(box, ["up", "-f", join(box.dir, "b.yaml"), "--wait"]);
    expect((await box.vela(["sandbox", "get", "configmap", "demo-config", "-o", "json"])).code).toBe(0);
    expect(await podUids(box)).toEqual(uids);
  });

  it("refuses a proposal that would restart the pods unless --accept-restart, naming the fields", async () => {
    const box = newSandbox();
    const withFieldRef = DEMO_APP.replace(
      "image: demo:v1",
      "image: demo:v1\n          env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]",
    );
    await ok(box, ["sandbox", "apply", "-f", box.file("demo.yaml", withFieldRef)]);
    const refused = await box.vela(["adopt", "deploy/demo-app", "--decompile", "-o", "app.yaml"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("spec.template.spec.containers[0].env");
    expect(refused.stderr).toContain("(pod template)");
    expect(refused.stderr).toContain("E_ADOPT_RESTART");
    expect(refused.stderr).toContain("--accept-restart");

    const misplaced = await box.vela(["adopt", "deploy/demo-app", "--accept-restart"]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain("--accept-restart goes with --decompile");

    const accepted = await ok(box, ["adopt", "deploy/demo-app", "--decompile", "--accept-restart"]);
    expect(accepted.stdout).toContain("type: webservice");
  });
});

const DEMO_APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo-app
  namespace: default
spec:
  replicas: 3
  selector: {matchLabels: {app: demo-app}}
  template:
    metadata: {labels: {app: demo-app}}
    spec:
      containers:
        - name: demo-app
          image: demo:v1
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions: [{key: area, operator: In, values: [east]}]
`;
