import { UsageError } from "../errors/index.js";
import { stringify } from "yaml";
import type { TextSink } from "./context.js";

export { formatTable } from "./printers/table.js";

export type OutputFormat = "yaml" | "json";

/** Prints one value as YAML or JSON (`-o yaml|json`), always ending in a newline. */
export function printValue(sink: TextSink, value: unknown, format: OutputFormat): void {
  if (format === "json") {
    sink.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  sink.write(stringify(value, { lineWidth: 0, aliasDuplicateObjects: false }));
}

/** Prints several objects as a YAML stream (`---` between documents) or a JSON `List`. */
export function printObjects(sink: TextSink, objects: readonly unknown[], format: OutputFormat): void {
  if (format === "json") {
    sink.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 2)}\n`);
    return;
  }
  sink.write(objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n"));
}

export function parseOutputFormat(value: string | undefined, fallback: OutputFormat = "yaml"): OutputFormat {
  if (value === undefined) return fallback;
  if (value === "yaml" || value === "json") return value;
  throw new UsageError(`unknown output format "${value}"`, { hint: "use -o yaml or -o json" });
}
