/**
 * Helm's `pkg/chartutil` unit tests (Helm 3: `coalesce_test.go`, `dependencies_test.go`,
 * `values_test.go`, `jsonschema_test.go`, `capabilities_test.go`, `validate_name_test.go`,
 * `compatible_test.go`, `chartfile_test.go`, `errors_test.go`), ported as table tests. The expected
 * values and messages are Helm's; the charts are ours, holding what each test's testdata chart holds
 * (read from the test's own expectations where the testdata is a binary or was not at hand).
 *
 * Internal entry points stand in for Helm's exported functions: `coalesceValues` is
 * `CoalesceValues`/`MergeValues`, `coalesceValueTables` is `CoalesceTables`/`MergeTables`,
 * `resolveDependencies` is `ProcessDependencies` (enabled charts, aliases, import-values) and the
 * rendered `.Values` (a `chartutil.Values` with `Table`/`PathValue`) is `ToRenderValues`.
 * NOT_EXPRESSIBLE lists what cannot be ported, with the reason.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  loadChartDirectory,
  renderChartTemplates,
  renderTemplateString,
  type LoadedChart,
  type RenderChartOptions,
} from "../../src/chart/index.js";
import { semverSatisfies } from "../../src/chart/template/semver.js";
import {
  coalesceValueTables,
  coalesceValues,
  resolveDependencies,
  scopeValues,
  type ResolvedChart,
} from "../../src/chart/values.js";
import { readYaml } from "../../src/chart/yaml.js";
import { VelaError } from "../../src/errors/index.js";
import { chartOf } from "./support/chart-builder.js";

type Files = Record<string, string>;
type Values = Record<string, unknown>;

const chartYaml = (name: string, extra = ""): string => `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n${extra}`;

/** `{{ tpl }}` over plain data with Go's text/template alone (Helm's `ttpl` helper). */
const ttpl = (template: string, data: unknown): string => renderTemplateString(template, data, { functions: "go" });

function render(chart: LoadedChart, template: string, options: Partial<RenderChartOptions> = {}): string {
  const withTemplate = chartOf({ ...filesOf(chart), "templates/probe": template }, chart.metadata.name);
  return renderChartTemplates(withTemplate, { releaseName: "release", namespace: "default", ...options }).get(
    `${chart.metadata.name}/templates/probe`,
  ) as string;
}

/** The files a chart was built from (kept beside it, so a probe template can be added). */
const sources = new WeakMap<LoadedChart, Files>();
function build(files: Files, name: string): LoadedChart {
  const chart = chartOf(files, name);
  sources.set(chart, files);
  return chart;
}
function filesOf(chart: LoadedChart): Files {
  return sources.get(chart) ?? {};
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(VelaError);
    return (error as Error).message;
  }
  throw new Error("expected a failure");
}

/** Helm's `Values.PathValue` over plain data, for checking computed values. */
function pathValue(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key))
      throw new Error(`${path}: no value`);
    current = (current as Values)[key];
  }
  return current;
}

/** Helm's `extractChartNames`: every enabled chart's path (`parent.child`), sorted. */
function chartNames(root: ResolvedChart): string[] {
  const out: string[] = [];
  const walk = (node: ResolvedChart, prefix: string): void => {
    const path = prefix === "" ? node.metadata.name : `${prefix}.${node.metadata.name}`;
    out.push(path);
    for (const sub of node.subcharts) walk(sub, path);
  };
  walk(root, "");
  return out.sort();
}

/** Tests of Helm 3's pkg/chartutil that cannot be ported, and why. */
export const NOT_EXPRESSIBLE: Readonly<Record<string, string>> = {
  TestCoalesceValuesWarnings: "checks the warnings Helm logs while coalescing (log output, not values or errors)",
  TestConcatPrefix: "an unexported string helper of coalesce.go",
  "TestLoadDependency (Chart.lock part)": "Chart.lock is not read: rendering never uses it",
  TestProcessDependencyImportValuesForEnabledCharts:
    "its subcharts exist only as .tgz testdata whose values were not at hand",
  TestValidateMetadataName: "object-name validation belongs to helm lint, which this engine does not run",
  "create_test.go, save_test.go, expand_test.go":
    "helm create, helm package and archive expansion to disk are not part of rendering",
  "TestValidateAgainstInvalidSingleSchema, TestHTTPURLLoader_Load":
    "Helm 3.18's jsonschema/v6 meta-schema and remote $ref loading; schemas are checked with gojsonschema's (Helm ≤3.17) wording",
};

describe("Helm pkg/chartutil coalesce_test.go", () => {
  const testCoalesceValuesYaml = [
    "top: yup",
    "bottom: null",
    "right: Null",
    "left: NULL",
    "front: ~",
    'back: ""',
    "nested:",
    "  boat: null",
    "",
    "global:",
    "  name: Ishmael",
    "  subject: Queequeg",
    "  nested:",
    "    boat: true",
    "",
    "pequod:",
    "  boat: null",
    "  global:",
    "    name: Stinky",
    "    harpooner: Tashtego",
    "    nested:",
    "      boat: false",
    "      sail: true",
    "      foo2: null",
    "  ahab:",
    "    scope: whale",
    "    boat: null",
    "    nested:",
    "      foo: true",
    "      boat: null",
    "    object: null",
    "",
  ].join("\n");

  /** moby → pequod → ahab, and spouter, as Helm's test builds them with AddDependency. */
  function moby(withParentOverrides: boolean): LoadedChart {
    const mobyValues = [
      "back: exists",
      "bottom: exists",
      "front: exists",
      "left: exists",
      "name: moby",
      "nested:",
      "  boat: true",
      "override: bad",
      "right: exists",
      "scope: moby",
      "top: nope",
      "global:",
      "  nested2:",
      "    l0: moby",
      ...(withParentOverrides
        ? ["pequod:", "  boat: maybe", "  ahab:", "    boat: maybe", "    nested:", "      boat: maybe"]
        : []),
    ].join("\n");
    const pequodValues = [
      "name: pequod",
      "scope: pequod",
      "global:",
      "  nested2:",
      "    l1: pequod",
      ...(withParentOverrides ? ["boat: false", "ahab:", "  boat: false", "  nested:", "    boat: false"] : []),
    ].join("\n");
    const ahabValues = [
      "global:",
      "  nested:",
      "    foo: bar",
      ...(withParentOverrides ? ["    foo2: bar2"] : []),
      "  nested2:",
      "    l2: ahab",
      "scope: ahab",
      "name: ahab",
      "boat: true",
      "nested:",
      "  foo: false",
      withParentOverrides ? "  boat: true" : "  bar: true",
      ...(withParentOverrides ? ["object:", "  foo: bar"] : []),
    ].join("\n");
    return build(
      {
        "Chart.yaml": chartYaml("moby"),
        "values.yaml": mobyValues,
        "charts/pequod/Chart.yaml": chartYaml("pequod"),
        "charts/pequod/values.yaml": pequodValues,
        "charts/pequod/charts/ahab/Chart.yaml": chartYaml("ahab"),
        "charts/pequod/charts/ahab/values.yaml": ahabValues,
        "charts/spouter/Chart.yaml": chartYaml("spouter"),
        "charts/spouter/values.yaml": "scope: spouter\nglobal:\n  nested2:\n    l1: spouter\n",
      },
      "moby",
    );
  }

  const GLOBAL_CASES: [string, string][] = [
    ["{{.top}}", "yup"],
    ["{{.back}}", ""],
    ["{{.name}}", "moby"],
    ["{{.global.name}}", "Ishmael"],
    ["{{.global.subject}}", "Queequeg"],
    ["{{.global.harpooner}}", "<no value>"],
    ["{{.pequod.name}}", "pequod"],
    ["{{.pequod.ahab.name}}", "ahab"],
    ["{{.pequod.ahab.scope}}", "whale"],
    ["{{.pequod.ahab.nested.foo}}", "true"],
    ["{{.pequod.ahab.global.name}}", "Ishmael"],
    ["{{.pequod.ahab.global.nested.foo}}", "bar"],
    ["{{.pequod.ahab.global.subject}}", "Queequeg"],
    ["{{.pequod.ahab.global.harpooner}}", "Tashtego"],
    ["{{.pequod.global.name}}", "Ishmael"],
    ["{{.pequod.global.nested.foo}}", "<no value>"],
    ["{{.pequod.global.subject}}", "Queequeg"],
    ["{{.spouter.global.name}}", "Ishmael"],
    ["{{.spouter.global.harpooner}}", "<no value>"],
    ["{{.global.nested.boat}}", "true"],
    ["{{.pequod.global.nested.boat}}", "true"],
    ["{{.spouter.global.nested.boat}}", "true"],
    ["{{.pequod.global.nested.sail}}", "true"],
    ["{{.spouter.global.nested.sail}}", "<no value>"],
    ["{{.global.nested2.l0}}", "moby"],
    ["{{.global.nested2.l1}}", "<no value>"],
    ["{{.global.nested2.l2}}", "<no value>"],
    ["{{.pequod.global.nested2.l0}}", "moby"],
    ["{{.pequod.global.nested2.l1}}", "pequod"],
    ["{{.pequod.global.nested2.l2}}", "<no value>"],
    ["{{.pequod.ahab.global.nested2.l0}}", "moby"],
    ["{{.pequod.ahab.global.nested2.l1}}", "pequod"],
    ["{{.pequod.ahab.global.nested2.l2}}", "ahab"],
    ["{{.spouter.global.nested2.l0}}", "moby"],
    ["{{.spouter.global.nested2.l1}}", "spouter"],
    ["{{.spouter.global.nested2.l2}}", "<no value>"],
  ];

  it("TestCoalesceValues: user values win, nulls delete at every level, globals flow down", () => {
    const vals = readYaml(testCoalesceValuesYaml) as Values;
    const before = JSON.stringify(vals);
    const v = coalesceValues(moby(true), vals);
    for (const [template, want] of [...GLOBAL_CASES, ["{{.pequod.ahab.global.nested.foo2}}", "<no value>"]])
      expect(ttpl(template as string, v), template).toBe(want);
    for (const key of ["bottom", "right", "left", "front"]) expect(Object.hasOwn(v, key), key).toBe(false);
    expect(Object.hasOwn(pathValue(v, "nested") as Values, "boat")).toBe(false);
    const pequod = v["pequod"] as Values;
    expect(Object.hasOwn(pequod, "boat")).toBe(false);
    const ahab = pequod["ahab"] as Values;
    expect(Object.hasOwn(ahab, "boat")).toBe(false);
    expect(Object.hasOwn(ahab["nested"] as Values, "boat")).toBe(false);
    expect(Object.hasOwn(ahab, "object")).toBe(false);
    // CoalesceValues does not mutate its argument.
    expect(JSON.stringify(vals)).toBe(before);
  });

  it("TestMergeValues: as coalescing, but nulls stay", () => {
    const vals = readYaml(testCoalesceValuesYaml.replace("      foo2: null\n", "")) as Values;
    const before = JSON.stringify(vals);
    const v = coalesceValues(moby(false), vals, true);
    for (const [template, want] of GLOBAL_CASES) expect(ttpl(template, v), template).toBe(want);
    for (const key of ["bottom", "right", "left", "front"]) {
      expect(Object.hasOwn(v, key), key).toBe(true);
      expect(v[key], key).toBeNull();
    }
    expect(Object.hasOwn(pathValue(v, "nested") as Values, "boat")).toBe(true);
    const ahab = pathValue(v, "pequod.ahab") as Values;
    expect(Object.hasOwn(ahab, "boat")).toBe(true);
    expect(Object.hasOwn(ahab["nested"] as Values, "bar")).toBe(true);
    expect(JSON.stringify(vals)).toBe(before);
  });

  const main = (): Values => ({
    name: "Ishmael",
    address: { street: "123 Spouter Inn Ct.", city: "Nantucket", country: null },
    details: { friends: ["Tashtego"] },
    boat: "pequod",
    hole: null,
  });
  const secondary = (): Values => ({
    occupation: "whaler",
    address: { state: "MA", street: "234 Spouter Inn Ct.", country: "US" },
    details: "empty",
    boat: { mast: true },
    hole: "black",
  });
  const complete = (): Values => ({
    name: "Ishmael",
    address: { street: "123 Spouter Inn Ct.", city: "Nantucket", country: "US" },
    details: { friends: ["Tashtego"] },
    boat: "pequod",
    hole: "black",
  });

  function expectCoalesced(dst: Values, nullsKept: boolean): void {
    expect(dst["name"]).toBe("Ishmael");
    expect(dst["occupation"]).toBe("whaler");
    const address = dst["address"] as Values;
    expect(address["street"]).toBe("123 Spouter Inn Ct.");
    expect(address["city"]).toBe("Nantucket");
    expect(address["state"]).toBe("MA");
    expect(Object.hasOwn(address, "country")).toBe(nullsKept);
    expect(dst["details"]).toEqual({ friends: ["Tashtego"] });
    expect(dst["boat"]).toBe("pequod");
    expect(Object.hasOwn(dst, "hole")).toBe(nullsKept);
  }

  it("TestCoalesceTables", () => {
    const dst = main();
    coalesceValueTables(dst, secondary());
    expectCoalesced(dst, false);
    // --reuse-values with nothing to add: dst is kept whole.
    const dst2 = complete();
    coalesceValueTables(dst2, undefined);
    expect(dst2).toEqual(complete());
  });

  it("TestMergeTables", () => {
    const dst = main();
    coalesceValueTables(dst, secondary(), true);
    expectCoalesced(dst, true);
    const dst2 = { ...complete(), nilval: null };
    coalesceValueTables(dst2, undefined, true);
    expect(dst2).toEqual({ ...complete(), nilval: null });
  });
});

/** Helm's `subpop` testchart: parentchart → subchart1 (subcharta, subchartb), subchart2 (subchartb, subchartc) and an alias. */
const SUBPOP: Files = {
  "Chart.yaml": [
    "apiVersion: v2",
    "name: parentchart",
    "version: 0.1.0",
    "dependencies:",
    "  - name: subchart1",
    "    version: 0.1.0",
    "    condition: subchart1.enabled",
    "    tags: [front-end, subchart1]",
    "    import-values:",
    "      - child: SC1data",
    "        parent: imported-chart1",
    "      - child: SC1data",
    "        parent: overridden-chart1",
    "      - child: imported-chartA",
    "        parent: imported-chartA",
    "      - child: imported-chartA-B",
    "        parent: imported-chartA-B",
    "      - child: overridden-chartA-B",
    "        parent: overridden-chartA-B",
    "      - child: SCBexported1A",
    "        parent: .",
    "      - SCBexported2",
    "      - SC1exported1",
    "  - name: subchart2",
    "    version: 0.1.0",
    "    condition: subchart2.enabled",
    "    tags: [back-end, subchart2]",
    "  - name: subchart2",
    "    alias: subchart2alias",
    "    version: 0.1.0",
    "    condition: subchart2alias.enabled",
    "",
  ].join("\n"),
  "values.yaml": [
    "imported-chart1:",
    '  SPextra1: "helm rocks"',
    "overridden-chart1:",
    "  SC1bool: false",
    "  SC1float: 3.141592",
    "  SC1int: 99",
    '  SC1string: "pollywog"',
    "  SPextra2: 42",
    "imported-chartA:",
    "  SPextra3: 1.337",
    "overridden-chartA:",
    "  SCAbool: true",
    "  SCAfloat: 41.3",
    "  SCAint: 808",
    '  SCAstring: "jabberwocky"',
    "  SPextra4: true",
    "imported-chartA-B:",
    '  SPextra5: "k8s"',
    "overridden-chartA-B:",
    "  SCAbool: true",
    "  SCAfloat: 41.3",
    "  SCAint: 808",
    '  SCAstring: "jabberwocky"',
    "  SCBbool: false",
    "  SCBfloat: 1.99",
    "  SCBint: 77",
    '  SCBstring: "jango"',
    "  SPextra6: 111",
    "tags:",
    "  front-end: true",
    "  back-end: false",
    "subchart2alias:",
    "  enabled: false",
    "ensurenull: null",
    "",
  ].join("\n"),
  "charts/subchart1/Chart.yaml": [
    "apiVersion: v2",
    "name: subchart1",
    "version: 0.1.0",
    "dependencies:",
    "  - name: subcharta",
    "    version: 0.1.0",
    "    condition: subcharta.enabled",
    "    tags: [front-end, subcharta]",
    "    import-values:",
    "      - child: SCAdata",
    "        parent: imported-chartA",
    "      - child: SCAdata",
    "        parent: overridden-chartA",
    "      - child: SCAdata",
    "        parent: imported-chartA-B",
    "  - name: subchartb",
    "    version: 0.1.0",
    "    condition: subchartb.enabled",
    "    import-values:",
    "      - child: SCBdata",
    "        parent: imported-chartB",
    "      - child: SCBdata",
    "        parent: imported-chartA-B",
    "      - child: exports.SCBexported2",
    "        parent: exports.SCBexported2",
    "      - SCBexported1",
    "    tags: [front-end, subchartb]",
    "",
  ].join("\n"),
  "charts/subchart1/values.yaml": [
    "SC1data:",
    "  SC1bool: true",
    "  SC1float: 3.14",
    "  SC1int: 100",
    '  SC1string: "dollywood"',
    "  SC1extra1: 11",
    "imported-chartA:",
    "  SC1extra2: 1.337",
    "overridden-chartA:",
    "  SCAbool: true",
    "  SCAfloat: 3.14",
    "  SCAint: 100",
    '  SCAstring: "jabbathehut"',
    "  SC1extra3: true",
    "imported-chartA-B:",
    '  SC1extra5: "tiller"',
    "overridden-chartA-B:",
    "  SCAbool: true",
    "  SCAfloat: 3.33",
    "  SCAint: 555",
    '  SCAstring: "wormwood"',
    "  SCAextra1: 23",
    "  SCBbool: true",
    "  SCBfloat: 0.25",
    "  SCBint: 98",
    '  SCBstring: "murkwood"',
    "  SCBextra1: 13",
    "  SC1extra6: 77",
    "SCBexported1A:",
    "  SC1extra7: true",
    "exports:",
    "  SC1exported1:",
    "    global:",
    "      SC1exported2:",
    "        all:",
    '          SC1exported3: "SC1expstr"',
    "",
  ].join("\n"),
  "charts/subchart1/charts/subchartA/Chart.yaml": chartYaml("subcharta"),
  "charts/subchart1/charts/subchartA/values.yaml":
    'SCAdata:\n  SCAbool: false\n  SCAfloat: 3.1\n  SCAint: 55\n  SCAstring: "jabba"\n  SCAnested1:\n    SCAnested2: true\n',
  "charts/subchart1/charts/subchartB/Chart.yaml": chartYaml("subchartb"),
  "charts/subchart1/charts/subchartB/values.yaml": [
    "SCBdata:",
    "  SCBbool: true",
    "  SCBfloat: 7.77",
    "  SCBint: 33",
    '  SCBstring: "boba"',
    "exports:",
    "  SCBexported1:",
    "    SCBexported1A:",
    "      SCBexported1B: 1965",
    "  SCBexported2:",
    '    SCBexported2A: "blaster"',
    "",
  ].join("\n"),
  "charts/subchart2/Chart.yaml": [
    "apiVersion: v2",
    "name: subchart2",
    "version: 0.1.0",
    "dependencies:",
    "  - name: subchartb",
    "    version: 0.1.0",
    "    condition: subchartb.enabled",
    "    tags: [back-end, subchartb]",
    "  - name: subchartc",
    "    version: 0.1.0",
    "    condition: subchartc.enabled",
    "    tags: [back-end, subchartc]",
    "",
  ].join("\n"),
  "charts/subchart2/charts/subchartB/Chart.yaml": chartYaml("subchartb"),
  "charts/subchart2/charts/subchartC/Chart.yaml": chartYaml("subchartc"),
};

/** frobnitz's Chart.yaml (Helm's `chartfiletest.yaml`): every metadata field. */
const FROBNITZ_CHART = [
  "apiVersion: v1",
  "name: frobnitz",
  "description: This is a frobnitz.",
  'version: "1.2.3"',
  "keywords:",
  "  - frobnitz",
  "  - sprocket",
  "  - dodad",
  "maintainers:",
  "  - name: The Helm Team",
  "    email: helm@example.com",
  "  - name: Someone Else",
  "    email: nobody@example.com",
  "sources:",
  "  - https://example.com/foo/bar",
  "home: http://example.com",
  "icon: https://example.com/64x64.png",
  "annotations:",
  "  extrakey: extravalue",
  "  anotherkey: anothervalue",
  "dependencies:",
  "  - name: alpine",
  '    version: "0.1.0"',
  "    repository: https://example.com/charts",
  "  - name: mariner",
  '    version: "4.3.2"',
  "    repository: https://example.com/charts",
  "",
].join("\n");

const FROBNITZ: Files = {
  "Chart.yaml": FROBNITZ_CHART,
  "charts/alpine/Chart.yaml": "apiVersion: v1\nname: alpine\nversion: 0.1.0\n",
  "charts/mariner/Chart.yaml": "apiVersion: v1\nname: mariner\nversion: 4.3.2\n",
};

describe("Helm pkg/chartutil dependencies_test.go", () => {
  it("TestLoadDependency: the dependencies of Chart.yaml", () => {
    const deps = build(FROBNITZ, "frobnitz").metadata.dependencies ?? [];
    expect(deps.map((d) => [d.name, d.version, d.repository])).toEqual([
      ["alpine", "0.1.0", "https://example.com/charts"],
      ["mariner", "4.3.2", "https://example.com/charts"],
    ]);
  });

  describe("TestDependencyEnabled", () => {
    const cases: [string, Values, string[]][] = [
      [
        "tags with no effect",
        { tags: { nothinguseful: false } },
        ["parentchart", "parentchart.subchart1", "parentchart.subchart1.subcharta", "parentchart.subchart1.subchartb"],
      ],
      ["tags disabling a group", { tags: { "front-end": false } }, ["parentchart"]],
      [
        "tags disabling a group and enabling a different group",
        { tags: { "front-end": false, "back-end": true } },
        ["parentchart", "parentchart.subchart2", "parentchart.subchart2.subchartb", "parentchart.subchart2.subchartc"],
      ],
      [
        "tags disabling only children, children still enabled since tag front-end=true in values.yaml",
        { tags: { subcharta: false, subchartb: false } },
        ["parentchart", "parentchart.subchart1", "parentchart.subchart1.subcharta", "parentchart.subchart1.subchartb"],
      ],
      [
        "tags disabling all parents/children with additional tag re-enabling a parent",
        { tags: { "front-end": false, subchart1: true, "back-end": false } },
        ["parentchart", "parentchart.subchart1"],
      ],
      [
        "conditions enabling the parent charts, but back-end (b, c) is still disabled via values.yaml",
        { subchart1: { enabled: true }, subchart2: { enabled: true } },
        [
          "parentchart",
          "parentchart.subchart1",
          "parentchart.subchart1.subcharta",
          "parentchart.subchart1.subchartb",
          "parentchart.subchart2",
        ],
      ],
      [
        "conditions disabling the parent charts, effectively disabling children",
        { subchart1: { enabled: false }, subchart2: { enabled: false } },
        ["parentchart"],
      ],
      [
        "conditions a child using the second condition path of child's condition",
        { subchart1: { subcharta: { enabled: false } } },
        ["parentchart", "parentchart.subchart1", "parentchart.subchart1.subchartb"],
      ],
      [
        "tags enabling a parent/child group with condition disabling one child",
        { subchart2: { subchartc: { enabled: false } }, tags: { "back-end": true } },
        [
          "parentchart",
          "parentchart.subchart1",
          "parentchart.subchart1.subcharta",
          "parentchart.subchart1.subchartb",
          "parentchart.subchart2",
          "parentchart.subchart2.subchartb",
        ],
      ],
      [
        "tags will not enable a child if parent is explicitly disabled with condition",
        { subchart1: { enabled: false }, tags: { "front-end": true } },
        ["parentchart"],
      ],
      [
        "subcharts with alias also respect conditions",
        { subchart1: { enabled: false }, subchart2alias: { enabled: true, subchartb: { enabled: true } } },
        ["parentchart", "parentchart.subchart2alias", "parentchart.subchart2alias.subchartb"],
      ],
    ];
    const chart = build(SUBPOP, "parentchart");
    for (const [name, values, want] of cases)
      it(name, () => {
        expect(chartNames(resolveDependencies(chart, values))).toEqual(want);
      });
  });

  it("TestProcessDependencyImportValues: both import forms, parent values over imported ones", () => {
    const expected: Record<string, string> = {
      "imported-chart1.SC1bool": "true",
      "imported-chart1.SC1float": "3.14",
      "imported-chart1.SC1int": "100",
      "imported-chart1.SC1string": "dollywood",
      "imported-chart1.SC1extra1": "11",
      "imported-chart1.SPextra1": "helm rocks",
      "imported-chartA.SCAbool": "false",
      "imported-chartA.SCAfloat": "3.1",
      "imported-chartA.SCAint": "55",
      "imported-chartA.SCAstring": "jabba",
      "imported-chartA.SPextra3": "1.337",
      "imported-chartA.SC1extra2": "1.337",
      "imported-chartA.SCAnested1.SCAnested2": "true",
      "imported-chartA-B.SCAbool": "false",
      "imported-chartA-B.SCAfloat": "3.1",
      "imported-chartA-B.SCAint": "55",
      "imported-chartA-B.SCAstring": "jabba",
      "imported-chartA-B.SCBbool": "true",
      "imported-chartA-B.SCBfloat": "7.77",
      "imported-chartA-B.SCBint": "33",
      "imported-chartA-B.SCBstring": "boba",
      "imported-chartA-B.SPextra5": "k8s",
      "imported-chartA-B.SC1extra5": "tiller",
      "overridden-chart1.SC1bool": "false",
      "overridden-chart1.SC1float": "3.141592",
      "overridden-chart1.SC1int": "99",
      "overridden-chart1.SC1string": "pollywog",
      "overridden-chart1.SPextra2": "42",
      "overridden-chartA.SCAbool": "true",
      "overridden-chartA.SCAfloat": "41.3",
      "overridden-chartA.SCAint": "808",
      "overridden-chartA.SCAstring": "jabberwocky",
      "overridden-chartA.SPextra4": "true",
      "overridden-chartA-B.SCAbool": "true",
      "overridden-chartA-B.SCAfloat": "41.3",
      "overridden-chartA-B.SCAint": "808",
      "overridden-chartA-B.SCAstring": "jabberwocky",
      "overridden-chartA-B.SCBbool": "false",
      "overridden-chartA-B.SCBfloat": "1.99",
      "overridden-chartA-B.SCBint": "77",
      "overridden-chartA-B.SCBstring": "jango",
      "overridden-chartA-B.SPextra6": "111",
      "overridden-chartA-B.SCAextra1": "23",
      "overridden-chartA-B.SCBextra1": "13",
      "overridden-chartA-B.SC1extra6": "77",
      SCBexported1B: "1965",
      SC1extra7: "true",
      SCBexported2A: "blaster",
      "global.SC1exported2.all.SC1exported3": "SC1expstr",
    };
    const defaults = resolveDependencies(build(SUBPOP, "parentchart"), {}).defaults;
    for (const [path, want] of Object.entries(expected)) expect(String(pathValue(defaults, path)), path).toBe(want);
    // Processed with merging (as helm install and template do), the null is kept.
    expect(Object.hasOwn(defaults, "ensurenull")).toBe(true);
    expect(defaults["ensurenull"]).toBeNull();
  });

  it("TestProcessDependencyImportValuesFromSharedDependencyToAliases", () => {
    const chart = build(
      {
        "Chart.yaml": chartYaml(
          "chart-with-dependency-aliased-twice",
          [
            "dependencies:",
            "  - name: child",
            "    alias: foo",
            "    version: 1.0.0",
            "    import-values:",
            "      - parent: foo-defaults",
            "        child: defaults",
            "  - name: child",
            "    alias: bar",
            "    version: 1.0.0",
            "    import-values:",
            "      - parent: bar-defaults",
            "        child: defaults",
            "",
          ].join("\n"),
        ),
        "charts/child/Chart.yaml": [
          "apiVersion: v2",
          "name: child",
          "version: 1.0.0",
          "dependencies:",
          "  - name: grandchild",
          "    version: 1.0.0",
          "    import-values:",
          "      - parent: defaults",
          "        child: defaults",
          "",
        ].join("\n"),
        "charts/child/charts/grandchild/Chart.yaml": "apiVersion: v2\nname: grandchild\nversion: 1.0.0\n",
        "charts/child/charts/grandchild/values.yaml": 'defaults:\n  defaultValue: "42"\n',
      },
      "chart-with-dependency-aliased-twice",
    );
    const merged = scopeValues(chart, {}).values;
    for (const path of [
      "foo-defaults.defaultValue",
      "bar-defaults.defaultValue",
      "foo.defaults.defaultValue",
      "bar.defaults.defaultValue",
      "foo.grandchild.defaults.defaultValue",
      "bar.grandchild.defaults.defaultValue",
    ])
      expect(pathValue(merged, path), path).toBe("42");
  });

  it("TestProcessDependencyImportValuesMultiLevelPrecedence: user > parent > imported > subchart values", () => {
    const app = (name: string, values: string, imports: boolean): Files => ({
      [`charts/${name}/Chart.yaml`]: chartYaml(
        name,
        `dependencies:\n- name: library\n  version: 0.1.0\n${imports ? "  import-values:\n    - defaults\n" : ""}`,
      ),
      [`charts/${name}/values.yaml`]: values,
      [`charts/${name}/charts/library/Chart.yaml`]: chartYaml("library"),
      [`charts/${name}/charts/library/values.yaml`]:
        "exports:\n  defaults:\n    service:\n      type: ClusterIP\n      port: 9090\n",
    });
    const chart = build(
      {
        "Chart.yaml": chartYaml(
          "umbrella",
          ["dependencies:", ...["app1", "app2", "app3", "app4"].map((a) => `- name: ${a}\n  version: 0.1.0`), ""].join(
            "\n",
          ),
        ),
        "values.yaml": "app1:\n  service:\n    port: 3456\n",
        ...app("app1", "service:\n  type: ClusterIP\n  port: 1111\n", false),
        ...app("app2", "service:\n  type: ClusterIP\n  port: 8080\n", true),
        ...app("app3", "service:\n  type: ClusterIP\n", true),
        ...app("app4", "service:\n  type: ClusterIP\n  port: 1234\n", false),
      },
      "umbrella",
    );
    const out = render(
      chart,
      '{{ range $a := list "app1" "app2" "app3" "app4" }}{{ (index $.Values $a).service.port }} {{ end }}',
    );
    expect(out).toBe("3456 8080 9090 1234 ");
  });

  it("TestGetAliasDependency: a dependency matches a chart by name and compatible version", () => {
    expect(resolveDependencies(build(FROBNITZ, "frobnitz"), {}).subcharts.map((s) => s.metadata.name)).toEqual([
      "alpine",
      "mariner",
    ]);
    // Another name, or a version outside the range, matches nothing.
    const renamed = build(
      { ...FROBNITZ, "Chart.yaml": FROBNITZ_CHART.replace("- name: alpine", "- name: something-else") },
      "frobnitz",
    );
    expect(resolveDependencies(renamed, {}).subcharts.map((s) => s.metadata.name)).toEqual(["alpine", "mariner"]);
    const incompatible = build(
      {
        ...FROBNITZ,
        "Chart.yaml": FROBNITZ_CHART.replace(
          'version: "0.1.0"',
          "version: something else which is not in the range",
        ).replace("- name: mariner", "- name: mariner\n    alias: sailor"),
      },
      "frobnitz",
    );
    // alpine (listed with a bad version) stays as an unlisted chart; mariner is renamed by its alias.
    expect(resolveDependencies(incompatible, {}).subcharts.map((s) => s.metadata.name)).toEqual(["alpine", "sailor"]);
  });

  it("TestDependentChartAliases: one chart under two aliases becomes two dependencies", () => {
    const chart = build(
      {
        ...FROBNITZ,
        "Chart.yaml": FROBNITZ_CHART.replace(
          '  - name: mariner\n    version: "4.3.2"\n    repository: https://example.com/charts\n',
          [
            "  - name: mariner",
            '    version: "4.3.2"',
            "    repository: https://example.com/charts",
            "    alias: mariners2",
            "  - name: mariner",
            '    version: "4.3.2"',
            "    repository: https://example.com/charts",
            "    alias: mariners1",
            "",
          ].join("\n"),
        ),
      },
      "frobnitz",
    );
    expect(chart.subcharts).toHaveLength(2);
    const resolved = resolveDependencies(chart, {});
    expect(resolved.subcharts.map((s) => s.metadata.name)).toEqual(["alpine", "mariners2", "mariners1"]);
    expect(resolved.subcharts).toHaveLength(chart.metadata.dependencies?.length ?? 0);
  });

  const twoSubcharts = (chartText: string): Files => ({
    "Chart.yaml": chartText,
    "charts/alpine/Chart.yaml": "apiVersion: v1\nname: alpine\nversion: 0.1.0\n",
    "charts/mariner/Chart.yaml": "apiVersion: v1\nname: mariner\nversion: 4.3.2\n",
  });

  it("TestDependentChartWithSubChartsAbsentInDependency: unlisted subcharts all stay", () => {
    const chart = build(twoSubcharts(chartYaml("frobnitz")), "frobnitz");
    expect(chart.subcharts).toHaveLength(2);
    expect(resolveDependencies(chart, {}).subcharts).toHaveLength(2);
  });

  it("TestDependentChartsWithSubchartsAllSpecifiedInDependency", () => {
    const chart = build(twoSubcharts(FROBNITZ_CHART), "frobnitz");
    const resolved = resolveDependencies(chart, {});
    expect(resolved.subcharts).toHaveLength(2);
    expect(resolved.subcharts).toHaveLength(chart.metadata.dependencies?.length ?? 0);
  });

  it("TestDependentChartsWithSomeSubchartsSpecifiedInDependency", () => {
    const chart = build(
      twoSubcharts(chartYaml("frobnitz", "dependencies:\n  - name: alpine\n    version: 0.1.0\n")),
      "frobnitz",
    );
    expect(resolveDependencies(chart, {}).subcharts).toHaveLength(2);
    expect(chart.metadata.dependencies).toHaveLength(1);
  });

  it("TestChartWithDependencyAliasedTwiceAndDoublyReferencedSubDependency: each alias has its own tree", () => {
    const chart = build(
      {
        "Chart.yaml": chartYaml(
          "chart-with-dependency-aliased-twice",
          "dependencies:\n  - name: child\n    alias: foo\n    version: 1.0.0\n  - name: child\n    alias: bar\n    version: 1.0.0\n",
        ),
        "charts/child/Chart.yaml": chartYaml(
          "child",
          "dependencies:\n  - name: grandchild\n    alias: bar\n    version: 1.0.0\n  - name: grandchild\n    alias: baz\n    version: 1.0.0\n",
        ).replace("version: 0.1.0", "version: 1.0.0"),
        "charts/child/charts/grandchild/Chart.yaml": "apiVersion: v2\nname: grandchild\nversion: 1.0.0\n",
        "charts/child/charts/grandchild/templates/cm.yaml": "{{ .Chart.Name }}",
      },
      "chart-with-dependency-aliased-twice",
    );
    expect(chart.subcharts).toHaveLength(1);
    const resolved = resolveDependencies(chart, {});
    expect(chartNames(resolved)).toEqual([
      "chart-with-dependency-aliased-twice",
      "chart-with-dependency-aliased-twice.bar",
      "chart-with-dependency-aliased-twice.bar.bar",
      "chart-with-dependency-aliased-twice.bar.baz",
      "chart-with-dependency-aliased-twice.foo",
      "chart-with-dependency-aliased-twice.foo.bar",
      "chart-with-dependency-aliased-twice.foo.baz",
    ]);
    const out = renderChartTemplates(chart, { releaseName: "r", namespace: "default" });
    expect(out.get("chart-with-dependency-aliased-twice/charts/foo/charts/baz/templates/cm.yaml")).toBe("baz");
    expect(out.get("chart-with-dependency-aliased-twice/charts/bar/charts/bar/templates/cm.yaml")).toBe("bar");
  });

  describe("loading from a directory", () => {
    const root = mkdtempSync(join(tmpdir(), "chartutil-"));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (base: string, files: Files): void => {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(base, path)), { recursive: true });
        writeFileSync(join(base, path), text);
      }
    };

    it("TestDependentChartWithSubChartsHelmignore: a subchart's own .helmignore is honoured", () => {
      write(join(root, "helmignore"), {
        ...twoSubcharts(chartYaml("frobnitz")),
        ".helmignore": "ignore/\n",
        "charts/alpine/.helmignore": "secret.txt\n",
        "charts/alpine/secret.txt": "x",
      });
      const chart = loadChartDirectory(join(root, "helmignore"));
      expect(chart.subcharts).toHaveLength(2);
    });

    it("TestDependentChartsWithSubChartsSymlink: a symlinked subchart directory loads", () => {
      write(join(root, "frobnitz"), FROBNITZ);
      write(join(root, "joonix"), { "Chart.yaml": chartYaml("joonix"), "charts/.keep": "" });
      symlinkSync(join("..", "..", "frobnitz"), join(root, "joonix", "charts", "frobnitz"));
      const chart = loadChartDirectory(join(root, "joonix"));
      expect(chart.metadata.name).toBe("joonix");
      expect(chart.subcharts).toHaveLength(1);
    });

    it("TestIsChartDir (chartfile_test.go): a directory without Chart.yaml is not a chart", () => {
      expect(loadChartDirectory(join(root, "frobnitz")).metadata.name).toBe("frobnitz");
      mkdirSync(join(root, "empty"));
      expect(failure(() => loadChartDirectory(join(root, "empty")))).toMatch(/Chart\.yaml/);
    });
  });
});

describe("Helm pkg/chartutil values_test.go", () => {
  const COLERIDGE = [
    "# Test YAML parse",
    'poet: "Coleridge"',
    'title: "Rime of the Ancient Mariner"',
    "stanza:",
    '  - "at"',
    '  - "length"',
    '  - "did"',
    "  - cross",
    "  - an",
    "  - Albatross",
    "",
    "mariner:",
    '  with: "crossbow"',
    '  shot: "ALBATROSS"',
    "",
    "water:",
    "  water:",
    '    where: "everywhere"',
    '    nor: "any drop to drink"',
    "",
  ].join("\n");
  const MOBY = [
    "",
    'title: "Moby Dick"',
    "chapter:",
    "  one:",
    '    title: "Loomings"',
    "  two:",
    '    title: "The Carpet-Bag"',
    "  three:",
    '    title: "The Spouter Inn"',
    "",
  ].join("\n");
  const valuesChart = (values: string): LoadedChart =>
    build({ "Chart.yaml": chartYaml("test"), "values.yaml": values }, "test");

  function matchValues(chart: LoadedChart): void {
    expect(
      render(
        chart,
        "{{ .Values.poet }}|{{ len .Values.stanza }}|{{ .Values.mariner.shot }}|{{ .Values.water.water.where }}",
      ),
    ).toBe("Coleridge|6|ALBATROSS|everywhere");
  }

  it("TestReadValues: a document, one key, a comment, nothing", () => {
    matchValues(valuesChart(COLERIDGE));
    for (const doc of ['poet: "Coleridge"', "# Just a comment", ""])
      expect(render(valuesChart(doc), "{{ typeOf .Values.AsMap }}"), doc).toBe("map[string]interface {}");
  });

  it("TestToRenderValues: the built-in objects and values of a render", () => {
    const chart = build(
      {
        "Chart.yaml": chartYaml("test"),
        "values.yaml": "name: al Rashid\nwhere:\n  city: Basrah\n  title: caliph\n",
        "scheherazade/shahryar.txt": "1,001 Nights",
        "charts/where/Chart.yaml": chartYaml("where"),
      },
      "test",
    );
    // Helm's test names the release "Seven Voyages"; helm template accepts DNS names only.
    const out = render(
      chart,
      [
        "{{ .Chart.Name }}|{{ .Release.Name }}|{{ .Release.Namespace }}|{{ .Release.Revision }}",
        '{{ .Release.IsUpgrade }}|{{ .Release.IsInstall }}|{{ .Capabilities.APIVersions.Has "v1" }}',
        '{{ .Capabilities.KubeVersion.Major }}|{{ .Files.Get "scheherazade/shahryar.txt" }}',
        "{{ .Values.name }}|{{ .Values.where.city }}|{{ .Values.where.date }}",
      ].join("|"),
      { releaseName: "seven-voyages", values: { name: "Haroun", where: { city: "Baghdad", date: "809 CE" } } },
    );
    expect(out).toBe("test|seven-voyages|default|1|false|true|true|1|1,001 Nights|Haroun|Baghdad|809 CE");
  });

  it("TestReadValuesFile", () => {
    matchValues(valuesChart(COLERIDGE));
  });

  it("ExampleValues: Table", () => {
    expect(render(valuesChart(MOBY), '{{ (.Values.Table "chapter.one").title }}')).toBe("Loomings");
  });

  it("TestTable", () => {
    const chart = valuesChart(MOBY);
    expect(failure(() => render(chart, '{{ .Values.Table "title" }}'))).toContain(
      'error calling Table: "title" is not a table',
    );
    expect(render(chart, '{{ len (.Values.Table "chapter") }}')).toBe("3");
    expect(render(chart, '{{ (.Values.Table "chapter.one").title }}')).toBe("Loomings");
    expect(render(chart, '{{ typeOf (.Values.Table "chapter.three") }}')).toBe("chartutil.Values");
    expect(failure(() => render(chart, '{{ .Values.Table "chapter.OneHundredThirtySix" }}'))).toContain(
      '"OneHundredThirtySix" is not a table',
    );
  });

  it("TestPathValue", () => {
    const chart = valuesChart(MOBY);
    expect(render(chart, '{{ .Values.PathValue "chapter.one.title" }}')).toBe("Loomings");
    expect(render(chart, '{{ .Values.PathValue "title" }}')).toBe("Moby Dick");
    for (const path of ["chapter.one.doesntexist", "chapter.doesntexist.one", "", "chapter"])
      expect(() => render(chart, `{{ .Values.PathValue ${JSON.stringify(path)} }}`), path).toThrow(VelaError);
  });
});

describe("Helm pkg/chartutil errors_test.go", () => {
  const chart = build({ "Chart.yaml": chartYaml("test"), "values.yaml": "a: 1\n" }, "test");
  it("TestErrorNoTableDoesNotPanic", () => {
    expect(failure(() => render(chart, '{{ .Values.Table "empty" }}'))).toContain('"empty" is not a table');
  });
  it("TestErrorNoValueDoesNotPanic", () => {
    expect(failure(() => render(chart, '{{ .Values.PathValue "empty" }}'))).toContain('"empty" is not a value');
  });
});

describe("Helm pkg/chartutil jsonschema_test.go (gojsonschema wording, Helm ≤3.17)", () => {
  const SCHEMA = JSON.stringify({
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "Values",
    type: "object",
    properties: {
      firstname: { description: "First name", type: "string" },
      lastname: { type: "string" },
      likesCoffee: { type: "boolean" },
      age: { description: "Age", type: "integer", minimum: 0 },
      employmentInfo: {
        type: "object",
        properties: { salary: { type: "number", minimum: 0 }, title: { type: "string" } },
        required: ["salary"],
      },
      addresses: {
        description: "List of addresses",
        type: "array",
        items: {
          type: "object",
          properties: { city: { type: "string" }, street: { type: "string" }, number: { type: "number" } },
        },
      },
      phoneNumbers: { type: "array", items: { type: "string" } },
    },
    required: ["firstname", "lastname", "addresses", "employmentInfo"],
  });
  const VALUES = [
    "firstname: John",
    "middlename: null",
    "lastname: Doe",
    "age: 25",
    "likesCoffee: true",
    "employmentInfo:",
    "  title: Software Developer",
    "  salary: 100000",
    "addresses:",
    "  - city: Springfield",
    "    street: Main",
    "    number: 12345",
    "  - city: New York",
    "    street: Broadway",
    "    number: 67890",
    "phoneNumbers:",
    '  - "(888) 888-8888"',
    '  - "(555) 555-5555"',
    "",
  ].join("\n");
  const NEGATIVE = VALUES.replace("age: 25", "age: -5").replace(
    "employmentInfo:\n  title: Software Developer\n  salary: 100000\n",
    "",
  );
  const schemaChart = (values: string): LoadedChart =>
    build({ "Chart.yaml": chartYaml("chrt"), "values.yaml": values, "values.schema.json": SCHEMA }, "chrt");

  it("TestValidateAgainstSingleSchema", () => {
    expect(render(schemaChart(VALUES), "{{ .Values.firstname }}")).toBe("John");
  });

  it("TestValidateAgainstSingleSchemaNegative", () => {
    expect(failure(() => render(schemaChart(NEGATIVE), "x"))).toContain(
      "chrt:\n- (root): employmentInfo is required\n- age: Must be greater than or equal to 0\n",
    );
  });

  const SUBCHART_SCHEMA = JSON.stringify({
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "Values",
    type: "object",
    properties: { age: { description: "Age", minimum: 0, type: "integer" } },
    required: ["age"],
  });
  const withSubchart = (schema: string): LoadedChart =>
    build(
      {
        "Chart.yaml": chartYaml("chrt"),
        "charts/subchart/Chart.yaml": chartYaml("subchart"),
        "charts/subchart/values.schema.json": schema,
      },
      "chrt",
    );

  it("TestValidateAgainstSchema: a subchart's schema checks its section", () => {
    expect(
      render(withSubchart(SUBCHART_SCHEMA), "{{ .Values.name }}", { values: { name: "John", subchart: { age: 25 } } }),
    ).toBe("John");
  });

  it("TestValidateAgainstSchemaNegative", () => {
    expect(failure(() => render(withSubchart(SUBCHART_SCHEMA), "x", { values: { name: "John", subchart: {} } }))).toBe(
      "values don't meet the specifications of the schema(s) in the following chart(s):\nsubchart:\n- (root): age is required\n",
    );
  });

  const SCHEMA_2020 = JSON.stringify({
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Values",
    type: "object",
    properties: { data: { type: "array", contains: { type: "string" }, unevaluatedItems: { type: "number" } } },
    required: ["data"],
  });

  it("TestValidateAgainstSchema2020", () => {
    expect(render(withSubchart(SCHEMA_2020), "ok", { values: { subchart: { data: ["hello", 12] } } })).toBe("ok");
  });

  it("TestValidateAgainstSchema2020Negative (gojsonschema's words; Helm 3.18 uses jsonschema/v6's)", () => {
    expect(failure(() => render(withSubchart(SCHEMA_2020), "x", { values: { subchart: { data: [12, 13] } } }))).toBe(
      "values don't meet the specifications of the schema(s) in the following chart(s):\nsubchart:\n" +
        "- data: At least one of the items must match\n- data.0: Invalid type. Expected: string, given: integer\n",
    );
  });
});

describe("Helm pkg/chartutil capabilities_test.go", () => {
  const chart = build({ "Chart.yaml": chartYaml("caps") }, "caps");
  it("TestVersionSet", () => {
    expect(
      render(
        chart,
        '{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "Spanish/inquisition" }}',
      ),
    ).toBe("true false");
  });
  it("TestDefaultVersionSet", () => {
    expect(render(chart, '{{ .Capabilities.APIVersions.Has "v1" }}')).toBe("true");
  });
  it("TestDefaultCapabilities (the default here is v1.29.0)", () => {
    expect(
      render(
        chart,
        "{{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.GitVersion }} " +
          "{{ .Capabilities.KubeVersion.Major }} {{ .Capabilities.KubeVersion.Minor }}",
      ),
    ).toBe("v1.29.0 v1.29.0 v1.29.0 1 29");
  });
  it("TestDefaultCapabilitiesHelmVersion", () => {
    expect(render(chart, "{{ .Capabilities.HelmVersion.Version }}")).toMatch(/^v3\.\d+/);
  });
  it("TestParseKubeVersion", () => {
    expect(
      render(
        chart,
        "{{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Major }} {{ .Capabilities.KubeVersion.Minor }}",
        { kubeVersion: "v1.16.0" },
      ),
    ).toBe("v1.16.0 1 16");
  });
});

describe("Helm pkg/chartutil validate_name_test.go", () => {
  const chart = build({ "Chart.yaml": chartYaml("names") }, "names");
  const names: [string, boolean][] = [
    ["", false],
    ["foo", true],
    ["foo.bar1234baz.seventyone", true],
    ["FOO", false],
    ["123baz", true],
    ["foo.BAR.baz", false],
    ["one-two", true],
    ["-two", false],
    ["one_two", false],
    ["a..b", false],
    ["%^&#$%*@^*@&#^", false],
    ["example:com", false],
    ["example%%com", false],
    ["a1111111111111111111111111111111111111111111111111111111111z", false],
  ];
  it("TestValidateReleaseName", () => {
    for (const [name, ok] of names) {
      const run = (): unknown => renderChartTemplates(chart, { releaseName: name, namespace: "default" });
      if (ok) expect(run, name).not.toThrow();
      else expect(run, name).toThrow(VelaError);
    }
  });
});

describe("Helm pkg/chartutil compatible_test.go", () => {
  it("TestIsCompatibleRange", () => {
    const cases: [string, string, boolean][] = [
      ["v2.0.0-alpha.4", "v2.0.0-alpha.4", true],
      ["v2.0.0-alpha.3", "v2.0.0-alpha.4", false],
      ["v2.0.0", "v2.0.0-alpha.4", false],
      ["v2.0.0-alpha.4", "v2.0.0", false],
      ["~v2.0.0", "v2.0.1", true],
      ["v2", "v2.0.0", true],
      [">2.0.0", "v2.1.1", true],
      ["v2.1.*", "v2.1.1", true],
    ];
    for (const [constraint, version, want] of cases)
      expect(semverSatisfies(constraint, version), `${constraint} ${version}`).toBe(want);
  });
});

describe("Helm pkg/chartutil chartfile_test.go", () => {
  it("TestLoadChartfile: every metadata field", () => {
    const chart = build(FROBNITZ, "frobnitz");
    const m = chart.metadata;
    expect([m.apiVersion, m.name, m.description, m.version, m.home, m.icon]).toEqual([
      "v1",
      "frobnitz",
      "This is a frobnitz.",
      "1.2.3",
      "http://example.com",
      "https://example.com/64x64.png",
    ]);
    expect(m.maintainers?.map((x) => [x.name, x.email])).toEqual([
      ["The Helm Team", "helm@example.com"],
      ["Someone Else", "nobody@example.com"],
    ]);
    expect(m.sources).toEqual(["https://example.com/foo/bar"]);
    expect(m.keywords).toEqual(["frobnitz", "sprocket", "dodad"]);
    expect(m.annotations).toEqual({ extrakey: "extravalue", anotherkey: "anothervalue" });
    // …and as templates see them.
    expect(
      render(
        chart,
        "{{ .Chart.Description }}|{{ (index .Chart.Maintainers 1).Email }}|{{ .Chart.Annotations.extrakey }}",
      ),
    ).toBe("This is a frobnitz.|nobody@example.com|extravalue");
  });
});
