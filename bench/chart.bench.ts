/**
 * Chart rendering cost as a ratio to parsing the rendered YAML with `yaml` in the same run
 * (goal ≤ 2× for a warm render of the largest chart, the synthetic one): canary-demo (from ../shared,
 * else the bundled example, else a test fixture) and a synthetic chart of 50 templates. Also the cold
 * load and first render of a 1 MB chart of CRDs (goal < 1 s).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";
import { gzipSync } from "node:zlib";
import { loadChart, loadChartArchive, renderChart, type LoadedChart } from "../src/chart/index.js";
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

async function measure(name: string, chart: LoadedChart, goal: number): Promise<void> {
  const options = { releaseName: "canary-demo", namespace: "default" };
  const rendered = renderChart(chart, options);
  const text = rendered.objects.map((object) => stringify(object)).join("---\n");
  const render = await medianMs(() => renderChart(chart, options), 50, 10);
  const parse = await medianMs(() => parseAllDocuments(text), 50, 10);
  printFigure(`${name}: render`, render, "ms");
  printFigure(`${name}: parse rendered YAML (floor)`, parse, "ms");
  printFigure(`${name}: render ÷ parse`, render / parse, "×", { max: goal });
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
  const { chart, from } = canaryDemo();
  await measure(`canary-demo (${from})`, chart, 5);
  await measure("synthetic 50-template chart (warm)", syntheticChart(50), 2);
  const { archive, unpacked } = megabyteChartArchive();
  const cold = await medianMs(
    () => renderChart(loadChartArchive(archive, "big.tgz"), { releaseName: "big", namespace: "default" }),
    5,
    0,
  );
  printFigure(`1 MB chart of CRDs (~${Math.round(unpacked / 1024)} KiB unpacked): cold load + render`, cold, "ms", {
    max: 1000,
  });
}
