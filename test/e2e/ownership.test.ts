/**
 * One owner per object, as KubeVela's `MustBeControlledByApp`: a second application rendering an
 * object another one manages is refused before anything of its step is written, in the hub and in a
 * member cluster (the message names the cluster), unless `shared-resource` or `take-over` selects it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/shared.js";
import { storyAt, storySandbox, type StorySandbox, applicationHead } from "../support/story.js";

function placedApp(name: string, options: { image?: string; takeOver?: boolean } = {}): string {
  return [
    ...applicationHead(name),
    "    - name: web",
    "      type: webservice",
    `      properties: {image: "${options.image ?? "nginx:1.25"}"}`,
    "  policies:",
    "    - name: on-edge",
    "      type: topology",
    "      properties: {clusters: [edge], namespace: shop}",
    ...(options.takeOver === true
      ? [
          "    - name: take-web",
          "      type: take-over",
          "      properties:",
          "        rules:",
          "          - selector: {componentNames: [web]}",
        ]
      : []),
    "  workflow:",
    "    steps:",
    "      - name: deploy-edge",
    "        type: deploy",
    "        properties: {policies: [on-edge]}",
    "",
  ].join("\n");
}

function write(story: StorySandbox, name: string, yaml: string): string {
  const file = join(story.cwd, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

describe("ownership in a member cluster", () => {
  it("a second app placing the same Deployment is refused naming the cluster and both apps; take-over moves it", async () => {
    const story = await storySandbox({ charts: false });
    const edge = storyAt(story.cwd, `${story.dir}.members/edge`, story.clock);
    await story.velaOk(["cluster", "join", "edge"]);
    await story.velaOk(["up", "-f", write(story, "first", placedApp("first")), "--wait"]);
    const [before] = await edge.list("apps/v1", "Deployment", "shop");
    expect(before?.metadata.labels?.["app.oam.dev/name"]).toBe("first");

    const refused = await story.vela([
      "up",
      "-f",
      write(story, "second", placedApp("second", { image: "nginx:1.26" })),
      "--wait",
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(
      'existing object Deployment shop/web in cluster "edge" is managed by other application default/first',
    );
    const [unchanged] = await edge.list("apps/v1", "Deployment", "shop");
    expect(unchanged?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);

    const taken = placedApp("second", { image: "nginx:1.26", takeOver: true });
    await story.velaOk(["up", "-f", write(story, "second-take", taken), "--wait"]);
    const [after] = await edge.list("apps/v1", "Deployment", "shop");
    expect(after?.metadata.labels?.["app.oam.dev/name"]).toBe("second");
  });
});

const BILLING = join(PROJECT_ROOT, "examples", "policies", "billing.yaml");
const SETTINGS = { apiVersion: "v1", kind: "ConfigMap", name: "platform-settings", namespace: "default" };
const BY_HAND = [
  "apiVersion: v1",
  "kind: ConfigMap",
  "metadata: {name: platform-settings, namespace: default}",
  "data: {region: eu-west-1}",
  "",
].join("\n");

/** examples/policies/billing.yaml with a take-over rule selecting the ConfigMap. */
function billingTakingOver(): string {
  return [
    readFileSync(BILLING, "utf8").trimEnd(),
    "  policies:",
    "    - name: take-settings",
    "      type: take-over",
    "      properties:",
    "        rules:",
    "          - selector: {resourceTypes: [ConfigMap], resourceNames: [platform-settings]}",
    "",
  ].join("\n");
}

describe("an existing object no application manages (KubeVela 1.7+)", () => {
  it("is not written over: its step fails naming it, status shows why; a take-over policy takes it", async () => {
    const story = await storySandbox({ charts: false });
    await story.velaOk(["sandbox", "apply", "-f", write(story, "by-hand", BY_HAND)]);
    const before = await story.get(SETTINGS);

    const refused = await story.vela(["up", "-f", BILLING, "--wait"]);
    const reason =
      'component "platform-settings" of application default/billing: ' +
      "ConfigMap default/platform-settings exists but not managed by any application now " +
      "(add a take-over policy selecting it to move it to default/billing " +
      "(vela-ts adopt configmap/platform-settings --mode take-over writes one), or delete it first)";
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain(`step platform-settings [apply-component]: failed - ${reason}`);
    expect((await story.get(SETTINGS))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    // `status` shows the failed step and why, from the Application's status.
    const status = await story.velaOk(["status", "billing"]);
    expect(status.stdout).toContain(
      `    name: platform-settings\n    type: apply-component\n    phase: failed\n    message: ${reason}`,
    );
    expect(status.stdout).toMatch(/WorkflowFinished\s+False\s+WorkflowFailed/);

    await story.velaOk(["up", "-f", write(story, "billing-take", billingTakingOver()), "--wait"]);
    const taken = await story.get(SETTINGS);
    expect(taken?.metadata.labels?.["app.oam.dev/name"]).toBe("billing");
    expect(taken?.data).toEqual({ region: "us-east-1" });
  });

  it("in a member cluster the refusal names the cluster", async () => {
    const story = await storySandbox({ charts: false });
    const edge = storyAt(story.cwd, `${story.dir}.members/edge`, story.clock);
    await story.velaOk(["cluster", "join", "edge"]);
    const byHand = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: web, namespace: shop}",
      "spec:",
      "  selector: {matchLabels: {app: web}}",
      "  template:",
      "    metadata: {labels: {app: web}}",
      "    spec: {containers: [{name: web, image: nginx:1.24}]}",
      "",
    ].join("\n");
    await edge.velaOk(["sandbox", "apply", "-f", write(story, "edge-by-hand", byHand)]);
    const refused = await story.vela(["up", "-f", write(story, "first", placedApp("first")), "--wait"]);
    // A placement's failure fails its deploy step (retried, then failed), as a member out of reach does.
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain(
      'step deploy-edge [deploy]: failed - cluster edge: component "web" of application default/first: ' +
        'Deployment shop/web in cluster "edge" exists but not managed by any application now',
    );
    const [untouched] = await edge.list("apps/v1", "Deployment", "shop");
    expect(untouched?.metadata.labels?.["app.oam.dev/name"]).toBeUndefined();
  });
});
