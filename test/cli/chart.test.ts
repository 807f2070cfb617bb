import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli, tempDir } from "../support/cli.js";
import { HAS_SHARED, PROJECT_ROOT, SHARED_MISSING_REASON, sharedPath } from "../support/shared.js";
import { buildTgz } from "../chart/support/tar-builder.js";

const FIXTURES = join(PROJECT_ROOT, "test", "fixtures", "charts");

describe("vela-ts chart template", () => {
  it("prints each object with its # Source, in install order", async () => {
    const run = await runCli([
      "chart",
      "template",
      join(FIXTURES, "demo"),
      "--release-name",
      "rel",
      "-n",
      "prod",
      "--set",
      "replicaCount=4",
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    // As helm template prints it: objects in install order, then the comment-only document, then hooks.
    expect(run.stdout.match(/^# Source: .*$/gm)).toEqual([
      "# Source: demo/templates/configmap.yaml",
      "# Source: demo/templates/deployment.yaml",
      "# Source: demo/charts/cache/templates/statefulset.yaml",
      "# Source: demo/templates/configmap.yaml",
      "# Source: demo/templates/tests/test-connection.yaml",
    ]);
    const docs = parseAllDocuments(run.stdout).map((doc) => doc.toJS() as Record<string, unknown>);
    expect(docs[1]).toMatchObject({ kind: "Deployment", metadata: { name: "rel-demo" }, spec: { replicas: 4 } });
  });

  it("reads values files in order, then --set", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), "replicaCount: 7\nimage:\n  tag: a\n");
    writeFileSync(join(dir, "b.yaml"), "image:\n  tag: b\n");
    const run = await runCli(
      [
        "chart",
        "template",
        join(FIXTURES, "demo"),
        "-f",
        "a.yaml",
        "--values",
        "b.yaml",
        "--set",
        "image.repository=r",
        "-o",
        "json",
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { kind: string; items: { kind: string; spec?: unknown }[] };
    expect(list.kind).toBe("List");
    expect(list.items.find((item) => item.kind === "Deployment")).toMatchObject({
      spec: { replicas: 7, template: { spec: { containers: [{ image: "r:b" }] } } },
    });
  });

  it.each([
    { name: "syntax error", dir: "bad-syntax", text: "bad-syntax/templates/configmap.yaml:6" },
    { name: "unknown function", dir: "unknown-function", text: 'function "frobnicate" not defined' },
    { name: "missing required value", dir: "missing-required", text: "database.host is required" },
    { name: "bad Chart.yaml", dir: "bad-chart-yaml", text: "error[E_CHART_LOAD]" },
    { name: "recursive include", dir: "recursive-include", text: "nested reference name: loop" },
  ])("$name: exit 1, empty stdout, clear error", async ({ dir, text }) => {
    const run = await runCli(["chart", "template", join(FIXTURES, dir)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(text);
  });

  it("a tgz with .. entries: exit 1, nothing written", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "evil.tgz"),
      buildTgz({ "x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n", "x/../../pwned": "x" }),
    );
    const run = await runCli(["chart", "template", "evil.tgz"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("illegally references parent directory");
  });

  it("a missing chart: exit 1", async () => {
    const run = await runCli(["chart", "template", "nope"], { cwd: tempDir() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("E_CHART_NOT_FOUND");
  });

  it.skipIf(!HAS_SHARED)(
    `canary-demo 1.0.0 from the reference repository (${HAS_SHARED ? "present" : SHARED_MISSING_REASON})`,
    async () => {
      const run = await runCli([
        "chart",
        "template",
        sharedPath("reference", "charts", "my-charts", "canary-demo-1.0.0.tgz"),
        "--release-name",
        "canary-demo",
        "--set",
        "ingress.enabled=false",
      ]);
      expect(run.code).toBe(0);
      const kinds = parseAllDocuments(run.stdout).map((doc) => (doc.toJS() as { kind: string }).kind);
      // helm template prints the chart's test hook (a Pod) after the manifests; --skip-tests leaves it out.
      expect(kinds).toEqual(["ServiceAccount", "Service", "Deployment", "Pod"]);
      const skipped = await runCli([
        "chart",
        "template",
        sharedPath("reference", "charts", "my-charts", "canary-demo-1.0.0.tgz"),
        "--release-name",
        "canary-demo",
        "--set",
        "ingress.enabled=false",
        "--skip-tests",
        "--show-only",
        "templates/*.yaml",
      ]);
      expect(parseAllDocuments(skipped.stdout).map((doc) => (doc.toJS() as { kind: string }).kind)).toEqual([
        "ServiceAccount",
        "Service",
        "Deployment",
      ]);
    },
  );
});
