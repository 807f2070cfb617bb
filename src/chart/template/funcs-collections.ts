/**
 * Sprig's list, dict, default and reflection functions (`list.go`, `dict.go`, `defaults.go`,
 * `reflect.go`), with sprig's error texts ("Cannot push on type string") and mergo's merge rules.
 */
import { GoTemplateError } from "../errors.js";
import { fn, vfn, type GoFunc } from "./go-func.js";
import { castToInt64 } from "./go-cast.js";
import { GoInt, GoTime, isGoMap, isNil, isTrue, kindOf, toGoString, typeOf, withGoType } from "./go-value.js";
import type { OutputGuard } from "./limits.js";

const NIL_DEREFERENCE = "runtime error: invalid memory address or nil pointer dereference";

function listOf(value: unknown, action: string): unknown[] {
  if (isNil(value)) throw new GoTemplateError(NIL_DEREFERENCE);
  if (Array.isArray(value)) return value;
  if (value instanceof Uint8Array) return [...value].map((byte) => new GoInt("uint8", BigInt(byte)));
  throw new GoTemplateError(`Cannot ${action} on type ${kindOf(value)}`);
}

/** `reflect.DeepEqual` over template values (types must match: 1 and 1.0 differ). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (typeOf(a) !== typeOf(b)) return false;
  if (a instanceof GoInt && b instanceof GoInt) return a.value === b.value;
  if (a instanceof GoTime && b instanceof GoTime) return a.epochMs === b.epochMs;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isGoMap(a) && isGoMap(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

/** A deep copy of a Go value (sprig's `deepCopy`, copystructure). */
export function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isGoMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = deepCopy(item);
    return out;
  }
  return value;
}

/** Sprig's `empty` (reflect-based): nil, false, 0, "" and empty collections; structs never. */
export function isEmpty(value: unknown): boolean {
  return !isTrue(value);
}

/** mergo.Merge into `dst` (maps merge recursively; `overwrite` lets non-empty source values win). */
function mergeInto(dst: Record<string, unknown>, src: Record<string, unknown>, overwrite: boolean): void {
  for (const [key, value] of Object.entries(src)) {
    const existing = dst[key];
    if (isGoMap(existing) && isGoMap(value)) mergeInto(existing, value, overwrite);
    else if (!Object.hasOwn(dst, key) || isEmpty(existing)) dst[key] = value;
    else if (overwrite && !isEmpty(value)) dst[key] = value;
  }
}

function untilStep(start: bigint, stop: bigint, step: bigint, guard: OutputGuard): bigint[] {
  const out: bigint[] = [];
  if (stop < start ? step >= 0n : step <= 0n) return out;
  const size = (stop - start) / step + ((stop - start) % step === 0n ? 0n : 1n);
  guard.reserveList("untilStep", Number(size));
  for (let i = start; step > 0n ? i < stop : i > stop; i += step) out.push(i);
  return withGoType(out, "[]int");
}

function seq(params: readonly bigint[], guard: OutputGuard): string {
  let start: bigint;
  let end: bigint;
  let step: bigint;
  switch (params.length) {
    case 1: {
      start = 1n;
      end = params[0] ?? 0n;
      step = end < start ? -1n : 1n;
      return untilStep(start, end + step, step, guard).join(" ");
    }
    case 2: {
      start = params[0] ?? 0n;
      end = params[1] ?? 0n;
      step = end < start ? -1n : 1n;
      return untilStep(start, end + step, step, guard).join(" ");
    }
    case 3: {
      start = params[0] ?? 0n;
      step = params[1] ?? 0n;
      end = params[2] ?? 0n;
      const increment = end < start ? -1n : 1n;
      if (end < start && step > 0n) return "";
      return untilStep(start, end + increment, step, guard).join(" ");
    }
    default:
      return "";
  }
}

function digFrom(dict: Record<string, unknown>, fallback: unknown, keys: readonly string[]): unknown {
  const [key = "", ...rest] = keys;
  if (!Object.hasOwn(dict, key)) return fallback;
  const step = dict[key];
  if (rest.length === 0) return step;
  if (!isGoMap(step))
    throw new GoTemplateError(`interface conversion: interface {} is ${typeOf(step)}, not map[string]interface {}`);
  return digFrom(step, fallback, rest);
}

function dig(args: readonly unknown[]): unknown {
  if (args.length < 3) throw new GoTemplateError("dig needs at least three arguments");
  const dict = args[args.length - 1];
  if (!isGoMap(dict))
    throw new GoTemplateError(`interface conversion: interface {} is ${typeOf(dict)}, not map[string]interface {}`);
  const keys = args.slice(0, -2).map((key) => {
    if (typeof key !== "string")
      throw new GoTemplateError(`interface conversion: interface {} is ${typeOf(key)}, not string`);
    return key;
  });
  return digFrom(dict, args[args.length - 2], keys);
}

function sliceList(list: unknown, indexes: readonly unknown[]): unknown {
  if (isNil(list)) throw new GoTemplateError(NIL_DEREFERENCE);
  if (!Array.isArray(list)) throw new GoTemplateError(`list should be type of slice or array but ${kindOf(list)}`);
  if (list.length === 0) return null;
  const start = indexes.length > 0 ? Number(castToInt64(indexes[0])) : 0;
  const end = indexes.length < 2 ? list.length : Number(castToInt64(indexes[1]));
  if (start < 0 || end > list.length || start > end) throw new GoTemplateError("reflect: slice index out of range");
  return list.slice(start, end);
}

function uniq(list: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const item of list) if (!out.some((other) => deepEqual(other, item))) out.push(item);
  return out;
}

function sortedKeys(map: Record<string, unknown>): string[] {
  return Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Sprig's list, dict, default and reflection functions. */
export function collectionFunctions(guard: OutputGuard): Record<string, GoFunc> {
  const first = (list: unknown): unknown => listOf(list, "find first")[0] ?? null;
  const last = (list: unknown): unknown => listOf(list, "find last").at(-1) ?? null;
  const rest = (list: unknown): unknown => {
    const items = listOf(list, "find rest");
    return items.length === 0 ? null : items.slice(1);
  };
  const initial = (list: unknown): unknown => {
    const items = listOf(list, "find initial");
    return items.length === 0 ? null : items.slice(0, -1);
  };
  const compact = (list: unknown): unknown[] => listOf(list, "compact").filter((item) => !isEmpty(item));
  const merge = (overwrite: boolean) =>
    vfn(["map"], "map", (dst, ...srcs) => {
      if (dst === null) throw new GoTemplateError("dst must be a map");
      for (const src of srcs) if (src !== null) mergeInto(dst, src, overwrite);
      return dst;
    });
  const both = (name: string, implementation: GoFunc): Record<string, GoFunc> => ({
    [name]: implementation,
    [`must${name[0]?.toUpperCase() ?? ""}${name.slice(1)}`]: implementation,
  });
  return {
    list: vfn([], "any", (...items) => items),
    tuple: vfn([], "any", (...items) => items),
    ...both(
      "append",
      fn(["any", "any"], (list, item) => [...listOf(list, "push"), item]),
    ),
    ...both(
      "push",
      fn(["any", "any"], (list, item) => [...listOf(list, "push"), item]),
    ),
    ...both(
      "prepend",
      fn(["any", "any"], (list, item) => [item, ...listOf(list, "prepend")]),
    ),
    ...both("first", fn(["any"], first)),
    ...both("last", fn(["any"], last)),
    ...both("rest", fn(["any"], rest)),
    ...both("initial", fn(["any"], initial)),
    ...both(
      "reverse",
      fn(["any"], (list) => [...listOf(list, "find reverse")].reverse()),
    ),
    ...both(
      "uniq",
      fn(["any"], (list) => uniq(listOf(list, "find uniq"))),
    ),
    ...both(
      "without",
      vfn(["any"], "any", (list, ...omit) =>
        listOf(list, "find without").filter((item) => !omit.some((other) => deepEqual(other, item))),
      ),
    ),
    ...both(
      "has",
      fn(["any", "any"], (needle, haystack) =>
        isNil(haystack) ? false : listOf(haystack, "find has").some((item) => deepEqual(item, needle)),
      ),
    ),
    ...both("compact", fn(["any"], compact)),
    ...both(
      "slice",
      vfn(["any"], "any", (list, ...indexes) => sliceList(list, indexes)),
    ),
    ...both(
      "chunk",
      fn(["int", "any"], (size, list) => {
        const items = listOf(list, "chunk");
        const n = Number(size);
        if (n < 1) throw new GoTemplateError("runtime error: integer divide by zero");
        const out: unknown[][] = [];
        for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
        return withGoType(out, "[][]interface {}");
      }),
    ),
    concat: vfn([], "any", (...lists) =>
      lists.flatMap((list): unknown[] => {
        if (isNil(list)) throw new GoTemplateError(NIL_DEREFERENCE);
        if (!Array.isArray(list)) throw new GoTemplateError(`Cannot concat type ${kindOf(list)} as list`);
        return list;
      }),
    ),
    until: fn(["int"], (count) => untilStep(0n, count, count < 0n ? -1n : 1n, guard)),
    untilStep: fn(["int", "int", "int"], (start, stop, step) => untilStep(start, stop, step, guard)),
    seq: vfn([], "int", (...params) => seq(params, guard)),
    dict: vfn([], "any", (...pairs) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < pairs.length; i += 2) out[toGoString(pairs[i])] = i + 1 < pairs.length ? pairs[i + 1] : "";
      return out;
    }),
    get: fn(["map", "string"], (dict, key) => (dict !== null && Object.hasOwn(dict, key) ? dict[key] : "")),
    set: fn(["map", "string", "any"], (dict, key, value) => {
      if (dict === null) throw new GoTemplateError("assignment to entry in nil map");
      dict[key] = value;
      return dict;
    }),
    unset: fn(["map", "string"], (dict, key) => {
      if (dict !== null) delete dict[key];
      return dict;
    }),
    hasKey: fn(["map", "string"], (dict, key) => dict !== null && Object.hasOwn(dict, key)),
    pluck: vfn(["string"], "map", (key, ...dicts) =>
      dicts.filter((d): d is Record<string, unknown> => d !== null && Object.hasOwn(d, key)).map((d) => d[key]),
    ),
    dig: vfn([], "any", (...args) => dig(args)),
    keys: vfn([], "map", (...dicts) =>
      withGoType(
        dicts.flatMap((d) => (d === null ? [] : sortedKeys(d))),
        "[]string",
      ),
    ),
    values: fn(["map"], (dict) => (dict === null ? [] : sortedKeys(dict).map((key) => dict[key]))),
    pick: vfn(["map"], "string", (dict, ...names) => {
      const out: Record<string, unknown> = {};
      if (dict !== null) for (const name of names) if (Object.hasOwn(dict, name)) out[name] = dict[name];
      return out;
    }),
    omit: vfn(["map"], "string", (dict, ...names) => {
      const drop = new Set(names);
      const out: Record<string, unknown> = {};
      if (dict !== null) for (const [key, value] of Object.entries(dict)) if (!drop.has(key)) out[key] = value;
      return out;
    }),
    merge: merge(false),
    mustMerge: merge(false),
    mergeOverwrite: merge(true),
    mustMergeOverwrite: merge(true),
    deepCopy: fn(["any"], (value) => deepCopy(value)),
    mustDeepCopy: fn(["any"], (value) => {
      if (isNil(value)) throw new GoTemplateError("copy: Must be a pointer");
      return deepCopy(value);
    }),
    empty: fn(["any"], (value) => isEmpty(value)),
    default: vfn(["any"], "any", (fallback, ...given) =>
      given.length === 0 || isEmpty(given[0]) ? fallback : given[0],
    ),
    coalesce: vfn([], "any", (...values) => values.find((value) => !isEmpty(value)) ?? null),
    all: vfn([], "any", (...values) => values.every((value) => !isEmpty(value))),
    any: vfn([], "any", (...values) => values.some((value) => !isEmpty(value))),
    ternary: fn(["any", "any", "bool"], (whenTrue, whenFalse, condition) => (condition ? whenTrue : whenFalse)),
    kindOf: fn(["any"], (value) => kindOf(value)),
    kindIs: fn(["string", "any"], (kind, value) => kindOf(value) === kind),
    typeOf: fn(["any"], (value) => typeOf(value)),
    typeIs: fn(["string", "any"], (type, value) => typeOf(value) === type),
    typeIsLike: fn(["string", "any"], (type, value) => {
      const actual = typeOf(value);
      return type === actual || `*${type}` === actual;
    }),
    deepEqual: fn(["any", "any"], (a, b) => deepEqual(a, b)),
  };
}
