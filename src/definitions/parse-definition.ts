import { ValidationError, type ValidationIssue } from "../errors/index.js";
import {
  ANNOTATION_DESCRIPTION,
  compileTrustedSchemaCheck,
  DEFINITION_SCHEMA,
  definitionObjectOf,
  locateInSource,
  parseYamlDocuments,
  textLineAt,
  type DefinitionInput,
  type SchemaCheck,
  type SourceMap,
} from "../model/index.js";
import { compileCue, CueError } from "../cue/index.js";
import { checkCelSyntax, joinPointer, type JsonObject } from "../util/index.js";
import { compileDefinitionCue, CUE_TEMPLATE_INJECTED, cueParameterSchema, cueSourceOf } from "./cue-parameter.js";
import { cueIssues, readCueDefinitionSource } from "./cue-source.js";
import { compileShorthand } from "./shorthand.js";
import { misplacedStageIssues, stageOf, withStageHints } from "./dispatch-stage.js";
import type { CueTemplateSource, Definition, DefinitionOrigin, TemplateSource, WorkloadType } from "./types.js";

const TEMPLATE_POINTER = "/spec/schematic/template";
const CUE_POINTER = "/spec/schematic/cue/template";
const AUTODETECT = "autodetects.core.oam.dev";

function templateAt(sourceMap: SourceMap, pointer: string, text: string | undefined): TemplateSource | undefined {
  if (text === undefined) return undefined;
  return { text, file: sourceMap.file, line: textLineAt(sourceMap, pointer) ?? 1, pointer };
}

function templateMap(
  sourceMap: SourceMap,
  pointer: string,
  texts: Readonly<Record<string, string>> | undefined,
): Record<string, TemplateSource> {
  const result: Record<string, TemplateSource> = {};
  for (const name of Object.keys(texts ?? {}).sort()) {
    const text = texts?.[name];
    const template = templateAt(sourceMap, joinPointer(pointer, name), text);
    if (template !== undefined) result[name] = template;
  }
  return result;
}

/** Where a (block) scalar's text is in the file: its first line, column and the indentation YAML removed. */
function cueTextAt(
  sourceMap: SourceMap,
  fileText: string,
  pointer: string,
  text: string | undefined,
): CueTemplateSource | undefined {
  if (text === undefined) return undefined;
  const line = textLineAt(sourceMap, pointer) ?? 1;
  const lines = fileText.split("\n");
  let indent = 0;
  for (let index = line - 1; index < lines.length; index++) {
    const candidate = lines[index] ?? "";
    if (candidate.trim() === "") continue;
    indent = (/^ */.exec(candidate)?.[0] ?? "").length;
    break;
  }
  const position = locateInSource(sourceMap, pointer);
  const blockScalar = sourceMap.entries.get(pointer)?.blockScalar === true;
  return {
    text,
    file: sourceMap.file,
    line,
    column: blockScalar ? indent + 1 : (position?.column ?? 1),
    indent: blockScalar ? indent : 0,
    pointer,
  };
}

function workloadOf(input: DefinitionInput): WorkloadType {
  const workload = input.spec.workload;
  if (workload?.definition !== undefined)
    return { mode: "definition", apiVersion: workload.definition.apiVersion, kind: workload.definition.kind };
  if (workload?.type !== undefined && workload.type !== AUTODETECT) return { mode: "type", type: workload.type };
  return { mode: "autodetect" };
}

function issueAt(
  sourceMap: SourceMap,
  code: ValidationIssue["code"],
  message: string,
  path: string,
  hint: string,
): ValidationIssue {
  const source = locateInSource(sourceMap, path);
  return { code, message, path, ...(source === undefined ? {} : { source }), hint };
}

function parameterSchemaOf(input: DefinitionInput, sourceMap: SourceMap, issues: ValidationIssue[]): JsonObject {
  const template = input.spec.schematic?.template;
  if (template?.parameterSchema !== undefined) {
    if (template.parameter !== undefined) {
      issues.push(
        issueAt(
          sourceMap,
          "E_DEF_INVALID",
          `definition "${input.metadata.name}": give either parameter or parameterSchema, not both`,
          `${TEMPLATE_POINTER}/parameterSchema`,
          "remove one of them",
        ),
      );
    }
    return template.parameterSchema;
  }
  try {
    return compileShorthand(template?.parameter ?? {}, { sourceMap, pointer: `${TEMPLATE_POINTER}/parameter` });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(
      ...error.issues.map((issue) => ({ ...issue, message: `definition "${input.metadata.name}": ${issue.message}` })),
    );
    return {};
  }
}

function checkStatus(input: DefinitionInput, sourceMap: SourceMap, issues: ValidationIssue[]): void {
  const healthPolicy = input.spec.status?.healthPolicy;
  if (healthPolicy === undefined || input.spec.schematic?.cue !== undefined) return;
  try {
    checkCelSyntax(healthPolicy);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    issues.push(
      issueAt(
        sourceMap,
        "E_DEF_HEALTH_POLICY",
        `definition "${input.metadata.name}": status.healthPolicy does not parse: ${detail}`,
        "/spec/status/healthPolicy",
        "write a CEL expression such as output.status.readyReplicas == output.spec.replicas",
      ),
    );
  }
}

function kindRules(input: DefinitionInput, sourceMap: SourceMap, issues: ValidationIssue[]): void {
  const template = input.spec.schematic?.template;
  const name = input.metadata.name;
  const misplaced = (field: string, allowed: string): void => {
    issues.push(
      issueAt(
        sourceMap,
        "E_DEF_INVALID",
        `definition "${name}": ${field} is not allowed in a ${input.kind}`,
        `${TEMPLATE_POINTER}/${field}`,
        `${field} belongs in a ${allowed}`,
      ),
    );
  };
  if (input.kind !== "ComponentDefinition" && template?.output !== undefined)
    misplaced("output", "ComponentDefinition");
  if (input.kind !== "TraitDefinition") {
    if (template?.patch !== undefined) misplaced("patch", "TraitDefinition");
    if (template?.patchOutputs !== undefined) misplaced("patchOutputs", "TraitDefinition");
  }
  if (input.kind !== "WorkflowStepDefinition" && template?.actions !== undefined)
    misplaced("actions", "WorkflowStepDefinition");
  issues.push(...misplacedStageIssues(input, sourceMap));
  if (input.spec.schematic?.cue !== undefined && template !== undefined) {
    issues.push(
      issueAt(
        sourceMap,
        "E_DEF_INVALID",
        `definition "${name}": give either schematic.cue or schematic.template, not both`,
        "/spec/schematic",
        "keep the CUE template (KubeVela's format) or the handlebars one",
      ),
    );
  }
  if (
    input.kind === "WorkflowStepDefinition" &&
    input.spec.schematic?.builtin === undefined &&
    input.spec.schematic?.cue === undefined &&
    template?.actions === undefined
  ) {
    issues.push(
      issueAt(
        sourceMap,
        "E_DEF_INVALID",
        `definition "${name}": a WorkflowStepDefinition needs schematic.template.actions or schematic.builtin`,
        "/spec/schematic",
        "add a CUE template (schematic.cue.template), an actions template (docs/definitions.md) or name a builtin step",
      ),
    );
  }
}

/** The CUE texts of a definition with a CUE schematic. */
interface CueParts {
  readonly template: CueTemplateSource;
  readonly healthPolicy?: CueTemplateSource;
  readonly customStatus?: CueTemplateSource;
}

function cuePartsOf(input: DefinitionInput, sourceMap: SourceMap, fileText: string): CueParts | undefined {
  const template = cueTextAt(sourceMap, fileText, CUE_POINTER, input.spec.schematic?.cue?.template);
  if (template === undefined) return undefined;
  const healthPolicy = cueTextAt(sourceMap, fileText, "/spec/status/healthPolicy", input.spec.status?.healthPolicy);
  const customStatus = cueTextAt(sourceMap, fileText, "/spec/status/customStatus", input.spec.status?.customStatus);
  return {
    template,
    ...(healthPolicy === undefined ? {} : { healthPolicy }),
    ...(customStatus === undefined ? {} : { customStatus }),
  };
}

/** Compiles a definition's CUE (template and status): problems at file:line:col; returns the parameter's schema. */
function checkCue(input: DefinitionInput, parts: CueParts, issues: ValidationIssue[]): JsonObject {
  const prefix = `definition "${input.metadata.name}": `;
  let schema: JsonObject = {};
  try {
    schema = cueParameterSchema(compileDefinitionCue(parts.template));
  } catch (error) {
    if (!(error instanceof CueError)) throw error;
    issues.push(...cueIssues(error, prefix).issues);
  }
  for (const status of [parts.healthPolicy, parts.customStatus]) {
    if (status === undefined) continue;
    try {
      compileCue(cueSourceOf(status), { injected: CUE_TEMPLATE_INJECTED, allowUnknownImports: true });
    } catch (error) {
      if (!(error instanceof CueError)) throw error;
      issues.push(...cueIssues(error, `${prefix}status: `).issues);
    }
  }
  return schema;
}

function toDefinition(
  input: DefinitionInput,
  sourceMap: SourceMap,
  origin: DefinitionOrigin,
  parameterSchema: JsonObject,
  cue: CueParts | undefined,
): Definition {
  const template = input.spec.schematic?.template;
  const common = {
    name: input.metadata.name,
    description: input.metadata.annotations?.[ANNOTATION_DESCRIPTION] ?? "",
    origin,
    input,
    parameterSchema,
    ...(cue === undefined ? {} : { cue: cue.template }),
  };
  const outputs = templateMap(sourceMap, `${TEMPLATE_POINTER}/outputs`, template?.outputs);
  const customStatus =
    cue === undefined ? templateAt(sourceMap, "/spec/status/customStatus", input.spec.status?.customStatus) : undefined;
  const health =
    cue === undefined
      ? {
          ...(input.spec.status?.healthPolicy === undefined ? {} : { healthPolicy: input.spec.status.healthPolicy }),
          ...(customStatus === undefined ? {} : { customStatus }),
        }
      : {
          ...(cue.healthPolicy === undefined ? {} : { cueHealthPolicy: cue.healthPolicy }),
          ...(cue.customStatus === undefined ? {} : { cueCustomStatus: cue.customStatus }),
        };
  const builtin = input.spec.schematic?.builtin;
  switch (input.kind) {
    case "ComponentDefinition": {
      const output = templateAt(sourceMap, `${TEMPLATE_POINTER}/output`, template?.output);
      return {
        ...common,
        ...health,
        kind: "ComponentDefinition",
        workload: workloadOf(input),
        ...(output === undefined ? {} : { output }),
        outputs,
      };
    }
    case "TraitDefinition": {
      const patch = templateAt(sourceMap, `${TEMPLATE_POINTER}/patch`, template?.patch);
      return {
        ...common,
        ...health,
        kind: "TraitDefinition",
        appliesToWorkloads: input.spec.appliesToWorkloads ?? [],
        conflictsWith: input.spec.conflictsWith ?? [],
        podDisruptive: input.spec.podDisruptive ?? false,
        skipRevisionAffect: input.spec.skipRevisionAffect ?? false,
        manageWorkload: input.spec.manageWorkload ?? false,
        stage: stageOf(input),
        outputs,
        ...(patch === undefined ? {} : { patch }),
        patchOutputs: templateMap(sourceMap, `${TEMPLATE_POINTER}/patchOutputs`, template?.patchOutputs),
        patchStrategy: template?.patchStrategy ?? "merge",
        patchKeys: template?.patchKeys ?? {},
      };
    }
    case "WorkflowStepDefinition": {
      const actions = templateAt(sourceMap, `${TEMPLATE_POINTER}/actions`, template?.actions);
      return {
        ...common,
        kind: "WorkflowStepDefinition",
        ...(builtin === undefined ? {} : { builtin }),
        ...(actions === undefined ? {} : { actions }),
      };
    }
    case "PolicyDefinition":
      return { ...common, kind: "PolicyDefinition", ...(builtin === undefined ? {} : { builtin }), outputs };
  }
}

/** Holds the compiled envelope check so parsing many files compiles it once. */
export interface DefinitionParser {
  parse(
    text: string,
    file: string,
    origin: Omit<DefinitionOrigin, "file">,
  ): { readonly definitions: Definition[]; readonly issues: ValidationIssue[] };
}

/**
 * Makes a parser of definition files (pure: text in, definitions and issues out). Each document is
 * checked against the envelope schema, its `parameter` compiled, its `healthPolicy` parsed.
 */
export function createDefinitionParser(): DefinitionParser {
  const check: SchemaCheck = compileTrustedSchemaCheck(DEFINITION_SCHEMA);
  return {
    parse(text, file, origin) {
      const definitions: Definition[] = [];
      const issues: ValidationIssue[] = [];
      if (file.endsWith(".cue")) {
        let read;
        try {
          read = readCueDefinitionSource(text, file);
        } catch (error) {
          if (error instanceof ValidationError) return { definitions, issues: [...error.issues] };
          throw error;
        }
        const sourceMap: SourceMap = { file, entries: new Map() };
        const found = check(definitionObjectOf(read.input), { code: "E_DEF_INVALID", basePath: "", sourceMap });
        if (found.length > 0)
          return {
            definitions,
            issues: withStageHints(
              found.map((entry) => ({ ...entry, source: entry.source ?? { file, line: 1, column: 1 } })),
              text,
            ),
          };
        const status = read.input.spec.status;
        const statusAt = (text: string | undefined): CueTemplateSource | undefined =>
          text === undefined ? undefined : { text, file, line: 1, column: 1, indent: 0, pointer: "/spec/status" };
        const healthPolicy = statusAt(status?.healthPolicy);
        const customStatus = statusAt(status?.customStatus);
        const parts: CueParts = {
          template: read.template,
          ...(healthPolicy === undefined ? {} : { healthPolicy }),
          ...(customStatus === undefined ? {} : { customStatus }),
        };
        const before = issues.length;
        const parameterSchema = checkCue(read.input, parts, issues);
        kindRules(read.input, sourceMap, issues);
        if (issues.length === before)
          definitions.push(toDefinition(read.input, sourceMap, { ...origin, file }, parameterSchema, parts));
        return { definitions, issues };
      }
      let documents;
      try {
        documents = parseYamlDocuments(text, file);
      } catch (error) {
        if (error instanceof ValidationError) return { definitions, issues: [...error.issues] };
        throw error;
      }
      for (const document of documents) {
        const found = check(document.value, { code: "E_DEF_INVALID", basePath: "", sourceMap: document.sourceMap });
        if (found.length > 0) {
          issues.push(...withStageHints(found));
          continue;
        }
        // Checked against DEFINITION_SCHEMA just above, which describes DefinitionInput.
        const input = document.value as unknown as DefinitionInput;
        const before = issues.length;
        const cue = cuePartsOf(input, document.sourceMap, text);
        const parameterSchema =
          cue === undefined ? parameterSchemaOf(input, document.sourceMap, issues) : checkCue(input, cue, issues);
        checkStatus(input, document.sourceMap, issues);
        kindRules(input, document.sourceMap, issues);
        if (issues.length === before)
          definitions.push(toDefinition(input, document.sourceMap, { ...origin, file }, parameterSchema, cue));
      }
      return { definitions, issues };
    },
  };
}

/** Parses one definition file's text; throws every problem at once as a ValidationError. */
export function parseDefinitions(
  text: string,
  file: string,
  origin: Omit<DefinitionOrigin, "file"> = { source: "file" },
): Definition[] {
  const { definitions, issues } = createDefinitionParser().parse(text, file, origin);
  if (issues.length > 0) throw new ValidationError(issues);
  return definitions;
}
