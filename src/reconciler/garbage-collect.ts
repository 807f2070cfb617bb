import type { DeleteOptions } from "../cluster/cluster.js";
import type { TrackedResource } from "../cluster/tracker.js";
import { LABEL_WORKLOAD_TYPE } from "../model/labels.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import { selectorMatches } from "./apply-once.js";

/**
 * The `garbage-collect` policy (KubeVela `GarbageCollectPolicySpec`, `pkg/resourcekeeper/gc.go`):
 * when what an application applied is deleted.
 *
 * - By default a resource an outdated revision applied and the running one no longer renders is
 *   deleted once the new revision's workflow succeeds (`onAppUpdate`), and everything is deleted
 *   with the app.
 * - `keepLegacyResource: true`: nothing is collected on update; outdated revisions' trackers (and
 *   their resources) stay until the app is deleted or the tracker is deleted by hand.
 * - `rules[]`: the first rule whose `selector` matches a resource (KubeVela's
 *   ResourcePolicyRuleSelector: every list given must match) gives its `strategy` — `onAppUpdate`,
 *   `onAppDelete` (kept on update, deleted with the app) or `never` (left behind even on delete) —
 *   and its `propagation`: `orphan` keeps what the resource owns (a Deployment's ReplicaSets),
 *   `cascading` deletes it too.
 * - `order: dependency`: on delete, a component's resources go only once the components that
 *   depend on it (`dependsOn`, or `inputs` taken from its `outputs`) are gone.
 * - `applicationRevisionLimit`: how many revisions are kept besides the latest (instead of the
 *   controller's `--revision-limit`).
 * - `continueOnFailure: true`: a run that failed collects too.
 */

/** When a resource matched by a rule is deleted. */
export type GcStrategy = "onAppUpdate" | "onAppDelete" | "never";

/** How a deleted resource's dependents (by ownerReferences) are treated. */
export type GcPropagation = "orphan" | "cascading";

/** One of the policy's `rules[]`. */
export interface GcRule {
  readonly selector: JsonObject;
  readonly strategy: GcStrategy;
  readonly propagation?: GcPropagation;
}

/** The app's garbage-collect policy, read from its (validated) properties. */
export interface GarbageCollectPolicy {
  readonly keepLegacyResource: boolean;
  readonly continueOnFailure: boolean;
  /** `order: dependency`. */
  readonly dependencyOrder: boolean;
  readonly applicationRevisionLimit?: number;
  readonly rules: readonly GcRule[];
}

/** A policy as the Application spec or its bound appfile lists it. */
interface PolicyLike {
  readonly type: string;
  readonly properties?: JsonObject;
}

function strategyOf(value: JsonValue | undefined): GcStrategy {
  return value === "onAppDelete" || value === "never" ? value : "onAppUpdate";
}

function ruleOf(rule: JsonObject): GcRule {
  const propagation = rule.propagation === "orphan" || rule.propagation === "cascading" ? rule.propagation : undefined;
  return {
    selector: isJsonObject(rule.selector) ? rule.selector : {},
    strategy: strategyOf(rule.strategy),
    ...(propagation === undefined ? {} : { propagation }),
  };
}

/** The app's `garbage-collect` policy (the first one), or undefined when it has none. */
export function garbageCollectPolicyOf(policies: readonly PolicyLike[]): GarbageCollectPolicy | undefined {
  const policy = policies.find((candidate) => candidate.type === "garbage-collect");
  if (policy === undefined) return undefined;
  const properties = policy.properties ?? {};
  const limit = properties.applicationRevisionLimit;
  const rules = Array.isArray(properties.rules) ? properties.rules.filter(isJsonObject) : [];
  return {
    keepLegacyResource: properties.keepLegacyResource === true,
    continueOnFailure: properties.continueOnFailure === true,
    dependencyOrder: properties.order === "dependency",
    ...(typeof limit === "number" && Number.isInteger(limit) && limit >= 0 ? { applicationRevisionLimit: limit } : {}),
    rules: rules.map(ruleOf),
  };
}

/** The policies of an Application object's spec (as stored: already validated when it was applied). */
export function policiesInSpec(spec: JsonValue | undefined): PolicyLike[] {
  const policies = isJsonObject(spec) && Array.isArray(spec.policies) ? spec.policies : [];
  return policies
    .filter(isJsonObject)
    .flatMap((policy) =>
      typeof policy.type === "string"
        ? [{ type: policy.type, ...(isJsonObject(policy.properties) ? { properties: policy.properties } : {}) }]
        : [],
    );
}

/** A component as the deletion order reads it. */
export interface ComponentLinks {
  readonly name: string;
  readonly type?: string;
  readonly dependsOn?: readonly string[];
  readonly inputs?: readonly { readonly from: string }[];
  readonly outputs?: readonly { readonly name: string }[];
}

/** The components of an Application object's spec, with their links (dependsOn, inputs, outputs). */
export function componentsInSpec(spec: JsonValue | undefined): ComponentLinks[] {
  const components = isJsonObject(spec) && Array.isArray(spec.components) ? spec.components : [];
  const names = (value: JsonValue | undefined, key?: string): string[] =>
    (Array.isArray(value) ? value : []).flatMap((item) => {
      const name = key === undefined ? item : isJsonObject(item) ? item[key] : undefined;
      return typeof name === "string" ? [name] : [];
    });
  return components.filter(isJsonObject).flatMap((component) =>
    typeof component.name === "string"
      ? [
          {
            name: component.name,
            ...(typeof component.type === "string" ? { type: component.type } : {}),
            dependsOn: names(component.dependsOn),
            inputs: names(component.inputs, "from").map((from) => ({ from })),
            outputs: names(component.outputs, "name").map((name) => ({ name })),
          },
        ]
      : [],
  );
}

/** The type of the component that rendered a tracked resource: its workload label, else the app's component list. */
function componentTypeOf(resource: TrackedResource, componentTypes: ReadonlyMap<string, string>): string | undefined {
  const metadata = isJsonObject(resource.raw) ? resource.raw.metadata : undefined;
  const labels = isJsonObject(metadata) ? metadata.labels : undefined;
  const labelled = isJsonObject(labels) ? labels[LABEL_WORKLOAD_TYPE] : undefined;
  if (typeof labelled === "string") return labelled;
  return resource.component === undefined ? undefined : componentTypes.get(resource.component);
}

/** The first rule of the policy covering a tracked resource, if any. */
export function gcRuleFor(
  policy: GarbageCollectPolicy | undefined,
  resource: TrackedResource,
  componentTypes: ReadonlyMap<string, string>,
): GcRule | undefined {
  if (policy === undefined || policy.rules.length === 0) return undefined;
  const object = { apiVersion: resource.apiVersion, kind: resource.kind, metadata: { name: resource.name } };
  const componentType = componentTypeOf(resource, componentTypes) ?? "";
  const origin = {
    component: resource.component ?? "",
    componentType,
    ...(resource.trait === undefined ? {} : { trait: resource.trait }),
  };
  return policy.rules.find((rule) => selectorMatches(rule.selector, object, origin));
}

/** The strategy for a tracked resource (`onAppUpdate` when no rule covers it). */
export function gcStrategyFor(
  policy: GarbageCollectPolicy | undefined,
  resource: TrackedResource,
  componentTypes: ReadonlyMap<string, string>,
): GcStrategy {
  return gcRuleFor(policy, resource, componentTypes)?.strategy ?? "onAppUpdate";
}

/** The delete options a rule's `propagation` asks for (`cascading` is the API's background cascade). */
export function gcDeleteOptions(rule: GcRule | undefined): DeleteOptions {
  if (rule?.propagation === "orphan") return { propagationPolicy: "Orphan" };
  if (rule?.propagation === "cascading") return { propagationPolicy: "Background" };
  return {};
}

/** Component name → type, for selectors by `componentTypes`. */
export function componentTypesOf(components: readonly ComponentLinks[]): Map<string, string> {
  return new Map(
    components.flatMap((component) => (component.type === undefined ? [] : [[component.name, component.type]])),
  );
}

/**
 * Components grouped for deletion in reverse dependency order (`order: dependency`): a component
 * is in a group after every group holding a component that depends on it, so the first group is
 * the components nothing depends on. A component depends on those it names in `dependsOn` and on
 * those whose `outputs` its `inputs` take. A cycle (refused when the app is validated) cannot hang it.
 */
export function reverseDependencyGroups(components: readonly ComponentLinks[]): string[][] {
  const producers = new Map<string, string>();
  for (const component of components)
    for (const output of component.outputs ?? []) producers.set(output.name, component.name);
  const dependents = new Map<string, Set<string>>(components.map((component) => [component.name, new Set()]));
  for (const component of components) {
    const needs = [
      ...(component.dependsOn ?? []),
      ...(component.inputs ?? []).flatMap((input) => {
        const producer = producers.get(input.from);
        return producer === undefined ? [] : [producer];
      }),
    ];
    for (const need of needs) if (need !== component.name) dependents.get(need)?.add(component.name);
  }
  const ranks = new Map<string, number>();
  const rankOf = (name: string, visiting: ReadonlySet<string>): number => {
    const known = ranks.get(name);
    if (known !== undefined) return known;
    const following = [...(dependents.get(name) ?? [])].filter((dependent) => !visiting.has(dependent));
    const next = new Set([...visiting, name]);
    const rank = following.reduce((highest, dependent) => Math.max(highest, rankOf(dependent, next) + 1), 0);
    ranks.set(name, rank);
    return rank;
  };
  const groups: string[][] = [];
  for (const component of components) {
    const rank = rankOf(component.name, new Set());
    (groups[rank] ??= []).push(component.name);
  }
  return groups.filter((group) => group !== undefined);
}
