import { CueError, formatPosition } from "../cue/index.js";
import type { ValidationIssue } from "../errors/index.js";
import { checkCueParameter, compileDefinitionCue, type CompileCache, type Definition } from "../definitions/index.js";
import { compileSchemaCheck, createAjv, locateInSource, type IssueContext, type SchemaCheck } from "../model/index.js";
import { cloneJson, isJsonObject, joinPointer, type JsonObject, type JsonValue } from "../util/index.js";

/** The parameter check of a definition, compiled once per registry cache. */
function parameterCheck(definition: Definition, cache: CompileCache): SchemaCheck | ValidationIssue {
  return cache.get(`params/${definition.kind}/${definition.name}`, (): SchemaCheck | ValidationIssue => {
    const ajv = cache.get("ajv/params", () => createAjv());
    try {
      return compileSchemaCheck(ajv, definition.parameterSchema);
    } catch (error) {
      return {
        code: "E_DEF_INVALID",
        message: `definition "${definition.name}": its parameter schema does not compile: ${error instanceof Error ? error.message : String(error)}`,
        source: { file: definition.origin.file, line: 1, column: 1 },
        hint: "fix parameterSchema (plain JSON Schema draft-07)",
      };
    }
  });
}

/**
 * Every field a schema declares, present: absent optional fields become `null`, recursively through
 * structs, lists of structs and maps of structs. Templates run in strict mode, so `{{parameter.x}}`
 * of an undeclared field fails while a declared but unset one is null.
 */
export function fillDeclaredFields(value: JsonValue, schema: JsonValue | undefined): JsonValue {
  if (!isJsonObject(schema)) return value;
  if (Array.isArray(value)) {
    const items = schema.items;
    return isJsonObject(items) ? value.map((item) => fillDeclaredFields(item, items)) : value;
  }
  if (!isJsonObject(value)) return value;
  const properties = isJsonObject(schema.properties) ? schema.properties : undefined;
  const additional = isJsonObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
  if (properties === undefined && additional === undefined) return value;
  const result: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    result[key] = fillDeclaredFields(member, properties?.[key] ?? additional);
  }
  for (const key of Object.keys(properties ?? {})) {
    if (!(key in result)) result[key] = null;
  }
  return result;
}

/**
 * KubeVela's parameter check of a CUE definition: the properties are unified with the template's
 * `parameter` (with what is known of `context` at bind time); conflicts and required fields left
 * unset are issues at the property's place in the user's file; the value is `parameter` with its
 * defaults.
 */
function validateCueProperties(
  definition: Definition & { readonly cue: NonNullable<Definition["cue"]> },
  properties: JsonObject,
  cache: CompileCache,
  context: IssueContext,
  templateContext: JsonObject,
): { readonly value: JsonObject; readonly issues: readonly ValidationIssue[] } {
  const subject = context.subject === undefined ? "" : `${context.subject}: `;
  let checked;
  try {
    checked = checkCueParameter(compileDefinitionCue(definition.cue, cache), properties, {
      context: templateContext,
      ignoreMissing: (labels) => context.ignoreMissing?.has(joinPointer(context.basePath, ...labels)) === true,
    });
  } catch (error) {
    if (!(error instanceof CueError)) throw error;
    const position = error.problems[0]?.positions[0];
    return {
      value: properties,
      issues: [
        {
          code: "E_TEMPLATE",
          message: `${subject}definition "${definition.name}": ${error.message}`,
          ...(position === undefined ? {} : { source: position }),
          hint: "fix the definition's CUE template",
        },
      ],
    };
  }
  const issues = checked.problems.map((problem): ValidationIssue => {
    const path = joinPointer(context.basePath, ...problem.labels);
    // Without the user's file (a sample app of def vet) the declaration is the place to look.
    const source = locateInSource(context.sourceMap, path) ?? problem.declaredAt;
    const name = problem.labels.join(".");
    const declared = problem.declaredAt === undefined ? "" : ` (declared at ${formatPosition(problem.declaredAt)})`;
    return {
      code: context.code,
      message:
        problem.kind === "missing"
          ? `${subject}property "${name}" is required but not set`
          : `${subject}property "${name}": ${problem.message}`,
      path,
      ...(source === undefined ? {} : { source }),
      hint:
        problem.kind === "missing"
          ? `set ${name}: the definition "${definition.name}" declares it without a default${declared}`
          : `the value does not fit the definition "${definition.name}"'s parameter${declared}`,
    };
  });
  return { value: checked.value, issues };
}

/**
 * Validates properties against a definition's parameter schema: defaults applied, then every
 * declared field filled in. Returns the new value (the input is never changed) and all issues.
 * A CUE definition's properties are checked by unification with its `parameter` instead
 * (`templateContext` is what the template sees as `context` at bind time).
 */
export function validateProperties(
  definition: Definition,
  properties: JsonObject | undefined,
  cache: CompileCache,
  context: IssueContext,
  templateContext: JsonObject = {},
): { readonly value: JsonObject; readonly issues: readonly ValidationIssue[] } {
  if (definition.cue !== undefined)
    return validateCueProperties(
      { ...definition, cue: definition.cue },
      cloneJson(properties ?? {}),
      cache,
      context,
      templateContext,
    );
  const check = parameterCheck(definition, cache);
  const value = cloneJson(properties ?? {});
  if (typeof check !== "function") return { value, issues: [check] };
  const issues = check(value, context);
  const filled = fillDeclaredFields(value, definition.parameterSchema);
  return { value: isJsonObject(filled) ? filled : value, issues };
}
