/**
 * `--set` values typed as Helm types them (`strvals.typedVal`): integers are Go `int64`, so they
 * print in full (`1000000`, where a values-file number, a float64, prints `1e+06`), and Go's
 * argument checks see `int64`.
 */
import { describe, expect, it } from "vitest";
import { applySetValue, copyValues, int64, parseSetValues, renderChart } from "../../src/chart/index.js";
import { VelaError } from "../../src/errors/index.js";
import { chartOf } from "./support/chart-builder.js";

const CHART = {
  "Chart.yaml": "apiVersion: v2\nname: typed\nversion: 1.0.0\n",
  "values.yaml": "fromFile: 1000000\n",
  "values.schema.json": JSON.stringify({ properties: { replicas: { type: "integer", minimum: 1 } } }),
  "templates/cm.yaml": [
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: typed",
    "data:",
    '  set: "{{ .Values.replicas }} {{ typeOf .Values.replicas }} {{ kindOf .Values.replicas }}"',
    '  file: "{{ .Values.fromFile }} {{ typeOf .Values.fromFile }}"',
    '  sum: "{{ add .Values.replicas 1 }}"',
    '  yaml: {{ toYaml (dict "count" .Values.replicas) | quote }}',
    "",
  ].join("\n"),
};

function data(values: Record<string, unknown>): Record<string, unknown> {
  const rendered = renderChart(chartOf(CHART), { releaseName: "rel", namespace: "ns", values });
  return rendered.objects[0]?.["data"] as Record<string, unknown>;
}

describe("--set integers are int64", () => {
  it("print in full, as Helm prints them", () => {
    expect(data(parseSetValues(["replicas=1000000"]))).toEqual({
      set: "1000000 int64 int64",
      file: "1e+06 float64",
      sum: "1000001",
      yaml: "count: 1000000",
    });
  });

  it("pass an integer schema and fail a minimum with Helm's message", () => {
    let error: unknown;
    try {
      data(parseSetValues(["replicas=0"]));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VelaError);
    expect((error as VelaError).message).toContain("- replicas: Must be greater than or equal to 1");
  });

  it("are not ints: a function taking an int refuses them as Go does", () => {
    const chart = chartOf({
      "Chart.yaml": "apiVersion: v2\nname: t\nversion: 1.0.0\n",
      "templates/x.yaml": '{{ trunc .Values.n "abcdef" }}',
    });
    expect(() =>
      renderChart(chart, { releaseName: "rel", namespace: "ns", values: parseSetValues(["n=3"]) }),
    ).toThrowError("wrong type for value; expected int; got int64");
  });

  it("applySetValue leaves its input alone and its result survives copyValues", () => {
    const base = { keep: { a: 1 } };
    const once = applySetValue(base, "x=5");
    const twice = applySetValue(copyValues(once), "y=6");
    expect(base).toEqual({ keep: { a: 1 } });
    expect(twice).toStrictEqual({ keep: { a: 1 }, x: int64(5n), y: int64(6n) });
    expect(JSON.stringify(twice)).toBe('{"keep":{"a":1},"x":5,"y":6}');
  });
});
