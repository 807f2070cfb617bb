/**
 * The evaluator of Go `text/template` (a port of `text/template/exec.go`) with Helm's options:
 * a missing map key is nil (`missingkey=zero`) and prints as `<no value>`; a field of nil is an error
 * (`nil pointer evaluating interface {}.x`). Errors carry `name:line:col` and the node, as Go prints them.
 */
import { VelaError } from "../../errors/index.js";
import {
  locationOf,
  nodeToString,
  type ArgNode,
  type CommandNode,
  type IfNode,
  type ListNode,
  type Node,
  type PipeNode,
  type Tree,
} from "./ast.js";
import { parseTemplate } from "./parser.js";
import { formatForOutput, GoStruct, isGoMap, isNil, isTrue, type TemplateFunc } from "./go-value.js";
import { TemplateExecError, TemplateFailure } from "./template-error.js";

/**
 * How deep `template`/`include`/`tpl` may nest before rendering stops with an error (Helm allows
 * 1000 per name; 256 stays well inside the JS stack).
 */
export const MAX_TEMPLATE_DEPTH = 256;

/**
 * What one render shares across nested executions: the functions (with closures over the set for
 * `include`/`tpl`) and the current nesting depth.
 */
export interface ExecEnv {
  readonly funcs: ReadonlyMap<string, TemplateFunc>;
  /** Builtins that take their arguments unevaluated (`and`, `or`) are handled by the evaluator. */
  depth: number;
}

/**
 * Thrown when nesting gets too deep. It passes through every enclosing call unchanged (so the message
 * does not grow with the depth); the innermost call site records where the recursion happened.
 */
export class DepthExceeded extends Error {
  location: { readonly name: string; readonly line: number; readonly column: number } | undefined;
  constructor(readonly templateName: string) {
    super(
      `rendering template has a nested reference name: ${templateName}: ` +
        `unable to execute template (templates nested more than ${MAX_TEMPLATE_DEPTH} deep)`,
    );
  }
}

/** What a walk tells its caller: carry on, or leave the enclosing range (`break`/`continue`). */
type Flow = 0 | 1 | 2;
const Flow = { Normal: 0, Break: 1, Continue: 2 } as const;

/**
 * A set of named templates (files and `define`s) sharing one namespace, as Helm's template set.
 * Parsed trees are kept, so a set can be executed many times.
 */
export class TemplateSet {
  private readonly trees = new Map<string, Tree>();

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
    const tree = this.lookup(name);
    if (tree === undefined)
      throw new TemplateExecError(
        `template: no template ${JSON.stringify(name)} associated with template`,
        `no template ${JSON.stringify(name)}`,
        { file: name, line: 1, column: 0 },
      );
    if (env.depth >= MAX_TEMPLATE_DEPTH) throw new DepthExceeded(name);
    env.depth++;
    try {
      const state = new State(this, env, tree.name, data);
      state.walk(data, tree.root);
      return state.out;
    } catch (error) {
      if (error instanceof RangeError && /call stack/i.test(error.message)) throw new DepthExceeded(name);
      throw error;
    } finally {
      env.depth--;
    }
  }
}

/** True when `error` means templates nested too deeply (recursion in `include`/`template`). */
export function isDepthExceeded(error: unknown): error is DepthExceeded {
  return error instanceof DepthExceeded;
}

/** The E_CHART_TEMPLATE error for runaway recursion, located at the innermost call. */
export function depthError(error: DepthExceeded, fallbackName: string): TemplateExecError {
  const where = error.location ?? { name: fallbackName, line: 1, column: 0 };
  return new TemplateExecError(
    `template: ${where.name}:${where.line}:${where.column}: ${error.message}`,
    error.message,
    { file: where.name, line: where.line, column: where.column + 1 },
    "a template includes itself without end; break the recursion",
  );
}

class State {
  out = "";
  private readonly vars: { name: string; value: unknown }[];

  constructor(
    private readonly set: TemplateSet,
    private readonly env: ExecEnv,
    private readonly tmplName: string,
    data: unknown,
  ) {
    this.vars = [{ name: "$", value: data }];
  }

  private fail(
    node: { pos: number; src: { parseName: string; text: string } } & { type: string },
    message: string,
    context?: string,
  ): never {
    const location = locationOf(node);
    const shown = context ?? nodeToString(node as ArgNode);
    throw new TemplateExecError(
      `template: ${location.name}:${location.line}:${location.column}: executing ${JSON.stringify(this.tmplName)} at <${shown}>: ${message}`,
      message,
      { file: location.name, line: location.line, column: location.column + 1 },
    );
  }

  walk(dot: unknown, node: Node): Flow {
    switch (node.type) {
      case "text":
        this.out += node.text;
        return Flow.Normal;
      case "action": {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out += formatForOutput(value);
        return Flow.Normal;
      }
      case "list":
        return this.walkList(dot, node);
      case "if":
      case "with":
        return this.walkIfOrWith(dot, node);
      case "range":
        return this.walkRange(dot, node);
      case "template":
        this.walkTemplate(dot, node);
        return Flow.Normal;
      case "break":
        return Flow.Break;
      case "continue":
        return Flow.Continue;
    }
  }

  private walkList(dot: unknown, list: ListNode): Flow {
    for (const child of list.nodes) {
      const flow = this.walk(dot, child);
      if (flow !== Flow.Normal) return flow;
    }
    return Flow.Normal;
  }

  private walkIfOrWith(dot: unknown, node: IfNode): Flow {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      if (isTrue(value)) return this.walkList(node.type === "with" ? value : dot, node.list);
      if (node.elseList !== undefined) return this.walkList(dot, node.elseList);
      return Flow.Normal;
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, node: IfNode): Flow {
    const mark = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      const inner = this.vars.length;
      const decl = node.pipe.decl;
      const iterate = (key: unknown, elem: unknown): Flow => {
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
          return this.walkList(elem, node.list);
        } finally {
          this.vars.length = inner;
        }
      };
      let ran = false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          ran = true;
          if (iterate(BigInt(i), value[i]) === Flow.Break) break;
        }
      } else if (isGoMap(value)) {
        for (const key of Object.keys(value).sort()) {
          if (value[key] === undefined) continue;
          ran = true;
          if (iterate(key, value[key]) === Flow.Break) break;
        }
      } else if (typeof value === "bigint") {
        if (decl.length > 1)
          this.fail(node.pipe, "can't use range over int with two variables", nodeToString(node.pipe));
        for (let i = 0n; i < value; i++) {
          ran = true;
          if (iterate(i, i) === Flow.Break) break;
        }
      } else if (!isNil(value)) {
        this.fail(node.pipe, `range can't iterate over ${formatForOutput(value)}`, nodeToString(node.pipe));
      }
      if (!ran && node.elseList !== undefined) return this.walkList(dot, node.elseList);
      return Flow.Normal;
    } finally {
      this.vars.length = mark;
    }
  }

  private walkTemplate(dot: unknown, node: Extract<Node, { type: "template" }>): void {
    const data = node.pipe === undefined ? undefined : this.evalPipeline(dot, node.pipe);
    if (!this.set.has(node.name))
      this.fail(node, `template ${JSON.stringify(node.name)} not defined`, `template ${JSON.stringify(node.name)}`);
    try {
      this.out += this.set.execute(node.name, data, this.env);
    } catch (error) {
      if (error instanceof DepthExceeded) error.location ??= locationOf(node);
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
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(cmd: CommandNode, final: unknown): void {
    const first = cmd.args[0];
    if (first !== undefined && (cmd.args.length > 1 || final !== MISSING)) {
      this.fail(first, `can't give argument to non-function ${nodeToString(first)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: unknown): unknown {
    const first = cmd.args[0];
    if (first === undefined) this.fail(cmd, "empty command");
    switch (first.type) {
      case "field":
        return this.evalFieldChain(dot, dot, first, first.idents, cmd.args, final);
      case "chain": {
        const receiver = this.evalArg(dot, first.node);
        return this.evalFieldChain(dot, receiver, first, first.fields, cmd.args, final);
      }
      case "identifier":
        return this.evalFunction(dot, first.name, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd, final);
        return this.evalPipeline(dot, first);
      case "variable": {
        const value = this.varValue(first, first.idents[0] ?? "$");
        if (first.idents.length === 1) {
          this.notAFunction(cmd, final);
          return value;
        }
        return this.evalFieldChain(dot, value, first, first.idents.slice(1), cmd.args, final);
      }
      case "nil":
        this.fail(first, "nil is not a command");
      // falls through (fail never returns)
      default:
        this.notAFunction(cmd, final);
        return this.evalArg(dot, first);
    }
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: ArgNode,
    idents: readonly string[],
    args: readonly ArgNode[],
    final: unknown,
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
    final: unknown,
    receiver: unknown,
  ): unknown {
    const hasArgs = args.length > 1 || final !== MISSING;
    if (isNil(receiver)) this.fail(node, `nil pointer evaluating interface {}.${name}`);
    if (isGoMap(receiver)) {
      if (hasArgs) this.fail(node, `${name} is not a method but has arguments`);
      return Object.hasOwn(receiver, name) ? receiver[name] : undefined;
    }
    if (receiver instanceof GoStruct) {
      const method = receiver.methods[name];
      if (method !== undefined) {
        const values = args.slice(1).map((arg) => this.evalArg(dot, arg));
        if (final !== MISSING) values.push(final);
        return this.call(node, name, method, values, true);
      }
      if (Object.hasOwn(receiver.fields, name)) {
        if (hasArgs) this.fail(node, `${name} has arguments but cannot be invoked as function`);
        return receiver.fields[name];
      }
      this.fail(node, `can't evaluate field ${name} in type ${receiver.typeName}`);
    }
    this.fail(node, `can't evaluate field ${name} in type ${describeType(receiver)}`);
  }

  private evalFunction(
    dot: unknown,
    name: string,
    cmd: CommandNode,
    args: readonly ArgNode[],
    final: unknown,
  ): unknown {
    if (name === "and" || name === "or") return this.evalAndOr(dot, name, cmd, args, final);
    const fn = this.env.funcs.get(name);
    if (fn === undefined) this.fail(cmd, `${JSON.stringify(name)} is not a defined function`);
    const values: unknown[] = [];
    for (let i = 1; i < args.length; i++) values.push(this.evalArg(dot, args[i] as ArgNode));
    if (final !== MISSING) values.push(final);
    return this.call(cmd, name, fn, values, false);
  }

  private evalAndOr(
    dot: unknown,
    name: "and" | "or",
    cmd: CommandNode,
    args: readonly ArgNode[],
    final: unknown,
  ): unknown {
    const count = args.length - 1 + (final === MISSING ? 0 : 1);
    if (count < 1) this.fail(cmd, `wrong number of args for ${name}: want at least 1 got 0`);
    let value: unknown;
    for (let i = 1; i <= count; i++) {
      value = i < args.length ? this.evalArg(dot, args[i] as ArgNode) : final;
      if (isTrue(value) !== (name === "and")) return value;
    }
    return value;
  }

  private call(
    node: ArgNode | CommandNode,
    name: string,
    fn: TemplateFunc,
    values: unknown[],
    isMethod: boolean,
  ): unknown {
    try {
      return fn(...values);
    } catch (error) {
      if (error instanceof TemplateExecError && error.message.startsWith("execution error at (")) throw error;
      if (error instanceof TemplateFailure) {
        const location = locationOf(node);
        throw new TemplateExecError(
          `execution error at (${location.name}:${location.line}:${location.column}): ${error.message}`,
          error.message,
          { file: location.name, line: location.line, column: location.column + 1 },
          "set the value the chart asks for (--set or a values file)",
        );
      }
      if (error instanceof DepthExceeded) {
        error.location ??= locationOf(node);
        throw error;
      }
      if (error instanceof RangeError && /call stack/i.test(error.message)) {
        const exceeded = new DepthExceeded(name);
        exceeded.location = locationOf(node);
        throw exceeded;
      }
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof VelaError || error instanceof Error) {
        this.fail(
          node,
          isMethod ? `error calling ${name}: ${message}` : `error calling ${name}: ${message}`,
          nodeToString(node),
        );
      }
      throw error;
    }
  }

  private evalArg(dot: unknown, node: ArgNode): unknown {
    switch (node.type) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "field":
        return this.evalFieldChain(dot, dot, node, node.idents, [node], MISSING);
      case "variable": {
        const value = this.varValue(node, node.idents[0] ?? "$");
        return node.idents.length === 1
          ? value
          : this.evalFieldChain(dot, value, node, node.idents.slice(1), [node], MISSING);
      }
      case "pipe":
        return this.evalPipeline(dot, node);
      case "identifier":
        return this.evalFunction(
          dot,
          node.name,
          { type: "command", pos: node.pos, src: node.src, args: [node] },
          [node],
          MISSING,
        );
      case "chain":
        return this.evalFieldChain(dot, this.evalArg(dot, node.node), node, node.fields, [node], MISSING);
      case "bool":
      case "number":
      case "string":
        return node.value;
    }
  }
}

const MISSING: unique symbol = Symbol("missing");

function describeType(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return "float64";
  if (Array.isArray(value)) return "[]interface {}";
  return "interface {}";
}
