import type { Cluster } from "../cluster/cluster.js";
import { trackedKey, type TrackedResource } from "../cluster/tracker.js";
import type { DefinitionRegistry } from "../definitions/index.js";
import { describeRef, isKubeObject, refOf, type KubeObject } from "../model/kube-object.js";
import { decodeStoredOptional, SERVICES_SCHEMA } from "../model/stored-objects.js";
import { FIELD_MANAGER, LABEL_APP_REVISION, LABEL_COMPONENT_REVISION } from "../model/labels.js";
import { componentObjects, evaluateHealth, type ComponentManifest } from "../render/index.js";
import { toJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import { keepAllowedDrift, type ApplyOncePolicy, type ApplyStage } from "./apply-once.js";
import { isSharedBy, joinShared, ownerOf } from "./shared-resource.js";

/** Marks an object a `ref-objects` component only refers to: adopted, never written. */
export const ANNOTATION_REF_OBJECT = "app.oam.dev/ref-object";

/** Health of one trait of a component (`status.services[].traits[]`). */
export interface TraitHealth {
  readonly type: string;
  readonly healthy: boolean;
  readonly message?: string;
}

/** Health of a component (`status.services[]`, KubeVela field names). */
export interface ServiceHealth {
  readonly name: string;
  readonly namespace: string;
  /** The member cluster of a placed component (KubeVela's `services[].cluster`); absent for the hub. */
  readonly cluster?: string;
  readonly workloadDefinition?: { readonly apiVersion: string; readonly kind: string };
  readonly healthy: boolean;
  readonly workloadHealthy: boolean;
  readonly message?: string;
  readonly traits: readonly TraitHealth[];
}

/**
 * The component health an Application's status records (`status.services`), read back from the
 * cluster: none when absent; a damaged list is an `E_STORED_OBJECT_INVALID` naming the Application.
 */
export function storedServicesOf(app: KubeObject): ServiceHealth[] {
  const status = app.status as JsonObject | undefined;
  const where = { object: describeRef(refOf(app)), path: "/status/services" };
  return [...(decodeStoredOptional<ServiceHealth[]>(SERVICES_SCHEMA, status?.services, where) ?? [])];
}

export function isRefObject(object: KubeObject): boolean {
  return object.metadata.annotations?.[ANNOTATION_REF_OBJECT] === "true";
}

/** The objects the app itself writes for a component: without a `manageWorkload` trait's workload and without referenced objects. */
export function objectsToApply(manifest: ComponentManifest): KubeObject[] {
  return componentObjects(manifest).filter(
    (object) => !(manifest.manageWorkload && object === manifest.workload) && !isRefObject(object),
  );
}

/**
 * For a component whose workload a `manageWorkload` trait applies (the v1.1 `rollout` trait), the
 * app records the rendered workload as a component revision instead: an `apps/v1`
 * ControllerRevision named `<component>-v<N>` (`context.revision`) holding it in `data`, as
 * KubeVela does. The rollout controller creates each revision's workload from it. Revisions are
 * history: they are not tracked for garbage collection, so the source revision stays readable.
 */
export function componentRevisionObject(manifest: ComponentManifest): KubeObject | undefined {
  if (!manifest.manageWorkload || manifest.workload === undefined) return undefined;
  const number = Number(/-v(\d+)$/.exec(manifest.revision)?.[1] ?? 0);
  // A component revision outlives the app revision that first rendered it (reviews-v2 serves
  // book-info-v2 and -v3): without the app-revision label it is written once, not on every release.
  const workloadLabels = Object.fromEntries(
    Object.entries(manifest.workload.metadata.labels ?? {}).filter(([key]) => key !== LABEL_APP_REVISION),
  );
  const workload: KubeObject = {
    ...manifest.workload,
    metadata: { ...manifest.workload.metadata, labels: workloadLabels },
  };
  const labels = { ...workloadLabels, [LABEL_COMPONENT_REVISION]: manifest.revision };
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: manifest.revision, namespace: manifest.namespace, labels },
    data: toJsonObject(workload),
    revision: number,
  };
}

/** Tracker entries for a component's objects (manifests kept for rollback and `status --tree`). */
export function trackedResourcesOf(manifest: ComponentManifest): TrackedResource[] {
  const traitOf = new Map<KubeObject, string>();
  for (const trait of manifest.traits) for (const output of trait.outputs) traitOf.set(output.object, trait.type);
  return objectsToApply(manifest).map((object) => {
    const trait = traitOf.get(object);
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name ?? "",
      ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
      component: manifest.name,
      ...(trait === undefined ? {} : { trait }),
      raw: toJsonObject(object),
    };
  });
}

/** A tracker entry for an object a step applied by itself (no component): `apply-object`, an `apply` action. */
export function untrackedComponentResource(object: KubeObject): TrackedResource {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  };
}

/** Options of {@link applyComponentObjects}. */
export interface ApplyComponentObjectsOptions {
  /** The app's apply-once policy: which drift is kept. @default none (every drift is undone) */
  readonly applyOnce?: ApplyOncePolicy;
  /** Who applies: a workflow step, or the state keep. @default "onUpdate" */
  readonly stage?: ApplyStage;
  /**
   * The app (`ns/name`) and its `shared-resource` selectors: a selected object another app owns is
   * joined (`app.oam.dev/shared-by`), not written. @default nothing shared
   */
  readonly sharing?: { readonly app: string; readonly selectors: readonly JsonObject[] };
  /** Objects already read just before (the ownership check): their live state is not read again. */
  readonly live?: ReadonlyMap<KubeObject, KubeObject | undefined>;
  /** Apply only these of the component's objects (one dispatch stage). @default {@link componentApplyList} */
  readonly objects?: readonly KubeObject[];
}

/** Every object applying a component writes, in order: its component revision (if any), then {@link objectsToApply}. */
export function componentApplyList(manifest: ComponentManifest): KubeObject[] {
  const revision = componentRevisionObject(manifest);
  return revision === undefined ? objectsToApply(manifest) : [revision, ...objectsToApply(manifest)];
}

/**
 * Applies a component's objects with server-side apply as vela-ts (idempotent). vela-ts owns what
 * it renders: a field another manager took (`kubectl scale`, an HPA) is taken back (force), unless
 * the app's `apply-once` policy keeps that drift. Returns how many objects actually changed (their
 * resourceVersion moved), so callers can tell a fixed point.
 */
export async function applyComponentObjects(
  cluster: Cluster,
  manifest: ComponentManifest,
  options: ApplyComponentObjectsOptions = {},
): Promise<number> {
  let changed = 0;
  const traitOf = new Map<KubeObject, string>();
  for (const trait of manifest.traits) for (const output of trait.outputs) traitOf.set(output.object, trait.type);
  for (const object of options.objects ?? componentApplyList(manifest)) {
    const before = options.live?.has(object) === true ? options.live.get(object) : await cluster.get(refOf(object));
    const trait = traitOf.get(object);
    const origin = {
      component: manifest.name,
      componentType: manifest.type,
      ...(trait === undefined ? {} : { trait }),
    };
    const owner = before === undefined ? undefined : ownerOf(before);
    if (
      before !== undefined &&
      options.sharing !== undefined &&
      owner !== undefined &&
      owner !== options.sharing.app &&
      isSharedBy(options.sharing.selectors, object, origin)
    ) {
      if (await joinShared(cluster, before, options.sharing.app)) changed++;
      continue;
    }
    const applied = keepAllowedDrift(object, before, options.applyOnce, options.stage ?? "onUpdate", origin);
    if (applied === undefined) continue;
    const after = await cluster.apply(applied, { fieldManager: FIELD_MANAGER, force: true });
    if (before?.metadata.resourceVersion !== after.metadata.resourceVersion) changed++;
  }
  return changed;
}

async function liveOf(cluster: Cluster, object: KubeObject | undefined): Promise<JsonValue> {
  if (object === undefined) return null;
  const live = await cluster.get(refOf(object));
  return live === undefined ? null : toJsonObject(live);
}

/**
 * Objects whose controller has not yet seen their latest spec (`status.observedGeneration` behind
 * `metadata.generation`, as kstatus reads it). Their status describes an older spec, so a health
 * policy over it would wrongly pass right after an upgrade was applied.
 */
function staleObjects(objects: readonly JsonValue[]): string[] {
  return objects.flatMap((value) => {
    if (!isKubeObject(value)) return [];
    const object = value;
    const observed = (object.status as JsonObject | undefined)?.observedGeneration;
    const generation = object.metadata.generation;
    return typeof observed === "number" && typeof generation === "number" && observed < generation
      ? [`${object.kind}/${object.metadata.name ?? ""}`]
      : [];
  });
}

/**
 * Health of a component and its traits against live objects (KubeVela: workload healthy AND every
 * trait healthy). `healthPolicy` sees `output` (the live main object), `outputs` (live auxiliaries by
 * name: the component's for the component, the trait's own for a trait), `parameter` and `context`.
 */
export async function componentHealth(
  cluster: Cluster,
  manifest: ComponentManifest,
  registry: DefinitionRegistry,
): Promise<ServiceHealth> {
  return (await inspectComponent(cluster, manifest, registry)).health;
}

/** {@link componentHealth} and the live main object it was judged on (`null` when there is none). */
export async function inspectComponent(
  cluster: Cluster,
  manifest: ComponentManifest,
  registry: DefinitionRegistry,
): Promise<{ readonly health: ServiceHealth; readonly output: JsonValue }> {
  const definition = registry.getComponent(manifest.type);
  const output = await liveOf(cluster, manifest.workload);
  const outputs: Record<string, JsonValue> = {};
  for (const entry of manifest.outputs) outputs[entry.name] = await liveOf(cluster, entry.object);
  const evaluated = evaluateHealth(
    definition,
    { output, outputs, parameter: manifest.properties, context: manifest.context },
    { cache: registry.cache },
  );
  const stale = staleObjects([output, ...Object.values(outputs)]);
  // With a manageWorkload trait the app never applies the workload under its rendered name: the
  // trait's controller runs one per component revision, and the trait's health stands for it.
  const workload = manifest.manageWorkload
    ? { healthy: true, message: "" }
    : stale.length === 0
      ? evaluated
      : { healthy: false, message: `waiting for ${stale.join(", ")} to be reconciled` };
  const traits: TraitHealth[] = [];
  for (const trait of manifest.traits) {
    const traitDefinition = registry.findTrait(trait.type);
    if (traitDefinition === undefined) continue;
    const traitOutputs: Record<string, JsonValue> = {};
    for (const entry of trait.outputs) traitOutputs[entry.name] = await liveOf(cluster, entry.object);
    const traitStale = staleObjects(Object.values(traitOutputs));
    const health =
      traitStale.length === 0
        ? evaluateHealth(
            traitDefinition,
            { output, outputs: traitOutputs, parameter: trait.properties, context: manifest.context },
            { cache: registry.cache },
          )
        : { healthy: false, message: `waiting for ${traitStale.join(", ")} to be reconciled` };
    traits.push({
      type: trait.type,
      healthy: health.healthy,
      ...(health.message === "" ? {} : { message: health.message }),
    });
  }
  const health: ServiceHealth = {
    name: manifest.name,
    namespace: manifest.namespace,
    ...(manifest.workload === undefined
      ? {}
      : { workloadDefinition: { apiVersion: manifest.workload.apiVersion, kind: manifest.workload.kind } }),
    healthy: workload.healthy && traits.every((trait) => trait.healthy),
    workloadHealthy: workload.healthy,
    ...(workload.message === "" ? {} : { message: workload.message }),
    traits,
  };
  return { health, output };
}

/** One line saying why a component is not healthy yet (for step messages). */
export function describeUnhealthy(health: ServiceHealth): string {
  const parts: string[] = [];
  if (!health.workloadHealthy) parts.push(health.message ?? "workload not ready");
  for (const trait of health.traits) if (!trait.healthy) parts.push(`${trait.type}: ${trait.message ?? "not ready"}`);
  return parts.join("; ");
}

/** Unique tracker entries (later wins), for merging several components' sets. */
export function mergeTracked(...sets: readonly (readonly TrackedResource[])[]): TrackedResource[] {
  const byKey = new Map<string, TrackedResource>();
  for (const set of sets) for (const resource of set) byKey.set(trackedKey(resource), resource);
  return [...byKey.values()];
}
