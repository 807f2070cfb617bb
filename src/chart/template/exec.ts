/**
 * The evaluator of Go `text/template` (a port of `text/template/exec.go`) with Helm's options:
 * a missing map key is nil (`missingkey=zero`) and prints as `<no value>`; a field of a nil value is
 * an error (`nil pointer evaluating interface {}.x`) while a field of "no value" (`(.a).b`,
 * `$x.b` with `$x` unset) is `<no value>`. Function arguments are checked against the function's Go
 * parameter types exactly as Go's reflection does. Every step is counted against the render's
 * budget. Errors carry `name:line:col` and the node, as Go prints them.
 *
 * Templates that run templates (`{{template}}`, `include`, `tpl`) do not nest on the JavaScript
 * stack: a template's walk is a generator, and a nested execution is handed to a driver loop that
 * keeps the executing templates on a heap stack, so Helm's 1000 nested `include`s run in any stack.
 * Pipelines that cannot start a nested execution (most of them) are evaluated by plain functions.
 */
import { GoTemplateError } from "../errors.js";
import {
  locationOf,
  nodeToString,
  type ArgNode,
  type CommandNode,
  type IfNode,
  type ListNode,
  type Node,
  type PipeNode,
  type TemplateNode,
  type Tree,
} from "./ast.js";
import { parseTemplate } from "./parser.js";
import { assignable, canBeNil, goTypeName, type GoFunc, type ParamType } from "./go-func.js";
import {
  formatForOutput,
  goMethodsOf,
  GoStruct,
  integerValue,
  isGoMap,
  isTrue,
  typeOf,
  type GoFuncLike,
  type TemplateFunc,
} from "./go-value.js";
import { LimitExceeded, type EvaluationBudget } from "./limits.js";
import { TemplateExecError, TemplateFailure } from "./template-error.js";

/** What one render shares across nested executions: functions, budget, nesting, the executing set. */
export interface ExecEnv {
  readonly funcs: ReadonlyMap<string, GoFunc>;
  readonly budget: EvaluationBudget;
  /** How deep `template`/`include`/`tpl` executions are nested right now. */
  depth: number;
  /** Nesting count per `include`d name (Helm's `includedNames`). */
  readonly includes: Map<string, number>;
  /** The set whose template is executing (a `tpl` set sees its own `define`s, as Helm re-binds `include`). */
  current: TemplateSet;
  /** Sets made by `tpl`, by text (parsed once per render). */
  readonly tplSets: Map<string, TemplateSet>;
}

type Location = { readonly name: string; readonly line: number; readonly column: number };

/**
 * Thrown when templates nest too deeply. It passes through every enclosing call unchanged (so the
 * message does not grow with the depth); the innermost call site records where it happened.
 */
export class DepthExceeded extends Error {
  location: Location | undefined;
  constructor(readonly templateName: string) {
    super(`rendering template has a nested reference name: ${templateName}: unable to execute template`);
  }
}

/**
 * A template execution in progress. It yields the nested executions it needs (the driver runs each
 * and sends back its output, or throws its error in) and returns its output.
 */
export type Execution = Generator<Execution, string, unknown>;

/** A step of a walk that may yield nested executions and returns `T`. */
type Walk<T> = Generator<Execution, T, unknown>;

/**
 * Runs an execution to its end: nested executions go on an explicit stack rather than the
 * JavaScript stack, so their depth is bounded by the evaluation limits only.
 */
export function drive(root: Execution): string {
  const stack: Execution[] = [root];
  let input: unknown;
  let thrown: unknown;
  let failed = false;
  for (;;) {
    const top = stack[stack.length - 1] as Execution;
    let step: IteratorResult<Execution, string>;
    try {
      step = failed ? top.throw(thrown) : top.next(input);
    } catch (error) {
      stack.pop();
      if (stack.length === 0) throw error;
      failed = true;
      thrown = error;
      continue;
    }
    failed = false;
    thrown = undefined;
    if (step.done === true) {
      stack.pop();
      if (stack.length === 0) return step.value;
      input = step.value;
      continue;
    }
    stack.push(step.value);
    input = undefined;
  }
}

/** Functions that execute templates: a pipeline calling one is evaluated as part of the walk. */
const NESTING_FUNCTIONS: ReadonlySet<string> = new Set(["include", "tpl"]);
const nestingCache = new WeakMap<object, boolean>();

/** Whether evaluating `node` may run a nested template (it calls `include` or `tpl` somewhere). */
function mayNest(node: ArgNode | CommandNode): boolean {
  switch (node.type) {
    case "identifier":
      return NESTING_FUNCTIONS.has(node.name);
    case "chain":
      return mayNest(node.node);
    case "pipe":
    case "command": {
      const cached = nestingCache.get(node);
      if (cached !== undefined) return cached;
      const nests =
        node.type === "pipe" ? node.cmds.some((cmd) => mayNest(cmd)) : node.args.some((arg) => mayNest(arg));
      nestingCache.set(node, nests);
      return nests;
    }
    default:
      return false;
  }
}

/** What a walk tells its caller: carry on, or leave the enclosing range (`break`/`continue`). */
type Flow = 0 | 1 | 2;
const Flow = { Normal: 0, Break: 1, Continue: 2 } as const;

let setCounter = 0;

/**
 * A set of named templates (files and `define`s) sharing one namespace, as Helm's template set.
 * Parsed trees are kept, so a set can be executed many times.
 */
export class TemplateSet {
  private readonly trees = new Map<string, Tree>();
  readonly id = ++setCounter;

  constructor(
    private readonly functionNames: ReadonlySet<string>,
    private readonly parent?: TemplateSet,
  ) {}

  /** Parses `text` as template `name`; its `define`s join the set (a later definition wins). */
  add(name: string, text: string): void {
    const parsed = parseTemplate(name, text, (fn) => this.functionNames.has(fn));
    this.trees.set(name, parsed.root);
    for (const [defined, tree] of parsed.defines) this.trees.set(defined, tree);
  }

  lookup(name: string): Tree | undefined {
    return this.trees.get(name) ?? this.parent?.lookup(name);
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** A child set that sees this one's templates; what is added to it stays there (used by `tpl`). */
  child(): TemplateSet {
    return new TemplateSet(this.functionNames, this);
  }

  /** Executes template `name` with `data` as dot and `$`; returns the output text. */
  execute(name: string, data: unknown, env: ExecEnv): string {
    return drive(this.run(name, data, env));
  }

  /** The execution of template `name` (see {@link drive}). */
  *run(name: string, data: unknown, env: ExecEnv): Execution {
    const tree = this.lookup(name);
    if (tree === undefined)
      throw new GoTemplateError(`template: no template ${JSON.stringify(name)} associated with template "gotpl"`);
    if (env.depth >= env.budget.limits.maxExecDepth)
      throw new LimitExceeded(`exceeded maximum template depth (${env.budget.limits.maxExecDepth})`);
    const previous = env.current;
    env.depth++;
    env.current = this;
    try {
      const state = new State(this, env, tree.name, data);
      yield* state.walkList(data, tree.root);
      return state.out;
    } catch (error) {
      if (isStackOverflow(error)) throw new DepthExceeded(name);
      throw error;
    } finally {
      env.depth--;
      env.current = previous;
    }
  }

  /** Helm's `include`: executes a named template, at most 1000 nested includes of one name. */
  *include(name: string, data: unknown, env: ExecEnv): Execution {
    const count = env.includes.get(name) ?? 0;
    if (count > env.budget.limits.maxTemplateDepth) throw new DepthExceeded(name);
    env.includes.set(name, count + 1);
    try {
      return yield* this.run(name, data, env);
    } finally {
      env.includes.set(name, count);
    }
  }

  /** Helm's `tpl`: parses `text` as template "gotpl" in a child of this set and executes it. */
  *tpl(text: string, data: unknown, env: ExecEnv): Execution {
    const key = `${this.id}\u0000${text}`;
    let child = env.tplSets.get(key);
    if (child === undefined) {
      child = this.child();
      try {
        child.add("gotpl", text);
      } catch (error) {
        throw new GoTemplateError(
          `cannot parse template ${JSON.stringify(text)}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      env.tplSets.set(key, child);
    }
    try {
      return (yield* child.run("gotpl", data, env)).replaceAll("<no value>", "");
    } catch (error) {
      if (error instanceof TemplateFailure || error instanceof DepthExceeded || error instanceof LimitExceeded)
        throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new GoTemplateError(`error during tpl function execution for ${JSON.stringify(text)}: ${message}`, {
        cause: error,
      });
    }
  }
}

/** A JavaScript stack overflow (checked without a regular expression: near the limit, compiling one overflows too). */
function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message.includes("call stack");
}

/** True when `error` means templates nested too deeply (recursion in `include`/`template`). */
export function isDepthExceeded(error: unknown): error is DepthExceeded {
  return error instanceof DepthExceeded;
}

const MISSING: unique symbol = Symbol("missing");
type Final = unknown;

class State {
  out = "";
  private readonly vars: { name: string; value: unknown }[];
  /** The node Go's `s.at` last pointed at (errors about a piped value name it). */
  private node: { pos: number; src: { parseName: string; text: string }; type: string } | undefined;

  constructor(
    private readonly set: TemplateSet,
    private readonly env: ExecEnv,
    private readonly tmplName: string,
    data: unknown,
  ) {
    this.vars = [{ name: "$", value: data }];
  }

  private fail(
    node: { pos: number; src: { parseName: string; text: string }; type: string },
    message: string,
    shown?: string,
  ): never {
    const location = locationOf(node);
    const text = shown ?? nodeToString(node as ArgNode);
    throw new TemplateExecError(
      `template: ${location.name}:${location.line}:${location.column}: executing ${JSON.stringify(this.tmplName)} at <${text}>: ${message}`,
      message,
      { file: location.name, line: location.line, column: location.column + 1 },
    );
  }

  private append(text: string): void {
    if (this.out.length + text.length > this.env.budget.limits.maxOutputBytes)
      throw new LimitExceeded(`template output exceeds ${this.env.budget.limits.maxOutputBytes} characters`);
    this.out += text;
  }

  private step(node: { pos: number; src: { parseName: string; text: string }; type: string }): void {
    try {
      this.env.budget.step();
    } catch (error) {
      if (error instanceof LimitExceeded) error.location ??= locationOf(node);
      throw error;
    }
  }

  *walk(dot: unknown, node: Node): Walk<Flow> {
    this.step(node);
    switch (node.type) {
      case "text":
        this.append(node.text);
        return Flow.Normal;
      case "action": {
        const value = mayNest(node.pipe)
          ? yield* this.evalPipelineNested(dot, node.pipe)
          : this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.append(this.printable(node.pipe, value));
        return Flow.Normal;
      }
      case "list":
        return yield* this.walkList(dot, node);
      case "if":
      case "with":
        return yield* this.walkIfOrWith(dot, node);
      case "range":
        return yield* this.walkRange(dot, node);
      case "template":
        yield* this.walkTemplate(dot, node);
        return Flow.Normal;
      case "break":
        return Flow.Break;
      case "continue":
        return Flow.Continue;
    }
  }

  private printable(pipe: PipeNode, value: unknown): string {
    try {
      return formatForOutput(value);
    } catch (error) {
      if (error instanceof LimitExceeded) throw error;
      this.fail(pipe, error instanceof Error ? error.message : String(error), nodeToString(pipe));
    }
  }

  *walkList(dot: unknown, list: ListNode): Walk<Flow> {
    for (const child of list.nodes) {
      // Text and plain actions, most of a template, are done here without a nested walk.
      if (child.type === "text") {
        this.step(child);
        this.append(child.text);
        continue;
      }
      if (child.type === "action" && !mayNest(child.pipe)) {
        this.step(child);
        const value = this.evalPipeline(dot, child.pipe);
        if (child.pipe.decl.length === 0) this.append(this.printable(child.pipe, value));
        continue;
      }
      const flow = yield* this.walk(dot, child);
      if (flow !== Flow.Normal) return flow;
    }
    return Flow.Normal;
  }

  /** A pipeline's value, evaluated as part of the walk when it may run nested templates. */
  private *pipelineValue(dot: unknown, pipe: PipeNode): Walk<unknown> {
    return mayNest(pipe) ? yield* this.evalPipelineNested(dot, pipe) : this.evalPipeline(dot, pipe);
  }

  private *walkIfOrWith(dot: unknown, node: IfNode): Walk<Flow> {
    const mark = this.vars.length;
    try {
      const value = yield* this.pipelineValue(dot, node.pipe);
      if (isTrue(value)) return yield* this.walkList(node.type === "with" ? value : dot, node.list);
      if (node.elseList !== undefined) return yield* this.walkList(dot, node.elseList);
      return Flow.Normal;
    } finally {
      this.vars.length = mark;
    }
  }

  /** One iteration of a range: sets the range's variables, walks the body. */
  private *iterate(node: IfNode, inner: number, key: unknown, elem: unknown): Walk<Flow> {
    this.step(node);
    const decl = node.pipe.decl;
    if (decl.length > 0) {
      if (node.pipe.isAssign) {
        this.setVar(decl.length > 1 ? (decl[1] ?? "") : (decl[0] ?? ""), elem);
        if (decl.length > 1) this.setVar(decl[0] ?? "", key);
      } else {
        const top = this.vars[this.vars.length - 1];
        if (top !== undefined) top.value = elem;
        if (decl.length > 1) {
          const second = this.vars[this.vars.length - 2];
          if (second !== undefined) second.value = key;
        }
      }
    }
    try {
      return yield* this.walkList(elem, node.list);
    } finally {
      this.vars.length = inner;
    }
  }

  private *walkRange(dot: unknown, node: IfNode): Walk<Flow> {
    const mark = this.vars.length;
    try {
      const value = yield* this.pipelineValue(dot, node.pipe);
      const inner = this.vars.length;
      const decl = node.pipe.decl;
      let ran = false;
      const count = integerValue(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          ran = true;
          const elem: unknown = value[i] === undefined ? null : value[i];
          if ((yield* this.iterate(node, inner, BigInt(i), elem)) === Flow.Break) break;
        }
      } else if (isGoMap(value)) {
        for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
          const elem = value[key];
          if (elem === undefined) continue;
          ran = true;
          if ((yield* this.iterate(node, inner, key, elem)) === Flow.Break) break;
        }
      } else if (count !== undefined) {
        if (decl.length > 1)
          this.fail(node.pipe, "can't use range over int with two variables", nodeToString(node.pipe));
        try {
          this.env.budget.reserveList("range", Number(count));
        } catch (error) {
          if (error instanceof LimitExceeded) error.location ??= locationOf(node.pipe);
          throw error;
        }
        for (let i = 0n; i < count; i++) {
          ran = true;
          if ((yield* this.iterate(node, inner, i, i)) === Flow.Break) break;
        }
      } else if (value instanceof Uint8Array) {
        for (let i = 0; i < value.length; i++) {
          ran = true;
          if ((yield* this.iterate(node, inner, BigInt(i), BigInt(value[i] ?? 0))) === Flow.Break) break;
        }
      } else if (value !== undefined) {
        this.fail(node.pipe, `range can't iterate over ${formatForOutput(value)}`, nodeToString(node.pipe));
      }
      if (!ran && node.elseList !== undefined) return yield* this.walkList(dot, node.elseList);
      return Flow.Normal;
    } finally {
      this.vars.length = mark;
    }
  }

  private *walkTemplate(dot: unknown, node: TemplateNode): Walk<void> {
    const data = node.pipe === undefined ? undefined : yield* this.pipelineValue(dot, node.pipe);
    if (!this.set.has(node.name))
      this.fail(node, `template ${JSON.stringify(node.name)} not defined`, `template ${JSON.stringify(node.name)}`);
    try {
      const output = (yield this.set.run(node.name, data, this.env)) as string;
      this.append(output);
    } catch (error) {
      if (error instanceof DepthExceeded || error instanceof LimitExceeded) error.location ??= locationOf(node);
      throw error;
    }
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const variable = this.vars[i];
      if (variable !== undefined && variable.name === name) {
        variable.value = value;
        return;
      }
    }
  }

  private varValue(node: ArgNode, name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const variable = this.vars[i];
      if (variable !== undefined && variable.name === name) return variable.value;
    }
    this.fail(node, `undefined variable: ${name}`);
  }

  evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.node = pipe;
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go digs into interface{} after each command: a nil found in a map becomes "no value".
      if (value === null) value = undefined;
    }
    this.declare(pipe, value);
    return value;
  }

  /** `$x := value` declares, `$x = value` assigns. */
  private declare(pipe: PipeNode, value: unknown): void {
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    const first = args[0];
    if (first !== undefined && (args.length > 1 || final !== MISSING)) {
      this.fail(first, `can't give argument to non-function ${nodeToString(first)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0];
    if (first === undefined) this.fail(cmd, "empty command");
    switch (first.type) {
      case "field":
        return this.evalFieldChain(dot, dot, first, first.idents, cmd.args, final);
      case "chain":
        return this.evalChain(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first.name, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariable(dot, first, cmd.args, final);
      default:
        break;
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case "nil":
        this.fail(first, "nil is not a command");
      // falls through (fail never returns)
      case "dot":
        return dot;
      default:
        return first.value;
    }
  }

  private evalVariable(
    dot: unknown,
    node: Extract<ArgNode, { type: "variable" }>,
    args: readonly ArgNode[],
    final: Final,
  ): unknown {
    const value = this.varValue(node, node.idents[0] ?? "$");
    if (node.idents.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, node, node.idents.slice(1), args, final);
  }

  private evalChain(
    dot: unknown,
    node: Extract<ArgNode, { type: "chain" }>,
    args: readonly ArgNode[],
    final: Final,
  ): unknown {
    this.node = node;
    if (node.node.type === "nil") this.fail(node, `indirection through explicit nil in ${nodeToString(node)}`);
    const receiver = this.evalArg(dot, undefined, node.node);
    return this.evalFieldChain(dot, receiver, node, node.fields, args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: ArgNode,
    idents: readonly string[],
    args: readonly ArgNode[],
    final: Final,
  ): unknown {
    let current = receiver;
    const last = idents.length - 1;
    for (let i = 0; i < last; i++) current = this.evalField(dot, idents[i] ?? "", node, [], MISSING, current);
    return this.evalField(dot, idents[last] ?? "", node, args, final, current);
  }

  private evalField(
    dot: unknown,
    name: string,
    node: ArgNode,
    args: readonly ArgNode[],
    final: Final,
    receiver: unknown,
  ): unknown {
    this.node = node;
    if (receiver === undefined) return undefined;
    const method = this.methodOf(receiver, name, node);
    if (method !== undefined) return this.evalCall(dot, method, node, name, args, final);
    return this.fieldValue(receiver, name, node, args.length > 1 || final !== MISSING);
  }

  /** The method `name` of a struct or of a map with methods (`.Files.Get`); a nil receiver is Go's nil pointer error. */
  private methodOf(receiver: unknown, name: string, node: ArgNode): GoFunc | undefined {
    if (receiver === null) this.fail(node, `nil pointer evaluating interface {}.${name}`);
    let method: GoFuncLike | TemplateFunc | undefined;
    if (receiver instanceof GoStruct) method = receiver.methods[name];
    else if (isGoMap(receiver)) method = goMethodsOf(receiver)?.[name];
    return method === undefined ? undefined : asGoFunc(method);
  }

  private fieldValue(receiver: unknown, name: string, node: ArgNode, hasArgs: boolean): unknown {
    if (receiver instanceof GoStruct) {
      if (Object.hasOwn(receiver.fields, name)) {
        if (hasArgs) this.fail(node, `${name} has arguments but cannot be invoked as function`);
        const value = receiver.fields[name];
        return value === undefined ? null : value;
      }
      this.fail(node, `can't evaluate field ${name} in type ${receiver.typeName}`);
    }
    if (isGoMap(receiver)) {
      if (hasArgs) this.fail(node, `${name} is not a method but has arguments`);
      const value = Object.hasOwn(receiver, name) ? receiver[name] : undefined;
      return value === undefined ? null : value;
    }
    this.fail(node, `can't evaluate field ${name} in type ${typeOf(receiver)}`);
  }

  private evalFunction(
    dot: unknown,
    name: string,
    identifier: ArgNode,
    cmd: CommandNode,
    args: readonly ArgNode[],
    final: Final,
  ): unknown {
    this.node = identifier;
    if (name === "and" || name === "or") return this.evalAndOr(dot, name, cmd, args, final);
    return this.evalCall(dot, this.functionNamed(name, identifier), cmd, name, args, final);
  }

  private functionNamed(name: string, identifier: ArgNode): GoFunc {
    const func = this.env.funcs.get(name);
    if (func === undefined) this.fail(identifier, `${JSON.stringify(name)} is not a defined function`);
    return func;
  }

  /** How many arguments `and`/`or` get (at least one). */
  private andOrCount(name: string, cmd: CommandNode, args: readonly ArgNode[], final: Final): number {
    const count = args.length - 1 + (final === MISSING ? 0 : 1);
    if (count < 1) this.fail(cmd, `wrong number of args for ${name}: want at least 1 got 0`);
    return count;
  }

  private evalAndOr(
    dot: unknown,
    name: "and" | "or",
    cmd: CommandNode,
    args: readonly ArgNode[],
    final: Final,
  ): unknown {
    const count = this.andOrCount(name, cmd, args, final);
    let value: unknown;
    for (let i = 1; i <= count; i++) {
      value = i < args.length ? this.evalArg(dot, "any", args[i] as ArgNode) : final;
      if (value === null) value = undefined;
      if (isTrue(value) !== (name === "and")) return value;
    }
    return value;
  }

  /** Go's arity check of a call (`allArgs[0]` is the function's own node). */
  private checkArity(
    func: GoFunc,
    node: ArgNode | CommandNode,
    name: string,
    allArgs: readonly ArgNode[],
    final: Final,
  ) {
    const given = allArgs.length - 1;
    const fixed = func.params.length;
    const count = given + (final === MISSING ? 0 : 1);
    const shown = this.node ?? node;
    if (func.variadic !== undefined) {
      if (count < fixed) this.fail(shown, `wrong number of args for ${name}: want at least ${fixed} got ${given}`);
    } else if (count !== fixed) this.fail(shown, `wrong number of args for ${name}: want ${fixed} got ${count}`);
  }

  private paramType(func: GoFunc, index: number): ParamType {
    return (index < func.params.length ? func.params[index] : func.variadic) ?? "any";
  }

  /** Go's `evalCall`: arity check, typed arguments, then the call (an error becomes `error calling NAME`). */
  private evalCall(
    dot: unknown,
    func: GoFunc,
    node: ArgNode | CommandNode,
    name: string,
    allArgs: readonly ArgNode[],
    final: Final,
  ): unknown {
    this.checkArity(func, node, name, allArgs, final);
    const values: unknown[] = [];
    for (let i = 1; i < allArgs.length; i++)
      values.push(this.evalArg(dot, this.paramType(func, i - 1), allArgs[i] as ArgNode));
    if (final !== MISSING)
      values.push(this.validateType(final, this.paramType(func, values.length), this.node ?? node));
    this.step(node);
    try {
      const result = (func.call as (...args: unknown[]) => unknown)(...values);
      // Only reached for a nesting function outside the walk (not by pipelines the walk evaluates).
      return func.nests === true ? drive(result as Execution) : result;
    } catch (error) {
      return this.callFailed(node, name, error);
    }
  }

  // The same evaluation as above, for pipelines that call `include` or `tpl`: these are generators
  // that yield the nested execution to the driver instead of running it on the JavaScript stack.

  *evalPipelineNested(dot: unknown, pipe: PipeNode): Walk<unknown> {
    this.node = pipe;
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = yield* this.evalCommandNested(dot, cmd, value);
      if (value === null) value = undefined;
    }
    this.declare(pipe, value);
    return value;
  }

  private *evalCommandNested(dot: unknown, cmd: CommandNode, final: Final): Walk<unknown> {
    const first = cmd.args[0];
    if (first === undefined || !mayNest(cmd)) return this.evalCommand(dot, cmd, final);
    switch (first.type) {
      case "field":
        return yield* this.evalFieldChainNested(dot, dot, first, first.idents, cmd.args, final);
      case "chain":
        return yield* this.evalChainNested(dot, first, cmd.args, final);
      case "identifier":
        this.node = first;
        if (first.name === "and" || first.name === "or")
          return yield* this.evalAndOrNested(dot, first.name, cmd, cmd.args, final);
        return yield* this.evalCallNested(dot, this.functionNamed(first.name, first), cmd, first.name, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return yield* this.evalPipelineNested(dot, first);
      case "variable": {
        const value = this.varValue(first, first.idents[0] ?? "$");
        if (first.idents.length === 1) {
          this.notAFunction(cmd.args, final);
          return value;
        }
        return yield* this.evalFieldChainNested(dot, value, first, first.idents.slice(1), cmd.args, final);
      }
      default:
        return this.evalCommand(dot, cmd, final);
    }
  }

  private *evalChainNested(
    dot: unknown,
    node: Extract<ArgNode, { type: "chain" }>,
    args: readonly ArgNode[],
    final: Final,
  ): Walk<unknown> {
    this.node = node;
    if (node.node.type === "nil") this.fail(node, `indirection through explicit nil in ${nodeToString(node)}`);
    const receiver = yield* this.evalArgNested(dot, undefined, node.node);
    return yield* this.evalFieldChainNested(dot, receiver, node, node.fields, args, final);
  }

  private *evalFieldChainNested(
    dot: unknown,
    receiver: unknown,
    node: ArgNode,
    idents: readonly string[],
    args: readonly ArgNode[],
    final: Final,
  ): Walk<unknown> {
    let current = receiver;
    const last = idents.length - 1;
    for (let i = 0; i < last; i++) current = this.evalField(dot, idents[i] ?? "", node, [], MISSING, current);
    const name = idents[last] ?? "";
    this.node = node;
    if (current === undefined) return undefined;
    const method = this.methodOf(current, name, node);
    if (method !== undefined) return yield* this.evalCallNested(dot, method, node, name, args, final);
    return this.fieldValue(current, name, node, args.length > 1 || final !== MISSING);
  }

  private *evalAndOrNested(
    dot: unknown,
    name: "and" | "or",
    cmd: CommandNode,
    args: readonly ArgNode[],
    final: Final,
  ): Walk<unknown> {
    const count = this.andOrCount(name, cmd, args, final);
    let value: unknown;
    for (let i = 1; i <= count; i++) {
      value = i < args.length ? yield* this.evalArgNested(dot, "any", args[i] as ArgNode) : final;
      if (value === null) value = undefined;
      if (isTrue(value) !== (name === "and")) return value;
    }
    return value;
  }

  private *evalCallNested(
    dot: unknown,
    func: GoFunc,
    node: ArgNode | CommandNode,
    name: string,
    allArgs: readonly ArgNode[],
    final: Final,
  ): Walk<unknown> {
    this.checkArity(func, node, name, allArgs, final);
    const values: unknown[] = [];
    for (let i = 1; i < allArgs.length; i++)
      values.push(yield* this.evalArgNested(dot, this.paramType(func, i - 1), allArgs[i] as ArgNode));
    if (final !== MISSING)
      values.push(this.validateType(final, this.paramType(func, values.length), this.node ?? node));
    this.step(node);
    try {
      const result = (func.call as (...args: unknown[]) => unknown)(...values);
      return func.nests === true ? yield result as Execution : result;
    } catch (error) {
      return this.callFailed(node, name, error);
    }
  }

  private *evalArgNested(dot: unknown, type: ParamType | undefined, node: ArgNode): Walk<unknown> {
    if (!mayNest(node)) return this.evalArg(dot, type, node);
    this.node = node;
    let value: unknown;
    if (node.type === "pipe") value = yield* this.evalPipelineNested(dot, node);
    else if (node.type === "chain") value = yield* this.evalChainNested(dot, node, [node], MISSING);
    else return this.evalArg(dot, type, node);
    return type === undefined ? value : this.validateType(value, type, node);
  }

  private callFailed(node: ArgNode | CommandNode, name: string, error: unknown): never {
    if (error instanceof TemplateFailure) {
      error.location = locationOf(node);
      throw error;
    }
    if (error instanceof DepthExceeded || error instanceof LimitExceeded) {
      error.location ??= locationOf(node);
      throw error;
    }
    // A stack overflow is turned into DepthExceeded by the execution of the template that made this call.
    if (isStackOverflow(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    this.fail(node, `error calling ${name}: ${message}`, nodeToString(node));
  }

  /** Go's `validateType`: a computed value must be assignable to the parameter type. */
  private validateType(
    value: unknown,
    type: ParamType,
    node: { pos: number; src: { parseName: string; text: string }; type: string },
  ): unknown {
    if (value === undefined) {
      if (type === "value") return undefined;
      if (canBeNil(type)) return null;
      this.fail(node, `invalid value; expected ${goTypeName(type)}`);
    }
    if (value === null) {
      if (type === "any" || type === "value") return null;
      this.fail(node, `wrong type for value; expected ${goTypeName(type)}; got interface {}`);
    }
    const converted = assignable(value, type);
    if (converted === undefined)
      this.fail(node, `wrong type for value; expected ${goTypeName(type)}; got ${typeOf(value)}`);
    return converted;
  }

  /** Go's `evalArg`: literals convert to the parameter type; anything else is evaluated and checked. */
  private evalArg(dot: unknown, type: ParamType | undefined, node: ArgNode): unknown {
    this.node = node;
    const check = (value: unknown): unknown => (type === undefined ? value : this.validateType(value, type, node));
    switch (node.type) {
      case "dot":
        return check(dot);
      case "nil":
        if (type === undefined || canBeNil(type)) return type === "value" ? undefined : null;
        this.fail(node, `cannot assign nil to ${goTypeName(type)}`);
      // falls through (fail never returns)
      case "field":
        return check(this.evalFieldChain(dot, dot, node, node.idents, [node], MISSING));
      case "variable":
        return check(this.evalVariable(dot, node, [node], MISSING));
      case "pipe":
        return check(this.evalPipeline(dot, node));
      case "identifier":
        return check(
          this.evalFunction(
            dot,
            node.name,
            node,
            { type: "command", pos: node.pos, src: node.src, args: [node] },
            [node],
            MISSING,
          ),
        );
      case "chain":
        return check(this.evalChain(dot, node, [node], MISSING));
      default:
        break;
    }
    switch (type) {
      case undefined:
      case "any":
      case "value":
        return node.value;
      case "bool":
        if (node.type === "bool") return node.value;
        this.fail(node, `expected bool; found ${nodeToString(node)}`);
      // falls through
      case "float64":
        if (node.type === "number") return Number(node.value);
        this.fail(node, `expected float; found ${nodeToString(node)}`);
      // falls through
      case "int":
      case "int64":
      case "uint32":
        if (node.type === "number" && (typeof node.value === "bigint" || Number.isInteger(node.value)))
          return BigInt(node.value);
        this.fail(node, `expected integer; found ${nodeToString(node)}`);
      // falls through
      case "string":
        if (node.type === "string") return node.value;
        this.fail(node, `expected string; found ${nodeToString(node)}`);
      // falls through
      default:
        this.fail(node, `can't handle ${nodeToString(node)} for arg of type ${goTypeName(type)}`);
    }
  }
}

function asGoFunc(method: GoFuncLike | TemplateFunc): GoFunc {
  if (typeof method === "function") return { params: [], variadic: "any", call: method };
  return method as GoFunc;
}

/**
 * Turns what escaped a render into the `E_CHART_TEMPLATE` error users see: `fail`/`required` as
 * Helm's `execution error at (NAME:LINE:COL): message`, runaway recursion and exhausted limits with
 * where they happened. Other errors pass through.
 */
export function asTemplateError(error: unknown, templateName: string): unknown {
  if (error instanceof TemplateFailure) {
    const where = error.location ?? { name: templateName, line: 1, column: 0 };
    return new TemplateExecError(
      `execution error at (${where.name}:${where.line}:${where.column}): ${error.message}`,
      error.message,
      { file: where.name, line: where.line, column: where.column + 1 },
      "set the value the chart asks for (--set or a values file)",
    );
  }
  if (error instanceof DepthExceeded) {
    const where = error.location ?? { name: templateName, line: 1, column: 0 };
    return new TemplateExecError(
      `template: ${where.name}:${where.line}:${where.column}: ${error.message}`,
      error.message,
      { file: where.name, line: where.line, column: where.column + 1 },
      "a template includes itself without end; break the recursion",
    );
  }
  if (error instanceof LimitExceeded) {
    const where = error.location ?? { name: templateName, line: 1, column: 0 };
    return new TemplateExecError(
      `template: ${where.name}:${where.line}:${where.column}: ${error.message}`,
      error.message,
      { file: where.name, line: where.line, column: where.column + 1 },
      "the template loops, recurses or builds text without bound; check the values it iterates over",
    );
  }
  if (
    !(error instanceof TemplateExecError) &&
    error instanceof Error &&
    error.message.startsWith("template: no template")
  ) {
    return new TemplateExecError(error.message, error.message, { file: templateName, line: 1, column: 1 });
  }
  return error;
}
