/**
 * Values and dependencies as Helm's `chartutil` computes them (ported from the behaviours that
 * `pkg/chartutil/coalesce_test.go`, `dependencies_test.go` and `pkg/engine/engine_test.go` check):
 * conditions and tags reaching grandchildren, aliases, import-values, nulls deleting defaults, schemas,
 * kubeVersion, `.Chart.IsRoot`, `.Subcharts`, `global`.
 */
import { describe, expect, it } from "vitest";
import { formatHelmTemplate, loadChartArchive, renderChart, type LoadedChart } from "../../src/chart/index.js";
import { VelaError } from "../../src/errors/index.js";
import { buildTgz } from "./support/tar-builder.js";

function chart(files: Record<string, string>): LoadedChart {
  const prefixed: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) prefixed[`root/${path}`] = text;
  return loadChartArchive(buildTgz(prefixed), "root.tgz");
}

const config = (name: string, data: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${data}\n`;

function names(files: Record<string, string>, values: Record<string, unknown> = {}): string[] {
  return renderChart(chart(files), { releaseName: "rel", namespace: "ns", values }).objects.map(
    (o) => o.metadata.name ?? "",
  );
}

const JOB =
  "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n";

const PARENT = {
  "Chart.yaml": `apiVersion: v2
name: parent
version: 1.0.0
dependencies:
  - name: child
    version: 1.x
    condition: child.enabled
  - name: child
    alias: second
    version: 1.x
    tags: [extra]
  - name: lib
    version: 1.0.0
    import-values:
      - defaults
      - child: settings
        parent: imported
`,
  "values.yaml": "imported:\n  mine: parent\n",
  "templates/cm.yaml": config(
    "parent",
    [
      "  imported: {{ toJson .Values.imported | quote }}",
      '  root: "{{ .Chart.IsRoot }}"',
      "  exported: {{ .Values.fromLib | quote }}",
      '  subs: {{ keys .Subcharts | sortAlpha | join "," | quote }}',
    ].join("\n"),
  ),
  "charts/child/Chart.yaml": `apiVersion: v2
name: child
version: 1.2.0
dependencies:
  - name: grandchild
    version: 1.0.0
    condition: grandchild.on
`,
  "charts/child/values.yaml": "enabled: true\nfeature:\n  a: 1\n  b: 2\ngrandchild:\n  on: true\n",
  "charts/child/templates/cm.yaml": config(
    "{{ .Chart.Name }}",
    '  feature: {{ toJson .Values.feature | quote }}\n  global: {{ .Values.global.team | default "none" | quote }}\n  root: "{{ .Chart.IsRoot }}"',
  ),
  "charts/child/charts/grandchild/Chart.yaml": "apiVersion: v2\nname: grandchild\nversion: 1.0.0\n",
  "charts/child/charts/grandchild/templates/cm.yaml": config("{{ .Release.Name }}-grand-{{ .Chart.Name }}", "  x: y"),
  "charts/lib/Chart.yaml": "apiVersion: v2\nname: lib\nversion: 1.0.0\n",
  "charts/lib/values.yaml": "exports:\n  defaults:\n    fromLib: hello\nsettings:\n  mine: lib\n  theirs: lib\n",
};

describe("dependencies and values (chartutil)", () => {
  it("renders a chart under its name and an alias, with the grandchild its condition enables", () => {
    // Objects of one kind come in template-path order: parent/charts/child/charts/grandchild/… first.
    expect(names(PARENT)).toEqual(["rel-grand-grandchild", "child", "rel-grand-grandchild", "second", "parent"]);
  });

  it("a condition turns a subchart off; a path into the child reaches the grandchild", () => {
    expect(names(PARENT, { child: { enabled: false } })).toEqual(["rel-grand-grandchild", "second", "parent"]);
    expect(names(PARENT, { child: { grandchild: { on: false } } })).toEqual([
      "child",
      "rel-grand-grandchild",
      "second",
      "parent",
    ]);
  });

  it("tags switch a dependency off", () => {
    expect(names(PARENT, { tags: { extra: false } })).toEqual(["rel-grand-grandchild", "child", "parent"]);
  });

  it("import-values: exports and child/parent tables become parent defaults, the parent's own values win", () => {
    const rendered = renderChart(chart(PARENT), { releaseName: "rel", namespace: "ns" });
    const parent = rendered.objects.find((o) => o.metadata.name === "parent");
    expect(parent?.["data"]).toEqual({
      imported: '{"mine":"parent","theirs":"lib"}',
      root: "true",
      exported: "hello",
      subs: "child,lib,second",
    });
  });

  it("a null deletes a nested default; globals flow down; .Chart.IsRoot is false in subcharts", () => {
    const rendered = renderChart(chart(PARENT), {
      releaseName: "rel",
      namespace: "ns",
      values: { global: { team: "platform" }, child: { feature: { a: null } } },
    });
    expect(rendered.objects.find((o) => o.metadata.name === "child")?.["data"]).toEqual({
      feature: '{"b":2}',
      global: "platform",
      root: "false",
    });
  });

  it("enforces values.schema.json with Helm's message", () => {
    const files = {
      "Chart.yaml": "apiVersion: v2\nname: s\nversion: 1.0.0\n",
      "values.yaml": "replicas: 1\n",
      "values.schema.json": JSON.stringify({
        type: "object",
        properties: { replicas: { type: "integer" } },
        required: ["replicas"],
      }),
      "templates/cm.yaml": config("s", "  r: {{ .Values.replicas | quote }}"),
    };
    let caught: unknown;
    try {
      renderChart(chart(files), { releaseName: "rel", namespace: "ns", values: { replicas: "two" } });
    } catch (error) {
      caught = error;
    }
    expect((caught as VelaError).message).toBe(
      "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
        "s:\n- replicas: Invalid type. Expected: integer, given: string\n",
    );
  });

  it("enforces the chart's kubeVersion", () => {
    const files = { "Chart.yaml": "apiVersion: v2\nname: k\nversion: 1.0.0\nkubeVersion: '>= 1.30.0-0'\n" };
    let caught: unknown;
    try {
      renderChart(chart(files), { releaseName: "rel", namespace: "ns", kubeVersion: "v1.29.0" });
    } catch (error) {
      caught = error;
    }
    expect((caught as VelaError).message).toBe(
      "chart requires kubeVersion: >= 1.30.0-0 which is incompatible with Kubernetes v1.29.0",
    );
    expect(renderChart(chart(files), { releaseName: "rel", namespace: "ns", kubeVersion: "v1.31+" }).objects).toEqual(
      [],
    );
  });

  it("reads manifests with YAML 1.1 rules, as the API server does", () => {
    const files = {
      "Chart.yaml": "apiVersion: v2\nname: y\nversion: 1.0.0\n",
      "templates/cm.yaml":
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: y\nmode: 0755\nflag: on\nquoted: {{ toYaml "on" }}\n',
    };
    const [secret] = renderChart(chart(files), { releaseName: "rel", namespace: "ns" }).objects;
    expect(secret).toMatchObject({ mode: 493, flag: true, quoted: "on" });
  });

  it("prints hooks last and keeps comment-only documents, as helm template", () => {
    const files = {
      "Chart.yaml": "apiVersion: v2\nname: h\nversion: 1.0.0\n",
      "templates/a.yaml": `${JOB}---\n# just a comment\n---\n${config("cm", "  a: b")}`,
      "templates/b.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n",
    };
    const rendered = renderChart(chart(files), { releaseName: "rel", namespace: "ns" });
    expect(formatHelmTemplate(rendered)).toBe(
      "---\n# Source: h/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n" +
        "---\n# Source: h/templates/a.yaml\n# just a comment\n" +
        // Hooks are sorted by kind too: the Pod before the Job.
        "---\n# Source: h/templates/b.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n" +
        `---\n# Source: h/templates/a.yaml\n${JOB}`,
    );
    expect(() => formatHelmTemplate(rendered, { skipTests: true, showOnly: ["templates/b.yaml"] })).toThrow(
      "could not find template templates/b.yaml in chart",
    );
  });
});
