import type { SchemaObject } from "ajv";
import { VelaError } from "../errors/index.js";
import type { JsonValue } from "../util/index.js";
import { compileTrustedSchemaCheck } from "./ajv.js";

/**
 * Decoders for what vela-ts reads back from a cluster beyond the Application's own status:
 * ResourceTrackers, ApplicationRevisions, the health and analysis records in an Application's
 * status, and the Kruise and Argo Rollout status fields the workflow steers by. Anyone with write
 * access can change these objects, so each field is checked against a schema of what vela-ts reads
 * before it is used: a damaged object is an `E_STORED_OBJECT_INVALID` naming the object and the
 * field, never a crash deep in a stage. Fields vela-ts does not read are let through.
 *
 * The shapes' TypeScript types live with the code that writes them (`cluster/tracker.ts`,
 * `revision/`, `metrics/analysis-run.ts`, `reconciler/component-runtime.ts`); the round-trip tests
 * (`test/model/stored-objects.test.ts`) decode what those writers produce, so schema and type
 * cannot drift apart unnoticed.
 */

const STRING = { type: "string" } as const;
const BOOLEAN = { type: "boolean" } as const;
const STRING_MAP = { type: "object", additionalProperties: STRING } as const;

/** `spec.managedResources` of a ResourceTracker (`cluster/tracker.ts` `TrackedResource`). */
export const TRACKED_RESOURCES_SCHEMA: SchemaObject = {
  type: "array",
  items: {
    type: "object",
    required: ["apiVersion", "kind", "name"],
    properties: {
      apiVersion: STRING,
      kind: STRING,
      name: STRING,
      namespace: STRING,
      component: STRING,
      trait: STRING,
      raw: { type: "object" },
    },
  },
};

/** `spec.componentRevisions` of an ApplicationRevision (`revision/` `ComponentRevision` by component). */
export const COMPONENT_REVISIONS_SCHEMA: SchemaObject = {
  type: "object",
  additionalProperties: { type: "object", required: ["name", "hash"], properties: { name: STRING, hash: STRING } },
};

/** `spec.application` of an ApplicationRevision (`revision/` `ApplicationSnapshot`). */
export const APPLICATION_SNAPSHOT_SCHEMA: SchemaObject = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: STRING,
    kind: STRING,
    metadata: {
      type: "object",
      required: ["name"],
      properties: { name: STRING, namespace: STRING, labels: STRING_MAP, annotations: STRING_MAP },
    },
    spec: { type: "object" },
  },
};

/** `status.services` of an Application (`reconciler/component-runtime.ts` `ServiceHealth`). */
export const SERVICES_SCHEMA: SchemaObject = {
  type: "array",
  items: {
    type: "object",
    // KubeVela writes `name` and `healthy` on every entry; the rest only vela-ts fills in.
    required: ["name", "healthy"],
    properties: {
      name: STRING,
      namespace: STRING,
      workloadDefinition: {
        type: "object",
        required: ["apiVersion", "kind"],
        properties: { apiVersion: STRING, kind: STRING },
      },
      healthy: BOOLEAN,
      workloadHealthy: BOOLEAN,
      message: STRING,
      traits: {
        type: "array",
        items: {
          type: "object",
          required: ["type", "healthy"],
          properties: { type: STRING, healthy: BOOLEAN, message: STRING },
        },
      },
    },
  },
};

const ANALYSIS_PHASES = ["Running", "Successful", "Failed", "Inconclusive"];
const MEASUREMENT_PHASES = ["Successful", "Failed", "Inconclusive", "Error"];
const COUNT = { type: "integer", minimum: 0 } as const;

const MEASUREMENT = {
  type: "object",
  required: ["phase", "startedAt"],
  properties: { phase: { enum: MEASUREMENT_PHASES }, startedAt: STRING, value: STRING, message: STRING },
};

/** `status.analysis` of an Application: analysis runs by key (`metrics/analysis-run.ts` `AnalysisRun`). */
export const ANALYSIS_RUNS_SCHEMA: SchemaObject = {
  type: "object",
  additionalProperties: {
    type: "object",
    required: ["key", "step", "startedAt", "phase", "metrics"],
    properties: {
      key: STRING,
      step: { type: "integer" },
      startedAt: STRING,
      phase: { enum: ANALYSIS_PHASES },
      message: STRING,
      handled: BOOLEAN,
      metrics: {
        type: "array",
        items: {
          type: "object",
          required: [
            "name",
            "phase",
            "successful",
            "failed",
            "inconclusive",
            "error",
            "consecutiveError",
            "measurements",
          ],
          properties: {
            name: STRING,
            phase: { enum: ANALYSIS_PHASES },
            successful: COUNT,
            failed: COUNT,
            inconclusive: COUNT,
            error: COUNT,
            consecutiveError: COUNT,
            message: STRING,
            measurements: { type: "array", items: MEASUREMENT },
          },
        },
      },
    },
  },
};

const INTEGER = { type: "integer" } as const;

/**
 * `status` of a Kruise Rollout (rollouts.kruise.io), the fields the workflow steers by
 * (`rollout/rollout-engines.ts`); upstream: `RolloutStatus`, `CanaryStatus` in `api/v1beta1/rollout_types.go`.
 */
export const KRUISE_ROLLOUT_STATUS_SCHEMA: SchemaObject = {
  type: "object",
  properties: {
    phase: STRING,
    observedGeneration: INTEGER,
    conditions: { type: "array", items: { type: "object" } },
    canaryStatus: {
      type: "object",
      properties: {
        currentStepIndex: INTEGER,
        currentStepState: STRING,
        canaryRevision: STRING,
        stableRevision: STRING,
        podTemplateHash: STRING,
        canaryReplicas: INTEGER,
        canaryReadyReplicas: INTEGER,
        message: STRING,
      },
    },
  },
};

/**
 * `status` of an Argo Rollout (argoproj.io), the fields the workflow steers by
 * (`rollout/rollout-engines.ts`); upstream: `RolloutStatus` in `pkg/apis/rollouts/v1alpha1/types.go`.
 */
export const ARGO_ROLLOUT_STATUS_SCHEMA: SchemaObject = {
  type: "object",
  properties: {
    phase: STRING,
    abort: BOOLEAN,
    currentStepIndex: INTEGER,
    currentPodHash: STRING,
    stableRS: STRING,
    pauseConditions: { type: ["array", "null"], items: { type: "object" } },
    conditions: { type: "array", items: { type: "object" } },
  },
};

/** Where a stored value was read from, for the error: the object and the field's JSON pointer in it. */
export interface StoredField {
  /** `Kind/namespace/name` of the object read (`describeRef`). */
  readonly object: string;
  /** JSON pointer of the field inside that object, e.g. `/spec/managedResources`. */
  readonly path: string;
}

/**
 * Checks a value read back from a cluster against the schema of what vela-ts reads there and
 * returns it typed; throws `E_STORED_OBJECT_INVALID` naming the object and the field otherwise.
 * `T` is the type the schema describes (the round-trip tests keep the two in step).
 */
export function decodeStored<T>(schema: SchemaObject, value: JsonValue, where: StoredField): T {
  const issues = compileTrustedSchemaCheck(schema)(value, { code: "E_STORED_OBJECT_INVALID", basePath: where.path });
  const first = issues[0];
  if (first !== undefined) {
    throw new VelaError("E_STORED_OBJECT_INVALID", `${where.object} is damaged: ${first.message}`, {
      path: first.path ?? where.path,
      hint: "the object was changed by hand or by another tool: fix or remove that field, or delete the object and run the command again",
    });
  }
  // The schema above has just checked the shape `T` describes: this is the one narrowing of a decoded value.
  return value as unknown as T;
}

/** {@link decodeStored} for an optional field: `undefined` (absent) stays `undefined`. */
export function decodeStoredOptional<T>(
  schema: SchemaObject,
  value: JsonValue | undefined,
  where: StoredField,
): T | undefined {
  return value === undefined ? undefined : decodeStored<T>(schema, value, where);
}

/**
 * {@link decodeStored} for readers that treat a damaged field as absent (and say so in their
 * documentation): the typed value, or `undefined` when it is absent or does not have the shape.
 */
export function decodeStoredLeniently<T>(schema: SchemaObject, value: JsonValue | undefined): T | undefined {
  if (value === undefined) return undefined;
  const issues = compileTrustedSchemaCheck(schema)(value, { code: "E_STORED_OBJECT_INVALID", basePath: "" });
  // Checked against the schema of `T` just above.
  return issues.length === 0 ? (value as unknown as T) : undefined;
}
