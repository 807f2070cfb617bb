/**
 * The `garbage-collect` policy on the sandbox (KubeVela's GarbageCollectPolicySpec): what an update
 * collects (`keepLegacyResource`, rules with `onAppUpdate|onAppDelete|never`), what `delete` keeps
 * and in which order it deletes (`order: dependency`, `propagation`), how many revisions stay
 * (`applicationRevisionLimit`), and bad input refused at its line with nothing written.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ObjectRef } from "../../src/model/kube-object.js";
import { openCommandSandbox } from "../../src/target/addon-objects.js";
import { readRevisions, storySandbox, type StorySandbox, applicationHead } from "../support/story.js";

const deployment = (name: string): ObjectRef => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace: "default",
});
const configMap = (name: string): ObjectRef => ({ apiVersion: "v1", kind: "ConfigMap", name, namespace: "default" });

/** A webservice component. */
function web(name: string, extra: string[] = []): string[] {
  return [`    - name: ${name}`, "      type: webservice", "      properties: {image: nginx:1.25}", ...extra];
}

/** A k8s-objects component holding one ConfigMap (optionally with a finalizer that holds its deletion). */
function settings(name: string, options: { finalizer?: boolean; extra?: string[] } = {}): string[] {
  return [
    `    - name: ${name}`,
    "      type: k8s-objects",
    ...(options.extra ?? []),
    "      properties:",
    "        objects:",
    "          - apiVersion: v1",
    "            kind: ConfigMap",
    `            metadata: {name: ${name}${options.finalizer === true ? ", finalizers: [example.com/hold]" : ""}}`,
    "            data: {level: info}",
  ];
}

function app(components: string[][], policy: string[] = [], name = "shop"): string {
  return [
    ...applicationHead(name),
    ...components.flat(),
    ...(policy.length === 0
      ? []
      : ["  policies:", "    - name: gc", "      type: garbage-collect", "      properties:", ...policy]),
    "",
  ].join("\n");
}

async function up(story: StorySandbox, yaml: string): Promise<void> {
  const file = join(story.cwd, "app.yaml");
  writeFileSync(file, yaml);
  await story.velaOk(["up", "-f", file, "--wait"]);
}

async function exists(story: StorySandbox, ref: ObjectRef): Promise<boolean> {
  const object = await story.get(ref);
  return object !== undefined && object.metadata.deletionTimestamp === undefined;
}

describe("garbage-collect on update", () => {
  it("without the policy, what the new revision no longer renders is deleted once it succeeds", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, app([web("front"), web("old")]));
    expect(await exists(story, deployment("old"))).toBe(true);
    await up(story, app([web("front")]));
    expect(await exists(story, deployment("old"))).toBe(false);
    expect(await exists(story, deployment("front"))).toBe(true);
  });

  it("keepLegacyResource keeps what outdated revisions applied until the app is deleted", async () => {
    const story = await storySandbox({ charts: false });
    const policy = ["        keepLegacyResource: true"];
    await up(story, app([web("front"), web("old")], policy));
    await up(story, app([web("front")], policy));
    expect(await exists(story, deployment("old"))).toBe(true);
    const trackers = await story.list("core.oam.dev/v1beta1", "ResourceTracker");
    expect(trackers.map((tracker) => tracker.metadata.name).sort()).toEqual(["shop-v1-default", "shop-v2-default"]);
    const deleted = await story.velaOk(["delete", "shop"]);
    expect(deleted.stdout).toContain("Deployment/default/old deleted");
    expect(await exists(story, deployment("old"))).toBe(false);
  });

  it("rules: onAppDelete keeps the resource on update, never keeps it even on delete, the rest is collected", async () => {
    const story = await storySandbox({ charts: false });
    const policy = [
      "        rules:",
      "          - selector: {resourceTypes: [ConfigMap], componentNames: [flags]}",
      "            strategy: onAppDelete",
      "          - selector: {componentTypes: [k8s-objects], oamTypes: [COMPONENT]}",
      "            strategy: never",
    ];
    await up(story, app([web("front"), web("old"), settings("flags"), settings("audit")], policy));
    await up(story, app([web("front")], policy));
    expect(await exists(story, deployment("old"))).toBe(false);
    expect(await exists(story, configMap("flags"))).toBe(true);
    expect(await exists(story, configMap("audit"))).toBe(true);

    const deleted = await story.velaOk(["delete", "shop"]);
    expect(deleted.stdout).toContain("ConfigMap/default/flags deleted");
    expect(deleted.stdout).toMatch(
      /ConfigMap\/default\/audit kept: kept by the garbage-collect policy \(strategy: never\)/,
    );
    expect(await exists(story, configMap("flags"))).toBe(false);
    expect(await exists(story, configMap("audit"))).toBe(true);
    expect(await story.list("core.oam.dev/v1beta1", "ResourceTracker")).toEqual([]);
  });

  it("applicationRevisionLimit overrides the controller's limit", async () => {
    const story = await storySandbox({ charts: false });
    for (const tag of ["1.25", "1.26", "1.27", "1.28"]) {
      const yaml = app([web("front")], ["        applicationRevisionLimit: 1"]).replace("nginx:1.25", `nginx:${tag}`);
      await up(story, yaml);
    }
    const names = (await readRevisions(story, "shop")).map((revision) => revision.metadata.name).sort();
    expect(names).toEqual(["shop-v3", "shop-v4"]);
  });
});

describe("garbage-collect when the workflow fails (continueOnFailure)", () => {
  /** v2 drops `old` and adds `taken`, a ConfigMap someone created by hand: its step fails, and so does the run. */
  async function failedUpdate(policy: string[]): Promise<StorySandbox> {
    const story = await storySandbox({ charts: false });
    await up(story, app([web("front"), web("old")], policy));
    const byHand = join(story.cwd, "by-hand.yaml");
    writeFileSync(byHand, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: taken, namespace: default}\n");
    await story.velaOk(["sandbox", "apply", "-f", byHand]);
    const file = join(story.cwd, "app.yaml");
    writeFileSync(file, app([web("front"), settings("taken")], policy));
    const failed = await story.vela(["up", "-f", file, "--wait"]);
    expect(failed.code).toBe(3);
    expect(failed.stdout).toContain("status: workflowFailed");
    expect(failed.stdout).toContain("ConfigMap default/taken exists but not managed by any application now");
    return story;
  }

  it("without it, a failed run collects nothing: what the older revision applied stays", async () => {
    const story = await failedUpdate(["        keepLegacyResource: false"]);
    expect(await exists(story, deployment("old"))).toBe(true);
    expect(await exists(story, deployment("front"))).toBe(true);
  });

  it("with it, a failed run collects what the new revision no longer renders", async () => {
    const story = await failedUpdate(["        continueOnFailure: true"]);
    expect(await exists(story, deployment("old"))).toBe(false);
    expect(await exists(story, deployment("front"))).toBe(true);
    // The object the failed step could not take is not the app's: left as it was.
    expect((await story.get(configMap("taken")))?.metadata.labels?.["app.oam.dev/name"]).toBeUndefined();
  });
});

describe("garbage-collect on delete", () => {
  it("propagation: orphan deletes the Deployment and leaves its ReplicaSet and pods", async () => {
    const story = await storySandbox({ charts: false });
    const policy = [
      "        rules:",
      "          - selector: {componentNames: [front], resourceTypes: [Deployment]}",
      "            propagation: orphan",
    ];
    await up(story, app([web("front"), web("other")], policy));
    await story.velaOk(["delete", "shop"]);
    expect(await exists(story, deployment("front"))).toBe(false);
    const replicaSets = await story.list("apps/v1", "ReplicaSet", "default");
    const owners = replicaSets.map((replicaSet) => replicaSet.metadata.name ?? "");
    expect(owners.some((name) => name.startsWith("front-"))).toBe(true);
    expect(owners.some((name) => name.startsWith("other-"))).toBe(false);
    const pods = (await story.pods()).map((pod) => pod.name);
    expect(pods.some((name) => name.startsWith("front-"))).toBe(true);
  });

  it("order: dependency deletes dependents first and waits for them to be gone", async () => {
    const story = await storySandbox({ charts: false });
    const yaml = app(
      [
        settings("db"),
        settings("api", { finalizer: true, extra: ["      dependsOn: [db]"] }),
        web("front", ["      dependsOn: [api]"]),
      ],
      ["        order: dependency"],
    );
    await up(story, yaml);

    const first = await story.velaOk(["delete", "shop"]);
    // front first, then api, which a finalizer holds: db must wait, and the app stays for a re-run.
    expect(first.stdout.indexOf("Deployment/default/front deleted")).toBeGreaterThanOrEqual(0);
    expect(first.stdout.indexOf("ConfigMap/default/api deleted")).toBeGreaterThan(
      first.stdout.indexOf("Deployment/default/front deleted"),
    );
    expect(first.stdout).toContain("ConfigMap/default/api still terminating");
    expect(first.stdout).toContain("Application default/shop not deleted yet");
    expect(first.stdout).not.toContain("ConfigMap/default/db deleted");
    expect(await exists(story, configMap("db"))).toBe(true);
    expect(
      await story.get({ apiVersion: "core.oam.dev/v1beta1", kind: "Application", name: "shop", namespace: "default" }),
    ).toBeDefined();

    // The finalizer's owner finishes its work: a second delete goes on with db.
    const sandbox = await openCommandSandbox({ dir: story.dir, clock: story.clock, command: "test" });
    try {
      await sandbox.patch(configMap("api"), { type: "merge", patch: { metadata: { finalizers: null } } });
    } finally {
      sandbox.close();
    }
    const second = await story.velaOk(["delete", "shop"]);
    expect(second.stdout).toContain("ConfigMap/default/db deleted");
    expect(second.stdout).toContain("Application default/shop deleted");
    expect(await story.get(configMap("db"))).toBeUndefined();
  });

  it("without order, the same app is deleted in one go (the finalizer only holds its own object)", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, app([settings("db"), settings("api", { finalizer: true, extra: ["      dependsOn: [db]"] })]));
    const deleted = await story.velaOk(["delete", "shop"]);
    expect(deleted.stdout).toContain("ConfigMap/default/db deleted");
    expect(deleted.stdout).toContain("Application default/shop deleted");
  });
});

describe("garbage-collect bad input", () => {
  it("a wrong strategy, propagation or order is refused at its line, nothing written", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "app.yaml");
    writeFileSync(
      file,
      app(
        [web("front")],
        [
          "        order: reverse",
          "        rules:",
          "          - selector: {resourceTypes: [ConfigMap]}",
          "            strategy: sometimes",
          "            propagation: foreground",
        ],
      ),
    );
    const before = await story.resourceVersion();
    const run = await story.vela(["up", "-f", file]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("app.yaml:14:16");
    expect(run.stderr).toMatch(
      /rules\.0\.strategy" must be one of "onAppUpdate", "onAppDelete", "never", got "sometimes"/,
    );
    expect(run.stderr).toContain("app.yaml:17:23");
    expect(run.stderr).toContain("app.yaml:18:26");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await story.resourceVersion()).toBe(before);
  });

  it("a selector given as a list (an older upstream shape) is refused with the field named", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "app.yaml");
    writeFileSync(
      file,
      app(
        [web("front")],
        ["        rules:", "          - selector: [{resourceTypes: [ConfigMap]}]", "            strategy: never"],
      ),
    );
    const run = await story.vela(["up", "-f", file]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("rules.0.selector");
    expect(run.stderr).toContain("app.yaml:15:23");
  });
});
