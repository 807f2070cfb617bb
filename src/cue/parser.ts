/**
 * The CUE parser: tokens to the AST (files, declarations, expressions with CUE's precedence,
 * comprehensions, attributes). Long because it is one recursive-descent grammar whose rules call
 * each other; split by rule, each file would import all the others.
 */
import type {
  Attribute,
  Clause,
  Comprehension,
  Decl,
  Expr,
  Field,
  FieldKind,
  FileNode,
  ImportSpec,
  Label,
  ListLit,
  StringLit,
  StructLit,
} from "./ast.js";
import { cueError } from "./errors.js";
import { Lexer, type Comment, type Token } from "./lexer.js";
import { SourceFile, type CueSource } from "./source.js";

/** Binary operators by precedence, loosest first. */
const PRECEDENCE: Readonly<Record<string, number>> = {
  "|": 1,
  "&": 2,
  "||": 3,
  "&&": 4,
  "==": 5,
  "!=": 5,
  "<": 5,
  "<=": 5,
  ">": 5,
  ">=": 5,
  "=~": 5,
  "!~": 5,
  "+": 6,
  "-": 6,
  "*": 7,
  "/": 7,
  div: 7,
  mod: 7,
  quo: 7,
  rem: 7,
};

const UNARY = new Set(["-", "+", "!", "*", "<", "<=", ">", ">=", "!=", "=~", "!~"]);

function tokenize(lexer: Lexer): Token[] {
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === "eof") return tokens;
  }
}

/** Parses attribute text `@name(body)`. */
export function parseAttribute(text: string): Attribute {
  const open = text.indexOf("(");
  return { name: text.slice(1, open), body: text.slice(open + 1, -1) };
}

class Parser {
  private index = 0;
  private readonly tokens: Token[];
  private readonly commentsByLine = new Map<number, Comment>();
  private readonly trailingByLine = new Map<number, Comment>();

  constructor(
    private readonly source: SourceFile,
    start = 0,
    end = source.text.length,
    private readonly withComments = true,
  ) {
    const lexer = new Lexer(source, start, end);
    this.tokens = tokenize(lexer);
    if (withComments) {
      for (const comment of lexer.comments) {
        const line = source.position(comment.start).line;
        (comment.ownLine ? this.commentsByLine : this.trailingByLine).set(line, comment);
      }
    }
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)] as Token;
  }

  private advance(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  private fail(message: string, token: Token = this.peek()): never {
    throw cueError("syntax", message, [this.source.position(token.start)]);
  }

  private describe(token: Token): string {
    if (token.kind === "eof") return "end of text";
    if (token.kind === "comma") return token.auto === true ? "newline" : "','";
    return `'${token.value}'`;
  }

  private isOp(value: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === "op" && token.value === value;
  }

  private expectOp(value: string, context: string): Token {
    const token = this.peek();
    if (token.kind !== "op" || token.value !== value)
      this.fail(`expected '${value}' ${context}, found ${this.describe(token)}`, token);
    return this.advance();
  }

  /** Skips one separating comma (explicit or inserted); returns whether there was one. */
  private skipComma(): boolean {
    if (this.peek().kind === "comma") {
      this.advance();
      return true;
    }
    return false;
  }

  parseFile(): FileNode {
    const start = this.peek().start;
    while (this.peek().kind === "attr") {
      this.advance();
      this.skipComma();
    }
    let packageName: string | undefined;
    if (this.peek().kind === "ident" && this.peek().value === "package" && this.peek(1).kind === "ident") {
      this.advance();
      packageName = this.advance().value;
      this.endDecl();
    }
    const imports: ImportSpec[] = [];
    while (this.peek().kind === "ident" && this.peek().value === "import" && !this.isLabelAhead()) {
      this.advance();
      if (this.isOp("(")) {
        this.advance();
        while (this.peek().kind === "comma") this.advance();
        while (!this.isOp(")")) {
          imports.push(this.parseImportSpec());
          if (!this.skipComma() && !this.isOp(")"))
            this.fail(`expected ')' after import, found ${this.describe(this.peek())}`);
          while (this.peek().kind === "comma") this.advance();
        }
        this.advance();
      } else imports.push(this.parseImportSpec());
      this.endDecl();
    }
    const decls = this.parseDecls("eof");
    const end = this.peek().end;
    return {
      source: this.source,
      ...(packageName === undefined ? {} : { packageName }),
      imports,
      body: { type: "StructLit", decls, source: this.source, start, end },
    };
  }

  private parseImportSpec(): ImportSpec {
    const start = this.peek().start;
    let alias: string | undefined;
    if (this.peek().kind === "ident") alias = this.advance().value;
    const token = this.peek();
    if (token.kind !== "string") this.fail(`expected an import path string, found ${this.describe(token)}`);
    this.advance();
    const path = this.simpleString(token);
    if (path === undefined) this.fail("an import path cannot be interpolated", token);
    const lastElement = path.split("/").pop() ?? path;
    const name = alias ?? lastElement.split(":").pop()?.split(".")[0] ?? lastElement;
    return { path, name, source: this.source, start, end: token.end };
  }

  private endDecl(): void {
    if (!this.skipComma() && this.peek().kind !== "eof")
      this.fail(`expected newline or ',' after declaration, found ${this.describe(this.peek())}`);
  }

  private simpleString(token: Token): string | undefined {
    const parts = token.parts ?? [];
    if (parts.some((part) => part.kind === "expr")) return undefined;
    return parts.map((part) => (part.kind === "text" ? part.text : "")).join("");
  }

  /** Declarations up to `}` (or the end of the file). */
  private parseDecls(until: "}" | "eof"): Decl[] {
    const decls: Decl[] = [];
    for (;;) {
      let explicit = false;
      while (this.peek().kind === "comma") {
        const comma = this.advance();
        if (comma.auto !== true) {
          if (explicit) this.fail("unexpected ',': a declaration is missing", comma);
          explicit = true;
        }
      }
      const token = this.peek();
      if (until === "eof" ? token.kind === "eof" : token.kind === "op" && token.value === "}") return decls;
      if (token.kind === "eof") this.fail("expected '}', found end of text", token);
      decls.push(this.parseDecl());
      const next = this.peek();
      if (next.kind === "comma") continue;
      if (until === "}" && next.kind === "op" && next.value === "}") continue;
      if (until === "eof" && next.kind === "eof") continue;
      this.fail(`expected ',' or newline after declaration, found ${this.describe(next)}`, next);
    }
  }

  /** Index of the token that closes the bracket at `at`, or -1. */
  private matching(at: number): number {
    let depth = 0;
    for (let index = at; index < this.tokens.length; index++) {
      const token = this.tokens[index] as Token;
      if (token.kind !== "op") continue;
      if (token.value === "(" || token.value === "[" || token.value === "{") depth++;
      else if (token.value === ")" || token.value === "]" || token.value === "}") {
        depth--;
        if (depth === 0) return index;
      }
    }
    return -1;
  }

  /** Length in tokens of a label starting `ahead` tokens on (with ?/! marker), when a ':' follows it; else 0. */
  private labelLength(ahead: number): number {
    const token = this.peek(ahead);
    let length: number;
    if (token.kind === "ident" || token.kind === "string") length = 1;
    else if (token.kind === "op" && (token.value === "(" || token.value === "[")) {
      const close = this.matching(this.index + ahead);
      if (close < 0) return 0;
      length = close - (this.index + ahead) + 1;
    } else return 0;
    const after = this.peek(ahead + length);
    if (after.kind === "op" && (after.value === "?" || after.value === "!") && token.kind !== "op") {
      const colon = this.peek(ahead + length + 1);
      return colon.kind === "op" && colon.value === ":" ? length + 1 : 0;
    }
    return after.kind === "op" && after.value === ":" ? length : 0;
  }

  /** A field starts here: `label:`, `label?:`, `X=label:`. */
  private isLabelAhead(ahead = 0): boolean {
    if (this.labelLength(ahead) > 0) return true;
    return (
      this.peek(ahead).kind === "ident" &&
      this.peek(ahead + 1).kind === "op" &&
      this.peek(ahead + 1).value === "=" &&
      this.labelLength(ahead + 2) > 0
    );
  }

  private parseDecl(): Decl {
    const token = this.peek();
    if (token.kind === "attr") {
      this.advance();
      return {
        type: "AttributeDecl",
        attribute: parseAttribute(token.value),
        source: this.source,
        start: token.start,
        end: token.end,
      };
    }
    if (token.kind === "op" && token.value === "...") {
      this.advance();
      const next = this.peek();
      const bare = next.kind === "comma" || next.kind === "eof" || (next.kind === "op" && next.value === "}");
      const constraint = bare ? undefined : this.parseExpr();
      return {
        type: "Ellipsis",
        ...(constraint === undefined ? {} : { constraint }),
        source: this.source,
        start: token.start,
        end: this.peek().start,
      };
    }
    if (token.kind === "ident" && !this.isLabelAhead()) {
      if (token.value === "let" && this.peek(1).kind === "ident" && this.isOp("=", 2)) {
        this.advance();
        const name = this.advance().value;
        this.advance();
        const expr = this.parseExpr();
        return { type: "LetDecl", name, expr, source: this.source, start: token.start, end: expr.end };
      }
      if (token.value === "for" || token.value === "if") return this.parseComprehension();
    }
    if (this.isLabelAhead()) return this.parseField();
    const expr = this.parseExpr();
    return { type: "Embedding", expr, source: this.source, start: expr.start, end: expr.end };
  }

  private commentsFor(start: number): string[] {
    if (!this.withComments) return [];
    const line = this.source.position(start).line;
    const above: string[] = [];
    for (let current = line - 1; ; current--) {
      const comment = this.commentsByLine.get(current);
      if (comment === undefined) break;
      above.unshift(comment.text);
    }
    const trailing = this.trailingByLine.get(line);
    return trailing === undefined ? above : [...above, trailing.text];
  }

  private parseLabel(): { label: Label; kind: FieldKind } {
    const token = this.peek();
    let label: Label;
    if (token.kind === "ident") {
      this.advance();
      label = { type: "static", name: token.value, quoted: false };
    } else if (token.kind === "string") {
      this.advance();
      const text = this.simpleString(token);
      if (token.bytes === true) this.fail("a label cannot be a bytes literal", token);
      label =
        text === undefined
          ? { type: "dynamic", expr: this.stringLit(token) }
          : { type: "static", name: text, quoted: true };
    } else if (token.kind === "op" && token.value === "(") {
      this.advance();
      const expr = this.parseExpr();
      this.expectOp(")", "to close a dynamic label");
      label = { type: "dynamic", expr };
    } else if (token.kind === "op" && token.value === "[") {
      this.advance();
      let alias: string | undefined;
      if (this.peek().kind === "ident" && this.isOp("=", 1)) {
        alias = this.advance().value;
        this.advance();
      }
      const expr = this.parseExpr();
      this.expectOp("]", "to close a pattern constraint");
      return { label: { type: "pattern", expr, ...(alias === undefined ? {} : { alias }) }, kind: "optional" };
    } else return this.fail(`expected a label, found ${this.describe(token)}`, token);
    let kind: FieldKind = "regular";
    if (this.isOp("?")) {
      this.advance();
      kind = "optional";
    } else if (this.isOp("!")) {
      this.advance();
      kind = "required";
    }
    return { label, kind };
  }

  private parseField(): Field {
    const start = this.peek().start;
    const comments = this.commentsFor(start);
    let alias: string | undefined;
    if (this.peek().kind === "ident" && this.isOp("=", 1)) {
      alias = this.advance().value;
      this.advance();
    }
    const { label, kind } = this.parseLabel();
    this.expectOp(":", "after a label");
    let value: Expr;
    let attributes: Attribute[] = [];
    if (this.isLabelAhead() && !(this.peek().kind === "ident" && this.isOp("=", 1) && this.labelLength(0) === 0)) {
      const inner = this.parseField();
      value = { type: "StructLit", decls: [inner], source: this.source, start: inner.start, end: inner.end };
    } else {
      if (this.peek().kind === "ident" && this.isOp("=", 1)) {
        // Value alias `label: X=expr`: the alias names the value; resolve it as the field itself.
        this.advance();
        this.advance();
      }
      value = this.parseExpr();
      attributes = this.parseAttributes();
    }
    return {
      type: "Field",
      label,
      kind,
      value,
      ...(alias === undefined ? {} : { alias }),
      attributes,
      comments,
      source: this.source,
      start,
      end: value.end,
    };
  }

  private parseAttributes(): Attribute[] {
    const attributes: Attribute[] = [];
    while (this.peek().kind === "attr") attributes.push(parseAttribute(this.advance().value));
    return attributes;
  }

  private parseClauses(): Clause[] {
    const clauses: Clause[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind !== "ident") break;
      if (token.value === "for") {
        this.advance();
        const first = this.peek();
        if (first.kind !== "ident") this.fail(`expected a variable name after for, found ${this.describe(first)}`);
        this.advance();
        let key: string | undefined;
        let value = first.value;
        if (this.peek().kind === "comma" && this.peek().auto !== true) {
          this.advance();
          const second = this.peek();
          if (second.kind !== "ident") this.fail(`expected a variable name, found ${this.describe(second)}`);
          this.advance();
          key = first.value;
          value = second.value;
        }
        const inToken = this.peek();
        if (inToken.kind !== "ident" || inToken.value !== "in")
          this.fail(`expected 'in' in for clause, found ${this.describe(inToken)}`);
        this.advance();
        const iterable = this.parseExpr();
        clauses.push({
          type: "ForClause",
          ...(key === undefined ? {} : { key }),
          value,
          iterable,
          source: this.source,
          start: token.start,
          end: iterable.end,
        });
      } else if (token.value === "if") {
        this.advance();
        const condition = this.parseExpr();
        clauses.push({ type: "IfClause", condition, source: this.source, start: token.start, end: condition.end });
      } else if (token.value === "let" && clauses.length > 0) {
        this.advance();
        const name = this.peek();
        if (name.kind !== "ident") this.fail(`expected a name after let, found ${this.describe(name)}`);
        this.advance();
        this.expectOp("=", "in let clause");
        const expr = this.parseExpr();
        clauses.push({
          type: "LetClause",
          name: name.value,
          expr,
          source: this.source,
          start: token.start,
          end: expr.end,
        });
      } else break;
      if (this.peek().kind === "comma" && this.peek().auto !== true) this.advance();
    }
    return clauses;
  }

  private parseComprehension(): Comprehension {
    const start = this.peek().start;
    const clauses = this.parseClauses();
    if (!this.isOp("{"))
      this.fail(`expected '{' to start the body of a comprehension, found ${this.describe(this.peek())}`);
    const body = this.parseStruct();
    return { type: "Comprehension", clauses, body, source: this.source, start, end: body.end };
  }

  parseExpr(minPrecedence = 1): Expr {
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      const op =
        token.kind === "op" || (token.kind === "ident" && /^(div|mod|quo|rem)$/.test(token.value)) ? token.value : "";
      const precedence = PRECEDENCE[op];
      if (precedence === undefined || precedence < minPrecedence) return left;
      this.advance();
      const right = this.parseExpr(precedence + 1);
      left = { type: "BinaryExpr", op, left, right, source: this.source, start: left.start, end: right.end };
    }
  }

  private parseUnary(): Expr {
    const token = this.peek();
    if (token.kind === "op" && UNARY.has(token.value)) {
      this.advance();
      const operand = this.parseUnary();
      return { type: "UnaryExpr", op: token.value, operand, source: this.source, start: token.start, end: operand.end };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    let expr = this.parseOperand();
    for (;;) {
      const token = this.peek();
      if (token.kind !== "op") return expr;
      if (token.value === ".") {
        this.advance();
        const selector = this.peek();
        let label: string;
        if (selector.kind === "ident") label = selector.value;
        else if (selector.kind === "string" && this.simpleString(selector) !== undefined)
          label = this.simpleString(selector) ?? "";
        else this.fail(`expected a field name after '.', found ${this.describe(selector)}`, selector);
        this.advance();
        expr = { type: "SelectorExpr", target: expr, label, source: this.source, start: expr.start, end: selector.end };
      } else if (token.value === "[" && !token.newlineBefore) {
        this.advance();
        let low: Expr | undefined;
        if (!this.isOp(":")) low = this.parseExpr();
        if (this.isOp(":")) {
          this.advance();
          const high = this.isOp("]") ? undefined : this.parseExpr();
          const close = this.expectOp("]", "to close a slice");
          expr = {
            type: "SliceExpr",
            target: expr,
            ...(low === undefined ? {} : { low }),
            ...(high === undefined ? {} : { high }),
            source: this.source,
            start: expr.start,
            end: close.end,
          };
        } else {
          const close = this.expectOp("]", "to close an index");
          if (low === undefined) this.fail("expected an index expression", close);
          expr = {
            type: "IndexExpr",
            target: expr,
            index: low,
            source: this.source,
            start: expr.start,
            end: close.end,
          };
        }
      } else if (token.value === "(" && !token.newlineBefore) {
        this.advance();
        const args: Expr[] = [];
        while (this.peek().kind === "comma" && this.peek().auto === true) this.advance();
        while (!this.isOp(")")) {
          args.push(this.parseExpr());
          if (this.peek().kind === "comma") this.advance();
          else if (!this.isOp(")")) this.fail(`expected ',' or ')' in call, found ${this.describe(this.peek())}`);
          while (this.peek().kind === "comma" && this.peek().auto === true) this.advance();
        }
        const close = this.advance();
        expr = { type: "CallExpr", callee: expr, args, source: this.source, start: expr.start, end: close.end };
      } else return expr;
    }
  }

  /** One expression and nothing after it. */
  parseStandalone(): Expr {
    const expr = this.parseExpr();
    this.skipComma();
    if (this.peek().kind !== "eof") this.fail(`unexpected ${this.describe(this.peek())} after the expression`);
    return expr;
  }

  private stringLit(token: Token): StringLit {
    const parts: (string | Expr)[] = [];
    for (const part of token.parts ?? []) {
      if (part.kind === "text") {
        if (part.text !== "") parts.push(part.text);
        continue;
      }
      parts.push(new Parser(this.source, part.start, part.end, false).parseStandalone());
    }
    const simple = parts.every((part) => typeof part === "string");
    return {
      type: "StringLit",
      bytes: token.bytes === true,
      parts,
      ...(simple ? { text: parts.join("") } : {}),
      source: this.source,
      start: token.start,
      end: token.end,
    };
  }

  private parseOperand(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case "int":
      case "float":
        this.advance();
        return {
          type: "BasicLit",
          kind: token.kind,
          value: token.value,
          source: this.source,
          start: token.start,
          end: token.end,
        };
      case "string":
        this.advance();
        return this.stringLit(token);
      case "ident": {
        this.advance();
        if (token.value === "true" || token.value === "false")
          return {
            type: "BasicLit",
            kind: "bool",
            value: token.value,
            source: this.source,
            start: token.start,
            end: token.end,
          };
        if (token.value === "null")
          return { type: "BasicLit", kind: "null", value: "", source: this.source, start: token.start, end: token.end };
        if (token.value === "_")
          return { type: "BasicLit", kind: "top", value: "", source: this.source, start: token.start, end: token.end };
        return { type: "Ident", name: token.value, source: this.source, start: token.start, end: token.end };
      }
      case "op":
        switch (token.value) {
          case "_|_":
            this.advance();
            return {
              type: "BasicLit",
              kind: "bottom",
              value: "",
              source: this.source,
              start: token.start,
              end: token.end,
            };
          case "(": {
            this.advance();
            const expr = this.parseExpr();
            const close = this.expectOp(")", "to close '('");
            return { type: "ParenExpr", expr, source: this.source, start: token.start, end: close.end };
          }
          case "{":
            return this.parseStruct();
          case "[":
            return this.parseList();
          default:
            break;
        }
        break;
      default:
        break;
    }
    return this.fail(`expected an expression, found ${this.describe(token)}`, token);
  }

  private parseStruct(): StructLit {
    const open = this.expectOp("{", "to start a struct");
    const decls = this.parseDecls("}");
    const close = this.expectOp("}", "to close a struct");
    return { type: "StructLit", decls, source: this.source, start: open.start, end: close.end };
  }

  private parseList(): ListLit {
    const open = this.expectOp("[", "to start a list");
    const elements: (Expr | Comprehension)[] = [];
    let rest: Expr | "top" | undefined;
    for (;;) {
      while (this.peek().kind === "comma") this.advance();
      if (this.isOp("]")) break;
      if (this.isOp("...")) {
        this.advance();
        rest = this.isOp("]") || this.peek().kind === "comma" ? "top" : this.parseExpr();
        while (this.peek().kind === "comma") this.advance();
        if (!this.isOp("]")) this.fail(`expected ']' after '...' in a list, found ${this.describe(this.peek())}`);
        break;
      }
      const token = this.peek();
      if (token.kind === "ident" && (token.value === "for" || token.value === "if") && !this.isOp(":", 1))
        elements.push(this.parseComprehension());
      else elements.push(this.parseExpr());
      if (this.peek().kind !== "comma" && !this.isOp("]"))
        this.fail(`expected ',' or ']' in list, found ${this.describe(this.peek())}`);
    }
    const close = this.expectOp("]", "to close a list");
    return {
      type: "ListLit",
      elements,
      ...(rest === undefined ? {} : { rest }),
      source: this.source,
      start: open.start,
      end: close.end,
    };
  }
}

/** Parses one CUE file (syntax errors are `CueError`s of kind `syntax` at file:line:col). */
export function parseFile(source: CueSource | SourceFile): FileNode {
  const file = source instanceof SourceFile ? source : new SourceFile(source);
  return new Parser(file).parseFile();
}

/** Parses a single CUE expression (a workflow `if:` condition, a `valueFrom`). */
export function parseExpression(source: CueSource | SourceFile): Expr {
  const file = source instanceof SourceFile ? source : new SourceFile(source);
  return new Parser(file, 0, file.text.length, false).parseStandalone();
}
