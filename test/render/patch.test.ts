import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VelaError } from "../../src/errors/index.js";
import { applyPatch, type PatchOptions } from "../../src/render/index.js";
import { cloneJson, type JsonValue } from "../../src/util/index.js";

const deployment = {
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [
          {
            name: "app",
            image: "app:v1",
            env: [{ name: "A", value: "1" }],
            ports: [{ containerPort: 80 }],
            volumeMounts: [{ mountPath: "/data", name: "data" }],
          },
        ],
        tolerations: [{ key: "a" }],
      },
    },
  },
};

describe("applyPatch (merge)", () => {
  it.each<{ name: string; target: JsonValue; patch: JsonValue; options?: PatchOptions; want: JsonValue }>([
    {
      name: "maps merge recursively",
      target: { a: { b: 1, c: 2 } },
      patch: { a: { c: 3, d: 4 } },
      want: { a: { b: 1, c: 3, d: 4 } },
    },
    { name: "null deletes", target: { a: { b: 1, c: 2 } }, patch: { a: { b: null } }, want: { a: { c: 2 } } },
    {
      name: "null of an absent key is dropped",
      target: { a: 1 },
      patch: { b: { c: null, d: 1 } },
      want: { a: 1, b: { d: 1 } },
    },
    { name: "plain lists replace", target: { args: ["a", "b"] }, patch: { args: ["c"] }, want: { args: ["c"] } },
    {
      name: "tolerations replace",
      target: deployment,
      patch: { spec: { template: { spec: { tolerations: [{ key: "b" }] } } } },
      want: {
        spec: {
          ...deployment.spec,
          template: { spec: { ...deployment.spec.template.spec, tolerations: [{ key: "b" }] } },
        },
      },
    },
    {
      name: "containers merge by name, env by name, new env appended",
      target: deployment,
      patch: {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: "app",
                  env: [
                    { name: "A", value: "2" },
                    { name: "B", value: "3" },
                  ],
                },
              ],
            },
          },
        },
      },
      want: {
        spec: {
          ...deployment.spec,
          template: {
            spec: {
              ...deployment.spec.template.spec,
              containers: [
                {
                  ...deployment.spec.template.spec.containers[0]!,
                  env: [
                    { name: "A", value: "2" },
                    { name: "B", value: "3" },
                  ],
                },
              ],
            },
          },
        },
      },
    },
    {
      name: "new container appended",
      target: { containers: [{ name: "a", image: "x" }] },
      patch: { containers: [{ name: "sidecar", image: "y" }] },
      want: {
        containers: [
          { name: "a", image: "x" },
          { name: "sidecar", image: "y" },
        ],
      },
    },
    {
      name: "container ports by containerPort",
      target: { ports: [{ containerPort: 80, name: "http" }] },
      patch: { ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 443 }] },
      want: { ports: [{ containerPort: 80, name: "http", protocol: "TCP" }, { containerPort: 443 }] },
    },
    {
      name: "service ports by port",
      target: { spec: { ports: [{ port: 80, targetPort: 8080 }] } },
      patch: { spec: { ports: [{ port: 80, name: "http" }] } },
      want: { spec: { ports: [{ port: 80, targetPort: 8080, name: "http" }] } },
    },
    {
      name: "volumeMounts by mountPath",
      target: { volumeMounts: [{ mountPath: "/data", name: "a" }] },
      patch: {
        volumeMounts: [
          { mountPath: "/data", readOnly: true },
          { mountPath: "/tmp", name: "tmp" },
        ],
      },
      want: {
        volumeMounts: [
          { mountPath: "/data", name: "a", readOnly: true },
          { mountPath: "/tmp", name: "tmp" },
        ],
      },
    },
    {
      name: "null inside a keyed item deletes its field",
      target: { env: [{ name: "A", value: "1", valueFrom: { x: 1 } }] },
      patch: { env: [{ name: "A", valueFrom: null }] },
      want: { env: [{ name: "A", value: "1" }] },
    },
    {
      name: "patchKeys with * key a custom list",
      target: { spec: { rules: [{ host: "a", port: 1 }], other: [{ host: "a" }] } },
      patch: { spec: { rules: [{ host: "a", port: 2 }], other: [{ host: "b" }] } },
      options: { patchKeys: { "/spec/rules": "host" } },
      want: { spec: { rules: [{ host: "a", port: 2 }], other: [{ host: "b" }] } },
    },
    {
      name: "patchKeys pattern with * index",
      target: { items: [{ name: "x", hosts: [{ h: "a", v: 1 }] }] },
      patch: { items: [{ name: "x", hosts: [{ h: "a", v: 2 }] }] },
      options: { patchKeys: { "/items": "name", "/items/*/hosts": "h" } },
      want: { items: [{ name: "x", hosts: [{ h: "a", v: 2 }] }] },
    },
    {
      name: "patchKeys override the built-in key",
      target: { env: [{ name: "A", value: "1" }] },
      patch: { env: [{ name: "B", value: "1" }] },
      options: { patchKeys: { "/env": "value" } },
      want: { env: [{ name: "B", value: "1" }] },
    },
    {
      name: "replacePaths replace instead of merging",
      target: { spec: { http: [{ route: [{ weight: 100 }] }], hosts: ["a"] } },
      patch: { spec: { http: [{ route: [{ weight: 90 }, { weight: 10 }] }] } },
      options: { replacePaths: ["/spec/http"] },
      want: { spec: { http: [{ route: [{ weight: 90 }, { weight: 10 }] }], hosts: ["a"] } },
    },
  ])("$name", ({ target, patch, options, want }) => {
    const before = cloneJson(target);
    expect(applyPatch(target, patch, options)).toEqual(want);
    expect(target).toEqual(before);
  });
});

describe("applyPatch strategies", () => {
  it.each<{ name: string; target: JsonValue; patch: JsonValue; options: PatchOptions; want: JsonValue }>([
    {
      name: "jsonMergePatch: lists replace even when keyed",
      target: { env: [{ name: "A" }] },
      patch: { env: [{ name: "B" }], x: null },
      options: { strategy: "jsonMergePatch" },
      want: { env: [{ name: "B" }] },
    },
    {
      name: "jsonPatch list",
      target: { spec: { replicas: 1 } },
      patch: [{ op: "replace", path: "/spec/replicas", value: 3 }],
      options: { strategy: "jsonPatch" },
      want: { spec: { replicas: 3 } },
    },
    {
      name: "jsonPatch operations: form",
      target: { a: [1] },
      patch: { operations: [{ op: "add", path: "/a/-", value: 2 }] },
      options: { strategy: "jsonPatch" },
      want: { a: [1, 2] },
    },
    { name: "replace", target: { a: 1, b: 2 }, patch: { c: 3 }, options: { strategy: "replace" }, want: { c: 3 } },
  ])("$name", ({ target, patch, options, want }) => {
    const before = cloneJson(target);
    expect(applyPatch(target, patch, options)).toEqual(want);
    expect(target).toEqual(before);
  });

  it.each([
    { name: "jsonPatch with a bad path", patch: [{ op: "replace", path: "/nope/deeper", value: 1 }] },
    { name: "jsonPatch that is not a list", patch: { op: "replace" } },
  ])("$name is an E_PATCH error", ({ patch }) => {
    expect(() => applyPatch({ a: 1 }, patch as JsonValue, { strategy: "jsonPatch" })).toThrow(VelaError);
    try {
      applyPatch({ a: 1 }, patch, { strategy: "jsonPatch" });
    } catch (error) {
      expect((error as VelaError).code).toBe("E_PATCH");
    }
  });
});

const key = fc.constantFrom("a", "b", "name", "env", "containers", "ports");
const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean());
const namedItem = fc.record({ name: fc.constantFrom("x", "y", "z"), value: scalar });
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.constant(null),
    fc.array(namedItem, { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
})).value;
const object = fc.dictionary(key, json, { maxKeys: 4 });

describe("applyPatch laws", () => {
  it("merge is idempotent: applying the same patch twice equals applying it once", () => {
    fc.assert(
      fc.property(object, object, (target, patch) => {
        const once = applyPatch(target, patch);
        expect(applyPatch(once, patch)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it("jsonMergePatch is idempotent", () => {
    fc.assert(
      fc.property(object, object, (target, patch) => {
        const once = applyPatch(target, patch, { strategy: "jsonMergePatch" });
        expect(applyPatch(once, patch, { strategy: "jsonMergePatch" })).toEqual(once);
      }),
      { numRuns: 200 },
    );
  });
});
