/**
 * The `shared-resource` policy on the sandbox: the first app creates and owns a selected object,
 * another joins `app.oam.dev/shared-by` without writing it; deleting (or no longer rendering) it
 * leaves the list, the owner's leaving hands the object over, the last one deletes it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube-object.js";
import { storySandbox, type StorySandbox, applicationHead } from "../support/story.js";

const SETTINGS = { apiVersion: "v1", kind: "ConfigMap", name: "settings", namespace: "default" };

function app(name: string, level: string, options: { shared?: boolean; renders?: boolean } = {}): string {
  return [
    ...applicationHead(name),
    `    - name: ${name}`,
    "      type: webservice",
    "      properties: {image: nginx:1.25}",
    ...(options.renders === false
      ? []
      : [
          "    - name: settings",
          "      type: k8s-objects",
          "      properties:",
          "        objects:",
          "          - apiVersion: v1",
          "            kind: ConfigMap",
          "            metadata: {name: settings}",
          `            data: {level: ${level}}`,
        ]),
    ...(options.shared === false
      ? []
      : [
          "  policies:",
          "    - name: share-settings",
          "      type: shared-resource",
          "      properties:",
          "        rules:",
          "          - selector: {resourceTypes: [ConfigMap], resourceNames: [settings]}",
        ]),
    "",
  ].join("\n");
}

async function up(story: StorySandbox, name: string, yaml: string): Promise<void> {
  const file = join(story.cwd, `${name}.yaml`);
  writeFileSync(file, yaml);
  await story.velaOk(["up", "-f", file, "--wait"]);
}

async function settings(story: StorySandbox): Promise<KubeObject | undefined> {
  return story.get(SETTINGS);
}

const sharedBy = (object: KubeObject | undefined): string | undefined =>
  object?.metadata.annotations?.["app.oam.dev/shared-by"];

describe("shared-resource", () => {
  it("the first app owns, the second joins shared-by, delete hands over, the last deletes", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, "first", app("first", "info"));
    await up(story, "second", app("second", "debug"));
    let live = await settings(story);
    expect(live?.metadata.labels?.["app.oam.dev/name"]).toBe("first");
    expect(sharedBy(live)).toBe("default/first,default/second");
    expect(live?.data).toEqual({ level: "info" });

    // The owner's next reconcile keeps the list (its apply does not own the annotation).
    await up(story, "first", app("first", "info"));
    expect(sharedBy(await settings(story))).toBe("default/first,default/second");

    const deleted = await story.velaOk(["delete", "first"]);
    expect(deleted.stdout).toContain(
      "ConfigMap/default/settings kept: still shared by application default/second (app.oam.dev/shared-by)",
    );
    live = await settings(story);
    expect(live?.metadata.labels?.["app.oam.dev/name"]).toBe("second");
    expect(sharedBy(live)).toBe("default/second");

    // Now the owner, the second app writes what it renders.
    await up(story, "second", app("second", "debug"));
    expect((await settings(story))?.data).toEqual({ level: "debug" });

    const last = await story.velaOk(["delete", "second"]);
    expect(last.stdout).toContain("ConfigMap/default/settings deleted");
    expect(await settings(story)).toBeUndefined();
  });

  it("a sharer that stops rendering the object leaves the list on update; the owner keeps it", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, "first", app("first", "info"));
    await up(story, "second", app("second", "debug"));
    await up(story, "second", app("second", "debug", { renders: false }));
    const live = await settings(story);
    expect(live).toBeDefined();
    expect(sharedBy(live)).toBe("default/first");
    expect(live?.metadata.labels?.["app.oam.dev/name"]).toBe("first");
  });

  it("the owner that stops rendering it hands it over instead of deleting it", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, "first", app("first", "info"));
    await up(story, "second", app("second", "debug"));
    await up(story, "first", app("first", "info", { renders: false }));
    const live = await settings(story);
    expect(live?.metadata.labels?.["app.oam.dev/name"]).toBe("second");
    expect(sharedBy(live)).toBe("default/second");
  });

  it("without the policy in the second app, its up is refused and the object stays the first's", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, "first", app("first", "info"));
    const before = await settings(story);
    const file = join(story.cwd, "second.yaml");
    writeFileSync(file, app("second", "debug", { shared: false }));
    const run = await story.vela(["up", "-f", file, "--wait"]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(
      "existing object ConfigMap default/settings is managed by other application default/first",
    );
    expect(run.stdout + run.stderr).toContain("shared-resource");
    const after = await settings(story);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(after?.data).toEqual({ level: "info" });
    expect(sharedBy(after)).toBeUndefined();
  });

  it("when neither app shares the object, the second is refused", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, "first", app("first", "info", { shared: false }));
    const file = join(story.cwd, "second.yaml");
    writeFileSync(file, app("second", "debug", { shared: false }));
    const run = await story.vela(["up", "-f", file, "--wait"]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain("is managed by other application default/first");
    expect((await settings(story))?.metadata.labels?.["app.oam.dev/name"]).toBe("first");
  });

  it("a take-over policy moves an object another application manages to the app", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, "first", app("first", "info", { shared: false }));
    const takeOver = app("second", "debug", { shared: false }).replace(
      /\n$/,
      [
        "",
        "  policies:",
        "    - name: take-settings",
        "      type: take-over",
        "      properties:",
        "        rules:",
        "          - selector: {resourceTypes: [ConfigMap], resourceNames: [settings]}",
        "",
      ].join("\n"),
    );
    await up(story, "second", takeOver);
    const live = await settings(story);
    expect(live?.metadata.labels?.["app.oam.dev/name"]).toBe("second");
    expect(live?.data).toEqual({ level: "debug" });
  });

  it("re-running the owner's own up is not a conflict with itself", async () => {
    const story = await storySandbox({ charts: false });
    await up(story, "first", app("first", "info", { shared: false }));
    await up(story, "first", app("first", "warn", { shared: false }));
    expect((await settings(story))?.data).toEqual({ level: "warn" });
  });

  it("a selector that is not an object is refused at its line, nothing written", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "bad.yaml");
    writeFileSync(
      file,
      app("first", "info").replace(
        "selector: {resourceTypes: [ConfigMap], resourceNames: [settings]}",
        "selector: ConfigMap",
      ),
    );
    const before = await story.resourceVersion();
    const run = await story.vela(["up", "-f", file]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('policy "share-settings": field "rules.0.selector" must be an object');
    expect(run.stderr).toContain("bad.yaml:23:23");
    expect(await story.resourceVersion()).toBe(before);
  });
});
