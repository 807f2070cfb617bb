import { isNamespacedKind } from "../../cluster/resources.js";
import { assertNever } from "../../errors/index.js";
import { kubeObjectOf, type KubeObject, type ObjectRef } from "../../model/kube-object.js";
import {
  checkCelSyntax,
  evaluateCel,
  evaluateCelCondition,
  formatTimestamp,
  isJsonObject,
  parseDuration,
} from "../../util/index.js";
import { toJsonObject, type JsonObject, type JsonValue } from "../../util/index.js";
import { timestampAfter } from "../backoff.js";
import type { StepContext, StepOutcome, StepRunner } from "../types.js";

/**
 * The `actions` vocabulary of user WorkflowStepDefinitions (docs/definitions.md): the definition's
 * handlebars template renders a list of actions, run in order on every execution of the step.
 */
export type WorkflowAction =
  | { readonly kind: "apply"; readonly object: KubeObject }
  | { readonly kind: "read"; readonly ref: ObjectRef; readonly as: string }
  | { readonly kind: "wait"; readonly condition: string; readonly message?: string; readonly timeout?: string }
  | { readonly kind: "suspend"; readonly duration?: string | number; readonly message?: string }
  | { readonly kind: "delete"; readonly ref: ObjectRef }
  | {
      readonly kind: "http";
      readonly url: string;
      readonly method?: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: JsonValue;
      readonly as?: string;
    }
  | { readonly kind: "fail"; readonly message: string }
  | { readonly kind: "output"; readonly name: string; readonly value?: JsonValue; readonly valueFrom?: string };

export const ACTION_KINDS = ["apply", "read", "wait", "suspend", "delete", "http", "fail", "output"] as const;

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function refOfBody(body: JsonObject, where: string, namespace: string): ObjectRef | string {
  const apiVersion = str(body["apiVersion"]);
  const kind = str(body["kind"]);
  const name = str(body["name"]);
  if (apiVersion === undefined || kind === undefined || name === undefined)
    return `${where}: apiVersion, kind and name are required`;
  const ns = str(body["namespace"]) ?? (isNamespacedKind(apiVersion, kind) ? namespace : undefined);
  return { apiVersion, kind, name, ...(ns === undefined ? {} : { namespace: ns }) };
}

/** Checks and types rendered actions; returns the first problem as a message. */
export function parseActions(raw: readonly JsonValue[], namespace: string): WorkflowAction[] | string {
  const actions: WorkflowAction[] = [];
  for (const [index, item] of raw.entries()) {
    const where = `action ${index + 1}`;
    if (!isJsonObject(item) || Object.keys(item).length !== 1)
      return `${where}: each action is a mapping with exactly one key (${ACTION_KINDS.join(", ")})`;
    const [key, body] = Object.entries(item)[0] as [string, JsonValue];
    if (!(ACTION_KINDS as readonly string[]).includes(key))
      return `${where}: unknown action "${key}"; known: ${ACTION_KINDS.join(", ")}`;
    if (!isJsonObject(body)) return `${where}: "${key}" needs a mapping`;
    switch (key) {
      case "apply": {
        const metadata = body["metadata"];
        if (
          str(body["apiVersion"]) === undefined ||
          str(body["kind"]) === undefined ||
          !isJsonObject(metadata) ||
          str(metadata["name"]) === undefined
        )
          return `${where}: apply needs an object with apiVersion, kind and metadata.name`;
        const kind = body["kind"] as string;
        const withNamespace =
          str(metadata["namespace"]) !== undefined || !isNamespacedKind(str(body["apiVersion"]) ?? "", kind)
            ? body
            : { ...body, metadata: { ...metadata, namespace } };
        actions.push({ kind: "apply", object: kubeObjectOf(withNamespace, where) });
        break;
      }
      case "read": {
        const ref = refOfBody(body, where, namespace);
        const as = str(body["as"]);
        if (typeof ref === "string") return ref;
        if (as === undefined) return `${where}: read needs "as", the variable to read into`;
        actions.push({ kind: "read", ref, as });
        break;
      }
      case "delete": {
        const ref = refOfBody(body, where, namespace);
        if (typeof ref === "string") return ref;
        actions.push({ kind: "delete", ref });
        break;
      }
      case "wait": {
        const condition = str(body["condition"]);
        if (condition === undefined) return `${where}: wait needs a CEL "condition"`;
        try {
          checkCelSyntax(condition);
        } catch (error) {
          return `${where}: ${error instanceof Error ? error.message : String(error)}`;
        }
        const message = str(body["message"]);
        const timeout = str(body["timeout"]);
        if (timeout !== undefined && parseDuration(timeout) === undefined)
          return `${where}: wait timeout "${timeout}" is not a duration`;
        actions.push({
          kind: "wait",
          condition,
          ...(message === undefined ? {} : { message }),
          ...(timeout === undefined ? {} : { timeout }),
        });
        break;
      }
      case "suspend": {
        const duration = body["duration"];
        const message = str(body["message"]);
        if (
          duration !== undefined &&
          duration !== null &&
          (typeof duration === "boolean" || typeof duration === "object" || parseDuration(duration) === undefined)
        )
          return `${where}: suspend duration ${JSON.stringify(duration)} is not a duration`;
        actions.push({
          kind: "suspend",
          ...(typeof duration === "string" || typeof duration === "number" ? { duration } : {}),
          ...(message === undefined ? {} : { message }),
        });
        break;
      }
      case "http": {
        const url = str(body["url"]);
        if (url === undefined) return `${where}: http needs a "url"`;
        const method = str(body["method"]);
        const as = str(body["as"]);
        const headers = body["headers"];
        if (
          headers !== undefined &&
          headers !== null &&
          (!isJsonObject(headers) || Object.values(headers).some((value) => typeof value !== "string"))
        )
          return `${where}: http headers must map names to strings`;
        actions.push({
          kind: "http",
          url,
          ...(method === undefined ? {} : { method }),
          ...(isJsonObject(headers) ? { headers: headers as Record<string, string> } : {}),
          ...(body["body"] === undefined || body["body"] === null ? {} : { body: body["body"] }),
          ...(as === undefined ? {} : { as }),
        });
        break;
      }
      case "fail":
        actions.push({ kind: "fail", message: str(body["message"]) ?? "the step failed" });
        break;
      case "output": {
        const name = str(body["name"]);
        if (name === undefined) return `${where}: output needs a "name"`;
        const valueFrom = str(body["valueFrom"]);
        if (body["value"] === undefined && valueFrom === undefined)
          return `${where}: output needs "value" or "valueFrom"`;
        actions.push({
          kind: "output",
          name,
          ...(body["value"] === undefined ? {} : { value: body["value"] }),
          ...(valueFrom === undefined ? {} : { valueFrom }),
        });
        break;
      }
    }
  }
  return actions;
}

/** What the actions runner keeps between executions (`StepOutcome.memory`). */
interface ActionsMemory {
  /** Indexes of suspend actions already passed (resumed). */
  readonly suspended: number[];
  /** When each wait action first waited, by index. */
  readonly waitSince: Record<string, string>;
}

function readMemory(memory: Readonly<JsonObject>): ActionsMemory {
  const suspended = Array.isArray(memory["suspended"])
    ? memory["suspended"].filter((item): item is number => typeof item === "number")
    : [];
  const since = memory["waitSince"];
  const waitSince: Record<string, string> = {};
  if (isJsonObject(since))
    for (const [key, value] of Object.entries(since)) if (typeof value === "string") waitSince[key] = value;
  return { suspended, waitSince };
}

function toJson(memory: ActionsMemory): JsonObject {
  return { suspended: [...memory.suspended], waitSince: { ...memory.waitSince } };
}

function parseBody(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** Runs parsed actions from the top; stops at the first that waits, suspends or fails. */
export async function runActions(actions: readonly WorkflowAction[], ctx: StepContext): Promise<StepOutcome> {
  const memory = readMemory(ctx.memory);
  const vars: JsonObject = {};
  const env = (): Record<string, unknown> => ({
    ...vars,
    parameter: ctx.parameter,
    context: ctx.context,
    variables: ctx.variables,
  });
  for (const [index, action] of actions.entries()) {
    switch (action.kind) {
      case "apply":
        if (ctx.applyObject === undefined) await ctx.cluster.apply(action.object);
        else await ctx.applyObject(action.object);
        break;
      case "read": {
        const object = await ctx.cluster.get(action.ref);
        vars[action.as] = object === undefined ? null : toJsonObject(structuredClone(object));
        break;
      }
      case "delete":
        await ctx.cluster.delete(action.ref);
        break;
      case "wait": {
        let satisfied = false;
        let detail = "";
        try {
          satisfied = evaluateCelCondition(action.condition, env());
        } catch (error) {
          detail = ` (${error instanceof Error ? error.message : String(error)})`;
        }
        if (satisfied) break;
        const now = ctx.clock.now();
        const since = memory.waitSince[String(index)] ?? formatTimestamp(now);
        const limit = action.timeout === undefined ? undefined : parseDuration(action.timeout);
        const message = action.message ?? `waiting for ${action.condition}`;
        if (limit !== undefined && now.getTime() - Date.parse(since) >= limit) {
          return {
            kind: "failed",
            retryable: false,
            reason: "Timeout",
            message: `wait timed out after ${action.timeout ?? ""}: ${message}`,
          };
        }
        return {
          kind: "running",
          reason: "Wait",
          message: `${message}${detail}`,
          memory: toJson({ ...memory, waitSince: { ...memory.waitSince, [String(index)]: since } }),
        };
      }
      case "suspend": {
        if (memory.suspended.includes(index)) break;
        const next = toJson({ ...memory, suspended: [...memory.suspended, index] });
        const ms = action.duration === undefined ? undefined : parseDuration(action.duration);
        if (ms === 0) break;
        if (ms === undefined)
          return { kind: "suspended", message: action.message ?? "suspended until resumed", memory: next };
        const resumeAt = timestampAfter(ctx.clock.now(), ms);
        return {
          kind: "suspended",
          message: action.message ?? `suspended for ${String(action.duration)}, resumes at ${resumeAt}`,
          resumeAt,
          memory: next,
        };
      }
      case "http": {
        const body =
          action.body === undefined
            ? undefined
            : typeof action.body === "string"
              ? action.body
              : JSON.stringify(action.body);
        const response = await ctx.http({
          url: action.url,
          method: action.method ?? (body === undefined ? "GET" : "POST"),
          headers: {
            ...(body === undefined || typeof action.body === "string" ? {} : { "content-type": "application/json" }),
            ...action.headers,
          },
          ...(body === undefined ? {} : { body }),
        });
        if (response.status < 200 || response.status > 299)
          return {
            kind: "failed",
            retryable: true,
            message: `http ${action.method ?? (body === undefined ? "GET" : "POST")} to ${hostOf(action.url)} failed: HTTP ${response.status}`,
          };
        if (action.as !== undefined) vars[action.as] = { status: response.status, body: parseBody(response.body) };
        break;
      }
      case "fail":
        return { kind: "failed", retryable: false, reason: "Action", message: action.message };
      case "output":
        try {
          vars[action.name] =
            action.valueFrom === undefined ? (action.value ?? null) : evaluateCel(action.valueFrom, env());
        } catch (error) {
          return {
            kind: "failed",
            retryable: false,
            reason: "Output",
            message: `output "${action.name}": ${error instanceof Error ? error.message : String(error)}`,
          };
        }
        break;
      default:
        assertNever(action, "workflow action");
    }
  }
  return { kind: "succeeded", outputs: vars };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "an invalid url";
  }
}

/**
 * Runs a user WorkflowStepDefinition (one without `builtin`): the reconciler renders its actions
 * for the step's parameter and context, and they run in order from the top on every execution, so
 * a step that waits or was suspended re-runs its earlier actions next time: they must be idempotent
 * (apply is server-side apply, read has no effect, delete of a missing object is a no-op; an
 * `http` call may repeat). The step's value is the variables set by `read … as`, `http … as` and
 * `output`, for `outputs[].valueFrom`. Used as the registry's fallback, so its `type` is `*`.
 */
export const actionsRunner: StepRunner = {
  type: "*",
  async run(step, ctx) {
    if (ctx.renderActions === undefined)
      return {
        kind: "failed",
        retryable: false,
        reason: "Rendering",
        message: `step type "${step.type}" is not defined`,
      };
    const rendered = await ctx.renderActions(step.type, ctx.parameter, ctx.context);
    const actions = parseActions(rendered, ctx.context.namespace);
    if (typeof actions === "string")
      return { kind: "failed", retryable: false, reason: "Rendering", message: `step type "${step.type}": ${actions}` };
    return runActions(actions, ctx);
  },
};
