import { ValidationError, type ValidationIssue } from "../errors/index.js";
import type { ApplicationInput, ComponentInput, PolicyInput, TraitInput, WorkflowStepInput } from "../model/index.js";
import { applyMergePatch, isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";

/**
 * Where a `deploy` step puts the components (KubeVela `pkg/policy/topology.go`, `override.go` and
 * the default workflow of `pkg/workflow/step/generator.go`): each `topology` policy the step names
 * gives one placement per selected cluster, in its `namespace` (the Application's by default); the
 * `override` policies it names, in order, change the components' properties and traits (properties
 * merged as a JSON merge patch, a trait with `disable: true` removed, a trait not there added) and
 * their `selector` narrows the components deployed. Without a workflow, KubeVela deploys once per
 * topology policy with every override policy (once, with the overrides, when there is no topology).
 */

/** One place a deploy step deploys to, with the Application as it is deployed there. */
export interface Placement {
  /** The deploy step (its name, or `deploy-<topology>` for the default workflow). */
  readonly step: string;
  /** The topology policy it comes from; absent when the step names none. */
  readonly topology?: string;
  readonly cluster: string;
  readonly namespace: string;
  /** The Application with the overrides applied (render it with the placement's namespace). */
  readonly application: ApplicationInput;
}

/** A cluster placements may select: its name and labels. */
export interface KnownCluster {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The hub, the only cluster known without a cluster registry. */
export const LOCAL_CLUSTER: KnownCluster = { name: "local", labels: {} };

function issue(message: string, path: string, hint: string): ValidationIssue {
  return { code: "E_POLICY_INVALID", message, path, hint };
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function labelMap(value: JsonValue | undefined): Record<string, string> | undefined {
  if (!isJsonObject(value)) return undefined;
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/** The clusters a topology policy selects: by name, else by label selector, else the hub. */
function selectClusters(
  policy: PolicyInput,
  path: string,
  clusters: readonly KnownCluster[],
): { names: string[]; problem?: ValidationIssue } {
  const properties = policy.properties ?? {};
  const byName = strings(properties.clusters);
  const selector = labelMap(properties.clusterLabelSelector) ?? labelMap(properties.clusterSelector);
  let names: string[];
  if (byName.length > 0) {
    const unknown = byName.filter((name) => !clusters.some((cluster) => cluster.name === name));
    if (unknown.length > 0)
      return {
        names: [],
        problem: issue(
          `topology policy "${policy.name ?? ""}" names ${unknown.length > 1 ? "clusters" : "cluster"} ` +
            `${unknown.map((name) => `"${name}"`).join(", ")}, which ${unknown.length > 1 ? "are" : "is"} not known`,
          `${path}/properties/clusters`,
          `known clusters: ${clusters.map((cluster) => cluster.name).join(", ")}`,
        ),
      };
    names = byName;
  } else if (selector !== undefined) {
    names = clusters
      .filter((cluster) => Object.entries(selector).every(([key, value]) => cluster.labels[key] === value))
      .map((cluster) => cluster.name);
  } else names = [LOCAL_CLUSTER.name];
  if (names.length === 0 && properties.allowEmpty !== true)
    return {
      names,
      problem: issue(
        `topology policy "${policy.name ?? ""}" selects no cluster`,
        `${path}/properties`,
        "label a cluster to match clusterLabelSelector, name clusters in clusters, or set allowEmpty: true",
      ),
    };
  return { names };
}

function matches(entry: JsonObject, component: ComponentInput): boolean {
  const name = typeof entry.name === "string" && entry.name !== "" ? entry.name : undefined;
  const type = typeof entry.type === "string" && entry.type !== "" ? entry.type : undefined;
  return (name === undefined || name === component.name) && (type === undefined || type === component.type);
}

function mergeProperties(base: JsonObject | undefined, patch: JsonValue | undefined): JsonObject | undefined {
  if (!isJsonObject(patch)) return base;
  const merged = applyMergePatch(base ?? {}, patch);
  return isJsonObject(merged) ? merged : base;
}

function overrideTraits(traits: readonly TraitInput[], overrides: readonly JsonObject[]): TraitInput[] {
  let result = [...traits];
  for (const override of overrides) {
    const type = typeof override.type === "string" ? override.type : "";
    if (override.disable === true) {
      result = result.filter((trait) => trait.type !== type);
      continue;
    }
    const index = result.findIndex((trait) => trait.type === type);
    const existing = result[index];
    if (existing === undefined) {
      result.push({ type, ...(isJsonObject(override.properties) ? { properties: override.properties } : {}) });
      continue;
    }
    const properties = mergeProperties(existing.properties, override.properties);
    result[index] = { ...existing, ...(properties === undefined ? {} : { properties }) };
  }
  return result;
}

/** The components with one override policy applied (KubeVela's `override.components[]` then `selector`). */
function applyOverride(components: readonly ComponentInput[], policy: PolicyInput): ComponentInput[] {
  const properties = policy.properties ?? {};
  const entries = Array.isArray(properties.components) ? properties.components.filter(isJsonObject) : [];
  let result = components.map((component) =>
    entries
      .filter((entry) => matches(entry, component))
      .reduce<ComponentInput>((changed, entry) => {
        const merged = mergeProperties(changed.properties, entry.properties);
        const traits = Array.isArray(entry.traits)
          ? overrideTraits(changed.traits ?? [], entry.traits.filter(isJsonObject))
          : changed.traits;
        return {
          ...changed,
          ...(merged === undefined ? {} : { properties: merged }),
          ...(traits === undefined ? {} : { traits }),
        };
      }, component),
  );
  const selector = strings(properties.selector);
  if (selector.length > 0) result = result.filter((component) => selector.includes(component.name));
  return result;
}

/** The deploy steps of the workflow (sub-steps of groups included), or KubeVela's default ones. */
function deploySteps(application: ApplicationInput): { name: string; policies: string[]; path: string }[] {
  const policies = application.spec.policies ?? [];
  const steps = application.spec.workflow?.steps;
  if (steps === undefined || steps.length === 0) {
    const overrides = policies.filter((policy) => policy.type === "override").map((policy) => policy.name ?? "");
    const topologies = policies.filter((policy) => policy.type === "topology");
    if (topologies.length === 0) return [{ name: "deploy", policies: overrides, path: "/spec" }];
    return topologies.map((topology) => ({
      name: `deploy-${topology.name ?? ""}`,
      policies: [topology.name ?? "", ...overrides],
      path: "/spec",
    }));
  }
  const found: { name: string; policies: string[]; path: string }[] = [];
  const visit = (step: WorkflowStepInput, path: string): void => {
    if (step.type === "deploy") found.push({ name: step.name, policies: strings(step.properties?.policies), path });
    step.subSteps?.forEach((sub, index) => visit(sub, `${path}/subSteps/${index}`));
  };
  steps.forEach((step, index) => visit(step, `/spec/workflow/steps/${index}`));
  return found;
}

/** Whether the Application's deploy steps name topology or override policies (or it has such policies and no workflow). */
export function usesPlacementPolicies(application: ApplicationInput): boolean {
  const types = new Map((application.spec.policies ?? []).map((policy) => [policy.name ?? "", policy.type]));
  return deploySteps(application).some((step) =>
    step.policies.some((name) => types.get(name) === "topology" || types.get(name) === "override"),
  );
}

/**
 * The deploy steps KubeVela generates for an app without a workflow whose policies place it: one
 * `deploy-<topology>` step per topology policy with every override policy (one `deploy` step with
 * the overrides when there is no topology). Undefined when the app declares a workflow or has no
 * such policy (its default workflow applies each component).
 */
export function defaultDeploySteps(application: ApplicationInput): { name: string; policies: string[] }[] | undefined {
  if ((application.spec.workflow?.steps ?? []).length > 0 || !usesPlacementPolicies(application)) return undefined;
  return deploySteps(application).map(({ name, policies }) => ({ name, policies }));
}

/**
 * Every placement of every deploy step, in workflow order. Throws a ValidationError naming the
 * policy (and its path) when a step names an unknown policy, a topology names an unknown cluster
 * or selects none.
 */
export function deployPlacements(
  application: ApplicationInput,
  clusters: readonly KnownCluster[] = [LOCAL_CLUSTER],
): Placement[] {
  const policies = application.spec.policies ?? [];
  const indexOf = new Map(policies.map((policy, index) => [policy.name ?? "", index]));
  const appNamespace = application.metadata.namespace ?? "default";
  const issues: ValidationIssue[] = [];
  const placements: Placement[] = [];
  for (const step of deploySteps(application)) {
    const named = step.policies.flatMap((name, index) => {
      const at = indexOf.get(name);
      const policy = at === undefined ? undefined : policies[at];
      if (policy === undefined) {
        issues.push(
          issue(
            `deploy step "${step.name}" names policy "${name}", which the Application does not declare`,
            `${step.path}/properties/policies/${index}`,
            `declare it under spec.policies (declared: ${[...indexOf.keys()].join(", ") || "none"})`,
          ),
        );
        return [];
      }
      return [{ policy, path: `/spec/policies/${at}` }];
    });
    const components = named
      .filter(({ policy }) => policy.type === "override")
      .reduce<ComponentInput[]>(
        (current, { policy }) => applyOverride(current, policy),
        [...application.spec.components],
      );
    const topologies = named.filter(({ policy }) => policy.type === "topology");
    const targets =
      topologies.length === 0
        ? [{ topology: undefined, cluster: LOCAL_CLUSTER.name, namespace: appNamespace }]
        : topologies.flatMap(({ policy, path }) => {
            const selected = selectClusters(policy, path, clusters);
            if (selected.problem !== undefined) issues.push(selected.problem);
            const namespace = policy.properties?.namespace;
            return selected.names.map((cluster) => ({
              topology: policy.name,
              cluster,
              namespace: typeof namespace === "string" && namespace !== "" ? namespace : appNamespace,
            }));
          });
    for (const target of targets)
      placements.push({
        step: step.name,
        ...(target.topology === undefined ? {} : { topology: target.topology }),
        cluster: target.cluster,
        namespace: target.namespace,
        application: { ...application, spec: { ...application.spec, components } },
      });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return placements;
}
