/** Sprig's list, dict, default/empty and type functions (`Masterminds/sprig` list.go, dict.go, defaults.go, reflect.go). */
import { jsonEqual } from "../../util/index.js";
import { isGoMap, isNil, isTrue, kindOf, toGoString, toIntNumber, typeOf, type TemplateFunc } from "./go-value.js";

function asList(value: unknown, fn: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (isNil(value)) return [];
  throw new Error(`cannot ${fn} on type ${typeOf(value)}`);
}

function asDict(value: unknown, fn: string): Record<string, unknown> {
  if (isGoMap(value)) return value;
  throw new Error(`${fn}: expected a dict, got ${typeOf(value)}`);
}

/** Deep equality of Go values (reflect.DeepEqual over template data). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return a === b;
  return jsonEqual(a, b);
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

/** mergo.Merge: fills keys of `dst` that are missing or nil from `src`, recursing into maps. Mutates `dst`. */
function mergeInto(dst: Record<string, unknown>, src: Record<string, unknown>, overwrite: boolean): void {
  for (const [key, value] of Object.entries(src)) {
    const existing = dst[key];
    if (isGoMap(existing) && isGoMap(value)) mergeInto(existing, value, overwrite);
    else if (isNil(existing) || !Object.hasOwn(dst, key)) dst[key] = deepCopy(value);
    else if (overwrite && isTrue(value)) dst[key] = deepCopy(value);
  }
}

function seq(...params: unknown[]): string {
  const nums = params.map(toIntNumber);
  let start = 1;
  let end: number;
  let step = 1;
  if (nums.length === 1) end = nums[0] ?? 0;
  else if (nums.length === 2) {
    start = nums[0] ?? 1;
    end = nums[1] ?? 0;
    step = start <= end ? 1 : -1;
  } else if (nums.length === 3) {
    start = nums[0] ?? 1;
    step = nums[1] ?? 1;
    end = nums[2] ?? 0;
    if (step === 0 || (end < start && step > 0) || (end > start && step < 0)) return "";
  } else return "";
  if (nums.length === 1 && end < 1) {
    step = -1;
  }
  const out: number[] = [];
  for (let i = start; step > 0 ? i <= end : i >= end; i += step) out.push(i);
  return out.join(" ");
}

function untilStep(start: number, stop: number, step: number): bigint[] {
  const out: bigint[] = [];
  if (step === 0 || (stop < start && step > 0) || (stop > start && step < 0)) return out;
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(BigInt(i));
  return out;
}

function dig(...args: unknown[]): unknown {
  if (args.length < 3) throw new Error("dig needs at least three arguments");
  const dict = asDict(args[args.length - 1], "dig");
  const fallback = args[args.length - 2];
  const keys = args.slice(0, -2).map(toGoString);
  let current: unknown = dict;
  for (const key of keys) {
    if (!isGoMap(current) || !Object.hasOwn(current, key)) return fallback;
    current = current[key];
  }
  return current;
}

/** Sprig's collection, default and reflection functions. */
export const SPRIG_COLLECTIONS: Readonly<Record<string, TemplateFunc>> = {
  list: (...items) => [...items],
  tuple: (...items) => [...items],
  append: (list, item) => [...asList(list, "append"), item],
  push: (list, item) => [...asList(list, "push"), item],
  mustAppend: (list, item) => [...asList(list, "append"), item],
  mustPush: (list, item) => [...asList(list, "push"), item],
  prepend: (list, item) => [item, ...asList(list, "prepend")],
  mustPrepend: (list, item) => [item, ...asList(list, "prepend")],
  first: (list) => asList(list, "find first")[0],
  mustFirst: (list) => asList(list, "find first")[0],
  last: (list) => asList(list, "find last").at(-1),
  mustLast: (list) => asList(list, "find last").at(-1),
  rest: (list) => asList(list, "find rest").slice(1),
  mustRest: (list) => asList(list, "find rest").slice(1),
  initial: (list) => asList(list, "find initial").slice(0, -1),
  mustInitial: (list) => asList(list, "find initial").slice(0, -1),
  reverse: (list) => [...asList(list, "reverse")].reverse(),
  mustReverse: (list) => [...asList(list, "reverse")].reverse(),
  uniq: (list) => asList(list, "uniq").filter((item, i, all) => all.findIndex((other) => deepEqual(other, item)) === i),
  mustUniq: (list) =>
    asList(list, "uniq").filter((item, i, all) => all.findIndex((other) => deepEqual(other, item)) === i),
  without: (list, ...omit) => asList(list, "without").filter((item) => !omit.some((other) => deepEqual(other, item))),
  mustWithout: (list, ...omit) =>
    asList(list, "without").filter((item) => !omit.some((other) => deepEqual(other, item))),
  has: (needle, list) => asList(list, "has").some((item) => deepEqual(item, needle)),
  mustHas: (needle, list) => asList(list, "has").some((item) => deepEqual(item, needle)),
  compact: (list) => asList(list, "compact").filter(isTrue),
  mustCompact: (list) => asList(list, "compact").filter(isTrue),
  concat: (...lists) => lists.flatMap((list) => asList(list, "concat")),
  chunk: (size, list) => {
    const n = Math.max(1, toIntNumber(size));
    const items = asList(list, "chunk");
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    return out;
  },
  until: (count) => untilStep(0, toIntNumber(count), toIntNumber(count) >= 0 ? 1 : -1),
  untilStep: (start, stop, step) => untilStep(toIntNumber(start), toIntNumber(stop), toIntNumber(step)),
  seq: (...params) => seq(...params),
  dict: (...pairs) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < pairs.length; i += 2) out[toGoString(pairs[i])] = i + 1 < pairs.length ? pairs[i + 1] : "";
    return out;
  },
  get: (dict, key) => {
    const map = asDict(dict, "get");
    const name = toGoString(key);
    return Object.hasOwn(map, name) ? map[name] : "";
  },
  set: (dict, key, value) => {
    const map = asDict(dict, "set");
    map[toGoString(key)] = value;
    return map;
  },
  unset: (dict, key) => {
    const map = asDict(dict, "unset");
    delete map[toGoString(key)];
    return map;
  },
  hasKey: (dict, key) => Object.hasOwn(asDict(dict, "hasKey"), toGoString(key)),
  pluck: (key, ...dicts) =>
    dicts
      .filter(isGoMap)
      .filter((d) => Object.hasOwn(d, toGoString(key)))
      .map((d) => d[toGoString(key)]),
  dig: (...args) => dig(...args),
  keys: (...dicts) => dicts.flatMap((d) => Object.keys(asDict(d, "keys"))).sort(),
  values: (dict) => {
    const map = asDict(dict, "values");
    return Object.keys(map)
      .sort()
      .map((key) => map[key]);
  },
  pick: (dict, ...names) => {
    const map = asDict(dict, "pick");
    const out: Record<string, unknown> = {};
    for (const name of names.map(toGoString)) if (Object.hasOwn(map, name)) out[name] = map[name];
    return out;
  },
  omit: (dict, ...names) => {
    const map = asDict(dict, "omit");
    const drop = new Set(names.map(toGoString));
    return Object.fromEntries(Object.entries(map).filter(([key]) => !drop.has(key)));
  },
  merge: (dst, ...srcs) => {
    const target = asDict(dst, "merge");
    for (const src of srcs) if (isGoMap(src)) mergeInto(target, src, false);
    return target;
  },
  mustMerge: (dst, ...srcs) => {
    const target = asDict(dst, "merge");
    for (const src of srcs) if (isGoMap(src)) mergeInto(target, src, false);
    return target;
  },
  mergeOverwrite: (dst, ...srcs) => {
    const target = asDict(dst, "mergeOverwrite");
    for (const src of srcs) if (isGoMap(src)) mergeInto(target, src, true);
    return target;
  },
  mustMergeOverwrite: (dst, ...srcs) => {
    const target = asDict(dst, "mergeOverwrite");
    for (const src of srcs) if (isGoMap(src)) mergeInto(target, src, true);
    return target;
  },
  deepCopy: (value) => deepCopy(value),
  mustDeepCopy: (value) => deepCopy(value),
  empty: (value) => !isTrue(value),
  default: (fallback, ...given) => (given.length === 0 || !isTrue(given[0]) ? fallback : given[0]),
  coalesce: (...values) => values.find(isTrue),
  all: (...values) => values.every(isTrue),
  any: (...values) => values.some(isTrue),
  ternary: (whenTrue, whenFalse, condition) => (isTrue(condition) ? whenTrue : whenFalse),
  kindOf: (value) => kindOf(value),
  kindIs: (kind, value) => kindOf(value) === toGoString(kind),
  typeOf: (value) => typeOf(value),
  typeIs: (type, value) => typeOf(value) === toGoString(type),
  typeIsLike: (type, value) => {
    const t = typeOf(value);
    const wanted = toGoString(type);
    return t === wanted || `*${t}` === wanted;
  },
  deepEqual: (a, b) => deepEqual(a, b),
};
