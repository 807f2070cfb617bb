/**
 * The CUE evaluator: unification, disjunctions with defaults, comprehensions, references and
 * closedness over the parsed AST, with evaluation limits. Long because CUE's value lattice is one
 * algorithm: the cases of `unify` and the evaluation of each expression kind call into each other
 * and share the evaluator's state (environments, cycle marks, limits); split, they would need
 * that state passed through every call.
 */
import type { JsonValue } from "../util/index.js";
import type { BinaryExpr, Clause, Comprehension, Expr, Field, ListLit, StructLit } from "./ast.js";
import { cueError } from "./errors.js";
import { binaryAtoms, concreteOperand, interpolationText, numberLiteral, unaryAtom } from "./ops.js";
import type { CuePosition } from "./source.js";
import {
  atomJson,
  atomOf,
  atomsEqual,
  bottom,
  boundConstraint,
  BYTES,
  formatAtom,
  formatConstraint,
  isTop,
  meetScalars,
  STRING,
  TOP,
  BOOL,
  INT,
  type Atom,
  type Bottom,
  type Bound,
  type Scalar,
} from "./value.js";
import {
  CloseGroup,
  Env,
  EVALUATED,
  EVALUATING,
  UNEVALUATED,
  Vertex,
  type BuiltinContext,
  type Conjunct,
  type DisjValue,
  type GroupState,
  type PendingDisjunction,
  type Value,
} from "./vertex.js";

/** Bounds of one evaluation: going past any of them is a `limit` CueError, never a hang. */
export interface EvalLimits {
  /**
   * Units of work (conjuncts added, expressions evaluated).
   * @default 2_000_000
   */
  readonly maxSteps: number;
  /**
   * Nesting of evaluations (references through references, nested structs).
   * @default 400
   */
  readonly maxDepth: number;
  /**
   * Nodes of the value tree.
   * @default 500_000
   */
  readonly maxVertices: number;
  /**
   * Combinations tried when several disjunctions meet in one value.
   * @default 256
   */
  readonly maxDisjunctions: number;
}

export const DEFAULT_LIMITS: EvalLimits = {
  maxSteps: 2_000_000,
  maxDepth: 400,
  maxVertices: 500_000,
  maxDisjunctions: 256,
};

/** What an import path gives: builtin members, or the root of a CUE package evaluated with this evaluation. */
export interface PackageSource {
  member(path: string, label: string, evaluator: Evaluator, pos: CuePosition | undefined): Value | Vertex;
}

/** The limit was passed: unwinds the whole evaluation. */
export class LimitExceeded extends Error {
  constructor(
    readonly what: string,
    readonly pos: CuePosition | undefined,
  ) {
    super(what);
  }
}

interface ConjunctContext {
  readonly env: Env | null;
  readonly close?: CloseGroup | undefined;
  readonly embeddedIn?: StructLit | undefined;
}

interface Alternative {
  readonly conjunct: Conjunct;
  readonly isDefault: boolean;
}

/** A position, or the expression to take it from when an error needs it (positions cost a lookup). */
type At = CuePosition | Expr | Vertex | undefined;

function at(place: At): CuePosition | undefined {
  if (place === undefined) return undefined;
  if (place instanceof Vertex) return place.firstPosition();
  return "type" in place ? posOf(place) : place;
}

function posOf(expr: Expr): CuePosition {
  return expr.source.position(expr.start);
}

function vertexValue(vertex: Vertex): Value {
  return { t: "vertex", v: vertex };
}

/** Per-vertex bookkeeping the evaluator keeps beside the vertex. */
interface VertexExtra {
  expanding?: Vertex[];
  choices?: readonly number[];
  disjunctionsSeen?: number;
  defaultChosen?: boolean;
}

/**
 * Evaluates vertices (see vertex.ts): adds conjuncts, runs comprehensions, resolves disjunctions
 * and closedness, evaluates expressions. One instance per evaluation; it counts steps and depth.
 */
export class Evaluator {
  private steps = 0;
  private depth = 0;
  private vertices = 0;
  private readonly extras = new WeakMap<Vertex, VertexExtra>();

  constructor(
    readonly root: Vertex,
    readonly limits: EvalLimits,
    private readonly packages: PackageSource,
  ) {}

  private extra(vertex: Vertex): VertexExtra {
    let found = this.extras.get(vertex);
    if (found === undefined) {
      found = {};
      this.extras.set(vertex, found);
    }
    return found;
  }

  /** True when the vertex resolved a disjunction to its default (several alternatives remain). */
  defaultChosen(vertex: Vertex): boolean {
    return this.extras.get(vertex)?.defaultChosen === true;
  }

  step(pos?: CuePosition): void {
    if (++this.steps > this.limits.maxSteps)
      throw new LimitExceeded(`evaluation took more than ${this.limits.maxSteps} steps`, pos);
  }

  private enter(place: At): void {
    if (++this.depth > this.limits.maxDepth)
      throw new LimitExceeded(
        `evaluation nested deeper than ${this.limits.maxDepth} levels (structural cycle?)`,
        at(place),
      );
  }

  private leave(): void {
    this.depth--;
  }

  newVertex(parent: Vertex | null, label: string): Vertex {
    if (++this.vertices > this.limits.maxVertices)
      throw new LimitExceeded(`the value has more than ${this.limits.maxVertices} nodes`, undefined);
    return new Vertex(parent, label);
  }

  private countArc(created: boolean): void {
    if (created && ++this.vertices > this.limits.maxVertices)
      throw new LimitExceeded(`the value has more than ${this.limits.maxVertices} nodes`, undefined);
  }

  private setError(vertex: Vertex, error: Bottom): void {
    if (vertex.error === undefined || (vertex.error.kind === "incomplete" && error.kind !== "incomplete"))
      vertex.error = error;
  }

  // ---------------------------------------------------------------- vertices

  /** Processes every conjunct of a vertex: its own value and its arcs (children stay unevaluated). */
  evalArcs(vertex: Vertex): void {
    if (vertex.status !== UNEVALUATED) return;
    vertex.status = EVALUATING;
    this.enter(vertex);
    try {
      for (let index = 0; index < vertex.conjuncts.length; index++)
        this.addConjunct(vertex, vertex.conjuncts[index] as Conjunct);
      this.runComprehensions(vertex);
      if (vertex.disjunctions !== undefined) this.resolveDisjunctions(vertex);
      this.finishList(vertex);
      this.checkClosedness(vertex);
      this.checkKinds(vertex);
    } finally {
      this.leave();
      vertex.status = EVALUATED;
    }
  }

  /** Evaluates a vertex and every regular descendant; returns the first error found. */
  deepError(vertex: Vertex, depth = 0): Bottom | undefined {
    this.evalArcs(vertex);
    if (vertex.error !== undefined) return vertex.error;
    if (depth > this.limits.maxDepth)
      throw new LimitExceeded(
        `value nested deeper than ${this.limits.maxDepth} levels (structural cycle?)`,
        vertex.firstPosition(),
      );
    for (const arc of vertex.arcs?.values() ?? []) {
      if (arc.fieldKind !== "regular" || arc.isDefinition || arc.isHidden) continue;
      const error = this.deepError(arc, depth + 1);
      if (error !== undefined) return error;
    }
    for (const elem of vertex.elems ?? []) {
      const error = this.deepError(elem, depth + 1);
      if (error !== undefined) return error;
    }
    return undefined;
  }

  addConjunct(vertex: Vertex, conjunct: Conjunct): void {
    this.step();
    switch (conjunct.k) {
      case "json":
        this.addJson(vertex, conjunct.value);
        return;
      case "value":
        this.meetValue(vertex, conjunct.value, { env: null }, conjunct.pos);
        return;
      case "expr":
        this.addExpr(vertex, conjunct.expr, conjunct);
        return;
    }
  }

  private addExpr(vertex: Vertex, expr: Expr, context: ConjunctContext): void {
    switch (expr.type) {
      case "ParenExpr":
        this.addExpr(vertex, expr.expr, context);
        return;
      case "BinaryExpr":
        if (expr.op === "&") {
          this.addExpr(vertex, expr.left, context);
          this.addExpr(vertex, expr.right, context);
          return;
        }
        if (expr.op === "|") {
          this.addDisjunction(vertex, expr, context);
          return;
        }
        break;
      case "UnaryExpr":
        if (expr.op === "*") {
          this.addExpr(vertex, expr.operand, context);
          return;
        }
        break;
      case "StructLit":
        this.applyStruct(vertex, expr, context);
        return;
      case "ListLit":
        this.applyList(vertex, expr, context);
        return;
      case "Ident":
      case "SelectorExpr":
      case "IndexExpr": {
        const resolved = this.resolveRef(expr, context.env);
        if (resolved instanceof Vertex) this.expandVertex(vertex, resolved, context, expr);
        else this.meetValue(vertex, resolved, context, expr);
        return;
      }
      case "CallExpr":
        if (expr.callee.type === "Ident" && expr.callee.ref?.kind === "builtin" && expr.callee.name === "close") {
          const [argument] = expr.args;
          if (expr.args.length !== 1 || argument === undefined) {
            this.setError(vertex, bottom("conflict", "close takes one argument", [posOf(expr)]));
            return;
          }
          this.addExpr(vertex, argument, { ...context, close: new CloseGroup() });
          return;
        }
        break;
      default:
        break;
    }
    this.meetValue(vertex, this.evalExpr(expr, context.env), context, expr);
  }

  private meetValue(vertex: Vertex, value: Value, context: ConjunctContext, place: At): void {
    switch (value.t) {
      case "atom":
      case "constraint":
      case "bottom": {
        const met = meetScalars(vertex.scalar, value);
        vertex.scalar = met;
        if (met.t === "bottom") this.setError(vertex, met);
        return;
      }
      case "vertex":
        this.expandVertex(vertex, value.v, context, place);
        return;
      case "disj":
        this.addValueDisjunction(vertex, value, context, at(place));
        return;
      case "func":
      case "package":
        this.setError(
          vertex,
          bottom(
            "conflict",
            `cannot use ${value.t === "func" ? `function ${value.name}` : `package ${value.path}`} as a value`,
            [at(place)],
          ),
        );
        return;
    }
  }

  /** Unifies a referenced vertex into `vertex` by adding its conjuncts (self-references re-bind here). */
  private expandVertex(vertex: Vertex, referenced: Vertex, context: ConjunctContext, place: At): void {
    if (referenced === vertex) return;
    if (referenced.isAncestorOf(vertex)) {
      this.setError(vertex, bottom("conflict", "structural cycle", [at(place)]));
      return;
    }
    const extra = this.extra(vertex);
    extra.expanding ??= [];
    if (extra.expanding.includes(referenced)) return;
    extra.expanding.push(referenced);
    this.enter(place);
    try {
      const close = referenced.isDefinition ? referenced.closeGroup() : context.close;
      if (referenced.isDefinition && context.close !== undefined && close !== undefined) context.close.absorb(close);
      for (let index = 0; index < referenced.conjuncts.length; index++) {
        const conjunct = referenced.conjuncts[index] as Conjunct;
        if (conjunct.k === "expr") {
          this.addConjunct(vertex, {
            ...conjunct,
            close: conjunct.close ?? close,
            ...(context.embeddedIn === undefined ? {} : { embeddedIn: context.embeddedIn }),
          });
        } else this.addConjunct(vertex, conjunct);
      }
      // A referenced vertex that is itself a computed value (no conjuncts of its own) contributes its result.
      if (referenced.conjuncts.length === 0 && referenced.status === EVALUATED) this.adoptComputed(vertex, referenced);
    } finally {
      this.leave();
      extra.expanding.pop();
    }
  }

  /** Unifies an already evaluated vertex without conjuncts (built by a builtin) into `vertex`. */
  private adoptComputed(vertex: Vertex, computed: Vertex): void {
    const met = meetScalars(vertex.scalar, computed.scalar);
    vertex.scalar = met;
    if (met.t === "bottom") this.setError(vertex, met);
    if (computed.error !== undefined) this.setError(vertex, computed.error);
    if (computed.declaresStruct) vertex.declaresStruct = true;
    for (const [label, arc] of computed.arcs ?? []) {
      const { vertex: child, created } = vertex.arc(label, arc.fieldKind);
      this.countArc(created);
      child.conjuncts.push({ k: "value", value: vertexValue(arc) });
      if (created) this.applyPatterns(vertex, child);
    }
    if (computed.isList) {
      vertex.isList = true;
      const length = computed.elems?.length ?? 0;
      this.setClosedLength(vertex, length, undefined);
      (computed.elems ?? []).forEach((elem, index) =>
        vertex.elem(index).conjuncts.push({ k: "value", value: vertexValue(elem) }),
      );
    }
  }

  private addJson(vertex: Vertex, value: JsonValue): void {
    if (Array.isArray(value)) {
      vertex.isList = true;
      this.setClosedLength(vertex, value.length, undefined);
      value.forEach((item, index) => {
        const created = vertex.elems?.[index] === undefined;
        this.countArc(created);
        vertex.elem(index).conjuncts.push({ k: "json", value: item });
      });
      return;
    }
    if (value !== null && typeof value === "object") {
      vertex.declaresStruct = true;
      for (const [key, member] of Object.entries(value)) {
        const { vertex: child, created } = vertex.arc(key, "regular");
        this.countArc(created);
        child.conjuncts.push({ k: "json", value: member });
        if (created) this.applyPatterns(vertex, child);
        else if (child.status !== UNEVALUATED) this.resetVertex(child);
      }
      return;
    }
    const met = meetScalars(vertex.scalar, atomOf(value));
    vertex.scalar = met;
    if (met.t === "bottom") this.setError(vertex, met);
  }

  private setClosedLength(vertex: Vertex, length: number, pos: CuePosition | undefined): void {
    if (vertex.closedLength !== undefined && vertex.closedLength !== length) {
      this.setError(
        vertex,
        bottom("conflict", `incompatible list lengths (${vertex.closedLength} and ${length})`, [pos]),
      );
      return;
    }
    vertex.closedLength = length;
  }

  private groupState(vertex: Vertex, group: CloseGroup): GroupState {
    vertex.groups ??= new Map();
    let state = vertex.groups.get(group);
    if (state === undefined) {
      state = { labels: new Set(), open: false, patterns: [] };
      vertex.groups.set(group, state);
    }
    return state;
  }

  private applyStruct(vertex: Vertex, lit: StructLit, context: ConjunctContext): void {
    const frame = new Env(context.env, vertex, null);
    let declares = lit.decls.length === 0;
    const state = context.close === undefined ? undefined : this.groupState(vertex, context.close);
    if (state !== undefined && context.embeddedIn?.scope !== undefined)
      for (const label of context.embeddedIn.scope.labels) state.labels.add(label);
    for (const decl of lit.decls) {
      switch (decl.type) {
        case "Field":
          declares = true;
          this.applyField(vertex, decl, frame, context, state);
          break;
        case "Embedding":
          this.addExpr(vertex, decl.expr, { env: frame, close: context.close, embeddedIn: lit });
          break;
        case "Comprehension":
          vertex.comprehensions ??= [];
          vertex.comprehensions.push({ comprehension: decl, env: frame, close: context.close });
          break;
        case "Ellipsis":
          declares = true;
          if (state !== undefined) state.open = true;
          if (decl.constraint !== undefined)
            this.addPattern(vertex, {
              constraint: TOP,
              value: decl.constraint,
              env: frame,
              alias: false,
              close: context.close?.child("..."),
            });
          break;
        case "LetDecl":
        case "AttributeDecl":
          break;
      }
    }
    if (declares) vertex.declaresStruct = true;
    else vertex.embedsOnly = true;
  }

  private applyField(
    vertex: Vertex,
    decl: Field,
    frame: Env,
    context: ConjunctContext,
    state: GroupState | undefined,
  ): void {
    const label = decl.label;
    if (label.type === "pattern") {
      const constraint = this.evalExpr(label.expr, frame);
      state?.patterns.push(constraint);
      this.addPattern(vertex, {
        constraint,
        value: decl.value,
        env: frame,
        alias: label.alias !== undefined,
        close: context.close?.child("[]"),
      });
      return;
    }
    let name: string;
    if (label.type === "static") name = label.name;
    else {
      const value = this.resolveDefault(this.evalExpr(label.expr, frame));
      if (value.t !== "atom" || value.kind !== STRING) {
        const pos = posOf(label.expr);
        this.setError(
          vertex,
          value.t === "bottom"
            ? value
            : value.t === "constraint" || value.t === "disj"
              ? bottom("incomplete", "the label of a field is not concrete yet", [pos])
              : bottom(
                  "conflict",
                  `invalid label: ${value.t === "atom" ? formatAtom(value) : value.t} is not a string`,
                  [pos],
                ),
        );
        return;
      }
      name = value.value;
    }
    const { vertex: child, created } = vertex.arc(name, decl.kind);
    this.countArc(created);
    if (!created && child.status !== UNEVALUATED) this.resetVertex(child);
    child.conjuncts.push({
      k: "expr",
      expr: decl.value,
      env: frame,
      ...(context.close === undefined ? {} : { close: context.close.child(name) }),
      decl,
    });
    child.addDecl(decl);
    state?.labels.add(name);
    if (created) this.applyPatterns(vertex, child);
  }

  /** A field gained a value after it was read: evaluate it again next time. */
  private resetVertex(vertex: Vertex): void {
    if (vertex.status === EVALUATING) return;
    vertex.status = UNEVALUATED;
    vertex.scalar = TOP;
    vertex.declaresStruct = false;
    vertex.embedsOnly = false;
    vertex.isList = false;
    vertex.arcs = undefined;
    vertex.elems = undefined;
    vertex.closedLength = undefined;
    vertex.openLists = undefined;
    vertex.patterns = undefined;
    vertex.groups = undefined;
    vertex.comprehensions = undefined;
    vertex.disjunctions = undefined;
    vertex.alternatives = undefined;
    vertex.error = undefined;
    this.extras.delete(vertex);
  }

  private addPattern(vertex: Vertex, pattern: NonNullable<Vertex["patterns"]>[number]): void {
    vertex.patterns ??= [];
    vertex.patterns.push(pattern);
    for (const arc of vertex.arcs?.values() ?? []) this.applyPattern(pattern, arc);
  }

  private applyPatterns(vertex: Vertex, arc: Vertex): void {
    for (const pattern of vertex.patterns ?? []) this.applyPattern(pattern, arc);
  }

  private applyPattern(pattern: NonNullable<Vertex["patterns"]>[number], arc: Vertex): void {
    if (arc.isDefinition || arc.isHidden || !this.labelMatches(pattern.constraint, arc.label)) return;
    const env = pattern.alias ? new Env(pattern.env, null, [atomOf(arc.label)]) : pattern.env;
    if (arc.status !== UNEVALUATED) this.resetVertex(arc);
    arc.conjuncts.push({
      k: "expr",
      expr: pattern.value,
      env,
      ...(pattern.close === undefined ? {} : { close: pattern.close }),
    });
  }

  private labelMatches(constraint: Value, label: string): boolean {
    switch (constraint.t) {
      case "atom":
      case "constraint":
        return meetScalars(atomOf(label), constraint).t !== "bottom";
      case "disj":
        return constraint.alts.some((alt) => this.labelMatches(alt, label));
      default:
        return false;
    }
  }

  private applyList(vertex: Vertex, lit: ListLit, context: ConjunctContext): void {
    vertex.isList = true;
    const elements: { expr: Expr; env: Env | null }[] = [];
    for (const element of lit.elements) {
      if (element.type !== "Comprehension") {
        elements.push({ expr: element, env: context.env });
        continue;
      }
      const failure = this.iterate(element.clauses, 0, context.env, (env) => {
        elements.push({ expr: element.body, env });
      });
      if (failure !== undefined) this.setError(vertex, failure);
    }
    const close = context.close?.child("*");
    if (lit.rest === undefined) this.setClosedLength(vertex, elements.length, lit.source.position(lit.start));
    else {
      vertex.openLists ??= [];
      vertex.openLists.push({
        fixed: elements.length,
        rest:
          lit.rest === "top"
            ? undefined
            : { k: "expr", expr: lit.rest, env: context.env, ...(close === undefined ? {} : { close }) },
      });
    }
    elements.forEach((element, index) => {
      const created = vertex.elems?.[index] === undefined;
      this.countArc(created);
      vertex
        .elem(index)
        .conjuncts.push({ k: "expr", expr: element.expr, env: element.env, ...(close === undefined ? {} : { close }) });
    });
  }

  private finishList(vertex: Vertex): void {
    if (!vertex.isList) return;
    const length = vertex.closedLength ?? vertex.elems?.length ?? 0;
    if ((vertex.elems?.length ?? 0) > length)
      this.setError(
        vertex,
        bottom("conflict", `incompatible list lengths (${length} and ${vertex.elems?.length ?? 0})`, [
          vertex.firstPosition(),
        ]),
      );
    for (const open of vertex.openLists ?? []) {
      if (open.fixed > length)
        this.setError(
          vertex,
          bottom("conflict", `incompatible list lengths (${length} and at least ${open.fixed})`, [
            vertex.firstPosition(),
          ]),
        );
      if (open.rest === undefined) continue;
      for (let index = open.fixed; index < length; index++) {
        const elem = vertex.elem(index);
        if (elem.status !== UNEVALUATED) this.resetVertex(elem);
        elem.conjuncts.push(open.rest);
      }
    }
  }

  private checkClosedness(vertex: Vertex): void {
    if (vertex.groups === undefined || vertex.arcs === undefined) return;
    for (const arc of vertex.arcs.values()) {
      if (arc.isDefinition || arc.isHidden) continue;
      for (const [group, state] of vertex.groups) {
        if (this.groupAllows(vertex, group, state, arc.label, new Set([group]))) continue;
        this.setError(arc, bottom("conflict", `field not allowed`, [arc.firstPosition()]));
        break;
      }
    }
  }

  /** Whether a closed group allows `label` at `vertex`: itself, or a definition's group unified into it. */
  private groupAllows(
    vertex: Vertex,
    group: CloseGroup,
    state: GroupState,
    label: string,
    seen: Set<CloseGroup>,
  ): boolean {
    if (state.open || state.labels.has(label)) return true;
    if (state.patterns.some((pattern) => this.labelMatches(pattern, label))) return true;
    for (const linked of group.linked()) {
      if (seen.has(linked)) continue;
      seen.add(linked);
      const linkedState = vertex.groups?.get(linked);
      if (linkedState !== undefined && this.groupAllows(vertex, linked, linkedState, label, seen)) return true;
    }
    return false;
  }

  private checkKinds(vertex: Vertex): void {
    const structural = vertex.declaresStruct || (vertex.arcs !== undefined && vertex.arcs.size > 0);
    if (vertex.isList && structural) {
      this.setError(
        vertex,
        bottom("conflict", "conflicting values list and struct (mismatched types list and struct)", [
          vertex.firstPosition(),
        ]),
      );
      return;
    }
    const scalar = vertex.scalar;
    if (scalar.t === "bottom") {
      this.setError(vertex, scalar);
      return;
    }
    if (scalar.t === "constraint" && isTop(scalar)) return;
    if (vertex.isList || structural) {
      if (!structural && !vertex.isList) return;
      if (vertex.embedsOnly && !vertex.declaresStruct && !vertex.isList && (vertex.arcs?.size ?? 0) === 0) return;
      const kind = vertex.isList ? 64 : 128;
      const allowed = scalar.t === "constraint" ? (scalar.kinds & kind) !== 0 : false;
      if (!allowed)
        this.setError(
          vertex,
          bottom(
            "conflict",
            `conflicting values ${describeValue(scalar)} and ${vertex.isList ? "[...]" : "{...}"} ` +
              `(mismatched types ${scalar.t === "atom" ? kindLabel(scalar) : formatConstraint(scalar)} and ${vertex.isList ? "list" : "struct"})`,
            [scalar.pos, vertex.firstPosition()],
          ),
        );
    }
  }

  // ---------------------------------------------------------------- comprehensions

  private runComprehensions(vertex: Vertex): void {
    while (vertex.comprehensions !== undefined && vertex.comprehensions.length > 0) {
      const batch = vertex.comprehensions;
      vertex.comprehensions = [];
      for (const pending of batch) this.comprehend(vertex, pending.comprehension, pending.env, pending.close);
    }
    vertex.comprehensions = undefined;
  }

  private comprehend(vertex: Vertex, comprehension: Comprehension, env: Env, close: CloseGroup | undefined): void {
    const failure = this.iterate(comprehension.clauses, 0, env, (inner) => {
      this.applyStruct(vertex, comprehension.body, { env: inner, close });
    });
    if (failure !== undefined) this.setError(vertex, failure);
  }

  /** Runs comprehension clauses from `index`, calling `emit` with the scope of each result; returns an error that stops it. */
  iterate(clauses: readonly Clause[], index: number, env: Env | null, emit: (env: Env) => void): Bottom | undefined {
    const clause = clauses[index];
    if (clause === undefined) {
      emit(env ?? new Env(null, null, []));
      return undefined;
    }
    switch (clause.type) {
      case "ForClause": {
        const source = this.resolveDefault(this.evalExpr(clause.iterable, env));
        const pos = posOf(clause.iterable);
        if (source.t === "bottom") return source;
        if (source.t !== "vertex") {
          if (source.t === "constraint" || source.t === "disj")
            return bottom(
              "incomplete",
              `cannot range over non-concrete value ${source.t === "constraint" ? formatConstraint(source) : "disjunction"}`,
              [pos],
            );
          return bottom(
            "conflict",
            `cannot range over ${source.t === "atom" ? formatAtom(source) : source.t} (found ${source.t === "atom" ? kindLabel(source) : source.t})`,
            [pos],
          );
        }
        const container = source.v;
        this.evalArcs(container);
        if (container.error !== undefined) return container.error;
        if (container.isList) {
          for (const [position, elem] of (container.elems ?? []).entries()) {
            const failure = this.iterate(
              clauses,
              index + 1,
              new Env(env, null, [atomOf(position), vertexValue(elem)]),
              emit,
            );
            if (failure !== undefined) return failure;
          }
          return undefined;
        }
        for (const arc of [...(container.arcs?.values() ?? [])]) {
          if (arc.fieldKind !== "regular" || arc.isDefinition || arc.isHidden) continue;
          const failure = this.iterate(
            clauses,
            index + 1,
            new Env(env, null, [atomOf(arc.label), vertexValue(arc)]),
            emit,
          );
          if (failure !== undefined) return failure;
        }
        return undefined;
      }
      case "IfClause": {
        const condition = this.resolveDefault(this.evalExpr(clause.condition, env));
        if (condition.t === "bottom") return condition;
        if (condition.t === "atom" && condition.kind === BOOL)
          return condition.value === true ? this.iterate(clauses, index + 1, env, emit) : undefined;
        if (condition.t === "constraint" || condition.t === "disj")
          return bottom("incomplete", "if condition is not concrete yet", [posOf(clause.condition)]);
        return bottom(
          "conflict",
          `cannot use ${condition.t === "atom" ? formatAtom(condition) : condition.t} as bool in if condition`,
          [posOf(clause.condition)],
        );
      }
      case "LetClause": {
        const resolved = this.resolveRef(clause.expr, env);
        const value = resolved instanceof Vertex ? vertexValue(resolved) : resolved;
        return this.iterate(clauses, index + 1, new Env(env, null, [value]), emit);
      }
    }
  }

  // ---------------------------------------------------------------- disjunctions

  private flattenAlternatives(expr: Expr, isDefault: boolean, into: { expr: Expr; isDefault: boolean }[]): boolean {
    if (expr.type === "BinaryExpr" && expr.op === "|") {
      const left = this.flattenAlternatives(expr.left, isDefault, into);
      const right = this.flattenAlternatives(expr.right, isDefault, into);
      return left || right;
    }
    if (expr.type === "ParenExpr" && expr.expr.type === "BinaryExpr" && expr.expr.op === "|")
      return this.flattenAlternatives(expr.expr, isDefault, into);
    if (expr.type === "UnaryExpr" && expr.op === "*") {
      this.flattenAlternatives(expr.operand, true, into);
      return true;
    }
    into.push({ expr, isDefault });
    return isDefault;
  }

  private nextChoice(vertex: Vertex): number | undefined {
    const extra = this.extra(vertex);
    const ordinal = extra.disjunctionsSeen ?? 0;
    extra.disjunctionsSeen = ordinal + 1;
    return extra.choices?.[ordinal];
  }

  private addDisjunction(vertex: Vertex, expr: BinaryExpr, context: ConjunctContext): void {
    const flat: { expr: Expr; isDefault: boolean }[] = [];
    const hasDefault = this.flattenAlternatives(expr, false, flat);
    const choice = this.nextChoice(vertex);
    const chosen = choice === undefined ? undefined : flat[choice];
    if (chosen !== undefined) {
      this.addExpr(vertex, chosen.expr, context);
      return;
    }
    const alts: Alternative[] = flat.map((alt) => ({
      conjunct: {
        k: "expr",
        expr: alt.expr,
        env: context.env,
        ...(context.close === undefined ? {} : { close: context.close }),
        ...(context.embeddedIn === undefined ? {} : { embeddedIn: context.embeddedIn }),
      },
      isDefault: alt.isDefault,
    }));
    vertex.disjunctions ??= [];
    vertex.disjunctions.push({
      alts,
      hasDefault,
      pos: posOf(expr),
      text: expr.source.text.slice(expr.start, expr.end).replace(/\s+/g, " "),
    });
  }

  private addValueDisjunction(
    vertex: Vertex,
    value: DisjValue,
    context: ConjunctContext,
    pos: CuePosition | undefined,
  ): void {
    const choice = this.nextChoice(vertex);
    const chosen = choice === undefined ? undefined : value.alts[choice];
    if (chosen !== undefined) {
      this.meetValue(vertex, chosen, context, pos);
      return;
    }
    vertex.disjunctions ??= [];
    vertex.disjunctions.push({
      alts: value.alts.map((alt, index) => ({
        conjunct: { k: "value", value: alt, ...(pos === undefined ? {} : { pos }) },
        isDefault: value.defaults[index] === true,
      })),
      hasDefault: value.defaults.some(Boolean),
      pos,
      text: value.alts.map((alt) => describeValue(alt)).join(" | "),
    });
  }

  private scalarAlternative(alt: Alternative): Value | undefined {
    const conjunct = alt.conjunct;
    if (conjunct.k === "json")
      return Array.isArray(conjunct.value) || (conjunct.value !== null && typeof conjunct.value === "object")
        ? undefined
        : atomOf(conjunct.value);
    if (conjunct.k === "value") return conjunct.value.t === "vertex" ? undefined : conjunct.value;
    let expr = conjunct.expr;
    while (expr.type === "ParenExpr") expr = expr.expr;
    if (expr.type === "StructLit" || expr.type === "ListLit") return undefined;
    if (expr.type === "CallExpr" && expr.callee.type === "Ident" && expr.callee.name === "close") return undefined;
    const value = this.evalExpr(expr, conjunct.env);
    if (value.t === "vertex") return undefined;
    if (value.t === "disj" && value.alts.some((inner) => inner.t === "vertex")) return undefined;
    return value;
  }

  private resolveDisjunctions(vertex: Vertex): void {
    const pending = vertex.disjunctions ?? [];
    vertex.disjunctions = undefined;
    const structural = vertex.isList || vertex.declaresStruct || (vertex.arcs?.size ?? 0) > 0;
    if (!structural && this.resolveScalarDisjunctions(vertex, pending)) return;
    this.resolveStructuralDisjunctions(vertex, pending);
  }

  /** Disjunctions of scalars only: meet each alternative with the vertex's value. False when an alternative is structural. */
  private resolveScalarDisjunctions(vertex: Vertex, pending: readonly PendingDisjunction[]): boolean {
    const evaluated: { alts: { value: Scalar; isDefault: boolean }[]; hasDefault: boolean }[] = [];
    for (const disjunction of pending) {
      const alts: { value: Scalar; isDefault: boolean }[] = [];
      for (const alt of disjunction.alts) {
        const value = this.scalarAlternative(alt);
        if (value === undefined) return false;
        if (value.t === "disj") {
          const innerHasDefault = value.defaults.some(Boolean);
          value.alts.forEach((inner, index) => {
            if (inner.t === "atom" || inner.t === "constraint" || inner.t === "bottom")
              alts.push({
                value: inner,
                isDefault: disjunction.hasDefault
                  ? alt.isDefault && (!innerHasDefault || value.defaults[index] === true)
                  : value.defaults[index] === true,
              });
          });
        } else if (value.t === "atom" || value.t === "constraint" || value.t === "bottom")
          alts.push({ value, isDefault: alt.isDefault });
        else return false;
      }
      evaluated.push({ alts, hasDefault: alts.some((alt) => alt.isDefault) });
    }
    let current: { value: Scalar; isDefault: boolean }[] = [{ value: vertex.scalar, isDefault: true }];
    const errors: Bottom[] = [];
    for (const disjunction of evaluated) {
      const next: { value: Scalar; isDefault: boolean }[] = [];
      for (const left of current) {
        for (const alt of disjunction.alts) {
          const met = meetScalars(left.value, alt.value);
          if (met.t === "bottom") {
            errors.push(met);
            continue;
          }
          const isDefault = left.isDefault && (alt.isDefault || !disjunction.hasDefault);
          const same = next.find((candidate) => scalarsEqual(candidate.value, met));
          if (same !== undefined) same.isDefault ||= isDefault;
          else next.push({ value: met, isDefault });
        }
      }
      current = next;
    }
    if (current.length === 0) {
      this.setError(vertex, emptyDisjunction(vertex.scalar, pending, errors));
      return true;
    }
    if (current.length === 1) {
      vertex.scalar = (current[0] as { value: Scalar }).value;
      return true;
    }
    const defaults = current.filter((alt) => alt.isDefault);
    vertex.alternatives = {
      values: current.map((alt) => alt.value),
      defaults: current.map((alt) => alt.isDefault),
      text: pending.map((disjunction) => disjunction.text).join(" & "),
    };
    if (defaults.length === 1) {
      vertex.scalar = (defaults[0] as { value: Scalar }).value;
      this.extra(vertex).defaultChosen = true;
    } else vertex.scalar = TOP;
    return true;
  }

  private resolveStructuralDisjunctions(vertex: Vertex, pending: readonly PendingDisjunction[]): void {
    const baseChoices = this.extra(vertex).choices ?? [];
    const seenBefore = (this.extra(vertex).disjunctionsSeen ?? 0) - pending.length;
    let combinations: { choice: number[]; isDefault: boolean }[] = [{ choice: [], isDefault: true }];
    for (const disjunction of pending) {
      const next: { choice: number[]; isDefault: boolean }[] = [];
      for (const combination of combinations) {
        disjunction.alts.forEach((alt, index) => {
          next.push({
            choice: [...combination.choice, index],
            isDefault: combination.isDefault && (alt.isDefault || !disjunction.hasDefault),
          });
        });
      }
      combinations = next;
      if (combinations.length > this.limits.maxDisjunctions)
        throw new LimitExceeded(
          `more than ${this.limits.maxDisjunctions} disjunction combinations in one value`,
          disjunction.pos,
        );
    }
    const survivors: { vertex: Vertex; isDefault: boolean; signature: string }[] = [];
    const errors: Bottom[] = [];
    for (const combination of combinations) {
      const candidate = this.newVertex(vertex.parent, vertex.label);
      candidate.fieldKind = vertex.fieldKind;
      candidate.decls = vertex.decls;
      candidate.conjuncts.push(...vertex.conjuncts);
      this.extra(candidate).choices = [...baseChoices.slice(0, seenBefore), ...combination.choice];
      const error = this.deepError(candidate);
      if (error !== undefined) {
        errors.push(error);
        continue;
      }
      const signature = this.signature(candidate, 0);
      const same = survivors.find((survivor) => survivor.signature === signature);
      if (same !== undefined) same.isDefault ||= combination.isDefault;
      else survivors.push({ vertex: candidate, isDefault: combination.isDefault, signature });
    }
    if (survivors.length === 0) {
      this.setError(vertex, emptyDisjunction(undefined, pending, errors));
      return;
    }
    if (survivors.length === 1) {
      this.adopt(vertex, (survivors[0] as { vertex: Vertex }).vertex);
      return;
    }
    const defaults = survivors.filter((survivor) => survivor.isDefault);
    if (defaults.length === 1) {
      this.adopt(vertex, (defaults[0] as { vertex: Vertex }).vertex);
      this.extra(vertex).defaultChosen = true;
    }
    vertex.alternatives = {
      values: survivors.map((survivor) => this.valueOfVertex(survivor.vertex)),
      defaults: survivors.map((survivor) => survivor.isDefault),
      text: pending.map((disjunction) => disjunction.text).join(" & "),
    };
  }

  /** Takes over the evaluated state of a disjunct. */
  private adopt(vertex: Vertex, from: Vertex): void {
    vertex.scalar = from.scalar;
    vertex.declaresStruct = from.declaresStruct;
    vertex.embedsOnly = from.embedsOnly;
    vertex.isList = from.isList;
    vertex.arcs = from.arcs;
    vertex.elems = from.elems;
    vertex.closedLength = from.closedLength;
    vertex.openLists = from.openLists;
    vertex.patterns = from.patterns;
    vertex.groups = from.groups;
    vertex.alternatives = from.alternatives;
    if (from.error !== undefined) vertex.error = from.error;
    if (this.defaultChosen(from)) this.extra(vertex).defaultChosen = true;
    for (const arc of vertex.arcs?.values() ?? []) arc.parent = vertex;
    for (const elem of vertex.elems ?? []) elem.parent = vertex;
  }

  /** A string that is equal for equal evaluated values (used to merge identical disjuncts). */
  signature(vertex: Vertex, depth: number): string {
    this.evalArcs(vertex);
    if (depth > 50) return "…";
    if (vertex.error !== undefined) return "_|_";
    if (vertex.alternatives !== undefined && !this.defaultChosen(vertex))
      return `(${vertex.alternatives.values.map((value) => describeValue(value)).join("|")})`;
    if (vertex.isList) return `[${(vertex.elems ?? []).map((elem) => this.signature(elem, depth + 1)).join(",")}]`;
    if (vertex.declaresStruct || (vertex.arcs?.size ?? 0) > 0) {
      const fields = [...(vertex.arcs?.values() ?? [])]
        .filter((arc) => !arc.isHidden)
        .map((arc) => `${JSON.stringify(arc.label)}${MARKERS[arc.fieldKind]}:${this.signature(arc, depth + 1)}`);
      return `{${fields.join(",")}}`;
    }
    return describeValue(vertex.scalar);
  }

  // ---------------------------------------------------------------- expressions

  /** The value of a vertex for an expression to use. */
  valueOfVertex(vertex: Vertex): Value {
    if (vertex.status === EVALUATING) {
      // Reading a struct while its fields are still being collected is fine (lookups see what exists);
      // reading its scalar value is a cycle.
      if (vertex.declaresStruct || vertex.isList) return vertexValue(vertex);
      return bottom("incomplete", "cycle in evaluation", [vertex.firstPosition()]);
    }
    this.evalArcs(vertex);
    if (vertex.error !== undefined) return vertex.error;
    if (vertex.alternatives !== undefined && !this.defaultChosen(vertex))
      return { t: "disj", alts: vertex.alternatives.values, defaults: vertex.alternatives.defaults };
    if (vertex.isList || vertex.declaresStruct || (vertex.arcs?.size ?? 0) > 0) return vertexValue(vertex);
    if (vertex.embedsOnly && vertex.scalar.t === "constraint" && isTop(vertex.scalar)) return vertexValue(vertex);
    return vertex.scalar;
  }

  /** A disjunction used as an operand stands for its default. */
  resolveDefault(value: Value): Value {
    if (value.t !== "disj") return value;
    const defaults = value.alts.filter((_, index) => value.defaults[index] === true);
    if (defaults.length === 1) return this.resolveDefault(defaults[0] as Value);
    if (value.alts.length === 1) return this.resolveDefault(value.alts[0] as Value);
    return value;
  }

  /** A reference expression's target vertex, or a value when it is not a field. */
  resolveRef(expr: Expr, env: Env | null): Vertex | Value {
    switch (expr.type) {
      case "Ident":
        return this.resolveIdent(expr, env);
      case "SelectorExpr": {
        const target = this.resolveRef(expr.target, env);
        return this.select(target, expr.label, expr);
      }
      case "IndexExpr": {
        const target = this.resolveRef(expr.target, env);
        const index = this.resolveDefault(this.evalExpr(expr.index, env));
        return this.index(target, index, expr);
      }
      case "ParenExpr":
        return this.resolveRef(expr.expr, env);
      default:
        return this.evalExpr(expr, env);
    }
  }

  private resolveIdent(expr: Extract<Expr, { type: "Ident" }>, env: Env | null): Vertex | Value {
    const ref = expr.ref;
    if (ref === undefined) return bottom("reference", `reference "${expr.name}" not found`, [posOf(expr)]);
    switch (ref.kind) {
      case "field": {
        const frame = env?.up(ref.depth);
        if (frame?.vertex == null) return bottom("reference", `reference "${expr.name}" not found`, [posOf(expr)]);
        return this.lookupArc(frame.vertex, ref.label, expr);
      }
      case "let": {
        const frame = env?.up(ref.depth);
        if (frame == null) return bottom("reference", `reference "${expr.name}" not found`, [posOf(expr)]);
        return frame.letVertex(ref.decl, () => {
          const vertex = this.newVertex(null, ref.decl.name);
          vertex.conjuncts.push({ k: "expr", expr: ref.decl.expr, env: frame });
          return vertex;
        });
      }
      case "binding": {
        const frame = env?.up(ref.depth);
        const value = frame?.bindings?.[ref.slot];
        if (value === undefined) return bottom("reference", `reference "${expr.name}" not found`, [posOf(expr)]);
        return value.t === "vertex" ? value.v : value;
      }
      case "import":
        return { t: "package", path: ref.path };
      case "builtin": {
        const member = this.packages.member("", ref.name, this, posOf(expr));
        return !(member instanceof Vertex) && member.t === "constraint" ? { ...member, pos: posOf(expr) } : member;
      }
      case "injected":
        return this.lookupArc(this.root, ref.label, expr);
    }
  }

  private select(target: Vertex | Value, label: string, place: At): Vertex | Value {
    if (target instanceof Vertex) return this.lookupArc(target, label, place);
    switch (target.t) {
      case "package":
        return this.packages.member(target.path, label, this, at(place));
      case "vertex":
        return this.lookupArc(target.v, label, place);
      case "bottom":
        return target;
      case "disj": {
        const resolved = this.resolveDefault(target);
        if (resolved.t === "disj")
          return bottom("incomplete", `cannot select ${label} from an ambiguous disjunction`, [at(place)]);
        return this.select(resolved, label, place);
      }
      case "constraint":
        return bottom("incomplete", `cannot select ${label} from non-concrete value ${formatConstraint(target)}`, [
          at(place),
        ]);
      default:
        return bottom("conflict", `invalid selector ${label} on ${describeValue(target)}`, [at(place)]);
    }
  }

  private index(target: Vertex | Value, index: Value, place: At): Vertex | Value {
    if (index.t === "bottom") return index;
    if (index.t !== "atom") return bottom("incomplete", "index is not concrete yet", [at(place)]);
    let vertex: Vertex;
    if (target instanceof Vertex) vertex = target;
    else if (target.t === "vertex") vertex = target.v;
    else if (target.t === "bottom") return target;
    else if (target.t === "disj") {
      const resolved = this.resolveDefault(target);
      if (resolved.t === "disj") return bottom("incomplete", "cannot index an ambiguous disjunction", [at(place)]);
      return this.index(resolved, index, place);
    } else if (target.t === "constraint")
      return bottom("incomplete", `cannot index non-concrete value ${formatConstraint(target)}`, [at(place)]);
    else return bottom("conflict", `cannot index ${describeValue(target)}`, [at(place)]);
    this.evalArcs(vertex);
    const resolvedVertex = vertex;
    if (resolvedVertex.isList) {
      if (index.kind !== INT)
        return bottom("conflict", `invalid list index ${formatAtom(index)} (type ${kindLabel(index)})`, [at(place)]);
      const position = index.value;
      const elem = resolvedVertex.elems?.[position];
      if (elem === undefined || position < 0)
        return bottom(
          "incomplete",
          `index out of range [${position}] with length ${resolvedVertex.elems?.length ?? 0}`,
          [at(place)],
          true,
        );
      return elem;
    }
    if (index.kind !== STRING)
      return bottom("conflict", `invalid struct index ${formatAtom(index)} (type ${kindLabel(index)})`, [at(place)]);
    return this.lookupArc(resolvedVertex, index.value, place);
  }

  /** The arc `label` of a struct, or why it cannot be read (missing and optional fields are incomplete). */
  lookupArc(vertex: Vertex, label: string, place: At): Vertex | Bottom {
    this.evalArcs(vertex);
    if (vertex.alternatives !== undefined && !this.defaultChosen(vertex) && vertex.arcs === undefined)
      return bottom("incomplete", `cannot select ${label} from an ambiguous disjunction`, [at(place)]);
    const arc = vertex.arcs?.get(label);
    if (arc === undefined) {
      if (vertex.error !== undefined) return vertex.error;
      if (vertex.isList) return bottom("conflict", `invalid selector ${label} on a list`, [at(place)]);
      const scalar = vertex.scalar;
      if (scalar.t === "atom" && !vertex.declaresStruct)
        return bottom("conflict", `invalid selector ${label} on ${formatAtom(scalar)}`, [at(place)]);
      if (vertex.status === EVALUATING && !vertex.declaresStruct)
        return bottom("incomplete", `cycle: ${label} is read while its struct is being built`, [at(place)]);
      return bottom("incomplete", `undefined field: ${label}`, [at(place)], true);
    }
    if (arc.fieldKind === "optional")
      return bottom("incomplete", `cannot reference optional field: ${label}`, [at(place)], true);
    if (arc.fieldKind === "required")
      return bottom("incomplete", `field ${label} is required but not present`, [at(place)], true);
    return arc;
  }

  /** Evaluates an expression to a value (struct and list literals become detached vertices). */
  evalExpr(expr: Expr, env: Env | null): Value {
    this.step();
    switch (expr.type) {
      case "BasicLit": {
        const pos = posOf(expr);
        switch (expr.kind) {
          case "null":
            return atomOf(null, pos);
          case "bool":
            return atomOf(expr.value === "true", pos);
          case "int":
          case "float":
            return numberLiteral(expr, pos);
          case "top":
            return { ...TOP, pos };
          case "bottom":
            return bottom("conflict", "explicit error (_|_ literal) in source", [pos]);
        }
        break;
      }
      case "StringLit":
        return this.evalString(expr, env);
      case "Ident":
      case "SelectorExpr":
      case "IndexExpr": {
        const resolved = this.resolveRef(expr, env);
        return resolved instanceof Vertex ? this.valueOfVertex(resolved) : resolved;
      }
      case "ParenExpr":
        return this.evalExpr(expr.expr, env);
      case "UnaryExpr":
        return this.evalUnary(expr, env);
      case "BinaryExpr":
        return this.evalBinary(expr, env);
      case "StructLit":
      case "ListLit":
        return this.detach(expr, env);
      case "CallExpr":
        return this.evalCall(expr, env);
      case "SliceExpr":
        return this.evalSlice(expr, env);
    }
    return bottom("conflict", "unsupported expression", [posOf(expr)]);
  }

  /** Evaluates an expression in a new vertex of its own (struct literals, unifications, disjunctions of structs). */
  detach(expr: Expr, env: Env | null, close?: CloseGroup): Value {
    const vertex = this.newVertex(null, "");
    vertex.conjuncts.push({ k: "expr", expr, env, ...(close === undefined ? {} : { close }) });
    return this.valueOfVertex(vertex);
  }

  private evalString(expr: Extract<Expr, { type: "StringLit" }>, env: Env | null): Value {
    const pos = posOf(expr);
    if (expr.text !== undefined)
      return expr.bytes ? { t: "atom", kind: BYTES, value: expr.text, pos } : atomOf(expr.text, pos);
    let text = "";
    for (const part of expr.parts) {
      if (typeof part === "string") {
        text += part;
        continue;
      }
      const value = this.resolveDefault(this.evalExpr(part, env));
      if (value.t === "bottom") return value;
      if (value.t === "constraint" || value.t === "disj")
        return bottom("incomplete", `invalid interpolation: non-concrete value ${describeValue(value)}`, [posOf(part)]);
      if (value.t !== "atom")
        return bottom("conflict", `invalid interpolation: cannot use ${describeValue(value)} as a string`, [
          posOf(part),
        ]);
      const piece = interpolationText(value);
      if (piece === undefined)
        return bottom("conflict", `invalid interpolation: cannot use ${formatAtom(value)} as a string`, [posOf(part)]);
      text += piece;
      if (text.length > 1 << 24) throw new LimitExceeded("string longer than 16 MiB", pos);
    }
    return expr.bytes ? { t: "atom", kind: BYTES, value: text, pos } : atomOf(text, pos);
  }

  private evalUnary(expr: Extract<Expr, { type: "UnaryExpr" }>, env: Env | null): Value {
    const pos = posOf(expr);
    if (expr.op === "*") return this.evalExpr(expr.operand, env);
    const operand = this.resolveDefault(this.evalExpr(expr.operand, env));
    if (operand.t === "bottom") return operand;
    if (expr.op === "-" || expr.op === "+" || expr.op === "!") {
      const atom = concreteOperand(operand, expr.op, pos);
      return atom.t === "bottom" ? atom : unaryAtom(expr.op, atom, pos);
    }
    const atom = concreteOperand(operand, expr.op, pos);
    if (atom.t === "bottom") return atom;
    const bound: Bound = { op: expr.op as Exclude<Bound["op"], "validator">, value: atom };
    if ((bound.op === "=~" || bound.op === "!~") && atom.kind !== STRING)
      return bottom("conflict", `invalid regular expression ${formatAtom(atom)}`, [pos]);
    return boundConstraint(bound, pos);
  }

  /** True when the operand is an error or not a concrete scalar (CUE v0.4–v0.6 `x == _|_`). */
  isBottomLike(expr: Expr, env: Env | null): boolean {
    const value = this.resolveDefault(this.evalExpr(expr, env));
    if (value.t === "bottom") return true;
    if (value.t === "constraint") return true;
    if (value.t === "disj") return false;
    if (value.t === "vertex") {
      this.evalArcs(value.v);
      return value.v.error !== undefined;
    }
    return false;
  }

  private evalBinary(expr: BinaryExpr, env: Env | null): Value {
    const pos = posOf(expr);
    if (expr.op === "&" || expr.op === "|") {
      if (expr.op === "&") {
        const left = this.evalExpr(expr.left, env);
        const right = this.evalExpr(expr.right, env);
        if (isScalar(left) && isScalar(right)) return meetScalars(left, right);
      }
      return this.detach(expr, env);
    }
    if (expr.op === "==" || expr.op === "!=") {
      const leftBottom = isBottomLiteral(expr.left);
      const rightBottom = isBottomLiteral(expr.right);
      if (leftBottom || rightBottom) {
        if (leftBottom && rightBottom) return atomOf(expr.op === "==", pos);
        const isBottom = this.isBottomLike(leftBottom ? expr.right : expr.left, env);
        return atomOf(expr.op === "==" ? isBottom : !isBottom, pos);
      }
    }
    const left = this.resolveDefault(this.evalExpr(expr.left, env));
    const right = this.resolveDefault(this.evalExpr(expr.right, env));
    if (left.t === "bottom") return left;
    if (right.t === "bottom") return right;
    if (left.t === "vertex" || right.t === "vertex") return this.binaryStructural(expr.op, left, right, pos);
    const a = concreteOperand(left, expr.op, pos);
    if (a.t === "bottom") return a;
    const b = concreteOperand(right, expr.op, pos);
    if (b.t === "bottom") return b;
    const result = binaryAtoms(expr.op, a, b, pos);
    if (
      result.t === "atom" &&
      (result.kind === STRING || result.kind === BYTES) &&
      String(result.value).length > 1 << 24
    )
      throw new LimitExceeded("string longer than 16 MiB", pos);
    return result;
  }

  /** `+` and `*` on lists, `==`/`!=` on concrete lists and structs. */
  private binaryStructural(op: string, left: Value, right: Value, pos: CuePosition): Value {
    if (op === "==" || op === "!=") {
      const a = this.toJsonValue(left);
      const b = this.toJsonValue(right);
      if (isBottomValue(a)) return a;
      if (isBottomValue(b)) return b;
      const equal = JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
      return atomOf(op === "==" ? equal : !equal, pos);
    }
    if (op === "+" && left.t === "vertex" && right.t === "vertex") {
      this.evalArcs(left.v);
      this.evalArcs(right.v);
      if (left.v.isList && right.v.isList)
        return this.listOf([...(left.v.elems ?? []), ...(right.v.elems ?? [])].map(vertexValue));
    }
    if (op === "*") {
      const list = left.t === "vertex" ? left : right.t === "vertex" ? right : undefined;
      const count = left.t === "atom" ? left : right.t === "atom" ? right : undefined;
      if (list !== undefined && count?.kind === INT) {
        this.evalArcs(list.v);
        const elems = list.v.elems ?? [];
        const times = count.value;
        if (times < 0 || elems.length * times > this.limits.maxVertices)
          return bottom("conflict", "invalid list repeat count", [pos]);
        return this.listOf(
          Array.from({ length: times }, () => elems)
            .flat()
            .map(vertexValue),
        );
      }
    }
    return bottom("conflict", `invalid operation ${describeValue(left)} ${op} ${describeValue(right)}`, [pos]);
  }

  /** A detached list of the given element values. */
  listOf(values: readonly Value[]): Value {
    const vertex = this.newVertex(null, "");
    vertex.isList = true;
    vertex.closedLength = values.length;
    values.forEach((value, index) => {
      this.countArc(true);
      vertex.elem(index).conjuncts.push({ k: "value", value });
    });
    vertex.status = EVALUATED;
    return vertexValue(vertex);
  }

  /** A detached value built from JSON. */
  fromJson(value: JsonValue): Value {
    if (value === null || typeof value !== "object") return atomOf(value);
    const vertex = this.newVertex(null, "");
    vertex.conjuncts.push({ k: "json", value });
    return this.valueOfVertex(vertex);
  }

  private evalSlice(expr: Extract<Expr, { type: "SliceExpr" }>, env: Env | null): Value {
    const pos = posOf(expr);
    const target = this.resolveDefault(this.evalExpr(expr.target, env));
    if (target.t === "bottom") return target;
    const bound = (part: Expr | undefined, fallback: number): number | Bottom => {
      if (part === undefined) return fallback;
      const value = this.resolveDefault(this.evalExpr(part, env));
      if (value.t === "bottom") return value;
      if (value.t !== "atom" || value.kind !== INT) return bottom("conflict", "slice bounds must be integers", [pos]);
      return value.value;
    };
    if (target.t === "vertex" && target.v.isList) {
      const elems = target.v.elems ?? [];
      const low = bound(expr.low, 0);
      const high = bound(expr.high, elems.length);
      if (typeof low !== "number") return low;
      if (typeof high !== "number") return high;
      if (low < 0 || high > elems.length || low > high)
        return bottom("conflict", `invalid slice index [${low}:${high}]`, [pos]);
      return this.listOf(elems.slice(low, high).map(vertexValue));
    }
    if (target.t === "atom" && (target.kind === STRING || target.kind === BYTES)) {
      const text = String(target.value);
      const low = bound(expr.low, 0);
      const high = bound(expr.high, text.length);
      if (typeof low !== "number") return low;
      if (typeof high !== "number") return high;
      return { t: "atom", kind: target.kind, value: text.slice(low, high) };
    }
    return bottom("conflict", `cannot slice ${describeValue(target)}`, [pos]);
  }

  private evalCall(expr: Extract<Expr, { type: "CallExpr" }>, env: Env | null): Value {
    const pos = posOf(expr);
    if (expr.callee.type === "Ident" && expr.callee.ref?.kind === "builtin") {
      const name = expr.callee.name;
      if (name === "close") {
        const [argument] = expr.args;
        if (expr.args.length !== 1 || argument === undefined)
          return bottom("conflict", "close takes one argument", [pos]);
        return this.detach(argument, env, new CloseGroup());
      }
    }
    const callee = this.resolveRef(expr.callee, env);
    const fn = callee instanceof Vertex ? this.valueOfVertex(callee) : callee;
    if (fn.t === "bottom") return fn;
    if (fn.t !== "func") return bottom("conflict", `cannot call non-function ${describeValue(fn)}`, [pos]);
    if (!fn.fn.params.includes(expr.args.length))
      return bottom(
        "conflict",
        `${fn.name}: wrong number of arguments (got ${expr.args.length}, want ${fn.fn.params.join(" or ")})`,
        [pos],
      );
    const args = expr.args.map((arg) => this.resolveDefault(this.evalExpr(arg, env)));
    const context: BuiltinContext = {
      toJson: (value) => this.toJsonValue(value),
      fromJson: (value) => this.fromJson(value),
      listElements: (value) => this.listElements(value),
      pos,
    };
    const result = fn.fn.call(args, context);
    if (result.t === "bottom" && result.positions.length === 0)
      return { ...result, message: `${fn.name}: ${result.message}`, positions: [pos] };
    if (result.t === "bottom" && !result.message.startsWith(fn.name))
      return { ...result, message: `${fn.name}: ${result.message}` };
    return result;
  }

  /** The elements of a list value as values. */
  listElements(value: Value): readonly Value[] | Bottom {
    const resolved = this.resolveDefault(value);
    if (resolved.t === "bottom") return resolved;
    if (resolved.t === "vertex") {
      this.evalArcs(resolved.v);
      if (resolved.v.error !== undefined) return resolved.v.error;
      if (resolved.v.isList)
        return (resolved.v.elems ?? []).map((elem) => this.resolveDefault(this.valueOfVertex(elem)));
    }
    if (resolved.t === "constraint")
      return bottom("incomplete", `non-concrete value ${formatConstraint(resolved)} where a list is expected`, []);
    return bottom("conflict", `cannot use ${describeValue(resolved)} as a list`, []);
  }

  /** The concrete JSON of a value, or the first reason it is not concrete. */
  toJsonValue(value: Value): JsonValue | Bottom {
    const resolved = this.resolveDefault(value);
    switch (resolved.t) {
      case "atom":
        return atomJson(resolved);
      case "bottom":
        return resolved;
      case "constraint":
        return bottom("incomplete", `incomplete value ${formatConstraint(resolved)}`, [resolved.pos]);
      case "disj":
        return bottom("incomplete", `incomplete value ${describeValue(resolved)} (ambiguous disjunction)`, []);
      case "func":
      case "package":
        return bottom("conflict", `cannot use ${describeValue(resolved)} as data`, []);
      case "vertex":
        return this.vertexJson(resolved.v, 0);
    }
  }

  private vertexJson(vertex: Vertex, depth: number): JsonValue | Bottom {
    if (depth > this.limits.maxDepth)
      throw new LimitExceeded(`value nested deeper than ${this.limits.maxDepth} levels`, vertex.firstPosition());
    const value = this.valueOfVertex(vertex);
    if (value.t !== "vertex") return this.toJsonValue(value);
    const node = value.v;
    if (node.isList) {
      const items: JsonValue[] = [];
      for (const elem of node.elems ?? []) {
        const item = this.vertexJson(elem, depth + 1);
        if (isBottomValue(item)) return item;
        items.push(item);
      }
      return items;
    }
    const object: Record<string, JsonValue> = {};
    for (const arc of node.arcs?.values() ?? []) {
      if (arc.isDefinition || arc.isHidden || arc.fieldKind === "optional") continue;
      if (arc.fieldKind === "required")
        return bottom("incomplete", `field ${arc.label} is required but not present`, [arc.firstPosition()]);
      const item = this.vertexJson(arc, depth + 1);
      if (isBottomValue(item)) return item;
      object[arc.label] = item;
    }
    return object;
  }

  /** Raises a limit error as a CueError (used by the public API). */
  static limitError(error: LimitExceeded): Error {
    return cueError("limit", error.what, error.pos === undefined ? [] : [error.pos]);
  }
}

const MARKERS: Readonly<Record<Vertex["fieldKind"], string>> = { regular: "", optional: "?", required: "!" };

function isScalar(value: Value): value is Scalar {
  return value.t === "atom" || value.t === "constraint" || value.t === "bottom";
}

function isBottomLiteral(expr: Expr): boolean {
  let current = expr;
  while (current.type === "ParenExpr") current = current.expr;
  return current.type === "BasicLit" && current.kind === "bottom";
}

export function isBottomValue(value: JsonValue | Bottom): value is Bottom {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    (value as { t?: unknown }).t === "bottom" &&
    "positions" in value
  );
}

function canonical(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const result: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) result[key] = canonical(value[key] as JsonValue);
    return result;
  }
  return value;
}

function kindLabel(atom: Atom): string {
  return formatConstraint({ t: "constraint", kinds: atom.kind, bounds: [] });
}

function scalarsEqual(a: Scalar, b: Scalar): boolean {
  if (a.t === "atom" && b.t === "atom") return atomsEqual(a, b) && a.kind === b.kind;
  if (a.t === "constraint" && b.t === "constraint")
    return a.kinds === b.kinds && formatConstraint(a) === formatConstraint(b);
  return false;
}

/** Short text of a value for messages. */
export function describeValue(value: Value): string {
  switch (value.t) {
    case "atom":
      return formatAtom(value);
    case "constraint":
      return formatConstraint(value);
    case "bottom":
      return "_|_";
    case "vertex":
      return value.v.isList ? "[...]" : "{...}";
    case "disj": {
      const marked = value.defaults.some((isDefault) => !isDefault);
      return value.alts
        .map((alt, index) => `${marked && value.defaults[index] === true ? "*" : ""}${describeValue(alt)}`)
        .join(" | ");
    }
    case "func":
      return value.name;
    case "package":
      return `package ${value.path}`;
  }
}

function emptyDisjunction(
  current: Scalar | undefined,
  pending: readonly PendingDisjunction[],
  errors: readonly Bottom[],
): Bottom {
  const incomplete = errors.length > 0 && errors.every((error) => error.kind === "incomplete");
  const disjunctionPositions = pending.map((disjunction) => disjunction.pos);
  const text = pending.map((disjunction) => disjunction.text).join(" & ");
  if (current?.t === "atom" && errors.every((error) => error.kind === "conflict"))
    return bottom("conflict", `conflicting values ${formatAtom(current)} and ${text} (no alternative matches)`, [
      current.pos,
      ...disjunctionPositions,
    ]);
  if (incomplete) return { ...(errors[0] as Bottom) };
  const reasons = [...new Set(errors.map((error) => error.message))];
  const positions = [...(errors[0]?.positions ?? []), ...disjunctionPositions];
  if (reasons.length === 1) return bottom("conflict", reasons[0] ?? "empty disjunction", positions);
  return bottom(
    "conflict",
    `${errors.length} errors in empty disjunction: ${reasons.slice(0, 3).join("; ")}${reasons.length > 3 ? "; …" : ""}`,
    positions,
  );
}
