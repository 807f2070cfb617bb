/**
 * Chart rendering cost as a ratio to parsing the rendered YAML with `yaml` in the same run
 * (goal ≤ 5×): canary-demo (from ../shared, else the bundled example, else a test fixture) and a
 * synthetic chart of 50 templates.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";
import { loadChart, renderChart, type LoadedChart } from "../src/chart/index.js";
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

async function measure(name: string, chart: LoadedChart): Promise<void> {
  const options = { releaseName: "canary-demo", namespace: "default" };
  const rendered = renderChart(chart, options);
  const text = rendered.objects.map((object) => stringify(object)).join("---\n");
  const render = await medianMs(() => renderChart(chart, options), 50, 10);
  const parse = await medianMs(() => parseAllDocuments(text), 50, 10);
  printFigure(`${name}: render`, render, "ms");
  printFigure(`${name}: parse rendered YAML (floor)`, parse, "ms");
  printFigure(`${name}: render ÷ parse`, render / parse, "×", { max: 5 });
}

export async function run(): Promise<void> {
  const { chart, from } = canaryDemo();
  await measure(`canary-demo (${from})`, chart);
  await measure("synthetic 50-template chart", syntheticChart(50));
}
