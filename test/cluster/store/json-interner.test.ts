import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonInterner } from "../../../src/cluster/sandbox/store/json-interner.js";

function isDeeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeeplyFrozen);
}

const definition = () => ({
  kind: "ComponentDefinition",
  spec: { schematic: { template: { output: "{{json parameter}}" } }, workload: { type: "autodetects.core.oam.dev" } },
  tags: ["a", "b"],
});

describe("JsonInterner", () => {
  it("hands out one copy of equal subtrees, deeply frozen, and leaves its inputs alone", () => {
    const interner = new JsonInterner();
    const first = { name: "app-1", definitions: { "k8s-objects": definition() } };
    const second = { name: "app-2", definitions: { "k8s-objects": definition() } };
    const a = interner.intern(first);
    const b = interner.intern(second);
    expect(a).toEqual(first);
    expect(b).toEqual(second);
    expect(a).not.toBe(b);
    expect(a.definitions).toBe(b.definitions);
    expect(isDeeplyFrozen(a)).toBe(true);
    expect(Object.isFrozen(first)).toBe(false);
    expect(Object.isFrozen(first.definitions["k8s-objects"].tags)).toBe(false);
  });

  it.each([
    { name: "key order", a: { x: 1, y: 2 }, b: { y: 2, x: 1 } },
    { name: "number and string", a: { x: 1 }, b: { x: "1" } },
    { name: "null and the string null", a: { x: null }, b: { x: "null" } },
    { name: "true and the string t", a: { x: true }, b: { x: "t" } },
    { name: "array and object with index keys", a: { x: ["a"] }, b: { x: { 0: "a" } } },
    { name: "nested difference", a: { x: { y: [1, { z: "a" }] } }, b: { x: { y: [1, { z: "b" }] } } },
    { name: "a string that looks like a token", a: { x: "#0" }, b: { x: { y: 1 } } },
    { name: "zero and minus zero", a: { x: 0 }, b: { x: -0 } },
  ])("keeps values apart that differ by $name", ({ a, b }) => {
    const interner = new JsonInterner();
    const first = interner.intern({ holder: a });
    const second = interner.intern({ holder: b });
    expect(first.holder).not.toBe(second.holder);
    expect(first.holder).toStrictEqual(a);
    expect(second.holder).toStrictEqual(b);
    expect(Object.keys(first.holder)).toEqual(Object.keys(a));
  });

  it("keeps members that are undefined", () => {
    const interner = new JsonInterner();
    const value = interner.intern({ x: undefined, y: 1 });
    expect(Object.keys(value)).toEqual(["x", "y"]);
  });

  it("stays correct when its pool is full: values equal their inputs, sharing is only missed", () => {
    const interner = new JsonInterner({ capacity: 2 });
    const values = Array.from({ length: 50 }, (_, index) => ({
      index,
      shared: definition(),
      list: [index, { nested: [index % 3] }],
    }));
    for (const value of values) expect(interner.intern(value)).toEqual(value);
    expect(interner.size).toBeLessThanOrEqual(2);
  });

  it("recognises a value it handed out without walking it again", () => {
    const interner = new JsonInterner();
    const shared = interner.intern(definition());
    const holder = interner.intern({ spec: shared });
    expect(holder.spec).toBe(shared);
  });

  it("freezes values that are not plain objects or arrays where they are", () => {
    const interner = new JsonInterner();
    const date = new Date(0);
    const value = interner.intern({ when: date });
    expect(value.when).toBe(date);
    expect(Object.isFrozen(date)).toBe(true);
  });

  it("returns an equal, deeply frozen value for any JSON", () => {
    const interner = new JsonInterner({ capacity: 64 });
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const interned = interner.intern(value);
        expect(interned).toStrictEqual(value);
        expect(isDeeplyFrozen(interned)).toBe(true);
      }),
    );
  });
});
