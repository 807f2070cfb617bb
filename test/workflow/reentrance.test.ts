import { describe, expect, it } from "vitest";
import { advanceWorkflow, type WorkflowSpec, type WorkflowStatus } from "../../src/workflow/index.js";
import { harness, type Harness } from "./support.js";

/** Runs to the end (no time needed: waits finish on a later call); returns the final status. */
async function runUninterrupted(h: Harness, spec: WorkflowSpec, from?: WorkflowStatus): Promise<WorkflowStatus> {
  let status = from;
  for (let call = 0; call < 20; call++) {
    const result = await advanceWorkflow(spec, status, h.ctx());
    status = result.status;
    if (status.finished) return status;
  }
  throw new Error("the workflow did not finish");
}

function effects(events: readonly string[]): string[] {
  return events.filter((event) => event.startsWith("effect:"));
}

const SPECS: readonly { readonly name: string; readonly spec: WorkflowSpec }[] = [
  {
    name: "StepByStep with a group, a waiting step and outputs",
    spec: {
      steps: [
        { name: "a", type: 'out:{"v":"x"}', outputs: [{ name: "v", valueFrom: "v" }] },
        {
          name: "g",
          type: "step-group",
          subSteps: [
            { name: "g1", type: "ok" },
            { name: "g2", type: "wait:1" },
            { name: "g3", type: "ok", dependsOn: ["g2"] },
          ],
        },
        { name: "b", type: "wait:2", inputs: [{ from: "v", parameterKey: "value" }] },
        { name: "c", type: "ok" },
      ],
    },
  },
  {
    name: "DAG with dependencies",
    spec: {
      mode: { steps: "DAG" },
      steps: [
        { name: "a", type: "ok" },
        { name: "b", type: "wait:1", dependsOn: ["a"] },
        { name: "c", type: "ok", dependsOn: ["a"] },
        { name: "d", type: "ok", dependsOn: ["b", "c"] },
      ],
    },
  },
];

describe("re-entrance: a crash after any save", () => {
  it.each(SPECS)(
    "$name: resuming from every saved status gives the same end and runs no effect twice",
    async ({ spec }) => {
      const reference = harness();
      const final = await runUninterrupted(reference, spec);
      const events = reference.journal.events;
      expect(reference.saves.length).toBeGreaterThan(3);
      // Every effect of the uninterrupted run happened once.
      const once = effects(events);
      expect(new Set(once).size).toBe(once.length);

      for (const [index, saved] of reference.saves.entries()) {
        // The process dies right after save `index`: what ran before it is what the journal shows up to there.
        const before = effects(events.slice(0, events.indexOf(`save:${index}`)));
        const resumed = harness();
        const end = await runUninterrupted(resumed, spec, saved);
        expect(end).toEqual(final);
        const all = [...before, ...effects(resumed.journal.events)];
        expect(all.sort()).toEqual([...once].sort());
      }
    },
  );
});
