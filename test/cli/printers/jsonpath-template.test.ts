import { describe, expect, it } from "vitest";
import { VelaError } from "../../../src/errors/index.js";
import { executeJsonPathTemplate, parseJsonPathTemplate } from "../../../src/cli/printers/jsonpath-template.js";
import { customColumnRows, parseCustomColumns } from "../../../src/cli/printers/custom-columns.js";
import type { JsonValue } from "../../../src/util/index.js";

/** A kubectl-shaped List: two pods, labels with dots and slashes, a ConfigMap-style key with a dash. */
const LIST: JsonValue = {
  apiVersion: "v1",
  kind: "List",
  items: [
    {
      kind: "Pod",
      metadata: { name: "web-1", labels: { "app.kubernetes.io/name": "web", tier: "front" } },
      data: { "tls-cert": "abc" },
      status: { phase: "Running", restarts: 0, containerStatuses: [{ name: "app", ready: true }] },
    },
    {
      kind: "Pod",
      metadata: { name: "web-2", labels: { tier: "back" } },
      status: { phase: "Pending", restarts: 3, containerStatuses: [{ name: "app", ready: false }] },
    },
  ],
};

describe("kubectl JSONPath templates", () => {
  it.each([
    { name: "a field of the root", template: "{.kind}", want: "List" },
    { name: "bracket notation", template: "{['kind']}", want: "List" },
    { name: "$ root", template: "{$.apiVersion}", want: "v1" },
    { name: "wildcard over a list, joined by spaces", template: "{.items[*].metadata.name}", want: "web-1 web-2" },
    { name: "recursive descent", template: "{..containerStatuses[*].name}", want: "app app" },
    {
      name: "index and negative slice",
      template: "{.items[0].metadata.name} {.items[-1:].metadata.name}",
      want: "web-1 web-2",
    },
    {
      name: "filter",
      template: '{.items[?(@.status.phase=="Running")].metadata.name}',
      want: "web-1",
    },
    { name: "filter with a number", template: "{.items[?(@.status.restarts > 1)].metadata.name}", want: "web-2" },
    { name: "filter on existence", template: "{.items[?(@.data)].metadata.name}", want: "web-1" },
    {
      name: "escaped dots in a member name",
      template: "{.items[0].metadata.labels.app\\.kubernetes\\.io/name}",
      want: "web",
    },
    { name: "a member name with a dash", template: "{.items[0].data.tls-cert}", want: "abc" },
    { name: "objects print as compact JSON", template: "{.items[1].metadata.labels}", want: '{"tier":"back"}' },
    {
      name: "booleans and numbers",
      template: "{.items[*].status.containerStatuses[0].ready} {.items[1].status.restarts}",
      want: "true false 3",
    },
    { name: "text around actions is kept", template: "pods: {.items[*].metadata.name}!", want: "pods: web-1 web-2!" },
    {
      name: "range with quoted separators",
      template: '{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}',
      want: "web-1\tRunning\nweb-2\tPending\n",
    },
    {
      name: "nested range, @ and $ inside a range",
      template: "{range .items[*]}{@.metadata.name}={range .status.containerStatuses[*]}{.name}/{$.kind}{end};{end}",
      want: "web-1=app/List;web-2=app/List;",
    },
    { name: "a missing key prints nothing", template: "[{.items[0].spec.nodeName}]", want: "[]" },
    { name: "single-quoted literal", template: "{.kind}{'-'}{.apiVersion}", want: "List-v1" },
  ])("$name: $template", ({ template, want }) => {
    expect(executeJsonPathTemplate(parseJsonPathTemplate(template), LIST)).toBe(want);
  });

  it.each([
    { name: "range without end", template: "{range .items[*]}{.metadata.name}" },
    { name: "end without range", template: "{.kind}{end}" },
    { name: "unclosed action", template: "{.items[*].metadata.name" },
    { name: "unclosed bracket", template: "{.items[0}" },
    { name: "not a path", template: "{kind}" },
    { name: "empty action", template: "{}" },
    { name: "bad filter", template: "{.items[?(@.a ===)]}" },
  ])("rejects $name as a usage error naming the template", ({ template }) => {
    let thrown: unknown;
    try {
      parseJsonPathTemplate(template);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VelaError);
    expect((thrown as VelaError).code).toBe("E_USAGE");
    expect((thrown as VelaError).message).toContain(JSON.stringify(template));
  });
});

describe("custom columns", () => {
  it("one row per item, <none> for nothing, several values joined by commas", () => {
    const columns = parseCustomColumns(
      "NAME:.metadata.name,TIER:{.metadata.labels.tier},DATA:.data.tls-cert,READY:.status.containerStatuses[*].ready",
    );
    expect(columns.map((column) => column.header)).toEqual(["NAME", "TIER", "DATA", "READY"]);
    const items = (LIST as { items: JsonValue[] }).items;
    expect(customColumnRows(columns, items)).toEqual([
      ["web-1", "front", "abc", "true"],
      ["web-2", "back", "<none>", "false"],
    ]);
  });

  it("rejects a column without a path", () => {
    expect(() => parseCustomColumns("NAME")).toThrow(/HEADER:\.json\.path/);
  });
});
