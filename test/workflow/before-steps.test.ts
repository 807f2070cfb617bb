/**
 * `hooks.beforeSteps`: before a DAG round the engine announces the steps certain to run, in order,
 * and stops at the first one whose running is not certain yet (a dependency not finished, an `if`,
 * inputs): the reconciler records what the announced steps apply in one tracker write, so a step
 * announced that then does not run would be recorded for nothing.
 */
import { describe, expect, it } from "vitest";
import type { ScheduledStep, WorkflowSpec } from "../../src/workflow/index.js";
import { harness, noHooks } from "./support.js";

function announcing(): { rounds: string[][]; hooks: ReturnType<typeof noHooks> } {
  const rounds: string[][] = [];
  const hooks = noHooks({
    beforeSteps: (steps: readonly ScheduledStep[]) => {
      rounds.push(steps.map((step) => step.name));
      return Promise.resolve();
    },
  });
  return { rounds, hooks };
}

describe("advanceWorkflow: beforeSteps", () => {
  it("announces every ready step of a DAG round, with the parameter it runs with", async () => {
    const seen: ScheduledStep[][] = [];
    const h = harness({
      hooks: noHooks({
        beforeSteps: (steps) => {
          seen.push([...steps]);
          return Promise.resolve();
        },
      }),
    });
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "ok", properties: { component: "a" } },
        { name: "b", type: "ok" },
      ],
    };
    await h.advance(spec);
    expect(seen).toEqual([
      [
        { name: "a", type: "ok", parameter: { component: "a" } },
        { name: "b", type: "ok", parameter: {} },
      ],
    ]);
  });

  it("stops at a step waiting for an unfinished dependency, and announces it in the next round", async () => {
    const { rounds, hooks } = announcing();
    const h = harness({ hooks });
    const spec: WorkflowSpec = {
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "wait:2" },
        { name: "b", type: "ok", dependsOn: ["a"] },
        { name: "c", type: "ok" },
      ],
    };
    await h.advance(spec);
    expect(rounds).toEqual([["a"]]);
    while (h.status?.finished !== true) {
      h.clock.advanceSeconds(5);
      await h.advance(spec);
    }
    // Every round stops at b until a is done; then b runs after a in the same round, unannounced.
    expect(new Set(rounds.map((round) => round.join(",")))).toEqual(new Set(["a"]));
    expect(h.status.steps.map((step) => step.phase)).toEqual(["succeeded", "succeeded", "succeeded"]);
  });

  it("stops at a step with an if or inputs, whose running is decided when its turn comes", async () => {
    const { rounds, hooks } = announcing();
    const h = harness({ hooks });
    await h.advance({
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "ok" },
        { name: "b", type: "ok", if: "always" },
        { name: "c", type: "ok" },
      ],
    });
    expect(rounds).toEqual([["a"]]);
  });

  it("announces nothing in StepByStep mode, where a waiting step holds up the ones after it", async () => {
    const { rounds, hooks } = announcing();
    const h = harness({ hooks });
    await h.advance({
      steps: [
        { name: "a", type: "ok" },
        { name: "b", type: "ok" },
      ],
    });
    expect(rounds).toEqual([]);
  });
});
