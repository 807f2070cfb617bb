import { describe, expect, it } from "vitest";
import { ClusterError, NotFoundError, VelaError, type ErrorCode } from "../../../src/errors/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import type { ControllerChange, SimulatedController } from "../../../src/cluster/sandbox/controller-contract.js";
import { assertConverged } from "../../../src/cluster/sandbox/runner.js";
import { memorySandbox } from "../../support/sandbox.js";

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data,
});

/** Copies every ConfigMap `x` to `x-copy` (one write per source), then stops. */
const copier: SimulatedController = {
  name: "copier",
  reconcile(view) {
    return view
      .list("v1", "ConfigMap")
      .filter(
        (object) =>
          !(object.metadata.name ?? "").endsWith("-copy") &&
          view.get({
            apiVersion: "v1",
            kind: "ConfigMap",
            name: `${object.metadata.name}-copy`,
            namespace: "default",
          }) === undefined,
      )
      .map((object): ControllerChange => ({
        op: "create",
        object: cm(`${object.metadata.name}-copy`, object["data"] as Record<string, string>),
      }));
  },
};

/** Flips a field forever: never converges. */
const flipper: SimulatedController = {
  name: "flipper",
  reconcile(view) {
    const target = view.get({ apiVersion: "v1", kind: "ConfigMap", name: "flip", namespace: "default" });
    if (target === undefined) return [];
    const value = (target["data"] as Record<string, string>)["v"] === "a" ? "b" : "a";
    return [
      {
        op: "patch",
        ref: { apiVersion: "v1", kind: "ConfigMap", name: "flip", namespace: "default" },
        body: { type: "merge", patch: { data: { v: value } } },
      },
    ];
  },
};

describe("settle", () => {
  it("runs controllers to a fixed point and counts writes", () => {
    const sandbox = memorySandbox({ objects: [cm("a"), cm("b")], controllers: [copier] });
    const result = sandbox.settle();
    expect(result).toMatchObject({ converged: true, writes: 2, passes: 2, errors: [] });
    expect(sandbox.store.list("v1", "ConfigMap").map((object) => object.metadata.name)).toEqual([
      "a",
      "a-copy",
      "b",
      "b-copy",
    ]);
    expect(
      sandbox.store.get({ apiVersion: "v1", kind: "ConfigMap", name: "a-copy", namespace: "default" })?.metadata
        .managedFields?.[0]?.manager,
    ).toBe("copier");
  });

  it("reports non-convergence naming the controllers still writing", () => {
    const sandbox = memorySandbox({ objects: [cm("flip", { v: "a" })], controllers: [flipper], maxPasses: 5 });
    const result = sandbox.settleUnchecked();
    expect(result).toMatchObject({ converged: false, passes: 5, writes: 5, stillWriting: ["flipper"] });
    let error: unknown;
    try {
      assertConverged(result);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).code).toBe("E_SANDBOX_NOT_CONVERGED");
    expect((error as ClusterError).message).toContain("still writing: flipper");
  });

  it("drops the rest of a controller's changes after a stale resourceVersion and retries next pass", () => {
    let calls = 0;
    const stale: SimulatedController = {
      name: "stale",
      reconcile(view) {
        calls++;
        const target = view.get({ apiVersion: "v1", kind: "ConfigMap", name: "t", namespace: "default" });
        if (target === undefined || (target["data"] as Record<string, string>)["done"] === "yes") return [];
        const bumped = { ...structuredClone(target), data: { step: String(calls) } } as KubeObject;
        const finished = { ...structuredClone(target), data: { done: "yes" } } as KubeObject;
        // The second update carries the resourceVersion read before the first: a 409, so the pass ends.
        return [
          { op: "update", object: bumped },
          { op: "update", object: finished },
          { op: "create", object: cm(`never-${calls}`) },
        ];
      },
    };
    const sandbox = memorySandbox({ objects: [cm("t")], controllers: [stale], maxPasses: 3 });
    const result = sandbox.settleUnchecked();
    expect(result.errors).toEqual([]);
    expect(sandbox.store.list("v1", "ConfigMap").map((object) => object.metadata.name)).toEqual(["t"]);
    expect(result.converged).toBe(false);
  });

  it("records a VelaError from a change or from reconcile as a controller error, without crashing", () => {
    const broken: SimulatedController = {
      name: "broken",
      reconcile() {
        return [{ op: "update", object: cm("missing") }];
      },
    };
    const throwing: SimulatedController = {
      name: "throwing",
      reconcile() {
        throw new VelaError("E_TEST" as ErrorCode, "cannot reconcile"); // a code no real stage uses
      },
    };
    const sandbox = memorySandbox({ controllers: [broken, throwing] });
    const result = sandbox.settle();
    expect(result.converged).toBe(true);
    expect(result.errors.map((failure) => [failure.controller, failure.error.code])).toEqual([
      ["broken", "E_NOT_FOUND"],
      ["throwing", "E_TEST"],
    ]);
    expect(result.errors[0]?.error).toBeInstanceOf(NotFoundError);
  });

  it.each([
    { name: "runs an addon controller when the addon is enabled", addons: ["extra"], copies: 1 },
    { name: "skips an addon controller when the addon is disabled", addons: [], copies: 0 },
  ])("$name", ({ addons, copies }) => {
    const sandbox = memorySandbox({
      objects: [cm("a")],
      controllers: [{ ...copier, addon: "extra" }],
      enabledAddons: addons,
    });
    sandbox.settle();
    expect(
      sandbox.store.list("v1", "ConfigMap").filter((object) => object.metadata.name?.endsWith("-copy")),
    ).toHaveLength(copies);
  });

  it("nextWakeAt is the earliest wake of the enabled controllers", () => {
    const at = (iso: string): SimulatedController => ({
      name: iso,
      reconcile: () => [],
      nextWakeAt: () => new Date(iso),
    });
    const sandbox = memorySandbox({
      controllers: [
        at("2026-01-01T00:05:00Z"),
        at("2026-01-01T00:01:00Z"),
        { ...at("2026-01-01T00:00:30Z"), addon: "off" },
      ],
      enabledAddons: [],
    });
    expect(sandbox.nextWakeAt()?.toISOString()).toBe("2026-01-01T00:01:00.000Z");
  });
});
