/**
 * The CUE lexer: tokens, string interpolations, multi-line strings, attributes and comments, with
 * automatic commas as CUE inserts them. Long because CUE's string forms (raw `#"…"#`, multi-line,
 * interpolated) each need their own scanning.
 */
import { cueError } from "./errors.js";
import type { SourceFile } from "./source.js";

/** Kinds of token. Keywords (`if`, `for`, `true`…) are identifiers; the parser tells them apart by position. */
export type TokenKind = "ident" | "int" | "float" | "string" | "op" | "attr" | "comma" | "eof";

/** One piece of an interpolated string: literal text or the offsets of an embedded expression. */
export type StringPart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "expr"; readonly start: number; readonly end: number };

export interface Token {
  readonly kind: TokenKind;
  /** Identifier name, operator text, number text, or the attribute's whole text. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** A newline (or the end of the text) came before this token. */
  readonly newlineBefore: boolean;
  /** A comma the lexer inserted at a line end. */
  readonly auto?: boolean;
  /** String literals: the decoded parts; `bytes` for single-quoted literals. */
  readonly parts?: readonly StringPart[];
  readonly bytes?: boolean;
}

/** A `//` comment: its text without the slashes and the offsets of its line. */
export interface Comment {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Nothing but whitespace precedes it on its line. */
  readonly ownLine: boolean;
}

const OPERATORS = [
  "...",
  "_|_",
  "&&",
  "||",
  "==",
  "!=",
  "<=",
  ">=",
  "=~",
  "!~",
  "<-",
  "::",
  "+",
  "-",
  "*",
  "/",
  "&",
  "|",
  "!",
  "<",
  ">",
  "=",
  ":",
  "?",
  ".",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
];

const ENDS_LINE_OPS = new Set([")", "]", "}", "...", "_|_"]);

/** Marks an escape kept undecoded until a multi-line string's indentation is removed. */
const ESCAPE_MARK = String.fromCharCode(0);
const ESCAPE_PATTERN = new RegExp(
  `${ESCAPE_MARK}(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[0-7]{3}|[\\s\\S])`,
  "g",
);

function isIdentStart(char: string): boolean {
  return /[\p{L}_$#]/u.test(char);
}

function isIdentPart(char: string): boolean {
  return /[\p{L}\p{Nd}_$#]/u.test(char);
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= "0" && char <= "9";
}

/**
 * Turns CUE text into tokens, inserting the commas that newlines stand for (after an identifier,
 * literal, `)`, `]`, `}`, `...`, `_|_` or attribute), and collecting comments on the side.
 */
export class Lexer {
  readonly comments: Comment[] = [];
  private position: number;
  private readonly end: number;
  private readonly text: string;
  private lastKind: TokenKind | undefined;
  private lastValue = "";
  private pending: Token | undefined;

  constructor(
    readonly source: SourceFile,
    start = 0,
    end = source.text.length,
  ) {
    this.text = source.text;
    this.position = start;
    this.end = end;
  }

  private fail(message: string, offset: number): never {
    throw cueError("syntax", message, [this.source.position(offset)]);
  }

  private endsLine(): boolean {
    switch (this.lastKind) {
      case "ident":
      case "int":
      case "float":
      case "string":
      case "attr":
        return true;
      case "op":
        return ENDS_LINE_OPS.has(this.lastValue);
      default:
        return false;
    }
  }

  /** Skips spaces and comments; true when a newline was crossed. */
  private skipSpace(): boolean {
    let newline = false;
    while (this.position < this.end) {
      const char = this.text[this.position];
      if (char === "\n") {
        newline = true;
        this.position++;
      } else if (char === " " || char === "\t" || char === "\r" || char === "\uFEFF") {
        this.position++;
      } else if (char === "/" && this.text[this.position + 1] === "/") {
        const start = this.position;
        let lineStart = start;
        while (lineStart > 0 && this.text[lineStart - 1] !== "\n") lineStart--;
        const ownLine = this.text.slice(lineStart, start).trim() === "";
        let stop = this.text.indexOf("\n", start);
        if (stop < 0 || stop > this.end) stop = this.end;
        this.comments.push({ text: this.text.slice(start + 2, stop), start, end: stop, ownLine });
        this.position = stop;
      } else break;
    }
    return newline;
  }

  /** The next token. */
  next(): Token {
    if (this.pending !== undefined) {
      const token = this.pending;
      this.pending = undefined;
      return this.remember(token);
    }
    const before = this.position;
    const newline = this.skipSpace() || before === 0;
    if ((newline || this.position >= this.end) && this.endsLine()) {
      const token: Token = {
        kind: "comma",
        value: "\n",
        start: this.position,
        end: this.position,
        newlineBefore: newline,
        auto: true,
      };
      if (this.position < this.end) this.pending = this.scan(true);
      return this.remember(token);
    }
    if (this.position >= this.end)
      return this.remember({ kind: "eof", value: "", start: this.end, end: this.end, newlineBefore: true });
    return this.remember(this.scan(newline));
  }

  private remember(token: Token): Token {
    this.lastKind = token.kind;
    this.lastValue = token.value;
    return token;
  }

  private scan(newlineBefore: boolean): Token {
    const start = this.position;
    const char = this.text[start] ?? "";
    if (char === '"' || char === "'") return this.scanString(start, 0, newlineBefore);
    if (char === "#") {
      let hashes = 0;
      while (this.text[start + hashes] === "#") hashes++;
      const quote = this.text[start + hashes];
      if (quote === '"' || quote === "'") return this.scanString(start + hashes, hashes, newlineBefore, start);
    }
    if (isDigit(char) || (char === "." && isDigit(this.text[start + 1]))) return this.scanNumber(start, newlineBefore);
    if (char === "_" && this.text.startsWith("_|_", start)) {
      this.position = start + 3;
      return { kind: "op", value: "_|_", start, end: this.position, newlineBefore };
    }
    if (isIdentStart(char)) {
      let stop = start + 1;
      while (stop < this.end && isIdentPart(this.text[stop] ?? "")) stop++;
      this.position = stop;
      return { kind: "ident", value: this.text.slice(start, stop), start, end: stop, newlineBefore };
    }
    if (char === "@") return this.scanAttribute(start, newlineBefore);
    for (const op of OPERATORS) {
      if (this.text.startsWith(op, start)) {
        this.position = start + op.length;
        return { kind: op === "," ? "comma" : "op", value: op, start, end: this.position, newlineBefore };
      }
    }
    return this.fail(`illegal character ${JSON.stringify(char)}`, start);
  }

  private scanAttribute(start: number, newlineBefore: boolean): Token {
    let stop = start + 1;
    while (stop < this.end && isIdentPart(this.text[stop] ?? "")) stop++;
    if (this.text[stop] !== "(") this.fail("attribute must be written @name(…)", start);
    let depth = 0;
    for (; stop < this.end; stop++) {
      const char = this.text[stop];
      if (char === "(") depth++;
      else if (char === ")") {
        depth--;
        if (depth === 0) break;
      } else if (char === '"') {
        stop++;
        while (stop < this.end && this.text[stop] !== '"') stop += this.text[stop] === "\\" ? 2 : 1;
      } else if (char === "\n") this.fail("attribute not terminated", start);
    }
    if (depth !== 0) this.fail("attribute not terminated", start);
    this.position = stop + 1;
    return { kind: "attr", value: this.text.slice(start, this.position), start, end: this.position, newlineBefore };
  }

  private scanNumber(start: number, newlineBefore: boolean): Token {
    const rest = this.text.slice(start, this.end);
    const radix = /^0[xX][0-9a-fA-F_]+|^0[oO][0-7_]+|^0[bB][01_]+/.exec(rest);
    if (radix !== null) {
      this.position = start + radix[0].length;
      return { kind: "int", value: radix[0], start, end: this.position, newlineBefore };
    }
    const decimal = /^(?:[0-9][0-9_]*)?(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?(?:[KMGTP]i?)?/.exec(rest);
    const text = decimal?.[0] ?? "";
    if (text === "" || text === ".") return this.fail("malformed number", start);
    // `1.` followed by a letter is a selector on an int only when no digit follows; CUE does not allow it, keep simple.
    this.position = start + text.length;
    const isFloat = /[.eE]/.test(text.replace(/[KMGTP]i?$/, "")) && !/^0[xob]/i.test(text);
    return { kind: isFloat ? "float" : "int", value: text, start, end: this.position, newlineBefore };
  }

  /** Finds where an interpolation `\(…)` that starts at `open` (the parenthesis) ends. */
  private interpolationEnd(open: number): number {
    const inner = new Lexer(this.source, open + 1, this.end);
    let depth = 1;
    for (;;) {
      const token = inner.next();
      if (token.kind === "eof") this.fail("interpolation not terminated", open);
      if (token.kind !== "op") continue;
      if (token.value === "(" || token.value === "[" || token.value === "{") depth++;
      else if (token.value === ")" || token.value === "]" || token.value === "}") {
        depth--;
        if (depth === 0) {
          if (token.value !== ")") this.fail("interpolation not terminated", open);
          return token.start;
        }
      }
    }
  }

  private scanString(quoteAt: number, hashes: number, newlineBefore: boolean, tokenStart = quoteAt): Token {
    const quote = this.text[quoteAt] ?? '"';
    const multiline = this.text.startsWith(quote.repeat(3), quoteAt);
    const closing = (multiline ? quote.repeat(3) : quote) + "#".repeat(hashes);
    const escape = "\\" + "#".repeat(hashes);
    let position = quoteAt + (multiline ? 3 : 1);
    if (multiline) {
      const lineEnd = this.text.indexOf("\n", position);
      if (lineEnd < 0 || this.text.slice(position, lineEnd).trim() !== "")
        this.fail("a multi-line string must start with a newline after the opening quotes", quoteAt);
      position = lineEnd + 1;
    }
    const raw: ({ kind: "text"; text: string } | { kind: "expr"; start: number; end: number })[] = [];
    let text = "";
    for (;;) {
      if (position >= this.end) this.fail("string literal not terminated", tokenStart);
      if (this.text.startsWith(closing, position)) break;
      const char = this.text[position] ?? "";
      if (!multiline && char === "\n") this.fail("string literal not terminated", tokenStart);
      if (this.text.startsWith(escape, position)) {
        const after = position + escape.length;
        if (this.text[after] === "(") {
          raw.push({ kind: "text", text });
          text = "";
          const stop = this.interpolationEnd(after);
          raw.push({ kind: "expr", start: after + 1, end: stop });
          position = stop + 1;
          continue;
        }
        // Keep escapes undecoded until indentation is removed, so an escaped newline is not mistaken for a line start.
        const length = this.escapeLength(after, tokenStart);
        text += ESCAPE_MARK + this.text.slice(after, after + length);
        position = after + length;
        continue;
      }
      text += char;
      position++;
    }
    raw.push({ kind: "text", text });
    this.position = position + closing.length;
    const parts = multiline ? this.stripIndent(raw, tokenStart) : raw;
    const decoded: StringPart[] = parts.map((part) =>
      part.kind === "text" ? { kind: "text", text: this.decodeEscapes(part.text, tokenStart) } : part,
    );
    return {
      kind: "string",
      value: this.text.slice(tokenStart, this.position),
      start: tokenStart,
      end: this.position,
      newlineBefore,
      parts: decoded,
      bytes: quote === "'",
    };
  }

  private escapeLength(at: number, tokenStart: number): number {
    const char = this.text[at];
    switch (char) {
      case "u":
        return 5;
      case "U":
        return 9;
      case "x":
        return 3;
      case undefined:
        return this.fail("escape sequence not terminated", tokenStart);
      default:
        return /[0-7]/.test(char) ? 3 : 1;
    }
  }

  private decodeEscapes(text: string, tokenStart: number): string {
    if (!text.includes(ESCAPE_MARK)) return text;
    return text.replace(ESCAPE_PATTERN, (_, code: string) => {
      switch (code[0]) {
        case "n":
          return "\n";
        case "t":
          return "\t";
        case "r":
          return "\r";
        case "a":
          return "\u0007";
        case "b":
          return "\b";
        case "f":
          return "\f";
        case "v":
          return "\v";
        case "\\":
        case "/":
        case '"':
        case "'":
          return code;
        case "u":
        case "U":
          return String.fromCodePoint(parseInt(code.slice(1), 16));
        case "x":
          return String.fromCharCode(parseInt(code.slice(1), 16));
        default:
          if (/^[0-7]{3}$/.test(code)) return String.fromCharCode(parseInt(code, 8));
          return this.fail(`unknown escape sequence \\${code}`, tokenStart);
      }
    });
  }

  /** Removes a multi-line string's indentation (the whitespace before its closing quotes) from every line. */
  private stripIndent(
    raw: readonly ({ kind: "text"; text: string } | { kind: "expr"; start: number; end: number })[],
    tokenStart: number,
  ): ({ kind: "text"; text: string } | { kind: "expr"; start: number; end: number })[] {
    const last = raw[raw.length - 1];
    const lastText = last?.kind === "text" ? last.text : "";
    const newline = lastText.lastIndexOf("\n");
    const indent = newline < 0 ? lastText : lastText.slice(newline + 1);
    if (indent.trim() !== "" || (newline < 0 && raw.length > 1))
      this.fail("the closing quotes of a multi-line string must be on their own line", tokenStart);
    const result = raw.map((part) => ({ ...part }));
    const final = result[result.length - 1];
    if (final?.kind === "text") final.text = newline < 0 ? "" : final.text.slice(0, newline);
    let atLineStart = true;
    for (const part of result) {
      if (part.kind !== "text") {
        atLineStart = false;
        continue;
      }
      const lines = part.text.split("\n");
      part.text = lines
        .map((line, index) => {
          if (index === 0 && !atLineStart) return line;
          if (line.startsWith(indent)) return line.slice(indent.length);
          if (line.trim() === "") return "";
          return this.fail("a line of a multi-line string is indented less than its closing quotes", tokenStart);
        })
        .join("\n");
      atLineStart = false;
    }
    return result;
  }
}
