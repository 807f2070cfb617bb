import fc from "fast-check";

/**
 * Random CUE programs for differential tests: each top-level field is built from literals and the
 * fields before it (so there are no reference cycles), with the shapes KubeVela templates use:
 * defaults, enums, bounds, interpolation, if guards, embedded scalars, list and struct
 * comprehensions, definitions with self-references, unification of struct literals, optional
 * fields tested with `!= _|_`, hidden fields, `len`. A few fields are deliberately in conflict so
 * that both engines must fail together.
 */

type Type = "int" | "string" | "bool" | "struct" | "intList";

interface Known {
  readonly name: string;
  readonly type: Type;
  /** For structs: labels of int fields, and of optional fields. */
  readonly ints?: readonly string[];
  readonly optional?: readonly string[];
}

interface State {
  readonly fields: Known[];
  readonly defs: string[];
}

const WORDS = ["a", "b", "c", "web", "api", "x-y", "v1"];
const LABELS = ["alpha", "beta", "gamma", "delta", "eps"];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function int(random: () => number, low = -20, high = 40): number {
  return low + Math.floor(random() * (high - low + 1));
}

function ofType(state: State, type: Type): Known[] {
  return state.fields.filter((field) => field.type === type);
}

function intExpr(random: () => number, state: State, depth: number): string {
  const refs = ofType(state, "int");
  const bools = ofType(state, "bool");
  const lists = ofType(state, "intList");
  const structs = ofType(state, "struct").filter((field) => (field.ints?.length ?? 0) > 0);
  const choices: (() => string)[] = [
    () => String(int(random)),
    () => `*${int(random)} | int`,
    () => `int & >=0 & ${int(random, 0, 30)}`,
    () => {
      const chosen = int(random, 10, 19);
      return `(${int(random, 1, 9)} | ${chosen}) & ${chosen}`;
    },
  ];
  if (refs.length > 0) {
    choices.push(() => `${pick(random, refs).name} + ${int(random, 0, 9)}`);
    choices.push(() => `${pick(random, refs).name} * 2 - ${pick(random, refs).name}`);
    choices.push(() => `${pick(random, refs).name} div 3`);
  }
  if (bools.length > 0 && depth < 2) {
    const cond = pick(random, bools).name;
    choices.push(() => `{\n\tif ${cond} {${int(random)}}\n\tif !${cond} {${int(random)}}\n}`);
  }
  if (lists.length > 0) choices.push(() => `len(${pick(random, lists).name})`);
  if (structs.length > 0) {
    choices.push(() => {
      const struct = pick(random, structs);
      const label = pick(random, struct.ints ?? []);
      return /^[a-z]+$/.test(label) ? `${struct.name}.${label} + 1` : `${struct.name}[${JSON.stringify(label)}] + 1`;
    });
  }
  return pick(random, choices)();
}

function stringExpr(random: () => number, state: State): string {
  const refs = ofType(state, "string");
  const ints = ofType(state, "int");
  const choices: (() => string)[] = [
    () => JSON.stringify(pick(random, WORDS)),
    () => `*"${pick(random, WORDS)}" | string`,
    () => `*"TCP" | "UDP" | "SCTP"`,
    () => `("on" | "off") & "off"`,
    () => `=~"^[a-z]" & "${pick(random, ["abc", "web"])}"`,
  ];
  if (refs.length > 0) {
    choices.push(() => `${pick(random, refs).name} + "-s"`);
    choices.push(() => `"pre-\\(${pick(random, refs).name})"`);
  }
  if (ints.length > 0) choices.push(() => `"n\\(${pick(random, ints).name})"`);
  return pick(random, choices)();
}

function boolExpr(random: () => number, state: State): string {
  const ints = ofType(state, "int");
  const strings = ofType(state, "string");
  const withOptional = ofType(state, "struct").filter((field) => (field.optional?.length ?? 0) > 0);
  const structs = ofType(state, "struct");
  const choices: (() => string)[] = [() => pick(random, ["true", "false", "*true | bool", "*false | bool"])];
  if (ints.length > 0) choices.push(() => `${pick(random, ints).name} > ${int(random)}`);
  if (strings.length > 0) choices.push(() => `${pick(random, strings).name} == "${pick(random, WORDS)}"`);
  if (withOptional.length > 0) {
    choices.push(() => {
      const struct = pick(random, withOptional);
      return `${struct.name}[${JSON.stringify(pick(random, struct.optional ?? []))}] != _|_`;
    });
  }
  if (structs.length > 0) choices.push(() => `${pick(random, structs).name}.missing == _|_`);
  return pick(random, choices)();
}

function structExpr(
  random: () => number,
  state: State,
  depth: number,
): { text: string; ints: string[]; optional: string[] } {
  const count = int(random, 1, 4);
  const labels = [...LABELS].sort(() => random() - 0.5).slice(0, count);
  const ints: string[] = [];
  const optional: string[] = [];
  const lines: string[] = [];
  for (const label of labels) {
    const kind = random();
    if (kind < 0.45) {
      lines.push(`${label}: ${intExpr(random, state, depth + 1).replaceAll("\n", "\n\t")}`);
      ints.push(label);
    } else if (kind < 0.65) lines.push(`${label}: ${stringExpr(random, state)}`);
    else if (kind < 0.75) {
      lines.push(`${label}?: int`);
      optional.push(label);
      if (random() < 0.5) {
        lines.push(`${label}: ${int(random)}`);
        ints.push(label);
      }
    } else if (kind < 0.85 && depth < 2) {
      const inner = structExpr(random, state, depth + 1);
      lines.push(`${label}: ${inner.text.replaceAll("\n", "\n\t")}`);
    } else lines.push(`"${label}-q": ${boolExpr(random, state)}`);
  }
  const bools = ofType(state, "bool");
  if (bools.length > 0 && random() < 0.4)
    lines.push(`if ${pick(random, bools).name} {\n\t\tguarded: ${int(random)}\n\t}`);
  const body = `{\n\t${lines.join("\n\t")}\n}`;
  if (random() < 0.2) {
    const first = ints[0];
    if (first !== undefined) return { text: `{${first}: int} & ${body}`, ints, optional };
  }
  return { text: body, ints, optional };
}

function intListExpr(random: () => number, state: State): string {
  const lists = ofType(state, "intList");
  const structs = ofType(state, "struct").filter((field) => (field.ints?.length ?? 0) > 0);
  const choices: (() => string)[] = [
    () => `[${Array.from({ length: int(random, 0, 4) }, () => int(random)).join(", ")}]`,
    () => `[...int] & [${int(random)}, ${int(random)}]`,
    () => `*[${int(random)}] | [...int]`,
  ];
  if (lists.length > 0) {
    choices.push(() => `[for x in ${pick(random, lists).name} if x > ${int(random)} {x * 2}]`);
    choices.push(() => `[for i, x in ${pick(random, lists).name} {x + i}]`);
    choices.push(() => `${pick(random, lists).name} + [${int(random)}]`);
  }
  if (structs.length > 0) {
    choices.push(() => {
      const struct = pick(random, structs);
      return `[for k in [${(struct.ints ?? []).map((label) => JSON.stringify(label)).join(", ")}] {${struct.name}[k]}]`;
    });
  }
  return pick(random, choices)();
}

function definitionUse(random: () => number, state: State): { text: string; ints: string[] } | undefined {
  if (state.defs.length === 0) return undefined;
  const def = pick(random, state.defs);
  return { text: `${def} & {size: ${int(random, 0, 20)}}`, ints: ["size", "double"] };
}

function comprehensionStruct(random: () => number, state: State): { text: string; ints: string[] } | undefined {
  const structs = ofType(state, "struct").filter((field) => (field.ints?.length ?? 0) > 0);
  if (structs.length === 0) return undefined;
  const struct = pick(random, structs);
  const ints = (struct.ints ?? []).map((label) => `p-${label}`);
  const body = `{\n\tfor k in [${(struct.ints ?? []).map((label) => JSON.stringify(label)).join(", ")}] {\n\t\t"p-\\(k)": ${struct.name}[k]\n\t}\n}`;
  return { text: body, ints };
}

/** One random program as CUE text. */
export function randomProgram(random: () => number): string {
  const state: State = { fields: [], defs: [] };
  const lines: string[] = [];
  if (random() < 0.5) {
    lines.push(`#Def0: {\n\tsize:   int\n\tdouble: size * 2\n\tname:   *"d\\(size)" | string\n}`);
    state.defs.push("#Def0");
  }
  const count = int(random, 3, 9);
  for (let index = 0; index < count; index++) {
    const hidden = random() < 0.1;
    const name = `${hidden ? "_" : ""}f${index}`;
    const roll = random();
    if (roll < 0.22) {
      lines.push(`${name}: ${intExpr(random, state, 0)}`);
      state.fields.push({ name, type: "int" });
    } else if (roll < 0.38) {
      lines.push(`${name}: ${stringExpr(random, state)}`);
      state.fields.push({ name, type: "string" });
    } else if (roll < 0.5) {
      lines.push(`${name}: ${boolExpr(random, state)}`);
      state.fields.push({ name, type: "bool" });
    } else if (roll < 0.72) {
      const struct = structExpr(random, state, 0);
      lines.push(`${name}: ${struct.text}`);
      state.fields.push({ name, type: "struct", ints: struct.ints, optional: struct.optional });
    } else if (roll < 0.85) {
      lines.push(`${name}: ${intListExpr(random, state)}`);
      state.fields.push({ name, type: "intList" });
    } else if (roll < 0.92) {
      const built = definitionUse(random, state) ?? comprehensionStruct(random, state);
      if (built === undefined) continue;
      lines.push(`${name}: ${built.text}`);
      state.fields.push({ name, type: "struct", ints: built.ints });
    } else if (roll < 0.97) {
      const built = comprehensionStruct(random, state);
      if (built === undefined) continue;
      lines.push(`${name}: ${built.text}`);
      state.fields.push({ name, type: "struct", ints: built.ints });
    } else {
      const value = int(random);
      lines.push(`${name}: ${value} & ${value + 1}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** A fast-check arbitrary of random programs (the seed drives a small PRNG, so shrinking is by seed). */
export const cueProgram: fc.Arbitrary<string> = fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((seed) => {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return randomProgram(random);
});
