import type { Clause, Comprehension, Decl, Expr, FileNode, LetDecl, Resolution, StructLit } from "./ast.js";
import { CueError, type CueProblem } from "./errors.js";

/** Names every scope sees unless a field shadows them. */
export const PREDECLARED = new Set([
  "int",
  "float",
  "number",
  "string",
  "bytes",
  "bool",
  "null",
  "len",
  "close",
  "and",
  "or",
  "div",
  "mod",
  "quo",
  "rem",
]);

type Scope =
  | {
      readonly kind: "struct";
      readonly labels: ReadonlySet<string>;
      readonly lets: ReadonlyMap<string, LetDecl>;
      readonly aliases: ReadonlyMap<string, string>;
    }
  | { readonly kind: "bindings"; readonly names: readonly (string | undefined)[] };

/** What the resolver needs to know besides the files. */
export interface ResolveOptions {
  /** Top-level names supplied at evaluation time (looked up on the root when no scope declares them). */
  readonly injected: ReadonlySet<string>;
  /** Import name → path, per file. */
  readonly imports: ReadonlyMap<string, string>;
}

function structScope(lit: StructLit, extraLabels?: ReadonlySet<string>): Scope {
  const labels = new Set<string>(extraLabels);
  const lets = new Map<string, LetDecl>();
  const aliases = new Map<string, string>();
  for (const decl of lit.decls) {
    // Quoted labels ("a-b": 1) are fields but not names: identifiers cannot refer to them.
    if (decl.type === "Field" && decl.label.type === "static" && !decl.label.quoted) {
      labels.add(decl.label.name);
      if (decl.alias !== undefined) aliases.set(decl.alias, decl.label.name);
    } else if (decl.type === "LetDecl") lets.set(decl.name, decl);
  }
  lit.scope = { labels };
  return { kind: "struct", labels, lets, aliases };
}

/**
 * Resolves every identifier of a file to a scope depth and label/slot (filling `Ident.ref`), the way
 * CUE scopes names: fields of enclosing struct literals, `let`s, comprehension variables, pattern
 * aliases, imports, then predeclared names. Unknown names are reported together.
 */
export class Resolver {
  private readonly scopes: Scope[] = [];
  readonly problems: CueProblem[] = [];

  constructor(private readonly options: ResolveOptions) {}

  resolveFile(file: FileNode, packageLabels: ReadonlySet<string>): void {
    this.scopes.push(structScope(file.body, packageLabels));
    for (const decl of file.body.decls) this.decl(decl);
    this.scopes.pop();
  }

  resolveExpr(expr: Expr): void {
    this.expr(expr);
  }

  private lookup(name: string): Resolution | undefined {
    for (let depth = 0; depth < this.scopes.length; depth++) {
      const scope = this.scopes[this.scopes.length - 1 - depth] as Scope;
      if (scope.kind === "struct") {
        if (scope.labels.has(name)) return { kind: "field", depth, label: name };
        const decl = scope.lets.get(name);
        if (decl !== undefined) return { kind: "let", depth, decl };
        const alias = scope.aliases.get(name);
        if (alias !== undefined) return { kind: "field", depth, label: alias };
      } else {
        const slot = scope.names.indexOf(name);
        if (slot >= 0) return { kind: "binding", depth, slot };
      }
    }
    const path = this.options.imports.get(name);
    if (path !== undefined) return { kind: "import", path };
    if (PREDECLARED.has(name)) return { kind: "builtin", name };
    if (this.options.injected.has(name)) return { kind: "injected", label: name };
    return undefined;
  }

  private struct(lit: StructLit): void {
    this.scopes.push(structScope(lit));
    for (const decl of lit.decls) this.decl(decl);
    this.scopes.pop();
  }

  private decl(decl: Decl): void {
    switch (decl.type) {
      case "Field":
        if (decl.label.type === "dynamic") this.expr(decl.label.expr);
        if (decl.label.type === "pattern") {
          this.expr(decl.label.expr);
          if (decl.label.alias !== undefined) {
            this.scopes.push({ kind: "bindings", names: [decl.label.alias] });
            this.expr(decl.value);
            this.scopes.pop();
            return;
          }
        }
        this.expr(decl.value);
        return;
      case "LetDecl":
        this.expr(decl.expr);
        return;
      case "Embedding":
        this.expr(decl.expr);
        return;
      case "Comprehension":
        this.comprehension(decl);
        return;
      case "Ellipsis":
        if (decl.constraint !== undefined) this.expr(decl.constraint);
        return;
      case "AttributeDecl":
        return;
    }
  }

  private comprehension(comprehension: Comprehension): void {
    let pushed = 0;
    for (const clause of comprehension.clauses) pushed += this.clause(clause);
    this.struct(comprehension.body);
    this.scopes.length -= pushed;
  }

  private clause(clause: Clause): number {
    switch (clause.type) {
      case "ForClause":
        this.expr(clause.iterable);
        this.scopes.push({ kind: "bindings", names: [clause.key, clause.value] });
        return 1;
      case "IfClause":
        this.expr(clause.condition);
        return 0;
      case "LetClause":
        this.expr(clause.expr);
        this.scopes.push({ kind: "bindings", names: [clause.name] });
        return 1;
    }
  }

  private expr(expr: Expr): void {
    switch (expr.type) {
      case "Ident": {
        const ref = this.lookup(expr.name);
        if (ref === undefined) {
          this.problems.push({
            kind: "reference",
            message: `reference "${expr.name}" not found`,
            path: "",
            positions: [expr.source.position(expr.start)],
          });
        } else expr.ref = ref;
        return;
      }
      case "BasicLit":
        return;
      case "StringLit":
        for (const part of expr.parts) if (typeof part !== "string") this.expr(part);
        return;
      case "UnaryExpr":
        this.expr(expr.operand);
        return;
      case "BinaryExpr":
        this.expr(expr.left);
        this.expr(expr.right);
        return;
      case "SelectorExpr":
        this.expr(expr.target);
        return;
      case "IndexExpr":
        this.expr(expr.target);
        this.expr(expr.index);
        return;
      case "SliceExpr":
        this.expr(expr.target);
        if (expr.low !== undefined) this.expr(expr.low);
        if (expr.high !== undefined) this.expr(expr.high);
        return;
      case "CallExpr":
        this.expr(expr.callee);
        for (const arg of expr.args) this.expr(arg);
        return;
      case "ParenExpr":
        this.expr(expr.expr);
        return;
      case "StructLit":
        this.struct(expr);
        return;
      case "ListLit":
        for (const element of expr.elements) {
          if (element.type === "Comprehension") this.comprehension(element);
          else this.expr(element);
        }
        if (expr.rest !== undefined && expr.rest !== "top") this.expr(expr.rest);
        return;
    }
  }

  /** Throws every unresolved name at once. */
  throwIfProblems(): void {
    if (this.problems.length > 0) throw new CueError(this.problems);
  }
}
