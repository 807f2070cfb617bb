/**
 * Go's `regexp` over RE2 (re2js): the same syntax (`(?i)`, `(?P<name>…)`, `\z`, no backreferences)
 * and linear-time matching, so a chart's pattern cannot backtrack for minutes. `FindAll`, `Split`,
 * `ReplaceAll` and `Expand` follow Go's rules for empty matches and `$name` templates.
 */
import { RE2JS } from "re2js";

/** A compiled pattern (cached: charts reuse the same few patterns on every render). */
export interface GoRegexp {
  readonly source: string;
  readonly re: RE2JS;
  readonly names: Readonly<Record<string, number>>;
}

const cache = new Map<string, GoRegexp>();
const CACHE_LIMIT = 500;

/** A pattern Go's `regexp.Compile` rejects. */
export class RegexpSyntaxError extends Error {}

/** Go's `regexp.Compile`. */
export function compileGoRegexp(pattern: string): GoRegexp {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RegexpSyntaxError(reason.startsWith("error parsing regexp") ? reason : `error parsing regexp: ${reason}`);
  }
  const compiled = { source: pattern, re, names: re.namedGroups() };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

/** One match: `[start, end]` of the whole match then of each group (-1 when a group did not take part). */
type Match = number[];

function matchAt(re: GoRegexp, text: string, from: number): Match | undefined {
  const matcher = re.re.matcher(text);
  if (!matcher.find(from)) return undefined;
  const out: number[] = [];
  for (let group = 0; group <= matcher.groupCount(); group++) out.push(matcher.start(group), matcher.end(group));
  return out;
}

function width(text: string, at: number): number {
  const code = text.codePointAt(at);
  return code === undefined ? 1 : code > 0xffff ? 2 : 1;
}

/** Go's `FindAllStringSubmatchIndex` loop: an empty match right after a previous match is skipped. */
export function findAll(re: GoRegexp, text: string, limit: number): Match[] {
  const out: Match[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((limit < 0 || out.length < limit) && pos <= text.length) {
    const match = matchAt(re, text, pos);
    if (match === undefined) break;
    const [start = 0, end = 0] = match;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      pos += pos < text.length ? width(text, pos) : 1;
    } else pos = end;
    prevEnd = end;
    if (accept) out.push(match);
  }
  return out;
}

/** Go's `MatchString`. */
export function matchString(re: GoRegexp, text: string): boolean {
  return re.re.matcher(text).find();
}

/** Go's `FindString`. */
export function findString(re: GoRegexp, text: string): string {
  const match = matchAt(re, text, 0);
  return match === undefined ? "" : text.slice(match[0], match[1]);
}

/** Go's `Split`. */
export function split(re: GoRegexp, text: string, n: number): string[] {
  if (n === 0) return [];
  if (re.source.length > 0 && text.length === 0) return [""];
  const matches = findAll(re, text, n);
  const out: string[] = [];
  let begin = 0;
  let end = 0;
  for (const match of matches) {
    if (n > 0 && out.length === n - 1) break;
    end = match[0] ?? 0;
    if ((match[1] ?? 0) !== 0) out.push(text.slice(begin, end));
    begin = match[1] ?? 0;
  }
  if (end !== text.length) out.push(text.slice(begin));
  return out;
}

/** Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`; the longest name wins (`$1W` is group "1W"). */
export function expand(re: GoRegexp, template: string, text: string, match: Match): string {
  let out = "";
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf("$");
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar);
    if (rest.startsWith("$$")) {
      out += "$";
      rest = rest.slice(2);
      continue;
    }
    const reference = /^\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/.exec(rest);
    if (reference === null) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    rest = rest.slice(reference[0].length);
    const name = reference[1] ?? reference[2] ?? "";
    const group = /^\d+$/.test(name) ? (name.length > 8 ? -1 : Number(name)) : (re.names[name] ?? -1);
    const start = match[2 * group];
    const end = match[2 * group + 1];
    if (group >= 0 && start !== undefined && end !== undefined && start >= 0) out += text.slice(start, end);
  }
  return out + rest;
}

/** Go's `ReplaceAllString` (template expanded per match) or `ReplaceAllLiteralString`. */
export function replaceAll(re: GoRegexp, text: string, replacement: string, literal: boolean): string {
  let out = "";
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= text.length) {
    const match = matchAt(re, text, searchPos);
    if (match === undefined) break;
    const [start = 0, end = 0] = match;
    out += text.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += literal ? replacement : expand(re, replacement, text, match);
    lastEnd = end;
    const step = searchPos < text.length ? width(text, searchPos) : 1;
    if (searchPos + step > end) searchPos += step;
    else searchPos = end;
  }
  return out + text.slice(lastEnd);
}

/** Go's `regexp.QuoteMeta`. */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}
