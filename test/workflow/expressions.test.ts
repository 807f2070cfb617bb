/**
 * Workflow expressions in KubeVela's CUE syntax and in CEL: `if` conditions and `outputs[].valueFrom`.
 */
import { describe, expect, it } from "vitest";
import { evaluateIf, readOutputs } from "../../src/workflow/index.js";
import { evaluateWorkflowExpression, WorkflowExpressionError } from "../../src/workflow/expressions.js";
import type { StepProcessContext, StepStatus } from "../../src/workflow/index.js";

const context: StepProcessContext = {
  appName: "shop",
  namespace: "default",
  appRevision: "shop-v2",
  workflowName: "shop",
  stepName: "notify",
  stepSessionID: "abc",
};

const steps: Record<string, StepStatus> = {
  deploy: { id: "1", name: "deploy", type: "apply-component", phase: "succeeded" },
  "smoke-test": {
    id: "2",
    name: "smoke-test",
    type: "request",
    phase: "failed",
    reason: "Action",
    message: "HTTP 500",
  },
};

function decide(expression: string, inputs: Record<string, string> = {}): ReturnType<typeof evaluateIf> {
  return evaluateIf(expression, {
    predecessorsSuccessful: true,
    terminated: false,
    stepStatus: steps,
    inputs,
    context,
  });
}

describe("if: KubeVela's CUE syntax and CEL", () => {
  it("reads status, inputs and context in CUE", () => {
    expect(decide('status.deploy.phase == "succeeded"')).toEqual({ run: true });
    expect(decide('status["smoke-test"].failed && status["smoke-test"].message == "HTTP 500"')).toEqual({ run: true });
    expect(decide("!status.deploy.succeeded")).toEqual({ run: false });
    expect(decide('inputs.approved == "yes"', { approved: "yes" })).toEqual({ run: true });
    expect(decide('context.name + "-x" == "shop-x"')).toEqual({ run: true });
    expect(decide('context.appName + "-x" == "shop-x"')).toEqual({ run: true });
    expect(decide("inputs.approved != _|_", {})).toEqual({ run: false });
    expect(decide('inputs.approved != _|_ && inputs.approved == "yes"', { approved: "yes" })).toEqual({ run: true });
  });

  it("still takes CEL", () => {
    expect(decide('has(inputs.approved) ? inputs.approved == "yes" : false', { approved: "yes" })).toEqual({
      run: true,
    });
    expect(decide("size(status) == 2")).toEqual({ run: true });
  });

  it("an expression neither engine can evaluate skips the step with the reason", () => {
    const decision = decide("status.nope.phase == 1");
    expect(decision.run).toBe(false);
    expect(decision).toMatchObject({ message: expect.stringContaining("nope") as string });
    expect(decide('"text"')).toEqual({ run: false, message: 'if ""text"" gave "text", not a boolean' });
  });
});

describe("outputs[].valueFrom: KubeVela's CUE syntax and CEL", () => {
  const value = {
    output: { value: { status: { podIP: "10.0.0.7", ready: 3 }, metadata: { name: "api" } } },
    response: { version: "1.4" },
  };

  it("evaluates CUE over the step's value", () => {
    const result = readOutputs(
      {
        name: "s",
        type: "t",
        outputs: [
          { name: "url", valueFrom: '"http://" + output.value.status.podIP + ":8080"' },
          { name: "label", valueFrom: '"\\(output.value.metadata.name)-\\(response.version)"' },
          { name: "ready", valueFrom: "output.value.status.ready >= 3" },
          { name: "plain", valueFrom: "output.value.status.podIP" },
        ],
      },
      value,
    );
    expect(result).toEqual({
      ok: true,
      vars: { url: "http://10.0.0.7:8080", label: "api-1.4", ready: true, plain: "10.0.0.7" },
    });
  });

  it("evaluates CEL forms too, and reports a missing field", () => {
    expect(evaluateWorkflowExpression('has(response.version) ? response.version : "none"', value)).toBe("1.4");
    const missing = readOutputs(
      { name: "s", type: "t", outputs: [{ name: "x", valueFrom: "output.value.nope + 1" }] },
      value,
    );
    expect(missing).toMatchObject({ ok: false, message: expect.stringContaining('output "x"') as string });
  });

  it("an expression neither syntax evaluates is a typed error (E_EXPRESSION) with the reason", () => {
    let thrown: unknown;
    try {
      evaluateWorkflowExpression("output.value.nope + 1", value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WorkflowExpressionError);
    expect((thrown as WorkflowExpressionError).code).toBe("E_EXPRESSION");
    expect((thrown as WorkflowExpressionError).message).not.toBe("");
  });
});
