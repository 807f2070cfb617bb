import type { BasicLit } from "./ast.js";
import type { CuePosition } from "./source.js";
import {
  atomOf,
  atomsEqual,
  bottom,
  BOOL,
  BYTES,
  compareAtoms,
  compileRegex,
  FLOAT,
  formatAtom,
  formatConstraint,
  INT,
  kindName,
  NULL,
  NUMBER,
  STRING,
  type Atom,
  type Bottom,
} from "./value.js";
import type { Value } from "./vertex.js";

const MULTIPLIERS: Readonly<Record<string, number>> = {
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
};

/** The value of a number literal (`1_000`, `0x1F`, `1.5`, `1e3`, `2Gi`). */
export function numberLiteral(node: BasicLit, pos: CuePosition): Atom | Bottom {
  let text = node.value.replaceAll("_", "");
  const suffix = /([KMGTP]i?)$/.exec(text);
  let multiplier = 1;
  if (suffix !== null) {
    multiplier = MULTIPLIERS[suffix[1] ?? ""] ?? 1;
    text = text.slice(0, -(suffix[1] ?? "").length);
  }
  let value: number;
  if (/^0[xX]/.test(text)) value = parseInt(text.slice(2), 16);
  else if (/^0[oO]/.test(text)) value = parseInt(text.slice(2), 8);
  else if (/^0[bB]/.test(text)) value = parseInt(text.slice(2), 2);
  else value = Number(text);
  if (Number.isNaN(value)) return bottom("conflict", `invalid number ${node.value}`, [pos]);
  if (suffix !== null) return atomOf(Math.round(value * multiplier), pos);
  return node.kind === "float"
    ? { t: "atom", kind: FLOAT, value, pos, text: node.value.replaceAll("_", "") }
    : atomOf(value, pos);
}

function describe(value: Value): string {
  switch (value.t) {
    case "atom":
      return formatAtom(value);
    case "constraint":
      return formatConstraint(value);
    case "vertex":
      return value.v.isList ? "list" : "struct";
    case "disj":
      return "disjunction";
    case "func":
      return `function ${value.name}`;
    case "package":
      return `package ${value.path}`;
    case "bottom":
      return "_|_";
  }
}

function typeName(value: Value): string {
  switch (value.t) {
    case "atom":
      return kindName(value.kind);
    case "constraint":
      return kindName(value.kinds);
    case "vertex":
      return value.v.isList ? "list" : "struct";
    default:
      return value.t;
  }
}

/** An operand that must be concrete: the atom, or the Bottom to return. */
export function concreteOperand(value: Value, op: string, pos: CuePosition | undefined): Atom | Bottom {
  if (value.t === "atom" || value.t === "bottom") return value;
  if (value.t === "constraint" || value.t === "disj")
    return bottom("incomplete", `non-concrete value ${describe(value)} in operand to ${op}`, [pos]);
  return bottom("conflict", `invalid operand ${describe(value)} to ${op} (found ${typeName(value)})`, [pos]);
}

function isNumber(atom: Atom): atom is Atom & { value: number } {
  return (atom.kind & NUMBER) !== 0;
}

function mismatched(op: string, a: Atom, b: Atom, pos: CuePosition | undefined): Bottom {
  return bottom(
    "conflict",
    `invalid operation ${formatAtom(a)} ${op} ${formatAtom(b)} (mismatched types ${kindName(a.kind)} and ${kindName(b.kind)})`,
    [pos],
  );
}

function numberResult(value: number, float: boolean, pos: CuePosition | undefined): Atom | Bottom {
  if (!Number.isFinite(value)) return bottom("conflict", "numeric overflow", [pos]);
  return atomOf(value, pos, float);
}

/** Arithmetic, comparison and logic on two concrete atoms (lists are handled by the evaluator). */
export function binaryAtoms(op: string, a: Atom, b: Atom, pos: CuePosition | undefined): Atom | Bottom {
  switch (op) {
    case "+":
      if (isNumber(a) && isNumber(b)) return numberResult(a.value + b.value, a.kind === FLOAT || b.kind === FLOAT, pos);
      if (a.kind === b.kind && (a.kind === STRING || a.kind === BYTES))
        return {
          t: "atom",
          kind: a.kind,
          value: String(a.value) + String(b.value),
          ...(pos === undefined ? {} : { pos }),
        };
      return mismatched(op, a, b, pos);
    case "-":
      if (isNumber(a) && isNumber(b)) return numberResult(a.value - b.value, a.kind === FLOAT || b.kind === FLOAT, pos);
      return mismatched(op, a, b, pos);
    case "*":
      if (isNumber(a) && isNumber(b)) return numberResult(a.value * b.value, a.kind === FLOAT || b.kind === FLOAT, pos);
      if ((a.kind === STRING || a.kind === BYTES) && b.kind === INT) {
        const count = b.value;
        if (count < 0) return bottom("conflict", "negative repeat count", [pos]);
        if (String(a.value).length * count > 1 << 24) return bottom("conflict", "string too long", [pos]);
        return { t: "atom", kind: a.kind, value: String(a.value).repeat(count) };
      }
      return mismatched(op, a, b, pos);
    case "/":
      if (isNumber(a) && isNumber(b)) {
        if (b.value === 0) return bottom("conflict", "division by zero", [pos]);
        return numberResult(a.value / b.value, true, pos);
      }
      return mismatched(op, a, b, pos);
    case "div":
    case "mod":
    case "quo":
    case "rem": {
      if (a.kind !== INT || b.kind !== INT) return mismatched(op, a, b, pos);
      const x = a.value;
      const y = b.value;
      if (y === 0) return bottom("conflict", "division by zero", [pos]);
      const quotient = Math.trunc(x / y);
      const remainder = x - quotient * y;
      if (op === "quo") return atomOf(quotient, pos);
      if (op === "rem") return atomOf(remainder, pos);
      // Euclidean division: the modulus is never negative.
      const modulus = remainder < 0 ? remainder + Math.abs(y) : remainder;
      return op === "mod" ? atomOf(modulus, pos) : atomOf((x - modulus) / y, pos);
    }
    case "==":
    case "!=": {
      let equal: boolean;
      if (a.kind === NULL || b.kind === NULL) equal = a.kind === b.kind;
      else if (isNumber(a) && isNumber(b)) equal = a.value === b.value;
      else if (a.kind !== b.kind) return mismatched(op, a, b, pos);
      else equal = atomsEqual(a, b);
      return atomOf(op === "==" ? equal : !equal, pos);
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const order = compareAtoms(a, b);
      if (order === undefined) return mismatched(op, a, b, pos);
      const result = op === "<" ? order < 0 : op === "<=" ? order <= 0 : op === ">" ? order > 0 : order >= 0;
      return atomOf(result, pos);
    }
    case "=~":
    case "!~": {
      if ((a.kind !== STRING && a.kind !== BYTES) || b.kind !== STRING) return mismatched(op, a, b, pos);
      let regex: RegExp;
      try {
        regex = compileRegex(String(b.value));
      } catch {
        return bottom("conflict", `invalid regular expression ${formatAtom(b)}`, [pos]);
      }
      return atomOf(regex.test(String(a.value)) === (op === "=~"), pos);
    }
    case "&&":
    case "||":
      if (a.kind !== BOOL || b.kind !== BOOL) return mismatched(op, a, b, pos);
      return atomOf(op === "&&" ? a.value && b.value : a.value || b.value, pos);
    default:
      return bottom("conflict", `unknown operator ${op}`, [pos]);
  }
}

/** `-x`, `+x`, `!x` on a concrete atom. */
export function unaryAtom(op: string, a: Atom, pos: CuePosition | undefined): Atom | Bottom {
  if (op === "!") {
    if (a.kind !== BOOL)
      return bottom("conflict", `invalid operation !${formatAtom(a)} (${kindName(a.kind)} is not bool)`, [pos]);
    return atomOf(!a.value, pos);
  }
  if (!isNumber(a))
    return bottom("conflict", `invalid operation ${op}${formatAtom(a)} (${kindName(a.kind)} is not a number)`, [pos]);
  return atomOf(op === "-" ? -a.value : a.value, pos, a.kind === FLOAT);
}

/** The text an interpolation puts in for a concrete atom. */
export function interpolationText(atom: Atom): string | undefined {
  switch (atom.kind) {
    case STRING:
    case BYTES:
      return String(atom.value);
    case INT:
      return String(atom.value);
    case FLOAT:
      return atom.text ?? String(atom.value);
    case BOOL:
      return String(atom.value);
    default:
      return undefined;
  }
}
