import { describe, expect, it } from "vitest";
import { generateDefaultWorkflow, resolveWorkflow } from "../../src/workflow/index.js";

describe("generateDefaultWorkflow", () => {
  it("makes one apply-component step per component, dependsOn copied, as a DAG", () => {
    expect(
      generateDefaultWorkflow([
        { name: "db" },
        {
          name: "api",
          dependsOn: ["db"],
          inputs: [{ from: "dbHost", parameterKey: "env.DB_HOST" }],
          outputs: [{ name: "apiIP", valueFrom: "output.status.podIP" }],
        },
      ]),
    ).toEqual({
      mode: { steps: "DAG", subSteps: "DAG" },
      steps: [
        { name: "db", type: "apply-component", properties: { component: "db" } },
        {
          name: "api",
          type: "apply-component",
          properties: { component: "api" },
          dependsOn: ["db"],
          inputs: [{ from: "dbHost", parameterKey: "properties.env.DB_HOST" }],
          outputs: [{ name: "apiIP", valueFrom: "output.status.podIP" }],
        },
      ],
    });
  });

  it.each([
    { name: "no workflow", workflow: undefined, generated: true },
    { name: "a workflow without steps", workflow: { steps: [] }, generated: true },
    { name: "declared steps", workflow: { steps: [{ name: "s", type: "suspend" }] }, generated: false },
  ])("resolveWorkflow: $name", ({ workflow, generated }) => {
    const resolved = resolveWorkflow({
      components: [{ name: "web" }],
      ...(workflow === undefined ? {} : { workflow }),
    });
    expect(resolved.steps?.[0]?.type === "apply-component").toBe(generated);
  });
});
