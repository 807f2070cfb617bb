/**
 * `helm template` offline (Helm's `engine.Render`, `releaseutil.SortManifests` and the `template`
 * command's printing): every template of a chart and its enabled subcharts is executed with Helm's
 * built-in objects, the output is split into documents, hooks are told apart, documents are sorted in
 * Helm's install order, and each Kubernetes object is parsed with YAML 1.1 rules as the API server
 * reads it.
 */
import { isKubeObject, type KubeObject } from "../model/kube-object.js";
import type { ChartDependency, ChartFile, ChartMetadata, LoadedChart } from "./chart.js";
import { ChartError, GoTemplateError } from "./errors.js";
import { createFilesObject } from "./files.js";
import { validateValuesSchemas } from "./schema.js";
import { fn, type GoFunc } from "./template/go-func.js";
import { GoStruct, scalarText, withGoMethods, withGoType } from "./template/go-value.js";
import { asTemplateError, TemplateSet, type ExecEnv } from "./template/exec.js";
import { TemplateSyntaxError } from "./template/template-error.js";
import { createHelmEnv, HELM_FUNCTION_NAMES, type LookupFunction } from "./template/helm-functions.js";
import type { EvaluationLimits } from "./template/limits.js";
import { parseSemver, semverSatisfies } from "./template/semver.js";
import { scopeValues, type ScopedChart } from "./values.js";
import { goYamlError, readYamlDocuments, toHelmYaml, YamlSyntaxError } from "./yaml.js";

/** Options of {@link renderChart}, as `helm template` flags. */
export interface RenderChartOptions {
  readonly releaseName: string;
  readonly namespace: string;
  /** User values (merged over the chart's values.yaml). @default {} */
  readonly values?: Readonly<Record<string, unknown>>;
  /** `.Capabilities.KubeVersion` (`v1.29.0`, `1.28`, `v1.28+`). @default "v1.29.0" */
  readonly kubeVersion?: string;
  /** `.Release.IsInstall` (and `IsUpgrade` is its opposite); `--is-upgrade` is `false`. @default true */
  readonly isInstall?: boolean;
  /** `.Release.Revision`. @default 1 */
  readonly revision?: number;
  /** What `now`, `date` and `ago` see. @default 1970-01-01T00:00:00Z (so output is deterministic) */
  readonly now?: Date;
  /** Seed of `randAlphaNum`, `uuidv4` and friends. @default 1 */
  readonly randomSeed?: number;
  /** Extra `.Capabilities.APIVersions` entries (group/version or group/version/Kind). @default [] */
  readonly apiVersions?: readonly string[];
  /** Bounds of the evaluation (steps, time, output size, nesting). @default DEFAULT_LIMITS */
  readonly limits?: EvaluationLimits;
  /** Skip `values.schema.json` checks (`--skip-schema-validation`). @default false */
  readonly skipSchemaValidation?: boolean;
  /** What the `lookup` function reads. @default none: `lookup` returns an empty map, as in `helm template` */
  readonly lookup?: LookupFunction;
  /** Extra or replacement functions (Helm's `Engine.CustomTemplateFuncs`), declared with Go parameter types. @default {} */
  readonly funcs?: Readonly<Record<string, GoFunc>>;
}

/** One document a template rendered, as `helm template` prints it. */
export interface RenderedManifest {
  /** `canary-demo/templates/deployment.yaml`, as printed after `# Source:`. */
  readonly source: string;
  /** The document text (trimmed, without its `---`). */
  readonly text: string;
  /** The Kubernetes object, when the document is one (comment-only documents and bare mappings are not). */
  readonly object?: KubeObject;
  /** Hook events (`pre-install`, `test`, …) when the document is a Helm hook. */
  readonly hookEvents?: readonly string[];
}

/** The output of one template file. */
export interface RenderedTemplate {
  readonly source: string;
  readonly objects: readonly KubeObject[];
}

/** What a chart renders to. */
export interface RenderedChart {
  /** Templates that produced objects, by source name. */
  readonly templates: readonly RenderedTemplate[];
  /** Every Kubernetes object that is not a test hook: manifests in install order, then hooks. */
  readonly objects: readonly KubeObject[];
  /** Documents that are not hooks, in Helm's install order. */
  readonly manifests: readonly RenderedManifest[];
  /** Hook documents (tests included), in Helm's order. */
  readonly hooks: readonly RenderedManifest[];
  /**
   * Files under `crds/` of the chart and its enabled subcharts (`--include-crds`): `source` is the
   * path in the release, `name` the path in its own chart (what `helm template` prints).
   */
  readonly crds: readonly { readonly source: string; readonly name: string; readonly text: string }[];
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
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
];
const INSTALL_RANK = new Map(INSTALL_ORDER.map((kind, i) => [kind, i]));

/** Helm's hook events (`release.HookEvent`), with Helm 2's `test-success` still meaning `test`. */
const HOOK_EVENTS = new Map([
  ["pre-install", "pre-install"],
  ["post-install", "post-install"],
  ["pre-delete", "pre-delete"],
  ["post-delete", "post-delete"],
  ["pre-upgrade", "pre-upgrade"],
  ["post-upgrade", "post-upgrade"],
  ["pre-rollback", "pre-rollback"],
  ["post-rollback", "post-rollback"],
  ["test", "test"],
  ["test-success", "test"],
]);

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
  "flowcontrol.apiserver.k8s.io/v1",
  "flowcontrol.apiserver.k8s.io/v1beta3",
  "networking.k8s.io/v1",
  "node.k8s.io/v1",
  "policy/v1",
  "rbac.authorization.k8s.io/v1",
  "scheduling.k8s.io/v1",
  "storage.k8s.io/v1",
];

const DEFAULT_NOW = new Date(0);
const decoder = new TextDecoder();
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** One template to execute: its full name and the chart it belongs to. */
interface TemplateUnit {
  readonly name: string;
  readonly scoped: ScopedChart;
  readonly file: ChartFile;
}

function collectUnits(scoped: ScopedChart, out: TemplateUnit[]): void {
  const library = scoped.resolved.metadata.type === "library";
  for (const file of scoped.chart.templates) {
    const base = file.path.split("/").pop() ?? "";
    // Helm's isTemplateValid: a library chart contributes only its partials.
    if (library && !base.startsWith("_")) continue;
    out.push({ name: `${scoped.path}/${file.path}`, scoped, file });
  }
  for (const sub of scoped.subcharts) collectUnits(sub, out);
}

/** Helm's `sortTemplates`: deeper paths first, then reverse lexical order, so parents' defines win. */
function helmTemplateOrder(a: TemplateUnit, b: TemplateUnit): number {
  const depth = b.name.split("/").length - a.name.split("/").length;
  if (depth !== 0) return depth;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/**
 * Helm's `cleanupParseError`: Go's `template: NAME:LINE: a: b: reason` becomes
 * `parse error at (NAME:LINE): reason`.
 */
function helmParseError(error: TemplateSyntaxError): ChartError {
  const tokens = error.message.split(": ");
  const location = tokens[1] ?? "";
  const reason = tokens[tokens.length - 1] ?? error.message;
  return new ChartError("E_CHART_TEMPLATE", `parse error at (${location}): ${reason}`, {
    ...(error.source === undefined ? {} : { source: error.source }),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error,
  });
}

/** Parsed template sets, memoised per chart (charts are immutable data) and set of enabled templates. */
const parsedSets = new WeakMap<LoadedChart, Map<string, TemplateSet>>();

function parseUnits(chart: LoadedChart, units: readonly TemplateUnit[], extraFuncs: readonly string[]): TemplateSet {
  const key = `${units.map((unit) => unit.name).join("\u0000")}\u0001${extraFuncs.join("\u0000")}`;
  let byKey = parsedSets.get(chart);
  const cached = byKey?.get(key);
  if (cached !== undefined) return cached;
  const set = new TemplateSet(
    extraFuncs.length === 0 ? HELM_FUNCTION_NAMES : new Set([...HELM_FUNCTION_NAMES, ...extraFuncs]),
  );
  for (const unit of units) {
    try {
      set.add(unit.name, decoder.decode(unit.file.data));
    } catch (error) {
      throw error instanceof TemplateSyntaxError ? helmParseError(error) : error;
    }
  }
  if (byKey === undefined) {
    byKey = new Map();
    parsedSets.set(chart, byKey);
  }
  if (byKey.size > 16) byKey.clear();
  byKey.set(key, set);
  return set;
}

function isValuesTable(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `.Values`, a `chartutil.Values`: a map whose methods `Table`, `PathValue`, `YAML` and `AsMap`
 * come before its keys, as Go's field lookup tries methods first.
 */
function valuesObject(values: Record<string, unknown>): Record<string, unknown> {
  const table = (name: string): Record<string, unknown> => {
    let current = values;
    for (const key of name.split(".")) {
      const next = current[key];
      if (!isValuesTable(next)) throw new GoTemplateError(`${JSON.stringify(key)} is not a table`);
      current = next;
    }
    return current;
  };
  return withGoMethods(values, "chartutil.Values", {
    Table: fn(["string"], (name) => valuesObject({ ...table(name) })),
    PathValue: fn(["string"], (path) => {
      if (path === "") throw new GoTemplateError("YAML path cannot be empty");
      const parts = path.split(".");
      const key = parts.pop() ?? "";
      let holder: Record<string, unknown>;
      try {
        holder = parts.length === 0 ? values : table(parts.join("."));
      } catch {
        throw new GoTemplateError(`${JSON.stringify(key)} is not a value`);
      }
      if (!Object.hasOwn(holder, key) || isValuesTable(holder[key]))
        throw new GoTemplateError(`${JSON.stringify(key)} is not a value`);
      return holder[key];
    }),
    YAML: fn([], () => `${toHelmYaml(values)}\n`),
    AsMap: fn([], () => ({ ...values })),
  });
}

function maintainer(value: unknown): GoStruct {
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  return new GoStruct("*chart.Maintainer", {
    Name: scalarText(record["name"] ?? ""),
    Email: scalarText(record["email"] ?? ""),
    URL: scalarText(record["url"] ?? ""),
  });
}

function dependencyStruct(dependency: ChartDependency): GoStruct {
  return new GoStruct("*chart.Dependency", {
    Name: dependency.name,
    Version: dependency.version ?? "",
    Repository: dependency.repository ?? "",
    Condition: dependency.condition ?? "",
    Tags: dependency.tags === undefined ? null : withGoType([...dependency.tags], "[]string"),
    Enabled: dependency.enabled ?? true,
    ImportValues: dependency.importValues === undefined ? null : [...dependency.importValues],
    Alias: dependency.alias ?? "",
  });
}

function stringList(value: readonly string[] | undefined): unknown {
  return value === undefined ? null : withGoType([...value], "[]string");
}

/** `.Chart`: Helm's `chart.Metadata` plus `IsRoot`, fields capitalised as Go names them. */
function chartStruct(metadata: ChartMetadata, isRoot: boolean): GoStruct {
  return new GoStruct("struct { chart.Metadata; IsRoot bool }", {
    Name: metadata.name,
    Home: metadata.home ?? "",
    Sources: stringList(metadata.sources),
    Version: metadata.version,
    Description: metadata.description ?? "",
    Keywords: stringList(metadata.keywords),
    Maintainers: metadata.maintainers === undefined ? null : metadata.maintainers.map(maintainer),
    Icon: metadata.icon ?? "",
    APIVersion: metadata.apiVersion,
    Condition: metadata.condition ?? "",
    Tags: metadata.tags ?? "",
    AppVersion: metadata.appVersion === undefined ? "" : String(metadata.appVersion),
    Deprecated: metadata.deprecated ?? false,
    Annotations:
      metadata.annotations === undefined ? null : withGoType({ ...metadata.annotations }, "map[string]string"),
    KubeVersion: metadata.kubeVersion ?? "",
    Dependencies: metadata.dependencies === undefined ? null : metadata.dependencies.map(dependencyStruct),
    Type: metadata.type ?? "",
    IsRoot: isRoot,
  });
}

interface KubeVersion {
  readonly version: string;
  readonly major: string;
  readonly minor: string;
}

/** Helm's `ParseKubeVersion`, also taking the `v1.28+` and `1.28` forms clusters report. */
export function parseKubeVersion(text: string): KubeVersion {
  const plus = /^v?(\d+)\.(\d+)\+$/.exec(text.trim());
  let parsed;
  try {
    parsed = parseSemver(plus === null ? text : `${plus[1]}.${plus[2]}.0`);
  } catch {
    throw new ChartError("E_CHART_VALUES", `invalid kube version "${text}": Invalid Semantic Version`, {
      hint: "use a version like v1.29.0",
    });
  }
  const pre = parsed.prerelease.length > 0 ? `-${parsed.prerelease.join(".")}` : "";
  const build = parsed.build.length > 0 ? `+${parsed.build.join(".")}` : "";
  return {
    version: `v${parsed.major}.${parsed.minor}.${parsed.patch}${pre}${build}`,
    major: String(parsed.major),
    minor: plus === null ? String(parsed.minor) : `${parsed.minor}+`,
  };
}

/** `.Capabilities`: the kube version, the API versions (with `Has`) and Helm's version. */
function capabilitiesObject(kube: KubeVersion, extra: readonly string[]): GoStruct {
  const kubeVersion = new GoStruct(
    "chartutil.KubeVersion",
    { Version: kube.version, Major: kube.major, Minor: kube.minor },
    { String: fn([], () => kube.version), GitVersion: fn([], () => kube.version) },
    () => kube.version,
  );
  const versions = [...DEFAULT_API_VERSIONS, ...extra];
  const known = new Set(versions);
  const builtIn = new Set(DEFAULT_API_VERSIONS);
  // The default set lists every kind of the built-in group/versions too (`apps/v1/Deployment`).
  const has = fn(["string"], (wanted) => {
    if (known.has(wanted)) return true;
    const slash = wanted.lastIndexOf("/");
    return slash > 0 && builtIn.has(wanted.slice(0, slash)) && /^[A-Z]/.test(wanted.slice(slash + 1));
  });
  return new GoStruct("*chartutil.Capabilities", {
    KubeVersion: kubeVersion,
    APIVersions: new GoStruct("chartutil.VersionSet", {}, { Has: has }, () => `[${versions.join(" ")}]`),
    HelmVersion: new GoStruct("chartutil.HelmVersion", {
      Version: "v3.17.0",
      GitCommit: "",
      GitTreeState: "",
      GoVersion: "go1.23",
    }),
  });
}

function templateError(source: string, message: string, line: number, hint: string): ChartError {
  return new ChartError("E_CHART_TEMPLATE", message, { source: { file: source, line, column: 1 }, hint });
}

/** Helm's `releaseutil.SplitManifests`: `---` separators (at the start or after a newline), documents trimmed. */
export function splitManifests(text: string): string[] {
  return text
    .trim()
    .split(/(?:^|\s*\n)---\s*/)
    .filter((doc) => doc !== "")
    .map((doc) => doc.trim());
}

interface Document {
  readonly source: string;
  readonly text: string;
  readonly object?: KubeObject;
  readonly kind: string;
  readonly hookEvents?: readonly string[];
  readonly isHook: boolean;
  readonly unknownHook: boolean;
}

function lineOf(full: string, doc: string): number {
  const at = full.indexOf(doc);
  if (at < 0) return 1;
  let line = 1;
  for (let i = 0; i < at; i++) if (full.charCodeAt(i) === 10) line++;
  return line;
}

function jsonKind(value: unknown): string {
  return Array.isArray(value)
    ? "array"
    : typeof value === "string"
      ? "string"
      : typeof value === "boolean"
        ? "bool"
        : "number";
}

/** Helm's `manifestFile.sort`: one document's head (kind, hook annotation) and the object it is. */
function readDocument(source: string, text: string, full: string): Document {
  let parsed: unknown;
  try {
    const docs = readYamlDocuments(text);
    parsed = docs[0]?.value;
  } catch (error) {
    const go =
      error instanceof YamlSyntaxError
        ? goYamlError(text, error)
        : { line: 1, message: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error) };
    throw templateError(
      source,
      `YAML parse error on ${source}: error converting YAML to JSON: yaml: line ${go.line}: ${go.message}`,
      go.line - 1 + lineOf(full, text),
      "the template renders invalid YAML at this line of its output; check indentation (nindent/indent) and quoting",
    );
  }
  if (parsed !== null && parsed !== undefined && (typeof parsed !== "object" || Array.isArray(parsed))) {
    const line = lineOf(full, text);
    throw templateError(
      source,
      `YAML parse error on ${source}: error unmarshaling JSON: json: ` +
        `cannot unmarshal ${jsonKind(parsed)} into Go value of type releaseutil.SimpleHead`,
      line,
      "each document a template renders must be a mapping (a Kubernetes object) or only comments",
    );
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const kind = typeof record["kind"] === "string" ? record["kind"] : "";
  const metadata =
    typeof record["metadata"] === "object" && record["metadata"] !== null
      ? (record["metadata"] as Record<string, unknown>)
      : undefined;
  const annotations = metadata?.["annotations"];
  const hookText =
    typeof annotations === "object" && annotations !== null
      ? (annotations as Record<string, unknown>)["helm.sh/hook"]
      : undefined;
  const isObject = kind !== "" && typeof record["apiVersion"] === "string";
  if (isObject && metadata === undefined) record["metadata"] = {};
  const object = isObject && isKubeObject(record) ? record : undefined;
  if (typeof hookText !== "string")
    return { source, text, kind, isHook: false, unknownHook: false, ...(object === undefined ? {} : { object }) };
  const events: string[] = [];
  let unknownHook = false;
  for (const raw of hookText.split(",")) {
    const event = HOOK_EVENTS.get(raw.trim().toLowerCase());
    if (event === undefined) unknownHook = true;
    else events.push(event);
  }
  return {
    source,
    text,
    kind,
    isHook: true,
    unknownHook,
    hookEvents: events,
    ...(object === undefined ? {} : { object }),
  };
}

/** Helm's `lessByKind`: known kinds in install order, unknown kinds after them alphabetically; stable. */
function byInstallOrder(a: Document, b: Document): number {
  const ra = INSTALL_RANK.get(a.kind);
  const rb = INSTALL_RANK.get(b.kind);
  if (ra === undefined && rb === undefined) return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0;
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  return ra - rb;
}

function flatten(scoped: ScopedChart, out: ScopedChart[]): void {
  out.push(scoped);
  for (const sub of scoped.subcharts) flatten(sub, out);
}

function hasManifestExtension(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}

function crdFiles(scoped: ScopedChart): { source: string; name: string; text: string }[] {
  const own = scoped.chart.files
    .filter((file) => file.path.startsWith("crds/") && hasManifestExtension(file.path))
    .map((file) => ({ source: `${scoped.path}/${file.path}`, name: file.path, text: decoder.decode(file.data) }));
  return [...own, ...scoped.subcharts.flatMap(crdFiles)];
}

/**
 * Helm's `action.CheckDependencies` (install and template run it on the chart given): every
 * dependency Chart.yaml declares, enabled or not, must be in `charts/`.
 */
function checkDependenciesPresent(chart: LoadedChart): void {
  const present = new Set(chart.subcharts.map((sub) => sub.metadata.name));
  const missing = (chart.metadata.dependencies ?? []).map((dep) => dep.name).filter((name) => !present.has(name));
  if (missing.length === 0) return;
  throw new ChartError(
    "E_CHART_LOAD",
    "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch " +
      `missing dependencies: found in Chart.yaml, but missing in charts/ directory: ${missing.join(", ")}`,
    {
      hint: "put the dependency charts under charts/ (helm dependency build does)",
      source: { file: `${chart.origin}/Chart.yaml`, line: 1, column: 1 },
    },
  );
}

/** Helm's `ValidateReleaseName`. */
function checkReleaseName(name: string): void {
  if (name === "" || name.length > 53 || !RELEASE_NAME.test(name)) {
    throw new ChartError(
      "E_CHART_VALUES",
      `release name "${name}": invalid release name, must match regex ${RELEASE_NAME.source} and the length must not be longer than 53`,
      { hint: "use lowercase letters, digits and dashes, at most 53 characters" },
    );
  }
}

function checkKubeVersion(chart: LoadedChart, kube: KubeVersion): void {
  const constraint = chart.metadata.kubeVersion;
  if (constraint === undefined || constraint === "") return;
  let ok: boolean;
  try {
    ok = semverSatisfies(constraint, kube.version);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ChartError(
      "E_CHART_VALUES",
      `chart requires kubeVersion: ${constraint} which is incompatible with Kubernetes ${kube.version}`,
      {
        hint: "render for a matching cluster version with --kube-version",
        source: { file: `${chart.origin}/Chart.yaml`, line: 1, column: 1 },
      },
    );
  }
}

/** A chart ready to execute: values scoped, templates parsed, built-in objects and functions bound. */
interface PreparedRender {
  readonly scoped: ScopedChart;
  readonly set: TemplateSet;
  readonly units: readonly TemplateUnit[];
  readonly tops: ReadonlyMap<ScopedChart, Record<string, unknown>>;
  readonly env: ExecEnv;
}

function prepareRender(chart: LoadedChart, options: RenderChartOptions): PreparedRender {
  if (chart.metadata.type === "library") {
    throw new ChartError("E_CHART_LOAD", `library charts are not installable`, {
      hint: `render an application chart that depends on ${chart.metadata.name}`,
    });
  }
  checkDependenciesPresent(chart);
  checkReleaseName(options.releaseName);
  const kube = parseKubeVersion(options.kubeVersion ?? "v1.29.0");
  checkKubeVersion(chart, kube);
  const scoped = scopeValues(chart, options.values ?? {});
  if (options.skipSchemaValidation !== true) validateValuesSchemas(scoped);
  const units: TemplateUnit[] = [];
  collectUnits(scoped, units);
  units.sort(helmTemplateOrder);
  const extra = options.funcs ?? {};
  const set = parseUnits(chart, units, Object.keys(extra).sort());
  const caps = capabilitiesObject(kube, options.apiVersions ?? []);
  const isInstall = options.isInstall ?? true;
  const release = {
    Name: options.releaseName,
    Namespace: options.namespace,
    IsUpgrade: !isInstall,
    IsInstall: isInstall,
    Revision: BigInt(options.revision ?? 1),
    Service: "Helm",
  };
  const tops = new Map<ScopedChart, Record<string, unknown>>();
  const build = (item: ScopedChart, isRoot: boolean): Record<string, unknown> => {
    const subcharts: Record<string, unknown> = {};
    const top: Record<string, unknown> = {
      Values: valuesObject(item.values),
      Release: release,
      Chart: chartStruct(item.resolved.metadata, isRoot),
      Capabilities: caps,
      Files: createFilesObject(item.chart.files),
      Subcharts: subcharts,
    };
    for (const sub of item.subcharts) subcharts[sub.resolved.metadata.name] = build(sub, false);
    tops.set(item, top);
    return top;
  };
  build(scoped, true);
  const env = createHelmEnv(set, {
    now: options.now ?? DEFAULT_NOW,
    seed: options.randomSeed ?? 1,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
  });
  for (const [name, func] of Object.entries(extra)) (env.funcs as Map<string, GoFunc>).set(name, func);
  return { scoped, set, units, tops, env };
}

/**
 * Helm's `engine.Render`: the text every template of the chart and its enabled subcharts renders
 * (partials `_*` and library charts' templates excepted, NOTES.txt included), by full template name
 * (`mychart/charts/sub/templates/cm.yaml`), before any splitting into documents.
 */
export function renderChartTemplates(chart: LoadedChart, options: RenderChartOptions): ReadonlyMap<string, string> {
  const { set, units, tops, env } = prepareRender(chart, options);
  return executeTemplates(set, units, tops, env);
}

/**
 * Renders a chart as `helm template` does. Synchronous and pure over its inputs (the clock and random
 * seed are options; only crypto functions such as `genCA` draw real randomness, as in Helm); errors
 * are `E_CHART_TEMPLATE` with the template name and line.
 */
export function renderChart(chart: LoadedChart, options: RenderChartOptions): RenderedChart {
  const { scoped, set, units, tops, env } = prepareRender(chart, options);
  const outputs = executeTemplates(set, units, tops, env);
  let notes: string | undefined;
  const documents: Document[] = [];
  for (const [name, text] of [...outputs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.endsWith("/NOTES.txt")) {
      if (name === `${scoped.path}/templates/NOTES.txt`) notes = text;
      continue;
    }
    if (text.trim() === "") continue;
    for (const doc of splitManifests(text)) documents.push(readDocument(name, doc, text));
  }
  const manifests = documents.filter((doc) => !doc.isHook).sort(byInstallOrder);
  const hooks = documents.filter((doc) => doc.isHook && !doc.unknownHook).sort(byInstallOrder);
  // A test hook is one that runs only on `helm test`; `test,post-install` also runs on install.
  const isTest = (doc: Document): boolean =>
    doc.hookEvents !== undefined && doc.hookEvents.length > 0 && doc.hookEvents.every((event) => event === "test");
  const objects = [...manifests, ...hooks.filter((doc) => !isTest(doc))]
    .map((doc) => doc.object)
    .filter((object): object is KubeObject => object !== undefined);
  const bySource = new Map<string, KubeObject[]>();
  for (const doc of documents) {
    if (doc.object === undefined || isTest(doc) || doc.unknownHook) continue;
    const list = bySource.get(doc.source) ?? [];
    list.push(doc.object);
    bySource.set(doc.source, list);
  }
  const view = (doc: Document): RenderedManifest => ({
    source: doc.source,
    text: doc.text,
    ...(doc.object === undefined ? {} : { object: doc.object }),
    ...(doc.hookEvents === undefined ? {} : { hookEvents: doc.hookEvents }),
  });
  const all: ScopedChart[] = [];
  flatten(scoped, all);
  return {
    templates: [...bySource].map(([source, list]) => ({ source, objects: list })),
    objects,
    manifests: manifests.map(view),
    hooks: hooks.map(view),
    crds: crdFiles(scoped),
    ...(notes === undefined ? {} : { notes }),
  };
}

function executeTemplates(
  set: TemplateSet,
  units: readonly TemplateUnit[],
  tops: ReadonlyMap<ScopedChart, Record<string, unknown>>,
  env: ExecEnv,
): Map<string, string> {
  const outputs = new Map<string, string>();
  for (const unit of units) {
    const base = unit.file.path.split("/").pop() ?? "";
    if (base.startsWith("_")) continue;
    const top = tops.get(unit.scoped) ?? {};
    const data = { ...top, Template: { Name: unit.name, BasePath: `${unit.scoped.path}/templates` } };
    let text: string;
    try {
      text = set.execute(unit.name, data, env);
    } catch (error) {
      throw asTemplateError(error, unit.name);
    }
    env.budget.addOutput(text.length);
    outputs.set(unit.name, text.replaceAll("<no value>", ""));
  }
  return outputs;
}

/** Options of {@link formatHelmTemplate}, as `helm template` flags. */
export interface FormatTemplateOptions {
  /** `--include-crds`. @default false */
  readonly includeCrds?: boolean;
  /** `--skip-tests`. @default false */
  readonly skipTests?: boolean;
  /** `--no-hooks`. @default false */
  readonly noHooks?: boolean;
  /** `--show-only` globs (`templates/deployment.yaml`, `charts/sub/templates/*`). @default all */
  readonly showOnly?: readonly string[];
}

function globMatch(pattern: string, path: string): boolean {
  let out = "";
  for (const ch of pattern) out += ch === "*" ? "[^/]*" : ch === "?" ? "[^/]" : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${out}$`).test(path);
}

/** The text `helm template` prints: `---\n# Source: …` per document, hooks last. */
export function formatHelmTemplate(rendered: RenderedChart, options: FormatTemplateOptions = {}): string {
  let manifest = "";
  if (options.includeCrds === true)
    for (const crd of rendered.crds) manifest += `---\n# Source: ${crd.name}\n${crd.text}\n`;
  for (const doc of rendered.manifests) manifest += `---\n# Source: ${doc.source}\n${doc.text}\n`;
  let out = `${manifest.trim()}\n`;
  if (options.noHooks !== true) {
    for (const hook of rendered.hooks) {
      if (options.skipTests === true && hook.hookEvents?.includes("test") === true) continue;
      out += `---\n# Source: ${hook.source}\n${hook.text}\n`;
    }
  }
  if (options.showOnly === undefined || options.showOnly.length === 0) return out;
  const docs = splitManifests(out);
  const picked: string[] = [];
  for (const pattern of options.showOnly) {
    let found = false;
    for (const doc of docs) {
      const match = /# Source: [^/]+\/(.+)/.exec(doc);
      if (match === null || !globMatch(pattern.replace(/\\/g, "/"), match[1] ?? "")) continue;
      picked.push(doc);
      found = true;
    }
    if (!found)
      throw new ChartError("E_CHART_NOT_FOUND", `could not find template ${pattern} in chart`, {
        hint: "name a template path relative to the chart, such as templates/deployment.yaml",
      });
  }
  return picked.map((doc) => `---\n${doc}\n`).join("");
}
