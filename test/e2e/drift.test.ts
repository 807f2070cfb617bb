/**
 * Field drift on a live object (another field manager took `spec.replicas`, as `kubectl scale` or an
 * HPA does) never makes `up` or `status` fail with E_CONFLICT: vela-ts owns what it renders and
 * takes it back, and the `apply-once` policy decides which drift is kept.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyOncePolicyOf, keepAllowedDrift, parseFieldPath } from "../../src/reconciler/apply-once.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { storySandbox, type StorySandbox } from "../support/story.js";

function shop(policy: string[]): string {
  return [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata:",
    "  name: shop",
    "spec:",
    "  components:",
    "    - name: shop",
    "      type: webservice",
    "      properties: {image: nginx:1.25}",
    "      traits:",
    "        - type: scaler",
    "          properties: {replicas: 3}",
    ...(policy.length === 0 ? [] : ["  policies:", ...policy]),
    "",
  ].join("\n");
}

async function scaleBehindTheAppsBack(story: StorySandbox, replicas: number): Promise<void> {
  const file = join(story.cwd, "scale.yaml");
  writeFileSync(
    file,
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop, namespace: default}\nspec: {replicas: ${replicas}}\n`,
  );
  await story.velaOk(["sandbox", "apply", "-f", file, "--field-manager", "hpa", "--force-conflicts"]);
}

async function replicas(story: StorySandbox): Promise<unknown> {
  const deployment = await story.get({ apiVersion: "apps/v1", kind: "Deployment", name: "shop", namespace: "default" });
  return (deployment?.spec as { replicas?: number }).replicas;
}

describe("drift by another field manager", () => {
  it("status and up take vela-ts's fields back (no E_CONFLICT)", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "shop.yaml");
    writeFileSync(file, shop([]));
    await story.velaOk(["up", "-f", file, "--wait"]);
    await scaleBehindTheAppsBack(story, 7);
    const status = await story.velaOk(["status", "shop"]);
    expect(status.stderr).not.toContain("E_CONFLICT");
    expect(await replicas(story)).toBe(3);
    await scaleBehindTheAppsBack(story, 8);
    const up = await story.velaOk(["up", "-f", file, "--wait"]);
    expect(up.stderr).not.toContain("E_CONFLICT");
    expect(await replicas(story)).toBe(3);
  });

  it("apply-once with a rule for spec.replicas keeps that drift", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "shop.yaml");
    writeFileSync(
      file,
      shop([
        "    - name: tolerate-replicas",
        "      type: apply-once",
        "      properties:",
        "        enable: true",
        "        rules:",
        "          - selector: {componentNames: [shop], resourceTypes: [Deployment]}",
        "            strategy: {path: [spec.replicas]}",
      ]),
    );
    await story.velaOk(["up", "-f", file, "--wait"]);
    expect(await replicas(story)).toBe(3);
    await scaleBehindTheAppsBack(story, 7);
    await story.velaOk(["status", "shop"]);
    await story.velaOk(["up", "-f", file, "--wait"]);
    expect(await replicas(story)).toBe(7);
    expect((await story.pods()).length).toBe(7);
  });

  it("apply-once enabled without rules: the finished release is not re-applied, so every drift is kept", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "shop.yaml");
    writeFileSync(file, shop(["    - {name: once, type: apply-once, properties: {enable: true}}"]));
    await story.velaOk(["up", "-f", file, "--wait"]);
    await scaleBehindTheAppsBack(story, 5);
    await story.velaOk(["status", "shop"]);
    await story.velaOk(["up", "-f", file]);
    expect(await replicas(story)).toBe(5);
  });
});

describe("apply-once bad input", () => {
  it("an unknown affect is refused at its line, nothing written", async () => {
    const story = await storySandbox({ charts: false });
    const file = join(story.cwd, "shop.yaml");
    writeFileSync(
      file,
      shop([
        "    - name: tolerate-replicas",
        "      type: apply-once",
        "      properties:",
        "        enable: true",
        "        rules:",
        "          - selector: {componentNames: [shop]}",
        "            strategy: {path: [spec.replicas], affect: onupdate}",
      ]),
    );
    const before = await story.resourceVersion();
    const run = await story.vela(["up", "-f", file]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      'field "rules.0.strategy.affect" must be one of "onUpdate", "onStateKeep", "always", got "onupdate"',
    );
    expect(run.stderr).toContain("shop.yaml:20:");
    expect(await story.resourceVersion()).toBe(before);
  });
});

describe("apply-once rules (KubeVela's ApplyOncePolicySpec)", () => {
  const rendered: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "shop", namespace: "default" },
    spec: { replicas: 3, template: { spec: { containers: [{ name: "shop", image: "nginx:1.26", resources: {} }] } } },
  };
  const live: KubeObject = {
    ...rendered,
    spec: {
      replicas: 7,
      template: { spec: { containers: [{ name: "shop", image: "nginx:1.25", resources: { limits: { cpu: "2" } } }] } },
    },
  };
  const policy = (rule: Record<string, unknown>) =>
    applyOncePolicyOf([
      {
        name: "p",
        type: "apply-once",
        definition: undefined as never,
        properties: { enable: true, rules: [rule] } as never,
        path: "/spec/policies/0",
      },
    ]);
  const origin = { component: "shop", componentType: "webservice" };

  it.each([
    {
      name: "a path with an index keeps that field only",
      rule: { strategy: { path: ["spec.template.spec.containers[0].resources"] } },
      stage: "onUpdate" as const,
      want: { replicas: 3, image: "nginx:1.26", resources: { limits: { cpu: "2" } } },
    },
    {
      name: "affect onStateKeep does not apply when a step applies",
      rule: { strategy: { path: ["spec.replicas"], affect: "onStateKeep" } },
      stage: "onUpdate" as const,
      want: { replicas: 3, image: "nginx:1.26", resources: {} },
    },
    {
      name: "affect onStateKeep applies in the state keep",
      rule: { strategy: { path: ["spec.replicas"], affect: "onStateKeep" } },
      stage: "onStateKeep" as const,
      want: { replicas: 7, image: "nginx:1.26", resources: {} },
    },
    {
      name: "a selector that does not match keeps nothing",
      rule: { selector: { traitTypes: ["scaler"] }, strategy: { path: ["spec.replicas"] } },
      stage: "onUpdate" as const,
      want: { replicas: 3, image: "nginx:1.26", resources: {} },
    },
  ])("$name", ({ rule, stage, want }) => {
    const applied = keepAllowedDrift(rendered, live, policy(rule), stage, origin);
    const spec = applied?.spec as {
      replicas: number;
      template: { spec: { containers: { image: string; resources: unknown }[] } };
    };
    expect({
      replicas: spec.replicas,
      image: spec.template.spec.containers[0]?.image,
      resources: spec.template.spec.containers[0]?.resources,
    }).toEqual(want);
  });

  it('path "*" keeps the whole live object: it is not applied', () => {
    expect(keepAllowedDrift(rendered, live, policy({ strategy: { path: ["*"] } }), "onUpdate", origin)).toBeUndefined();
  });

  it("parses field paths with indexes and quoted keys", () => {
    expect(parseFieldPath('metadata.annotations["a.b/c"].x[2]')).toEqual(["metadata", "annotations", "a.b/c", "x", 2]);
  });
});
