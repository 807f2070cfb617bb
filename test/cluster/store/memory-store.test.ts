import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError, VelaError } from "../../../src/errors/index.js";
import type { KubeObject, ObjectRef } from "../../../src/model/kube-object.js";
import { MemoryObjectStore } from "../../../src/cluster/sandbox/store/memory-store.js";
import type { SimulatedAdmission } from "../../../src/cluster/sandbox/controller-contract.js";
import { FakeClock } from "../../../src/util/clock.js";

function newStore(options: { admissions?: readonly SimulatedAdmission[]; enabledAddons?: ReadonlySet<string> } = {}): {
  store: MemoryObjectStore;
  clock: FakeClock;
} {
  const clock = new FakeClock("2026-01-01T00:00:00Z");
  return { store: new MemoryObjectStore({ clock, seed: "test", ...options }), clock };
}

function deployment(
  name: string,
  spec: Record<string, unknown> = { replicas: 1 },
  metadata: Record<string, unknown> = {},
): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, ...metadata }, spec };
}

function configMap(name: string, data: Record<string, string>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...metadata }, data };
}

const ref = (name: string, kind = "Deployment", apiVersion = "apps/v1", namespace = "default"): ObjectRef => ({
  apiVersion,
  kind,
  name,
  namespace,
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("MemoryObjectStore create", () => {
  it("sets uid, resourceVersion, generation, creationTimestamp, namespace and a managedFields entry", () => {
    const { store } = newStore();
    const created = store.create(deployment("web"));
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata.resourceVersion).toBe("1");
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.creationTimestamp).toBe("2026-01-01T00:00:00Z");
    expect(created.metadata.namespace).toBe("default");
    expect(created.metadata.managedFields?.map((entry) => [entry.manager, entry.operation])).toEqual([
      ["vela-ts", "Update"],
    ]);
    expect(Object.isFrozen(created)).toBe(true);
  });

  it("drops the namespace of cluster-scoped kinds", () => {
    const { store } = newStore();
    const created = store.create({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "prod", namespace: "default" },
    });
    expect(created.metadata.namespace).toBeUndefined();
    expect(store.get({ apiVersion: "v1", kind: "Namespace", name: "prod" })?.metadata.name).toBe("prod");
  });

  it("fills generateName with 5 characters of the Kubernetes alphabet, deterministically per seed", () => {
    const names = [0, 1].map(() => {
      const { store } = newStore();
      return store.create({ apiVersion: "v1", kind: "Pod", metadata: { generateName: "web-" } }).metadata.name;
    });
    expect(names[0]).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(names[1]).toBe(names[0]);
  });

  it("refuses to create an object that exists", () => {
    const { store } = newStore();
    store.create(deployment("web"));
    expect(thrown(() => store.create(deployment("web")))).toBeInstanceOf(ConflictError);
  });

  it("gives every write a new, increasing resourceVersion", () => {
    const { store } = newStore();
    const versions = ["a", "b", "c"].map((name) =>
      Number(store.create(configMap(name, { k: name })).metadata.resourceVersion),
    );
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(3);
    expect(store.resourceVersion).toBe(String(versions[2]));
  });
});

describe("MemoryObjectStore validation", () => {
  it.each([
    { name: "no apiVersion", object: { kind: "Pod", metadata: { name: "x" } }, path: "/apiVersion" },
    { name: "no kind", object: { apiVersion: "v1", metadata: { name: "x" } }, path: "/kind" },
    { name: "no metadata", object: { apiVersion: "v1", kind: "Pod" }, path: "/metadata" },
    { name: "no name", object: { apiVersion: "v1", kind: "Pod", metadata: {} }, path: "/metadata/name" },
    {
      name: "upper-case name",
      object: { apiVersion: "v1", kind: "Pod", metadata: { name: "Web" } },
      path: "/metadata/name",
    },
    {
      name: "numeric label value",
      object: { apiVersion: "v1", kind: "Pod", metadata: { name: "x", labels: { tier: 3 } } },
      path: "/metadata/labels/tier",
    },
  ])("rejects an object with $name (E_INVALID_OBJECT)", ({ object, path }) => {
    const { store } = newStore();
    const error = thrown(() => store.create(object as unknown as KubeObject));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe("E_INVALID_OBJECT");
    expect((error as ValidationError).issues.map((issue) => issue.path)).toContain(path);
    expect((error as ValidationError).hint).toBeTruthy();
    expect(store.size).toBe(0);
  });
});

describe("MemoryObjectStore update", () => {
  it.each([
    {
      name: "spec change bumps generation",
      change: (o: KubeObject) => ({ ...o, spec: { replicas: 2 } }),
      generation: 2,
    },
    {
      name: "label change keeps generation",
      change: (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, labels: { a: "b" } } }),
      generation: 1,
    },
    {
      name: "status in an update is ignored",
      change: (o: KubeObject) => ({ ...o, status: { readyReplicas: 3 } }),
      generation: 1,
    },
  ])("$name", ({ change, generation }) => {
    const { store } = newStore();
    const created = store.create(deployment("web"));
    const updated = store.update(change(structuredClone(created)));
    expect(updated.metadata.generation).toBe(generation);
    expect(updated["status"]).toBeUndefined();
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    expect(updated.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
  });

  it("fails with a 409 conflict on a stale resourceVersion and keeps the newer write", () => {
    const { store } = newStore();
    const created = store.create(deployment("web"));
    store.update({ ...structuredClone(created), spec: { replicas: 2 } });
    const error = thrown(() => store.update({ ...structuredClone(created), spec: { replicas: 3 } }));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toContain(
      "the object has been modified; please apply your changes to the latest version and try again",
    );
    expect(store.get(ref("web"))?.["spec"]).toEqual({ replicas: 2 });
  });

  it("does not write when nothing changes", () => {
    const { store } = newStore();
    const created = store.create(deployment("web"));
    const before = store.writeCount;
    const same = store.update(structuredClone(created));
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(store.writeCount).toBe(before);
  });

  it("fails with NotFound for a missing object", () => {
    const { store } = newStore();
    expect(thrown(() => store.update(deployment("ghost")))).toBeInstanceOf(NotFoundError);
  });
});

describe("MemoryObjectStore status subresource", () => {
  it("updateStatus changes only .status, keeps generation and honours the precondition", () => {
    const { store } = newStore();
    const created = store.create(deployment("web"));
    const updated = store.updateStatus({
      ...structuredClone(created),
      spec: { replicas: 9 },
      status: { readyReplicas: 1 },
    });
    expect(updated["spec"]).toEqual({ replicas: 1 });
    expect(updated["status"]).toEqual({ readyReplicas: 1 });
    expect(updated.metadata.generation).toBe(1);
    expect(thrown(() => store.updateStatus({ ...structuredClone(created), status: {} }))).toBeInstanceOf(ConflictError);
  });

  it("patchStatus merges into .status only", () => {
    const { store } = newStore();
    store.create({ ...deployment("web"), status: { replicas: 1, readyReplicas: 0 } });
    const patched = store.patchStatus(ref("web"), {
      type: "merge",
      patch: { spec: { replicas: 5 }, status: { readyReplicas: 1 } },
    });
    expect(patched["status"]).toEqual({ replicas: 1, readyReplicas: 1 });
    expect(patched["spec"]).toEqual({ replicas: 1 });
  });
});

describe("MemoryObjectStore patch", () => {
  it.each([
    {
      name: "merge patch sets a field",
      body: { type: "merge" as const, patch: { spec: { paused: true } } },
      want: { replicas: 1, paused: true },
    },
    {
      name: "merge patch null deletes",
      body: { type: "merge" as const, patch: { spec: { replicas: null } } },
      want: {},
    },
    {
      name: "json patch replace",
      body: { type: "json" as const, patch: [{ op: "replace", path: "/spec/replicas", value: 4 }] },
      want: { replicas: 4 },
    },
    {
      name: "json patch add",
      body: { type: "json" as const, patch: [{ op: "add", path: "/spec/paused", value: true }] },
      want: { replicas: 1, paused: true },
    },
  ])("$name", ({ body, want }) => {
    const { store } = newStore();
    store.create(deployment("web"));
    expect(store.patch(ref("web"), body)["spec"]).toEqual(want);
  });

  it("a failing json patch test is a clear error and changes nothing", () => {
    const { store } = newStore();
    store.create(deployment("web"));
    const error = thrown(() =>
      store.patch(ref("web"), {
        type: "json",
        patch: [
          { op: "test", path: "/spec/replicas", value: 7 },
          { op: "replace", path: "/spec/replicas", value: 0 },
        ],
      }),
    );
    expect((error as VelaError).code).toBe("E_PATCH_INVALID");
    expect(store.get(ref("web"))?.["spec"]).toEqual({ replicas: 1 });
  });

  it.each([
    { name: "an unknown op", operation: { op: "get", path: "/spec/replicas" }, message: /operation 0 has op "get"/ },
    {
      name: "no path",
      operation: { op: "replace", value: { replicas: 3 } },
      message: /operation 0 has no string `path`/,
    },
    { name: "move without from", operation: { op: "move", path: "/spec/x" }, message: /has no string `from`/ },
    { name: "add without value", operation: { op: "add", path: "/spec/x" }, message: /has no `value`/ },
  ])("a json patch operation with $name is E_PATCH_INVALID and changes nothing", ({ operation, message }) => {
    const { store } = newStore();
    store.create(deployment("web"));
    const error = thrown(() => store.patch(ref("web"), { type: "json", patch: [operation] }));
    expect((error as VelaError).code).toBe("E_PATCH_INVALID");
    expect((error as VelaError).message).toMatch(message);
    expect(store.get(ref("web"))?.["spec"]).toEqual({ replicas: 1 });
  });

  it("a patch carrying a stale resourceVersion conflicts", () => {
    const { store } = newStore();
    const created = store.create(deployment("web"));
    store.patch(ref("web"), { type: "merge", patch: { spec: { replicas: 2 } } });
    expect(
      thrown(() =>
        store.patch(ref("web"), {
          type: "merge",
          patch: { metadata: { resourceVersion: created.metadata.resourceVersion ?? "" }, spec: { replicas: 3 } },
        }),
      ),
    ).toBeInstanceOf(ConflictError);
  });
});

describe("MemoryObjectStore server-side apply", () => {
  it("creates, then reports unchanged on the same apply", () => {
    const { store } = newStore();
    const first = store.apply(deployment("web", { replicas: 2 }));
    const second = store.apply(deployment("web", { replicas: 2 }));
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(first.metadata.managedFields?.[0]).toMatchObject({
      manager: "vela-ts",
      operation: "Apply",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
    });
  });

  it("merges maps and keeps fields other managers set", () => {
    const { store } = newStore();
    store.apply(deployment("web", { replicas: 2 }), { fieldManager: "a" });
    const merged = store.apply(deployment("web", { paused: true }), { fieldManager: "b" });
    expect(merged["spec"]).toEqual({ replicas: 2, paused: true });
  });

  it("conflicts when another manager's field would change, naming the manager and field", () => {
    const { store } = newStore();
    store.apply(deployment("web", { replicas: 2 }), { fieldManager: "hpa" });
    const error = thrown(() => store.apply(deployment("web", { replicas: 5 }), { fieldManager: "vela-ts" }));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toBe('apply failed with 1 conflict: conflict with "hpa": .spec.replicas');
    expect(store.get(ref("web"))?.["spec"]).toEqual({ replicas: 2 });
  });

  it("does not conflict when both managers set the same value (shared ownership)", () => {
    const { store } = newStore();
    store.apply(deployment("web", { replicas: 2 }), { fieldManager: "a" });
    expect(store.apply(deployment("web", { replicas: 2, paused: false }), { fieldManager: "b" })["spec"]).toEqual({
      replicas: 2,
      paused: false,
    });
  });

  it("force takes the field over from the other manager", () => {
    const { store } = newStore();
    store.apply(deployment("web", { replicas: 2 }), { fieldManager: "hpa" });
    const forced = store.apply(deployment("web", { replicas: 5 }), { fieldManager: "vela-ts", force: true });
    expect(forced["spec"]).toEqual({ replicas: 5 });
    const hpa = forced.metadata.managedFields?.find((entry) => entry.manager === "hpa");
    expect(hpa).toBeUndefined();
    // The former owner now conflicts in turn.
    expect(thrown(() => store.apply(deployment("web", { replicas: 3 }), { fieldManager: "hpa" }))).toBeInstanceOf(
      ConflictError,
    );
  });

  it("an Update by a controller takes ownership, so the next apply of a different value conflicts", () => {
    const { store } = newStore();
    const applied = store.apply(deployment("web", { replicas: 2 }));
    store.update({ ...structuredClone(applied), spec: { replicas: 4 } }, { fieldManager: "scaler" });
    const error = thrown(() => store.apply(deployment("web", { replicas: 2 })));
    expect((error as ConflictError).message).toContain('conflict with "scaler": .spec.replicas');
  });

  it("removes fields the same manager applied before and no longer sends", () => {
    const { store } = newStore();
    store.apply(configMap("cfg", { a: "1", b: "2" }, { labels: { x: "1", y: "2" } }));
    const next = store.apply(configMap("cfg", { a: "1" }, { labels: { x: "1" } }));
    expect(next["data"]).toEqual({ a: "1" });
    expect(next.metadata.labels).toEqual({ x: "1" });
  });

  it("keeps a field the manager dropped when another manager also owns it", () => {
    const { store } = newStore();
    store.apply(configMap("cfg", { a: "1", b: "2" }), { fieldManager: "one" });
    store.apply(configMap("cfg", { b: "2" }), { fieldManager: "two" });
    expect(store.apply(configMap("cfg", { a: "1" }), { fieldManager: "one" })["data"]).toEqual({ a: "1", b: "2" });
  });

  it("merges keyed lists (containers by name) and removes only the manager's own items", () => {
    const { store } = newStore();
    const podSpec = (containers: unknown[]): Record<string, unknown> => ({ template: { spec: { containers } } });
    store.apply(deployment("web", podSpec([{ name: "app", image: "app:1" }])), { fieldManager: "vela-ts" });
    store.apply(deployment("web", podSpec([{ name: "sidecar", image: "proxy:1" }])), { fieldManager: "injector" });
    const both = store.apply(deployment("web", podSpec([{ name: "app", image: "app:2" }])), {
      fieldManager: "vela-ts",
    });
    expect(both["spec"]).toEqual(
      podSpec([
        { name: "app", image: "app:2" },
        { name: "sidecar", image: "proxy:1" },
      ]),
    );
    expect(both.metadata.generation).toBe(3);
    const withoutApp = store.apply(deployment("web", podSpec([{ name: "other", image: "o:1" }])), {
      fieldManager: "vela-ts",
    });
    expect(withoutApp["spec"]).toEqual(
      podSpec([
        { name: "other", image: "o:1" },
        { name: "sidecar", image: "proxy:1" },
      ]),
    );
  });

  it("replaces atomic lists", () => {
    const { store } = newStore();
    store.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" },
      spec: { args: ["a", "b"] },
    });
    expect(
      store.apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "c" },
        spec: { args: ["c"] },
      })["spec"],
    ).toEqual({ args: ["c"] });
  });
});

describe("MemoryObjectStore delete", () => {
  function family(store: MemoryObjectStore): { owner: KubeObject; child: KubeObject; grandchild: KubeObject } {
    const owner = store.create(deployment("web"));
    const ownerRef = (parent: KubeObject) => [
      {
        apiVersion: parent.apiVersion,
        kind: parent.kind,
        name: parent.metadata.name ?? "",
        uid: parent.metadata.uid ?? "",
        controller: true,
      },
    ];
    const child = store.create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web-1", ownerReferences: ownerRef(owner) },
      spec: {},
    });
    const grandchild = store.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-1-a", ownerReferences: ownerRef(child) },
      spec: {},
    });
    return { owner, child, grandchild };
  }

  it("Background deletes dependents recursively, in one write", () => {
    const { store } = newStore();
    family(store);
    const writes = store.writeCount;
    expect(store.delete(ref("web"))).toBe(true);
    expect(store.size).toBe(0);
    expect(store.writeCount).toBe(writes + 1);
  });

  it("Orphan keeps dependents and removes their ownerReferences", () => {
    const { store } = newStore();
    family(store);
    store.delete(ref("web"), { propagationPolicy: "Orphan" });
    const child = store.get(ref("web-1", "ReplicaSet"));
    expect(child?.metadata.ownerReferences).toBeUndefined();
    expect(store.get(ref("web-1-a", "Pod", "v1"))?.metadata.ownerReferences).toHaveLength(1);
  });

  it("a dependent with another live owner only loses the reference", () => {
    const { store } = newStore();
    const a = store.create(configMap("a", {}));
    const b = store.create(configMap("b", {}));
    const refs = [a, b].map((owner) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: owner.metadata.name ?? "",
      uid: owner.metadata.uid ?? "",
    }));
    store.create(configMap("shared", {}, { ownerReferences: refs }));
    store.delete(ref("a", "ConfigMap", "v1"));
    expect(store.get(ref("shared", "ConfigMap", "v1"))?.metadata.ownerReferences?.map((owner) => owner.name)).toEqual([
      "b",
    ]);
  });

  it("returns false for a missing object", () => {
    const { store } = newStore();
    expect(store.delete(ref("ghost"))).toBe(false);
  });

  it("an object with finalizers gets a deletionTimestamp and goes when the last finalizer is removed", () => {
    const { store, clock } = newStore();
    store.create(configMap("guarded", {}, { finalizers: ["example.com/cleanup"] }));
    clock.advanceSeconds(10);
    store.delete(ref("guarded", "ConfigMap", "v1"));
    const marked = store.get(ref("guarded", "ConfigMap", "v1"));
    expect(marked?.metadata.deletionTimestamp).toBe("2026-01-01T00:00:10Z");
    store.patch(ref("guarded", "ConfigMap", "v1"), { type: "merge", patch: { metadata: { finalizers: null } } });
    expect(store.get(ref("guarded", "ConfigMap", "v1"))).toBeUndefined();
  });
});

describe("MemoryObjectStore list", () => {
  it("filters by namespace, label and field selectors and sorts by namespace then name", () => {
    const { store } = newStore();
    store.create(configMap("b", {}, { namespace: "prod", labels: { app: "web", tier: "front" } }));
    store.create(configMap("a", {}, { namespace: "prod", labels: { app: "web" } }));
    store.create(configMap("c", {}, { namespace: "dev", labels: { app: "api" } }));
    const names = (list: readonly KubeObject[]): string[] =>
      list.map((object) => `${object.metadata.namespace}/${object.metadata.name}`);
    expect(names(store.list("v1", "ConfigMap"))).toEqual(["dev/c", "prod/a", "prod/b"]);
    expect(names(store.list("v1", "ConfigMap", { namespace: "prod" }))).toEqual(["prod/a", "prod/b"]);
    expect(names(store.list("v1", "ConfigMap", { labelSelector: "app=web,!tier" }))).toEqual(["prod/a"]);
    expect(names(store.list("v1", "ConfigMap", { labelSelector: "app in (api,web)" }))).toEqual([
      "dev/c",
      "prod/a",
      "prod/b",
    ]);
    expect(names(store.list("v1", "ConfigMap", { fieldSelector: "metadata.name=b" }))).toEqual(["prod/b"]);
    expect(store.findInconsistencies()).toEqual([]);
  });

  it("sees every served version of a kind", () => {
    const { store } = newStore();
    store.create({
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "r" },
      spec: {},
    });
    expect(store.list("rollouts.kruise.io/v1beta1", "Rollout").map((object) => object.metadata.name)).toEqual(["r"]);
  });
});

describe("MemoryObjectStore admission", () => {
  const pauser: SimulatedAdmission = {
    name: "pause-on-change",
    addon: "kruise-rollout",
    admit(operation, incoming, existing) {
      if (operation !== "UPDATE" || existing === undefined) return incoming;
      return { ...incoming, spec: { ...(incoming["spec"] as object), paused: true } };
    },
  };

  it.each([
    { name: "runs on update when its addon is enabled", addons: ["kruise-rollout"], paused: true },
    { name: "is skipped when its addon is disabled", addons: [], paused: undefined },
  ])("$name", ({ addons, paused }) => {
    const { store } = newStore({ admissions: [pauser], enabledAddons: new Set(addons) });
    store.apply(deployment("web", { replicas: 1 }));
    const updated = store.apply(deployment("web", { replicas: 2 }));
    expect((updated["spec"] as Record<string, unknown>)["paused"]).toBe(paused);
  });

  it("a denying admission fails the write with its error", () => {
    const deny: SimulatedAdmission = {
      name: "deny",
      admit() {
        throw new ConflictError("denied by test");
      },
    };
    const { store } = newStore({ admissions: [deny] });
    expect(thrown(() => store.create(deployment("web")))).toBeInstanceOf(ConflictError);
    expect(store.size).toBe(0);
  });
});

describe("MemoryObjectStore change feed", () => {
  it("tells subscribers about each write", () => {
    const { store } = newStore();
    const seen: string[] = [];
    store.subscribe((changes) =>
      seen.push(
        ...changes.map(
          (change) => `${change.type} ${change.object.metadata.name} ${change.object.metadata.resourceVersion}`,
        ),
      ),
    );
    store.create(configMap("a", {}));
    store.patch(ref("a", "ConfigMap", "v1"), { type: "merge", patch: { data: { k: "v" } } });
    store.delete(ref("a", "ConfigMap", "v1"));
    expect(seen).toEqual(["ADDED a 1", "MODIFIED a 2", "DELETED a 3"]);
  });
});

describe("MemoryObjectStore shared subtrees", () => {
  const template = () => ({
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "app", image: "nginx:1.25", ports: [{ containerPort: 80 }] }] },
  });

  it("stores identical subtrees of different objects once", () => {
    const { store } = newStore();
    const a = store.create(deployment("a", { replicas: 1, template: template() }));
    const b = store.create(deployment("b", { replicas: 2, template: template() }));
    expect((a["spec"] as Record<string, unknown>)["template"]).toBe((b["spec"] as Record<string, unknown>)["template"]);
    expect(store.get(ref("a"))?.["spec"]).toEqual({ replicas: 1, template: template() });
  });

  it("keeps every stored object deeply frozen, so sharing never leaks a change", () => {
    const { store } = newStore();
    store.create(deployment("a", { replicas: 1, template: template() }));
    const b = store.create(deployment("b", { replicas: 2, template: template() }));
    const containers = (b["spec"] as { template: { spec: { containers: { image: string }[] } } }).template.spec
      .containers;
    expect(
      thrown(() => {
        (containers[0] as { image: string }).image = "changed";
      }),
    ).toBeInstanceOf(TypeError);
    expect(store.get(ref("a"))?.["spec"]).toEqual({ replicas: 1, template: template() });
  });

  it("does not freeze or keep the object a client passed in", () => {
    const { store } = newStore();
    const object = deployment("a", { replicas: 1, template: template() });
    store.create(object);
    (object["spec"] as { replicas: number }).replicas = 7;
    expect(Object.isFrozen(object["spec"])).toBe(false);
    expect(store.get(ref("a"))?.["spec"]).toMatchObject({ replicas: 1 });
  });

  it("writes a status without copying the rest, and the rest stays shared", () => {
    const { store } = newStore();
    const created = store.create(deployment("a", { replicas: 1, template: template() }));
    const updated = store.updateStatus({ ...created, status: { readyReplicas: 1 } });
    expect(updated["spec"]).toBe(created["spec"]);
    expect(updated["status"]).toEqual({ readyReplicas: 1 });
    expect(created["status"]).toBeUndefined();
    expect(store.findInconsistencies()).toEqual([]);
  });

  it("keeps the label index right as a label value goes from one object to several and back", () => {
    const { store } = newStore();
    store.create(configMap("one", { a: "1" }, { labels: { app: "shop" } }));
    store.create(configMap("two", { a: "2" }, { labels: { app: "shop" } }));
    const names = (): (string | undefined)[] =>
      store.list("v1", "ConfigMap", { labelSelector: "app=shop" }).map((object) => object.metadata.name);
    expect(names()).toEqual(["one", "two"]);
    store.delete(ref("one", "ConfigMap", "v1"));
    expect(names()).toEqual(["two"]);
    expect(store.findInconsistencies()).toEqual([]);
    store.delete(ref("two", "ConfigMap", "v1"));
    expect(names()).toEqual([]);
    expect(store.list("v1", "ConfigMap", { labelSelector: "app" })).toEqual([]);
    expect(store.findInconsistencies()).toEqual([]);
  });
});

describe("MemoryObjectStore list ownership (atomic unless the schema keys the list)", () => {
  const tracker = (resources: Record<string, string>[]): KubeObject => ({
    apiVersion: "core.oam.dev/v1beta1",
    kind: "ResourceTracker",
    metadata: { name: "app-v1-default" },
    spec: { managedResources: resources },
  });
  const deploymentWeb = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
  const serviceWeb = { apiVersion: "v1", kind: "Service", name: "web" };
  const serviceDb = { apiVersion: "v1", kind: "Service", name: "db" };

  it("replaces a list of named items whole: a tracker dropping one of two same-named objects keeps the other", () => {
    const { store } = newStore();
    store.apply(tracker([deploymentWeb, serviceDb]));
    store.apply(tracker([deploymentWeb, serviceWeb]));
    const applied = store.apply(tracker([serviceWeb]));
    expect(applied["spec"]).toEqual({ managedResources: [serviceWeb] });
    expect(applied.metadata.managedFields?.[0]).toMatchObject({ fieldsV1: { "f:spec": { "f:managedResources": {} } } });
  });

  it("makes another manager's different list a conflict, as the API server does for an atomic list", () => {
    const { store } = newStore();
    store.apply(tracker([deploymentWeb]), { fieldManager: "a" });
    const error = thrown(() => store.apply(tracker([serviceDb]), { fieldManager: "b" }));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toBe(
      'apply failed with 1 conflict: conflict with "a": .spec.managedResources',
    );
  });

  it("still merges the lists Kubernetes keys (containers by name) item by item", () => {
    const { store } = newStore();
    const pod = (containers: Record<string, string>[]): KubeObject => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers },
    });
    store.apply(pod([{ name: "app", image: "nginx" }]), { fieldManager: "a" });
    const merged = store.apply(pod([{ name: "sidecar", image: "envoy" }]), { fieldManager: "b" });
    const containers = (merged["spec"] as { containers: { name: string }[] }).containers;
    expect(containers.map((container) => container.name).sort()).toEqual(["app", "sidecar"]);
  });
});
