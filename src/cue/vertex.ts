import type { JsonValue } from "../util/index.js";
import type { Comprehension, Expr, Field, FieldKind, LetDecl, StructLit } from "./ast.js";
import type { CuePosition } from "./source.js";
import { TOP, type Bottom, type Scalar } from "./value.js";

/**
 * The evaluation graph. A {@link Vertex} is one node of the configuration tree (a field, a list
 * element, the root, or a detached value); it collects conjuncts (expression + environment pairs,
 * or values) and is evaluated lazily: its own value and the set of its arcs first, its children
 * only when something reads them. References resolve to vertices, and a reference used as a field
 * value copies the referenced vertex's conjuncts, so struct literals re-bind their self-references
 * to the new place (this is how `#D & {x: 1}` works).
 */

/** A value as expressions see it. */
export type Value = Scalar | VertexValue | DisjValue | FuncValue | PackageValue;

export interface VertexValue {
  readonly t: "vertex";
  readonly v: Vertex;
}

/** An unresolved disjunction of values; `defaults[i]` marks the `*` alternatives. */
export interface DisjValue {
  readonly t: "disj";
  readonly alts: readonly Value[];
  readonly defaults: readonly boolean[];
}

/** A builtin function (`len`, `strings.Join`…). */
export interface FuncValue {
  readonly t: "func";
  readonly name: string;
  readonly fn: BuiltinFunction;
}

/** An imported package, as the target of a selector. */
export interface PackageValue {
  readonly t: "package";
  readonly path: string;
}

/** What builtin functions get from the evaluator. */
export interface BuiltinContext {
  /** The value as JSON, or a Bottom when it is not concrete. */
  toJson(value: Value): JsonValue | Bottom;
  /** A value built from JSON (a detached struct or list for objects and arrays). */
  fromJson(value: JsonValue): Value;
  /** The elements of a list value, or a Bottom. */
  listElements(value: Value): readonly Value[] | Bottom;
  /** Position of the call, for errors. */
  readonly pos: CuePosition | undefined;
}

export interface BuiltinFunction {
  /** Accepted argument counts. */
  readonly params: readonly number[];
  call(args: readonly Value[], context: BuiltinContext): Value;
}

/** A closedness group: the fields one definition (or `close()` call) allows, per vertex. */
export class CloseGroup {
  private children: Map<string, CloseGroup> | undefined;
  private members: Set<CloseGroup> | undefined;

  constructor(
    private readonly parent?: CloseGroup,
    private readonly label?: string,
  ) {}

  /** The group of the same definition one level down (`label` of a struct or `*` for list elements). */
  child(label: string): CloseGroup {
    this.children ??= new Map();
    let found = this.children.get(label);
    if (found === undefined) {
      found = new CloseGroup(this, label);
      this.children.set(label, found);
    }
    return found;
  }

  /**
   * Another definition's group unified into this one's value (`#P: #D & {m: 1}`): the definition
   * closes the whole unification, so what `#D` declares (or leaves open with `...`) is allowed here too.
   */
  absorb(group: CloseGroup): void {
    if (group !== this) (this.members ??= new Set()).add(group);
  }

  /** The groups absorbed here, directly or one level down from an absorbed parent. */
  linked(): CloseGroup[] {
    const groups = [...(this.members ?? [])];
    if (this.parent !== undefined && this.label !== undefined)
      for (const member of this.parent.linked()) groups.push(member.child(this.label));
    return groups;
  }
}

/** A struct literal being evaluated inside a closed group collects what it allows here. */
export interface GroupState {
  readonly labels: Set<string>;
  open: boolean;
  readonly patterns: Value[];
}

/** One input to a vertex. */
export type Conjunct =
  | {
      readonly k: "expr";
      readonly expr: Expr;
      readonly env: Env | null;
      /** The closed group this conjunct belongs to. */
      readonly close?: CloseGroup | undefined;
      /** Set when the conjunct came from an embedding in this struct literal (its labels extend embedded definitions). */
      readonly embeddedIn?: StructLit;
      /** The field declaration it is the value of (for comments and attributes). */
      readonly decl?: Field;
    }
  | { readonly k: "json"; readonly value: JsonValue }
  | { readonly k: "value"; readonly value: Value; readonly pos?: CuePosition };

/** A lexical scope at evaluation time: the struct being built (struct scopes) or bound names. */
export class Env {
  private lets: Map<LetDecl, Vertex> | undefined;

  constructor(
    readonly parent: Env | null,
    readonly vertex: Vertex | null,
    readonly bindings: readonly Value[] | null,
  ) {}

  /** The scope `depth` levels up. */
  up(depth: number): Env | null {
    let env: Env | null = depth === 0 ? this : this.parent;
    for (let index = 1; index < depth && env !== null; index++) env = env.parent;
    return env;
  }

  /** The vertex of a `let` in this scope, created on first use. */
  letVertex(decl: LetDecl, create: () => Vertex): Vertex {
    this.lets ??= new Map();
    let found = this.lets.get(decl);
    if (found === undefined) {
      found = create();
      this.lets.set(decl, found);
    }
    return found;
  }
}

/** A pattern constraint `[expr]: T` waiting for matching arcs. */
export interface Pattern {
  readonly constraint: Value;
  readonly value: Expr;
  readonly env: Env;
  readonly alias: boolean;
  readonly close?: CloseGroup | undefined;
}

/** A list literal that allows more elements (`[a, ...T]`): index from which `rest` applies. */
export interface OpenList {
  readonly fixed: number;
  readonly rest: Conjunct | undefined;
}

/** A pending `a | b` at a vertex: its alternatives as conjuncts, with default marks. */
export interface PendingDisjunction {
  readonly alts: readonly { readonly conjunct: Conjunct; readonly isDefault: boolean }[];
  readonly hasDefault: boolean;
  readonly pos: CuePosition | undefined;
  /** Source text of the disjunction, for messages. */
  readonly text: string;
}

export interface PendingComprehension {
  readonly comprehension: Comprehension;
  readonly env: Env;
  readonly close: CloseGroup | undefined;
}

/** Evaluation states of a vertex. */
export const UNEVALUATED = 0;
export const EVALUATING = 1;
export const EVALUATED = 2;

let nextVertexId = 0;

export class Vertex {
  readonly id = nextVertexId++;
  fieldKind: FieldKind = "regular";
  readonly conjuncts: Conjunct[] = [];
  /** Field declarations that gave conjuncts (comments, attributes, positions). */
  decls: Field[] | undefined;
  status = UNEVALUATED;

  /** Meet of all scalar conjuncts. */
  scalar: Scalar = TOP;
  /** A struct literal declared fields here (or `{}`): it is a struct, not a scalar. */
  declaresStruct = false;
  /** A struct literal with only embeddings was applied (a scalar embedded in it stands for the whole). */
  embedsOnly = false;
  isList = false;
  arcs: Map<string, Vertex> | undefined;
  elems: Vertex[] | undefined;
  closedLength: number | undefined;
  openLists: OpenList[] | undefined;
  patterns: Pattern[] | undefined;
  groups: Map<CloseGroup, GroupState> | undefined;
  /** Labels allowed by an embedding struct literal, per closed group brought in by that embedding. */
  embedLabels: Map<CloseGroup, Set<string>> | undefined;
  comprehensions: PendingComprehension[] | undefined;
  disjunctions: PendingDisjunction[] | undefined;
  /** The conjuncts that are not disjunctions or references, after expansion (rebuilds a disjunct). */
  leaves: Conjunct[] | undefined;
  /** Several disjuncts survived: the alternatives and which are defaults. */
  alternatives:
    { readonly values: readonly Value[]; readonly defaults: readonly boolean[]; readonly text: string } | undefined;
  error: Bottom | undefined;
  /** The closed group of a definition vertex, shared by every use of the definition. */
  private ownGroup: CloseGroup | undefined;

  constructor(
    public parent: Vertex | null,
    readonly label: string,
  ) {}

  get isDefinition(): boolean {
    return this.label.startsWith("#") || this.label.startsWith("_#");
  }

  get isHidden(): boolean {
    return this.label.startsWith("_") && !this.label.startsWith("_#");
  }

  /** The group every use of this definition shares. */
  closeGroup(): CloseGroup {
    this.ownGroup ??= new CloseGroup();
    return this.ownGroup;
  }

  /** The arc for a field label, created (regular, optional or required) if missing. */
  arc(label: string, kind: FieldKind): { vertex: Vertex; created: boolean } {
    this.arcs ??= new Map();
    const found = this.arcs.get(label);
    if (found !== undefined) {
      if (kind === "regular" || (kind === "required" && found.fieldKind === "optional")) found.fieldKind = kind;
      return { vertex: found, created: false };
    }
    const vertex = new Vertex(this, label);
    vertex.fieldKind = kind;
    this.arcs.set(label, vertex);
    return { vertex, created: true };
  }

  /** The list element at `index`, created if missing. */
  elem(index: number): Vertex {
    this.elems ??= [];
    let found = this.elems[index];
    while (found === undefined) {
      this.elems.push(new Vertex(this, String(this.elems.length)));
      found = this.elems[index];
    }
    return found;
  }

  addDecl(decl: Field): void {
    this.decls ??= [];
    if (!this.decls.includes(decl)) this.decls.push(decl);
  }

  /** Path labels from the root. */
  path(): string[] {
    const labels: string[] = [];
    if (this.parent === null) return labels;
    labels.push(this.label);
    for (let vertex = this.parent; vertex.parent !== null; vertex = vertex.parent) labels.unshift(vertex.label);
    return labels;
  }

  isAncestorOf(other: Vertex): boolean {
    for (let vertex = other.parent; vertex !== null; vertex = vertex.parent) if (vertex === this) return true;
    return false;
  }

  /** Position of the first conjunct that has one. */
  firstPosition(): CuePosition | undefined {
    for (const conjunct of this.conjuncts) {
      if (conjunct.k === "expr") return conjunct.expr.source.position(conjunct.expr.start);
      if (conjunct.k === "value" && conjunct.pos !== undefined) return conjunct.pos;
    }
    return undefined;
  }
}

/** Formats a path the way CUE prints one: `a.b."c-d".0`. */
export function formatPath(labels: readonly string[]): string {
  return labels
    .map((label) => (/^(?:[#_$A-Za-z][#_$A-Za-z0-9]*|\d+)$/.test(label) ? label : JSON.stringify(label)))
    .join(".");
}
