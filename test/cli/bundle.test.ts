/**
 * The command-line bundle `bin/vela-ts.js` runs (scripts/bundle-cli.mjs, made by `npm run build`):
 * what a command loads at start-up must not include the Kubernetes client, which only commands
 * that reach a real cluster import (on demand).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/shared.js";

const BUNDLE = join(PROJECT_ROOT, "dist", "bundle");
const STATIC_IMPORT = /(?:^|[;\n])\s*import\s*(?:[^"';]*?\sfrom\s*)?["'](\.\/[^"']+)["']/g;

/** Every chunk loaded before any dynamic import runs, starting from the entry. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(join(BUNDLE, file), "utf8").matchAll(STATIC_IMPORT))
      queue.push((match[1] ?? "").slice(2));
  }
  return seen;
}

describe.skipIf(!existsSync(join(BUNDLE, "bin.js")))("command-line bundle (skipped: run npm run build first)", () => {
  it("loads the Kubernetes client only through a dynamic import", () => {
    const loadedAtStart = staticClosure("bin.js");
    expect(loadedAtStart.size).toBeGreaterThan(1);
    const withClient = [...loadedAtStart].filter((file) =>
      readFileSync(join(BUNDLE, file), "utf8").includes("@kubernetes/client-node"),
    );
    expect(withClient).toEqual([]);
  });

  it("bin/vela-ts.js runs the bundle", () => {
    expect(readFileSync(join(PROJECT_ROOT, "bin", "vela-ts.js"), "utf8")).toContain('from "../dist/bundle/bin.js"');
  });
});
