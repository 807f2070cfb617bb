/**
 * `vela-ts delete <app>`: removes what the app's ResourceTrackers record (and the cascade the
 * sandbox's controllers run), its trackers, revisions and the Application — and nothing else.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

function newSandbox(): { readonly dir: string; vela(argv: readonly string[]): Promise<CliRun> } {
  const dir = tempDir();
  const clock = new FakeClock();
  return { dir, vela: (argv) => runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT, clock }) };
}

function lines(text: string): string[] {
  return text.split("\n");
}

/** `sandbox get <resource> -A -o json` → `Kind/namespace/name` of each object. */
async function names(box: { vela(argv: readonly string[]): Promise<CliRun> }, resource: string): Promise<string[]> {
  const run = await box.vela(["sandbox", "get", resource, "-A", "-o", "json"]);
  expect(run.code).toBe(0);
  const list = JSON.parse(run.stdout) as { items: { kind: string; metadata: { name: string; namespace?: string } }[] };
  return list.items.map((item) => `${item.kind}/${item.metadata.namespace ?? ""}/${item.metadata.name}`).sort();
}

const BYSTANDER = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bystander
  namespace: default
spec:
  replicas: 1
  selector: {matchLabels: {app: bystander}}
  template:
    metadata: {labels: {app: bystander}}
    spec:
      containers:
        - name: app
          image: nginx:1.25
`;

const CART = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: cart
spec:
  components:
    - name: cart
      type: webservice
      properties:
        image: nginx:1.25
`;

describe("delete", () => {
  it("removes the app's objects, trackers, revisions and Application, and nothing else", async () => {
    const box = newSandbox();
    writeFileSync(join(box.dir, "bystander.yaml"), BYSTANDER);
    writeFileSync(join(box.dir, "cart.yaml"), CART);
    expect((await box.vela(["sandbox", "apply", "-f", join(box.dir, "bystander.yaml")])).code).toBe(0);
    expect((await box.vela(["up", "-f", join(box.dir, "cart.yaml"), "--wait"])).code).toBe(0);
    expect((await box.vela(["up", "-f", "examples/apps/shop-v1.yaml", "--wait"])).code).toBe(0);
    expect((await box.vela(["up", "-f", "examples/apps/shop-v2.yaml", "--wait"])).code).toBe(0);
    expect(await names(box, "pods")).toHaveLength(1 + 1 + 3);

    const run = await box.vela(["delete", "shop"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(lines(run.stdout)).toEqual([
      "Service/default/frontend deleted",
      "Deployment/default/frontend deleted",
      // The v1 ReplicaSet (scaled to 0) goes too.
      "removed with them by the cluster: 2 ReplicaSet, 3 Pod",
      "ResourceTracker/shop-v2-default deleted",
      "ResourceTracker/shop-v1-default deleted",
      "ApplicationRevision/default/shop-v1 deleted",
      "ApplicationRevision/default/shop-v2 deleted",
      // Conditions of two releases (Parsed, Revisioned, Deployed…), recorded as Events about the app.
      expect.stringMatching(/^[1-9]\d* Events about the application deleted$/),
      `Application default/shop deleted (sandbox ${join(box.dir, "sb")}).`,
      "",
    ]);
    expect(await names(box, "deployments")).toEqual(["Deployment/default/bystander", "Deployment/default/cart"]);
    expect(await names(box, "services")).toEqual([]);
    expect(await names(box, "pods")).toHaveLength(2);
    expect(await names(box, "applications")).toEqual(["Application/default/cart"]);
    expect(await names(box, "applicationrevisions")).toEqual(["ApplicationRevision/default/cart-v1"]);
    expect(await names(box, "resourcetrackers")).toEqual(["ResourceTracker//cart-v1-default"]);
    const events = await box.vela(["sandbox", "get", "events", "-o", "json"]);
    const involved = (JSON.parse(events.stdout) as { items: { involvedObject?: { name?: string } }[] }).items.map(
      (event) => event.involvedObject?.name,
    );
    expect(involved).not.toContain("shop");
    expect(involved).toContain("cart");

    const again = await box.vela(["delete", "shop"]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(lines(again.stderr)[0]).toBe('error[E_APP_NOT_FOUND]: application "shop" not found in namespace "default"');
  });

  it("leaves referenced objects (ref-objects) alone while clearing a half-deleted app's records", async () => {
    const box = newSandbox();
    // What a crash may leave behind: a tracker without its Application, recording a referenced object.
    const tracker = {
      apiVersion: "core.oam.dev/v1beta1",
      kind: "ResourceTracker",
      metadata: {
        name: "adopt-v1-default",
        labels: {
          "app.oam.dev/name": "adopt",
          "app.oam.dev/namespace": "default",
          "app.oam.dev/appRevision": "adopt-v1",
        },
      },
      spec: {
        type: "versioned",
        managedResources: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "bystander",
            namespace: "default",
            component: "legacy",
            raw: {
              apiVersion: "apps/v1",
              kind: "Deployment",
              metadata: { name: "bystander", namespace: "default", annotations: { "app.oam.dev/ref-object": "true" } },
            },
          },
        ],
      },
    };
    writeFileSync(join(box.dir, "objects.yaml"), `${BYSTANDER}---\n${JSON.stringify(tracker)}\n`);
    expect((await box.vela(["sandbox", "apply", "-f", join(box.dir, "objects.yaml")])).code).toBe(0);

    const run = await box.vela(["delete", "adopt"]);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      "ResourceTracker/adopt-v1-default deleted",
      "Deployment/default/bystander kept: referenced by ref-objects, not created by the app",
      `Application default/adopt deleted (sandbox ${join(box.dir, "sb")}).`,
      "",
    ]);
    expect(await names(box, "deployments")).toEqual(["Deployment/default/bystander"]);
    expect(await names(box, "resourcetrackers")).toEqual([]);
  });

  it("cascades a HelmRelease's objects and the Rollout's canary objects (helm canary story)", async () => {
    const box = newSandbox();
    expect(
      (await box.vela(["sandbox", "charts", "add", "https://charts.example.com/demo/", "examples/charts/repo"])).code,
    ).toBe(0);
    expect((await box.vela(["up", "-f", "examples/apps/demo-app-v1.yaml", "--wait"])).code).toBe(0);
    expect((await box.vela(["up", "-f", "examples/apps/demo-app-v2.yaml", "--wait"])).code).toBe(0);
    expect(await names(box, "pods")).toHaveLength(6);

    const run = await box.vela(["delete", "demo-app", "--wait"]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.slice(0, 3)).toEqual([
      "Rollout/default/demo-app deleted",
      "HelmRepository/default/demo-app deleted",
      "HelmRelease/default/demo-app deleted",
    ]);
    expect(out[3]).toMatch(/^removed with them by the cluster: .*\b6 Pod\b/);
    for (const resource of [
      "pods",
      "deployments",
      "replicasets",
      "services",
      "ingresses",
      "helmreleases",
      "helmcharts",
      "rollouts",
      "batchreleases",
      "applications",
    ]) {
      expect(await names(box, resource)).toEqual([]);
    }
  });

  it("says how to find an unknown app", async () => {
    const box = newSandbox();
    const run = await box.vela(["delete", "nope", "-n", "prod"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual([
      'error[E_APP_NOT_FOUND]: application "nope" not found in namespace "prod"',
      '  hint: there are no applications in namespace "prod"; create one with: vela-ts up -f app.yaml',
      "",
    ]);
  });
});
