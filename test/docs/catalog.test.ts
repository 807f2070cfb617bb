import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogDefinitions } from "../catalog/catalog-files.js";
import { PROJECT_ROOT } from "../support/shared.js";

/** docs/catalog.md lists every bundled definition with a golden example that exists. */

const ROWS = readFileSync(join(PROJECT_ROOT, "docs/catalog.md"), "utf8")
  .split("\n")
  .filter((line) => /^\| (component|trait|step|policy) \|/.test(line))
  .map((line) => line.split("|").map((cell) => cell.trim()))
  .map((cells) => ({ name: (cells[2] ?? "").replace(/`/g, ""), examples: (cells[5] ?? "").match(/[\w-]+/g) ?? [] }));

describe("docs/catalog.md", () => {
  it.each(catalogDefinitions().map(({ definition }) => ({ name: definition.name })))(
    "lists $name with a tested example",
    ({ name }) => {
      const row = ROWS.find((candidate) => candidate.name === name);
      expect(row, `no row for ${name}`).toBeDefined();
      expect(row?.examples.length).toBeGreaterThan(0);
      for (const example of row?.examples ?? [])
        expect(existsSync(join(PROJECT_ROOT, "test/golden", example, "app.yaml")), example).toBe(true);
    },
  );
});
