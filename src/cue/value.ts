import type { CueErrorKind } from "./errors.js";
import type { CuePosition } from "./source.js";

/** Kind bits of CUE values; a basic type or bound allows a set of them. */
export const NULL = 1;
export const BOOL = 2;
export const INT = 4;
export const FLOAT = 8;
export const STRING = 16;
export const BYTES = 32;
export const LIST = 64;
export const STRUCT = 128;
export const NUMBER = INT | FLOAT;
export const SCALARS = NULL | BOOL | NUMBER | STRING | BYTES;
export const ALL_KINDS = SCALARS | LIST | STRUCT;

/** A concrete scalar. Ints and floats are JS numbers told apart by `kind`. */
export type Atom =
  | { readonly t: "atom"; readonly kind: typeof NULL; readonly value: null; readonly pos?: CuePosition }
  | { readonly t: "atom"; readonly kind: typeof BOOL; readonly value: boolean; readonly pos?: CuePosition }
  | {
      readonly t: "atom";
      readonly kind: typeof INT | typeof FLOAT;
      readonly value: number;
      readonly pos?: CuePosition;
      /** A float literal's own text (`1.0`), which interpolation keeps. */
      readonly text?: string;
    }
  | {
      readonly t: "atom";
      readonly kind: typeof STRING | typeof BYTES;
      readonly value: string;
      readonly pos?: CuePosition;
    };

/** A bound or validator that a concrete value must satisfy (`>=0`, `=~"^a"`, `!=""`, `strings.MinRunes(3)`). */
export type Bound =
  | { readonly op: "<" | "<=" | ">" | ">=" | "!=" | "=~" | "!~"; readonly value: Atom }
  | { readonly op: "validator"; readonly name: string; readonly check: (atom: Atom) => string | undefined };

/** A non-concrete value: allowed kinds plus bounds (`int & >=0`, `string`, `_`). */
export interface Constraint {
  readonly t: "constraint";
  readonly kinds: number;
  readonly bounds: readonly Bound[];
  readonly pos?: CuePosition;
}

/** An error value (`_|_`) with why and where. */
export interface Bottom {
  readonly t: "bottom";
  readonly kind: Exclude<CueErrorKind, "syntax" | "reference" | "limit"> | "reference";
  readonly message: string;
  readonly positions: readonly CuePosition[];
  /** Set for an incomplete value that comes from a missing field (so `== _|_` and disjunctions treat it as absent). */
  readonly missing?: boolean;
}

export const TOP: Constraint = { t: "constraint", kinds: ALL_KINDS, bounds: [] };

export function isTop(value: Constraint): boolean {
  return value.kinds === ALL_KINDS && value.bounds.length === 0;
}

export function bottom(
  kind: Bottom["kind"],
  message: string,
  positions: readonly (CuePosition | undefined)[] = [],
  missing = false,
): Bottom {
  return {
    t: "bottom",
    kind,
    message,
    positions: positions.filter((position): position is CuePosition => position !== undefined),
    ...(missing ? { missing } : {}),
  };
}

export function atomOf(value: null | boolean | number | string, pos?: CuePosition, asFloat = false): Atom {
  const extra = pos === undefined ? {} : { pos };
  if (value === null) return { t: "atom", kind: NULL, value, ...extra };
  if (typeof value === "boolean") return { t: "atom", kind: BOOL, value, ...extra };
  if (typeof value === "number")
    return { t: "atom", kind: asFloat || !Number.isInteger(value) ? FLOAT : INT, value, ...extra };
  return { t: "atom", kind: STRING, value, ...extra };
}

export function kindName(kinds: number): string {
  if (kinds === ALL_KINDS) return "_";
  if (kinds === NUMBER) return "number";
  const names: string[] = [];
  if (kinds & NULL) names.push("null");
  if (kinds & BOOL) names.push("bool");
  if ((kinds & NUMBER) === NUMBER) names.push("number");
  else {
    if (kinds & INT) names.push("int");
    if (kinds & FLOAT) names.push("float");
  }
  if (kinds & STRING) names.push("string");
  if (kinds & BYTES) names.push("bytes");
  if (kinds & LIST) names.push("list");
  if (kinds & STRUCT) names.push("struct");
  return names.join("|");
}

/** Formats a float the way CUE prints it (always with a decimal point or exponent). */
export function formatFloat(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** CUE literal text of an atom. */
export function formatAtom(atom: Atom): string {
  switch (atom.kind) {
    case NULL:
      return "null";
    case BOOL:
      return String(atom.value);
    case INT:
      return String(atom.value);
    case FLOAT:
      return formatFloat(atom.value);
    case BYTES:
      return `'${String(atom.value).replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
    default:
      return JSON.stringify(atom.value);
  }
}

export function formatBound(bound: Bound): string {
  return bound.op === "validator" ? bound.name : `${bound.op}${formatAtom(bound.value)}`;
}

export function formatConstraint(value: Constraint): string {
  const parts: string[] = [];
  const boundKinds = value.bounds.length > 0;
  if (!boundKinds || value.kinds !== impliedKinds(value.bounds)) parts.push(kindName(value.kinds));
  for (const bound of value.bounds) parts.push(formatBound(bound));
  return parts.join(" & ");
}

function impliedKinds(bounds: readonly Bound[]): number {
  let kinds = ALL_KINDS;
  for (const bound of bounds) kinds &= boundKinds(bound);
  return kinds;
}

function boundKinds(bound: Bound): number {
  switch (bound.op) {
    case "<":
    case "<=":
    case ">":
    case ">=":
      return bound.value.kind & NUMBER ? NUMBER : bound.value.kind;
    case "=~":
    case "!~":
      return STRING | BYTES;
    default:
      return ALL_KINDS;
  }
}

/** The constraint a bound expression `>=0` stands for on its own. */
export function boundConstraint(bound: Bound, pos?: CuePosition): Constraint {
  return { t: "constraint", kinds: boundKinds(bound), bounds: [bound], ...(pos === undefined ? {} : { pos }) };
}

export function compareAtoms(a: Atom, b: Atom): number | undefined {
  if (a.kind & NUMBER && b.kind & NUMBER) return (a.value as number) - (b.value as number);
  if (a.kind === b.kind && (a.kind === STRING || a.kind === BYTES))
    return a.value < (b.value as string) ? -1 : a.value > (b.value as string) ? 1 : 0;
  return undefined;
}

export function atomsEqual(a: Atom, b: Atom): boolean {
  if (a.kind & NUMBER && b.kind & NUMBER) return a.value === b.value;
  return a.kind === b.kind && a.value === b.value;
}

const regexCache = new Map<string, RegExp>();

/** A Go RE2 pattern as a JS RegExp (the common subset: `(?i)` flags are translated). */
export function compileRegex(pattern: string): RegExp {
  let found = regexCache.get(pattern);
  if (found === undefined) {
    let source = pattern;
    let flags = "u";
    const inline = /^\(\?([imsU]+)\)/.exec(source);
    if (inline !== null) {
      source = source.slice(inline[0].length);
      if (inline[1]?.includes("i") === true) flags += "i";
      if (inline[1]?.includes("m") === true) flags += "m";
      if (inline[1]?.includes("s") === true) flags += "s";
    }
    source = source.replaceAll("\\z", "$").replaceAll("\\A", "^");
    found = new RegExp(source, flags);
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(pattern, found);
  }
  return found;
}

/** Why an atom fails a bound, or undefined when it satisfies it. */
export function checkBound(atom: Atom, bound: Bound): string | undefined {
  if (bound.op === "validator") return bound.check(atom);
  const fail = `invalid value ${formatAtom(atom)} (out of bound ${formatBound(bound)})`;
  switch (bound.op) {
    case "!=":
      return atomsEqual(atom, bound.value) ? fail : undefined;
    case "=~":
    case "!~": {
      if (atom.kind !== STRING && atom.kind !== BYTES)
        return `cannot use ${formatAtom(atom)} as string in ${formatBound(bound)}`;
      let matches: boolean;
      try {
        matches = compileRegex(String(bound.value.value)).test(String(atom.value));
      } catch {
        return `invalid regular expression ${formatAtom(bound.value)}`;
      }
      return matches === (bound.op === "=~") ? undefined : fail;
    }
    default: {
      const order = compareAtoms(atom, bound.value);
      if (order === undefined)
        return `invalid value ${formatAtom(atom)} (mismatched types in bound ${formatBound(bound)})`;
      const ok =
        bound.op === "<" ? order < 0 : bound.op === "<=" ? order <= 0 : bound.op === ">" ? order > 0 : order >= 0;
      return ok ? undefined : fail;
    }
  }
}

/** The JSON of a concrete atom: bytes are base64, as CUE exports them. */
export function atomJson(atom: Atom): null | boolean | number | string {
  if (atom.kind === BYTES) return Buffer.from(String(atom.value), "utf8").toString("base64");
  return atom.value;
}

/** Scalar lattice values: what a field holds besides struct/list structure. */
export type Scalar = Atom | Constraint | Bottom;

function formatScalar(value: Scalar): string {
  if (value.t === "atom") return formatAtom(value);
  if (value.t === "constraint") return formatConstraint(value);
  return "_|_";
}

function mismatch(a: Atom | Constraint, b: Atom | Constraint): Bottom {
  return bottom(
    "conflict",
    `conflicting values ${formatScalar(a)} and ${formatScalar(b)} ` +
      `(mismatched types ${kindName(a.t === "atom" ? a.kind : a.kinds)} and ${kindName(b.t === "atom" ? b.kind : b.kinds)})`,
    [a.pos, b.pos],
  );
}

function meetAtomConstraint(atom: Atom, constraint: Constraint): Scalar {
  if ((constraint.kinds & atom.kind) === 0) return mismatch(constraint, atom);
  for (const bound of constraint.bounds) {
    const failure = checkBound(atom, bound);
    if (failure !== undefined) return bottom("conflict", failure, [atom.pos, constraint.pos]);
  }
  return atom;
}

/** Unifies two scalar values (the `&` of the lattice for everything that is not a struct or list). */
export function meetScalars(a: Scalar, b: Scalar): Scalar {
  if (a.t === "bottom") return a;
  if (b.t === "bottom") return b;
  if (a.t === "constraint" && isTop(a)) return b;
  if (b.t === "constraint" && isTop(b)) return a;
  if (a.t === "atom" && b.t === "atom") {
    if (atomsEqual(a, b) && a.kind === b.kind) return a;
    if (a.kind !== b.kind && !(a.kind & NUMBER && b.kind & NUMBER)) return mismatch(a, b);
    return bottom("conflict", `conflicting values ${formatAtom(a)} and ${formatAtom(b)}`, [a.pos, b.pos]);
  }
  if (a.t === "atom" && b.t === "constraint") return meetAtomConstraint(a, b);
  if (a.t === "constraint" && b.t === "atom") return meetAtomConstraint(b, a);
  const left = a as Constraint;
  const right = b as Constraint;
  const kinds = left.kinds & right.kinds;
  if (kinds === 0) return mismatch(left, right);
  const bounds = [...left.bounds];
  for (const bound of right.bounds) if (!bounds.includes(bound)) bounds.push(bound);
  const pos = left.pos ?? right.pos;
  const merged: Constraint = { t: "constraint", kinds, bounds, ...(pos === undefined ? {} : { pos }) };
  return simplifyConstraint(merged);
}

/** Collapses `int & >=1 & <=1` style constraints that allow one value, and drops duplicated bounds. */
function simplifyConstraint(value: Constraint): Scalar {
  if (value.kinds === INT) {
    let low = Number.NEGATIVE_INFINITY;
    let high = Number.POSITIVE_INFINITY;
    for (const bound of value.bounds) {
      if (bound.op === "validator" || !(bound.value.kind & NUMBER)) continue;
      const number = bound.value.value as number;
      if (bound.op === ">=") low = Math.max(low, Math.ceil(number));
      if (bound.op === ">") low = Math.max(low, Math.floor(number) + 1);
      if (bound.op === "<=") high = Math.min(high, Math.floor(number));
      if (bound.op === "<") high = Math.min(high, Math.ceil(number) - 1);
    }
    if (low > high)
      return bottom("conflict", `incompatible bounds ${value.bounds.map(formatBound).join(" and ")}`, [value.pos]);
  }
  return value;
}
