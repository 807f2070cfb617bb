import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/** `k8s-objects` (written in CUE): any number of objects, each as written; a malformed one is a parameter error. */
function app(objects: string): string {
  return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: raw
spec:
  components:
    - name: raw
      type: k8s-objects
      properties:
        objects:
${objects}`;
}

function configMaps(count: number): string {
  return Array.from(
    { length: count },
    (_, index) =>
      `          - {apiVersion: v1, kind: ConfigMap, metadata: {name: cm-${index}}, data: {index: "${index}"}}\n`,
  ).join("");
}

async function dryRun(text: string): Promise<Awaited<ReturnType<typeof runCli>>> {
  const file = join(tempDir("vela-ts-k8s-objects-"), "app.yaml");
  writeFileSync(file, text);
  return runCli(["dry-run", "-f", file], { cwd: PROJECT_ROOT });
}

describe("k8s-objects", () => {
  it("renders every object given, also past 16, as written", async () => {
    const run = await dryRun(app(configMaps(20)));
    expect(run.code, run.stderr).toBe(0);
    const objects = parseAllDocuments(run.stdout)
      .map((document) => document.toJS() as { kind?: string; metadata?: { name?: string }; data?: unknown } | null)
      .filter((object) => object?.kind === "ConfigMap");
    expect(objects.map((object) => object?.metadata?.name).sort()).toEqual(
      Array.from({ length: 20 }, (_, index) => `cm-${index}`).sort(),
    );
    expect(objects.find((object) => object?.metadata?.name === "cm-17")?.data).toEqual({ index: "17" });
  });

  it("refuses an empty list and an object without a name, at the property's line", async () => {
    const empty = await dryRun(app("").replace("objects:\n", "objects: []\n"));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/E_PARAM_INVALID.*property "objects"/);
    expect(empty.stderr).toMatch(/app\.yaml:10:\d+/);

    const nameless = await dryRun(app("          - {apiVersion: v1, kind: ConfigMap, metadata: {labels: {a: b}}}\n"));
    expect(nameless.code).toBe(1);
    expect(nameless.stderr).toContain('property "objects.0.metadata.name" is required but not set');
  });
});
