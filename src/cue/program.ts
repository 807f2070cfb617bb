/**
 * Compiling and evaluating CUE programs for definitions: packages, imports, `parameter`/`context`
 * fills, output export and error mapping to source locations. Long because the compile and the
 * evaluate entry points share the package resolution and fill logic they both need.
 */
import { createHash } from "node:crypto";
import type { JsonValue } from "../util/index.js";
import type { Attribute, Expr, FieldKind, FileNode } from "./ast.js";
import { BUILTIN_CONSTANTS, BUILTIN_PACKAGES, LEN } from "./builtins.js";
import { Resolver } from "./compile.js";
import { CueError, cueError, type CueProblem } from "./errors.js";
import {
  DEFAULT_LIMITS,
  describeValue,
  Evaluator,
  isBottomValue,
  LimitExceeded,
  type EvalLimits,
  type PackageSource,
} from "./evaluator.js";
import { collectErrors, exportVertex } from "./export.js";
import { binaryAtoms, concreteOperand } from "./ops.js";
import { parseExpression, parseFile } from "./parser.js";
import { SourceFile, type CuePosition, type CueSource } from "./source.js";
import {
  atomJson,
  atomOf,
  bottom,
  BOOL,
  BYTES,
  FLOAT,
  formatConstraint,
  INT,
  isTop,
  NULL,
  NUMBER,
  STRING,
  type Scalar,
} from "./value.js";
import { Env, formatPath, Vertex, type BuiltinFunction, type Value } from "./vertex.js";

/** A value put into the configuration at a path before evaluation (`parameter`, `context`, a task result). */
export interface CueFill {
  readonly path: readonly string[];
  readonly value: JsonValue;
}

/** A CUE package the host provides under an import path (`vela/op`), compiled once. */
export class CuePackage {
  /** @internal */
  constructor(
    readonly path: string,
    /** @internal */ readonly files: readonly FileNode[],
    /** @internal */ readonly packages: ReadonlyMap<string, CuePackage>,
  ) {}
}

/** Options of {@link compileCue} and {@link compileCuePackage}. */
export interface CompileCueOptions {
  /**
   * Top-level names supplied by fills at evaluation time (`context`, `parameter`): a template may
   * use them without declaring them.
   * @default []
   */
  readonly injected?: readonly string[];
  /**
   * Packages besides the standard library, by import path.
   * @default {}
   */
  readonly packages?: Readonly<Record<string, CuePackage>> | ReadonlyMap<string, CuePackage>;
  /**
   * Accept imports of packages that are neither standard nor given (a definition loaded before the
   * host registers its packages); reading one of their members is then an evaluation error.
   * @default false
   */
  readonly allowUnknownImports?: boolean;
}

/** Options of {@link CueProgram.evaluate}. */
export interface EvaluateCueOptions {
  /**
   * Values unified into the configuration (each at its path).
   * @default []
   */
  readonly fill?: readonly CueFill[];
  /** Evaluation bounds; unset ones take {@link DEFAULT_LIMITS}. */
  readonly limits?: Partial<EvalLimits>;
}

function packageMap(packages: CompileCueOptions["packages"]): ReadonlyMap<string, CuePackage> {
  if (packages === undefined) return new Map();
  if (packages instanceof Map) return packages as ReadonlyMap<string, CuePackage>;
  return new Map(Object.entries(packages as Readonly<Record<string, CuePackage>>));
}

function parseAndResolve(
  sources: readonly CueSource[],
  options: CompileCueOptions,
): { files: FileNode[]; packages: ReadonlyMap<string, CuePackage> } {
  const packages = packageMap(options.packages);
  const files = sources.map((source) => parseFile(source));
  const labels = new Set<string>();
  for (const file of files) {
    for (const decl of file.body.decls)
      if (decl.type === "Field" && decl.label.type === "static" && !decl.label.quoted) labels.add(decl.label.name);
  }
  const problems: CueProblem[] = [];
  for (const file of files) {
    const imports = new Map<string, string>();
    for (const spec of file.imports) {
      if (
        BUILTIN_PACKAGES[spec.path] === undefined &&
        !packages.has(spec.path) &&
        options.allowUnknownImports !== true
      ) {
        problems.push({
          kind: "reference",
          message: `package "${spec.path}" not found`,
          path: "",
          positions: [spec.source.position(spec.start)],
        });
      }
      imports.set(spec.name, spec.path);
    }
    const resolver = new Resolver({ injected: new Set(options.injected ?? []), imports });
    resolver.resolveFile(file, labels);
    problems.push(...resolver.problems);
  }
  if (problems.length > 0) throw new CueError(problems);
  return { files, packages };
}

/** Compiles the files of a package the host provides under `path`. */
export function compileCuePackage(
  path: string,
  sources: CueSource | readonly CueSource[],
  options: CompileCueOptions = {},
): CuePackage {
  const list = Array.isArray(sources) ? (sources as readonly CueSource[]) : [sources as CueSource];
  const { files, packages } = parseAndResolve(list, options);
  return new CuePackage(path, files, packages);
}

/**
 * Compiles CUE source files (one package: their top-level fields share a scope) into a program that
 * can be evaluated many times with different fills. Syntax errors, unknown references and unknown
 * imports are one CueError listing every problem with file:line:col.
 */
export function compileCue(sources: CueSource | readonly CueSource[], options: CompileCueOptions = {}): CueProgram {
  const list = Array.isArray(sources) ? (sources as readonly CueSource[]) : [sources as CueSource];
  const { files, packages } = parseAndResolve(list, options);
  return new CueProgram(files, packages);
}

/** A compiler that keeps each program it compiled, keyed by the sources' content and options. */
export interface CueCompiler {
  compile(sources: CueSource | readonly CueSource[], options?: CompileCueOptions): CueProgram;
}

/** Makes a compiler with its own cache (hold one per registry; no cache is shared behind the caller's back). */
export function createCueCompiler(): CueCompiler {
  const programs = new Map<string, CueProgram | CueError>();
  return {
    compile(sources, options = {}) {
      const list = Array.isArray(sources) ? (sources as readonly CueSource[]) : [sources as CueSource];
      const hash = createHash("sha256");
      for (const source of list)
        hash.update(
          JSON.stringify([source.file, source.line ?? 1, source.column ?? 1, source.indent ?? 0, source.text]),
        );
      hash.update(JSON.stringify([options.injected ?? [], options.allowUnknownImports === true]));
      for (const [path, pkg] of packageMap(options.packages)) hash.update(`${path}\u0000${packageIdentity(pkg)}`);
      const key = hash.digest("hex");
      let found = programs.get(key);
      if (found === undefined) {
        try {
          found = compileCue(list, options);
        } catch (error) {
          if (!(error instanceof CueError)) throw error;
          found = error;
        }
        programs.set(key, found);
      }
      if (found instanceof CueError) throw found;
      return found;
    },
  };
}

const packageIds = new WeakMap<CuePackage, number>();
let nextPackageId = 0;
function packageIdentity(pkg: CuePackage): number {
  let id = packageIds.get(pkg);
  if (id === undefined) {
    id = nextPackageId++;
    packageIds.set(pkg, id);
  }
  return id;
}

function fillToJson(fill: CueFill): JsonValue {
  let value = fill.value;
  for (let index = fill.path.length - 1; index >= 0; index--) value = { [fill.path[index] as string]: value };
  return value;
}

function universe(label: string, evaluator: Evaluator): Value | undefined {
  const constraint = (kinds: number): Scalar => ({ t: "constraint", kinds, bounds: [] });
  switch (label) {
    case "int":
      return constraint(INT);
    case "float":
      return constraint(FLOAT);
    case "number":
      return constraint(NUMBER);
    case "string":
      return constraint(STRING);
    case "bytes":
      return constraint(BYTES);
    case "bool":
      return constraint(BOOL);
    case "null":
      return atomOf(null);
    case "len":
      return { t: "func", name: "len", fn: LEN };
    case "and":
      return {
        t: "func",
        name: "and",
        fn: {
          params: [1],
          call: ([list], context) => {
            const items = context.listElements(list as Value);
            if (!Array.isArray(items)) return items as Value;
            const vertex = evaluator.newVertex(null, "");
            for (const item of items as readonly Value[]) vertex.conjuncts.push({ k: "value", value: item });
            return evaluator.valueOfVertex(vertex);
          },
        },
      };
    case "or":
      return {
        t: "func",
        name: "or",
        fn: {
          params: [1],
          call: ([list], context) => {
            const items = context.listElements(list as Value);
            if (!Array.isArray(items)) return items as Value;
            const values = items as readonly Value[];
            if (values.length === 0) return bottom("conflict", "empty list in call to or");
            return values.length === 1
              ? (values[0] as Value)
              : { t: "disj", alts: values, defaults: values.map(() => false) };
          },
        },
      };
    case "div":
    case "mod":
    case "quo":
    case "rem": {
      const fn: BuiltinFunction = {
        params: [2],
        call: ([a, b], context) => {
          const x = concreteOperand(a as Value, label, context.pos);
          if (x.t === "bottom") return x;
          const y = concreteOperand(b as Value, label, context.pos);
          if (y.t === "bottom") return y;
          return binaryAtoms(label, x, y, context.pos);
        },
      };
      return { t: "func", name: label, fn };
    }
    default:
      return undefined;
  }
}

/** Builtin packages, the host's packages (evaluated once per evaluation) and predeclared names. */
class PackageScope implements PackageSource {
  private readonly roots = new Map<string, Vertex>();

  constructor(private readonly packages: ReadonlyMap<string, CuePackage>) {}

  member(path: string, label: string, evaluator: Evaluator, pos: CuePosition | undefined): Value | Vertex {
    if (path === "") return universe(label, evaluator) ?? bottom("reference", `reference "${label}" not found`, [pos]);
    const builtins = BUILTIN_PACKAGES[path];
    if (builtins !== undefined) {
      const fn = builtins[label];
      if (fn !== undefined) return { t: "func", name: `${path.split("/").pop() ?? path}.${label}`, fn };
      const constant = BUILTIN_CONSTANTS[path]?.[label];
      if (constant !== undefined) return evaluator.fromJson(constant);
      return bottom("reference", `undefined: ${path.split("/").pop() ?? path}.${label}`, [pos]);
    }
    const pkg = this.packages.get(path);
    if (pkg === undefined) return bottom("reference", `package "${path}" not found`, [pos]);
    let root = this.roots.get(path);
    if (root === undefined) {
      root = evaluator.newVertex(null, "");
      for (const file of pkg.files) root.conjuncts.push({ k: "expr", expr: file.body, env: null });
      this.roots.set(path, root);
      for (const [depPath, dep] of pkg.packages)
        if (!this.packages.has(depPath)) (this.packages as Map<string, CuePackage>).set(depPath, dep);
    }
    return evaluator.lookupArc(root, label, pos);
  }
}

/** Runs a function of the evaluator, turning bound violations and stack exhaustion into limit CueErrors. */
function guarded<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof LimitExceeded) throw Evaluator.limitError(error);
    if (error instanceof RangeError && /call stack/i.test(error.message))
      throw cueError("limit", "evaluation nested too deeply (structural cycle or runaway recursion)");
    throw error;
  }
}

/** A compiled CUE program: evaluate it with fills as often as needed. */
export class CueProgram {
  /** @internal */
  constructor(
    /** @internal */ readonly files: readonly FileNode[],
    private readonly packages: ReadonlyMap<string, CuePackage>,
  ) {}

  /** Import paths the program's files use. */
  get imports(): readonly string[] {
    return [...new Set(this.files.flatMap((file) => file.imports.map((spec) => spec.path)))];
  }

  /** Evaluates the program with the given fills; the result is lazy (fields are evaluated when read). */
  evaluate(options: EvaluateCueOptions = {}): CueValue {
    const limits: EvalLimits = { ...DEFAULT_LIMITS, ...options.limits };
    const root = new Vertex(null, "");
    for (const file of this.files) root.conjuncts.push({ k: "expr", expr: file.body, env: null });
    const fills = options.fill ?? [];
    for (const fill of fills) root.conjuncts.push({ k: "json", value: fillToJson(fill) });
    const evaluator = new Evaluator(root, limits, new PackageScope(new Map(this.packages)));
    const evaluation: Evaluation = { program: this, evaluator, fills, limits: options.limits ?? {} };
    guarded(() => evaluator.evalArcs(root));
    return new CueValue(evaluation, root, []);
  }
}

interface Evaluation {
  readonly program: CueProgram;
  readonly evaluator: Evaluator;
  readonly fills: readonly CueFill[];
  readonly limits: Partial<EvalLimits>;
}

/**
 * The kind of an evaluated value: a concrete kind; `incomplete` for a value that more data could make
 * concrete (a type, an undecided disjunction, a reference to a field not set yet); `bottom` for an error.
 */
export type CueKind =
  "null" | "bool" | "int" | "float" | "string" | "bytes" | "struct" | "list" | "incomplete" | "bottom";

/** What {@link CueValue.typeInfo} says about a value. */
export interface CueTypeInfo {
  readonly kinds: readonly CueKind[];
  /** Bounds such as `>=0` or `=~"^a"`. */
  readonly bounds: readonly { readonly op: string; readonly value: JsonValue }[];
  /** The alternatives, when every one of them is concrete (an enum). */
  readonly values?: readonly JsonValue[];
}

function atomKind(kind: number): CueKind {
  switch (kind) {
    case NULL:
      return "null";
    case BOOL:
      return "bool";
    case INT:
      return "int";
    case FLOAT:
      return "float";
    case BYTES:
      return "bytes";
    default:
      return "string";
  }
}

function kindsOf(mask: number): CueKind[] {
  const kinds: CueKind[] = [];
  for (const bit of [NULL, BOOL, INT, FLOAT, STRING, BYTES]) if ((mask & bit) !== 0) kinds.push(atomKind(bit));
  if ((mask & 64) !== 0) kinds.push("list");
  if ((mask & 128) !== 0) kinds.push("struct");
  return kinds;
}

/** One field of a struct, as {@link CueValue.fields} lists it. */
export interface CueField {
  readonly label: string;
  readonly kind: FieldKind;
  readonly definition: boolean;
  readonly hidden: boolean;
  readonly value: CueValue;
}

/** Options of {@link CueValue.fields}. */
export interface CueFieldsOptions {
  /** Include `#definitions`. @default false */
  readonly definitions?: boolean;
  /** Include `_hidden` fields. @default false */
  readonly hidden?: boolean;
  /** Include optional (`?`) and required (`!`) fields that have no value. @default false */
  readonly optional?: boolean;
}

/**
 * A value of an evaluated program (the root or a field). Reading it evaluates what is needed.
 * Values are immutable: `fillPath` re-evaluates the program with one more fill.
 */
export class CueValue {
  /** @internal */
  constructor(
    private readonly evaluation: Evaluation,
    private readonly vertex: Vertex,
    /** Labels from the root. */
    readonly path: readonly string[],
  ) {}

  private get evaluator(): Evaluator {
    return this.evaluation.evaluator;
  }

  /** Dotted CUE path (`output.spec."app.oam.dev/name"`). */
  get pathText(): string {
    return formatPath(this.path);
  }

  /** The value at a sub-path (fields of any kind, list indexes as numbers), or undefined when there is none. */
  lookup(...path: readonly (string | number)[]): CueValue | undefined {
    let vertex = this.vertex;
    const labels = [...this.path];
    for (const step of path) {
      guarded(() => this.evaluator.evalArcs(vertex));
      const next =
        typeof step === "number" || (vertex.isList && /^\d+$/.test(step))
          ? vertex.elems?.[Number(step)]
          : vertex.arcs?.get(step);
      if (next === undefined) return undefined;
      vertex = next;
      labels.push(String(step));
    }
    return new CueValue(this.evaluation, vertex, labels);
  }

  private value(): Value {
    return guarded(() => this.evaluator.valueOfVertex(this.vertex));
  }

  /** What kind of value this is. */
  kind(): CueKind {
    const value = this.value();
    switch (value.t) {
      case "bottom":
        return value.kind === "incomplete" ? "incomplete" : "bottom";
      case "atom":
        switch (value.kind) {
          case NULL:
            return "null";
          case BOOL:
            return "bool";
          case INT:
            return "int";
          case FLOAT:
            return "float";
          case BYTES:
            return "bytes";
          default:
            return "string";
        }
      case "vertex":
        return value.v.isList ? "list" : "struct";
      default:
        return "incomplete";
    }
  }

  /** Whether the field is regular, optional (`?`) or required (`!`). */
  get fieldKind(): FieldKind {
    return this.vertex.fieldKind;
  }

  /** The value's own error (not its children's), or undefined. */
  error(): CueError | undefined {
    const value = this.value();
    if (value.t !== "bottom") return undefined;
    return new CueError([
      {
        kind: value.kind === "reference" ? "reference" : value.kind,
        message: value.message,
        path: this.pathText,
        positions: value.positions,
      },
    ]);
  }

  /** Every error in this value and its regular descendants (incomplete values are not errors unless asked). */
  errors(options: { readonly includeIncomplete?: boolean } = {}): readonly CueProblem[] {
    return guarded(() => collectErrors(this.evaluator, this.vertex, this.path, options));
  }

  /** The JSON of the value: throws a CueError listing every problem (non-concrete values, conflicts) when it has any. */
  export(): JsonValue {
    const result = this.tryExport();
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** {@link export} without throwing. */
  tryExport(): { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly error: CueError } {
    const { value, problems } = guarded(() => exportVertex(this.evaluator, this.vertex, this.path));
    if (problems.length > 0 || value === undefined) return { ok: false, error: new CueError(problems) };
    return { ok: true, value };
  }

  /** True when the value exports without problems. */
  isConcrete(): boolean {
    return this.tryExport().ok;
  }

  /** The struct's fields in declaration order. */
  fields(options: CueFieldsOptions = {}): readonly CueField[] {
    guarded(() => this.evaluator.evalArcs(this.vertex));
    const fields: CueField[] = [];
    for (const arc of this.vertex.arcs?.values() ?? []) {
      if (arc.isDefinition && options.definitions !== true) continue;
      if (arc.isHidden && options.hidden !== true) continue;
      if (arc.fieldKind !== "regular" && options.optional !== true) continue;
      fields.push({
        label: arc.label,
        kind: arc.fieldKind,
        definition: arc.isDefinition,
        hidden: arc.isHidden,
        value: new CueValue(this.evaluation, arc, [...this.path, arc.label]),
      });
    }
    return fields;
  }

  /** The elements of a list value. */
  elements(): readonly CueValue[] {
    guarded(() => this.evaluator.evalArcs(this.vertex));
    return (this.vertex.elems ?? []).map(
      (elem, index) => new CueValue(this.evaluation, elem, [...this.path, String(index)]),
    );
  }

  /** Comment lines (without `//`) written above or beside the field's declarations. */
  comments(): readonly string[] {
    const lines: string[] = [];
    for (const decl of this.vertex.decls ?? [])
      for (const line of decl.comments) if (!lines.includes(line)) lines.push(line);
    return lines;
  }

  /** Attributes of the field's declarations (`@step(1)`), optionally only those with a name. */
  attributes(name?: string): readonly Attribute[] {
    const found: Attribute[] = [];
    for (const decl of this.vertex.decls ?? [])
      for (const attribute of decl.attributes) if (name === undefined || attribute.name === name) found.push(attribute);
    return found;
  }

  /** Where the field is declared (its first declaration). */
  position(): CuePosition | undefined {
    const decl = this.vertex.decls?.[0];
    return decl === undefined ? this.vertex.firstPosition() : decl.source.position(decl.start);
  }

  /** Source text of the field's value expressions (what a reference doc shows as its type). */
  declarations(): readonly string[] {
    return (this.vertex.decls ?? []).map((decl) => decl.source.text.slice(decl.value.start, decl.value.end));
  }

  /** The default, when the value is a disjunction with a `*` default (`*1 | int` gives 1). */
  defaultValue(): JsonValue | undefined {
    guarded(() => this.evaluator.evalArcs(this.vertex));
    if (this.vertex.alternatives === undefined || !this.evaluator.defaultChosen(this.vertex)) return undefined;
    const result = this.tryExport();
    return result.ok ? result.value : undefined;
  }

  /** What a (possibly non-concrete) value allows: kinds, bounds and, for enums, the concrete alternatives. */
  typeInfo(): CueTypeInfo {
    guarded(() => this.evaluator.evalArcs(this.vertex));
    const alternatives = this.vertex.alternatives;
    const values: Value[] = alternatives === undefined ? [this.value()] : [...alternatives.values];
    const kinds = new Set<CueKind>();
    const bounds: { op: string; value: JsonValue }[] = [];
    const concrete: JsonValue[] = [];
    let allConcrete = true;
    for (const value of values) {
      switch (value.t) {
        case "atom":
          kinds.add(atomKind(value.kind));
          concrete.push(atomJson(value));
          break;
        case "constraint":
          allConcrete = false;
          for (const kind of kindsOf(value.kinds)) kinds.add(kind);
          for (const bound of value.bounds)
            if (bound.op !== "validator") bounds.push({ op: bound.op, value: atomJson(bound.value) });
          break;
        case "vertex":
          allConcrete = false;
          kinds.add(value.v.isList ? "list" : "struct");
          break;
        default:
          allConcrete = false;
      }
    }
    return { kinds: [...kinds], bounds, ...(allConcrete && concrete.length > 0 ? { values: concrete } : {}) };
  }

  /** What every further element of an open list must be (`[...T]` gives T), or undefined. */
  elementType(): CueValue | undefined {
    guarded(() => this.evaluator.evalArcs(this.vertex));
    const rest = this.vertex.openLists?.find((open) => open.rest !== undefined)?.rest;
    if (rest === undefined) return undefined;
    const vertex = this.evaluator.newVertex(this.vertex, "*");
    vertex.conjuncts.push(rest);
    return new CueValue(this.evaluation, vertex, [...this.path, "*"]);
  }

  /** What fields matching a pattern constraint must be (`[string]: T` gives T), in declaration order. */
  patternTypes(): readonly CueValue[] {
    guarded(() => this.evaluator.evalArcs(this.vertex));
    return (this.vertex.patterns ?? []).map((pattern) => {
      const vertex = this.evaluator.newVertex(this.vertex, "*");
      const env = pattern.alias ? new Env(pattern.env, null, [atomOf("*")]) : pattern.env;
      vertex.conjuncts.push({ k: "expr", expr: pattern.value, env });
      return new CueValue(this.evaluation, vertex, [...this.path, "*"]);
    });
  }

  /** A short CUE-like description of the value (`int`, `"a" | "b"`, `{...}`, `[...]`). */
  describe(): string {
    guarded(() => this.evaluator.evalArcs(this.vertex));
    const alternatives = this.vertex.alternatives;
    if (alternatives !== undefined)
      return describeValue({ t: "disj", alts: alternatives.values, defaults: alternatives.defaults });
    const value = this.value();
    if (value.t === "constraint") return isTop(value) ? "_" : formatConstraint(value);
    return describeValue(value);
  }

  /** The program evaluated again with one more fill at `path` (relative to this value); returns the value at this path. */
  fillPath(path: readonly string[], value: JsonValue): CueValue {
    const fills = [...this.evaluation.fills, { path: [...this.path, ...path], value }];
    const root = this.evaluation.program.evaluate({ fill: fills, limits: this.evaluation.limits });
    return this.path.length === 0 ? root : (root.lookup(...this.path) ?? root);
  }

  /** The fills this value's program was evaluated with. */
  get fills(): readonly CueFill[] {
    return this.evaluation.fills;
  }
}

/** A compiled CUE expression over named variables (workflow `if:` conditions, `valueFrom`). */
export class CueExpression {
  /** @internal */
  constructor(
    private readonly expr: Expr,
    private readonly packages: ReadonlyMap<string, CuePackage>,
  ) {}

  /** Evaluates the expression with the variables bound; throws a CueError when it is not concrete. */
  evaluate(variables: Readonly<Record<string, JsonValue>>, limits: Partial<EvalLimits> = {}): JsonValue {
    const root = new Vertex(null, "");
    root.conjuncts.push({ k: "json", value: variables as JsonValue });
    const evaluator = new Evaluator(root, { ...DEFAULT_LIMITS, ...limits }, new PackageScope(new Map(this.packages)));
    const result = guarded(() => evaluator.toJsonValue(evaluator.evalExpr(this.expr, null)));
    if (isBottomValue(result))
      throw new CueError([
        {
          kind: result.kind === "reference" ? "reference" : result.kind,
          message: result.message,
          path: "",
          positions: result.positions,
        },
      ]);
    return result;
  }
}

/** Compiles one expression whose free names are `variables` (plus imports given by `imports`: name → path). */
export function compileCueExpression(
  source: CueSource,
  options: {
    readonly variables: readonly string[];
    readonly imports?: Readonly<Record<string, string>>;
    readonly packages?: CompileCueOptions["packages"];
  },
): CueExpression {
  const expr = parseExpression(new SourceFile(source));
  const resolver = new Resolver({
    injected: new Set(options.variables),
    imports: new Map(Object.entries(options.imports ?? {})),
  });
  resolver.resolveExpr(expr);
  resolver.throwIfProblems();
  return new CueExpression(expr, packageMap(options.packages));
}
