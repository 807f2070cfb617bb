import { isNamespacedKind } from "../../cluster/resources.js";
import { VelaError } from "../../errors/index.js";
import { isKubeObject, kubeObjectOf, type KubeObject, type ObjectRef } from "../../model/kube-object.js";
import { mergePatch } from "../../render/index.js";
import { isJsonObject, parseDuration, toJsonObject } from "../../util/index.js";
import type { JsonObject, JsonValue } from "../../util/index.js";
import type { StepContext } from "../types.js";
import { BUILTIN_PACKAGE, HTTP_PACKAGE, KUBE_PACKAGE, METRICS_PACKAGE, OP_PACKAGE, UTIL_PACKAGE } from "./packages.js";
import {
  createStepProviderRegistry,
  type ProviderAction,
  type ProviderCall,
  type ProviderResult,
  type StepProvider,
  type StepProviderRegistry,
} from "./providers.js";

/**
 * The actions of the packages vela-ts ships (kubevela/workflow pkg/providers/{kube,http,util} and
 * kubevela pkg/workflow/providers/oam): objects through the step's cluster hooks, HTTP through
 * `hooks.http`, components through `hooks.applyComponent`. Every action is idempotent except HTTP,
 * which a step re-run after a crash may send again (at least once).
 */

/** A task's input problem: the step fails for good with this message. */
export class TaskInputError extends Error {}

const HTTP_TIMEOUT_DEFAULT_MS = 10_000;

function returns(value: JsonObject): ProviderResult {
  return { kind: "returns", returns: value };
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function localOnly(params: JsonObject): void {
  const cluster = text(params["cluster"]);
  if (cluster !== undefined && cluster !== "local")
    throw new TaskInputError(
      `cluster "${cluster}": vela-ts drives one cluster; leave cluster empty (multi-cluster delivery is not available)`,
    );
}

function objectParam(params: JsonObject, key: string): JsonObject {
  const value = params[key];
  if (!isJsonObject(value)) throw new TaskInputError(`${key} must be an object`);
  return value;
}

/** The object with the app's namespace when it is namespaced and names none. */
function withNamespace(object: JsonObject, namespace: string): KubeObject {
  const apiVersion = text(object["apiVersion"]);
  const kind = text(object["kind"]);
  const metadata = object["metadata"];
  if (apiVersion === undefined || kind === undefined || !isJsonObject(metadata))
    throw new TaskInputError("value needs apiVersion, kind and metadata");
  const named = text(metadata["namespace"]) !== undefined || !isNamespacedKind(apiVersion, kind);
  return kubeObjectOf(named ? object : { ...object, metadata: { ...metadata, namespace } }, "value");
}

function refOf(object: JsonObject, namespace: string): ObjectRef {
  const live = withNamespace(object, namespace);
  const name = live.metadata.name;
  if (typeof name !== "string" || name === "") throw new TaskInputError("value.metadata.name is required");
  return {
    apiVersion: live.apiVersion,
    kind: live.kind,
    name,
    ...(live.metadata.namespace === undefined ? {} : { namespace: live.metadata.namespace }),
  };
}

function toJson(object: KubeObject): JsonObject {
  return toJsonObject(structuredClone(object));
}

async function applyObject(step: StepContext, object: KubeObject): Promise<KubeObject> {
  return step.applyObject === undefined ? step.cluster.apply(object) : step.applyObject(object);
}

function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name}`;
}

function scalarText(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}

function labelSelector(labels: JsonValue | undefined): string | undefined {
  if (!isJsonObject(labels)) return undefined;
  const parts = Object.entries(labels).map(([key, value]) => `${key}=${scalarText(value)}`);
  return parts.length === 0 ? undefined : parts.join(",");
}

const kubeApply: ProviderAction = {
  async run({ params, step }) {
    localOnly(params);
    const value = objectParam(params, "value");
    const patched = isJsonObject(params["patch"]) ? mergePatch(value, params["patch"]) : value;
    if (!isJsonObject(patched)) throw new TaskInputError("patch must leave value an object");
    const live = await applyObject(step, withNamespace(patched, step.context.namespace));
    return returns({ value: toJson(live) });
  },
};

const kubeApplyInParallel: ProviderAction = {
  async run({ params, step }) {
    localOnly(params);
    const values = params["value"];
    if (!Array.isArray(values)) throw new TaskInputError("value must be a list of objects");
    const live = await Promise.all(
      values.map((item) => {
        if (!isJsonObject(item)) throw new TaskInputError("value must be a list of objects");
        return applyObject(step, withNamespace(item, step.context.namespace));
      }),
    );
    return returns({ value: live.map(toJson) });
  },
};

const kubePatch: ProviderAction = {
  async run({ params, step }) {
    localOnly(params);
    const ref = refOf(objectParam(params, "value"), step.context.namespace);
    const live = await step.cluster.get(ref);
    if (live === undefined) throw new TaskInputError(`${describeRef(ref)} not found: nothing to patch`);
    const patched = mergePatch(toJson(live), objectParam(params, "patch"));
    if (!isJsonObject(patched)) throw new TaskInputError("patch must leave the object an object");
    const { metadata } = patched as { metadata?: JsonObject };
    const body: JsonObject = {
      ...patched,
      metadata: { ...metadata, managedFields: null, resourceVersion: null },
    };
    const cleaned = JSON.parse(JSON.stringify(body, (_key, v: unknown) => (v === null ? undefined : v))) as JsonObject;
    if (!isKubeObject(cleaned)) throw new TaskInputError("patch must keep the object's apiVersion, kind and metadata");
    const result = await applyObject(step, cleaned);
    return returns({ result: toJson(result) });
  },
};

const kubeRead: ProviderAction = {
  async run({ params, step }) {
    localOnly(params);
    const ref = refOf(objectParam(params, "value"), step.context.namespace);
    const live = await step.cluster.get(ref);
    return returns(live === undefined ? { err: `${describeRef(ref)} not found` } : { value: toJson(live) });
  },
};

const kubeList: ProviderAction = {
  async run({ params, step }) {
    localOnly(params);
    const resource = objectParam(params, "resource");
    const apiVersion = text(resource["apiVersion"]);
    const kind = text(resource["kind"]);
    if (apiVersion === undefined || kind === undefined) throw new TaskInputError("resource needs apiVersion and kind");
    const filter = isJsonObject(params["filter"]) ? params["filter"] : {};
    const namespace = text(filter["namespace"]);
    const selector = labelSelector(filter["matchingLabels"]);
    const items = await step.cluster.list(apiVersion, kind, {
      ...(namespace === undefined ? {} : { namespace }),
      ...(selector === undefined ? {} : { labelSelector: selector }),
    });
    return returns({ values: { apiVersion: "v1", kind: "List", items: items.map(toJson) } });
  },
  legacy: (result) => ({ list: result["values"] ?? { items: [] } }),
};

const kubeDelete: ProviderAction = {
  async run({ params, step }) {
    localOnly(params);
    const value = objectParam(params, "value");
    const metadata = isJsonObject(value["metadata"]) ? value["metadata"] : {};
    if (text(metadata["name"]) !== undefined) {
      const ref = refOf(
        {
          ...value,
          metadata: { ...metadata, namespace: text(metadata["namespace"]) ?? step.context.namespace },
        },
        step.context.namespace,
      );
      await step.cluster.delete(ref);
      return returns({});
    }
    const filter = isJsonObject(params["filter"]) ? params["filter"] : {};
    const selector = labelSelector(filter["matchingLabels"]);
    if (selector === undefined)
      throw new TaskInputError("give value.metadata.name, or filter.matchingLabels to delete by label");
    const apiVersion = text(value["apiVersion"]) ?? "";
    const kind = text(value["kind"]) ?? "";
    const namespace = text(filter["namespace"]) ?? text(metadata["namespace"]) ?? step.context.namespace;
    for (const item of await step.cluster.list(apiVersion, kind, { namespace, labelSelector: selector }))
      if (item.metadata.name !== undefined)
        await step.cluster.delete({ apiVersion, kind, name: item.metadata.name, namespace });
    return returns({});
  },
};

const httpDo: ProviderAction = {
  async run({ params, step }) {
    const url = text(params["url"]);
    if (url === undefined) throw new TaskInputError("url is required");
    if (params["tls_config"] !== undefined)
      throw new TaskInputError("tls_config (client certificates from a Secret) is not available in vela-ts");
    const request = isJsonObject(params["request"]) ? params["request"] : {};
    const headers: Record<string, string> = {};
    if (isJsonObject(request["header"]))
      for (const [name, value] of Object.entries(request["header"])) headers[name] = scalarText(value);
    const body = typeof request["body"] === "string" ? request["body"] : undefined;
    const timeout = text(request["timeout"]);
    const timeoutMs = timeout === undefined ? HTTP_TIMEOUT_DEFAULT_MS : parseDuration(timeout);
    if (timeoutMs === undefined) throw new TaskInputError(`request.timeout "${timeout ?? ""}" is not a duration`);
    const response = await step.http({
      url,
      method: text(params["method"]) ?? "GET",
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs,
    });
    return returns({ statusCode: response.status, body: response.body });
  },
  legacy: (result) => ({ response: result }),
};

const utilString: ProviderAction = {
  run({ params }) {
    const bytes = params["bt"];
    if (typeof bytes !== "string") return Promise.reject(new TaskInputError("bt must be bytes"));
    // Bytes export as base64 (as CUE's JSON encoding does).
    return Promise.resolve(returns({ str: Buffer.from(bytes, "base64").toString("utf8") }));
  },
};

const utilLog: ProviderAction = {
  run({ params, step, taskPath }) {
    const data = params["data"];
    const line = typeof data === "string" ? data : JSON.stringify(data ?? null);
    step.log?.(`step ${step.context.stepName} (${taskPath}): ${line}`);
    return Promise.resolve(returns({}));
  },
};

const componentApply: ProviderAction = {
  async run({ params, step, components }) {
    localOnly(params);
    const value = objectParam(params, "value");
    const name = text(value["name"]);
    if (name === undefined || components[name] === undefined)
      throw new TaskInputError(
        `value must be one of the application's components (from op.#Load), not ${JSON.stringify(name ?? null)}; ` +
          `components: ${Object.keys(components).join(", ")}`,
      );
    const namespace = text(params["namespace"]);
    const result = await step.applyComponent(name, namespace === undefined ? {} : { namespace });
    if (!result.healthy && params["waitHealthy"] !== false) {
      const detail = result.message === undefined || result.message === "" ? "" : `: ${result.message}`;
      return { kind: "wait", message: `waiting for component ${name} to be healthy${detail}` };
    }
    return returns({
      ...(result.output === undefined ? {} : { output: result.output }),
      ...(result.outputs === undefined ? {} : { outputs: { ...result.outputs } }),
      isHealth: result.healthy,
    });
  },
};

const load: ProviderAction = {
  run({ params, components }) {
    if (text(params["app"]) !== undefined)
      return Promise.reject(new TaskInputError("app: loading another application's components is not available"));
    return Promise.resolve(returns({ value: structuredClone(components) }));
  },
};

/** The input fields of `#PromCheck` (a legacy task also carries its results). */
const PROM_CHECK_INPUT = ["query", "metricEndpoint", "condition", "stepID", "failDuration", "duration"];

/**
 * `metrics.#PromCheck`: one measurement through the step's `promCheck` hook; the times since the
 * condition held or failed stay in the task's memory, and a waiting step is checked again when the
 * next measurement is due.
 */
const promCheckAction: ProviderAction = {
  async run(call) {
    const check = call.step.promCheck;
    if (check === undefined) throw new TaskInputError("metric checks need a cluster to read metrics from");
    const params: JsonObject = {};
    for (const key of PROM_CHECK_INPUT) if (call.params[key] !== undefined) params[key] = call.params[key];
    if (text(params["query"]) === undefined || text(params["condition"]) === undefined)
      throw new TaskInputError("query and condition must be non-empty strings");
    if (text(params["stepID"]) === undefined) params["stepID"] = call.step.context.stepSessionID;
    let outcome;
    try {
      outcome = await check(params, call.memory.get() ?? {});
    } catch (error) {
      // A parameter the check cannot use (a bad duration or condition) fails the step for good.
      if (error instanceof VelaError) throw new TaskInputError(error.message);
      throw error;
    }
    call.memory.set(outcome.times);
    call.memory.recheckBy(outcome.recheckAt);
    return returns(outcome.returns);
  },
};

const KUBE_ACTIONS = {
  apply: kubeApply,
  "apply-in-parallel": kubeApplyInParallel,
  patch: kubePatch,
  read: kubeRead,
  list: kubeList,
  delete: kubeDelete,
};

/** The packages vela-ts ships: `vela/kube`, `vela/http`, `vela/util`, `vela/builtin`, `vela/metrics` and the umbrella `vela/op`. */
export const BUILTIN_STEP_PROVIDERS: readonly StepProvider[] = [
  { path: "vela/kube", source: KUBE_PACKAGE, actions: { kube: KUBE_ACTIONS } },
  { path: "vela/http", source: HTTP_PACKAGE, actions: { http: { do: httpDo } } },
  { path: "vela/util", source: UTIL_PACKAGE, actions: { util: { string: utilString, log: utilLog } } },
  // wait, suspend, fail, message and break are carried out by the runtime itself.
  { path: "vela/builtin", source: BUILTIN_PACKAGE, actions: {} },
  { path: "vela/metrics", source: METRICS_PACKAGE, actions: { metrics: { promCheck: promCheckAction } } },
  { path: "vela/op", source: OP_PACKAGE, actions: { oam: { "component-apply": componentApply, load } } },
];

/** A registry of the packages vela-ts ships. */
export function builtinStepProviders(): StepProviderRegistry {
  return createStepProviderRegistry(BUILTIN_STEP_PROVIDERS);
}

export type { ProviderCall };
