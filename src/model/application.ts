/**
 * The Application model: the typed input (components, traits, policies, workflow) and its JSON
 * schema, validated with ajv at the boundary. Long because the schema spells out every field KubeVela
 * accepts, next to the types it checks.
 */
import type { SchemaObject } from "ajv";
import { ValidationError, type ValidationIssue } from "../errors/index.js";
import { findCycle, isJsonObject, joinPointer, type JsonObject } from "../util/index.js";
import { compileTrustedSchemaCheck, type SchemaCheck } from "./ajv.js";
import { ANNOTATION_PUBLISH_VERSION } from "./labels.js";
import { locateInSource, parseYamlDocuments, type SourceMap } from "./parse-yaml.js";

/** KubeVela's Application API version. */
export const APPLICATION_API_VERSION = "core.oam.dev/v1beta1";

/** Step execution mode of a workflow or a step group (KubeVela's wire strings). */
export type WorkflowMode = "DAG" | "StepByStep";

/** `inputs[]` of a component or step: take workflow variable `from` into `parameterKey`. */
export interface DataInput {
  readonly from: string;
  readonly parameterKey?: string;
}

/** `outputs[]` of a component or step: store `valueFrom` as workflow variable `name`. */
export interface DataOutput {
  readonly name: string;
  readonly valueFrom: string;
}

/** `spec.components[].traits[]`. */
export interface TraitInput {
  readonly type: string;
  readonly properties?: JsonObject;
}

/** `spec.components[]`. */
export interface ComponentInput {
  readonly name: string;
  readonly type: string;
  readonly properties?: JsonObject;
  readonly traits?: readonly TraitInput[];
  readonly dependsOn?: readonly string[];
  readonly inputs?: readonly DataInput[];
  readonly outputs?: readonly DataOutput[];
  readonly externalRevision?: string;
  readonly scopes?: Readonly<Record<string, string>>;
}

/** `spec.policies[]`. */
export interface PolicyInput {
  readonly name?: string;
  readonly type: string;
  readonly properties?: JsonObject;
}

/** A workflow step or a sub-step of a `step-group`. */
export interface WorkflowStepInput {
  readonly name: string;
  readonly type: string;
  readonly meta?: { readonly alias?: string };
  readonly properties?: JsonObject;
  readonly dependsOn?: readonly string[];
  /** `always`, or a CEL condition over `status.<step>`, `inputs`, `context`. */
  readonly if?: string;
  /** A duration such as `30s` or `10m`. */
  readonly timeout?: string;
  readonly inputs?: readonly DataInput[];
  readonly outputs?: readonly DataOutput[];
  /** Mode of the sub-steps (step-group only). */
  readonly mode?: WorkflowMode;
  readonly subSteps?: readonly WorkflowStepInput[];
}

/** `spec.workflow`. */
export interface WorkflowInput {
  readonly ref?: string;
  readonly mode?: { readonly steps?: WorkflowMode; readonly subSteps?: WorkflowMode };
  readonly steps?: readonly WorkflowStepInput[];
}

/** `metadata` of an Application (other object-meta fields from a live cluster are kept as they are). */
export interface ApplicationMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}

/** A KubeVela Application (`core.oam.dev/v1beta1`) as the user wrote it: the input of bind. */
export interface ApplicationInput {
  readonly apiVersion: typeof APPLICATION_API_VERSION;
  readonly kind: "Application";
  readonly metadata: ApplicationMetadata;
  readonly spec: {
    readonly components: readonly ComponentInput[];
    readonly policies?: readonly PolicyInput[];
    readonly workflow?: WorkflowInput;
  };
  readonly status?: JsonObject;
}

/** An Application with where it came from, so later stages can point into the file. */
export interface ParsedApplication {
  readonly application: ApplicationInput;
  readonly sourceMap: SourceMap;
  readonly file: string;
}

/** Names of definitions, steps, policies: Kubernetes object names are at most 253 characters. */
const NAME = { type: "string", minLength: 1, maxLength: 253 } as const;
/**
 * A component name becomes object names and the `app.oam.dev/component` label value, so it must be
 * a lower-case DNS-1123 name short enough for a label (63): checked here, so `dry-run` refuses what
 * `up` could not apply.
 */
const COMPONENT_NAME = {
  type: "string",
  minLength: 1,
  maxLength: 63,
  pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
  description:
    "a component name names objects and the app.oam.dev/component label: lower-case letters, digits, '-' and '.', " +
    "starting and ending with a letter or digit, at most 63 characters",
} as const;
/** Caps on list sizes (docs/limits.md): an Application beyond them is not one a cluster could store. */
export const APPLICATION_LIMITS = { components: 1000, traits: 100, policies: 100, steps: 1000 } as const;
const PROPERTIES = { type: "object" } as const;
const STRING_LIST = { type: "array", items: { type: "string" } } as const;
const MODE = { enum: ["DAG", "StepByStep"] } as const;
const INPUTS = {
  type: "array",
  items: {
    type: "object",
    properties: { from: NAME, parameterKey: { type: "string" } },
    required: ["from"],
    additionalProperties: false,
  },
} as const;
const OUTPUTS = {
  type: "array",
  items: {
    type: "object",
    properties: { name: NAME, valueFrom: { type: "string" } },
    required: ["name", "valueFrom"],
    additionalProperties: false,
  },
} as const;

const STEP_FIELDS = {
  name: NAME,
  type: NAME,
  meta: { type: "object", properties: { alias: { type: "string" } }, additionalProperties: false },
  properties: PROPERTIES,
  dependsOn: STRING_LIST,
  if: { type: "string" },
  timeout: { type: "string", pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$" },
  inputs: INPUTS,
  outputs: OUTPUTS,
} as const;

/** JSON Schema of a KubeVela Application (the parts vela-ts reads; unknown keys are errors). */
export const APPLICATION_SCHEMA: SchemaObject = {
  type: "object",
  properties: {
    apiVersion: { const: APPLICATION_API_VERSION },
    kind: { const: "Application" },
    metadata: {
      type: "object",
      properties: {
        name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
        namespace: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
        labels: { type: "object", additionalProperties: { type: "string" } },
        annotations: { type: "object", additionalProperties: { type: "string" } },
      },
      required: ["name"],
    },
    spec: {
      type: "object",
      properties: {
        components: {
          type: "array",
          maxItems: APPLICATION_LIMITS.components,
          items: {
            type: "object",
            properties: {
              name: COMPONENT_NAME,
              type: NAME,
              properties: PROPERTIES,
              traits: {
                type: "array",
                maxItems: APPLICATION_LIMITS.traits,
                items: {
                  type: "object",
                  properties: { type: NAME, properties: PROPERTIES },
                  required: ["type"],
                  additionalProperties: false,
                },
              },
              dependsOn: STRING_LIST,
              inputs: INPUTS,
              outputs: OUTPUTS,
              externalRevision: { type: "string" },
              scopes: { type: "object", additionalProperties: { type: "string" } },
            },
            required: ["name", "type"],
            additionalProperties: false,
          },
        },
        policies: {
          type: "array",
          maxItems: APPLICATION_LIMITS.policies,
          items: {
            type: "object",
            properties: { name: { type: "string", maxLength: 253 }, type: NAME, properties: PROPERTIES },
            required: ["type"],
            additionalProperties: false,
          },
        },
        workflow: {
          type: "object",
          properties: {
            ref: { type: "string" },
            mode: { type: "object", properties: { steps: MODE, subSteps: MODE }, additionalProperties: false },
            steps: {
              type: "array",
              maxItems: APPLICATION_LIMITS.steps,
              items: {
                type: "object",
                properties: {
                  ...STEP_FIELDS,
                  mode: MODE,
                  subSteps: {
                    type: "array",
                    maxItems: APPLICATION_LIMITS.steps,
                    items: {
                      type: "object",
                      properties: STEP_FIELDS,
                      required: ["name", "type"],
                      additionalProperties: false,
                    },
                  },
                },
                required: ["name", "type"],
                additionalProperties: false,
              },
            },
          },
          additionalProperties: false,
        },
      },
      required: ["components"],
      additionalProperties: false,
    },
    status: { type: "object" },
  },
  required: ["apiVersion", "kind", "metadata", "spec"],
  additionalProperties: false,
};

/**
 * Compiles the Application schema check. Compiling costs far more than validating, so callers that
 * parse many Applications create one and pass it to {@link parseApplications} / {@link validateApplication}.
 */
export function createApplicationCheck(): SchemaCheck {
  return compileTrustedSchemaCheck(APPLICATION_SCHEMA);
}

function duplicates(
  names: readonly { readonly name: string; readonly path: string }[],
): { readonly name: string; readonly path: string }[] {
  const seen = new Set<string>();
  return names.filter(({ name }) => {
    if (seen.has(name)) return true;
    seen.add(name);
    return false;
  });
}

/** Cross-field rules JSON Schema cannot say: unique names, dependsOn targets that exist. */
function checkNames(app: ApplicationInput, sourceMap: SourceMap | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = (path: string): ValidationIssue["source"] => locateInSource(sourceMap, path);
  const push = (issue: Omit<ValidationIssue, "source">): void => {
    const source = issue.path === undefined ? undefined : at(issue.path);
    issues.push({ ...issue, ...(source === undefined ? {} : { source }) });
  };
  const components = app.spec.components.map((component, index) => ({
    name: component.name,
    path: `/spec/components/${index}/name`,
  }));
  for (const duplicate of duplicates(components)) {
    push({
      code: "E_DUPLICATE_NAME",
      message: `component name "${duplicate.name}" is used more than once`,
      path: duplicate.path,
      hint: "give every component a unique name",
    });
  }
  const componentNames = new Set(components.map(({ name }) => name));
  app.spec.components.forEach((component, index) => {
    (component.dependsOn ?? []).forEach((target, dependencyIndex) => {
      if (!componentNames.has(target) || target === component.name) {
        push({
          code: "E_DEPENDS_ON",
          message:
            target === component.name
              ? `component "${component.name}" depends on itself`
              : `component "${component.name}" depends on unknown component "${target}"`,
          path: `/spec/components/${index}/dependsOn/${dependencyIndex}`,
          hint: `known components: ${[...componentNames].join(", ")}`,
        });
      }
    });
  });
  // dependsOn orders the default workflow (a DAG): a cycle would leave its components pending for ever.
  const cycle = findCycle(new Map(app.spec.components.map((component) => [component.name, component.dependsOn ?? []])));
  if (cycle !== undefined) {
    const index = app.spec.components.findIndex((component) => component.name === cycle[0]);
    push({
      code: "E_COMPONENT_CYCLE",
      message: `components depend on each other in a cycle: ${cycle.join(" → ")}`,
      path: `/spec/components/${Math.max(0, index)}/dependsOn`,
      hint: "remove one of the dependsOn entries: they order the deploy, which cannot go in a circle",
    });
  }
  const steps = app.spec.workflow?.steps ?? [];
  const stepNames = steps.map((step, index) => ({ name: step.name, path: `/spec/workflow/steps/${index}/name` }));
  steps.forEach((step, index) => {
    (step.subSteps ?? []).forEach((sub, subIndex) =>
      stepNames.push({ name: sub.name, path: `/spec/workflow/steps/${index}/subSteps/${subIndex}/name` }),
    );
  });
  for (const duplicate of duplicates(stepNames)) {
    push({
      code: "E_DUPLICATE_NAME",
      message: `workflow step name "${duplicate.name}" is used more than once`,
      path: duplicate.path,
      hint: "give every step a unique name",
    });
  }
  const policyNames = (app.spec.policies ?? []).flatMap((policy, index) =>
    policy.name === undefined || policy.name === ""
      ? []
      : [{ name: policy.name, path: `/spec/policies/${index}/name` }],
  );
  for (const duplicate of duplicates(policyNames)) {
    push({
      code: "E_DUPLICATE_NAME",
      message: `policy name "${duplicate.name}" is used more than once`,
      path: duplicate.path,
      hint: "give every policy a unique name",
    });
  }
  return issues;
}

/**
 * Validates one parsed document as an Application; returns the issues (all of them) or the typed value.
 * `basePath` is "" for a whole document.
 */
export function validateApplication(
  value: unknown,
  sourceMap: SourceMap | undefined,
  check: SchemaCheck = createApplicationCheck(),
): { readonly application?: ApplicationInput; readonly issues: readonly ValidationIssue[] } {
  if (!isJsonObject(value)) {
    const source = locateInSource(sourceMap, "");
    return {
      issues: [
        {
          code: "E_APP_INVALID",
          message: "an Application must be a YAML mapping",
          path: "",
          ...(source === undefined ? {} : { source }),
          hint: "start the file with apiVersion: core.oam.dev/v1beta1 and kind: Application",
        },
      ],
    };
  }
  const issues = check(value, { code: "E_APP_INVALID", basePath: "", sourceMap });
  if (issues.length > 0) return { issues };
  // Checked against APPLICATION_SCHEMA just above, which describes ApplicationInput.
  const application = value as unknown as ApplicationInput;
  const crossIssues = checkNames(application, sourceMap);
  return crossIssues.length > 0 ? { issues: crossIssues } : { application, issues: [] };
}

/**
 * Parses every Application in a (multi-document) YAML text. All problems of all documents are
 * thrown together as one ValidationError (codes `E_YAML`, `E_APP_INVALID`, `E_DUPLICATE_NAME`, …),
 * each with a JSON pointer, `file:line:col` and a hint. Pass `check` (from {@link createApplicationCheck})
 * when parsing many files.
 */
export function parseApplications(
  text: string,
  file: string,
  check: SchemaCheck = createApplicationCheck(),
): ParsedApplication[] {
  const documents = parseYamlDocuments(text, file);
  if (documents.length === 0) {
    throw new ValidationError([
      {
        code: "E_APP_INVALID",
        message: "no Application found",
        source: { file, line: 1, column: 1 },
        hint: "the file is empty; write an Application (apiVersion: core.oam.dev/v1beta1, kind: Application)",
      },
    ]);
  }
  const issues: ValidationIssue[] = [];
  const parsed: ParsedApplication[] = [];
  for (const document of documents) {
    const result = validateApplication(document.value, document.sourceMap, check);
    issues.push(...result.issues);
    if (result.application !== undefined)
      parsed.push({ application: result.application, sourceMap: document.sourceMap, file });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return parsed;
}

/** Parses a YAML text holding exactly one Application (see {@link parseApplications}). */
export function parseApplication(text: string, file: string, check?: SchemaCheck): ParsedApplication {
  const all = parseApplications(text, file, check);
  const [first, second] = all;
  if (first === undefined)
    throw new ValidationError([
      { code: "E_APP_INVALID", message: "no Application found", source: { file, line: 1, column: 1 } },
    ]);
  if (second !== undefined) {
    const source = locateInSource(second.sourceMap, "");
    throw new ValidationError([
      {
        code: "E_APP_INVALID",
        message: `expected one Application, found ${all.length}`,
        path: "",
        ...(source === undefined ? {} : { source }),
        hint: "put each Application in its own file",
      },
    ]);
  }
  return first;
}

/** The `app.oam.dev/publishVersion` annotation, if set. */
export function publishVersionOf(app: ApplicationInput): string | undefined {
  return app.metadata.annotations?.[ANNOTATION_PUBLISH_VERSION];
}

/** Pointer of a component inside the Application. */
export function componentPointer(index: number, ...rest: readonly (string | number)[]): string {
  return joinPointer("/spec/components", index, ...rest);
}
