import type { Cluster } from "../cluster/cluster.js";
import {
  ADDON_FIELD_MANAGER,
  SIMULATED_ADMISSIONS,
  SIMULATED_CONTROLLERS,
  type SandboxCluster,
} from "../cluster/sandbox/index.js";
import { listBundledAddons, type Addon, type Definition } from "../definitions/index.js";
import { NotFoundError, UsageError, ValidationError, VelaError } from "../errors/index.js";
import type { DefinitionKind } from "../model/index.js";
import { refOf, type KubeObject, type ObjectRef } from "../model/kube-object.js";
import { LABEL_ADDON_NAME } from "../model/labels.js";
import { closestMatches, isJsonObject, type JsonValue } from "../util/index.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND } from "../reconciler/application-object.js";
import { addonDefinitions, definitionObject } from "../target/addon-objects.js";
import { targetsKube, withTarget, type Target, type TargetOptions } from "../target/target.js";

export { ADDON_DEFINITION_NAMESPACE, definitionObject } from "../target/addon-objects.js";

const DEFINITION_API_VERSION = "core.oam.dev/v1beta1";
const DEFINITION_KINDS: readonly DefinitionKind[] = [
  "ComponentDefinition",
  "TraitDefinition",
  "PolicyDefinition",
  "WorkflowStepDefinition",
];

/** A definition an addon provides. */
export interface AddonDefinition {
  readonly kind: DefinitionKind;
  readonly name: string;
  /** Installed in the cluster as a Definition object. */
  readonly installed: boolean;
}

/** A row of `addon list`. */
export interface AddonSummary {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly enabled: boolean;
  readonly dependencies: readonly string[];
}

/** An app using definitions of an addon. */
export interface AddonUsage {
  readonly app: string;
  readonly namespace: string;
  /** `component helm`, `trait kruise-rollout`… */
  readonly types: readonly string[];
}

/** `addon status NAME`. */
export interface AddonStatus extends AddonSummary {
  readonly definitions: readonly AddonDefinition[];
  /** The sandbox's simulated controllers and admissions this addon switches on. */
  readonly controllers: readonly string[];
  /** Enabled addons that depend on this one. */
  readonly requiredBy: readonly string[];
  readonly usedBy: readonly AddonUsage[];
}

/** Options of the addon commands. */
export interface AddonOptions extends TargetOptions {
  readonly name: string;
}

/** What `addon enable` did. */
export interface AddonEnableResult {
  /** Addons switched on by this command, dependencies first. */
  readonly enabled: readonly string[];
  /** Addons of the closure that were already on. */
  readonly alreadyEnabled: readonly string[];
  /** Definition objects written (installed or refreshed). */
  readonly installed: readonly ObjectRef[];
}

/** What `addon disable` did. */
export interface AddonDisableResult {
  readonly wasEnabled: boolean;
  readonly removed: readonly ObjectRef[];
  /** Apps still using its definitions (only when forced). */
  readonly usedBy: readonly AddonUsage[];
  /** Enabled addons that depend on it (only when forced). */
  readonly requiredBy: readonly string[];
}

function findAddon(addons: readonly Addon[], name: string): Addon {
  const found = addons.find((addon) => addon.name === name);
  if (found !== undefined) return found;
  const names = addons.map((addon) => addon.name);
  const close = closestMatches(name, names);
  throw new NotFoundError("E_ADDON_NOT_FOUND", `addon "${name}" not found`, {
    hint:
      close.length > 0
        ? `did you mean ${close.map((candidate) => `"${candidate}"`).join(", ")}? (vela-ts addon list)`
        : `bundled addons: ${names.join(", ")}`,
  });
}

/** Addons to enable for `name`: its dependencies (recursively) first, then itself. */
export function addonClosure(addons: readonly Addon[], name: string): Addon[] {
  const order: Addon[] = [];
  const visiting = new Set<string>();
  const visit = (addonName: string, from: string | undefined): void => {
    if (order.some((addon) => addon.name === addonName)) return;
    if (visiting.has(addonName))
      throw new ValidationError([
        {
          code: "E_ADDON_DEPENDENCY",
          message: `addon dependencies form a cycle through "${addonName}"`,
          hint: "fix the dependencies in the addons' metadata.yaml",
        },
      ]);
    const addon = addons.find((candidate) => candidate.name === addonName);
    if (addon === undefined) {
      if (from === undefined) findAddon(addons, addonName);
      throw new ValidationError([
        {
          code: "E_ADDON_DEPENDENCY",
          message: `addon "${from ?? ""}" depends on "${addonName}", which is not available`,
          hint: `bundled addons: ${addons.map((candidate) => candidate.name).join(", ")}`,
        },
      ]);
    }
    visiting.add(addonName);
    for (const dependency of addon.dependencies) visit(dependency, addonName);
    visiting.delete(addonName);
    order.push(addon);
  };
  visit(name, undefined);
  return order;
}

async function installedDefinitions(cluster: Cluster, addon: string): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const kind of DEFINITION_KINDS)
    objects.push(
      ...(await cluster.list(DEFINITION_API_VERSION, kind, { labelSelector: `${LABEL_ADDON_NAME}=${addon}` })),
    );
  return objects;
}

function baseType(type: string): string {
  const at = type.indexOf("@");
  return at < 0 ? type : type.slice(0, at);
}

/** The `kind name` pairs an Application's spec uses (components, traits, policies, workflow steps). */
export function typesUsedBy(spec: JsonValue | undefined): { readonly kind: DefinitionKind; readonly name: string }[] {
  const used: { kind: DefinitionKind; name: string }[] = [];
  const add = (kind: DefinitionKind, value: JsonValue | undefined): void => {
    if (typeof value === "string") used.push({ kind, name: baseType(value) });
  };
  if (!isJsonObject(spec)) return used;
  for (const component of Array.isArray(spec.components) ? spec.components : []) {
    if (!isJsonObject(component)) continue;
    add("ComponentDefinition", component.type);
    for (const trait of Array.isArray(component.traits) ? component.traits : [])
      if (isJsonObject(trait)) add("TraitDefinition", trait.type);
  }
  for (const policy of Array.isArray(spec.policies) ? spec.policies : [])
    if (isJsonObject(policy)) add("PolicyDefinition", policy.type);
  const visit = (steps: JsonValue | undefined): void => {
    for (const step of Array.isArray(steps) ? steps : []) {
      if (!isJsonObject(step)) continue;
      add("WorkflowStepDefinition", step.type);
      visit(step.subSteps);
    }
  };
  visit(isJsonObject(spec.workflow) ? spec.workflow.steps : undefined);
  return used;
}

const KIND_WORDS: Readonly<Record<DefinitionKind, string>> = {
  ComponentDefinition: "component",
  TraitDefinition: "trait",
  PolicyDefinition: "policy",
  WorkflowStepDefinition: "workflow step",
};

/** Applications (any namespace) whose spec uses one of the definitions. */
async function findUsage(cluster: Cluster, definitions: readonly Definition[]): Promise<AddonUsage[]> {
  const provided = new Set(definitions.map((definition) => `${definition.kind}/${definition.name}`));
  const usage: AddonUsage[] = [];
  for (const app of await cluster.list(APPLICATION_API_VERSION, APPLICATION_KIND)) {
    const types = [
      ...new Set(
        typesUsedBy(app.spec as JsonValue | undefined)
          .filter((used) => provided.has(`${used.kind}/${used.name}`))
          .map((used) => `${KIND_WORDS[used.kind]} ${used.name}`),
      ),
    ];
    if (types.length > 0)
      usage.push({ app: app.metadata.name ?? "", namespace: app.metadata.namespace ?? "default", types });
  }
  return usage;
}

function requireSandbox(options: TargetOptions): void {
  if (targetsKube(options)) {
    throw new UsageError("addon commands are not yet supported on real clusters", {
      hint: "drop --kubeconfig/--context (and unset KUBECONFIG, or pass --sandbox) to manage the sandbox's addons",
    });
  }
}

async function withSandbox<T>(
  options: TargetOptions,
  work: (target: Target, sandbox: SandboxCluster) => Promise<T>,
): Promise<T> {
  requireSandbox(options);
  return withTarget(options, async (target) => {
    if (target.sandbox === undefined)
      throw new UsageError("addon commands are not yet supported on real clusters", {
        hint: "drop --kubeconfig/--context (and unset KUBECONFIG, or pass --sandbox) to manage the sandbox's addons",
      });
    return work(target, target.sandbox);
  });
}

function summaryOf(addon: Addon, enabled: ReadonlySet<string>): AddonSummary {
  return {
    name: addon.name,
    description: addon.description,
    version: addon.version,
    enabled: enabled.has(addon.name),
    dependencies: addon.dependencies,
  };
}

/** `vela-ts addon list`: the bundled addons and whether the sandbox has them enabled. */
export async function listAddons(options: TargetOptions): Promise<readonly AddonSummary[]> {
  return withSandbox(options, (_target, sandbox) =>
    Promise.resolve(listBundledAddons().map((addon) => summaryOf(addon, sandbox.enabledAddons))),
  );
}

/** `vela-ts addon status NAME`: definitions (and whether installed), controllers, dependents, apps using it. */
export async function addonStatus(options: AddonOptions): Promise<AddonStatus> {
  return withSandbox(options, async (target, sandbox) => {
    const addons = listBundledAddons();
    const addon = findAddon(addons, options.name);
    const definitions = addonDefinitions(addon.name);
    const installed = new Set(
      (await installedDefinitions(target.cluster, addon.name)).map(
        (object) => `${object.kind}/${object.metadata.name ?? ""}`,
      ),
    );
    const controllers = [...SIMULATED_CONTROLLERS, ...SIMULATED_ADMISSIONS]
      .filter((controller) => controller.addon === addon.name)
      .map((controller) => controller.name);
    return {
      ...summaryOf(addon, sandbox.enabledAddons),
      definitions: definitions.map((definition) => ({
        kind: definition.kind,
        name: definition.name,
        installed: installed.has(`${definition.kind}/${definition.name}`),
      })),
      controllers: [...new Set(controllers)],
      requiredBy: addons
        .filter((other) => sandbox.enabledAddons.has(other.name) && other.dependencies.includes(addon.name))
        .map((other) => other.name),
      usedBy: await findUsage(target.cluster, definitions),
    };
  });
}

/**
 * `vela-ts addon enable NAME` on the sandbox: enables the addon and its dependencies (recorded in
 * the sandbox, so their simulated controllers run and their definitions bind), installs their
 * definitions as Definition objects, then lets the controllers catch up with existing objects.
 */
export async function enableAddon(options: AddonOptions): Promise<AddonEnableResult> {
  return withSandbox(options, async (target, sandbox) => {
    const closure = addonClosure(listBundledAddons(), options.name);
    const installed: ObjectRef[] = [];
    for (const addon of closure) {
      for (const definition of addonDefinitions(addon.name))
        installed.push(
          refOf(
            await target.cluster.apply(definitionObject(definition, addon.name), {
              force: true,
              fieldManager: ADDON_FIELD_MANAGER,
            }),
          ),
        );
    }
    const before = new Set(sandbox.enabledAddons);
    sandbox.setEnabledAddons([...before, ...closure.map((addon) => addon.name)]);
    await target.driver.settle();
    return {
      enabled: closure.filter((addon) => !before.has(addon.name)).map((addon) => addon.name),
      alreadyEnabled: closure.filter((addon) => before.has(addon.name)).map((addon) => addon.name),
      installed,
    };
  });
}

/**
 * `vela-ts addon disable NAME [--force]`: refused while an Application uses one of its definitions
 * or an enabled addon depends on it (unless forced); otherwise removes its Definition objects and
 * switches it (and its simulated controllers) off.
 */
export async function disableAddon(options: AddonOptions & { readonly force?: boolean }): Promise<AddonDisableResult> {
  return withSandbox(options, async (target, sandbox) => {
    const addons = listBundledAddons();
    const addon = findAddon(addons, options.name);
    const usedBy = await findUsage(target.cluster, addonDefinitions(addon.name));
    const requiredBy = addons
      .filter(
        (other) =>
          other.name !== addon.name && sandbox.enabledAddons.has(other.name) && other.dependencies.includes(addon.name),
      )
      .map((other) => other.name);
    if (options.force !== true && (usedBy.length > 0 || requiredBy.length > 0)) {
      const reasons = [
        ...usedBy.map((usage) => `application ${usage.namespace}/${usage.app} uses ${usage.types.join(", ")}`),
        ...requiredBy.map((other) => `addon ${other} depends on it`),
      ];
      throw new VelaError("E_ADDON_IN_USE", `addon "${addon.name}" is in use: ${reasons.join("; ")}`, {
        hint:
          usedBy.length > 0
            ? `delete those applications first (vela-ts delete <app>), or disable anyway with --force`
            : `disable ${requiredBy.join(", ")} first, or disable anyway with --force`,
      });
    }
    const removed: ObjectRef[] = [];
    for (const object of await installedDefinitions(target.cluster, addon.name))
      if (await target.cluster.delete(refOf(object))) removed.push(refOf(object));
    const wasEnabled = sandbox.enabledAddons.has(addon.name);
    sandbox.setEnabledAddons([...sandbox.enabledAddons].filter((name) => name !== addon.name));
    return { wasEnabled, removed, usedBy, requiredBy };
  });
}
