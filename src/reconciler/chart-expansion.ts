/**
 * Helm components seen through their charts: which chart a HelmRelease installs (repository,
 * version, release name, namespace, values as Flux composes them, ROLLOUT-SEMANTICS §6.1), the
 * objects it renders to (labelled as helm-controller labels them), and the workload a
 * `kruise-rollout` or `argo-rollout` trait on it really controls (DESIGN §5: found by rendering the
 * chart, not by KubeVela's name guess). Used by `dry-run --expand-charts` and, through
 * {@link resolveHelmWorkloads}, by the release path.
 */
import { isAbsolute, resolve as resolvePath } from "node:path";
import { parseYamlValue } from "../model/parse-yaml.js";
import {
  applySetValue,
  fetchChartFromRepositorySync,
  readChartRepository,
  selectRolloutWorkload,
  findWorkloads,
  type ChartRepository,
} from "../chart/index.js";
import {
  createChartCatalog,
  fetchedChartResolution,
  isNamespacedKind,
  isNoMirror,
  type ChartCatalog,
  type ChartResolution,
} from "../cluster/index.js";
import { UsageError, ValidationError, VelaError, type ErrorCode, type ValidationIssue } from "../errors/index.js";
import { fieldOf, groupOf, type KubeObject } from "../model/index.js";
import { componentObjects, type ComponentManifest, type TraitManifest } from "../render/index.js";
import { displayText, isJsonObject, sha256OfJson, type JsonObject, type JsonValue } from "../util/index.js";

/**
 * Where charts come from: the same contract as the sandbox's chart catalog (so a sandbox catalog
 * can be passed as it is). `prefetch` does the I/O for the repository URLs given; `resolve` is
 * synchronous over what was fetched.
 */
export type HelmChartSource = ChartCatalog;

/** One `--chart-repo URL=DIR`: the repository `url` served from `location` (a directory, or an http URL on loopback). */
export interface ChartRepositoryMapping {
  readonly url: string;
  readonly location: string;
}

/** Options of {@link createHelmChartSource}. */
export interface HelmChartSourceOptions {
  /** `--chart-repo` mappings, consulted first. @default [] */
  readonly repositories?: readonly ChartRepositoryMapping[];
  /** A sandbox directory whose `chart-mirrors.json` is read (read-only, no lock). @default no sandbox */
  readonly sandboxDir?: string;
  /** Folder relative `location`s are resolved against. @default paths used as given */
  readonly cwd?: string;
}

const HELM_RELEASE_GROUP = "helm.toolkit.fluxcd.io";
const HELM_REPOSITORY_GROUP = "source.toolkit.fluxcd.io";
const ROLLOUT_GROUP = "rollouts.kruise.io";
const ARGO_ROLLOUT_GROUP = "argoproj.io";
/** Labels helm-controller puts on every object of a release. */
const HELM_RELEASE_NAME_LABEL = "helm.toolkit.fluxcd.io/name";
const HELM_RELEASE_NAMESPACE_LABEL = "helm.toolkit.fluxcd.io/namespace";
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

function normalizeUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

function isLoopbackUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && LOOPBACK_HOSTS.has(parsed.hostname);
  } catch {
    return false;
  }
}

/** Parses `--chart-repo URL=DIR`. */
export function parseChartRepositoryMapping(flag: string): ChartRepositoryMapping {
  const match = /^((?:https?|oci):\/\/[^=]+)=(.+)$/.exec(flag.trim());
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new UsageError(`invalid --chart-repo "${flag}"`, {
      hint: "write --chart-repo URL=DIR, e.g. --chart-repo https://charts.example.com/demo/=examples/charts/repo",
    });
  }
  return { url: normalizeUrl(match[1]), location: match[2] };
}

function chartSourceHint(url: string): string {
  return (
    `map the repository to a local chart repository (index.yaml + .tgz files) with --chart-repo ${url}=DIR, ` +
    `or add a sandbox mirror with vela-ts sandbox charts add ${url} DIR`
  );
}

/**
 * Charts from `--chart-repo` mappings, loopback http repositories, then the sandbox's chart
 * mirrors. A repository that cannot be read is remembered as its error.
 */
class MappedChartSource implements HelmChartSource {
  private readonly repositories = new Map<string, ChartRepository | VelaError>();

  constructor(
    private readonly mappings: readonly ChartRepositoryMapping[],
    private readonly fallback: ChartCatalog | undefined,
    private readonly cwd: string | undefined,
  ) {}

  private mappingFor(url: string): ChartRepositoryMapping | undefined {
    const key = normalizeUrl(url);
    return this.mappings.find((mapping) => normalizeUrl(mapping.url) === key);
  }

  private locationOf(mapping: ChartRepositoryMapping): string {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(mapping.location) || isAbsolute(mapping.location) || this.cwd === undefined)
      return mapping.location;
    return resolvePath(this.cwd, mapping.location);
  }

  async prefetch(repositoryUrls: readonly string[]): Promise<void> {
    const rest: string[] = [];
    for (const url of repositoryUrls) {
      const key = normalizeUrl(url);
      if (this.repositories.has(key)) continue;
      const mapping = this.mappingFor(key);
      const location = mapping !== undefined ? this.locationOf(mapping) : isLoopbackUrl(key) ? key : undefined;
      if (location === undefined) {
        rest.push(url);
        continue;
      }
      try {
        this.repositories.set(key, await readChartRepository(location, { prefetch: true }));
      } catch (error) {
        // A repository that cannot be read fails with a ChartError, kept to answer `resolve`; anything else is a bug.
        if (!(error instanceof VelaError)) throw error;
        this.repositories.set(key, error);
      }
    }
    if (this.fallback !== undefined && rest.length > 0) await this.fallback.prefetch(rest);
  }

  resolve(repositoryUrl: string, chart: string, versionConstraint: string): ChartResolution {
    const key = normalizeUrl(repositoryUrl);
    const repository = this.repositories.get(key);
    if (repository === undefined) {
      if (this.fallback !== undefined) {
        const found = this.fallback.resolve(repositoryUrl, chart, versionConstraint);
        if (!isNoMirror(found)) return found;
      }
      return { ok: false, reason: "ChartNotFound", message: `no local chart repository for ${key}` };
    }
    if (repository instanceof VelaError) return { ok: false, reason: "IndexationFailed", message: repository.message };
    try {
      return fetchedChartResolution(
        fetchChartFromRepositorySync(repository, chart, versionConstraint === "" ? "*" : versionConstraint),
      );
    } catch (error) {
      if (error instanceof VelaError)
        return {
          ok: false,
          reason: "ChartNotFound",
          message: error.hint === undefined ? error.message : `${error.message} (${error.hint})`,
        };
      throw error;
    }
  }
}

/**
 * The chart source of `dry-run --expand-charts` and of the release path: `--chart-repo` mappings
 * first, then loopback http repositories, then the mirrors of the sandbox directory (its
 * `chart-mirrors.json`, read without taking the sandbox lock).
 */
export function createHelmChartSource(options: HelmChartSourceOptions = {}): HelmChartSource {
  const fallback = options.sandboxDir === undefined ? undefined : createChartCatalog(options.sandboxDir);
  return new MappedChartSource(options.repositories ?? [], fallback, options.cwd);
}

/** What a HelmRelease installs, as helm-controller works it out. */
export interface HelmReleaseFacts {
  /** The component that renders the HelmRelease. */
  readonly component: string;
  /** `metadata.name` and namespace of the HelmRelease. */
  readonly name: string;
  readonly namespace: string;
  /** The repository URL of its HelmRepository; absent when the source is not a HelmRepository of the app. */
  readonly repositoryUrl?: string;
  readonly chart: string;
  /** The version constraint (`*` when not given). */
  readonly version: string;
  /** `spec.releaseName`, else `[targetNamespace-]name` (shortened over 53 characters, as the sandbox's helm-controller does). */
  readonly releaseName: string;
  /** `spec.targetNamespace`, else the HelmRelease's namespace. */
  readonly targetNamespace: string;
  /** `valuesFrom` (when resolvable among the app's objects) merged in order, then `values`. */
  readonly values: JsonObject;
  /** `valuesFrom` entries that could not be read from the app's own objects. */
  readonly unresolvedValuesFrom: readonly string[];
}

function stringField(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isHelmRelease(object: KubeObject | undefined): object is KubeObject {
  return object !== undefined && object.kind === "HelmRelease" && groupOf(object.apiVersion) === HELM_RELEASE_GROUP;
}

/** Flux's `transform.MergeMaps`: maps merge recursively, the second wins for everything else. */
function mergeMaps(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const current = out[key];
    out[key] = isJsonObject(current) && isJsonObject(value) ? mergeMaps(current, value) : structuredClone(value);
  }
  return out;
}

function readValuesReference(
  reference: JsonObject,
  namespace: string,
  appObjects: readonly KubeObject[],
  fallbackNamespace: string,
): string | undefined {
  const kind = reference.kind === "Secret" ? "Secret" : "ConfigMap";
  const name = stringField(reference.name) ?? "";
  const key = stringField(reference.valuesKey) ?? "values.yaml";
  const object = appObjects.find(
    (candidate) =>
      candidate.apiVersion === "v1" &&
      candidate.kind === kind &&
      candidate.metadata.name === name &&
      (candidate.metadata.namespace ?? fallbackNamespace) === namespace,
  );
  if (object === undefined) return undefined;
  if (kind === "ConfigMap") return stringField(fieldOf(object, "data", key));
  const plain = stringField(fieldOf(object, "stringData", key));
  if (plain !== undefined) return plain;
  const encoded = stringField(fieldOf(object, "data", key));
  return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8");
}

function composeValues(
  release: KubeObject,
  namespace: string,
  appObjects: readonly KubeObject[],
  fallbackNamespace: string,
): { values: JsonObject; unresolved: string[] } {
  let merged: JsonObject = {};
  const unresolved: string[] = [];
  const targeted: { readonly path: string; readonly value: string }[] = [];
  const references = fieldOf(release, "spec", "valuesFrom");
  for (const reference of Array.isArray(references) ? references : []) {
    if (!isJsonObject(reference)) continue;
    const text = readValuesReference(reference, namespace, appObjects, fallbackNamespace);
    if (text === undefined) {
      if (reference.optional !== true)
        unresolved.push(`${reference.kind === "Secret" ? "Secret" : "ConfigMap"}/${stringField(reference.name) ?? ""}`);
      continue;
    }
    const targetPath = stringField(reference.targetPath);
    if (targetPath !== undefined) {
      targeted.push({ path: targetPath, value: text });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parseYamlValue(text, `${displayText(reference.kind)}/${displayText(reference.name)}`);
    } catch {
      unresolved.push(`${displayText(reference.kind)}/${displayText(reference.name)}`);
      continue;
    }
    if (isJsonObject(parsed)) merged = mergeMaps(merged, parsed);
  }
  const inline = fieldOf(release, "spec", "values");
  if (isJsonObject(inline)) merged = mergeMaps(merged, inline);
  for (const { path, value } of targeted) merged = applySetValue(merged, `${path}=${value.trim()}`) as JsonObject;
  return { values: merged, unresolved };
}

/** `[targetNamespace-]name`, shortened when over 53 characters (the sandbox helm-controller's rule). */
function releaseNameOf(release: KubeObject): string {
  const explicit = stringField(fieldOf(release, "spec", "releaseName"));
  if (explicit !== undefined) return explicit;
  const target = stringField(fieldOf(release, "spec", "targetNamespace"));
  const name = target === undefined ? (release.metadata.name ?? "") : `${target}-${release.metadata.name ?? ""}`;
  return name.length > 53 ? `${name.slice(0, 40)}-${sha256OfJson(name).slice(0, 12)}` : name;
}

/**
 * What the HelmRelease of a component installs, or `undefined` when the component's workload is
 * not a HelmRelease. `manifests` are all components of the app (HelmRepository sources and
 * `valuesFrom` ConfigMaps/Secrets are looked up among their objects).
 */
export function findHelmRelease(
  manifest: ComponentManifest,
  manifests: readonly ComponentManifest[],
): HelmReleaseFacts | undefined {
  const release = manifest.workload;
  if (!isHelmRelease(release)) return undefined;
  const namespace = release.metadata.namespace ?? manifest.namespace;
  const appObjects = manifests.flatMap(componentObjects);
  const sourceName = stringField(fieldOf(release, "spec", "chart", "spec", "sourceRef", "name"));
  const sourceKind = stringField(fieldOf(release, "spec", "chart", "spec", "sourceRef", "kind")) ?? "HelmRepository";
  const sourceNamespace = stringField(fieldOf(release, "spec", "chart", "spec", "sourceRef", "namespace")) ?? namespace;
  const repository =
    sourceKind !== "HelmRepository"
      ? undefined
      : appObjects.find(
          (object) =>
            object.kind === "HelmRepository" &&
            groupOf(object.apiVersion) === HELM_REPOSITORY_GROUP &&
            object.metadata.name === sourceName &&
            (object.metadata.namespace ?? manifest.namespace) === sourceNamespace,
        );
  const repositoryUrl =
    repository === undefined || fieldOf(repository, "spec", "type") === "oci"
      ? undefined
      : stringField(fieldOf(repository, "spec", "url"));
  const { values, unresolved } = composeValues(release, namespace, appObjects, manifest.namespace);
  return {
    component: manifest.name,
    name: release.metadata.name ?? manifest.name,
    namespace,
    ...(repositoryUrl === undefined ? {} : { repositoryUrl }),
    chart: stringField(fieldOf(release, "spec", "chart", "spec", "chart")) ?? "",
    version: stringField(fieldOf(release, "spec", "chart", "spec", "version")) ?? "*",
    releaseName: releaseNameOf(release),
    targetNamespace: stringField(fieldOf(release, "spec", "targetNamespace")) ?? namespace,
    values,
    unresolvedValuesFrom: unresolved,
  };
}

/** The repository URLs of every HelmRelease of the app: what to `prefetch` before resolving. */
export function helmRepositoryUrls(manifests: readonly ComponentManifest[]): string[] {
  const urls = manifests
    .map((manifest) => findHelmRelease(manifest, manifests)?.repositoryUrl)
    .filter((url): url is string => url !== undefined);
  return [...new Set(urls)];
}

/** The objects a helm component's chart deploys. */
export interface ExpandedChart {
  readonly component: string;
  /** Chart name and the version the constraint resolved to. */
  readonly chart: string;
  readonly version: string;
  readonly release: HelmReleaseFacts;
  /** Rendered objects (hooks dropped) with the namespace and labels helm-controller gives them. */
  readonly objects: readonly KubeObject[];
}

/** Rendered objects as helm-controller applies them: target namespace, release labels, Helm's ownership annotations. */
function labelReleaseObjects(objects: readonly KubeObject[], release: HelmReleaseFacts): KubeObject[] {
  return objects
    .filter((object) => object.metadata.annotations?.["helm.sh/hook"] === undefined)
    .map((object) => ({
      ...object,
      metadata: {
        name: object.metadata.name ?? "",
        ...(isNamespacedKind(object.apiVersion, object.kind)
          ? { namespace: object.metadata.namespace ?? release.targetNamespace }
          : {}),
        ...object.metadata,
        labels: {
          ...(object.metadata.labels ?? {}),
          [HELM_RELEASE_NAME_LABEL]: release.name,
          [HELM_RELEASE_NAMESPACE_LABEL]: release.namespace,
        },
        annotations: {
          ...(object.metadata.annotations ?? {}),
          "meta.helm.sh/release-name": release.releaseName,
          "meta.helm.sh/release-namespace": release.targetNamespace,
        },
      },
    }));
}

/** Where a component's problems point in the Application: `/spec/components/<i>` when its index is known. */
function componentPath(
  component: string,
  indexes: Readonly<Record<string, number>> | undefined,
  suffix = "",
): string | undefined {
  const index = indexes?.[component];
  return index === undefined ? undefined : `/spec/components/${index}${suffix}`;
}

function issue(code: ErrorCode, message: string, hint: string, path: string | undefined): ValidationIssue {
  return { code, message, hint, ...(path === undefined ? {} : { path }) };
}

/**
 * Renders the chart of a helm component. Throws a ValidationError (`E_CHART_FETCH`,
 * `E_CHART_TEMPLATE`…) when the chart cannot be fetched or rendered.
 */
export function expandHelmChart(
  release: HelmReleaseFacts,
  source: HelmChartSource,
  options: { readonly componentIndexes?: Readonly<Record<string, number>> } = {},
): ExpandedChart {
  const subject = `component "${release.component}"`;
  const path = componentPath(release.component, options.componentIndexes, "/properties/url");
  if (release.repositoryUrl === undefined) {
    throw new ValidationError([
      issue(
        "E_CHART_FETCH",
        `${subject}: chart "${release.chart}" does not come from a Helm repository of the application`,
        "vela-ts renders charts of helm components with repoType helm and a url; git, oss, oci and sourceName sources are not expanded",
        path,
      ),
    ]);
  }
  const resolution = source.resolve(release.repositoryUrl, release.chart, release.version);
  if (!resolution.ok) {
    throw new ValidationError([
      issue(
        "E_CHART_FETCH",
        `${subject}: cannot fetch chart "${release.chart}" version "${release.version}" from ${release.repositoryUrl}: ${resolution.message}`,
        chartSourceHint(normalizeUrl(release.repositoryUrl)),
        path,
      ),
    ]);
  }
  let objects: readonly KubeObject[];
  try {
    objects = resolution.render({
      releaseName: release.releaseName,
      namespace: release.targetNamespace,
      values: release.values,
    });
  } catch (error) {
    if (!(error instanceof VelaError)) throw error;
    throw new ValidationError([
      issue(
        error.code,
        `${subject}: chart ${resolution.chart}@${resolution.version}: ${error.message}`,
        error.hint ?? "check the chart values of the component",
        componentPath(release.component, options.componentIndexes, "/properties"),
      ),
    ]);
  }
  return {
    component: release.component,
    chart: resolution.chart,
    version: resolution.version,
    release,
    objects: labelReleaseObjects(objects, release),
  };
}

/** A correction made to a Rollout: what KubeVela's guess said and what the chart really has. */
export interface RolloutCorrection {
  readonly component: string;
  readonly trait: number;
  /** `workloadRef`, `trafficRoutings/0/service`, `trafficRoutings/0/ingress`, `trafficRoutings/0/gateway`. */
  readonly field: string;
  readonly from: string;
  readonly to: string;
}

function describe(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name ?? ""}`;
}

function isRollout(object: KubeObject): boolean {
  return object.kind === "Rollout" && groupOf(object.apiVersion) === ROLLOUT_GROUP;
}

function isArgoRollout(object: KubeObject): boolean {
  return object.kind === "Rollout" && groupOf(object.apiVersion) === ARGO_ROLLOUT_GROUP;
}

function matchesSelector(selector: JsonValue | undefined, labels: JsonValue | undefined): boolean {
  if (!isJsonObject(selector) || Object.keys(selector).length === 0 || !isJsonObject(labels)) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function ingressBackends(ingress: KubeObject): string[] {
  const names: string[] = [];
  const fallback = stringField(fieldOf(ingress, "spec", "defaultBackend", "service", "name"));
  if (fallback !== undefined) names.push(fallback);
  const rules = fieldOf(ingress, "spec", "rules");
  for (const rule of Array.isArray(rules) ? rules : []) {
    const paths = isJsonObject(rule) ? fieldOf(rule, "http", "paths") : undefined;
    for (const path of Array.isArray(paths) ? paths : []) {
      const name = isJsonObject(path) ? stringField(fieldOf(path, "backend", "service", "name")) : undefined;
      if (name !== undefined) names.push(name);
    }
  }
  return names;
}

function routeBackends(route: KubeObject): string[] {
  const rules = fieldOf(route, "spec", "rules");
  return (Array.isArray(rules) ? rules : []).flatMap((rule) => {
    const refs = isJsonObject(rule) ? rule.backendRefs : undefined;
    return (Array.isArray(refs) ? refs : [])
      .map((ref) => (isJsonObject(ref) ? stringField(ref.name) : undefined))
      .filter((name): name is string => name !== undefined);
  });
}

/** Picks the object a defaulted name stands for: the one with that name, else the only one that fits, else the only one. */
function pickDefaulted(
  candidates: readonly KubeObject[],
  guess: string,
  fits: (object: KubeObject) => boolean,
): KubeObject | undefined {
  const named = candidates.find((object) => object.metadata.name === guess);
  if (named !== undefined) return named;
  const fitting = candidates.filter(fits);
  if (fitting.length === 1) return fitting[0];
  return candidates.length === 1 ? candidates[0] : undefined;
}

interface RolloutContext {
  readonly subject: string;
  readonly path: string | undefined;
  readonly chartObjects: readonly KubeObject[];
  readonly chartLabel: string;
  readonly issues: ValidationIssue[];
  readonly corrections: RolloutCorrection[];
  readonly component: string;
  readonly trait: number;
}

function chosenWorkload(
  rollout: KubeObject,
  trait: TraitManifest,
  ctx: RolloutContext,
  refPath: readonly string[] = ["spec", "objectRef", "workloadRef"],
): KubeObject | undefined {
  const guess = stringField(fieldOf(rollout, ...refPath, "name")) ?? "";
  const explicitKind = trait.type !== "kruise-rollout" || isJsonObject(trait.properties.workloadType);
  const kind = explicitKind ? stringField(fieldOf(rollout, ...refPath, "kind")) : undefined;
  const apiVersion = explicitKind ? stringField(fieldOf(rollout, ...refPath, "apiVersion")) : undefined;
  const selector = { ...(kind === undefined ? {} : { kind }), ...(apiVersion === undefined ? {} : { apiVersion }) };
  const exact = findWorkloads(ctx.chartObjects).find(
    (workload) =>
      workload.metadata.name === guess &&
      (kind === undefined || workload.kind === kind) &&
      (apiVersion === undefined || workload.apiVersion === apiVersion),
  );
  if (exact !== undefined) return exact;
  try {
    return selectRolloutWorkload(ctx.chartObjects, selector, ctx.subject);
  } catch (error) {
    if (!(error instanceof VelaError)) throw error;
    // Several candidates: name the guess in the message, so the user sees what KubeVela would have targeted.
    let message = error.message;
    let hint = error.hint ?? "";
    try {
      selectRolloutWorkload(ctx.chartObjects, { ...selector, name: guess }, ctx.subject);
    } catch (named) {
      if (named instanceof VelaError) {
        message = named.message;
        hint = named.hint ?? hint;
      }
    }
    ctx.issues.push(
      issue(
        "E_ROLLOUT_TARGET",
        `${message} (chart ${ctx.chartLabel})`,
        `${hint}; set the trait's workloadType to the kind the chart deploys, or change the chart values`,
        ctx.path,
      ),
    );
    return undefined;
  }
}

/** Checks (and, when defaulted, corrects) one traffic routing of a Rollout against the chart's objects. */
function routeTraffic(
  routing: JsonObject,
  declared: JsonObject,
  index: number,
  workload: KubeObject,
  ctx: RolloutContext,
): JsonObject {
  const out: JsonObject = structuredClone(routing);
  const services = ctx.chartObjects.filter((object) => object.apiVersion === "v1" && object.kind === "Service");
  const podLabels = fieldOf(workload, "spec", "template", "metadata", "labels");
  const names = (objects: readonly KubeObject[]): string =>
    objects.length === 0 ? "none" : objects.map(describe).join(", ");
  const check = (
    field: string,
    kind: string,
    candidates: readonly KubeObject[],
    explicit: string | undefined,
    guess: string,
    fits: (object: KubeObject) => boolean,
  ): string | undefined => {
    if (explicit !== undefined) {
      if (candidates.some((object) => object.metadata.name === explicit)) return explicit;
      ctx.issues.push(
        issue(
          "E_ROLLOUT_TARGET",
          `${ctx.subject}: trafficRoutings[${index}] names ${kind}/${explicit}, which chart ${ctx.chartLabel} does not create`,
          `${kind}s the chart creates: ${names(candidates)}`,
          ctx.path,
        ),
      );
      return undefined;
    }
    const picked = pickDefaulted(candidates, guess, fits);
    if (picked === undefined) {
      const article = /^[AEIOU]/.test(kind) ? "an" : "a";
      const message =
        candidates.length === 0
          ? `chart ${ctx.chartLabel} creates none`
          : `chart ${ctx.chartLabel} creates several: ${names(candidates)}`;
      const hint =
        candidates.length === 0
          ? `the chart creates: ${names(ctx.chartObjects)}; enable its ${kind} in the component's values, or drop trafficRoutings`
          : `name one with the trait's ${field}`;
      ctx.issues.push(
        issue(
          "E_ROLLOUT_TARGET",
          `${ctx.subject}: trafficRoutings[${index}] needs ${article} ${kind}, and ${message}`,
          hint,
          ctx.path,
        ),
      );
      return undefined;
    }
    const name = picked.metadata.name ?? "";
    if (name !== guess)
      ctx.corrections.push({
        component: ctx.component,
        trait: ctx.trait,
        field: `trafficRoutings/${index}/${kind === "Service" ? "service" : kind === "Ingress" ? "ingress" : "gateway"}`,
        from: `${kind}/${guess}`,
        to: `${kind}/${name}`,
      });
    return name;
  };
  const service = check(
    "service",
    "Service",
    services,
    stringField(declared.service),
    stringField(routing.service) ?? "",
    (object) => matchesSelector(fieldOf(object, "spec", "selector"), podLabels),
  );
  if (service !== undefined) out.service = service;
  const ingress = fieldOf(routing, "ingress");
  if (isJsonObject(ingress)) {
    const ingresses = ctx.chartObjects.filter(
      (object) => object.kind === "Ingress" && groupOf(object.apiVersion) === "networking.k8s.io",
    );
    const name = check(
      "ingressName",
      "Ingress",
      ingresses,
      stringField(declared.ingressName),
      stringField(ingress.name) ?? "",
      (object) => service !== undefined && ingressBackends(object).includes(service),
    );
    if (name !== undefined) out.ingress = { ...ingress, name };
  }
  const gateway = fieldOf(routing, "gateway");
  if (isJsonObject(gateway)) {
    const routes = ctx.chartObjects.filter(
      (object) => object.kind === "HTTPRoute" && groupOf(object.apiVersion) === "gateway.networking.k8s.io",
    );
    const name = check(
      "gatewayHTTPRouteName",
      "HTTPRoute",
      routes,
      stringField(declared.gatewayHTTPRouteName),
      stringField(gateway.httpRouteName) ?? "",
      (object) => service !== undefined && routeBackends(object).includes(service),
    );
    if (name !== undefined) out.gateway = { ...gateway, httpRouteName: name };
  }
  return out;
}

/** The Rollout with its workloadRef and traffic routings pointing at the chart's real objects. */
function correctRollout(rollout: KubeObject, trait: TraitManifest, ctx: RolloutContext): KubeObject {
  const workload = chosenWorkload(rollout, trait, ctx);
  if (workload === undefined) return rollout;
  const previous = fieldOf(rollout, "spec", "objectRef", "workloadRef");
  const guess = isJsonObject(previous) ? `${displayText(previous.kind)}/${displayText(previous.name)}` : "";
  if (guess !== describe(workload))
    ctx.corrections.push({
      component: ctx.component,
      trait: ctx.trait,
      field: "workloadRef",
      from: guess,
      to: describe(workload),
    });
  const spec = structuredClone(isJsonObject(rollout.spec as JsonValue) ? (rollout.spec as JsonObject) : {});
  spec.objectRef = {
    ...(isJsonObject(spec.objectRef) ? spec.objectRef : {}),
    workloadRef: { apiVersion: workload.apiVersion, kind: workload.kind, name: workload.metadata.name ?? "" },
  };
  const routings = fieldOf(spec, "strategy", "canary", "trafficRoutings");
  if (Array.isArray(routings) && isJsonObject(spec.strategy) && isJsonObject(spec.strategy.canary)) {
    const declaredList = fieldOf(trait.properties, "canary", "trafficRoutings");
    spec.strategy.canary.trafficRoutings = routings.map((routing, index) => {
      const declared = Array.isArray(declaredList) ? declaredList[index] : undefined;
      return isJsonObject(routing)
        ? routeTraffic(routing, isJsonObject(declared) ? declared : {}, index, workload, ctx)
        : routing;
    });
  }
  return { ...rollout, spec };
}

/** An Argo Rollout pointed at the chart's objects, with the chart Service its canary Service copies. */
interface CorrectedArgoRollout {
  readonly rollout: KubeObject;
  readonly stableService: KubeObject | undefined;
  /** The canary Service name the trait rendered (to find its output), and the one it becomes. */
  readonly canaryService: { readonly from: string; readonly to: string } | undefined;
}

/**
 * An Argo Rollout (trait `argo-rollout`) pointed at the chart's real objects: `workloadRef` at the
 * chart's Deployment; `stableService` and `trafficRouting.nginx.stableIngress`, when defaulted from
 * the component name, at the chart's Service serving that Deployment and the Ingress routing to it;
 * a defaulted canary Service renamed after the stable one.
 */
function correctArgoRollout(rollout: KubeObject, trait: TraitManifest, ctx: RolloutContext): CorrectedArgoRollout {
  const unchanged = { rollout, stableService: undefined, canaryService: undefined };
  const workload = chosenWorkload(rollout, trait, ctx, ["spec", "workloadRef"]);
  if (workload === undefined) return unchanged;
  const guessKind = stringField(fieldOf(rollout, "spec", "workloadRef", "kind")) ?? "";
  const guess = `${guessKind}/${stringField(fieldOf(rollout, "spec", "workloadRef", "name")) ?? ""}`;
  if (guess !== describe(workload))
    ctx.corrections.push({
      component: ctx.component,
      trait: ctx.trait,
      field: "workloadRef",
      from: guess,
      to: describe(workload),
    });
  const spec = structuredClone(isJsonObject(rollout.spec as JsonValue) ? (rollout.spec as JsonObject) : {});
  spec.workloadRef = {
    ...(isJsonObject(spec.workloadRef) ? spec.workloadRef : {}),
    apiVersion: workload.apiVersion,
    kind: workload.kind,
    name: workload.metadata.name ?? "",
  };
  const canary = fieldOf(spec, "strategy", "canary");
  const stableName = stringField(fieldOf(spec, "strategy", "canary", "stableService"));
  if (!isJsonObject(canary) || stableName === undefined) return { ...unchanged, rollout: { ...rollout, spec } };
  const declaredList = fieldOf(trait.properties, "canary", "trafficRoutings");
  const declared = Array.isArray(declaredList) && isJsonObject(declaredList[0]) ? declaredList[0] : {};
  const nginx = fieldOf(canary, "trafficRouting", "nginx");
  const stableIngress = isJsonObject(nginx) ? stringField(nginx.stableIngress) : undefined;
  const routed = routeTraffic(
    { service: stableName, ...(stableIngress === undefined ? {} : { ingress: { name: stableIngress } }) },
    declared,
    0,
    workload,
    ctx,
  );
  const service = stringField(routed.service) ?? stableName;
  canary.stableService = service;
  const ingressName = stringField(fieldOf(routed, "ingress", "name"));
  if (isJsonObject(nginx) && ingressName !== undefined) nginx.stableIngress = ingressName;
  const renderedCanary = stringField(canary.canaryService);
  let canaryService: CorrectedArgoRollout["canaryService"];
  if (declared.canaryService === undefined && renderedCanary !== undefined) {
    canaryService = { from: renderedCanary, to: `${service}-canary` };
    canary.canaryService = canaryService.to;
  }
  const stableService = ctx.chartObjects.find(
    (object) => object.apiVersion === "v1" && object.kind === "Service" && object.metadata.name === service,
  );
  return { rollout: { ...rollout, spec }, stableService, canaryService };
}

/** The trait's canary Service, named and shaped after the chart's stable Service (its ports and selector). */
function correctCanaryService(output: KubeObject, corrected: CorrectedArgoRollout): KubeObject {
  if (corrected.canaryService === undefined || output.metadata.name !== corrected.canaryService.from) return output;
  const stable = corrected.stableService;
  const spec = structuredClone(isJsonObject(output.spec as JsonValue) ? (output.spec as JsonObject) : {});
  if (stable !== undefined) {
    const ports = fieldOf(stable, "spec", "ports");
    const selector = fieldOf(stable, "spec", "selector");
    if (Array.isArray(ports)) spec.ports = structuredClone(ports);
    if (isJsonObject(selector)) spec.selector = structuredClone(selector);
  }
  return { ...output, metadata: { ...output.metadata, name: corrected.canaryService.to }, spec };
}

/** Options of {@link resolveHelmWorkloads}. */
export interface ResolveHelmWorkloadsOptions {
  /**
   * What to do with a helm component whose chart cannot be fetched or rendered: `keep` its
   * Rollouts as rendered (the HelmRelease will report the problem), or `error`.
   * @default "keep"
   */
  readonly unavailableChart?: "keep" | "error";
  /** Component name → index in `spec.components`, so errors carry a JSON pointer. @default no paths */
  readonly componentIndexes?: Readonly<Record<string, number>>;
}

/** What {@link resolveHelmWorkloads} returns. */
export interface HelmWorkloadResolution {
  /** A copy of the manifests with each helm component's Rollouts pointing at the chart's real objects. */
  readonly manifests: readonly ComponentManifest[];
  /** The charts rendered, by component, in component order. */
  readonly charts: readonly ExpandedChart[];
  /** What changed from KubeVela's guess. */
  readonly corrections: readonly RolloutCorrection[];
  /** Things worth telling the user (a chart not available, a valuesFrom not resolvable). */
  readonly warnings: readonly string[];
}

/**
 * Renders the chart of every helm component (a HelmRelease workload) and points each Kruise
 * Rollout of its traits at what the chart really deploys: `workloadRef` at the chart's Deployment,
 * StatefulSet or CloneSet (the one KubeVela's guess names when it exists, else the only one of the
 * requested kind), and traffic routings whose Service/Ingress/HTTPRoute were defaulted from the
 * component name at the chart's object serving that workload. Explicit names must exist.
 * `source` must have been `prefetch`ed with {@link helmRepositoryUrls}. Throws a ValidationError
 * with `E_ROLLOUT_TARGET` issues (and `E_CHART_FETCH` with `unavailableChart: "error"`).
 */
export function resolveHelmWorkloads(
  manifests: readonly ComponentManifest[],
  source: HelmChartSource,
  options: ResolveHelmWorkloadsOptions = {},
): HelmWorkloadResolution {
  const issues: ValidationIssue[] = [];
  const warnings: string[] = [];
  const corrections: RolloutCorrection[] = [];
  const charts: ExpandedChart[] = [];
  const resolved = manifests.map((manifest) => {
    const release = findHelmRelease(manifest, manifests);
    if (release === undefined) return manifest;
    for (const missing of release.unresolvedValuesFrom)
      warnings.push(
        `component "${manifest.name}": valuesFrom ${missing} is not an object of this application; the chart is rendered without it`,
      );
    let expanded: ExpandedChart;
    try {
      expanded = expandHelmChart(release, source, options);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (options.unavailableChart === "error") issues.push(...error.issues);
      else
        warnings.push(...error.issues.map((found) => `${found.message}; its Rollouts keep KubeVela's default target`));
      return manifest;
    }
    charts.push(expanded);
    const traits = manifest.traits.map((trait) => {
      const argo = trait.outputs.find((output) => isArgoRollout(output.object));
      if (!trait.outputs.some((output) => isRollout(output.object)) && argo === undefined) return trait;
      if (release.targetNamespace !== manifest.namespace) {
        warnings.push(
          `component "${manifest.name}": trait "${trait.type}": the chart installs into namespace ` +
            `${release.targetNamespace} but the Rollout is in ${manifest.namespace}; ` +
            "a Kruise Rollout only controls workloads of its own namespace",
        );
      }
      const ctx: RolloutContext = {
        subject: `component "${manifest.name}": trait "${trait.type}"`,
        path: componentPath(manifest.name, options.componentIndexes, `/traits/${trait.index}`),
        chartObjects: expanded.objects,
        chartLabel: `${expanded.chart}@${expanded.version}`,
        issues,
        corrections,
        component: manifest.name,
        trait: trait.index,
      };
      if (argo !== undefined) {
        const corrected = correctArgoRollout(argo.object, trait, ctx);
        return {
          ...trait,
          outputs: trait.outputs.map((output) =>
            output === argo
              ? { ...output, object: corrected.rollout }
              : output.object.apiVersion === "v1" && output.object.kind === "Service"
                ? { ...output, object: correctCanaryService(output.object, corrected) }
                : output,
          ),
        };
      }
      return {
        ...trait,
        outputs: trait.outputs.map((output) =>
          isRollout(output.object) ? { ...output, object: correctRollout(output.object, trait, ctx) } : output,
        ),
      };
    });
    return { ...manifest, traits };
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return { manifests: resolved, charts, corrections, warnings };
}
