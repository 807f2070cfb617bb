import { VelaError } from "../errors/index.js";
import type { CompileCache, ComponentDefinition, TraitDefinition } from "../definitions/index.js";
import { CelExpressionError, evaluateCelCondition, type JsonObject, type JsonValue } from "../util/index.js";
import { evaluateCueStatus } from "./cue-template.js";
import { renderTemplateText } from "./template.js";

/** What health checks see (KubeVela: `context.output`, `context.outputs`, `parameter`, `context`), with live state. */
export interface HealthInput {
  /** The live main object (with `.status`), or null when it is missing. */
  readonly output: JsonValue;
  /** Live auxiliary objects by output name. */
  readonly outputs: Readonly<Record<string, JsonValue>>;
  readonly parameter: JsonObject;
  readonly context: JsonObject;
}

/** Health of one component or trait: `healthPolicy` result and `customStatus` message. */
export interface HealthResult {
  readonly healthy: boolean;
  readonly message: string;
}

/** Options of {@link evaluateHealth}. */
export interface EvaluateHealthOptions {
  /** Where the compiled customStatus template is kept (the registry's cache). */
  readonly cache: CompileCache;
}

/**
 * Evaluates a definition's `status.healthPolicy` (CEL; no policy = healthy) and `customStatus`
 * (handlebars message) against live objects; for a CUE definition, its CUE status templates'
 * `isHealth` and `message`, as KubeVela reads them. An expression that cannot be evaluated yet (e.g. the
 * object has no status) counts as unhealthy, with the reason as the message.
 */
export function evaluateHealth(
  definition: ComponentDefinition | TraitDefinition,
  input: HealthInput,
  options: EvaluateHealthOptions,
): HealthResult {
  if (definition.cue !== undefined)
    return evaluateCueStatus(
      definition,
      { parameter: input.parameter, context: { ...input.context, output: input.output, outputs: input.outputs } },
      options.cache,
    );
  const variables = {
    output: input.output,
    outputs: input.outputs,
    parameter: input.parameter,
    context: { ...input.context, output: input.output, outputs: input.outputs },
  };
  let healthy = true;
  let reason = "";
  if (definition.healthPolicy !== undefined) {
    try {
      healthy = evaluateCelCondition(definition.healthPolicy, variables);
    } catch (error) {
      if (!(error instanceof CelExpressionError)) throw error;
      healthy = false;
      reason = `health check: ${error.message}`;
    }
  }
  let message = reason;
  if (definition.customStatus !== undefined) {
    try {
      message = renderTemplateText(
        definition.customStatus,
        variables,
        options.cache,
        `definition "${definition.name}" customStatus`,
      ).trim();
    } catch (error) {
      if (!(error instanceof VelaError)) throw error;
      message = reason === "" ? `status message unavailable: ${error.message}` : reason;
    }
  }
  return { healthy, message };
}
