import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { stringify } from "yaml";
import { NotFoundError, UsageError } from "../../errors/index.js";
import { closestMatches, type JsonValue } from "../../util/index.js";
import type { CliContext, TextSink } from "../context.js";
import type { Style } from "../terminal/style.js";
import { formatTable } from "./table.js";

/** What `-o` asked for, parsed and checked. */
export type OutputSpec =
  | { readonly kind: "default" }
  | { readonly kind: "wide" }
  | { readonly kind: "yaml" }
  | { readonly kind: "json" }
  | { readonly kind: "name" }
  | { readonly kind: "jsonpath"; print(root: JsonValue): string }
  | {
      readonly kind: "custom-columns";
      readonly headers: readonly string[];
      rows(items: readonly JsonValue[]): string[][];
    };

/** The `-o` formats every read command takes, as `--help` lists them. */
export const OUTPUT_FORMATS = [
  "yaml",
  "json",
  "wide",
  "name",
  "jsonpath=TEMPLATE",
  "jsonpath-file=FILE",
  "jsonpath-as-json=TEMPLATE",
  "custom-columns=SPEC",
  "custom-columns-file=FILE",
] as const;

/** The help text of `-o, --output` on read commands. */
export const OUTPUT_HELP =
  "yaml, json, wide, name, jsonpath=TEMPLATE, custom-columns=SPEC (kubectl's; also jsonpath-file=, jsonpath-as-json=, custom-columns-file=)";

function readSpecFile(ctx: Pick<CliContext, "cwd">, file: string, flag: string): string {
  const path = isAbsolute(file) ? file : resolve(ctx.cwd, file);
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new NotFoundError("E_FILE_NOT_FOUND", `-o ${flag}=${file}: cannot read ${file}`, { hint: "check the path" });
  }
}

/** `custom-columns-file`: a header line of column names and a line of paths, as kubectl reads it. */
function customColumnsFromFile(text: string): string {
  const [headers = "", paths = ""] = text.split("\n").filter((line) => line.trim() !== "");
  const names = headers.trim().split(/\s+/);
  const expressions = paths.trim().split(/\s+/);
  if (names.length !== expressions.length)
    throw new UsageError("custom-columns-file: the header line and the path line have different column counts", {
      hint: "write two lines: NAME PHASE, then .metadata.name .status.status",
    });
  return names.map((name, index) => `${name}:${expressions[index] ?? ""}`).join(",");
}

/**
 * Parses `-o`: `yaml`, `json`, `wide`, `name`, `jsonpath=…`, `jsonpath-file=…`, `jsonpath-as-json=…`,
 * `custom-columns=…`, `custom-columns-file=…` (kubectl's names and syntax). `allowed` narrows the
 * plain formats a command offers. The JSONPath engine loads only when a template is given, so other
 * commands start without it.
 */
export async function parseOutputSpec(
  value: string | undefined,
  ctx: Pick<CliContext, "cwd">,
  allowed: readonly string[] = ["yaml", "json", "wide", "name"],
): Promise<OutputSpec> {
  if (value === undefined || value === "") return { kind: "default" };
  const equals = value.indexOf("=");
  const name = equals < 0 ? value : value.slice(0, equals);
  const argument = equals < 0 ? undefined : value.slice(equals + 1);
  const needsArgument = (): string => {
    if (argument === undefined || argument === "")
      throw new UsageError(`-o ${name} needs a value: -o ${name}=…`, {
        hint: name.startsWith("jsonpath")
          ? "e.g. -o jsonpath='{.metadata.name}'"
          : "e.g. -o custom-columns=NAME:.metadata.name",
      });
    return argument;
  };
  switch (name) {
    case "jsonpath":
    case "jsonpath-as-json":
    case "jsonpath-file": {
      const text =
        name === "jsonpath-file" ? readSpecFile(ctx, needsArgument(), name).replace(/\n$/, "") : needsArgument();
      const jsonpath = await import("./jsonpath-template.js");
      const template = jsonpath.parseJsonPathTemplate(text);
      return {
        kind: "jsonpath",
        print: (root) =>
          name === "jsonpath-as-json"
            ? jsonpath.executeJsonPathTemplateAsJson(template, root)
            : jsonpath.executeJsonPathTemplate(template, root),
      };
    }
    case "custom-columns":
    case "custom-columns-file": {
      const spec =
        name === "custom-columns" ? needsArgument() : customColumnsFromFile(readSpecFile(ctx, needsArgument(), name));
      const { customColumnRows, parseCustomColumns } = await import("./custom-columns.js");
      const columns = parseCustomColumns(spec);
      return {
        kind: "custom-columns",
        headers: columns.map((column) => column.header),
        rows: (items) => customColumnRows(columns, items),
      };
    }
    default:
      if (argument === undefined && allowed.includes(name)) return { kind: name as "yaml" | "json" | "wide" | "name" };
  }
  const known = [...allowed, ...OUTPUT_FORMATS.slice(4).map((format) => format.split("=")[0] ?? "")];
  const close = closestMatches(name, known);
  const suggestion = close.length > 0 ? `did you mean ${close.map((format) => `"${format}"`).join(", ")}? ` : "";
  throw new UsageError(`unknown output format "${value}"`, {
    hint: `${suggestion}use -o ${allowed.join("|")}|jsonpath=…|custom-columns=…`,
  });
}

/** What a read command shows: data for the machine formats, names, and the human text. */
export interface Printable {
  /** What `yaml`, `json`, `jsonpath` and `custom-columns` see: one object, or a list (printed as a v1 `List`). */
  readonly data: { readonly object: unknown } | { readonly items: readonly unknown[] };
  /** `-o name` lines: `application.core.oam.dev/demo-app`. */
  names(): readonly string[];
  /** The default text and `-o wide` (more columns or detail). */
  human(options: { readonly wide: boolean; readonly style: Style }): string;
  /** Said on stderr instead of an empty table: `No applications found in default namespace.` */
  readonly emptyMessage?: string;
  /** `-o yaml` when it is not the data as one YAML document (manifest streams with headers). */
  yaml?(): string;
  /** `-o json` when it is not the data as one JSON document. */
  json?(): string;
}

/** A list's data as kubectl prints it: `apiVersion: v1, kind: List, items`. */
export function listOf(items: readonly unknown[]): JsonValue {
  return { apiVersion: "v1", kind: "List", items: [...items] as JsonValue[] };
}

/** The data as JSON (read commands hold plain JSON data: API objects and summaries). */
function dataValue(printable: Printable): JsonValue {
  return "object" in printable.data ? (printable.data.object as JsonValue) : listOf(printable.data.items);
}

/** The YAML kubectl would print for one value. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Prints a read command's result as `-o` asked. `style` colours the human text only. */
export function printResult(out: TextSink, err: TextSink, spec: OutputSpec, printable: Printable, style: Style): void {
  const empty = "items" in printable.data && printable.data.items.length === 0;
  switch (spec.kind) {
    case "default":
    case "wide":
      if (empty && printable.emptyMessage !== undefined) err.write(`${printable.emptyMessage}\n`);
      else out.write(printable.human({ wide: spec.kind === "wide", style }));
      return;
    case "yaml":
      out.write(printable.yaml?.() ?? toYaml(dataValue(printable)));
      return;
    case "json":
      out.write(printable.json?.() ?? `${JSON.stringify(dataValue(printable), null, 2)}\n`);
      return;
    case "name":
      out.write(
        printable
          .names()
          .map((name) => `${name}\n`)
          .join(""),
      );
      return;
    case "jsonpath":
      out.write(spec.print(dataValue(printable)));
      return;
    case "custom-columns": {
      const items = ("object" in printable.data ? [printable.data.object] : printable.data.items) as JsonValue[];
      if (items.length === 0 && printable.emptyMessage !== undefined) err.write(`${printable.emptyMessage}\n`);
      else out.write(formatTable(spec.headers, spec.rows(items)));
      return;
    }
  }
}

/** `group`-qualified resource of an apiVersion and kind, as `-o name` prints it: `deployment.apps`. */
export function resourceNameOf(apiVersion: string | undefined, kind: string | undefined): string {
  const slash = (apiVersion ?? "").indexOf("/");
  const group = slash < 0 ? "" : (apiVersion ?? "").slice(0, slash);
  const resource = (kind ?? "").toLowerCase();
  return group === "" ? resource : `${resource}.${group}`;
}
