/**
 * One owner per object, as KubeVela's `MustBeControlledByApp`: a second application rendering an
 * object another one manages is refused before anything of its step is written, in the hub and in a
 * member cluster (the message names the cluster), unless `shared-resource` or `take-over` selects it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { storyAt, storySandbox, type StorySandbox } from "../support/story.js";

function placedApp(name: string, options: { image?: string; takeOver?: boolean } = {}): string {
  return [
    "apiVersion: core.oam.dev/v1beta1",
    "kind: Application",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  components:",
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
