/**
 * Definition tooling behind `vela-ts def`: listing, a parameter-schema sampler (`def init`), the
 * `def doc` Markdown, vet, render and `--set` flag parsing for definition files. Long because these
 * tools share one walk of a definition's parameter schema; the sampler and the Markdown generator are the next candidates
 * to move into files of their own.
 */
import { parseYamlValue } from "../model/parse-yaml.js";
import { bindAppfile, traitAppliesTo, validateProperties } from "../appfile/index.js";
import {
  createDefinitionParser,
  DEFINITION_TYPE_OF_KIND,
  readCueDefinitionSource,
  DefinitionRegistry,
  loadDefinitions,
  type Definition,
  type DefinitionType,
  type DefinitionWarning,
  type TraitDefinition,
} from "../definitions/index.js";
import { NotFoundError, UsageError, ValidationError, VelaError, type ValidationIssue } from "../errors/index.js";
import {
  APPLICATION_API_VERSION,
  definitionObjectOf,
  type ApplicationInput,
  type ComponentInput,
} from "../model/index.js";
import { componentObjects, renderAppfile, renderCueValue, renderTemplate } from "../render/index.js";
import { compileLinearRegExp, isJsonObject, type JsonObject, type JsonValue, toJsonValue } from "../util/index.js";
import { renderStepActions } from "../workflow/step-actions.js";
import { CueError } from "../cue/index.js";
import { allTaskProblems, compileStepTemplate, DEFAULT_STEP_PROVIDERS, type CueStepSource } from "../workflow/index.js";

/** Where definitions come from besides the bundled ones. */
export interface DefinitionSourceOptions {
  /** `--definitions DIR`, in order. @default [] */
  readonly definitionDirs?: readonly string[];
  /** Folder relative paths are resolved against. @default paths used as given */
  readonly cwd?: string;
}

function load(options: DefinitionSourceOptions): ReturnType<typeof loadDefinitions> {
  return loadDefinitions({
    userDirs: options.definitionDirs ?? [],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
}

/** One row of `def list`. */
export interface DefinitionSummary {
  readonly name: string;
  readonly type: DefinitionType;
  /** `builtin`, `addon:<name>`, or the file of a user definition. */
  readonly source: string;
  readonly description: string;
}

function sourceOf(definition: Definition): string {
  const { origin } = definition;
  if (origin.source === "addon") return `addon:${origin.addon ?? ""}`;
  if (origin.source === "cluster") return "cluster";
  return origin.source === "builtin" ? "builtin" : origin.file;
}

/** `def list [-t TYPE]`: every usable definition, sorted by type then name. */
export function listDefinitions(options: DefinitionSourceOptions & { readonly type?: DefinitionType } = {}): {
  readonly definitions: readonly DefinitionSummary[];
  readonly warnings: readonly DefinitionWarning[];
} {
  const { registry, warnings } = load(options);
  const order: readonly DefinitionType[] = ["component", "trait", "policy", "workflow-step"];
  const definitions = registry
    .listByType(options.type)
    .map((definition) => ({
      name: definition.name,
      type: DEFINITION_TYPE_OF_KIND[definition.kind],
      source: sourceOf(definition),
      description: definition.description,
    }))
    .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.name.localeCompare(b.name));
  return { definitions, warnings };
}

/** Strings tried, in order, against a required string field's `pattern`. */
const PATTERN_CANDIDATES = [
  "sample",
  "a",
  "sample-1",
  "1",
  "A",
  "Sample",
  "a.b",
  "sample.example.com",
  "http://sample.example.com",
  "/sample",
  "1s",
  "10%",
  "1.0.0",
  "v1",
  "a/b",
  "a=b",
  "_",
];

/** A string for `format` (what ajv-formats checks), when the schema names one. */
const FORMAT_SAMPLES: Readonly<Record<string, string>> = {
  uri: "http://sample.example.com",
  url: "http://sample.example.com",
  email: "sample@example.com",
  hostname: "sample.example.com",
  ipv4: "127.0.0.1",
  ipv6: "::1",
  "date-time": "1970-01-01T00:00:00Z",
  date: "1970-01-01",
  time: "00:00:00Z",
  duration: "PT1S",
  uuid: "00000000-0000-0000-0000-000000000000",
};

function matchesPattern(value: string, pattern: string): boolean {
  try {
    return compileLinearRegExp(pattern).test(value);
  } catch {
    return true;
  }
}

function sampleString(schema: JsonObject): JsonValue | undefined {
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
  const fit = (value: string): string =>
    (value.length < minLength ? value.padEnd(minLength, "a") : value).slice(0, Math.max(maxLength, 0));
  const formatted = typeof schema.format === "string" ? FORMAT_SAMPLES[schema.format] : undefined;
  const candidates = formatted === undefined ? PATTERN_CANDIDATES.map(fit) : [formatted];
  if (typeof schema.pattern !== "string") return candidates[0];
  const pattern = schema.pattern;
  return candidates.find((candidate) => matchesPattern(candidate, pattern));
}

function sampleNumber(schema: JsonObject, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  let low = Number.NEGATIVE_INFINITY;
  if (typeof schema.minimum === "number") low = schema.minimum;
  if (typeof schema.exclusiveMinimum === "number")
    low = Math.max(low, integer ? Math.floor(schema.exclusiveMinimum) + 1 : schema.exclusiveMinimum + step);
  let high = Number.POSITIVE_INFINITY;
  if (typeof schema.maximum === "number") high = schema.maximum;
  if (typeof schema.exclusiveMaximum === "number")
    high = Math.min(high, integer ? Math.ceil(schema.exclusiveMaximum) - 1 : schema.exclusiveMaximum - step);
  let value = Number.isFinite(low) ? (integer ? Math.ceil(low) : low) : Math.min(1, high);
  if (integer && Number.isFinite(high) && !Number.isFinite(low)) value = Math.min(1, Math.floor(high));
  const multiple = typeof schema.multipleOf === "number" && schema.multipleOf > 0 ? schema.multipleOf : undefined;
  if (multiple !== undefined && value % multiple !== 0) value = Math.ceil(value / multiple) * multiple;
  return value;
}

/**
 * The alternative of an `anyOf` of constraints to sample: the first whose required fields are all
 * enumerated (values known to mean something, e.g. `resource: deployments`), else the first.
 */
function preferredAlternative(list: readonly JsonValue[], schema: JsonObject): JsonValue[] {
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  const enumerated = (key: JsonValue): boolean => {
    const member = typeof key === "string" ? properties[key] : undefined;
    return isJsonObject(member) && (member.const !== undefined || Array.isArray(member.enum));
  };
  const found = list.find(
    (member) =>
      isJsonObject(member) &&
      Array.isArray(member.required) &&
      member.required.length > 0 &&
      member.required.every(enumerated),
  );
  return found === undefined ? list.slice(0, 1) : [found];
}

/** The schema's own constraints plus the first alternative of `anyOf`/`oneOf` and every `allOf` member (required fields, properties). */
function mergedConstraints(schema: JsonObject): JsonObject {
  const fragments: JsonObject[] = [];
  const pick = (list: JsonValue | undefined, all: boolean): void => {
    if (!Array.isArray(list)) return;
    for (const member of all ? list : preferredAlternative(list, schema)) {
      if (!isJsonObject(member)) continue;
      fragments.push(member);
      pick(member.anyOf, false);
      pick(member.oneOf, false);
      pick(member.allOf, true);
    }
  };
  pick(schema.anyOf, false);
  pick(schema.oneOf, false);
  pick(schema.allOf, true);
  if (fragments.length === 0) return schema;
  const required = new Set<string>();
  const properties: JsonObject = {};
  for (const part of [schema, ...fragments]) {
    if (Array.isArray(part.required)) for (const key of part.required) if (typeof key === "string") required.add(key);
    if (isJsonObject(part.properties))
      for (const [key, value] of Object.entries(part.properties)) properties[key] ??= value;
  }
  const { anyOf: _anyOf, oneOf: _oneOf, allOf: _allOf, ...rest } = schema;
  return { ...rest, required: [...required], properties };
}

/** True when the alternatives are types of their own (`int | string`), not extra constraints on one object. */
function isTypeUnion(schema: JsonObject): boolean {
  return (
    schema.type === undefined &&
    schema.properties === undefined &&
    (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf))
  );
}

function sampleObject(schema: JsonObject, base: JsonObject): JsonObject {
  const result: JsonObject = { ...base };
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const key of required) {
    if (typeof key !== "string" || result[key] !== undefined) continue;
    const member =
      properties[key] ?? (isJsonObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    result[key] = sampleValue(member) ?? "sample";
  }
  // An optional field with a default gets the default anyway when bound: complete it the same way.
  for (const [key, member] of Object.entries(properties)) {
    if (result[key] !== undefined || !isJsonObject(member) || member.default === undefined) continue;
    const value = sampleValue(member);
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/**
 * A value that satisfies a schema as simply as possible: the default (completed with the required
 * fields it lacks and up to `minItems` items), the constant, the first enum value, numbers within
 * their bounds, strings matching their pattern, format and length, lists of `minItems` samples,
 * objects with every required field sampled recursively. Optional fields are left out. `undefined`
 * when no value is found (a pattern none of the known strings match).
 */
export function sampleValue(schema: JsonValue | undefined): JsonValue | undefined {
  if (!isJsonObject(schema)) return null;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] ?? null;
  if (isTypeUnion(schema)) {
    const alternatives = [
      ...(Array.isArray(schema.anyOf) ? schema.anyOf : []),
      ...(Array.isArray(schema.oneOf) ? schema.oneOf : []),
    ];
    for (const alternative of alternatives) {
      const value = sampleValue(alternative);
      if (value !== undefined) return value;
    }
    return undefined;
  }
  const constraints = mergedConstraints(schema);
  const type = Array.isArray(constraints.type) ? constraints.type.find((entry) => entry !== "null") : constraints.type;
  const fallback = constraints.default;
  switch (type) {
    case "string":
      return typeof fallback === "string" ? fallback : sampleString(constraints);
    case "integer":
    case "number":
      return typeof fallback === "number" ? fallback : sampleNumber(constraints, type === "integer");
    case "boolean":
      return typeof fallback === "boolean" ? fallback : false;
    case "null":
      return null;
    case "array": {
      const items: JsonValue[] = Array.isArray(fallback) ? [...fallback] : [];
      const minItems = typeof constraints.minItems === "number" ? constraints.minItems : 0;
      while (items.length < minItems)
        items.push(sampleValue(isJsonObject(constraints.items) ? constraints.items : undefined) ?? "sample");
      return items;
    }
    case "object":
    case undefined: {
      if (isJsonObject(fallback)) return sampleObject(constraints, fallback);
      if (fallback !== undefined) return fallback;
      if (type === undefined && !isJsonObject(constraints.properties) && !Array.isArray(constraints.required))
        return null;
      return sampleObject(constraints, {});
    }
    default:
      return fallback ?? null;
  }
}

function sampleProperties(definition: Definition): JsonObject {
  const value = sampleValue(definition.parameterSchema);
  return isJsonObject(value) ? value : {};
}

/**
 * Name of the component hosting a trait sample: not "sample", the string made-up properties get, so
 * a trait adding a container named after its `name` property (sidecar) does not collide with it.
 */
const HOST_COMPONENT_NAME = "sample-app";

/** A component to host a trait for `def render` / `def vet`: webservice when it fits, else the first component type it applies to. */
function hostComponent(trait: TraitDefinition, registry: DefinitionRegistry): ComponentInput {
  const webservice = registry.findComponent("webservice");
  if (webservice !== undefined && traitAppliesTo(trait, "webservice", "deployments.apps")) {
    return {
      name: HOST_COMPONENT_NAME,
      type: "webservice",
      properties: { ...sampleProperties(webservice), image: "nginx:1.25" },
    };
  }
  const host = trait.appliesToWorkloads
    .map((entry) => registry.findComponent(entry))
    .find((found) => found !== undefined);
  if (host === undefined) {
    throw new ValidationError([
      {
        code: "E_DEF_NO_SAMPLE",
        message: `trait "${trait.name}": no sample component to attach it to`,
        source: { file: trait.origin.file, line: 1, column: 1 },
        hint: "list a component type (e.g. webservice) or a resource such as deployments.apps in appliesToWorkloads",
      },
    ]);
  }
  return { name: HOST_COMPONENT_NAME, type: host.name, properties: sampleProperties(host) };
}

function sampleApplication(components: readonly ComponentInput[]): ApplicationInput {
  return {
    apiVersion: APPLICATION_API_VERSION,
    kind: "Application",
    metadata: { name: "sample", namespace: "default" },
    spec: { components },
  };
}

/**
 * A CUE step template is checked as the step runtime will run it: every package it imports must be a
 * provider vela-ts has (an unknown one is named), and with the sample parameter no task may have a
 * conflicting or missing input (a task waiting for another's result is fine).
 */
function checkCueStep(definition: CueStepSource["definition"], parameter: JsonObject, context: JsonObject): void {
  const template = definition.cue;
  const source = { file: template.file, line: template.line, column: template.column };
  let program;
  try {
    program = compileStepTemplate(definition, DEFAULT_STEP_PROVIDERS);
  } catch (error) {
    if (error instanceof CueError) throw cueTemplateProblem(definition, error.problems[0]?.message ?? "", source);
    throw error;
  }
  const root = program.evaluate({
    fill: [
      { path: ["parameter"], value: parameter },
      { path: ["context"], value: context },
    ],
  });
  const [problem] = allTaskProblems(root);
  if (problem !== undefined) throw cueTemplateProblem(definition, problem, source);
}

function cueTemplateProblem(
  definition: CueStepSource["definition"],
  message: string,
  source: { file: string; line: number; column: number },
): VelaError {
  return new VelaError("E_TEMPLATE", `workflow step "${definition.name}": ${message}`, {
    source,
    path: definition.cue.pointer,
    hint: "each task's input must be concrete or come from an earlier task's result (docs/workflow.md)",
  });
}

/** Renders one definition with properties: what `def render` prints and what `def vet` exercises. */
/**
 * Renders one definition with properties. `sample`: the properties are made up (`def vet`), so the
 * checks of what an app asks for (a Rollout's steps) are left out; the template is what is vetted.
 */
function exerciseDefinition(
  definition: Definition,
  registry: DefinitionRegistry,
  properties: JsonObject,
  sample = false,
): JsonValue[] {
  const renderOptions = sample ? { checkRollouts: false } : {};
  switch (definition.kind) {
    case "ComponentDefinition": {
      const app = sampleApplication([{ name: "sample", type: definition.name, properties }]);
      return renderAppfile(bindAppfile(app, registry), renderOptions)
        .flatMap(componentObjects)
        .map((object) => toJsonValue(object));
    }
    case "TraitDefinition": {
      const host = hostComponent(definition, registry);
      const app = sampleApplication([{ ...host, traits: [{ type: definition.name, properties }] }]);
      return renderAppfile(bindAppfile(app, registry), renderOptions)
        .flatMap(componentObjects)
        .map((object) => toJsonValue(object));
    }
    case "WorkflowStepDefinition":
    case "PolicyDefinition": {
      const noun = definition.kind === "PolicyDefinition" ? "policy" : "workflow step";
      const { value, issues } = validateProperties(definition, properties, registry.cache, {
        code: "E_PARAM_INVALID",
        basePath: "/properties",
        subject: `${noun} "${definition.name}"`,
      });
      if (issues.length > 0) throw new ValidationError(issues);
      const context: JsonObject = {
        name: "sample",
        appName: "sample",
        namespace: "default",
        appRevision: "sample-v1",
        appRevisionNum: 1,
        revision: "sample-v1",
        publishVersion: null,
        stepName: "sample",
        workflowName: "sample",
        stepSessionID: "sample",
        components: [],
        appLabels: {},
        appAnnotations: {},
      };
      const data: JsonObject = { parameter: value, context };
      if (definition.cue !== undefined) {
        // A step template runs on the workflow step runtime, which brings its packages (vela/op…):
        // here its parameter is checked; a policy's template is rendered.
        if (definition.kind === "WorkflowStepDefinition") {
          checkCueStep({ ...definition, cue: definition.cue }, value, context);
          return [{ parameter: value }];
        }
        return [
          renderCueValue(definition, { parameter: value, context }, registry.cache, `policy "${definition.name}"`),
        ];
      }
      if (definition.kind === "WorkflowStepDefinition") {
        if (definition.actions === undefined) return [{ builtin: definition.builtin ?? "", parameter: value }];
        return [renderStepActions(definition, registry, properties, context)];
      }
      const outputs = Object.entries(definition.outputs).flatMap(([name, template]) => {
        const rendered = renderTemplate(template, data, {
          cache: registry.cache,
          subject: `definition "${definition.name}" outputs.${name}`,
          check: { parameterSchema: definition.parameterSchema },
        });
        return rendered === undefined ? [] : [rendered];
      });
      return outputs.length > 0 ? outputs : [value];
    }
  }
}

/** A definition file given on the command line. */
export interface DefinitionFileInput {
  readonly file: string;
  readonly text: string;
}

function parseFile(input: DefinitionFileInput, issues: ValidationIssue[]): Definition[] {
  const parsed = createDefinitionParser().parse(input.text, input.file, { source: "file" });
  issues.push(...parsed.issues);
  if (parsed.definitions.length === 0 && parsed.issues.length === 0) {
    issues.push({
      code: "E_DEF_INVALID",
      message: "no definition found",
      source: { file: input.file, line: 1, column: 1 },
      hint: "a definition file holds ComponentDefinition, TraitDefinition, WorkflowStepDefinition or PolicyDefinition documents",
    });
  }
  return parsed.definitions;
}

function registryWith(definitions: readonly Definition[], options: DefinitionSourceOptions): DefinitionRegistry {
  return new DefinitionRegistry([...load(options).definitions, ...definitions]);
}

function collect(issues: ValidationIssue[], run: () => void): void {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) issues.push(...error.issues);
    else if (error instanceof VelaError) {
      issues.push({
        code: error.code,
        message: error.message,
        ...(error.path === undefined ? {} : { path: error.path }),
        ...(error.source === undefined ? {} : { source: error.source }),
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      });
    } else throw error;
  }
}

/**
 * `def vet FILE…`: checks each file's definitions (envelope, parameter shorthand, CEL health
 * policy) and renders each one with sample properties (defaults, minimal values) to find template
 * errors. All problems of all files are thrown together; on success returns the files checked.
 */
export function vetDefinitionFiles(
  options: DefinitionSourceOptions & { readonly files: readonly DefinitionFileInput[] },
): { readonly files: readonly string[] } {
  const issues: ValidationIssue[] = [];
  const perFile = options.files.map((input) => ({ input, definitions: parseFile(input, issues) }));
  const registry = registryWith(
    perFile.flatMap((entry) => entry.definitions),
    options,
  );
  for (const { definitions } of perFile) {
    for (const definition of definitions)
      collect(issues, () => void exerciseDefinition(definition, registry, sampleProperties(definition), true));
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { files: options.files.map((input) => input.file) };
}

/**
 * `def render FILE`: renders the (first, or `name`d) definition of a file with the given
 * properties. A trait is rendered on a sample component (webservice when it applies).
 */
export function renderDefinitionFile(
  options: DefinitionSourceOptions & DefinitionFileInput & { readonly properties: JsonObject; readonly name?: string },
): { readonly objects: readonly JsonValue[] } {
  const issues: ValidationIssue[] = [];
  const definitions = parseFile(options, issues);
  if (issues.length > 0) throw new ValidationError(issues);
  const definition =
    options.name === undefined ? definitions[0] : definitions.find((candidate) => candidate.name === options.name);
  if (definition === undefined) {
    throw new NotFoundError("E_DEF_NOT_FOUND", `definition "${options.name ?? ""}" is not in ${options.file}`, {
      hint: `the file defines: ${definitions.map((found) => found.name).join(", ")}`,
    });
  }
  return { objects: exerciseDefinition(definition, registryWith(definitions, options), options.properties) };
}

/**
 * Builds properties from `-p key=value` flags: dotted keys nest (`a.b=1`), values are read as YAML
 * scalars or flow collections (`3` is a number, `[a, b]` a list, `"3"` a string).
 */
export function propertiesFromFlags(flags: readonly string[], base: JsonObject = {}): JsonObject {
  const result: JsonObject = structuredClone(base);
  for (const flag of flags) {
    const equals = flag.indexOf("=");
    if (equals <= 0)
      throw new UsageError(`invalid property "${flag}"`, {
        hint: "write -p key=value, e.g. -p replicas=3 or -p image.tag=v2",
      });
    const keys = flag.slice(0, equals).split(".");
    let value: JsonValue;
    try {
      value = parseYamlValue(flag.slice(equals + 1), "-p") ?? "";
    } catch {
      value = flag.slice(equals + 1);
    }
    let target = result;
    keys.slice(0, -1).forEach((key) => {
      const next = target[key];
      if (!isJsonObject(next)) target[key] = {};
      target = target[key] as JsonObject;
    });
    target[keys[keys.length - 1] ?? ""] = value;
  }
  return result;
}

function typeText(schema: JsonValue | undefined): string {
  if (!isJsonObject(schema)) return "_";
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map(typeText).join(" | ");
  const bounds = [
    typeof schema.minimum === "number" ? `>=${schema.minimum}` : undefined,
    typeof schema.exclusiveMinimum === "number" ? `>${schema.exclusiveMinimum}` : undefined,
    typeof schema.maximum === "number" ? `<=${schema.maximum}` : undefined,
    typeof schema.exclusiveMaximum === "number" ? `<${schema.exclusiveMaximum}` : undefined,
    typeof schema.pattern === "string" ? `=~${JSON.stringify(schema.pattern)}` : undefined,
  ].filter((bound): bound is string => bound !== undefined);
  let base: string;
  switch (schema.type) {
    case "integer":
      base = "int";
      break;
    case "boolean":
      base = "bool";
      break;
    case "string":
    case "number":
    case "null":
      base = schema.type;
      break;
    case "array":
      base =
        isJsonObject(schema.items) && isJsonObject(schema.items.properties)
          ? "[{...}]"
          : `[...${typeText(schema.items)}]`;
      break;
    case "object":
      base = isJsonObject(schema.properties)
        ? "{...}"
        : isJsonObject(schema.additionalProperties)
          ? `{[string]: ${isJsonObject(schema.additionalProperties.properties) ? "{...}" : typeText(schema.additionalProperties)}}`
          : "{...}";
      break;
    default:
      base = "_";
  }
  return [base, ...bounds].join(" & ");
}

interface DocRow {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultValue: string;
  readonly description: string;
}

function docRows(schema: JsonValue | undefined, prefix: string, into: DocRow[]): void {
  if (!isJsonObject(schema) || !isJsonObject(schema.properties)) return;
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const [key, member] of Object.entries(schema.properties)) {
    const name = `${prefix}${key}`;
    const memberSchema = isJsonObject(member) ? member : {};
    // `// +ignore` keeps a parameter out of the reference, as KubeVela's doc generator does.
    if (memberSchema["x-ignore"] === true) continue;
    const short = typeof memberSchema["x-short"] === "string" ? ` (-${memberSchema["x-short"]})` : "";
    into.push({
      name: `${name}${short}`,
      type: typeText(memberSchema),
      required: required.includes(key),
      defaultValue: memberSchema.default === undefined ? "" : JSON.stringify(memberSchema.default),
      description: typeof memberSchema.description === "string" ? memberSchema.description : "",
    });
    docRows(memberSchema, `${name}.`, into);
    if (memberSchema.type === "array") docRows(memberSchema.items, `${name}[].`, into);
    if (isJsonObject(memberSchema.additionalProperties))
      docRows(memberSchema.additionalProperties, `${name}.<key>.`, into);
  }
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** `def doc NAME`: Markdown reference of a definition (description, then a parameters table). */
export function documentDefinition(
  options: DefinitionSourceOptions & { readonly name: string; readonly type?: DefinitionType },
): string {
  const { registry } = load(options);
  const found = registry
    .findAnyKind(options.name)
    .filter((definition) => options.type === undefined || DEFINITION_TYPE_OF_KIND[definition.kind] === options.type);
  const definition = found[0];
  if (definition === undefined) {
    const known = registry.list().map((candidate) => candidate.name);
    throw new NotFoundError("E_DEF_NOT_FOUND", `definition "${options.name}" is not defined`, {
      hint: `known definitions: ${[...new Set(known)].join(", ")}`,
    });
  }
  const rows: DocRow[] = [];
  docRows(definition.parameterSchema, "", rows);
  const facts = [`- Kind: ${definition.kind}`, `- Source: ${sourceOf(definition)}`];
  if (definition.kind === "TraitDefinition") {
    facts.push(
      `- Applies to: ${definition.appliesToWorkloads.length === 0 ? "all workloads" : definition.appliesToWorkloads.join(", ")}`,
    );
    if (definition.conflictsWith.length > 0) facts.push(`- Conflicts with: ${definition.conflictsWith.join(", ")}`);
    if (definition.skipRevisionAffect)
      facts.push("- Ops-only: changing it never makes a new revision and survives rollback");
  }
  const table =
    rows.length === 0
      ? ["This definition takes no parameters."]
      : [
          "| Name | Type | Required | Default | Description |",
          "|---|---|---|---|---|",
          ...rows.map(
            (row) =>
              `| ${cell(row.name)} | ${cell(row.type)} | ${row.required ? "yes" : "no"} | ${cell(row.defaultValue)} | ${cell(row.description)} |`,
          ),
        ];
  return [
    `# ${definition.name}`,
    "",
    definition.description === "" ? "(no description)" : definition.description,
    "",
    ...facts,
    "",
    "## Parameters",
    "",
    ...table,
    "",
  ].join("\n");
}

/** What `def init --type` accepts (`step` is short for `workflow-step`). */
export type InitDefinitionType = "component" | "trait" | "policy" | "workflow-step" | "step";

/** The template languages `def init --format` writes. */
export type InitDefinitionFormat = "cue" | "handlebars";

const SKELETON_BODIES: Readonly<
  Record<"component" | "trait" | "step" | "policy", { readonly kind: string; readonly spec: string }>
> = {
  component: {
    kind: "ComponentDefinition",
    spec: `spec:
  # What the main output is; traits use it for appliesToWorkloads.
  workload:
    definition:
      apiVersion: apps/v1
      kind: Deployment
  status:
    # CEL over output, outputs, parameter and context, evaluated against the live objects.
    healthPolicy: "has(output.status) && has(output.status.readyReplicas) && output.status.readyReplicas == parameter.replicas"
    # A handlebars message shown by status.
    customStatus: "Ready:{{default output.status.readyReplicas 0}}/{{parameter.replicas}}"
  schematic:
    template:
      # Parameters in the CUE-like shorthand; keys ending in ? are optional.
      parameter:
        # +usage=Container image to run
        image: string
        # +usage=Number of replicas
        replicas: "*1 | int & >=0"
        # +usage=Environment variables of the container
        env?:
          - name: string
            value: string
      # The main object: handlebars producing YAML; put values in with {{json x}}.
      output: |
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{json context.name}}
        spec:
          replicas: {{json parameter.replicas}}
          selector:
            matchLabels:
              app.oam.dev/component: {{json context.name}}
          template:
            metadata:
              labels:
                app.oam.dev/component: {{json context.name}}
            spec:
              containers:
                - name: {{json context.name}}
                  image: {{json parameter.image}}
                  {{#if parameter.env}}
                  env: {{json parameter.env}}
                  {{/if}}
      # Auxiliary objects by name; an output that renders nothing is skipped.
      outputs: {}
`,
  },
  trait: {
    kind: "TraitDefinition",
    spec: `spec:
  # Component types, resource.group names (deployments.apps) or "*".
  appliesToWorkloads:
    - deployments.apps
  # Trait types that cannot be used together with this one.
  conflictsWith: []
  # true = ops-only: never makes a revision and survives rollback.
  skipRevisionAffect: false
  schematic:
    template:
      parameter:
        # +usage=Labels to add to the workload's pods
        labels: "{[string]: string}"
      # Merged into the component's main object (maps merge, null deletes, keyed lists merge).
      patch: |
        spec:
          template:
            metadata:
              labels: {{json parameter.labels}}
      # merge (default) | jsonMergePatch | jsonPatch | replace
      patchStrategy: merge
`,
  },
  step: {
    kind: "WorkflowStepDefinition",
    spec: `spec:
  schematic:
    template:
      parameter:
        # +usage=Message shown while the step waits for a person
        message: '*"waiting for approval" | string'
      # A YAML list of actions: apply, read, wait, suspend, delete, http, fail, output.
      actions: |
        - suspend:
            message: {{json parameter.message}}
`,
  },
  policy: {
    kind: "PolicyDefinition",
    spec: `spec:
  schematic:
    template:
      parameter:
        # +usage=Namespace the policy's ConfigMap is written to
        namespace: '*"default" | string'
      # Objects the policy renders, by name.
      outputs:
        config: |
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: {{json context.appName}}
            namespace: {{json parameter.namespace}}
          data:
            policy: {{json context.name}}
`,
  },
};

const CUE_SKELETONS: Readonly<
  Record<"component" | "trait" | "policy" | "workflow-step", { readonly attributes: string; readonly template: string }>
> = {
  component: {
    attributes: `	attributes: {
		// What the main output is; traits use it for appliesToWorkloads.
		workload: definition: {
			apiVersion: "apps/v1"
			kind:       "Deployment"
		}
		status: {
			// CUE over context.output (the live object) and parameter; sets isHealth.
			healthPolicy: #"""
				ready: *0 | int
				if context.output.status.readyReplicas != _|_ {
					ready: context.output.status.readyReplicas
				}
				isHealth: ready == parameter.replicas
				"""#
			// Sets message, shown by status.
			customStatus: #"""
				ready: *0 | int
				if context.output.status.readyReplicas != _|_ {
					ready: context.output.status.readyReplicas
				}
				message: "Ready:\\(ready)/\\(parameter.replicas)"
				"""#
		}
	}`,
    template: `	// The main object; it must be concrete.
	output: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
		metadata: name: context.name
		spec: {
			replicas: parameter.replicas
			selector: matchLabels: "app.oam.dev/component": context.name
			template: {
				metadata: labels: "app.oam.dev/component": context.name
				spec: containers: [{
					name:  context.name
					image: parameter.image
					if parameter.env != _|_ {
						env: parameter.env
					}
				}]
			}
		}
	}
	// Auxiliary objects by name; one that is not concrete is skipped.
	outputs: {}
	parameter: {
		// +usage=Container image to run
		// +short=i
		image: string
		// +usage=Number of replicas
		replicas: *1 | int & >=0
		// +usage=Environment variables of the container
		env?: [...{
			name:  string
			value: string
		}]
	}`,
  },
  trait: {
    attributes: `	attributes: {
		// Component types, resource.group names (deployments.apps) or "*".
		appliesToWorkloads: ["deployments.apps"]
		// Trait types that cannot be used together with this one.
		conflictsWith: []
		podDisruptive: true
	}`,
    template: `	// Unified into the component's main object: maps merge; a list marked +patchKey merges by that key.
	patch: spec: template: {
		metadata: labels: parameter.labels
		// +patchKey=name
		spec: containers: [{
			name: context.name
			if parameter.env != _|_ {
				// +patchKey=name
				env: [for k, v in parameter.env {
					name:  k
					value: v
				}]
			}
		}]
	}
	parameter: {
		// +usage=Labels to add to the workload's pods
		labels: [string]: string
		// +usage=Environment variables to add to the component's container
		env?: [string]: string
	}`,
  },
  policy: {
    attributes: `	attributes: {}`,
    template: `	// Objects the policy renders, by name.
	outputs: config: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		metadata: {
			name:      context.appName
			namespace: parameter.namespace
		}
		data: policy: context.name
	}
	parameter: {
		// +usage=Namespace the policy's ConfigMap is written to
		namespace: *"default" | string
	}`,
  },
  "workflow-step": {
    attributes: `	attributes: {}`,
    template: `	// A step template imports vela/op (apply, read, wait, suspend…): each value with #do is a task,
	// run in order, its result filled back before the next one.
	parameter: {
		// +usage=Message shown while the step waits for a person
		message: *"waiting for approval" | string
	}`,
  },
};

function cueSkeleton(name: string, type: keyof typeof CUE_SKELETONS, description: string): string {
  const skeleton = CUE_SKELETONS[type];
  return `// ${name}: a ${type} definition in KubeVela's CUE format (docs/definitions.md).
// Check it with: vela-ts def vet <file>   See its Definition YAML: vela-ts def render <file>
${JSON.stringify(name)}: {
	type: "${type}"
	annotations: {}
	labels: {}
	description: ${JSON.stringify(description)}
${skeleton.attributes}
}
template: {
${skeleton.template}
}
`;
}

/** `def init NAME --type … [--format cue|handlebars]`: a commented definition skeleton that passes `def vet`. */
export function initDefinition(options: {
  readonly name: string;
  readonly type: InitDefinitionType;
  readonly description?: string;
  /** @default "cue" */
  readonly format?: InitDefinitionFormat;
}): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.name)) {
    throw new UsageError(`invalid definition name "${options.name}"`, {
      hint: "use lower-case letters, digits and -, e.g. my-service",
    });
  }
  const type = options.type === "step" ? "workflow-step" : options.type;
  const description = options.description ?? `My ${type}`;
  if ((options.format ?? "cue") === "cue") return cueSkeleton(options.name, type, description);
  const body = SKELETON_BODIES[type === "workflow-step" ? "step" : type];
  return `# ${options.name}: a ${body.kind} for vela-ts (format: docs/definitions.md).
# Check it with: vela-ts def vet <file>   Try it with: vela-ts def render <file> -p key=value
apiVersion: core.oam.dev/v1beta1
kind: ${body.kind}
metadata:
  name: ${options.name}
  annotations:
    definition.oam.dev/description: ${JSON.stringify(description)}
${body.spec}`;
}

/** `def render FILE.cue` without properties: the Definition document of a KubeVela `.cue` file (what `vela def render` prints). */
export function cueDefinitionDocument(input: DefinitionFileInput): JsonObject {
  return definitionObjectOf(readCueDefinitionSource(input.text, input.file).input);
}
