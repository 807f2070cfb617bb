/**
 * Parser for Go `text/template` (a port of `text/template/parse/parse.go`). Function names are
 * checked at parse time, as Go does: an unknown function is a syntax error, not a runtime one.
 */
import { GoTemplateError } from "../errors.js";
import { lexTemplate, type Item } from "./lexer.js";
import type { ArgNode, CommandNode, IfNode, ListNode, Node, PipeNode, TemplateNode, Tree, TreeSource } from "./ast.js";
import { TemplateSyntaxError } from "./template-error.js";

/** The result of parsing one text: its body, and every `define`/`block` found in it. */
export interface ParsedText {
  readonly root: Tree;
  readonly defines: ReadonlyMap<string, Tree>;
}

/**
 * Deepest nesting of `{{if}}`/`{{range}}`/`{{with}}` blocks and `( … )` a template may have. Go
 * stops parentheses at 10,000 and blocks only at its stack's end; real charts nest a few dozen deep.
 */
export const MAX_NESTING = 1000;

type Control =
  | { readonly kind: "end"; readonly pos: number }
  | { readonly kind: "else"; readonly pos: number; readonly chained: boolean };

class Parser {
  private index = 0;
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  /** Nesting of blocks and parenthesised pipelines (bounded, so deep input cannot exhaust the stack). */
  private depth = 0;
  readonly defines = new Map<string, Tree>();
  private readonly src: TreeSource;

  constructor(
    private readonly items: readonly Item[],
    parseName: string,
    text: string,
    private readonly hasFunction: (name: string) => boolean,
  ) {
    this.src = { parseName, text };
  }

  private next(): Item {
    const item = this.items[this.index] ?? this.items[this.items.length - 1];
    if (item === undefined) throw new TemplateSyntaxError(this.src.parseName, 1, "empty input");
    if (this.index < this.items.length) this.index++;
    if (item.type === "error") this.fail(item.value, item.line);
    return item;
  }
  private backup(count = 1): void {
    this.index -= count;
  }
  private peek(): Item {
    const item = this.next();
    this.backup();
    return item;
  }
  private nextNonSpace(): Item {
    let item = this.next();
    while (item.type === "space") item = this.next();
    return item;
  }
  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }
  private fail(message: string, line?: number): never {
    const current = this.items[Math.max(0, this.index - 1)];
    throw new TemplateSyntaxError(this.src.parseName, line ?? current?.line ?? 1, message);
  }
  private unexpected(item: Item, context: string): never {
    if (item.type === "error") this.fail(item.value, item.line);
    this.fail(`unexpected ${describeItem(item)} in ${context}`, item.line);
  }
  private expect(type: Item["type"], context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.unexpected(item, context);
    return item;
  }

  parse(name: string): Tree {
    const root: ListNode = { type: "list", pos: 0, src: this.src, nodes: [] };
    while (this.peek().type !== "eof") {
      if (this.peek().type === "leftDelim") {
        const mark = this.index;
        this.next();
        const keyword = this.nextNonSpace();
        if (keyword.type === "keyword" && keyword.value === "define") {
          this.parseDefinition();
          continue;
        }
        this.index = mark;
      }
      const node = this.textOrAction();
      if ("kind" in node) this.fail(`unexpected {{${node.kind}}}`);
      root.nodes.push(node);
    }
    return { name, root };
  }

  private parseDefinition(): void {
    const nameItem = this.nextNonSpace();
    const name = this.templateName(nameItem, "define clause");
    this.expect("rightDelim", "define clause");
    const savedVars = this.vars;
    this.vars = ["$"];
    const [list, end] = this.itemList();
    this.vars = savedVars;
    if (end.kind !== "end") this.fail(`unexpected {{else}} in define clause`);
    this.addDefinition(name, list);
  }

  private addDefinition(name: string, list: ListNode): void {
    const existing = this.defines.get(name);
    if (existing !== undefined && isEmptyList(list)) return;
    this.defines.set(name, { name, root: list });
  }

  private itemList(): [ListNode, Control] {
    const list: ListNode = { type: "list", pos: this.peekNonSpace().pos, src: this.src, nodes: [] };
    while (this.peekNonSpace().type !== "eof") {
      const node = this.textOrAction();
      if ("kind" in node) return [list, node];
      list.nodes.push(node);
    }
    this.fail("unexpected EOF");
  }

  private textOrAction(): Node | Control {
    const item = this.nextNonSpace();
    if (item.type === "text") return { type: "text", pos: item.pos, src: this.src, text: item.value };
    if (item.type === "leftDelim") return this.action();
    this.unexpected(item, "input");
  }

  private action(): Node | Control {
    const token = this.nextNonSpace();
    if (token.type === "keyword") {
      switch (token.value) {
        case "block":
          return this.blockControl();
        case "break":
        case "continue":
          if (this.rangeDepth === 0) this.fail(`{{${token.value}}} outside {{range}}`, token.line);
          this.expect("rightDelim", token.value);
          return { type: token.value, pos: token.pos, src: this.src };
        case "else": {
          const following = this.peekNonSpace();
          if (following.type === "keyword" && (following.value === "if" || following.value === "with")) {
            return { kind: "else", pos: following.pos, chained: true };
          }
          this.expect("rightDelim", "else");
          return { kind: "else", pos: token.pos, chained: false };
        }
        case "end":
          this.expect("rightDelim", "end");
          return { kind: "end", pos: token.pos };
        case "if":
        case "range":
        case "with":
          return this.control(token.value);
        case "template":
          return this.templateControl();
        default:
          this.unexpected(token, "command");
      }
    }
    this.backup();
    const first = this.peek();
    return { type: "action", pos: first.pos, src: this.src, pipe: this.pipeline("command", "rightDelim") };
  }

  private enter(line: number): void {
    if (++this.depth > MAX_NESTING)
      this.fail(`max nesting depth exceeded: more than ${MAX_NESTING} nested blocks or parentheses`, line);
  }

  private control(context: "if" | "range" | "with"): IfNode {
    this.enter(this.items[Math.max(0, this.index - 1)]?.line ?? 1);
    try {
      return this.controlBody(context);
    } finally {
      this.depth--;
    }
  }

  private controlBody(context: "if" | "range" | "with"): IfNode {
    const savedVars = this.vars.length;
    const pipe = this.pipeline(context, "rightDelim");
    if (context === "range") this.rangeDepth++;
    const [list, next] = this.itemList();
    if (context === "range") this.rangeDepth--;
    let elseList: ListNode | undefined;
    if (next.kind === "else") {
      if (next.chained && context !== "range") {
        const keyword = this.nextNonSpace();
        if (keyword.value === context) {
          elseList = { type: "list", pos: next.pos, src: this.src, nodes: [this.control(context)] };
        } else {
          this.fail(`unexpected ${keyword.value} after else in ${context}`);
        }
      } else {
        if (next.chained) this.fail(`unexpected else-chain in range`);
        const [otherwise, end] = this.itemList();
        if (end.kind !== "end") this.fail("expected end; found {{else}}");
        elseList = otherwise;
      }
    }
    this.vars.length = savedVars;
    return { type: context, pos: pipe.pos, src: this.src, pipe, list, elseList };
  }

  private templateControl(): TemplateNode {
    const token = this.nextNonSpace();
    const name = this.templateName(token, "template clause");
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== "rightDelim") {
      this.backup();
      pipe = this.pipeline("template clause", "rightDelim");
    }
    return { type: "template", pos: token.pos, src: this.src, name, pipe };
  }

  private blockControl(): TemplateNode {
    const token = this.nextNonSpace();
    const name = this.templateName(token, "block clause");
    const pipe = this.pipeline("block clause", "rightDelim");
    const savedVars = this.vars;
    this.vars = ["$"];
    const [list, end] = this.itemList();
    this.vars = savedVars;
    if (end.kind !== "end") this.fail("unexpected {{else}} in block clause");
    this.addDefinition(name, list);
    return { type: "template", pos: token.pos, src: this.src, name, pipe };
  }

  private templateName(token: Item, context: string): string {
    if (token.type === "string" || token.type === "rawString") return this.unquote(token);
    this.unexpected(token, context);
  }

  private pipeline(context: string, end: "rightDelim" | "rightParen"): PipeNode {
    const start = this.peekNonSpace();
    const decl: string[] = [];
    let isAssign = false;
    for (;;) {
      const variable = this.peekNonSpace();
      if (variable.type !== "variable") break;
      const mark = this.index;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.type === "assign" || next.type === "declare") {
        isAssign = next.type === "assign";
        this.nextNonSpace();
        decl.push(variable.value);
        this.vars.push(variable.value);
        break;
      }
      if (next.type === "comma") {
        this.nextNonSpace();
        decl.push(variable.value);
        this.vars.push(variable.value);
        if (context === "range" && decl.length < 2) {
          const following = this.peekNonSpace();
          if (following.type === "variable") continue;
          this.fail("range can only initialize variables");
        }
        this.fail(`too many declarations in ${context}`);
      }
      this.index = mark;
      break;
    }
    const cmds: CommandNode[] = [];
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        if (cmds.length === 0) this.fail(`missing value for ${context}`);
        cmds.slice(1).forEach((cmd, stage) => {
          const first = cmd.args[0];
          if (first !== undefined && ["bool", "dot", "nil", "number", "string"].includes(first.type)) {
            this.fail(`non executable command in pipeline stage ${stage + 2}`);
          }
        });
        return { type: "pipe", pos: start.pos, src: this.src, isAssign, decl, cmds };
      }
      switch (token.type) {
        case "bool":
        case "char":
        case "dot":
        case "field":
        case "identifier":
        case "number":
        case "nil":
        case "rawString":
        case "string":
        case "variable":
        case "leftParen":
          this.backup();
          cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private command(): CommandNode {
    const args: ArgNode[] = [];
    const pos = this.peekNonSpace().pos;
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) args.push(operand);
      const token = this.next();
      if (token.type === "space") continue;
      if (token.type === "rightDelim" || token.type === "rightParen") this.backup();
      else if (token.type !== "pipe") this.unexpected(token, "operand");
      break;
    }
    if (args.length === 0) this.fail("empty command");
    return { type: "command", pos, src: this.src, args };
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().type !== "field") return node;
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === "field") fields.push(this.next().value.slice(1));
    switch (node.type) {
      case "field":
        return { type: "field", pos: chainPos, src: this.src, idents: [...node.idents, ...fields] };
      case "variable":
        return { type: "variable", pos: chainPos, src: this.src, idents: [...node.idents, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.fail(`unexpected . after term ${JSON.stringify(nodeText(node))}`);
      // falls through (fail never returns)
      default:
        return { type: "chain", pos: chainPos, src: this.src, node, fields };
    }
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    const base = { pos: token.pos, src: this.src };
    switch (token.type) {
      case "identifier":
        if (!this.hasFunction(token.value))
          this.fail(`function ${JSON.stringify(token.value)} not defined`, token.line);
        return { type: "identifier", ...base, name: token.value };
      case "dot":
        return { type: "dot", ...base };
      case "nil":
        return { type: "nil", ...base };
      case "variable": {
        const idents = token.value.split(".");
        const name = idents[0] ?? "$";
        if (!this.vars.includes(name)) this.fail(`undefined variable ${JSON.stringify(name)}`, token.line);
        return { type: "variable", ...base, idents: [name] };
      }
      case "field":
        return { type: "field", ...base, idents: [token.value.slice(1)] };
      case "bool":
        return { type: "bool", ...base, value: token.value === "true" };
      case "char":
        return {
          type: "number",
          ...base,
          text: token.value,
          value: BigInt(this.unquoteChar(token).codePointAt(0) ?? 0),
        };
      case "number":
        return { type: "number", ...base, text: token.value, value: this.number(token) };
      case "leftParen":
        this.enter(token.line);
        try {
          return this.pipeline("parenthesized pipeline", "rightParen");
        } finally {
          this.depth--;
        }
      case "string":
      case "rawString":
        return { type: "string", ...base, quoted: token.value, value: this.unquote(token) };
      default:
        this.backup();
        return undefined;
    }
  }

  private number(token: Item): bigint | number {
    const text = token.value.replaceAll("_", "");
    if (text.endsWith("i")) this.fail(`complex numbers are not supported: ${token.value}`, token.line);
    const isFloat = /^[+-]?0[xX]/.test(text) ? /[.pP]/.test(text) : /[.eE]/.test(text);
    if (isFloat) {
      const value = Number(text);
      if (Number.isNaN(value)) this.fail(`illegal number syntax: ${JSON.stringify(token.value)}`, token.line);
      return value;
    }
    try {
      const negative = text.startsWith("-");
      const unsigned = text.replace(/^[+-]/, "");
      const normalised = /^0[0-7]+$/.test(unsigned) ? `0o${unsigned.slice(1)}` : unsigned;
      const value = BigInt(normalised);
      return negative ? -value : value;
    } catch {
      this.fail(`illegal number syntax: ${JSON.stringify(token.value)}`, token.line);
    }
  }

  private unquote(token: Item): string {
    if (token.type === "rawString") return token.value.slice(1, -1);
    try {
      return unquoteGoString(token.value);
    } catch {
      this.fail(`invalid syntax in string ${token.value}`, token.line);
    }
  }

  private unquoteChar(token: Item): string {
    const inner = token.value.slice(1, -1);
    return inner.startsWith("\\") ? unquoteGoString(`"${inner.replace(/^\\'/, "'")}"`) : inner;
  }
}

function isEmptyList(list: ListNode): boolean {
  return list.nodes.every((node) => node.type === "text" && node.text.trim() === "");
}

function nodeText(node: ArgNode): string {
  switch (node.type) {
    case "string":
      return node.quoted;
    case "number":
      return node.text;
    case "bool":
      return String(node.value);
    case "nil":
      return "nil";
    default:
      return ".";
  }
}

function describeItem(item: Item): string {
  switch (item.type) {
    case "eof":
      return "EOF";
    case "keyword":
      return `<${item.value}>`;
    case "rightDelim":
      return `"}}"`;
    case "rightParen":
      return `")"`;
    default:
      return JSON.stringify(item.value.length > 10 ? `${item.value.slice(0, 10)}...` : item.value);
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/** Go's `strconv.Unquote` for a double-quoted string literal. */
export function unquoteGoString(quoted: string): string {
  if (quoted.length < 2 || !quoted.startsWith('"') || !quoted.endsWith('"'))
    throw new GoTemplateError("invalid syntax");
  const body = quoted.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? "";
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const code = body[++i] ?? "";
    const simple = SIMPLE_ESCAPES[code];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const width = code === "x" ? 2 : code === "u" ? 4 : code === "U" ? 8 : 0;
    if (width > 0) {
      const hex = body.slice(i + 1, i + 1 + width);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) throw new GoTemplateError("invalid syntax");
      out += String.fromCodePoint(parseInt(hex, 16));
      i += width;
      continue;
    }
    if (/[0-7]/.test(code)) {
      const octal = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(octal)) throw new GoTemplateError("invalid syntax");
      out += String.fromCharCode(parseInt(octal, 8));
      i += 2;
      continue;
    }
    throw new GoTemplateError("invalid syntax");
  }
  return out;
}

/**
 * Parses one template text. `parseName` names it in errors; `hasFunction` says which function
 * names exist (Go checks them at parse time).
 */
export function parseTemplate(parseName: string, text: string, hasFunction: (name: string) => boolean): ParsedText {
  const parser = new Parser(lexTemplate(text), parseName, text, hasFunction);
  const root = parser.parse(parseName);
  return { root, defines: parser.defines };
}
