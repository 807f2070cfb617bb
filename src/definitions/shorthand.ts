/**
 * The `parameter` shorthand of definitions compiled to JSON Schema (the syntax is described below,
 * above the options). One file because it is one small language: its tokens, its parser and the
 * schema it produces change together.
 */
import { ValidationError, type ValidationIssue } from "../errors/index.js";
import { commentAt, locateInSource, type SourceMap } from "../model/index.js";
import { displayText, isJsonObject, joinPointer, type JsonObject, type JsonValue } from "../util/index.js";

/**
 * The CUE-like `parameter` shorthand of docs/definitions.md, compiled to JSON Schema:
 * `string | int | number | bool`, `*default | type`, enums `"a" | "b"`, bounds `int & >=0`,
 * patterns `string & =~"re"`, lists `[...T]`, maps `{[string]: T}`, `{...}`, `_`, unions; mappings
 * are structs, keys ending in `?` are optional, `# +usage=` comments become descriptions.
 */

/** Options of {@link compileShorthand}. */
export interface CompileShorthandOptions {
  /** Source map of the definition document, for `# +usage=` comments and error locations. */
  readonly sourceMap?: SourceMap;
  /**
   * Pointer of `parameter` inside the definition document.
   * @default "/spec/schematic/template/parameter"
   */
  readonly pointer?: string;
}

type Token =
  | { readonly kind: "op"; readonly text: string }
  | { readonly kind: "ident"; readonly text: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string };

type Expr =
  | { readonly kind: "union"; readonly branches: readonly { readonly expr: Expr; readonly isDefault: boolean }[] }
  | { readonly kind: "and"; readonly parts: readonly Expr[] }
  | { readonly kind: "type"; readonly name: string }
  | { readonly kind: "literal"; readonly value: JsonValue }
  | { readonly kind: "bound"; readonly op: string; readonly value: JsonValue }
  | { readonly kind: "list"; readonly item: Expr }
  | { readonly kind: "map"; readonly value: Expr }
  | { readonly kind: "anyObject" };

class ShorthandSyntaxError extends Error {}

const OPERATORS = [
  "...",
  ">=",
  "<=",
  "!=",
  "=~",
  "!~",
  "*",
  "|",
  "&",
  "[",
  "]",
  "{",
  "}",
  "(",
  ")",
  ":",
  ",",
  ">",
  "<",
] as const;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at] ?? "";
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    if (char === '"') {
      let end = at + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (end >= text.length) throw new ShorthandSyntaxError(`unterminated string starting at column ${at + 1}`);
      const raw = text.slice(at, end + 1);
      try {
        tokens.push({ kind: "string", value: JSON.parse(raw) as string });
      } catch {
        throw new ShorthandSyntaxError(`invalid string ${raw}`);
      }
      at = end + 1;
      continue;
    }
    const number = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(at));
    if (number !== null && (char !== "-" || tokens.length === 0 || tokens[tokens.length - 1]?.kind === "op")) {
      tokens.push({ kind: "number", value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(at));
    if (ident !== null) {
      tokens.push({ kind: "ident", text: ident[0] });
      at += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, at));
    if (op === undefined) throw new ShorthandSyntaxError(`unexpected character "${char}" at column ${at + 1}`);
    tokens.push({ kind: "op", text: op });
    at += op.length;
  }
  return tokens;
}

const TYPE_NAMES = new Set(["string", "int", "number", "float", "bool", "bytes", "_", "null", "uint"]);

class Parser {
  private at = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expr {
    if (this.tokens.length === 0) throw new ShorthandSyntaxError("empty type");
    const expr = this.union();
    const rest = this.tokens[this.at];
    if (rest !== undefined) throw new ShorthandSyntaxError(`unexpected ${describeToken(rest)}`);
    return expr;
  }

  private peekOp(text: string): boolean {
    const token = this.tokens[this.at];
    return token?.kind === "op" && token.text === text;
  }

  private expectOp(text: string): void {
    if (!this.peekOp(text)) {
      const token = this.tokens[this.at];
      throw new ShorthandSyntaxError(
        `expected "${text}", got ${token === undefined ? "end of text" : describeToken(token)}`,
      );
    }
    this.at++;
  }

  private union(): Expr {
    const branches: { expr: Expr; isDefault: boolean }[] = [];
    for (;;) {
      const isDefault = this.peekOp("*");
      if (isDefault) this.at++;
      branches.push({ expr: this.conjunction(), isDefault });
      if (!this.peekOp("|")) break;
      this.at++;
    }
    const only = branches[0];
    return branches.length === 1 && only !== undefined && !only.isDefault ? only.expr : { kind: "union", branches };
  }

  private conjunction(): Expr {
    const parts = [this.atom()];
    while (this.peekOp("&")) {
      this.at++;
      parts.push(this.atom());
    }
    const only = parts[0];
    return parts.length === 1 && only !== undefined ? only : { kind: "and", parts };
  }

  private atom(): Expr {
    const token = this.tokens[this.at];
    if (token === undefined) throw new ShorthandSyntaxError("unexpected end of text");
    this.at++;
    switch (token.kind) {
      case "number":
        return { kind: "literal", value: token.value };
      case "string":
        return { kind: "literal", value: token.value };
      case "ident":
        if (token.text === "true" || token.text === "false") return { kind: "literal", value: token.text === "true" };
        if (TYPE_NAMES.has(token.text))
          return token.text === "null" ? { kind: "literal", value: null } : { kind: "type", name: token.text };
        throw new ShorthandSyntaxError(`unknown type "${token.text}"`);
      case "op":
        return this.operatorAtom(token.text);
    }
  }

  private operatorAtom(text: string): Expr {
    switch (text) {
      case ">=":
      case "<=":
      case ">":
      case "<":
      case "!=":
      case "=~":
      case "!~": {
        const operand = this.tokens[this.at];
        if (operand === undefined || (operand.kind !== "number" && operand.kind !== "string"))
          throw new ShorthandSyntaxError(`"${text}" needs a number or a string after it`);
        this.at++;
        if ((text === "=~" || text === "!~") && operand.kind !== "string")
          throw new ShorthandSyntaxError(`"${text}" needs a quoted regular expression`);
        if (text !== "!=" && text !== "=~" && text !== "!~" && operand.kind !== "number")
          throw new ShorthandSyntaxError(`"${text}" needs a number`);
        return { kind: "bound", op: text, value: operand.value };
      }
      case "(": {
        const inner = this.union();
        this.expectOp(")");
        return inner;
      }
      case "[":
        return this.listAtom();
      case "{":
        return this.structAtom();
      default:
        throw new ShorthandSyntaxError(`unexpected "${text}"`);
    }
  }

  private listAtom(): Expr {
    if (this.peekOp("...")) {
      this.at++;
      const item = this.union();
      this.expectOp("]");
      return { kind: "list", item };
    }
    const values: JsonValue[] = [];
    while (!this.peekOp("]")) {
      const item = this.atom();
      if (item.kind !== "literal")
        throw new ShorthandSyntaxError("a list is written [...type]; a list value may hold only literals");
      values.push(item.value);
      if (!this.peekOp("]")) this.expectOp(",");
    }
    this.at++;
    return { kind: "literal", value: values };
  }

  private structAtom(): Expr {
    if (this.peekOp("...")) {
      this.at++;
      this.expectOp("}");
      return { kind: "anyObject" };
    }
    if (this.peekOp("}")) {
      this.at++;
      return { kind: "literal", value: {} };
    }
    this.expectOp("[");
    const keyType = this.tokens[this.at];
    if (keyType?.kind !== "ident" || keyType.text !== "string")
      throw new ShorthandSyntaxError("a map is written {[string]: type}");
    this.at++;
    this.expectOp("]");
    this.expectOp(":");
    const value = this.union();
    this.expectOp("}");
    return { kind: "map", value };
  }
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case "op":
    case "ident":
      return `"${token.text}"`;
    case "number":
      return `number ${token.value}`;
    case "string":
      return `string ${JSON.stringify(token.value)}`;
  }
}

function typeSchema(name: string): JsonObject {
  switch (name) {
    case "string":
    case "bytes":
      return { type: "string" };
    case "int":
      return { type: "integer" };
    case "uint":
      return { type: "integer", minimum: 0 };
    case "number":
    case "float":
      return { type: "number" };
    case "bool":
      return { type: "boolean" };
    default:
      return {};
  }
}

function literalType(value: JsonValue): JsonObject {
  if (value === null) return { type: "null" };
  if (Array.isArray(value)) return { type: "array" };
  if (typeof value === "object") return { type: "object" };
  if (typeof value === "number") return { type: Number.isInteger(value) ? "integer" : "number" };
  return { type: typeof value === "boolean" ? "boolean" : "string" };
}

function boundSchema(op: string, value: JsonValue): JsonObject {
  switch (op) {
    case ">=":
      return { minimum: value };
    case ">":
      return { exclusiveMinimum: value };
    case "<=":
      return { maximum: value };
    case "<":
      return { exclusiveMaximum: value };
    case "=~":
      return { pattern: value };
    case "!~":
      return { not: { pattern: value } };
    default:
      return { not: { const: value } };
  }
}

function mergeAll(parts: readonly JsonObject[]): JsonObject {
  const merged: JsonObject = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key === "not" && merged.not !== undefined) {
        merged.allOf = [...((merged.allOf as JsonValue[] | undefined) ?? []), { not: value }];
        continue;
      }
      if (key === "type" && merged.type !== undefined && merged.type !== value) {
        if (merged.type === "number" && value === "integer") {
          merged.type = value;
          continue;
        }
        if (merged.type === "integer" && value === "number") continue;
        throw new ShorthandSyntaxError(`"&" of ${displayText(merged.type)} and ${displayText(value)} can never match`);
      }
      merged[key] = value;
    }
  }
  return merged;
}

function exprSchema(expr: Expr): JsonObject {
  switch (expr.kind) {
    case "type":
      return typeSchema(expr.name);
    case "literal":
      return { ...literalType(expr.value), const: expr.value };
    case "bound":
      return boundSchema(expr.op, expr.value);
    case "list":
      return { type: "array", items: exprSchema(expr.item) };
    case "map":
      return { type: "object", additionalProperties: exprSchema(expr.value) };
    case "anyObject":
      return { type: "object" };
    case "and":
      return mergeAll(expr.parts.map(exprSchema));
    case "union":
      return unionSchema(expr);
  }
}

function unionSchema(expr: Extract<Expr, { kind: "union" }>): JsonObject {
  const defaults = expr.branches.filter((branch) => branch.isDefault);
  if (defaults.length > 1) throw new ShorthandSyntaxError("only one branch may be marked as the default with *");
  const defaultBranch = defaults[0];
  if (defaultBranch !== undefined && defaultBranch.expr.kind !== "literal")
    throw new ShorthandSyntaxError('the default (after *) must be a value such as 8080, "a" or true');
  const defaultValue = defaultBranch?.expr.kind === "literal" ? defaultBranch.expr.value : undefined;
  const literals: JsonValue[] = [];
  const types: JsonObject[] = [];
  for (const branch of expr.branches) {
    if (branch.expr.kind === "literal") {
      if (!branch.isDefault) literals.push(branch.expr.value);
    } else types.push(exprSchema(branch.expr));
  }
  let schema: JsonObject;
  if (types.length === 0) {
    const values = defaultValue === undefined ? literals : [defaultValue, ...literals];
    schema = literals.length === 0 && defaultValue !== undefined ? literalType(defaultValue) : { enum: values };
  } else {
    const branches: JsonObject[] = [...types, ...(literals.length > 0 ? [{ enum: literals }] : [])];
    schema = branches.length === 1 && branches[0] !== undefined ? { ...branches[0] } : { anyOf: branches };
  }
  if (defaultValue !== undefined) schema.default = defaultValue;
  return schema;
}

function usageOf(comment: string | undefined): string | undefined {
  if (comment === undefined) return undefined;
  for (const line of comment.split("\n")) {
    const match = /^\s*\+usage=(.*)$/.exec(line);
    if (match?.[1] !== undefined) return match[1].trim();
  }
  return undefined;
}

interface Compiler {
  readonly sourceMap: SourceMap | undefined;
  readonly issues: ValidationIssue[];
}

function fail(compiler: Compiler, pointer: string, message: string, hint: string): JsonObject {
  const source = locateInSource(compiler.sourceMap, pointer);
  compiler.issues.push({
    code: "E_DEF_SHORTHAND",
    message,
    path: pointer,
    ...(source === undefined ? {} : { source }),
    hint,
  });
  return {};
}

const GRAMMAR_HINT =
  'write a type such as string, int, "*8080 | int", "a" | "b", int & >=0, [...string] or {[string]: string} (see docs/definitions.md)';

function compileNode(compiler: Compiler, node: JsonValue, pointer: string): JsonObject {
  if (typeof node === "string") {
    try {
      return exprSchema(new Parser(tokenize(node)).parseAll());
    } catch (error) {
      if (!(error instanceof ShorthandSyntaxError)) throw error;
      return fail(compiler, pointer, `invalid parameter type ${JSON.stringify(node)}: ${error.message}`, GRAMMAR_HINT);
    }
  }
  if (Array.isArray(node)) {
    const [item, extra] = node;
    if (item === undefined || extra !== undefined)
      return fail(
        compiler,
        pointer,
        "a list type holds exactly one item: the type of its elements",
        "write [{name: string}] or [...string]",
      );
    return { type: "array", items: compileNode(compiler, item, joinPointer(pointer, 0)) };
  }
  if (isJsonObject(node)) return compileStruct(compiler, node, pointer);
  return fail(
    compiler,
    pointer,
    `invalid parameter type ${JSON.stringify(node)}: a field's type must be written as a string`,
    `quote it, e.g. "*${JSON.stringify(node)} | ${typeof node === "number" ? "int" : "bool"}" for a default`,
  );
}

function compileStruct(compiler: Compiler, node: JsonObject, pointer: string): JsonObject {
  const properties: JsonObject = {};
  const required: string[] = [];
  let additional: JsonValue = false;
  for (const [rawKey, value] of Object.entries(node)) {
    const fieldPointer = joinPointer(pointer, rawKey);
    if (rawKey === "[string]") {
      additional = compileNode(compiler, value, fieldPointer);
      continue;
    }
    if (rawKey === "...") {
      additional = true;
      continue;
    }
    const optional = rawKey.endsWith("?");
    const key = optional ? rawKey.slice(0, -1) : rawKey;
    if (!/^[A-Za-z_$][A-Za-z0-9_\-$.]*$/.test(key)) {
      fail(
        compiler,
        fieldPointer,
        `invalid parameter name "${rawKey}"`,
        "use letters, digits, - and _; end the name with ? to make it optional",
      );
      continue;
    }
    const schema = compileNode(compiler, value, fieldPointer);
    if (!optional && isJsonObject(value) && schema.type === "object" && schema.default === undefined)
      schema.default = {};
    const description = usageOf(commentAt(compiler.sourceMap, fieldPointer));
    if (description !== undefined) schema.description = description;
    properties[key] = schema;
    if (!optional && schema.default === undefined) required.push(key);
  }
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}), additionalProperties: additional };
}

/**
 * Compiles a `parameter` shorthand to a JSON Schema object. Every broken leaf is reported (code
 * `E_DEF_SHORTHAND`, pointing at the definition file line) in one ValidationError.
 */
export function compileShorthand(parameter: JsonValue, options: CompileShorthandOptions = {}): JsonObject {
  const compiler: Compiler = { sourceMap: options.sourceMap, issues: [] };
  const pointer = options.pointer ?? "/spec/schematic/template/parameter";
  const schema = isJsonObject(parameter)
    ? compileStruct(compiler, parameter, pointer)
    : fail(
        compiler,
        pointer,
        "parameter must be a mapping of field names to types",
        "write parameter: {image: string, port?: int}",
      );
  if (compiler.issues.length > 0) throw new ValidationError(compiler.issues);
  return schema;
}
