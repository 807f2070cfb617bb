/**
 * Helm's `toToml` (BurntSushi/toml's encoder: plain keys first, then tables, nested tables indented
 * two spaces per level, float64 values always with a decimal point) and `fromToml` (smol-toml).
 */
import { parse as parseToml } from "smol-toml";
import { quoteGo } from "./format.js";
import { formatFloat, GoInt, GoTime, isGoMap, isNil, toPlainData } from "./go-value.js";

type Table = Record<string, unknown>;

function isBareKey(key: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(key);
}

function formatKey(key: string): string {
  return isBareKey(key) ? key : quoteGo(key);
}

function formatTomlFloat(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const text = formatFloat(value);
  if (/e/.test(text)) return text.replace("e+", "e");
  return Number.isInteger(value) ? `${text}.0` : text;
}

function isTableArray(value: unknown): value is Table[] {
  return Array.isArray(value) && value.length > 0 && value.every(isGoMap);
}

function inlineValue(value: unknown): string {
  if (typeof value === "string") return quoteGo(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof GoInt) return value.value.toString();
  if (typeof value === "number") return formatTomlFloat(value);
  if (value instanceof GoTime) return value.date.toISOString().replace(/\.000Z$/, "Z");
  if (Array.isArray(value))
    return `[${value
      .filter((item) => !isNil(item))
      .map(inlineValue)
      .join(", ")}]`;
  if (isGoMap(value)) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => !isNil(value[key]))
      .map((key) => `${formatKey(key)} = ${inlineValue(value[key])}`);
    return `{${entries.join(", ")}}`;
  }
  return quoteGo(String(toPlainData(value)));
}

/** Encodes a map as TOML, the way BurntSushi/toml's `Encoder` lays it out. */
export function toToml(value: unknown): string {
  if (!isGoMap(value)) return isNil(value) ? "" : "toml: top-level values must be Go maps or structs";
  const lines: string[] = [];
  const writeTable = (table: Table, path: readonly string[]): void => {
    const indent = "  ".repeat(path.length);
    const keys = Object.keys(table).sort();
    const simple = keys.filter((key) => !isNil(table[key]) && !isGoMap(table[key]) && !isTableArray(table[key]));
    for (const key of simple) lines.push(`${indent}${formatKey(key)} = ${inlineValue(table[key])}`);
    for (const key of keys) {
      const child = table[key];
      const childPath = [...path, key];
      const header = childPath.map(formatKey).join(".");
      if (isGoMap(child)) {
        if (lines.length > 0) lines.push("");
        lines.push(`${indent}[${header}]`);
        writeTable(child, childPath);
      } else if (isTableArray(child)) {
        for (const item of child) {
          if (lines.length > 0) lines.push("");
          lines.push(`${indent}[[${header}]]`);
          writeTable(item, childPath);
        }
      }
    }
  };
  writeTable(value, []);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function fromTomlValue(value: unknown): unknown {
  if (typeof value === "bigint") return new GoInt("int64", value);
  if (value instanceof Date) return new GoTime(value.getTime());
  if (Array.isArray(value)) return value.map(fromTomlValue);
  if (typeof value === "object" && value !== null) {
    const out: Table = {};
    for (const [key, item] of Object.entries(value)) out[key] = fromTomlValue(item);
    return out;
  }
  return value;
}

/** Helm's `fromToml`: a map, or `{ Error: message }` when the text is not TOML. */
export function fromToml(text: string): Table {
  try {
    return fromTomlValue(parseToml(text, { integersAsBigInt: true })) as Table;
  } catch (error) {
    return { Error: error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error) };
  }
}
