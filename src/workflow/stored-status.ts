import { isWorkflowStatusShape } from "../model/index.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import type { WorkflowStatus } from "./types.js";

function isWorkflowStatus(value: JsonValue): value is JsonObject & WorkflowStatus {
  return isJsonObject(value) && isWorkflowStatusShape(value);
}

/**
 * The workflow status stored in a status object (an Application's or an ApplicationRevision's
 * `status`), decoded at the boundary: a `workflow` without the shape vela-ts reads (changed by hand
 * or by another tool) is treated as absent here; the reconciler reports it (`E_STATUS_INVALID`).
 */
export function storedWorkflowOf(status: JsonObject | undefined): WorkflowStatus | undefined {
  const workflow = status?.workflow;
  return workflow !== undefined && isWorkflowStatus(workflow) ? workflow : undefined;
}
