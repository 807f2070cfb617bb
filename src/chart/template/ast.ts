/**
 * The parse tree of a Go template (the node kinds of `text/template/parse/node.go`). Every node
 * keeps its offset (`pos`) and the tree it belongs to, so errors can say `name:line:col`.
 */

/** Source text and name of one parsed template, shared by all of its nodes. */
export interface TreeSource {
  /** Name used in error messages (the file the text came from). */
  readonly parseName: string;
  readonly text: string;
}

interface Base {
  readonly pos: number;
  readonly src: TreeSource;
}

export interface TextNode extends Base {
  readonly type: "text";
  readonly text: string;
}
export interface ActionNode extends Base {
  readonly type: "action";
  readonly pipe: PipeNode;
}
export interface IfNode extends Base {
  readonly type: "if" | "with" | "range";
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}
export interface TemplateNode extends Base {
  readonly type: "template";
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}
export interface BreakNode extends Base {
  readonly type: "break" | "continue";
}
export interface ListNode extends Base {
  readonly type: "list";
  readonly nodes: Node[];
}
export type Node = TextNode | ActionNode | IfNode | TemplateNode | BreakNode | ListNode;

export interface PipeNode extends Base {
  readonly type: "pipe";
  readonly isAssign: boolean;
  readonly decl: readonly string[];
  readonly cmds: readonly CommandNode[];
}
export interface CommandNode extends Base {
  readonly type: "command";
  readonly args: readonly ArgNode[];
}

export interface FieldNode extends Base {
  readonly type: "field";
  readonly idents: readonly string[];
}
export interface VariableNode extends Base {
  readonly type: "variable";
  /** `$x.a.b` → `["$x", "a", "b"]`. */
  readonly idents: readonly string[];
}
export interface IdentifierNode extends Base {
  readonly type: "identifier";
  readonly name: string;
}
export interface ChainNode extends Base {
  readonly type: "chain";
  readonly node: ArgNode;
  readonly fields: readonly string[];
}
export interface DotNode extends Base {
  readonly type: "dot";
}
export interface NilNode extends Base {
  readonly type: "nil";
}
export interface BoolNode extends Base {
  readonly type: "bool";
  readonly value: boolean;
}
export interface NumberNode extends Base {
  readonly type: "number";
  readonly text: string;
  /** A Go `int` constant is a bigint here; a float constant is a number. */
  readonly value: bigint | number;
}
export interface StringNode extends Base {
  readonly type: "string";
  readonly quoted: string;
  readonly value: string;
}
export type ArgNode =
  | FieldNode
  | VariableNode
  | IdentifierNode
  | ChainNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

/** One parsed template: its name and body. */
export interface Tree {
  readonly name: string;
  readonly root: ListNode;
}

/** Prints a node as Go's `Node.String()` does (used in `executing … at <…>` messages). */
export function nodeToString(node: ArgNode | CommandNode): string {
  switch (node.type) {
    case "field":
      return node.idents.map((ident) => `.${ident}`).join("");
    case "variable":
      return node.idents.join(".");
    case "identifier":
      return node.name;
    case "chain":
      return `${node.node.type === "pipe" ? `(${nodeToString(node.node)})` : nodeToString(node.node)}${node.fields.map((f) => `.${f}`).join("")}`;
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return String(node.value);
    case "number":
      return node.text;
    case "string":
      return node.quoted;
    case "command":
      return node.args.map((arg) => (arg.type === "pipe" ? `(${nodeToString(arg)})` : nodeToString(arg))).join(" ");
    case "pipe": {
      const decl = node.decl.length > 0 ? `${node.decl.join(", ")} ${node.isAssign ? "=" : ":="} ` : "";
      return decl + node.cmds.map((cmd) => nodeToString(cmd)).join(" | ");
    }
  }
}

/** `name:line:col` of a node, as Go's `Tree.ErrorContext` computes it (column is a 0-based byte offset). */
export function locationOf(node: Base): { readonly name: string; readonly line: number; readonly column: number } {
  const before = node.src.text.slice(0, node.pos);
  const lastNewline = before.lastIndexOf("\n");
  let line = 1;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) line++;
  const column = lastNewline < 0 ? node.pos : node.pos - (lastNewline + 1);
  return { name: node.src.parseName, line, column };
}
