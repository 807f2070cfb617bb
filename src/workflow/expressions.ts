import { compileCueExpression, CueError } from "../cue/index.js";
import { VelaError } from "../errors/index.js";
import { evaluateCel, type JsonObject, type JsonValue } from "../util/index.js";

/**
 * Workflow expressions (`if`, `outputs[].valueFrom`) in either syntax: KubeVela's CUE
 * (`status.deploy.phase == "succeeded"`, `context.name + "-x"`, `output.value.status.x != _|_`)
 * evaluated by the CUE engine, or CEL (`has(cm.data)`, `a ? b : c`). CUE is tried first; an
 * expression CUE cannot read (a CEL-only form) or cannot evaluate is evaluated as CEL. When both
 * fail, the CUE error is reported if the text is CUE, else the CEL one.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function message(error: unknown): string {
  if (error instanceof CueError) return error.problems[0]?.message ?? error.message;
  return error instanceof Error ? error.message : String(error);
}

/** A workflow expression that neither CUE nor CEL can evaluate; the message is the reason. */
export class WorkflowExpressionError extends VelaError {
  constructor(reason: string, cause: unknown) {
    super("E_EXPRESSION", reason, { cause });
  }
}

/** Evaluates `text` over `variables` (their top-level names), CUE first, then CEL. Throws a WorkflowExpressionError with the reason. */
export function evaluateWorkflowExpression(text: string, variables: Readonly<JsonObject>): JsonValue {
  const names = Object.keys(variables).filter((name) => IDENTIFIER.test(name));
  let cueFailure: string | undefined;
  try {
    const expression = compileCueExpression({ file: "expression", text }, { variables: names });
    try {
      return expression.evaluate(Object.fromEntries(names.map((name) => [name, variables[name] as JsonValue])));
    } catch (error) {
      cueFailure = message(error);
    }
  } catch {
    // Not CUE (or not CUE over these names): CEL below.
  }
  try {
    return evaluateCel(text, variables);
  } catch (error) {
    throw new WorkflowExpressionError(cueFailure ?? message(error), error);
  }
}
