/**
 * Components of user definitions (`--definitions DIR`) beside bundled ones, through every command
 * that reads what a component rendered — and a component whose main object is absent: a clear error
 * at the trait, never an internal crash or a JavaScript message.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { storySandbox } from "../support/story.js";

const MY_CONFIG = `apiVersion: core.oam.dev/v1beta1
kind: ComponentDefinition
metadata:
  name: my-config
spec:
  workload:
    type: autodetects.core.oam.dev
  schematic:
    template:
      parameter:
        enabled: "*true | bool"
        data: "{[string]: string}"
      output: |
        {{#if parameter.enabled}}
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{json context.name}}
        data: {{json parameter.data}}
        {{/if}}
      outputs:
        note: |
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: {{json (concat context.name "-note")}}
          data: {note: "kept"}
`;

function app(first: string): string {
  return [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata:",
    "  name: mixed",
    "spec:",
    "  components:",
    first,
    "    - name: objects",
    "      type: k8s-objects",
    "      properties:",
    "        objects:",
    "          - {apiVersion: v1, kind: ConfigMap, metadata: {name: raw}, data: {a: '1'}}",
    "          - {apiVersion: v1, kind: Namespace, metadata: {name: mixed-extra}}",
    "",
  ].join("\n");
}

describe("a user definition's component followed by k8s-objects", () => {
  it("up, status --tree, up again, delete: all exit 0 and see every object", async () => {
    const story = await storySandbox({ charts: false });
    const definitions = join(story.cwd, "definitions");
    mkdirSync(definitions);
    writeFileSync(join(definitions, "my-config.yaml"), MY_CONFIG);
    const file = join(story.cwd, "mixed.yaml");
    writeFileSync(file, app("    - {name: settings, type: my-config, properties: {data: {colour: blue}}}"));
    const defs = ["--definitions", definitions];
    expect((await story.velaOk(["up", "-f", file, ...defs, "--wait"])).stdout).toContain("the workflow finished");
    const tree = await story.velaOk(["status", "mixed", "--tree", ...defs]);
    for (const object of ["ConfigMap/settings", "ConfigMap/settings-note", "ConfigMap/raw", "Namespace/mixed-extra"])
      expect(tree.stdout).toContain(object);
    await story.velaOk(["up", "-f", file, ...defs, "--wait"]);
    const deleted = await story.velaOk(["delete", "mixed"]);
    expect(deleted.stdout).toContain("ConfigMap/default/settings-note deleted");
    expect(deleted.stdout).toContain("Namespace/mixed-extra deleted");
  });

  it("a component whose output renders nothing: up and status work (its other outputs are applied)", async () => {
    const story = await storySandbox({ charts: false });
    const definitions = join(story.cwd, "definitions");
    mkdirSync(definitions);
    writeFileSync(join(definitions, "my-config.yaml"), MY_CONFIG);
    const file = join(story.cwd, "mixed.yaml");
    writeFileSync(file, app("    - {name: settings, type: my-config, properties: {enabled: false, data: {}}}"));
    const defs = ["--definitions", definitions];
    await story.velaOk(["up", "-f", file, ...defs, "--wait"]);
    await story.velaOk(["status", "mixed", "--tree", ...defs]);
    expect(
      await story.get({ apiVersion: "v1", kind: "ConfigMap", name: "settings-note", namespace: "default" }),
    ).toBeDefined();
    expect(
      await story.get({ apiVersion: "v1", kind: "ConfigMap", name: "settings", namespace: "default" }),
    ).toBeUndefined();
  });

  it.each(["scaler", "annotations", "kruise-rollout"])(
    "a %s trait on a component that rendered no main object: E_NO_WORKLOAD at the trait (exit 1, nothing stored)",
    async (trait) => {
      const story = await storySandbox({ charts: false });
      const definitions = join(story.cwd, "definitions");
      mkdirSync(definitions);
      writeFileSync(join(definitions, "my-config.yaml"), MY_CONFIG);
      const properties: Record<string, string> = {
        scaler: "{replicas: 2}",
        annotations: "{a: b}",
        "kruise-rollout": "{canary: {steps: [{replicas: 1}]}}",
      };
      const file = join(story.cwd, "mixed.yaml");
      writeFileSync(
        file,
        app(
          [
            "    - name: settings",
            "      type: my-config",
            "      properties: {enabled: false, data: {}}",
            "      traits:",
            `        - {type: ${trait}, properties: ${properties[trait] ?? "{}"}}`,
          ].join("\n"),
        ),
      );
      const before = await story.resourceVersion();
      const run = await story.vela(["up", "-f", file, "--definitions", definitions]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^error\\[E_NO_WORKLOAD\\]: component "settings": trait "${trait}": reads the component's main object`,
        ),
      );
      expect(run.stderr).toContain("mixed.yaml:11:");
      expect(run.stderr).not.toContain("Cannot read properties");
      expect(await story.resourceVersion()).toBe(before);
    },
  );
});
