/**
 * `values.schema.json` checks (Helm's `chartutil.ValidateAgainstSchema`): each chart's schema is
 * checked against the values it renders with, the root and every enabled subchart, and all failures
 * are reported together in Helm's wording.
 */
import { createAjv } from "../model/index.js";
import { ChartError } from "./errors.js";
import { toPlainData } from "./template/go-value.js";
import type { LoadedChart } from "./chart.js";
import type { ScopedChart } from "./values.js";

type ValidateFunction = ReturnType<ReturnType<typeof createAjv>["compile"]>;
type ErrorObject = NonNullable<ValidateFunction["errors"]>[number];

const compiled = new WeakMap<LoadedChart, ValidateFunction>();

function validatorOf(chart: LoadedChart): ValidateFunction | undefined {
  if (chart.schema === undefined) return undefined;
  const cached = compiled.get(chart);
  if (cached !== undefined) return cached;
  let validate: ValidateFunction;
  try {
    const schema = { ...(chart.schema as Record<string, unknown>) };
    delete schema["$schema"];
    delete schema["$id"];
    validate = createAjv({ useDefaults: false }).compile(schema);
  } catch (error) {
    throw new ChartError(
      "E_CHART_LOAD",
      `invalid values.schema.json: ${error instanceof Error ? error.message : String(error)}`,
      {
        source: { file: `${chart.origin}/values.schema.json`, line: 1, column: 1 },
        hint: "values.schema.json must be a JSON Schema",
      },
    );
  }
  compiled.set(chart, validate);
  return validate;
}

function field(error: ErrorObject): string {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
  return path === "" ? "(root)" : path;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** One failure as gojsonschema words it (`- replicaCount: Invalid type. Expected: integer, given: string`). */
function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "type":
      return `${field(error)}: Invalid type. Expected: ${String(params["type"])}, given: ${typeName(error.data)}`;
    case "required":
      return `${field(error)}: ${String(params["missingProperty"])} is required`;
    case "additionalProperties":
      return `${field(error)}: Additional property ${String(params["additionalProperty"])} is not allowed`;
    case "enum": {
      const allowed = ((params["allowedValues"] as unknown[] | undefined) ?? []).map((v) => JSON.stringify(v));
      return `${field(error)}: ${field(error).split(".").pop() ?? ""} must be one of the following: ${allowed.join(", ")}`;
    }
    case "minimum":
      return `${field(error)}: Must be greater than or equal to ${String(params["limit"])}`;
    case "maximum":
      return `${field(error)}: Must be less than or equal to ${String(params["limit"])}`;
    case "pattern":
      return `${field(error)}: Does not match pattern '${String(params["pattern"])}'`;
    case "contains":
      return `${field(error)}: At least one of the items must match`;
    default:
      return `${field(error)}: ${error.message ?? error.keyword}`;
  }
}

/**
 * gojsonschema's order and selection: a failed `contains` comes first, followed by the failures of the
 * first item it tried (Ajv lists every item's failures before the `contains` one); `if` is not reported.
 */
function gojsonschemaOrder(errors: readonly ErrorObject[]): ErrorObject[] {
  let out = errors.filter((e) => e.keyword !== "if");
  for (const contains of out.filter((e) => e.keyword === "contains")) {
    const prefix = `${contains.schemaPath}/`;
    const items = out.filter((e) => e.schemaPath.startsWith(prefix));
    const first = items[0]?.instancePath;
    const kept = items.filter((e) => e.instancePath === first || e.instancePath.startsWith(`${first ?? ""}/`));
    const group = new Set([contains, ...items]);
    const at = out.findIndex((e) => group.has(e));
    const rest = out.filter((e) => !group.has(e));
    out = [...rest.slice(0, at), contains, ...kept, ...rest.slice(at)];
  }
  return out;
}

function collect(scoped: ScopedChart, out: string[]): void {
  const validate = validatorOf(scoped.chart);
  if (validate !== undefined && !validate(toPlainData(scoped.values))) {
    const lines = gojsonschemaOrder(validate.errors ?? []).map((e) => `- ${describe(e)}\n`);
    out.push(`${scoped.resolved.metadata.name}:\n${lines.join("")}`);
  }
  for (const sub of scoped.subcharts) collect(sub, out);
}

/** Throws Helm's "values don't meet the specifications of the schema(s)" error when any chart's schema fails. */
export function validateValuesSchemas(scoped: ScopedChart): void {
  const failures: string[] = [];
  collect(scoped, failures);
  if (failures.length === 0) return;
  throw new ChartError(
    "E_CHART_VALUES",
    `values don't meet the specifications of the schema(s) in the following chart(s):\n${failures.join("")}`,
    { hint: "fix the values (or --set) so they match the chart's values.schema.json" },
  );
}
