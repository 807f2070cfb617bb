/**
 * Traefik's router rule language (`traefik/traefik` `pkg/muxer/http/matcher*.go`, `pkg/rules`;
 * docs `routing/routers/#rule`), v2 and v3 forms: matchers `Host`, `HostHeader`, `HostRegexp`,
 * `Path`, `PathPrefix`, `PathRegexp`, `Method`, `Headers`/`Header`, `HeadersRegexp`/`HeaderRegexp`,
 * `Query`, `QueryRegexp`, `ClientIP`; combined with `&&`, `||`, `!` and parentheses; arguments in
 * backquotes or double quotes. v2 allows several arguments (`Host(\`a\`, \`b\`)`, any of them) and
 * `{name:regexp}` placeholders in `HostRegexp`/`Path`/`PathPrefix`; v3's `Query(\`k\`, \`v\`)` and
 * v2's `Query(\`k=v\`)` are both read. `ClientIP` never matches a simulated request (it has no
 * client address). `PathPrefix` is a plain string prefix, as Traefik's is.
 */
import { ValidationError } from "../../../errors/index.js";
import { bareHost, headerValue, pathOnly, queryOf } from "./backends.js";
import type { RouteRequest } from "./types.js";

/** A parsed rule: a tree of matchers. */
export type TraefikRule =
  | { readonly op: "and" | "or"; readonly left: TraefikRule; readonly right: TraefikRule }
  | { readonly op: "not"; readonly rule: TraefikRule }
  | { readonly op: "matcher"; readonly name: string; readonly args: readonly string[] };

const MATCHERS = new Set([
  "Host",
  "HostHeader",
  "HostRegexp",
  "Path",
  "PathPrefix",
  "PathRegexp",
  "Method",
  "Headers",
  "Header",
  "HeadersRegexp",
  "HeaderRegexp",
  "Query",
  "QueryRegexp",
  "ClientIP",
]);

type Token =
  | { readonly kind: "name"; readonly text: string; readonly at: number }
  | { readonly kind: "string"; readonly text: string; readonly at: number }
  | { readonly kind: "punct"; readonly text: string; readonly at: number };

function invalid(rule: string, message: string): ValidationError {
  return new ValidationError([
    {
      code: "E_TRAEFIK_RULE",
      message: `Traefik rule ${JSON.stringify(rule)}: ${message}`,
      hint: "write matchers like Host(`example.com`) && PathPrefix(`/api`), combined with &&, || and !",
    },
  ]);
}

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const char = rule[i] ?? "";
    if (/\s/.test(char)) {
      i++;
    } else if (char === "`" || char === '"') {
      const end = rule.indexOf(char, i + 1);
      if (end < 0) throw invalid(rule, `unterminated string at column ${i + 1}`);
      tokens.push({ kind: "string", text: rule.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (rule.startsWith("&&", i) || rule.startsWith("||", i)) {
      tokens.push({ kind: "punct", text: rule.slice(i, i + 2), at: i });
      i += 2;
    } else if ("()!,".includes(char)) {
      tokens.push({ kind: "punct", text: char, at: i });
      i++;
    } else if (/[A-Za-z]/.test(char)) {
      const match = /^[A-Za-z]+/.exec(rule.slice(i));
      const text = match?.[0] ?? char;
      tokens.push({ kind: "name", text, at: i });
      i += text.length;
    } else {
      throw invalid(rule, `unexpected ${JSON.stringify(char)} at column ${i + 1}`);
    }
  }
  return tokens;
}

/** Parses a rule; throws `E_TRAEFIK_RULE` naming the column of the problem. */
export function parseTraefikRule(rule: string): TraefikRule {
  const tokens = tokenize(rule);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const expect = (text: string): void => {
    const token = tokens[position];
    if (token?.kind !== "punct" || token.text !== text)
      throw invalid(rule, `expected "${text}"${token === undefined ? " at the end" : ` at column ${token.at + 1}`}`);
    position++;
  };
  const parseOr = (): TraefikRule => {
    let left = parseAnd();
    while (peek()?.text === "||" && peek()?.kind === "punct") {
      position++;
      left = { op: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): TraefikRule => {
    let left = parseUnary();
    while (peek()?.text === "&&" && peek()?.kind === "punct") {
      position++;
      left = { op: "and", left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): TraefikRule => {
    const token = peek();
    if (token === undefined) throw invalid(rule, "unexpected end of rule");
    if (token.kind === "punct" && token.text === "!") {
      position++;
      return { op: "not", rule: parseUnary() };
    }
    if (token.kind === "punct" && token.text === "(") {
      position++;
      const inner = parseOr();
      expect(")");
      return inner;
    }
    if (token.kind !== "name") throw invalid(rule, `unexpected "${token.text}" at column ${token.at + 1}`);
    if (!MATCHERS.has(token.text))
      throw invalid(
        rule,
        `unknown matcher ${token.text} at column ${token.at + 1} (known: ${[...MATCHERS].join(", ")})`,
      );
    position++;
    expect("(");
    const args: string[] = [];
    while (peek()?.kind === "string") {
      args.push(peek()?.text ?? "");
      position++;
      if (peek()?.text === ",") position++;
      else break;
    }
    expect(")");
    if (args.length === 0) throw invalid(rule, `${token.text} needs at least one argument`);
    return { op: "matcher", name: token.text, args };
  };
  const parsed = parseOr();
  if (position < tokens.length) {
    const extra = tokens[position];
    throw invalid(rule, `unexpected "${extra?.text ?? ""}" at column ${(extra?.at ?? 0) + 1}`);
  }
  return parsed;
}

/** v2 `{name:regexp}` placeholders (and `{name}` = `[^/]+`) as a regular expression source. */
function placeholderRegex(template: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) {
      out += escape(template.slice(i));
      break;
    }
    out += escape(template.slice(i, open));
    let depth = 0;
    let close = open;
    for (; close < template.length; close++) {
      if (template[close] === "{") depth++;
      else if (template[close] === "}" && --depth === 0) break;
    }
    const inner = template.slice(open + 1, close);
    const colon = inner.indexOf(":");
    out += colon < 0 ? "[^/]+" : `(?:${inner.slice(colon + 1)})`;
    i = close + 1;
  }
  return out;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function testRegex(source: string, value: string, flags = ""): boolean {
  try {
    return new RegExp(source, flags).test(value);
  } catch {
    return false;
  }
}

function matcherHolds(name: string, args: readonly string[], request: RouteRequest): boolean {
  const host = bareHost(request.host);
  const path = pathOnly(request.path);
  switch (name) {
    case "Host":
    case "HostHeader":
      return args.some((arg) => arg.toLowerCase() === host);
    case "HostRegexp":
      return args.some((arg) =>
        arg.includes("{") ? testRegex(`^${placeholderRegex(arg)}$`, host, "i") : testRegex(arg, host, "i"),
      );
    case "Path":
      return args.some((arg) => (arg.includes("{") ? testRegex(`^${placeholderRegex(arg)}$`, path) : arg === path));
    case "PathPrefix":
      return args.some((arg) =>
        arg.includes("{") ? testRegex(`^${placeholderRegex(arg)}`, path) : path.startsWith(arg),
      );
    case "PathRegexp":
      return testRegex(args[0] ?? "", path);
    case "Method":
      return args.some((arg) => arg.toUpperCase() === "GET");
    case "Headers":
    case "Header":
      return headerValue(request.headers, args[0] ?? "") === (args[1] ?? "");
    case "HeadersRegexp":
    case "HeaderRegexp": {
      const value = headerValue(request.headers, args[0] ?? "");
      return value !== undefined && testRegex(args[1] ?? "", value);
    }
    case "Query": {
      const query = queryOf(request.path);
      if (args.length >= 2) return query[args[0] ?? ""] === args[1];
      return args.some((arg) => {
        const eq = arg.indexOf("=");
        return eq < 0 ? arg in query : query[arg.slice(0, eq)] === arg.slice(eq + 1);
      });
    }
    case "QueryRegexp": {
      const value = queryOf(request.path)[args[0] ?? ""];
      return value !== undefined && testRegex(args[1] ?? "", value);
    }
    default:
      return false;
  }
}

/** Whether a request satisfies a parsed rule. */
export function traefikRuleMatches(rule: TraefikRule, request: RouteRequest): boolean {
  switch (rule.op) {
    case "and":
      return traefikRuleMatches(rule.left, request) && traefikRuleMatches(rule.right, request);
    case "or":
      return traefikRuleMatches(rule.left, request) || traefikRuleMatches(rule.right, request);
    case "not":
      return !traefikRuleMatches(rule.rule, request);
    case "matcher":
      return matcherHolds(rule.name, rule.args, request);
  }
}
