import type { SchemaObject } from "ajv";
import { VelaError } from "../errors/index.js";
import type { JsonValue } from "../util/index.js";
import { compileTrustedSchemaCheck } from "./ajv.js";

/**
 * JSON Schema of an Application's `status` as vela-ts reads it back from the cluster (KubeVela's
 * field names). The status is data anyone with `kubectl edit --subresource=status` can change, so
 * it is checked where it is read, with a clear error, instead of trusting its shape (a
 * `status.workflow.steps` that is not a list used to crash with "steps.map is not a function").
 * Fields vela-ts does not read are let through.
 */
const STEP_PHASES = ["pending", "running", "succeeded", "failed", "skipped", "suspending"];
const TIME = { type: "string" } as const;

const STEP_STATUS_PROPERTIES = {
  id: { type: "string" },
  name: { type: "string" },
  type: { type: "string" },
  phase: { enum: STEP_PHASES },
  reason: { type: "string" },
  message: { type: "string" },
  firstExecuteTime: TIME,
  lastExecuteTime: TIME,
};

const STEP_STATUS: SchemaObject = {
  type: "object",
  required: ["name", "type", "phase"],
  properties: STEP_STATUS_PROPERTIES,
};

/** `status.workflow` of an Application (and of an ApplicationRevision), as far as vela-ts reads it. */
export const WORKFLOW_STATUS_SCHEMA: SchemaObject = {
  type: "object",
  required: ["appRevision", "steps"],
  properties: {
    appRevision: { type: "string" },
    mode: { type: "string" },
    status: { type: "string" },
    message: { type: "string" },
    suspend: { type: "boolean" },
    suspendState: { type: "string" },
    terminated: { type: "boolean" },
    finished: { type: "boolean" },
    startTime: TIME,
    endTime: TIME,
    steps: {
      type: "array",
      items: {
        ...STEP_STATUS,
        properties: { ...STEP_STATUS_PROPERTIES, subSteps: { type: "array", items: STEP_STATUS } },
      },
    },
    context: {
      type: "object",
      properties: {
        vars: { type: "object" },
        steps: { type: "object", additionalProperties: { type: "object" } },
      },
    },
  },
};

/** `status` of an Application, as far as vela-ts reads it. */
export const APPLICATION_STATUS_SCHEMA: SchemaObject = {
  type: "object",
  properties: {
    status: { type: "string" },
    observedGeneration: { type: "integer" },
    latestRevision: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string" }, revision: { type: "integer" }, revisionHash: { type: "string" } },
    },
    workflow: WORKFLOW_STATUS_SCHEMA,
    // KubeVela's conditions; entries vela-ts does not recognise are kept as they are (reconciler/conditions.ts).
    conditions: { type: "array", items: { type: "object" } },
    services: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          namespace: { type: "string" },
          healthy: { type: "boolean" },
          workloadHealthy: { type: "boolean" },
          cluster: { type: "string" },
          message: { type: "string" },
          traits: { type: "array", items: { type: "object" } },
        },
      },
    },
    rollback: {
      type: "object",
      properties: { from: { type: ["string", "null"] }, to: { type: "string" }, time: TIME },
    },
  },
};

/**
 * Throws `E_STATUS_INVALID` (naming the field, e.g. `/status/workflow/steps`) when an
 * Application's status read back from the cluster does not have the shape vela-ts reads.
 */
export function assertApplicationStatus(appName: string, status: JsonValue | undefined): void {
  if (status === undefined) return;
  const issues = compileTrustedSchemaCheck(APPLICATION_STATUS_SCHEMA)(status, {
    code: "E_STATUS_INVALID",
    basePath: "/status",
  });
  const first = issues[0];
  if (first === undefined) return;
  throw new VelaError("E_STATUS_INVALID", `application "${appName}" has a malformed status: ${first.message}`, {
    ...(first.path === undefined ? {} : { path: first.path }),
    hint:
      `the status was changed by hand or by another tool; fix or remove that field (kubectl edit application ` +
      `${appName} --subresource=status), or start the workflow over: vela-ts workflow restart ${appName}`,
  });
}

/**
 * Whether a stored `status.workflow` has the shape vela-ts reads ({@link WORKFLOW_STATUS_SCHEMA}):
 * the check that lets a reader treat it as a workflow status without trusting it.
 */
export function isWorkflowStatusShape(value: JsonValue): boolean {
  return (
    compileTrustedSchemaCheck(WORKFLOW_STATUS_SCHEMA)(value, { code: "E_STATUS_INVALID", basePath: "/status/workflow" })
      .length === 0
  );
}
