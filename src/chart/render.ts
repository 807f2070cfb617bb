/**
 * `helm template` offline: renders every template of a chart and its subcharts with Helm's built-in
 * objects, drops partials, NOTES.txt, tests and empty documents, and parses each document as a
 * Kubernetes object.
 */
import { parseDocument } from "yaml";
import type { KubeObject } from "../model/kube-object.js";
import type { ChartFile, ChartMetadata, LoadedChart } from "./chart.js";
import { ChartError } from "./errors.js";
import { createFilesObject } from "./files.js";
import { GoStruct } from "./template/go-value.js";
import { createHelmEnv, HELM_FUNCTION_NAMES } from "./template/helm-functions.js";
import { depthError, isDepthExceeded, TemplateSet } from "./template/exec.js";
import { parseSemver } from "./template/sprig-misc.js";
import { scopeValues, type ScopedChart } from "./values.js";

/** Options of {@link renderChart}, as `helm template` flags. */
export interface RenderChartOptions {
  readonly releaseName: string;
  readonly namespace: string;
  /** User values (merged over the chart's values.yaml). @default {} */
  readonly values?: Readonly<Record<string, unknown>>;
  /** `.Capabilities.KubeVersion`. @default "v1.29.0" */
  readonly kubeVersion?: string;
  /** `.Release.IsInstall` (and `IsUpgrade` is its opposite). @default true */
  readonly isInstall?: boolean;
  /** `.Release.Revision`. @default 1 */
  readonly revision?: number;
  /** What `now`, `date` and `ago` see. @default 1970-01-01T00:00:00Z (so output is deterministic) */
  readonly now?: Date;
  /** Seed of `randAlphaNum`, `uuidv4` and friends. @default 1 */
  readonly randomSeed?: number;
  /** Extra `.Capabilities.APIVersions` entries (group/version or group/version/Kind). @default [] */
  readonly apiVersions?: readonly string[];
}

/** The output of one template file. */
export interface RenderedTemplate {
  /** `canary-demo/templates/deployment.yaml`, as `helm template` prints after `# Source:`. */
  readonly source: string;
  readonly objects: readonly KubeObject[];
}

/** What a chart renders to. */
export interface RenderedChart {
  /** Templates that produced objects, by source name. */
  readonly templates: readonly RenderedTemplate[];
  /** Every object, in Helm's install order (by kind), then by template. */
  readonly objects: readonly KubeObject[];
  /** The root chart's rendered NOTES.txt, when it has one. */
  readonly notes?: string;
}

/** Helm's `releaseutil.InstallOrder`. */
const INSTALL_ORDER = [
  "PriorityClass",
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodSecurityPolicy",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "SecretList",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleList",
  "ClusterRoleBinding",
  "ClusterRoleBindingList",
  "Role",
  "RoleList",
  "RoleBinding",
  "RoleBindingList",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
];

/** The group/versions a v1.29 cluster serves (Helm's default capabilities), for `.Capabilities.APIVersions.Has`. */
const DEFAULT_API_VERSIONS = [
  "v1",
  "admissionregistration.k8s.io/v1",
  "apiextensions.k8s.io/v1",
  "apiregistration.k8s.io/v1",
  "apps/v1",
  "authentication.k8s.io/v1",
  "authorization.k8s.io/v1",
  "autoscaling/v1",
  "autoscaling/v2",
  "batch/v1",
  "certificates.k8s.io/v1",
  "coordination.k8s.io/v1",
  "discovery.k8s.io/v1",
  "events.k8s.io/v1",
  "flowcontrol.apiserver.k8s.io/v1beta3",
  "networking.k8s.io/v1",
  "node.k8s.io/v1",
  "policy/v1",
  "rbac.authorization.k8s.io/v1",
  "scheduling.k8s.io/v1",
  "storage.k8s.io/v1",
];

const DEFAULT_NOW = new Date(0);
const encoder = new TextDecoder();

/** One template to execute: its full name and the chart it belongs to. */
interface TemplateUnit {
  readonly name: string;
  readonly chartPath: string;
  readonly file: ChartFile;
}

/** Parsed templates of a chart, memoised per LoadedChart object (charts are immutable data). */
interface ParsedChart {
  readonly set: TemplateSet;
  readonly units: readonly TemplateUnit[];
}
const parsedCharts = new WeakMap<LoadedChart, Map<string, ParsedChart>>();

function collectUnits(scoped: ScopedChart, out: TemplateUnit[]): void {
  for (const file of scoped.chart.templates)
    out.push({ name: `${scoped.path}/${file.path}`, chartPath: scoped.path, file });
  for (const sub of scoped.subcharts) collectUnits(sub, out);
}

function segments(name: string): number {
  return name.split("/").length;
}

/** Helm's `sortTemplates`: deeper paths first, then reverse lexical order, so parents' defines win. */
function helmTemplateOrder(a: TemplateUnit, b: TemplateUnit): number {
  const depth = segments(b.name) - segments(a.name);
  if (depth !== 0) return depth;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

function scopedPaths(scoped: ScopedChart): string[] {
  return [scoped.path, ...scoped.subcharts.flatMap(scopedPaths)];
}

function parseChart(scoped: ScopedChart): ParsedChart {
  // Enabled subcharts (and their aliases) decide which templates are in the set.
  const key = scopedPaths(scoped).join(",");
  let byKey = parsedCharts.get(scoped.chart);
  const cached = byKey?.get(key);
  if (cached !== undefined) return cached;
  const units: TemplateUnit[] = [];
  collectUnits(scoped, units);
  units.sort(helmTemplateOrder);
  const set = new TemplateSet(HELM_FUNCTION_NAMES);
  for (const unit of units) set.add(unit.name, encoder.decode(unit.file.data));
  const parsed = { set, units };
  if (byKey === undefined) {
    byKey = new Map();
    parsedCharts.set(scoped.chart, byKey);
  }
  byKey.set(key, parsed);
  return parsed;
}

function capitalised(metadata: ChartMetadata, name: string): GoStruct {
  const fields: Record<string, unknown> = {};
  const rename: Record<string, string> = {
    apiVersion: "APIVersion",
    appVersion: "AppVersion",
    kubeVersion: "KubeVersion",
  };
  for (const field of [
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
  ]) {
    const value = (metadata as unknown as Record<string, unknown>)[field];
    const goName = rename[field] ?? field.charAt(0).toUpperCase() + field.slice(1);
    fields[goName] =
      field === "name"
        ? name
        : value === undefined
          ? field === "deprecated"
            ? false
            : ["sources", "keywords", "maintainers", "dependencies"].includes(field)
              ? null
              : field === "annotations"
                ? null
                : ""
          : value;
  }
  return new GoStruct("*chart.Metadata", fields);
}

function capabilities(kubeVersion: string, extra: readonly string[]): GoStruct {
  let parsed;
  try {
    parsed = parseSemver(kubeVersion);
  } catch {
    throw new ChartError("E_CHART_VALUES", `invalid kube version "${kubeVersion}"`, {
      hint: "use a version like v1.29.0",
    });
  }
  const version = `v${parsed.major}.${parsed.minor}.${parsed.patch}${parsed.prerelease.length > 0 ? `-${parsed.prerelease.join(".")}` : ""}`;
  const kube = new GoStruct(
    "chartutil.KubeVersion",
    { Version: version, Major: String(parsed.major), Minor: String(parsed.minor), GitVersion: version },
    { String: () => version },
    () => version,
  );
  const versions = [...DEFAULT_API_VERSIONS, ...extra];
  const apiVersions = new GoStruct(
    "chartutil.VersionSet",
    {},
    {
      Has: (wanted) =>
        typeof wanted === "string" &&
        (versions.includes(wanted) ||
          versions.some((v) => wanted.startsWith(`${v}/`) && wanted.split("/").length === v.split("/").length + 1)),
    },
    () => `[${versions.join(" ")}]`,
  );
  const helmVersion = new GoStruct("chartutil.HelmVersion", {
    Version: "v3.14.0",
    GitCommit: "",
    GitTreeState: "",
    GoVersion: "go1.21",
  });
  return new GoStruct("*chartutil.Capabilities", {
    KubeVersion: kube,
    APIVersions: apiVersions,
    HelmVersion: helmVersion,
  });
}

function templateError(source: string, message: string, line: number, hint: string): ChartError {
  return new ChartError("E_CHART_TEMPLATE", message, { source: { file: source, line, column: 1 }, hint });
}

/** Helm's `releaseutil.SplitManifests`: documents separated by `---` lines, blank ones dropped. */
function splitDocuments(text: string): { readonly body: string; readonly line: number }[] {
  const out: { body: string; line: number }[] = [];
  const lines = text.split("\n");
  let current: string[] = [];
  let startLine = 1;
  lines.forEach((line, i) => {
    if (/^---(\s.*)?$/.test(line)) {
      out.push({ body: current.join("\n"), line: startLine });
      current = [];
      startLine = i + 2;
    } else current.push(line);
  });
  out.push({ body: current.join("\n"), line: startLine });
  return out.filter((doc) => doc.body.trim() !== "");
}

function isTestHook(object: KubeObject): boolean {
  const hook = object.metadata.annotations?.["helm.sh/hook"];
  return (
    typeof hook === "string" && hook.split(",").some((h) => ["test", "test-success", "test-failure"].includes(h.trim()))
  );
}

function parseObjects(source: string, text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of splitDocuments(text)) {
    const parsed = parseDocument(doc.body, { merge: true });
    const error = parsed.errors[0];
    if (error !== undefined) {
      const line = doc.line - 1 + (error.linePos?.[0].line ?? 1);
      throw templateError(
        source,
        `YAML parse error on ${source}: line ${line}: ${error.message.split("\n")[0] ?? error.message}`,
        line,
        "the template renders invalid YAML at this line of its output; check indentation (nindent/indent) and quoting",
      );
    }
    const value: unknown = parsed.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw templateError(
        source,
        `error validating ${source}: document at line ${doc.line} is not a Kubernetes object`,
        doc.line,
        "each document a template renders must be a mapping with apiVersion and kind",
      );
    }
    const record = value as Record<string, unknown>;
    if (typeof record["kind"] !== "string" || typeof record["apiVersion"] !== "string") {
      throw templateError(
        source,
        `error validating ${source}: object at line ${doc.line} is missing apiVersion or kind`,
        doc.line,
        "each rendered object needs apiVersion and kind",
      );
    }
    if (typeof record["metadata"] !== "object" || record["metadata"] === null) record["metadata"] = {};
    const object = record as unknown as KubeObject;
    if (isTestHook(object)) continue;
    objects.push(object);
  }
  return objects;
}

function installRank(kind: string): number {
  const index = INSTALL_ORDER.indexOf(kind);
  return index < 0 ? INSTALL_ORDER.length : index;
}

function flatten(scoped: ScopedChart, out: Map<string, ScopedChart>): void {
  out.set(scoped.path, scoped);
  for (const sub of scoped.subcharts) flatten(sub, out);
}

/**
 * Renders a chart as `helm template` does. Synchronous and pure over its inputs (the clock and random
 * seed are options); template errors are `E_CHART_TEMPLATE` with the template name and line.
 */
export function renderChart(chart: LoadedChart, options: RenderChartOptions): RenderedChart {
  if (chart.metadata.type === "library") {
    throw new ChartError("E_CHART_LOAD", `library charts are not installable: ${chart.metadata.name}`, {
      hint: "render an application chart that depends on this library",
    });
  }
  const scoped = scopeValues(chart, options.values ?? {});
  const { set, units } = parseChart(scoped);
  const byPath = new Map<string, ScopedChart>();
  flatten(scoped, byPath);
  const caps = capabilities(options.kubeVersion ?? "v1.29.0", options.apiVersions ?? []);
  const isInstall = options.isInstall ?? true;
  const release = {
    Name: options.releaseName,
    Namespace: options.namespace,
    IsUpgrade: !isInstall,
    IsInstall: isInstall,
    Revision: BigInt(options.revision ?? 1),
    Service: "Helm",
  };
  const tops = new Map<string, Record<string, unknown>>();
  for (const [path, item] of byPath) {
    const name = path.split("/").pop() ?? item.chart.metadata.name;
    tops.set(path, {
      Values: item.values,
      Release: release,
      Chart: capitalised(item.chart.metadata, name),
      Capabilities: caps,
      Files: createFilesObject(item.chart.files),
      Subcharts: {},
    });
  }
  const env = createHelmEnv(set, { now: options.now ?? DEFAULT_NOW, seed: options.randomSeed ?? 1 });
  const rendered: RenderedTemplate[] = [];
  let notes: string | undefined;
  for (const unit of units) {
    const base = unit.file.path.split("/").pop() ?? "";
    if (base.startsWith("_")) continue;
    const inTests = unit.file.path.startsWith("templates/tests/");
    const isNotes = unit.file.path === "templates/NOTES.txt";
    if (inTests || (isNotes && unit.chartPath !== scoped.path)) continue;
    const top = tops.get(unit.chartPath) ?? {};
    const data = { ...top, Template: { Name: unit.name, BasePath: `${unit.chartPath}/templates` } };
    let text: string;
    try {
      text = set.execute(unit.name, data, env).replaceAll("<no value>", "");
    } catch (error) {
      if (isDepthExceeded(error)) throw depthError(error, unit.name);
      throw error;
    }
    if (isNotes) {
      notes = text;
      continue;
    }
    if (!/\.(ya?ml|json)$/.test(unit.file.path)) continue;
    const objects = parseObjects(unit.name, text);
    if (objects.length > 0) rendered.push({ source: unit.name, objects });
  }
  rendered.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const objects = rendered
    .flatMap((template, order) => template.objects.map((object) => ({ object, order })))
    .sort((a, b) => installRank(a.object.kind) - installRank(b.object.kind) || a.order - b.order)
    .map((entry) => entry.object);
  return { templates: rendered, objects, ...(notes === undefined ? {} : { notes }) };
}
