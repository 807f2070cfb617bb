import type { JsonObject, JsonValue } from "../util/index.js";
import { cloneJson, isJsonObject } from "../util/index.js";

/**
 * The part of an Application a revision captures: `metadata` reduced to what changes behaviour
 * (name, namespace, labels, annotations) and the whole `spec`. Matches KubeVela's
 * ApplicationRevision `spec.application` (status cleared).
 */
export interface ApplicationSnapshot {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec: JsonObject;
}

/** Every definition the app used, by kind then name, as full definition objects (KubeVela's field names). */
export interface DefinitionSnapshots {
  readonly componentDefinitions: Readonly<Record<string, JsonObject>>;
  readonly traitDefinitions: Readonly<Record<string, JsonObject>>;
  readonly policyDefinitions: Readonly<Record<string, JsonObject>>;
  readonly workflowStepDefinitions: Readonly<Record<string, JsonObject>>;
}

/** What a revision hash is computed over (STYLE §8): the spec without ops-only traits, and the definitions used. */
export interface RevisionSnapshot {
  readonly application: ApplicationSnapshot;
  readonly definitions: DefinitionSnapshots;
}

/** Annotations that describe the request, not the release: never part of a revision. */
const VOLATILE_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  "app.oam.dev/restart-workflow",
]);

/**
 * Returns a copy of `spec` with every trait whose type is ops-only removed from every component
 * (KubeVela v1.1–v1.5 `filterSkipAffectAppRevTrait`). Ops-only traits (`skipRevisionAffect: true`,
 * e.g. `scaler`) never make a revision and are taken from the live Application at render time.
 */
export function stripOpsOnlyTraits(spec: JsonObject, isOpsOnly: (traitType: string) => boolean): JsonObject {
  const copy = cloneJson(spec);
  const components = copy.components;
  if (!Array.isArray(components)) return copy;
  for (const component of components) {
    if (!isJsonObject(component) || !Array.isArray(component.traits)) continue;
    const kept = component.traits.filter(
      (trait) => !(isJsonObject(trait) && typeof trait.type === "string" && isOpsOnly(trait.type)),
    );
    if (kept.length === 0) delete component.traits;
    else component.traits = kept;
  }
  return copy;
}

/**
 * Puts the *current* ops-only traits on top of an older spec (rollback, DESIGN §6): for each
 * component of `target`, its non-ops traits are kept in their order and the ops-only traits are
 * replaced by those the same component has in `current` (current values win, traits added since
 * are kept, traits removed since stay removed), each at its place in the current order.
 * Components that no longer exist get no ops traits.
 */
export function mergeOpsOnlyTraits(
  target: JsonObject,
  current: JsonObject,
  isOpsOnly: (traitType: string) => boolean,
): JsonObject {
  const merged = stripOpsOnlyTraits(target, isOpsOnly);
  const currentComponents = Array.isArray(current.components) ? current.components.filter(isJsonObject) : [];
  const components = Array.isArray(merged.components) ? merged.components : [];
  for (const component of components) {
    if (!isJsonObject(component)) continue;
    const live = currentComponents.find((candidate) => candidate.name === component.name);
    const liveTraits = live !== undefined && Array.isArray(live.traits) ? live.traits : [];
    const opsTraits = liveTraits.filter(
      (trait) => isJsonObject(trait) && typeof trait.type === "string" && isOpsOnly(trait.type),
    );
    if (opsTraits.length === 0) continue;
    const releaseTraits = Array.isArray(component.traits) ? component.traits : [];
    component.traits = interleaveOpsTraits(releaseTraits, liveTraits, isOpsOnly);
  }
  return merged;
}

function traitType(trait: JsonValue): string | undefined {
  return isJsonObject(trait) && typeof trait.type === "string" ? trait.type : undefined;
}

/**
 * The target's release traits with the live ops-only traits put back where they stand in the live
 * component: traits apply in order and a later one reads what an earlier one rendered (an
 * `argo-rollout` reads the replica count a `scaler` before it set), so position matters. Each live
 * ops-only trait goes right after the release trait of the same type that precedes it live (at the
 * front when none does); release traits keep the target's order.
 */
function interleaveOpsTraits(
  release: readonly JsonValue[],
  live: readonly JsonValue[],
  isOpsOnly: (traitType: string) => boolean,
): JsonValue[] {
  const after = new Map<number, JsonValue[]>();
  let anchor = -1;
  const used = new Set<number>();
  for (const trait of live) {
    const type = traitType(trait);
    if (type !== undefined && isOpsOnly(type)) {
      const group = after.get(anchor) ?? [];
      group.push(cloneJson(trait));
      after.set(anchor, group);
      continue;
    }
    const index = release.findIndex((candidate, i) => !used.has(i) && traitType(candidate) === type);
    if (index >= 0) {
      used.add(index);
      anchor = index;
    }
  }
  return [...(after.get(-1) ?? []), ...release.flatMap((trait, index) => [trait, ...(after.get(index) ?? [])])];
}

/** The ops-only traits of every component, by component name (for status and history). */
export function opsOnlyTraitsOf(
  spec: JsonObject,
  isOpsOnly: (traitType: string) => boolean,
): Record<string, JsonValue[]> {
  const out: Record<string, JsonValue[]> = {};
  const components = Array.isArray(spec.components) ? spec.components : [];
  for (const component of components) {
    if (!isJsonObject(component) || typeof component.name !== "string" || !Array.isArray(component.traits)) continue;
    const ops = component.traits.filter(
      (trait) => isJsonObject(trait) && typeof trait.type === "string" && isOpsOnly(trait.type),
    );
    if (ops.length > 0) out[component.name] = cloneJson(ops);
  }
  return out;
}

/** Builds the snapshot of an application: spec minus ops-only traits, plus the definitions used. */
export function buildRevisionSnapshot(
  application: ApplicationSnapshot,
  definitions: DefinitionSnapshots,
  isOpsOnly: (traitType: string) => boolean,
): RevisionSnapshot {
  const annotations = Object.fromEntries(
    Object.entries(application.metadata.annotations ?? {})
      .filter(([key]) => !VOLATILE_ANNOTATIONS.has(key))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const opsOnlyTypes = new Set(Object.keys(definitions.traitDefinitions).filter(isOpsOnly));
  return {
    application: {
      apiVersion: application.apiVersion,
      kind: application.kind,
      metadata: {
        name: application.metadata.name,
        ...(application.metadata.namespace === undefined ? {} : { namespace: application.metadata.namespace }),
        ...(application.metadata.labels === undefined ? {} : { labels: application.metadata.labels }),
        ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
      },
      spec: stripOpsOnlyTraits(application.spec, isOpsOnly),
    },
    // Ops-only trait definitions are left out too (KubeVela #3032): editing `scaler` must not make a revision.
    definitions: {
      ...definitions,
      traitDefinitions: Object.fromEntries(
        Object.entries(definitions.traitDefinitions).filter(([name]) => !opsOnlyTypes.has(name)),
      ),
    },
  };
}
