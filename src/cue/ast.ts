import type { SourceFile } from "./source.js";

/**
 * The CUE syntax tree. Every node keeps its source file and offsets for error positions.
 * `Ident` nodes get a `ref` from the resolver (compile.ts), so evaluation never looks names up by text.
 */

interface NodeBase {
  readonly source: SourceFile;
  readonly start: number;
  readonly end: number;
}

/** What an identifier refers to, worked out once at compile time. */
export type Resolution =
  /** A field (or field alias) of the struct `depth` scopes up. */
  | { readonly kind: "field"; readonly depth: number; readonly label: string }
  /** A `let`, comprehension variable or label alias of the scope `depth` up, by slot. */
  | { readonly kind: "binding"; readonly depth: number; readonly slot: number }
  /** A `let` declared in the struct `depth` scopes up. */
  | { readonly kind: "let"; readonly depth: number; readonly decl: LetDecl }
  /** An imported package. */
  | { readonly kind: "import"; readonly path: string }
  /** A predeclared name (`int`, `len`, `close`…). */
  | { readonly kind: "builtin"; readonly name: string }
  /** A top-level field supplied at evaluation time (`context`, `parameter`). */
  | { readonly kind: "injected"; readonly label: string };

export interface Ident extends NodeBase {
  readonly type: "Ident";
  readonly name: string;
  ref?: Resolution;
}

export interface BasicLit extends NodeBase {
  readonly type: "BasicLit";
  readonly kind: "null" | "bool" | "int" | "float" | "top" | "bottom";
  /** Number text, `true`/`false`, or empty. */
  readonly value: string;
}

/** A string or bytes literal, possibly interpolated (`parts` alternates text and expressions). */
export interface StringLit extends NodeBase {
  readonly type: "StringLit";
  readonly bytes: boolean;
  readonly parts: readonly (string | Expr)[];
  /** The decoded text when there is no interpolation. */
  readonly text?: string;
}

export interface UnaryExpr extends NodeBase {
  readonly type: "UnaryExpr";
  /** `-`, `+`, `!`, `*` (default mark), or a bound `<`, `<=`, `>`, `>=`, `!=`, `=~`, `!~`. */
  readonly op: string;
  readonly operand: Expr;
}

export interface BinaryExpr extends NodeBase {
  readonly type: "BinaryExpr";
  readonly op: string;
  readonly left: Expr;
  readonly right: Expr;
}

export interface SelectorExpr extends NodeBase {
  readonly type: "SelectorExpr";
  readonly target: Expr;
  readonly label: string;
}

export interface IndexExpr extends NodeBase {
  readonly type: "IndexExpr";
  readonly target: Expr;
  readonly index: Expr;
}

export interface SliceExpr extends NodeBase {
  readonly type: "SliceExpr";
  readonly target: Expr;
  readonly low?: Expr;
  readonly high?: Expr;
}

export interface CallExpr extends NodeBase {
  readonly type: "CallExpr";
  readonly callee: Expr;
  readonly args: readonly Expr[];
}

export interface ParenExpr extends NodeBase {
  readonly type: "ParenExpr";
  readonly expr: Expr;
}

export interface StructLit extends NodeBase {
  readonly type: "StructLit";
  readonly decls: readonly Decl[];
  /** Set by the resolver: the struct declares fields or lets (so it opens a scope frame). */
  scope?: StructScope;
}

/** What a struct literal declares, for reference resolution and closedness. */
export interface StructScope {
  /** Static labels of its fields (including definitions and hidden fields), in order. */
  readonly labels: ReadonlySet<string>;
}

export interface ListLit extends NodeBase {
  readonly type: "ListLit";
  readonly elements: readonly (Expr | Comprehension)[];
  /** `...T` at the end: the list is open, extra elements must be T. */
  readonly rest?: Expr | "top";
}

/** A `for`/`if`/`let` clause chain followed by a struct body. */
export interface Comprehension extends NodeBase {
  readonly type: "Comprehension";
  readonly clauses: readonly Clause[];
  readonly body: StructLit;
}

export type Clause =
  | (NodeBase & { readonly type: "ForClause"; readonly key?: string; readonly value: string; readonly iterable: Expr })
  | (NodeBase & { readonly type: "IfClause"; readonly condition: Expr })
  | (NodeBase & { readonly type: "LetClause"; readonly name: string; readonly expr: Expr });

export type Expr =
  | Ident
  | BasicLit
  | StringLit
  | UnaryExpr
  | BinaryExpr
  | SelectorExpr
  | IndexExpr
  | SliceExpr
  | CallExpr
  | ParenExpr
  | StructLit
  | ListLit;

/** Which kind of field a label makes. */
export type FieldKind = "regular" | "optional" | "required";

/** A field label. */
export type Label =
  /** An identifier or plain string label; `name` is the label text (`#x`, `_x`, `"a-b"` unquoted). */
  | { readonly type: "static"; readonly name: string; readonly quoted: boolean }
  /** `(expr)` or an interpolated string: computed at evaluation time. */
  | { readonly type: "dynamic"; readonly expr: Expr }
  /** `[expr]: T` (optionally `[X=expr]`): constrains every field whose label matches. */
  | { readonly type: "pattern"; readonly expr: Expr; readonly alias?: string };

/** One parsed attribute `@name(body)`. */
export interface Attribute {
  readonly name: string;
  readonly body: string;
}

export interface Field extends NodeBase {
  readonly type: "Field";
  readonly label: Label;
  readonly kind: FieldKind;
  readonly value: Expr;
  /** `X=label: value`: X names this field in the enclosing struct. */
  readonly alias?: string;
  readonly attributes: readonly Attribute[];
  /** Comment lines directly above the field and on its line, without `//`. */
  readonly comments: readonly string[];
}

export interface LetDecl extends NodeBase {
  readonly type: "LetDecl";
  readonly name: string;
  readonly expr: Expr;
}

export interface Embedding extends NodeBase {
  readonly type: "Embedding";
  readonly expr: Expr;
}

export interface Ellipsis extends NodeBase {
  readonly type: "Ellipsis";
  readonly constraint?: Expr;
}

export interface AttributeDecl extends NodeBase {
  readonly type: "AttributeDecl";
  readonly attribute: Attribute;
}

export type Decl = Field | LetDecl | Embedding | Comprehension | Ellipsis | AttributeDecl;

export interface ImportSpec extends NodeBase {
  readonly path: string;
  /** The name the file uses: given, or the last path element. */
  readonly name: string;
}

/** A parsed file: package clause, imports and top-level declarations (as one struct literal). */
export interface FileNode {
  readonly source: SourceFile;
  readonly packageName?: string;
  readonly imports: readonly ImportSpec[];
  readonly body: StructLit;
}
