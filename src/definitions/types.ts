import type { DefinitionInput, DefinitionKind, PatchStrategy } from "../model/index.js";
import type { JsonObject } from "../util/index.js";

/** Where a definition was loaded from; later sources override earlier ones by kind + name. */
export interface DefinitionOrigin {
  readonly file: string;
  /**
   * `builtin` = definitions/, `addon` = addons/<name>/definitions/, `cluster` = stored in the cluster
   * (`def apply`), `user` = --definitions DIR, `file` = one file given directly.
   */
  readonly source: "builtin" | "addon" | "cluster" | "user" | "file";
  /** The addon it belongs to (`source: "addon"`). */
  readonly addon?: string;
}

/**
 * One handlebars template of a definition, with the file line its text starts on, so template
 * errors can point into the definition file.
 */
export interface TemplateSource {
  readonly text: string;
  readonly file: string;
  /** 1-based file line of the template's first line. */
  readonly line: number;
  /** Pointer of the template inside the definition document (`/spec/schematic/template/output`). */
  readonly pointer: string;
}

/**
 * A CUE template of a definition (`spec.schematic.cue.template`, or a CUE `status.healthPolicy` /
 * `customStatus`) and where its text sits in the definition file, so CUE errors give file:line:col.
 */
export interface CueTemplateSource {
  readonly text: string;
  readonly file: string;
  /** 1-based file line of the text's first line. */
  readonly line: number;
  /** 1-based file column of the text's first character. */
  readonly column: number;
  /** Columns every further line was shifted left (a YAML block scalar's indentation). */
  readonly indent: number;
  /** Pointer of the text in the definition document (`/spec/schematic/cue/template`). */
  readonly pointer: string;
}

/** The main resource kind of a component (`spec.workload`). */
export type WorkloadType =
  | { readonly mode: "definition"; readonly apiVersion: string; readonly kind: string }
  /** `type: deployments.apps` (a `resource.group` name). */
  | { readonly mode: "type"; readonly type: string }
  /** `type: autodetects.core.oam.dev` or nothing: the rendered output's kind decides. */
  | { readonly mode: "autodetect" };

interface DefinitionCommon {
  readonly name: string;
  /** `definition.oam.dev/description`. */
  readonly description: string;
  readonly origin: DefinitionOrigin;
  /** The document as written (what a revision snapshot stores). */
  readonly input: DefinitionInput;
  /** JSON Schema of `properties` (compiled from `parameter`, or `parameterSchema` as given, or derived from a CUE `parameter`). */
  readonly parameterSchema: JsonObject;
  /** The CUE template (`spec.schematic.cue`); when set it renders the definition instead of handlebars templates. */
  readonly cue?: CueTemplateSource;
}

interface HealthFields {
  /** CEL over `output`, `outputs`, `parameter`, `context` (handlebars format). */
  readonly healthPolicy?: string;
  readonly customStatus?: TemplateSource;
  /** CUE `status.healthPolicy` setting `isHealth` (CUE schematic). */
  readonly cueHealthPolicy?: CueTemplateSource;
  /** CUE `status.customStatus` setting `message` (CUE schematic). */
  readonly cueCustomStatus?: CueTemplateSource;
}

/** A ComponentDefinition, ready to bind and render. */
export interface ComponentDefinition extends DefinitionCommon, HealthFields {
  readonly kind: "ComponentDefinition";
  readonly workload: WorkloadType;
  readonly output?: TemplateSource;
  readonly outputs: Readonly<Record<string, TemplateSource>>;
}

/**
 * When a trait's objects are applied relative to the workload (KubeVela's `spec.stage`):
 * `PreDispatch` traits first (and healthy) before the workload, `DefaultDispatch` with it,
 * `PostDispatch` once the workload is healthy.
 */
export type DispatchStage = "PreDispatch" | "DefaultDispatch" | "PostDispatch";

/** The stages in the order they are applied. */
export const DISPATCH_STAGES: readonly DispatchStage[] = ["PreDispatch", "DefaultDispatch", "PostDispatch"];

/** A TraitDefinition, ready to bind and render. */
export interface TraitDefinition extends DefinitionCommon, HealthFields {
  readonly kind: "TraitDefinition";
  /** `resource.group`, component type names or `*`; empty = all. */
  readonly appliesToWorkloads: readonly string[];
  readonly conflictsWith: readonly string[];
  readonly podDisruptive: boolean;
  /** Ops-only: never makes a revision, survives rollback. */
  readonly skipRevisionAffect: boolean;
  /** The trait's controller applies the workload, not the app. */
  readonly manageWorkload: boolean;
  /** When its objects are applied (`spec.stage`, default `DefaultDispatch`). */
  readonly stage: DispatchStage;
  readonly outputs: Readonly<Record<string, TemplateSource>>;
  readonly patch?: TemplateSource;
  readonly patchOutputs: Readonly<Record<string, TemplateSource>>;
  readonly patchStrategy: PatchStrategy;
  readonly patchKeys: Readonly<Record<string, string>>;
}

/** A WorkflowStepDefinition: `actions` template, or `builtin` (implemented in TypeScript). */
export interface WorkflowStepDefinition extends DefinitionCommon {
  readonly kind: "WorkflowStepDefinition";
  readonly builtin?: string;
  readonly actions?: TemplateSource;
}

/** A PolicyDefinition: `builtin` or template outputs. */
export interface PolicyDefinition extends DefinitionCommon {
  readonly kind: "PolicyDefinition";
  readonly builtin?: string;
  readonly outputs: Readonly<Record<string, TemplateSource>>;
}

/** Any definition; switch on `kind`. */
export type Definition = ComponentDefinition | TraitDefinition | WorkflowStepDefinition | PolicyDefinition;

/** The short type names `def list -t` uses, in KubeVela's words. */
export type DefinitionType = "component" | "trait" | "policy" | "workflow-step";

export const DEFINITION_TYPE_OF_KIND: Readonly<Record<DefinitionKind, DefinitionType>> = {
  ComponentDefinition: "component",
  TraitDefinition: "trait",
  PolicyDefinition: "policy",
  WorkflowStepDefinition: "workflow-step",
};

export const KIND_OF_DEFINITION_TYPE: Readonly<Record<DefinitionType, DefinitionKind>> = {
  component: "ComponentDefinition",
  trait: "TraitDefinition",
  policy: "PolicyDefinition",
  "workflow-step": "WorkflowStepDefinition",
};

/** A non-fatal note from loading (e.g. a user definition overriding a built-in). Never printed by library code. */
export interface DefinitionWarning {
  readonly code: `W_${string}`;
  readonly message: string;
  readonly file?: string;
}
