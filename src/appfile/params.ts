import type { ValidationIssue } from "../errors/index.js";
import type { CompileCache, Definition } from "../definitions/index.js";
import { compileSchemaCheck, createAjv, type IssueContext, type SchemaCheck } from "../model/index.js";
import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";

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
 * Validates properties against a definition's parameter schema: defaults applied, then every
 * declared field filled in. Returns the new value (the input is never changed) and all issues.
 */
export function validateProperties(
  definition: Definition,
  properties: JsonObject | undefined,
  cache: CompileCache,
  context: IssueContext,
): { readonly value: JsonObject; readonly issues: readonly ValidationIssue[] } {
  const check = parameterCheck(definition, cache);
  const value = cloneJson(properties ?? {});
  if (typeof check !== "function") return { value, issues: [check] };
  const issues = check(value, context);
  const filled = fillDeclaredFields(value, definition.parameterSchema);
  return { value: isJsonObject(filled) ? filled : value, issues };
}
