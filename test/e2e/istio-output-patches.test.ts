/**
 * The output patches the Istio canary steps apply (src/reconciler/component-patches.ts): replace
 * (retainKeys) semantics on the paths the steps name, the apply order they ask for, and state keep
 * keeping what a step applied.
 */
import { describe, expect, it } from "vitest";
import type { TrackedResource } from "../../src/cluster/tracker.js";
import {
  ANNOTATION_PATCHED_BY_STEP,
  keepStepPatches,
  patchComponentOutputs,
} from "../../src/reconciler/component-patches.js";
import { trafficPatches } from "../../src/reconciler/steps/istio-canary.js";
import { VelaError } from "../../src/errors/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import type { ComponentManifest } from "../../src/render/index.js";
import type { JsonObject } from "../../src/util/index.js";

function object(apiVersion: string, kind: string, spec: JsonObject): KubeObject {
  return { apiVersion, kind, metadata: { name: "reviews", namespace: "default" }, spec };
}

const VS = object("networking.istio.io/v1alpha3", "VirtualService", {
  hosts: ["reviews"],
  http: [{ route: [{ destination: { host: "reviews", port: { number: 9080 } } }] }],
});
const DR = object("networking.istio.io/v1alpha3", "DestinationRule", {
  host: "reviews",
  subsets: [{ name: "reviews-v2", labels: { "app.oam.dev/revision": "reviews-v2" } }],
  trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } },
});
const ROLLOUT = object("standard.oam.dev/v1alpha1", "Rollout", {
  targetRevisionName: "reviews-v2",
  rolloutPlan: { targetSize: 2, rolloutStrategy: "IncreaseFirst" },
});

function manifest(): ComponentManifest {
  const trait = (type: string, index: number, outputs: { name: string; object: KubeObject }[]) => ({
    type,
    index,
    opsOnly: false,
    manageWorkload: type === "rollout",
    outputs,
    properties: {},
  });
  return {
    name: "reviews",
    type: "webservice",
    namespace: "default",
    revision: "reviews-v2",
    outputs: [],
    traits: [
      trait("rollout", 0, [{ name: "rollout", object: ROLLOUT }]),
      trait("canary-traffic", 1, [
        { name: "destinationRule", object: DR },
        { name: "virtualService", object: VS },
      ]),
    ],
    opsOnlyTraits: [],
    manageWorkload: true,
    properties: {},
    context: {},
  };
}

function outputsOf(patched: ComponentManifest): Record<string, KubeObject> {
  return Object.fromEntries(
    patched.traits.flatMap((trait) => trait.outputs.map((output) => [output.name, output.object])),
  );
}

describe("patchComponentOutputs (the canary steps' patches)", () => {
  it.each([
    {
      name: "weighted targets replace the route list and the whole DestinationRule spec",
      targets: [
        { revision: "reviews-v1", weight: 90 },
        { revision: "reviews-v2", weight: 10 },
      ],
      wantHttp: [
        {
          route: [
            { destination: { host: "reviews", subset: "reviews-v1" }, weight: 90 },
            { destination: { host: "reviews", subset: "reviews-v2" }, weight: 10 },
          ],
        },
      ],
      wantSubsets: ["reviews-v1", "reviews-v2"],
    },
    {
      name: "one target takes everything",
      targets: [{ revision: "reviews-v1", weight: 100 }],
      wantHttp: [{ route: [{ destination: { host: "reviews", subset: "reviews-v1" }, weight: 100 }] }],
      wantSubsets: ["reviews-v1"],
    },
  ])("$name", ({ targets, wantHttp, wantSubsets }) => {
    const patched = outputsOf(
      patchComponentOutputs(manifest(), {
        outputPatches: trafficPatches("reviews", targets),
        patchedBy: "rollout-1st-batch",
      }),
    );
    expect((patched.virtualService?.spec as JsonObject).http).toEqual(wantHttp);
    expect((patched.virtualService?.spec as JsonObject).hosts).toEqual(["reviews"]);
    const dr = patched.destinationRule?.spec as JsonObject;
    expect(Object.keys(dr).sort()).toEqual(["host", "subsets"]);
    expect((dr.subsets as JsonObject[]).map((subset) => subset.name)).toEqual(wantSubsets);
    expect(patched.virtualService?.metadata.annotations?.[ANNOTATION_PATCHED_BY_STEP]).toBe("rollout-1st-batch");
    expect(patched.rollout).toBe(ROLLOUT);
  });

  it.each([
    { name: "default: the render's order", applyFirst: [], want: ["rollout", "destinationRule", "virtualService"] },
    {
      name: "traffic first",
      applyFirst: ["virtualService", "destinationRule"],
      want: ["virtualService", "destinationRule", "rollout"],
    },
  ])("apply order: $name", ({ applyFirst, want }) => {
    const patched = patchComponentOutputs(manifest(), { outputPatches: [], patchedBy: "step", applyFirst });
    expect(patched.traits.flatMap((trait) => trait.outputs.map((output) => output.name))).toEqual(want);
  });

  it("refuses a patch for an output the component does not render", () => {
    const patch = (): ComponentManifest =>
      patchComponentOutputs(manifest(), {
        outputPatches: [{ output: "virtualservice", patch: {} }],
        patchedBy: "step",
      });
    expect(patch).toThrow(VelaError);
    expect(patch).toThrow(/no output named "virtualservice"/);
  });

  it("refuses a patch that removes the object's envelope, as a user error (not a vela-ts bug)", () => {
    const patch = (): ComponentManifest =>
      patchComponentOutputs(manifest(), {
        outputPatches: [{ output: "rollout", patch: { metadata: null } }],
        patchedBy: "shrink",
      });
    let thrown: unknown;
    try {
      patch();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VelaError);
    expect((thrown as VelaError).code).toBe("E_PATCH_INVALID");
    expect((thrown as VelaError).message).toContain('step "shrink" patches output "rollout" into something');
  });
});

describe("keepStepPatches (state keep)", () => {
  it("keeps the objects a step applied and re-renders the rest", () => {
    const patched = outputsOf(
      patchComponentOutputs(manifest(), {
        outputPatches: [{ output: "rollout", patch: { spec: { targetRevisionName: "reviews-v1" } } }],
        patchedBy: "rollback",
      }),
    );
    const tracked = (object: KubeObject): TrackedResource => ({
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: "reviews",
      namespace: "default",
      raw: object as unknown as JsonObject,
    });
    const recorded = [tracked(patched.rollout as KubeObject), tracked(VS)];
    const kept = outputsOf(keepStepPatches(manifest(), recorded));
    expect((kept.rollout?.spec as JsonObject).targetRevisionName).toBe("reviews-v1");
    expect(kept.virtualService).toBe(VS);
    expect(kept.destinationRule).toBe(DR);
  });
});
