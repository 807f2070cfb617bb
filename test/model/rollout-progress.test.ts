import { readFileSync } from "node:fs";
import { describe, expectTypeOf, it, expect } from "vitest";
import type { CanaryView } from "../../src/dashboard/index.js";
import type { RolloutProgressFacts } from "../../src/model/rollout-progress.js";
import type { CanaryProgress } from "../../src/operations/index.js";

describe("the progress of a Rollout, one shape for status and the dashboard", () => {
  it("the dashboard's CanaryView and status's CanaryProgress hold the shared facts with the same types", () => {
    // Checked by the type checker (`npm run typecheck`): a field redeclared narrower or wider on
    // either side makes these types differ.
    expectTypeOf<Pick<CanaryView, keyof RolloutProgressFacts>>().toEqualTypeOf<RolloutProgressFacts>();
    expectTypeOf<Pick<CanaryProgress, keyof RolloutProgressFacts>>().toEqualTypeOf<RolloutProgressFacts>();
    expectTypeOf<Pick<CanaryView, keyof RolloutProgressFacts>>().toEqualTypeOf<
      Pick<CanaryProgress, keyof RolloutProgressFacts>
    >();
  });

  it("the shared shape imports nothing, so the browser build can type-check it", () => {
    const source = readFileSync(new URL("../../src/model/rollout-progress.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/^\s*(import|export\s+[^;]*\sfrom)\s/m);
  });
});
