import { describe, expect, it } from "vitest";
import { ClusterError } from "../../src/errors/index.js";
import {
  formatLabelSelector,
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  selectorFromLabelSelectorObject,
} from "../../src/cluster/selector.js";

describe("parseLabelSelector", () => {
  it.each([
    { name: "equals", selector: "app=web", want: [{ operator: "equals", key: "app", value: "web" }] },
    { name: "double equals", selector: "app==web", want: [{ operator: "equals", key: "app", value: "web" }] },
    { name: "not equals", selector: "app!=web", want: [{ operator: "notEquals", key: "app", value: "web" }] },
    {
      name: "in",
      selector: "env in (prod, staging)",
      want: [{ operator: "in", key: "env", values: ["prod", "staging"] }],
    },
    { name: "notin", selector: "env notin (dev)", want: [{ operator: "notIn", key: "env", values: ["dev"] }] },
    { name: "exists", selector: "canary", want: [{ operator: "exists", key: "canary" }] },
    { name: "does not exist", selector: "!canary", want: [{ operator: "doesNotExist", key: "canary" }] },
    {
      name: "prefixed key",
      selector: "app.oam.dev/name=demo",
      want: [{ operator: "equals", key: "app.oam.dev/name", value: "demo" }],
    },
    { name: "empty value", selector: "tier=", want: [{ operator: "equals", key: "tier", value: "" }] },
    {
      name: "several requirements",
      selector: "app=web,!canary,env in (a,b)",
      want: [
        { operator: "equals", key: "app", value: "web" },
        { operator: "doesNotExist", key: "canary" },
        { operator: "in", key: "env", values: ["a", "b"] },
      ],
    },
    { name: "empty selector", selector: "", want: [] },
  ])("$name: $selector", ({ selector, want }) => {
    expect(parseLabelSelector(selector)).toEqual(want);
  });

  it.each([
    { name: "dangling comma", selector: "app=web," },
    { name: "missing key", selector: "=web" },
    { name: "unclosed value list", selector: "env in (a,b" },
    { name: "empty value list", selector: "env in ()" },
    { name: "in without parentheses", selector: "env in a" },
    { name: "bad key", selector: "-app=web" },
    { name: "bad value", selector: "app=we b" },
    { name: "two operators", selector: "app=!web" },
    { name: "leading comma", selector: ",app" },
  ])("rejects $name ($selector) with E_SELECTOR_INVALID", ({ selector }) => {
    let error: unknown;
    try {
      parseLabelSelector(selector);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).code).toBe("E_SELECTOR_INVALID");
    expect((error as ClusterError).message).toContain(`invalid label selector "${selector}"`);
    expect((error as ClusterError).hint).toContain("app=web");
  });

  it("round-trips through formatLabelSelector", () => {
    const text = "app=web,tier!=db,env in (a,b),env notin (c),canary,!stable";
    expect(formatLabelSelector(parseLabelSelector(text))).toBe(text);
  });
});

describe("matchesLabelSelector", () => {
  const labels = { app: "web", env: "prod" };
  it.each([
    { selector: "app=web", want: true },
    { selector: "app=api", want: false },
    { selector: "app!=api", want: true },
    { selector: "missing!=x", want: true },
    { selector: "env in (prod,staging)", want: true },
    { selector: "env in (dev)", want: false },
    { selector: "env notin (dev)", want: true },
    { selector: "missing notin (dev)", want: true },
    { selector: "app", want: true },
    { selector: "missing", want: false },
    { selector: "!missing", want: true },
    { selector: "!app", want: false },
    { selector: "app=web,env=dev", want: false },
  ])("$selector → $want", ({ selector, want }) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(want);
  });

  it("reads matchLabels and matchExpressions objects", () => {
    const selector = selectorFromLabelSelectorObject({
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }],
    });
    expect(matchesLabelSelector(selector, { app: "web", env: "prod" })).toBe(true);
    expect(matchesLabelSelector(selector, { app: "web", env: "dev" })).toBe(false);
  });
});

describe("field selectors", () => {
  it.each([
    { name: "equals", selector: "metadata.name=web", want: true },
    { name: "not equals", selector: "metadata.namespace!=default", want: false },
    { name: "two requirements", selector: "metadata.name==web,metadata.namespace=default", want: true },
  ])("$name", ({ selector, want }) => {
    const fields: Record<string, string> = { "metadata.name": "web", "metadata.namespace": "default" };
    expect(matchesFieldSelector(parseFieldSelector(selector), (field) => fields[field])).toBe(want);
  });

  it("rejects a field selector without an operator", () => {
    expect(() => parseFieldSelector("metadata.name")).toThrow(/invalid field selector/);
  });
});
