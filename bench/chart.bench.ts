/**
 * Chart rendering cost as a ratio to parsing the rendered output (`helm template`'s text) with
 * `yaml` in the same run: goal ≤ 2× for a warm render of the largest chart the tests render (the
 * kube-prometheus-stack reproduction with its `storage-ingress-thanos` CI values: 108 documents,
 * ~200 KB), also shown for canary-demo and a synthetic 50-template chart. Render and parse samples
 * are interleaved after a timed warm-up, and the ratio is that of the medians, so a GC pause or a
 * noisy neighbour moves both sides alike. Also: the cold load and first render of a 1 MB chart of
 * CRDs (goal < 1 s) and reading a Helm-shaped 40,000-entry `index.yaml`.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { gzipSync } from "node:zlib";
import {
  formatHelmTemplate,
  loadChart,
  loadChartArchive,
  parseRepositoryIndex,
  renderChart,
  type LoadedChart,
  type RenderChartOptions,
} from "../src/chart/index.js";
import { ciValues, loadRealWorldChart } from "../test/chart/support/real-world.js";
import { medianMs, printFigure } from "./measure.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function canaryDemo(): { readonly chart: LoadedChart; readonly from: string } {
  const shared = resolve(root, "../shared/reference/charts/my-charts/canary-demo-2.0.0.tgz");
  if (existsSync(shared)) return { chart: loadChart(shared), from: "../shared canary-demo-2.0.0.tgz" };
  const example = join(root, "examples", "charts", "canary-demo");
  if (existsSync(join(example, "Chart.yaml")))
    return { chart: loadChart(example), from: "examples/charts/canary-demo" };
  return { chart: loadChart(join(root, "test", "fixtures", "charts", "demo")), from: "test/fixtures/charts/demo" };
}

function syntheticChart(templates: number): LoadedChart {
  const encoder = new TextEncoder();
  const helpers = `{{- define "syn.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | trunc 63 | trimSuffix "-" }}
{{- end }}`;
  const body = (i: number): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-app-${i}
  labels:
    {{- include "syn.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          env:
            {{- range $k, $v := .Values.env }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`;
  return {
    metadata: { apiVersion: "v2", name: "syn", version: "1.0.0", appVersion: "1.0" },
    origin: "synthetic",
    templates: [
      { path: "templates/_helpers.tpl", data: encoder.encode(helpers) },
      ...Array.from({ length: templates }, (_, i) => ({
        path: `templates/t${String(i).padStart(2, "0")}.yaml`,
        data: encoder.encode(body(i)),
      })),
    ],
    values: {
      replicas: 3,
      image: { repository: "example/app", tag: "" },
      env: { A: "1", B: "two", C: "3" },
      resources: { limits: { cpu: "100m", memory: "128Mi" } },
    },
    files: [],
    subcharts: [],
  };
}

const median = (samples: readonly number[]): number =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;

/**
 * Warm render ÷ parse: both run until `warmupMs` has passed (at least 10 times each), then
 * `samples` interleaved pairs are timed.
 */
function measure(name: string, chart: LoadedChart, options: RenderChartOptions, goal: number): void {
  const text = formatHelmTemplate(renderChart(chart, options));
  const render = (): unknown => renderChart(chart, options);
  const parse = (): unknown => parseAllDocuments(text);
  const warmupMs = 2000;
  const started = performance.now();
  for (let i = 0; i < 10 || performance.now() - started < warmupMs; i++) {
    render();
    parse();
  }
  const renders: number[] = [];
  const parses: number[] = [];
  for (let i = 0; i < 60; i++) {
    let start = performance.now();
    render();
    renders.push(performance.now() - start);
    start = performance.now();
    parse();
    parses.push(performance.now() - start);
  }
  const documents = text.split("\n---\n").length;
  printFigure(`${name}: render (${documents} documents, ${Math.round(text.length / 1024)} KiB)`, median(renders), "ms");
  printFigure(`${name}: parse the rendered text with yaml (floor)`, median(parses), "ms");
  printFigure(`${name}: render ÷ parse`, median(renders) / median(parses), "×", { max: goal });
}

/** A Helm-shaped index.yaml: `entries` of `charts` charts × `versions` versions, each fully described. */
function repositoryIndex(charts: number, versions: number): string {
  const lines = ["apiVersion: v1", "entries:"];
  for (let c = 0; c < charts; c++) {
    lines.push(`  chart-${c}:`);
    for (let v = 0; v < versions; v++) {
      const version = `${Math.floor(v / 10)}.${v % 10}.${c % 7}`;
      lines.push(
        "  - annotations:",
        "      category: Infrastructure",
        "      licenses: Apache-2.0",
        "    apiVersion: v2",
        `    appVersion: ${version}`,
        `    created: "2024-0${1 + (v % 9)}-1${v % 10}T10:2${v % 10}:33.123456789Z"`,
        "    dependencies:",
        "    - name: common",
        "      repository: oci://registry-1.docker.io/bitnamicharts",
        "      tags:",
        "      - bitnami-common",
        "      version: 2.x.x",
        `    description: Chart number ${c}, a packaged application with a description of ordinary length.`,
        `    digest: ${((c * 131 + v) * 2654435761).toString(16).padStart(16, "0").repeat(4).slice(0, 64)}`,
        `    home: https://example.com/charts/chart-${c}`,
        "    icon: https://example.com/icon.svg",
        "    keywords:",
        "    - application",
        "    - http",
        "    maintainers:",
        "    - name: Example",
        "      url: https://example.com/maintainers",
        `    name: chart-${c}`,
        "    sources:",
        `    - https://github.com/example/charts/tree/main/chart-${c}`,
        "    urls:",
        `    - https://charts.example.com/chart-${c}-${version}.tgz`,
        `    version: ${version}`,
      );
    }
  }
  lines.push('generated: "2024-06-01T00:00:00Z"', "");
  return lines.join("\n");
}

/** A packaged chart of about 1 MB: CRDs with long schemas under crds/ and templates/. */
function megabyteChartArchive(): { readonly archive: Uint8Array; readonly unpacked: number } {
  const entries: Record<string, string> = {
    "big/Chart.yaml": "apiVersion: v2\nname: big\nversion: 1.0.0\n",
    "big/values.yaml": "enabled: true\n",
  };
  const field = (i: number): string =>
    `                field${i}:\n                  type: string\n` +
    `                  description: "A field of the big schema, number ${i}, with a long description to fill the file."\n`;
  const properties = Array.from({ length: 120 }, (_, i) => field(i)).join("");
  for (let i = 0; i < 60; i++) {
    const crd = [
      "apiVersion: apiextensions.k8s.io/v1",
      "kind: CustomResourceDefinition",
      "metadata:",
      `  name: things${i}.example.com`,
      "spec:",
      "  group: example.com",
      "  names:",
      `    kind: Thing${i}`,
      `    plural: things${i}`,
      "  scope: Namespaced",
      "  versions:",
      "    - name: v1",
      "      served: true",
      "      storage: true",
      "      schema:",
      "        openAPIV3Schema:",
      "          type: object",
      "          properties:",
      "            spec:",
      "              type: object",
      "              properties:",
      properties,
    ].join("\n");
    entries[`big/crds/thing${i}.yaml`] = crd;
    entries[`big/templates/thing${i}.yaml`] = `{{- if .Values.enabled }}\n${crd}{{- end }}\n`;
  }
  const blocks: Buffer[] = [];
  for (const [path, text] of Object.entries(entries)) {
    const data = Buffer.from(text, "utf8");
    const header = Buffer.alloc(512);
    header.write(path, 0, 100, "utf8");
    header.write("0000644\0", 100, "ascii");
    header.write("0000000\0", 108, "ascii");
    header.write("0000000\0", 116, "ascii");
    header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124, "ascii");
    header.write("00000000000\0", 136, "ascii");
    header.write("        ", 148, "ascii");
    header.write("0", 156, "ascii");
    header.write("ustar\0", 257, "ascii");
    header.write("00", 263, "ascii");
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  const tar = Buffer.concat(blocks);
  return { archive: gzipSync(tar), unpacked: tar.length };
}

export async function run(): Promise<void> {
  const kps = ciValues("kube-prometheus-stack").find((c) => c.file === "storage-ingress-thanos-values.yaml");
  measure(
    "kube-prometheus-stack reproduction + storage-ingress-thanos values (largest chart tested)",
    loadRealWorldChart("kube-prometheus-stack"),
    { releaseName: "kps", namespace: "monitoring", values: kps?.values ?? {} },
    2,
  );
  const { chart, from } = canaryDemo();
  measure(`canary-demo (${from})`, chart, { releaseName: "canary-demo", namespace: "default" }, 2);
  measure("synthetic 50-template chart", syntheticChart(50), { releaseName: "syn", namespace: "default" }, 2);
  const { archive, unpacked } = megabyteChartArchive();
  const cold = await medianMs(
    () => renderChart(loadChartArchive(archive, "big.tgz"), { releaseName: "big", namespace: "default" }),
    5,
    0,
  );
  printFigure(
    `chart of CRDs (${Math.round(archive.length / 1024)} KiB packed, ${Math.round(unpacked / 1024)} KiB unpacked): cold load + render`,
    cold,
    "ms",
    {
      max: 1000,
    },
  );
  const index = repositoryIndex(400, 100);
  const read = await medianMs(() => parseRepositoryIndex(index, "bench"), 5, 1);
  printFigure(`index.yaml of 40,000 entries (${Math.round(index.length / 1024 / 1024)} MiB): read`, read, "ms");
}
