/**
 * Rendering a bound component (STYLE §7): its workload from the definition's template, its
 * `outputs`, then its traits in declaration order (`patch`, `patchOutputs`, trait outputs), the
 * OAM contract labels and the key order of every object. One file because each step reads and
 * writes the same component-in-progress (workload, outputs by name, trait results), which is the
 * order KubeVela's renderer follows; the template engines themselves live in template.ts and
 * cue-template.ts.
 */
import { InternalError, ValidationError, VelaError, type ValidationIssue } from "../errors/index.js";
import {
  needsRenderedWorkload,
  resourceOf,
  traitAppliesTo,
  type Appfile,
  type AppfileComponent,
  type AppfileTrait,
} from "../appfile/index.js";
import type { CompileCache, TemplateSource } from "../definitions/index.js";
import { locateInSource, type KubeObject, type SourceMap } from "../model/index.js";
import { joinPointer, type JsonObject, type JsonValue, toJsonObject, toJsonValue } from "../util/index.js";
import { applyContract, asKubeObject, type ContractInfo } from "./contract.js";
import { CueParameterError, renderCueComponent, renderCueTrait } from "./cue-template.js";
import { orderObjectKeys } from "./order.js";
import { findDuplicateObjects } from "./duplicate-objects.js";
import { findKruiseRolloutIssues } from "./kruise-rollout-check.js";
import { applyPatch } from "./patch.js";
import { compileTemplate, parseRenderedYaml, type TemplateCheck } from "./template.js";

/** Options of {@link renderAppfile}: the revision facts templates see as `context`. */
export interface RenderOptions {
  /**
   * `context.appRevision`.
   * @default `<app>-v<appRevisionNum>`
   */
  readonly appRevision?: string;
  /**
   * `context.appRevisionNum`.
   * @default 1
   */
  readonly appRevisionNum?: number;
  /**
   * `context.revision` per component name.
   * @default the component's externalRevision, else `<component>-v<appRevisionNum>`
   */
  readonly componentRevisions?: Readonly<Record<string, string>>;
  /**
   * `context.publishVersion`.
   * @default the app's `app.oam.dev/publishVersion` annotation, else null
   */
  readonly publishVersion?: string;
  /**
   * `context.cluster`: the cluster the objects are for.
   * @default "local"
   */
  readonly cluster?: string;
  /**
   * `context.clusterVersion` (`major`, `minor`, `gitVersion`), for templates that pick API versions by it.
   * @default the sandbox's version, v1.30
   */
  readonly clusterVersion?: JsonObject;
  /**
   * Namespace a deploy step's topology places the objects in: templates see it as
   * `context.namespace` and objects without one get it; the `app.oam.dev/namespace` label stays the
   * Application's (KubeVela renders a placement with the namespace overridden in the context only).
   * @default the Application's namespace
   */
  readonly placementNamespace?: string;
  /**
   * Check the Kruise Rollouts the app renders as Kruise's webhook does ({@link findKruiseRolloutIssues}).
   * Off only when the properties are made up (`def vet` exercising a template).
   * @default true
   */
  readonly checkRollouts?: boolean;
  /**
   * The live `status` of components' workloads by component name: a `PostDispatch` trait (applied
   * once the workload is healthy) sees it as `context.output.status`, as in KubeVela.
   * @default none (the rendered workload, without status)
   */
  readonly workloadStatus?: Readonly<Record<string, JsonValue>>;
}

/**
 * What templates see as `context.clusterVersion` when the target's is not known. `major` and `minor`
 * are numbers as in KubeVela's context (built-ins compare them: `context.clusterVersion.minor < 25`).
 */
export const DEFAULT_CLUSTER_VERSION: JsonObject = { major: 1, minor: 30, gitVersion: "v1.30.0" };

/** One named auxiliary object (`outputs.<name>`). */
export interface RenderedOutput {
  readonly name: string;
  readonly object: KubeObject;
}

/** What one trait rendered. */
export interface TraitManifest {
  readonly type: string;
  /** Position of the trait in the component's `traits`. */
  readonly index: number;
  /** `skipRevisionAffect`: ops-only, never part of a revision. */
  readonly opsOnly: boolean;
  readonly manageWorkload: boolean;
  readonly outputs: readonly RenderedOutput[];
  /** Validated properties (what health checks see as `parameter`). */
  readonly properties: JsonObject;
}

/** Everything one component renders (KubeVela's ComponentManifest). */
export interface ComponentManifest {
  readonly name: string;
  readonly type: string;
  readonly namespace: string;
  /** `context.revision` it was rendered with. */
  readonly revision: string;
  /** The main object (`output`), after every trait patch; absent when the output rendered nothing. */
  readonly workload?: KubeObject;
  /** The component's own auxiliary objects, sorted by name. */
  readonly outputs: readonly RenderedOutput[];
  /** Trait results in trait order. */
  readonly traits: readonly TraitManifest[];
  /** Types of the ops-only traits (`skipRevisionAffect: true`). */
  readonly opsOnlyTraits: readonly string[];
  /** True when a trait with `manageWorkload` applies the workload instead of the app. */
  readonly manageWorkload: boolean;
  /** Validated component properties. */
  readonly properties: JsonObject;
  /** The `context` the component was rendered with (without `output`/`outputs`), for health checks. */
  readonly context: JsonObject;
}

interface RenderState {
  readonly appfile: Appfile;
  readonly cache: CompileCache;
  readonly issues: ValidationIssue[];
}

function renderOne(
  state: RenderState,
  template: TemplateSource,
  subject: string,
  data: JsonObject,
  parameterSchema: JsonObject,
): JsonValue | undefined {
  const check: TemplateCheck = { parameterSchema };
  const compiled = compileTemplate(template, { subject }, state.cache, check);
  return parseRenderedYaml(compiled(data), template, { subject });
}

/** Compiles a definition's customStatus so a broken one is found at render time, not when health is first checked. */
function checkCustomStatus(
  state: RenderState,
  definition: { readonly name: string; readonly customStatus?: TemplateSource },
): void {
  if (definition.customStatus !== undefined)
    compileTemplate(definition.customStatus, { subject: `definition "${definition.name}" customStatus` }, state.cache, {
      lenient: true,
    });
}

function renderObject(
  state: RenderState,
  template: TemplateSource,
  subject: string,
  data: JsonObject,
  parameterSchema: JsonObject,
): KubeObject | undefined {
  const value = renderOne(state, template, subject, data, parameterSchema);
  return value === undefined ? undefined : asKubeObject(value, subject);
}

function objectOutputs(outputs: ReadonlyMap<string, RenderedOutput>): JsonObject {
  const result: JsonObject = {};
  for (const [name, output] of outputs) result[name] = toJsonObject(output.object);
  return result;
}

function issueFrom(
  error: unknown,
  prefix: string,
  userPath: string,
  sourceMap: SourceMap | undefined,
): ValidationIssue {
  if (!(error instanceof VelaError)) throw error;
  const pointsIntoApp = error.source === undefined;
  const source = pointsIntoApp ? locateInSource(sourceMap, userPath) : error.source;
  return {
    code: error.code,
    message: `${prefix}: ${error.message}`,
    path: pointsIntoApp ? userPath : (error.path ?? userPath),
    ...(source === undefined ? {} : { source }),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  };
}

/** Parameter problems a CUE template found, at the properties' places in the Application file. */
function parameterIssues(
  error: CueParameterError,
  prefix: string,
  propertiesPath: string,
  sourceMap: SourceMap | undefined,
): ValidationIssue[] {
  return error.problems.map((problem) => {
    const path = joinPointer(propertiesPath, ...problem.labels);
    const source = locateInSource(sourceMap, path);
    return {
      code: error.code,
      message: `${prefix}: property "${problem.labels.join(".")}": ${problem.message}`,
      path,
      ...(source === undefined ? {} : { source }),
      ...(error.hint === undefined ? {} : { hint: `the value does not fit the definition's parameter, ${error.hint}` }),
    };
  });
}

/** Renders a trait whose definition is written in CUE; same order and checks as the handlebars path. */
function renderCueTraitInto(
  state: RenderState,
  definition: AppfileTrait["definition"],
  trait: AppfileTrait,
  data: JsonObject,
  current: { workload: KubeObject | undefined; outputs: Map<string, RenderedOutput>; owners: Map<string, string> },
): RenderedOutput[] {
  const subject = `trait "${trait.type}"`;
  const result = renderCueTrait(
    definition,
    { parameter: data.parameter as JsonObject, context: data.context as JsonObject },
    state.cache,
    subject,
  );
  const produced: RenderedOutput[] = [];
  // Outputs in name order, as for the handlebars format (STYLE §7: outputs by name).
  for (const { name, value } of [...result.outputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const owner = current.owners.get(name);
    if (owner !== undefined) {
      throw new VelaError("E_OUTPUT_CONFLICT", `output "${name}" is already rendered by ${owner}`, {
        path: joinPointer(trait.path, "type"),
        hint: "two traits (or a trait and its component) cannot emit an output with the same name; remove one of them",
      });
    }
    produced.push({ name, object: asKubeObject(value, `definition "${definition.name}" outputs.${name}`) });
  }
  if (result.patch !== undefined) {
    if (current.workload === undefined) {
      throw new VelaError("E_PATCH", "has a patch but the component rendered no workload to patch", {
        path: joinPointer(trait.path, "type"),
        hint: "attach the trait to a component whose output renders an object",
      });
    }
    current.workload = asKubeObject(result.patch(toJsonValue(current.workload)), `${subject} patch result`);
  }
  for (const output of produced) {
    current.outputs.set(output.name, output);
    current.owners.set(output.name, subject);
  }
  // As KubeVela: patchOutputs patch the outputs rendered so far (the trait's own included) by name; others are ignored.
  for (const [name, patch] of Object.entries(result.patchOutputs)) {
    const target = current.outputs.get(name);
    if (target === undefined) continue;
    const object = asKubeObject(patch(toJsonValue(target.object)), `${subject} patchOutputs.${name} result`);
    current.outputs.set(name, { name, object });
    const index = produced.findIndex((output) => output.name === name);
    if (index >= 0) produced[index] = { name, object };
  }
  return produced;
}

const READS_OUTPUT = /\bcontext\.output(?![\w])/;

/** Whether any template of a trait reads `context.output` (the component's main object). */
/** A CUE template's top-level `patch:` field: the trait patches the component's main object. */
const CUE_PATCH_FIELD = /^patch\s*:/m;

function readsComponentOutput(definition: AppfileTrait["definition"]): boolean {
  if (definition.cue !== undefined)
    return READS_OUTPUT.test(definition.cue.text) || CUE_PATCH_FIELD.test(definition.cue.text);
  const templates = [
    ...Object.values(definition.outputs),
    ...(definition.patch === undefined ? [] : [definition.patch]),
    ...Object.values(definition.patchOutputs),
  ];
  return templates.some((template) => READS_OUTPUT.test(template.text));
}

function renderTrait(
  state: RenderState,
  component: AppfileComponent,
  trait: AppfileTrait,
  baseContext: JsonObject,
  current: { workload: KubeObject | undefined; outputs: Map<string, RenderedOutput>; owners: Map<string, string> },
  workloadStatus: JsonValue | undefined,
): RenderedOutput[] {
  const definition = trait.definition;
  const subject = `trait "${trait.type}"`;
  checkCustomStatus(state, definition);
  if (current.workload !== undefined && needsRenderedWorkload(definition, component.type, undefined)) {
    const resource = resourceOf(current.workload.apiVersion, current.workload.kind);
    if (!traitAppliesTo(definition, component.type, resource)) {
      throw new VelaError(
        "E_TRAIT_NOT_APPLICABLE",
        `does not apply to a "${component.type}" component (workload ${resource})`,
        {
          path: joinPointer(trait.path, "type"),
          hint: `"${definition.name}" applies to: ${definition.appliesToWorkloads.join(", ")}`,
        },
      );
    }
  }
  if (current.workload === undefined && readsComponentOutput(definition)) {
    throw new VelaError(
      "E_NO_WORKLOAD",
      `reads the component's main object (context.output), but component "${component.name}" rendered none`,
      {
        path: joinPointer(trait.path, "type"),
        hint:
          `the "${component.type}" definition's output renders nothing for these properties; ` +
          "attach the trait to a component that renders its main object",
      },
    );
  }
  const context: JsonObject = {
    ...baseContext,
    componentType: component.type,
    output:
      current.workload !== undefined && workloadStatus !== undefined && definition.stage === "PostDispatch"
        ? toJsonValue({ ...current.workload, status: workloadStatus })
        : toJsonValue(current.workload ?? null),
    outputs: objectOutputs(current.outputs),
  };
  const data: JsonObject = { parameter: trait.properties, context };
  if (definition.cue !== undefined) return renderCueTraitInto(state, definition, trait, data, current);
  const produced: RenderedOutput[] = [];
  for (const [name, template] of Object.entries(definition.outputs)) {
    const object = renderObject(
      state,
      template,
      `definition "${definition.name}" outputs.${name}`,
      data,
      definition.parameterSchema,
    );
    if (object === undefined) continue;
    const owner = current.owners.get(name);
    if (owner !== undefined) {
      throw new VelaError("E_OUTPUT_CONFLICT", `output "${name}" is already rendered by ${owner}`, {
        path: joinPointer(trait.path, "type"),
        hint: "two traits (or a trait and its component) cannot emit an output with the same name; remove one of them",
      });
    }
    produced.push({ name, object });
  }
  if (definition.patch !== undefined) {
    const patch = renderOne(
      state,
      definition.patch,
      `definition "${definition.name}" patch`,
      data,
      definition.parameterSchema,
    );
    if (patch !== undefined) {
      if (current.workload === undefined) {
        throw new VelaError("E_PATCH", "has a patch but the component rendered no workload to patch", {
          path: joinPointer(trait.path, "type"),
          hint: "attach the trait to a component whose output renders an object",
        });
      }
      const patched = applyPatch(toJsonValue(current.workload), patch, {
        strategy: definition.patchStrategy,
        patchKeys: definition.patchKeys,
      });
      current.workload = asKubeObject(patched, `${subject} patch result`);
    }
  }
  for (const [name, template] of Object.entries(definition.patchOutputs)) {
    const patch = renderOne(
      state,
      template,
      `definition "${definition.name}" patchOutputs.${name}`,
      data,
      definition.parameterSchema,
    );
    if (patch === undefined) continue;
    const target = current.outputs.get(name);
    if (target === undefined) {
      throw new VelaError("E_PATCH", `patchOutputs.${name}: the component has no output named "${name}"`, {
        path: joinPointer(trait.path, "type"),
        hint: `outputs so far: ${[...current.outputs.keys()].join(", ") || "none"}`,
      });
    }
    const patched = applyPatch(toJsonValue(target.object), patch, {
      strategy: definition.patchStrategy,
      patchKeys: definition.patchKeys,
    });
    current.outputs.set(name, { name, object: asKubeObject(patched, `${subject} patchOutputs.${name} result`) });
  }
  for (const output of produced) {
    current.outputs.set(output.name, output);
    current.owners.set(output.name, subject);
  }
  return produced;
}

function renderComponent(
  state: RenderState,
  component: AppfileComponent,
  options: RenderOptions,
  appRevision: string,
  appRevisionNum: number,
): ComponentManifest | undefined {
  const { appfile } = state;
  const revision =
    options.componentRevisions?.[component.name] ??
    component.externalRevision ??
    `${component.name}-v${appRevisionNum}`;
  const context: JsonObject = {
    name: component.name,
    appName: appfile.name,
    namespace: options.placementNamespace ?? appfile.namespace,
    appRevision,
    appRevisionNum,
    revision,
    publishVersion: options.publishVersion ?? appfile.publishVersion ?? null,
    componentType: component.type,
    components: toJsonValue(appfile.application.spec.components),
    appLabels: appfile.labels,
    appAnnotations: appfile.annotations,
    cluster: options.cluster ?? "local",
    clusterVersion: options.clusterVersion ?? DEFAULT_CLUSTER_VERSION,
  };
  const prefix = `component "${component.name}"`;
  const definition = component.definition;
  const data: JsonObject = { parameter: component.properties, context };
  const current = {
    workload: undefined as KubeObject | undefined,
    outputs: new Map<string, RenderedOutput>(),
    owners: new Map<string, string>(),
  };
  try {
    if (definition.cue !== undefined) {
      const result = renderCueComponent(definition, { parameter: component.properties, context }, state.cache, prefix);
      if (result.output !== undefined)
        current.workload = asKubeObject(result.output, `definition "${definition.name}" output`);
      for (const { name, value } of result.outputs) {
        current.outputs.set(name, {
          name,
          object: asKubeObject(value, `definition "${definition.name}" outputs.${name}`),
        });
        current.owners.set(name, prefix);
      }
    } else {
      checkCustomStatus(state, definition);
      if (definition.output !== undefined)
        current.workload = renderObject(
          state,
          definition.output,
          `definition "${definition.name}" output`,
          data,
          definition.parameterSchema,
        );
      for (const [name, template] of Object.entries(definition.outputs)) {
        const object = renderObject(
          state,
          template,
          `definition "${definition.name}" outputs.${name}`,
          data,
          definition.parameterSchema,
        );
        if (object === undefined) continue;
        current.outputs.set(name, { name, object });
        current.owners.set(name, prefix);
      }
    }
  } catch (error) {
    if (error instanceof CueParameterError)
      state.issues.push(
        ...parameterIssues(error, prefix, joinPointer(component.path, "properties"), appfile.sourceMap),
      );
    else state.issues.push(issueFrom(error, prefix, joinPointer(component.path, "type"), appfile.sourceMap));
    return undefined;
  }
  const componentOutputNames = new Set(current.outputs.keys());
  const traitResults: { trait: AppfileTrait; index: number; produced: RenderedOutput[] }[] = [];
  let failed = false;
  component.traits.forEach((trait, index) => {
    if (failed) return;
    try {
      traitResults.push({
        trait,
        index,
        produced: renderTrait(state, component, trait, context, current, options.workloadStatus?.[component.name]),
      });
    } catch (error) {
      if (error instanceof CueParameterError)
        state.issues.push(
          ...parameterIssues(
            error,
            `${prefix}: trait "${trait.type}"`,
            joinPointer(trait.path, "properties"),
            appfile.sourceMap,
          ),
        );
      else
        state.issues.push(
          issueFrom(error, `${prefix}: trait "${trait.type}"`, joinPointer(trait.path, "type"), appfile.sourceMap),
        );
      failed = true;
    }
  });
  if (failed) return undefined;
  const contract = (
    traitType: string | undefined,
    resourceName: string | undefined,
    defaultName: string,
  ): Omit<ContractInfo, "defaultName"> & { defaultName: string } => ({
    appName: appfile.name,
    componentName: component.name,
    componentType: component.type,
    appRevision,
    namespace: options.placementNamespace ?? appfile.namespace,
    appNamespace: appfile.namespace,
    appLabels: appfile.labels,
    appAnnotations: appfile.annotations,
    defaultName,
    ...(traitType === undefined ? {} : { traitType }),
    ...(resourceName === undefined ? {} : { resourceName }),
  });
  const finish = (object: KubeObject, info: ContractInfo): KubeObject =>
    asKubeObject(
      orderObjectKeys(toJsonObject(applyContract(object, info))),
      `${object.kind} ${object.metadata.name ?? ""}`,
    );
  const finalOutput = (name: string): KubeObject => {
    const output = current.outputs.get(name);
    if (output === undefined)
      throw new InternalError(`rendered output ${name} vanished while the component was rendered`);
    return output.object;
  };
  return {
    name: component.name,
    type: component.type,
    namespace: options.placementNamespace ?? appfile.namespace,
    revision,
    ...(current.workload === undefined
      ? {}
      : { workload: finish(current.workload, contract(undefined, undefined, component.name)) }),
    outputs: [...componentOutputNames].sort().map((name) => ({
      name,
      object: finish(finalOutput(name), contract("AuxiliaryWorkload", name, `${component.name}-${name}`)),
    })),
    traits: traitResults.map(({ trait, index, produced }) => ({
      type: trait.type,
      index,
      opsOnly: trait.definition.skipRevisionAffect,
      manageWorkload: trait.definition.manageWorkload,
      outputs: produced.map(({ name }) => ({
        name,
        object: finish(finalOutput(name), contract(trait.type, name, `${component.name}-${name}`)),
      })),
      properties: trait.properties,
    })),
    opsOnlyTraits: component.traits.filter((trait) => trait.definition.skipRevisionAffect).map((trait) => trait.type),
    manageWorkload: component.traits.some((trait) => trait.definition.manageWorkload),
    properties: component.properties,
    context,
  };
}

/**
 * Renders a bound Appfile into manifests, one {@link ComponentManifest} per component in order
 * (KubeVela's render order: component `output` + `outputs`, then each trait's `outputs`, `patch`,
 * `patchOutputs` in trait order). Pure and deterministic: no clock, env or randomness; keys sorted.
 * All problems of all components are thrown together as one ValidationError.
 */
export function renderAppfile(appfile: Appfile, options: RenderOptions = {}): ComponentManifest[] {
  const appRevisionNum = options.appRevisionNum ?? 1;
  const appRevision = options.appRevision ?? `${appfile.name}-v${appRevisionNum}`;
  const state: RenderState = { appfile, cache: appfile.cache, issues: [] };
  const manifests = appfile.components.flatMap((component) => {
    const manifest = renderComponent(state, component, options, appRevision, appRevisionNum);
    return manifest === undefined ? [] : [manifest];
  });
  if (state.issues.length > 0) throw new ValidationError(state.issues);
  const problems = [
    ...findDuplicateObjects(manifests, appfile),
    ...(options.checkRollouts === false ? [] : findKruiseRolloutIssues(manifests, appfile)),
  ];
  if (problems.length > 0) throw new ValidationError(problems);
  return manifests;
}

/** Every object of a component in the stable order: workload, outputs by name, trait outputs in trait order. */
export function componentObjects(manifest: ComponentManifest): KubeObject[] {
  return [
    ...(manifest.workload === undefined ? [] : [manifest.workload]),
    ...manifest.outputs.map((output) => output.object),
    ...manifest.traits.flatMap((trait) => trait.outputs.map((output) => output.object)),
  ];
}

/** Every rendered object in the stable order: component order, then {@link componentObjects}. */
export function flattenManifests(manifests: readonly ComponentManifest[]): KubeObject[] {
  return manifests.flatMap(componentObjects);
}
