/** Sprig's regex functions (`regex.go`) over RE2, so no pattern can backtrack. */
import { fn, type GoFunc } from "./go-func.js";
import { compileGoRegexp, findAll, findString, matchString, quoteMeta, replaceAll, split } from "./go-regexp.js";
import { withGoType } from "./go-value.js";
import type { OutputGuard } from "./limits.js";

/** Sprig's regex functions; `must…` forms and plain ones fail alike on a bad pattern (Go panics, Helm reports it). */
export function regexFunctions(guard: OutputGuard): Record<string, GoFunc> {
  const replace = (pattern: string, text: string, replacement: string, literal: boolean): string => {
    const re = compileGoRegexp(pattern);
    if (replacement.length > 1) guard.reserve("regexReplaceAll", text.length * replacement.length);
    return replaceAll(re, text, replacement, literal);
  };
  const findAllStrings = (pattern: string, text: string, n: bigint): string[] => {
    const re = compileGoRegexp(pattern);
    return withGoType(
      findAll(re, text, Number(n)).map((match) => text.slice(match[0], match[1])),
      "[]string",
    );
  };
  const regexSplit = (pattern: string, text: string, n: bigint): string[] =>
    withGoType(split(compileGoRegexp(pattern), text, Number(n)), "[]string");
  const table: Record<string, GoFunc> = {
    regexMatch: fn(["string", "string"], (pattern, text) => matchString(compileGoRegexp(pattern), text)),
    regexFind: fn(["string", "string"], (pattern, text) => findString(compileGoRegexp(pattern), text)),
    regexFindAll: fn(["string", "string", "int"], findAllStrings),
    regexReplaceAll: fn(["string", "string", "string"], (pattern, text, replacement) =>
      replace(pattern, text, replacement, false),
    ),
    regexReplaceAllLiteral: fn(["string", "string", "string"], (pattern, text, replacement) =>
      replace(pattern, text, replacement, true),
    ),
    regexSplit: fn(["string", "string", "int"], regexSplit),
  };
  for (const [name, func] of Object.entries(table)) table[`must${name[0]?.toUpperCase() ?? ""}${name.slice(1)}`] = func;
  table["regexQuoteMeta"] = fn(["string"], quoteMeta);
  return table;
}
