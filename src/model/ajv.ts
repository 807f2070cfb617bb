import { Ajv, type ErrorObject, type Options, type SchemaObject, type ValidateFunction } from "ajv";
import formatsModule from "ajv-formats";
import type { ErrorCode, ValidationIssue } from "../errors/index.js";
import { closestMatches, compileLinearRegExp, joinPointer, type JsonValue } from "../util/index.js";
import { locateInSource, type SourceMap } from "./parse-yaml.js";

/** Options of {@link createAjv}. */
export interface CreateAjvOptions {
  /**
   * Fill in `default`s while validating (parameters); off for checking rendered objects against CRDs.
   * @default true
   */
  readonly useDefaults?: boolean;
}

/** Kubernetes OpenAPI extensions that only annotate a schema. */
const KUBERNETES_ANNOTATION_KEYWORDS = [
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
  "x-kubernetes-group-version-kind",
  "x-kubernetes-patch-strategy",
  "x-kubernetes-patch-merge-key",
  "x-kubernetes-unions",
] as const;

/**
 * The one Ajv factory of vela-ts (STYLE §3: only `model/` builds validators). `allErrors` so every
 * problem is reported at once, `strict` off so upstream CRD schemas with unknown keywords compile,
 * `ajv-formats` for `format`, and the Kubernetes `x-kubernetes-*` keywords: `x-kubernetes-int-or-string`
 * accepts an integer or a string, the others are annotations.
 */
export function createAjv(options: CreateAjvOptions = {}): Ajv {
  const ajv = new Ajv(ajvOptionsOf(options));
  formatsModule.default(ajv);
  for (const keyword of KUBERNETES_ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword });
  ajv.addKeyword({
    keyword: "x-kubernetes-int-or-string",
    schemaType: "boolean",
    errors: false,
    validate: (enabled: boolean, data: unknown) =>
      !enabled || typeof data === "string" || (typeof data === "number" && Number.isInteger(data)),
  });
  return ajv;
}

function ajvOptionsOf(options: CreateAjvOptions): Options {
  return {
    allErrors: true,
    useDefaults: options.useDefaults ?? true,
    strict: false,
    validateFormats: true,
    allowUnionTypes: true,
    // Errors carry their schema, so messages can list the known fields and union branches.
    verbose: true,
    // Code optimisation makes compiling several times slower for little gain on these small schemas.
    // `pattern` matches with RE2 (linear time), as Kubernetes and CUE do: no schema can be a ReDoS.
    code: { optimize: false, regExp: LINEAR_REGEXP },
  };
}

const LINEAR_REGEXP = Object.assign((pattern: string) => compileLinearRegExp(pattern), {
  code: "compileLinearRegExp",
});

/** Where ajv issues go in the user's terms. */
export interface IssueContext {
  readonly code: ErrorCode;
  /** Pointer of the validated value inside the user's document, e.g. `/spec/components/0/properties`. */
  readonly basePath: string;
  /** Prefix of each message, e.g. `component "api"`. */
  readonly subject?: string;
  readonly sourceMap?: SourceMap | undefined;
  /** Full pointers whose absence is not an error (values that workflow `inputs` fill in later). */
  readonly ignoreMissing?: ReadonlySet<string>;
}

function describeSchemaType(schema: unknown): string {
  if (schema === null || typeof schema !== "object") return "a value";
  const record = schema as Record<string, unknown>;
  if (Array.isArray(record.enum)) return `one of ${record.enum.map((value) => JSON.stringify(value)).join(", ")}`;
  if (typeof record.type === "string")
    return record.type === "integer"
      ? "an integer"
      : record.type === "object"
        ? "an object"
        : record.type === "array"
          ? "a list"
          : `a ${record.type}`;
  if (Array.isArray(record.type)) return record.type.join(" or ");
  return "a value";
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function issueOf(error: ErrorObject, context: IssueContext, root: unknown): ValidationIssue {
  let path = context.basePath + error.instancePath;
  let message: string;
  let hint: string | undefined;
  const params = error.params as Record<string, unknown>;
  const got = describeValue(valueAt(root, error.instancePath));
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      path = joinPointer(path, field);
      message = `unknown field "${field}"`;
      const known = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const close = closestMatches(field, known);
      hint =
        close.length > 0
          ? `did you mean "${close[0]}"? known fields: ${known.join(", ")}`
          : known.length > 0
            ? `known fields: ${known.join(", ")}`
            : "remove it";
      break;
    }
    case "required": {
      const field = String(params.missingProperty);
      message = `missing required field "${field}"`;
      hint = `add "${field}"`;
      break;
    }
    case "type":
      message = `must be ${describeSchemaType({ type: params.type })}, got ${got}`;
      break;
    case "enum":
      message = `must be ${describeSchemaType({ enum: params.allowedValues })}, got ${got}`;
      break;
    case "anyOf":
    case "oneOf": {
      const branches = (error.schema as unknown[] | undefined) ?? [];
      message = `must be ${branches.map(describeSchemaType).join(" or ")}, got ${got}`;
      break;
    }
    case "pattern":
      message = `must match ${String(params.pattern)}, got ${got}`;
      break;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      message = `must be ${String(params.comparison)} ${String(params.limit)}, got ${got}`;
      break;
    default:
      message = `${error.message ?? "is invalid"}${got === "nothing" ? "" : `, got ${got}`}`;
  }
  // A schema may say in its description what a valid value looks like (names, limits).
  const described = (error.parentSchema as { description?: unknown } | undefined)?.description;
  if (hint === undefined && typeof described === "string" && error.keyword !== "required") hint = described;
  const field = (context.basePath + error.instancePath).slice(context.basePath.length);
  const where = field === "" ? "" : `"${field.slice(1).replaceAll("/", ".")}"`;
  const body =
    error.keyword === "additionalProperties" || error.keyword === "required"
      ? `${message}${where === "" ? "" : ` in ${where}`}`
      : `${where === "" ? "value" : `field ${where}`} ${message}`;
  const source = locateInSource(context.sourceMap, path);
  return {
    code: context.code,
    message: context.subject === undefined ? body : `${context.subject}: ${body}`,
    path,
    ...(source === undefined ? {} : { source }),
    ...(hint === undefined ? {} : { hint }),
  };
}

function valueAt(root: unknown, instancePath: string): unknown {
  let current = root;
  if (instancePath === "") return current;
  for (const raw of instancePath.slice(1).split("/")) {
    const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Turns ajv errors into user-facing issues: one per problem, the sub-errors of a failed `anyOf`
 * folded into it, each with a pointer into the user's document and its source location.
 */
export function issuesFromAjv(
  errors: readonly ErrorObject[] | null | undefined,
  context: IssueContext,
  root: unknown,
): ValidationIssue[] {
  if (errors === null || errors === undefined) return [];
  const unions = errors
    .filter((error) => error.keyword === "anyOf" || error.keyword === "oneOf")
    .map((error) => error.schemaPath);
  const ignored = (error: ErrorObject): boolean =>
    error.keyword === "required" &&
    context.ignoreMissing !== undefined &&
    context.ignoreMissing.has(
      joinPointer(
        context.basePath + error.instancePath,
        String((error.params as Record<string, unknown>).missingProperty),
      ),
    );
  const kept = errors.filter(
    (error) =>
      error.keyword !== "if" && !ignored(error) && !unions.some((prefix) => error.schemaPath.startsWith(`${prefix}/`)),
  );
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of kept) {
    const issue = issueOf(error, context, root);
    const key = `${issue.path ?? ""}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

/** A compiled schema check that returns issues instead of throwing. */
export type SchemaCheck = (value: JsonValue, context: IssueContext) => ValidationIssue[];

/**
 * Compiles a JSON Schema into a {@link SchemaCheck}. With `useDefaults` (the default) the check fills
 * in defaults in `value` in place, so pass a copy.
 */
export function compileSchemaCheck(ajv: Ajv, schema: SchemaObject): SchemaCheck {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value, context) => (validate(value) ? [] : issuesFromAjv(validate.errors, context, value));
}

let trustedAjv: Ajv | undefined;
const trustedChecks = new WeakMap<SchemaObject, SchemaCheck>();

/**
 * Compiles one of vela-ts's own schemas (the Application and definition envelopes), once per
 * process and without checking it against the JSON Schema meta-schema: compiling the meta-schema
 * costs more than the schema itself, and these schemas are checked by the tests instead.
 * Never pass a user's schema here.
 */
export function compileTrustedSchemaCheck(schema: SchemaObject): SchemaCheck {
  const known = trustedChecks.get(schema);
  if (known !== undefined) return known;
  trustedAjv ??= new Ajv({ ...ajvOptionsOf({ useDefaults: false }), validateSchema: false });
  const check = compileSchemaCheck(trustedAjv, schema);
  trustedChecks.set(schema, check);
  return check;
}
