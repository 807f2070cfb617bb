import { UsageError } from "../../errors/index.js";
import type { JsonValue } from "../../util/index.js";
import { compilePath, formatJsonPathValue, selectPath, type CompiledPath } from "./jsonpath-template.js";

/** One `HEADER:.json.path` column of `-o custom-columns=…`. */
export interface CustomColumn {
  readonly header: string;
  readonly path: CompiledPath;
}

/**
 * Parses kubectl's `-o custom-columns=NAME:.metadata.name,PHASE:{.status.phase}` (a path with or
 * without braces, as kubectl's relaxed JSONPath allows).
 */
export function parseCustomColumns(spec: string): readonly CustomColumn[] {
  const columns = spec.split(",").map((part) => {
    const colon = part.indexOf(":");
    if (colon <= 0 || colon === part.length - 1)
      throw new UsageError(`custom column "${part}" is not of the form HEADER:.json.path`, {
        hint: "e.g. -o custom-columns=NAME:.metadata.name,PHASE:.status.status",
      });
    const expression = part.slice(colon + 1).trim();
    const braced = /^\{(.*)\}$/.exec(expression)?.[1];
    return { header: part.slice(0, colon).trim(), path: compilePath(braced ?? expression, spec) };
  });
  if (columns.length === 0)
    throw new UsageError("-o custom-columns needs at least one column", {
      hint: "e.g. -o custom-columns=NAME:.metadata.name",
    });
  return columns;
}

/** One row per item: each column's values joined by commas, `<none>` when the path selects nothing. */
export function customColumnRows(columns: readonly CustomColumn[], items: readonly JsonValue[]): string[][] {
  return items.map((item) =>
    columns.map((column) => {
      const values = selectPath(column.path, item, item);
      return values.length === 0 ? "<none>" : values.map(formatJsonPathValue).join(",");
    }),
  );
}
