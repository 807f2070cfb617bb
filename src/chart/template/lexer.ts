/**
 * Lexer for Go `text/template` (a port of `text/template/parse/lex.go`): turns template text into
 * items. Positions are offsets into the text; the parser turns them into line:column for errors.
 */

export type ItemType =
  | "error"
  | "bool"
  | "char"
  | "assign"
  | "declare"
  | "eof"
  | "field"
  | "identifier"
  | "leftDelim"
  | "leftParen"
  | "number"
  | "pipe"
  | "rawString"
  | "rightDelim"
  | "rightParen"
  | "space"
  | "string"
  | "text"
  | "variable"
  | "comma"
  | "dot"
  | "nil"
  | "keyword";

/** One lexical item. `pos` is the offset of its first character; `line` is 1-based. */
export interface Item {
  readonly type: ItemType;
  readonly pos: number;
  readonly value: string;
  readonly line: number;
}

const KEYWORDS = new Set([
  "block",
  "break",
  "continue",
  "define",
  "else",
  "end",
  "if",
  "range",
  "nil",
  "template",
  "with",
]);
const LEFT = "{{";
const RIGHT = "}}";
const LEFT_COMMENT = "/*";
const RIGHT_COMMENT = "*/";

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
}

function isAlphaNumeric(ch: string): boolean {
  return ch === "_" || /^[\p{L}\p{Nd}]$/u.test(ch);
}

/** Lexes the whole template at once (Go's lexer runs as a goroutine; an array is simpler here). */
export function lexTemplate(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  let insideAction = false;

  const emit = (type: ItemType): void => {
    items.push({ type, pos: start, value: input.slice(start, pos), line: startLine });
    start = pos;
    startLine = line;
  };
  const emitValue = (type: ItemType, value: string): void => {
    items.push({ type, pos: start, value, line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = (): void => {
    line += countNewlines(input, start, pos);
    start = pos;
    startLine = line;
  };
  const next = (): string => {
    if (pos >= input.length) {
      pos++;
      return "";
    }
    const ch = input[pos] ?? "";
    pos++;
    if (ch === "\n") line++;
    return ch;
  };
  const backup = (): void => {
    pos--;
    if (pos < input.length && input[pos] === "\n") line--;
  };
  const peek = (): string => input[pos] ?? "";
  const fail = (message: string): void => {
    items.push({ type: "error", pos: start, value: message, line: startLine });
  };

  const hasLeftTrim = (at: number): boolean => input[at] === "-" && isSpace(input[at + 1] ?? "");
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (input[pos] === " " || input[pos] === "\t" || input[pos] === "\r" || input[pos] === "\n") {
      if (input[pos + 1] === "-" && input.startsWith(RIGHT, pos + 2)) return { delim: true, trim: true };
    }
    if (input.startsWith(RIGHT, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };

  // Text and delimiters, alternating with the inside of actions.
  for (;;) {
    if (!insideAction) {
      const found = input.indexOf(LEFT, pos);
      if (found < 0) {
        pos = input.length;
        if (pos > start) {
          const value = input.slice(start, pos);
          items.push({ type: "text", pos: start, value, line: startLine });
          line += countNewlines(value, 0, value.length);
        }
        items.push({ type: "eof", pos, value: "", line });
        return items;
      }
      const trim = hasLeftTrim(found + LEFT.length);
      let textEnd = found;
      if (trim) {
        while (textEnd > start && isSpace(input[textEnd - 1] ?? "")) textEnd--;
      }
      if (textEnd > start) {
        const value = input.slice(start, textEnd);
        items.push({ type: "text", pos: start, value, line: startLine });
      }
      line += countNewlines(input, start, found);
      pos = found;
      start = pos;
      startLine = line;
      // Left delimiter (and a comment right after it).
      const afterMarker = LEFT.length + (trim ? 2 : 0);
      if (input.startsWith(LEFT_COMMENT, pos + afterMarker)) {
        pos += afterMarker;
        start = pos;
        const close = input.indexOf(RIGHT_COMMENT, pos + LEFT_COMMENT.length);
        if (close < 0) {
          fail("unclosed comment");
          return items;
        }
        pos = close + RIGHT_COMMENT.length;
        line += countNewlines(input, start, pos);
        // Comment must end at the right delimiter.
        const rd = atRightDelim();
        if (!rd.delim) {
          fail("comment ends before closing delimiter");
          return items;
        }
        pos += rd.trim ? 2 + RIGHT.length : RIGHT.length;
        if (rd.trim) {
          while (pos < input.length && isSpace(input[pos] ?? "")) {
            if (input[pos] === "\n") line++;
            pos++;
          }
        }
        start = pos;
        startLine = line;
        continue;
      }
      pos += LEFT.length;
      emit("leftDelim");
      if (trim) {
        pos += 2;
        ignore();
      }
      insideAction = true;
      parenDepth = 0;
      continue;
    }

    // Inside an action.
    const rd = atRightDelim();
    if (rd.delim && parenDepth === 0) {
      if (rd.trim) {
        pos += 2; // space and '-'
        ignore();
      }
      pos += RIGHT.length;
      emit("rightDelim");
      if (rd.trim) {
        while (pos < input.length && isSpace(input[pos] ?? "")) {
          if (input[pos] === "\n") line++;
          pos++;
        }
        start = pos;
        startLine = line;
      }
      insideAction = false;
      continue;
    }
    const ch = next();
    if (ch === "") {
      fail("unclosed action");
      return items;
    }
    if (isSpace(ch)) {
      let spaces = 1;
      while (isSpace(peek())) {
        next();
        spaces++;
      }
      if (input[pos] === "-" && input.startsWith(RIGHT, pos + 1)) {
        // The last space belongs to the " -}}" trim marker.
        backup();
        if (spaces === 1) continue;
      }
      emit("space");
      continue;
    }
    if (ch === "=") {
      emit("assign");
      continue;
    }
    if (ch === ":") {
      if (next() !== "=") {
        fail("expected :=");
        return items;
      }
      emit("declare");
      continue;
    }
    if (ch === "|") {
      emit("pipe");
      continue;
    }
    if (ch === '"') {
      if (!lexQuote()) return items;
      continue;
    }
    if (ch === "`") {
      const close = input.indexOf("`", pos);
      if (close < 0) {
        fail("unterminated raw quoted string");
        return items;
      }
      line += countNewlines(input, pos, close);
      pos = close + 1;
      emit("rawString");
      continue;
    }
    if (ch === "$") {
      lexVariableOrField("variable");
      continue;
    }
    if (ch === "'") {
      if (!lexChar()) return items;
      continue;
    }
    if (ch === ".") {
      const following = peek();
      if (following < "0" || following > "9") {
        lexVariableOrField("field");
        continue;
      }
      backup();
      if (!lexNumber()) return items;
      continue;
    }
    if (ch === "+" || ch === "-" || (ch >= "0" && ch <= "9")) {
      backup();
      if (!lexNumber()) return items;
      continue;
    }
    if (isAlphaNumeric(ch)) {
      while (pos < input.length && isAlphaNumeric(peek())) next();
      const word = input.slice(start, pos);
      if (!atTerminator()) {
        fail(`bad character ${JSON.stringify(peek())}`);
        return items;
      }
      if (KEYWORDS.has(word)) emit(word === "nil" ? "nil" : "keyword");
      else if (word === "true" || word === "false") emit("bool");
      else emit("identifier");
      continue;
    }
    if (ch === "(") {
      parenDepth++;
      emit("leftParen");
      continue;
    }
    if (ch === ")") {
      parenDepth--;
      if (parenDepth < 0) {
        fail("unexpected right paren");
        return items;
      }
      emit("rightParen");
      continue;
    }
    if (ch === ",") {
      emit("comma");
      continue;
    }
    fail(`unrecognized character in action: ${JSON.stringify(ch)}`);
    return items;
  }

  function atTerminator(): boolean {
    const ch = peek();
    if (ch === "" || isSpace(ch)) return true;
    if (". ,|:)(=".includes(ch)) return true;
    return input.startsWith(RIGHT, pos);
  }

  function lexVariableOrField(type: "variable" | "field"): void {
    if (atTerminator()) {
      emit(type === "variable" ? "variable" : "dot");
      return;
    }
    while (pos < input.length && isAlphaNumeric(peek())) next();
    if (!atTerminator()) {
      fail(`bad character ${JSON.stringify(peek())}`);
      return;
    }
    emit(type);
  }

  function lexQuote(): boolean {
    for (;;) {
      const ch = next();
      if (ch === "\\") {
        const escaped = next();
        if (escaped !== "" && escaped !== "\n") continue;
        fail("unterminated quoted string");
        return false;
      }
      if (ch === "" || ch === "\n") {
        fail("unterminated quoted string");
        return false;
      }
      if (ch === '"') break;
    }
    emit("string");
    return true;
  }

  function lexChar(): boolean {
    for (;;) {
      const ch = next();
      if (ch === "\\") {
        const escaped = next();
        if (escaped !== "" && escaped !== "\n") continue;
        fail("unterminated character constant");
        return false;
      }
      if (ch === "" || ch === "\n") {
        fail("unterminated character constant");
        return false;
      }
      if (ch === "'") break;
    }
    emit("char");
    return true;
  }

  function lexNumber(): boolean {
    const match =
      /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(
        input.slice(pos),
      );
    const text = match?.[0] ?? "";
    if (text === "" || text === "+" || text === "-") {
      fail(`bad number syntax: ${JSON.stringify(input.slice(pos, pos + 1))}`);
      return false;
    }
    for (let i = 0; i < text.length; i++) next();
    if (isAlphaNumeric(peek())) {
      next();
      fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
      return false;
    }
    emitValue("number", text);
    return true;
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) count++;
  return count;
}
