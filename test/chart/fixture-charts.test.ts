import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadChart, loadChartArchive, loadChartDirectory, renderChart } from "../../src/chart/index.js";
import { VelaError } from "../../src/errors/index.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { tempDir } from "../support/cli.js";
import { buildTgz } from "./support/tar-builder.js";

const FIXTURES = join(PROJECT_ROOT, "test", "fixtures", "charts");

function caught(fn: () => unknown): VelaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VelaError) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("demo fixture chart", () => {
  const chart = loadChartDirectory(join(FIXTURES, "demo"));

  it("honours .helmignore and loads the subchart", () => {
    expect(chart.files.map((f) => f.path)).toEqual([".helmignore", "files/app.properties"]);
    expect(chart.subcharts.map((s) => s.metadata.name)).toEqual(["cache"]);
  });

  it("renders helpers, range over maps, .Files, globals and the subchart; skips tests and NOTES", () => {
    const rendered = renderChart(chart, { releaseName: "rel", namespace: "prod" });
    expect(rendered.objects.map((o) => `${o.kind}/${o.metadata.name ?? ""}`)).toEqual([
      "ConfigMap/rel-demo-files",
      "Deployment/rel-demo",
      "StatefulSet/rel-cache",
    ]);
    expect(rendered.notes).toBe("Installed rel in prod.\n");
    const deployment = rendered.objects[1];
    expect(deployment?.["spec"]).toEqual({
      replicas: 2,
      template: {
        spec: {
          containers: [
            {
              name: "web",
              image: "example/web:2.4",
              env: [
                { name: "LOG_LEVEL", value: "info" },
                { name: "MODE", value: "prod" },
              ],
            },
          ],
        },
      },
    });
    expect(rendered.objects[0]?.["data"]).toEqual({ "app.properties": "a=1\nb=2\n", team: "platform" });
    expect(rendered.objects[2]).toMatchObject({ metadata: { labels: { team: "platform" } }, spec: { replicas: 1 } });
  });

  it.each([
    {
      name: "user values win and null deletes",
      values: { env: { MODE: null, EXTRA: "x" }, image: { tag: "1.0" } },
      env: [
        { name: "EXTRA", value: "x" },
        { name: "LOG_LEVEL", value: "info" },
      ],
      image: "example/web:1.0",
    },
    {
      name: "defaults when no user values",
      values: {},
      env: [
        { name: "LOG_LEVEL", value: "info" },
        { name: "MODE", value: "prod" },
      ],
      image: "example/web:2.4",
    },
  ])("values: $name", ({ values, env, image }) => {
    const deployment = renderChart(chart, { releaseName: "rel", namespace: "prod", values }).objects.find(
      (o) => o.kind === "Deployment",
    );
    expect(deployment).toMatchObject({ spec: { template: { spec: { containers: [{ env, image }] } } } });
  });

  it("subchart values are scoped, and its condition switches it off", () => {
    const bigger = renderChart(chart, {
      releaseName: "rel",
      namespace: "ns",
      values: { cache: { size: 3 }, global: { team: "web" } },
    });
    expect(bigger.objects.find((o) => o.kind === "StatefulSet")).toMatchObject({
      metadata: { labels: { team: "web" } },
      spec: { replicas: 3 },
    });
    const off = renderChart(chart, { releaseName: "rel", namespace: "ns", values: { cache: { enabled: false } } });
    expect(off.objects.map((o) => o.kind)).not.toContain("StatefulSet");
  });

  it("renders the same twice (parsed templates are reused)", () => {
    const options = { releaseName: "rel", namespace: "ns" };
    expect(renderChart(chart, options)).toEqual(renderChart(chart, options));
  });
});

describe("bad charts", () => {
  it.each([
    {
      name: "template syntax error",
      dir: "bad-syntax",
      code: "E_CHART_TEMPLATE",
      message: "parse error at (bad-syntax/templates/configmap.yaml:6): unexpected EOF",
      line: 6,
    },
    {
      name: "unknown function",
      dir: "unknown-function",
      code: "E_CHART_TEMPLATE",
      message: 'parse error at (unknown-function/templates/configmap.yaml:4): function "frobnicate" not defined',
      line: 4,
    },
    {
      name: "missing required value",
      dir: "missing-required",
      code: "E_CHART_TEMPLATE",
      message: "execution error at (missing-required/templates/configmap.yaml:6:11): database.host is required",
      line: 6,
    },
    {
      name: "nil pointer",
      dir: "nil-pointer",
      code: "E_CHART_TEMPLATE",
      message:
        'template: nil-pointer/templates/configmap.yaml:6:15: executing "nil-pointer/templates/configmap.yaml" ' +
        "at <.Values.missing.field>: nil pointer evaluating interface {}.field",
      line: 6,
    },
    {
      name: "recursive include",
      dir: "recursive-include",
      code: "E_CHART_TEMPLATE",
      message: "rendering template has a nested reference name: loop",
      line: 2,
    },
    {
      name: "template rendering invalid YAML",
      dir: "invalid-yaml",
      code: "E_CHART_TEMPLATE",
      message: "YAML parse error on invalid-yaml/templates/configmap.yaml: error converting YAML to JSON: yaml: line 7",
      line: 7,
    },
    {
      name: "bad Chart.yaml",
      dir: "bad-chart-yaml",
      code: "E_CHART_LOAD",
      message: 'validation: chart.metadata.version "not-a-version" is invalid',
      line: 1,
    },
  ])("$name", ({ dir, code, message, line }) => {
    const error = caught(() =>
      renderChart(loadChart(join(FIXTURES, dir)), { releaseName: "rel", namespace: "default" }),
    );
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.source?.line).toBe(line);
    expect(error.hint).toBeTruthy();
  });

  it.each([
    { name: "parent directory", path: "demo/../../escape.txt", message: "illegally references parent directory" },
    { name: "absolute path", path: "/tmp/escape.txt", message: "illegally contains absolute paths" },
  ])("a tgz with a $name entry is rejected and nothing is written", ({ path, message }) => {
    const dir = tempDir();
    const bytes = buildTgz({ "demo/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 1.0.0\n", [path]: "x" });
    writeFileSync(join(dir, "evil.tgz"), bytes);
    const error = caught(() => loadChartArchive(bytes, "evil.tgz"));
    expect(error.code).toBe("E_CHART_LOAD");
    expect(error.message).toContain(message);
    expect(readdirSync(dir)).toEqual(["evil.tgz"]);
    expect(readdirSync(join(dir, ".."))).not.toContain("escape.txt");
  });

  it("a well-formed tgz built in memory loads", () => {
    const chart = loadChartArchive(
      buildTgz({
        "demo/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 1.0.0\n",
        "demo/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
      }),
      "mem.tgz",
    );
    expect(renderChart(chart, { releaseName: "r", namespace: "n" }).objects).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "r" } },
    ]);
  });
});
