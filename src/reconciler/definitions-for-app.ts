import { stringify } from "yaml";
import type { Appfile } from "../appfile/index.js";
import {
  DefinitionRegistry,
  loadDefinitions,
  parseDefinitions,
  type Definition,
  type DefinitionWarning,
} from "../definitions/index.js";
import { definitionObjectOf } from "../model/index.js";
import type { DefinitionSnapshots } from "../revision/index.js";
import type { JsonObject } from "../util/index.js";
import type { UsedDefinition } from "./steady-state.js";

/** Options for the registry a cluster command binds apps against. */
export interface ClusterRegistryOptions {
  /** `--definitions DIR`, in order (they override bundled definitions). */
  readonly definitionDirs: readonly string[];
  readonly cwd: string;
  /** Addons enabled on the target cluster: only their definitions count. */
  readonly enabledAddons: readonly string[];
  /** Definitions stored in the cluster (`def apply`). @default [] */
  readonly stored?: readonly Definition[];
}

/** The definitions a cluster command sees: built-ins, enabled addons, stored ones, user folders. */
export function loadClusterRegistry(options: ClusterRegistryOptions): {
  readonly registry: DefinitionRegistry;
  readonly warnings: readonly DefinitionWarning[];
} {
  const loaded = loadDefinitions({
    userDirs: options.definitionDirs,
    cwd: options.cwd,
    enabledAddons: options.enabledAddons,
    preloaded: options.stored ?? [],
  });
  return { registry: loaded.registry, warnings: loaded.warnings };
}

/** The definition documents an Appfile uses, by kind and name (what a revision snapshot stores). */
export function definitionsUsed(appfile: Appfile): DefinitionSnapshots {
  const componentDefinitions: Record<string, JsonObject> = {};
  const traitDefinitions: Record<string, JsonObject> = {};
  const policyDefinitions: Record<string, JsonObject> = {};
  const workflowStepDefinitions: Record<string, JsonObject> = {};
  for (const component of appfile.components) {
    componentDefinitions[component.definition.name] = definitionObjectOf(component.definition.input);
    for (const trait of component.traits)
      traitDefinitions[trait.definition.name] = definitionObjectOf(trait.definition.input);
  }
  for (const policy of appfile.policies)
    policyDefinitions[policy.definition.name] = definitionObjectOf(policy.definition.input);
  const visit = (steps: NonNullable<Appfile["workflow"]>["steps"]): void => {
    for (const step of steps) {
      workflowStepDefinitions[step.definition.name] = definitionObjectOf(step.definition.input);
      visit(step.subSteps);
    }
  };
  visit(appfile.workflow?.steps ?? []);
  return { componentDefinitions, traitDefinitions, policyDefinitions, workflowStepDefinitions };
}

/**
 * Every definition an Appfile is bound to, with its fingerprint in `registry`: what a steady-state
 * pass compares to tell whether the definitions the app uses changed (an addon enabled, a user
 * definition edited), without hashing them again.
 */
export function usedDefinitions(appfile: Appfile, registry: DefinitionRegistry): UsedDefinition[] {
  const used = new Map<string, Definition>();
  const add = (definition: Definition): void => {
    used.set(`${definition.kind}/${definition.name}`, definition);
  };
  for (const component of appfile.components) {
    add(component.definition);
    for (const trait of component.traits) add(trait.definition);
  }
  for (const policy of appfile.policies) add(policy.definition);
  const visit = (steps: NonNullable<Appfile["workflow"]>["steps"]): void => {
    for (const step of steps) {
      add(step.definition);
      visit(step.subSteps);
    }
  };
  visit(appfile.workflow?.steps ?? []);
  return [...used.values()].map((definition) => ({
    kind: definition.kind,
    name: definition.name,
    fingerprint: registry.fingerprint(definition.kind, definition.name) ?? "",
  }));
}

/**
 * A registry made of a revision's own definitions (so rollback and pinned releases render with
 * what the revision was made with, STYLE §8), plus the live registry's definitions for anything
 * the snapshot does not hold (ops-only traits, which are left out of snapshots, and step types).
 */
export function registryFromSnapshot(
  snapshot: DefinitionSnapshots,
  live: DefinitionRegistry,
  revisionName: string,
): DefinitionRegistry {
  const fromSnapshot: Definition[] = [];
  for (const group of [
    snapshot.componentDefinitions,
    snapshot.traitDefinitions,
    snapshot.policyDefinitions,
    snapshot.workflowStepDefinitions,
  ]) {
    for (const document of Object.values(group)) {
      fromSnapshot.push(...parseDefinitions(stringify(document), `revision ${revisionName}`, { source: "file" }));
    }
  }
  const names = new Set(fromSnapshot.map((definition) => `${definition.kind}/${definition.name}`));
  const rest = live.list().filter((definition) => !names.has(`${definition.kind}/${definition.name}`));
  return new DefinitionRegistry([...rest, ...fromSnapshot]);
}
