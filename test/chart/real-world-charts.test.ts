/**
 * Ten popular charts, each reproduced by a small chart of our own that uses the same template
 * constructs, functions and values patterns (test/fixtures/charts/real-world): every one renders
 * with its default values and with each of its `ci/` values files, every object is valid against the
 * Kubernetes schemas (kubernetes-models), and no output holds `<no value>`, `<nil>` or a `%!` fmt error.
 */
import { describe, expect, it } from "vitest";
import { formatHelmTemplate, renderChart, type RenderedChart } from "../../src/chart/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { describeIssues, validateAgainstSchema } from "../support/k8s-schema.js";
import { ciValues, loadRealWorldChart, REAL_WORLD_CHARTS } from "./support/real-world.js";

/** Custom resources the charts create; their CRDs are not in reference/crds, so only their metadata is checked. */
const CUSTOM_KINDS = new Set([
  "monitoring.coreos.com/v1/ServiceMonitor",
  "monitoring.coreos.com/v1/PodMonitor",
  "monitoring.coreos.com/v1/PrometheusRule",
  "monitoring.coreos.com/v1/Prometheus",
  "monitoring.coreos.com/v1/Alertmanager",
  "cert-manager.io/v1/Certificate",
  "cert-manager.io/v1/Issuer",
]);

/** An object as the API server decodes it: explicit nulls are absent fields. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) out[key] = withoutNulls(item);
  return out;
}

/** The objects a document holds: itself, or the items of a `v1` List. */
function objectsOf(object: KubeObject): KubeObject[] {
  if (object.apiVersion === "v1" && object.kind === "List" && Array.isArray(object["items"]))
    return object["items"] as KubeObject[];
  return [object];
}

function schemaProblems(rendered: RenderedChart): string[] {
  const problems: string[] = [];
  const docs = [...rendered.manifests, ...rendered.hooks].flatMap((doc) =>
    doc.object === undefined ? [] : objectsOf(doc.object).map((object) => ({ source: doc.source, object })),
  );
  for (const doc of docs) {
    const object = doc.object;
    const kind = `${object.apiVersion}/${object.kind}`;
    if (CUSTOM_KINDS.has(kind)) {
      if (typeof object.metadata.name !== "string" || object.metadata.name === "")
        problems.push(`${doc.source}: ${kind} has no name`);
      continue;
    }
    const issues = validateAgainstSchema(withoutNulls(object));
    if (issues.length > 0) problems.push(`${doc.source}: ${describeIssues(object, issues)}`);
  }
  return problems;
}

const CASES = REAL_WORLD_CHARTS.flatMap((chart) => [
  { chart, file: "default values", values: {} },
  ...ciValues(chart).map(({ file, values }) => ({ chart, file: `ci/${file}`, values })),
]);

describe("ten popular charts, reproduced pattern for pattern", () => {
  it.each(CASES)("$chart with $file renders valid objects", ({ chart, values }) => {
    const rendered = renderChart(loadRealWorldChart(chart), {
      releaseName: "rel",
      namespace: "apps",
      values,
      kubeVersion: "v1.29.0",
    });
    expect(rendered.objects.length).toBeGreaterThan(0);
    expect(schemaProblems(rendered)).toEqual([]);
    const text = formatHelmTemplate(rendered) + (rendered.notes ?? "");
    expect(text).not.toMatch(/<no value>|<nil>|%!/);
  });
});
