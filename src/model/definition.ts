import type { SchemaObject } from "ajv";
import type { JsonObject, JsonValue } from "../util/index.js";

/** The four definition kinds of KubeVela (wire strings). */
export type DefinitionKind = "ComponentDefinition" | "TraitDefinition" | "WorkflowStepDefinition" | "PolicyDefinition";

export const DEFINITION_KINDS: readonly DefinitionKind[] = [
  "ComponentDefinition",
  "TraitDefinition",
  "WorkflowStepDefinition",
  "PolicyDefinition",
];

/** How a trait's `patch` is applied (docs/definitions.md "Patches"). */
export type PatchStrategy = "merge" | "jsonMergePatch" | "jsonPatch" | "replace";

/** `spec.schematic.template` as written in a definition file. */
export interface TemplateInput {
  /** CUE-like shorthand (docs/definitions.md), compiled to JSON Schema. */
  readonly parameter?: JsonObject;
  /** Plain JSON Schema instead of `parameter`. */
  readonly parameterSchema?: JsonObject;
  readonly output?: string;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly patch?: string;
  readonly patchOutputs?: Readonly<Record<string, string>>;
  readonly patchStrategy?: PatchStrategy;
  /** Keyed list merge: JSON-pointer-like path (`*` = any index) → key field. */
  readonly patchKeys?: Readonly<Record<string, string>>;
  /** WorkflowStepDefinition: a template rendering a YAML list of actions. */
  readonly actions?: string;
}

/** `spec.schematic.cue`: a KubeVela CUE template, exactly as KubeVela writes it. */
export interface CueSchematicInput {
  readonly template: string;
}

/**
 * `spec.status` of a component or trait definition. With a CUE schematic both are CUE (KubeVela's
 * `isHealth` and `message`); with the handlebars format, CEL and a handlebars message.
 */
export interface StatusInput {
  /** CEL (handlebars format) or CUE setting `isHealth` (CUE schematic); sees `output`, `outputs`, `parameter`, `context`. */
  readonly healthPolicy?: string;
  /** Handlebars message template, or CUE setting `message` (CUE schematic). */
  readonly customStatus?: string;
}

/** A definition document as written (any of the four kinds). */
export interface DefinitionInput {
  readonly apiVersion: string;
  readonly kind: DefinitionKind;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly workload?: {
      readonly definition?: { readonly apiVersion: string; readonly kind: string };
      readonly type?: string;
    };
    readonly appliesToWorkloads?: readonly string[];
    readonly conflictsWith?: readonly string[];
    readonly podDisruptive?: boolean;
    readonly skipRevisionAffect?: boolean;
    readonly manageWorkload?: boolean;
    readonly status?: StatusInput;
    readonly schematic?: {
      readonly template?: TemplateInput;
      readonly cue?: CueSchematicInput;
      readonly builtin?: string;
    };
    readonly decompile?: JsonValue;
    readonly [field: string]: unknown;
  };
}

const STRING_MAP = { type: "object", additionalProperties: { type: "string" } } as const;

/** JSON Schema of the definition envelope (docs/definitions.md "Envelope"); unknown keys are errors. */
export const DEFINITION_SCHEMA: SchemaObject = {
  type: "object",
  properties: {
    apiVersion: { type: "string", pattern: "^core\\.oam\\.dev/" },
    kind: { enum: ["ComponentDefinition", "TraitDefinition", "WorkflowStepDefinition", "PolicyDefinition"] },
    metadata: {
      type: "object",
      properties: {
        name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" },
        namespace: { type: "string" },
        labels: STRING_MAP,
        annotations: STRING_MAP,
      },
      required: ["name"],
    },
    spec: {
      type: "object",
      properties: {
        workload: {
          type: "object",
          properties: {
            definition: {
              type: "object",
              properties: { apiVersion: { type: "string" }, kind: { type: "string" } },
              required: ["apiVersion", "kind"],
              additionalProperties: false,
            },
            type: { type: "string" },
          },
          additionalProperties: false,
        },
        appliesToWorkloads: { type: "array", items: { type: "string" } },
        conflictsWith: { type: "array", items: { type: "string" } },
        podDisruptive: { type: "boolean" },
        skipRevisionAffect: { type: "boolean" },
        manageWorkload: { type: "boolean" },
        revisionEnabled: { type: "boolean" },
        controlPlaneOnly: { type: "boolean" },
        workloadRefPath: { type: "string" },
        stage: { enum: ["PreDispatch", "DefaultDispatch", "PostDispatch"] },
        childResourceKinds: { type: "array" },
        revisionLabel: { type: "string" },
        podSpecPath: { type: "string" },
        extension: { type: "object" },
        version: { type: "string" },
        manageHealthCheck: { type: "boolean" },
        scope: { type: "string" },
        global: { type: "boolean" },
        priority: { type: "integer" },
        decompile: {},
        status: {
          type: "object",
          properties: { healthPolicy: { type: "string" }, customStatus: { type: "string" }, details: {} },
          additionalProperties: false,
        },
        schematic: {
          type: "object",
          properties: {
            builtin: { type: "string", minLength: 1 },
            cue: {
              type: "object",
              properties: { template: { type: "string" } },
              required: ["template"],
              additionalProperties: false,
            },
            template: {
              type: "object",
              properties: {
                parameter: { type: "object" },
                parameterSchema: { type: "object" },
                output: { type: "string" },
                outputs: STRING_MAP,
                patch: { type: "string" },
                patchOutputs: STRING_MAP,
                patchStrategy: { enum: ["merge", "jsonMergePatch", "jsonPatch", "replace"] },
                patchKeys: STRING_MAP,
                actions: { type: "string" },
              },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
  required: ["apiVersion", "kind", "metadata", "spec"],
  additionalProperties: false,
};

/**
 * A definition as the plain JSON object it was parsed from (for revision snapshots and cluster
 * writes, which store definitions as they are).
 */
export function definitionObjectOf(input: DefinitionInput): JsonObject {
  // Every DefinitionInput is parsed from YAML/JSON and checked against DEFINITION_SCHEMA;
  // its spec types the fields vela-ts reads and keeps the others as `unknown`, which is still JSON.
  return input as unknown as JsonObject;
}
