import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildRevisionSnapshot,
  computeRevisionHash,
  decideRevision,
  mergeOpsOnlyTraits,
  parseRevisionNumber,
  revisionsToPrune,
  selectRollbackTarget,
  stripOpsOnlyTraits,
  unifiedDiff,
  nextComponentRevisions,
  type ApplicationSnapshot,
  type DefinitionSnapshots,
  type RevisionRecord,
} from "../../src/revision/index.js";
import type { JsonObject } from "../../src/util/index.js";

const isOpsOnly = (type: string): boolean => type === "scaler";

function app(image: string, replicas: number, extra: JsonObject = {}): ApplicationSnapshot {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name: "web", namespace: "default", annotations: { "app.oam.dev/publishVersion": "v1" } },
    spec: {
      components: [
        {
          name: "web",
          type: "webservice",
          properties: { image, ...extra },
          traits: [
            { type: "labels", properties: { team: "a" } },
            { type: "scaler", properties: { replicas } },
          ],
        },
      ],
    },
  };
}

const definitions: DefinitionSnapshots = {
  componentDefinitions: {
    webservice: { spec: { workload: { definition: { apiVersion: "apps/v1", kind: "Deployment" } } } },
  },
  traitDefinitions: { labels: { spec: {} }, scaler: { spec: { skipRevisionAffect: true } } },
  policyDefinitions: {},
  workflowStepDefinitions: {},
};

const hashOf = (snapshot: ApplicationSnapshot, defs = definitions): string =>
  computeRevisionHash(buildRevisionSnapshot(snapshot, defs, isOpsOnly));

describe("revision snapshot and hash", () => {
  it("ignores ops-only trait values and the ops-only trait definition", () => {
    const changedScalerDef = {
      ...definitions,
      traitDefinitions: {
        ...definitions.traitDefinitions,
        scaler: { spec: { skipRevisionAffect: true, note: "edited" } },
      },
    };
    expect(hashOf(app("nginx:1", 3))).toBe(hashOf(app("nginx:1", 5)));
    expect(hashOf(app("nginx:1", 3))).toBe(hashOf(app("nginx:1", 3), changedScalerDef));
  });

  it("changes with the image, a release trait or a definition used", () => {
    const base = hashOf(app("nginx:1", 3));
    expect(hashOf(app("nginx:2", 3))).not.toBe(base);
    const changedLabelsDef = {
      ...definitions,
      traitDefinitions: { ...definitions.traitDefinitions, labels: { spec: { changed: true } } },
    };
    expect(hashOf(app("nginx:1", 3), changedLabelsDef)).not.toBe(base);
  });

  it("is 16 hex digits and independent of key order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.integer()), (properties) => {
        const forward = app("nginx:1", 3, properties);
        const reversedProps = Object.fromEntries(Object.entries({ image: "nginx:1", ...properties }).reverse());
        const reversed = {
          ...forward,
          spec: { components: [{ ...(forward.spec.components as JsonObject[])[0], properties: reversedProps }] },
        };
        expect(hashOf(forward)).toMatch(/^[0-9a-f]{16}$/);
        expect(hashOf(reversed as ApplicationSnapshot)).toBe(hashOf(forward));
      }),
    );
  });
});

describe("ops-only traits", () => {
  it("strips them from every component", () => {
    expect(stripOpsOnlyTraits(app("nginx:1", 3).spec, isOpsOnly)).toEqual({
      components: [
        {
          name: "web",
          type: "webservice",
          properties: { image: "nginx:1" },
          traits: [{ type: "labels", properties: { team: "a" } }],
        },
      ],
    });
  });

  it.each([
    {
      name: "current ops values win over the target's",
      target: app("nginx:1", 3).spec,
      current: app("nginx:2", 5).spec,
      want: [
        { type: "labels", properties: { team: "a" } },
        { type: "scaler", properties: { replicas: 5 } },
      ],
    },
    {
      name: "an ops trait removed since the target stays removed",
      target: app("nginx:1", 3).spec,
      current: { components: [{ name: "web", type: "webservice", properties: { image: "nginx:2" } }] },
      want: [{ type: "labels", properties: { team: "a" } }],
    },
    {
      name: "an ops trait keeps its place before the release traits that read what it set",
      target: app("nginx:1", 3).spec,
      current: {
        components: [
          {
            name: "web",
            type: "webservice",
            properties: { image: "nginx:2" },
            traits: [
              { type: "scaler", properties: { replicas: 5 } },
              { type: "labels", properties: { team: "b" } },
            ],
          },
        ],
      },
      want: [
        { type: "scaler", properties: { replicas: 5 } },
        { type: "labels", properties: { team: "a" } },
      ],
    },
  ])("rollback merge: $name", ({ target, current, want }) => {
    const merged = mergeOpsOnlyTraits(target, current, isOpsOnly);
    expect((merged.components as JsonObject[])[0]?.traits).toEqual(want);
    expect((merged.components as JsonObject[])[0]?.properties).toEqual({ image: "nginx:1" });
  });
});

const record = (
  number: number,
  hash: string,
  publishVersion: string | undefined,
  succeeded: boolean,
): RevisionRecord => ({
  name: `web-v${number}`,
  number,
  hash,
  succeeded,
  ...(publishVersion === undefined ? {} : { publishVersion }),
});

describe("decideRevision", () => {
  it.each([
    { name: "first release", history: [], hash: "a", pv: "v1", want: { kind: "new", name: "web-v1", number: 1 } },
    {
      name: "same hash and publishVersion",
      history: [record(1, "a", "v1", true)],
      hash: "a",
      pv: "v1",
      want: { kind: "unchanged", revision: record(1, "a", "v1", true) },
    },
    {
      name: "spec edited while pinned",
      history: [record(1, "a", "v1", true)],
      hash: "b",
      pv: "v1",
      want: { kind: "pinned", revision: record(1, "a", "v1", true) },
    },
    {
      name: "new publishVersion, same spec",
      history: [record(1, "a", "v1", true)],
      hash: "a",
      pv: "v2",
      want: { kind: "new", name: "web-v2", number: 2 },
    },
    {
      name: "spec change without publishVersion",
      history: [record(1, "a", undefined, true)],
      hash: "b",
      pv: undefined,
      want: { kind: "new", name: "web-v2", number: 2 },
    },
    {
      name: "numbers never reused after pruning",
      history: [record(7, "a", undefined, true)],
      hash: "b",
      pv: undefined,
      want: { kind: "new", name: "web-v8", number: 8 },
    },
  ])("$name", ({ history, hash, pv, want }) => {
    expect(decideRevision("web", history, hash, pv)).toEqual(want);
  });

  it("compares with the current revision after a rollback, and numbers past the newest", () => {
    const history = [record(1, "a", "v1", true), record(2, "b", "v2", false)];
    expect(decideRevision("web", history, "a", "v1", "web-v1")).toEqual({
      kind: "unchanged",
      revision: record(1, "a", "v1", true),
    });
    expect(decideRevision("web", history, "b", "v2", "web-v1")).toEqual({ kind: "new", name: "web-v3", number: 3 });
  });
});

describe("selectRollbackTarget", () => {
  const history = [record(1, "a", "v1", true), record(2, "b", "v2", true), record(3, "c", "v3", false)];
  it("picks the newest older succeeded revision", () => {
    expect(selectRollbackTarget("web", history, "web-v3").name).toBe("web-v2");
  });
  it("honours --revision", () => {
    expect(selectRollbackTarget("web", history, "web-v3", 1).name).toBe("web-v1");
  });
  it.each([
    { name: "unknown revision", current: "web-v3", requested: 9, code: "E_REVISION_NOT_FOUND" },
    { name: "the current revision", current: "web-v3", requested: 3, code: "E_ROLLBACK_SAME_REVISION" },
    { name: "nothing earlier succeeded", current: "web-v1", requested: undefined, code: "E_NO_ROLLBACK_TARGET" },
  ])("refuses $name", ({ current, requested, code }) => {
    expect(() => selectRollbackTarget("web", history, current, requested)).toThrow(
      expect.objectContaining({ code }) as Error,
    );
  });
});

describe("revision helpers", () => {
  it("parses revision numbers in the forms users type", () => {
    expect([
      parseRevisionNumber("web", "2"),
      parseRevisionNumber("web", "v3"),
      parseRevisionNumber("web", "web-v4"),
      parseRevisionNumber("web", "x"),
    ]).toEqual([2, 3, 4, undefined]);
  });

  it("prunes the oldest beyond the limit, keeping the latest and protected ones", () => {
    const history = [1, 2, 3, 4, 5].map((n) => record(n, String(n), undefined, true));
    expect(revisionsToPrune(history, 2, new Set())).toEqual(["web-v1", "web-v2"]);
    expect(revisionsToPrune(history, 2, new Set(["web-v1"]))).toEqual(["web-v2", "web-v3"]);
    expect(revisionsToPrune(history, 10, new Set())).toEqual([]);
  });

  it("diffs two texts as a unified diff", () => {
    expect(unifiedDiff("a\nb\nc\n", "a\nB\nc\n", { before: "web-v1", after: "web-v2" })).toBe(
      "--- web-v1\n+++ web-v2\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
    );
    expect(unifiedDiff("same\n", "same\n", { before: "x", after: "y" })).toBe("");
  });
});

describe("component revisions", () => {
  const spec = (reviewsImage: string, ratingsImage: string): JsonObject => ({
    components: [
      { name: "reviews", type: "webservice", properties: { image: reviewsImage } },
      { name: "ratings", type: "webservice", properties: { image: ratingsImage } },
    ],
  });

  it("numbers each component separately and only moves a changed one", () => {
    const first = nextComponentRevisions(spec("r:2", "x:1"), undefined, []);
    expect(Object.fromEntries(Object.entries(first).map(([key, value]) => [key, value.name]))).toEqual({
      reviews: "reviews-v1",
      ratings: "ratings-v1",
    });
    const second = nextComponentRevisions(spec("r:3", "x:1"), first, [first]);
    expect(second.reviews?.name).toBe("reviews-v2");
    expect(second.ratings).toEqual(first.ratings);
  });

  it("takes externalRevision as given", () => {
    const revisions = nextComponentRevisions(
      { components: [{ name: "a", type: "webservice", externalRevision: "a-blue" }] },
      undefined,
      [],
    );
    expect(revisions.a?.name).toBe("a-blue");
  });
});
