/**
 * The sandbox served as a Kubernetes API: routes every request (get, list, watch, create, update,
 * patch in its four content types, delete, status subresources, Tables, dry runs) to the cluster and
 * answers with the API server's Status objects. Long because each verb's request and response
 * handling is short but there are many, and they share the request context and error mapping.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import fastJsonPatch from "fast-json-patch";
import type { Cluster, ListOptions, PatchBody } from "../../cluster.js";
import { isKubeObject, kubeObjectOf, type KubeObject, type ObjectRef } from "../../../model/kube-object.js";
import {
  applyMergePatch,
  displayText,
  formatTimestamp,
  isJsonObject,
  toJsonObject,
  type Clock,
  type JsonValue,
} from "../../../util/index.js";
import type { ResourceType } from "../../resources.js";
import { mediaTypeOf, parseBody, readBody } from "./body.js";
import {
  coreVersions,
  findServedType,
  groupInfo,
  groupList,
  hasStatusSubresource,
  resourceList,
  versionInfo,
  type DiscoveryScope,
} from "./discovery.js";
import {
  REQUEST_METRICS_API_VERSION,
  REQUEST_METRICS_KIND,
  REQUEST_METRICS_NAMESPACE,
  renderRequestMetrics,
} from "../metrics/index.js";
import { isAccessReviewPath, reviewAccess } from "./access-review.js";
import { LogRequestError, servePodLog } from "./logs.js";
import { openApiGroupVersion, openApiRoot, openApiV2, wantsProtobufOpenApi } from "./openapi.js";
import { parseRoute, type ApiRoute } from "./route.js";
import { hasScaleSubresource, replicasOfScale, replicasPatch, scaleOf } from "./scale.js";
import { apiFailure, failureOf, type ApiFailure, type FailureSubject } from "./status.js";
import { strategicMerge } from "./strategic-merge.js";
import { toTable, wantsTable } from "./table.js";
import { serveWatch, type WatchSettings } from "./watch.js";

/**
 * A cluster the server can serve: any {@link Cluster}, plus the sandbox's optional hooks. `settle`
 * runs the simulated controllers to a fixed point; `resourceVersion` is the store's current version
 * (used as a list's resourceVersion so a watch can resume from it).
 */
export interface ServedCluster extends Cluster {
  settle?(): Promise<unknown>;
  /** Resolves once every write so far is on disk (group commit); a write is acknowledged only after it. */
  durable?(): Promise<void>;
  readonly resourceVersion?: string;
}

/** What the request handler needs from the server around it. */
export interface HandlerContext {
  readonly cluster: ServedCluster;
  readonly clock: Clock;
  readonly scope: DiscoveryScope;
  readonly watch: WatchSettings;
  /**
   * Runs a write, then lets the controllers settle, serialised with every other write; resolves
   * once the write (and the controllers' writes after it) is on disk.
   */
  write<T>(job: () => Promise<T>): Promise<T>;
}

type ResourceRoute = Extract<ApiRoute, { type: "resource" }>;

class ApiFailureError extends Error {
  constructor(readonly failure: ApiFailure) {
    super(displayText(failure.status.message));
  }
}

function fail(
  code: number,
  reason: Parameters<typeof apiFailure>[1],
  message: string,
  subject: FailureSubject = {},
): never {
  throw new ApiFailureError(apiFailure(code, reason, message, subject));
}

function sendJson(response: ServerResponse, code: number, body: JsonValue | Record<string, unknown>): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  response.end(text);
}

function subjectOf(type: ResourceType | undefined, route: ResourceRoute): FailureSubject {
  return {
    resource: route.plural,
    group: route.group,
    ...(type === undefined ? {} : { kind: type.kind }),
    ...(route.name === undefined ? {} : { name: route.name }),
  };
}

function apiVersionOfRoute(route: ResourceRoute): string {
  return route.group === "" ? route.version : `${route.group}/${route.version}`;
}

function refOfRoute(type: ResourceType, route: ResourceRoute, name: string): ObjectRef {
  return {
    apiVersion: apiVersionOfRoute(route),
    kind: type.kind,
    name,
    ...(type.namespaced && route.namespace !== undefined ? { namespace: route.namespace } : {}),
  };
}

/** The highest resourceVersion among objects (numeric when the versions are). */
function highestVersion(objects: readonly KubeObject[]): string {
  let best = 0;
  for (const object of objects) {
    const version = Number(object.metadata.resourceVersion ?? "0");
    if (Number.isFinite(version) && version > best) best = version;
  }
  return String(best);
}

function listVersion(context: HandlerContext, objects: readonly KubeObject[]): string {
  return context.cluster.resourceVersion ?? highestVersion(objects);
}

/** Fills apiVersion/kind/namespace from the URL and checks the body names the same object. */
function normaliseBody(body: JsonValue, type: ResourceType, route: ResourceRoute, verb: string): KubeObject {
  if (!isJsonObject(body)) fail(400, "BadRequest", `the request body must be a ${type.kind} object`);
  const metadata = isJsonObject(body.metadata) ? { ...body.metadata } : {};
  if (type.namespaced) {
    const namespace =
      typeof metadata.namespace === "string" && metadata.namespace !== "" ? metadata.namespace : undefined;
    if (route.namespace !== undefined && namespace !== undefined && namespace !== route.namespace) {
      fail(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
    }
    const effective = namespace ?? route.namespace;
    if (effective === undefined) fail(400, "BadRequest", `a ${type.kind} must be created in a namespace`);
    metadata.namespace = effective;
  } else {
    delete metadata.namespace;
  }
  if (route.name !== undefined) {
    if (metadata.name !== undefined && metadata.name !== route.name)
      fail(
        400,
        "BadRequest",
        `the name of the object (${displayText(metadata.name)}) does not match the name on the URL (${route.name})`,
      );
    metadata.name = route.name;
  }
  if (
    verb === "create" &&
    (typeof metadata.name !== "string" || metadata.name === "") &&
    (typeof metadata.generateName !== "string" || metadata.generateName === "")
  ) {
    throw new ApiFailureError(
      apiFailure(
        422,
        "Invalid",
        `${type.kind} is invalid: metadata.name: Required value: name or generateName is required`,
        { kind: type.kind },
        [
          {
            reason: "FieldValueRequired",
            message: "Required value: name or generateName is required",
            field: "metadata.name",
          },
        ],
      ),
    );
  }
  const apiVersion =
    typeof body.apiVersion === "string" && body.apiVersion !== "" ? body.apiVersion : apiVersionOfRoute(route);
  const kind = typeof body.kind === "string" && body.kind !== "" ? body.kind : type.kind;
  if (kind !== type.kind)
    fail(
      400,
      "BadRequest",
      `the kind of the object (${kind}) does not match the resource ${route.plural} (${type.kind})`,
    );
  return { ...body, apiVersion, kind, metadata };
}

function listOptionsOf(type: ResourceType, route: ResourceRoute, query: URLSearchParams): ListOptions {
  const labelSelector = query.get("labelSelector") ?? "";
  const fieldSelector = query.get("fieldSelector") ?? "";
  return {
    ...(type.namespaced && route.namespace !== undefined ? { namespace: route.namespace } : {}),
    ...(labelSelector === "" ? {} : { labelSelector }),
    ...(fieldSelector === "" ? {} : { fieldSelector }),
  };
}

function isDryRun(query: URLSearchParams): boolean {
  return query.getAll("dryRun").includes("All");
}

function propagationOf(
  query: URLSearchParams,
  body: JsonValue | undefined,
): "Background" | "Foreground" | "Orphan" | undefined {
  const fromBody = isJsonObject(body) ? body.propagationPolicy : undefined;
  const fromQuery = query.get("propagationPolicy") ?? undefined;
  const orphan = query.get("orphanDependents") ?? (isJsonObject(body) ? body.orphanDependents : undefined);
  const value = fromQuery ?? fromBody ?? (orphan === "true" || orphan === true ? "Orphan" : undefined);
  if (value === undefined || value === null) return undefined;
  if (value === "Background" || value === "Foreground" || value === "Orphan") return value;
  return fail(
    400,
    "BadRequest",
    `propagationPolicy must be Background, Foreground or Orphan, not ${JSON.stringify(value)}`,
  );
}

async function readJson(
  request: IncomingMessage,
): Promise<{ readonly value: JsonValue | undefined; readonly mediaType: string }> {
  const mediaType = mediaTypeOf(request.headers["content-type"]);
  const text = await readBody(request);
  return { value: text.trim() === "" ? undefined : parseBody(text, mediaType), mediaType };
}

async function getExisting(
  context: HandlerContext,
  type: ResourceType,
  route: ResourceRoute,
  name: string,
): Promise<KubeObject> {
  const existing = await context.cluster.get(refOfRoute(type, route, name));
  if (existing === undefined)
    fail(
      404,
      "NotFound",
      `${route.group === "" ? route.plural : `${route.plural}.${route.group}`} "${name}" not found`,
      subjectOf(type, route),
    );
  return existing;
}

/** A patch result as an object; a patch that removed `apiVersion`, `kind` or `metadata` is the client's error. */
function patchedObject(value: unknown): KubeObject {
  if (!isKubeObject(value))
    fail(422, "Invalid", "the patched object is not a Kubernetes object: apiVersion, kind and metadata are required");
  return value;
}

function badOperation(index: number, problem: string): never {
  return fail(400, "BadRequest", `the JSON patch's operation ${index} ${problem}`);
}

/** The operations of a JSON patch (RFC 6902), checked one by one. */
function jsonPatchOperations(patch: JsonValue): fastJsonPatch.Operation[] {
  if (!Array.isArray(patch)) fail(400, "BadRequest", "a JSON patch must be an array of operations");
  return patch.map((entry, index): fastJsonPatch.Operation => {
    if (!isJsonObject(entry) || typeof entry.path !== "string") return badOperation(index, "needs an op and a path");
    const path = entry.path;
    const from = typeof entry.from === "string" ? entry.from : undefined;
    switch (entry.op) {
      case "add":
        return { op: "add", path, value: entry.value ?? null };
      case "replace":
        return { op: "replace", path, value: entry.value ?? null };
      case "test":
        return { op: "test", path, value: entry.value ?? null };
      case "remove":
        return { op: "remove", path };
      case "move":
        return from === undefined ? badOperation(index, "(move) needs a from") : { op: "move", path, from };
      case "copy":
        return from === undefined ? badOperation(index, "(copy) needs a from") : { op: "copy", path, from };
      default:
        return badOperation(index, `has an unknown op ${JSON.stringify(entry.op ?? null)}`);
    }
  });
}

/** Computes a patched object locally (dry runs and strategic merge patches). */
function patchLocally(existing: KubeObject, mediaType: string, patch: JsonValue): KubeObject {
  const base = toJsonObject(existing);
  switch (mediaType) {
    case "application/merge-patch+json":
      return patchedObject(applyMergePatch(base, patch));
    case "application/strategic-merge-patch+json":
    case "application/apply-patch+yaml":
      return patchedObject(strategicMerge(base, patch));
    case "application/json-patch+json": {
      const operations = jsonPatchOperations(patch);
      try {
        return patchedObject(fastJsonPatch.applyPatch(structuredClone(base), operations, true, false).newDocument);
      } catch (error) {
        return fail(
          422,
          "Invalid",
          `the JSON patch cannot be applied: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`,
        );
      }
    }
    default:
      return fail(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: " +
          "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, " +
          "application/strategic-merge-patch+json",
      );
  }
}

/** Runs `attempt` again when it loses a resourceVersion race (strategic merge patches read, then update). */
async function withConflictRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (
        tries >= 5 ||
        !(error instanceof Error) ||
        error.name !== "ConflictError" ||
        !error.message.includes("has been modified")
      )
        throw error;
    }
  }
}

async function patchObject(
  context: HandlerContext,
  type: ResourceType,
  route: ResourceRoute,
  name: string,
  request: IncomingMessage,
  query: URLSearchParams,
): Promise<KubeObject> {
  const { value, mediaType } = await readJson(request);
  if (value === undefined) fail(400, "BadRequest", "the patch body is empty");
  const ref = refOfRoute(type, route, name);
  const status = route.subresource === "status";
  if (isDryRun(query)) {
    const existing =
      mediaType === "application/apply-patch+yaml"
        ? await context.cluster.get(ref)
        : await getExisting(context, type, route, name);
    if (existing === undefined) return normaliseBody(value, type, route, "create");
    return patchLocally(existing, mediaType, value);
  }
  switch (mediaType) {
    case "application/apply-patch+yaml": {
      const fieldManager = query.get("fieldManager") ?? "";
      if (fieldManager === "")
        fail(400, "BadRequest", "PATCH requests of type application/apply-patch+yaml must set fieldManager");
      const object = normaliseBody(value, type, route, "apply");
      if (status) {
        const existing = await getExisting(context, type, route, name);
        return context.write(() => context.cluster.updateStatus({ ...existing, status: object.status ?? {} }));
      }
      return context.write(() => context.cluster.apply(object, { fieldManager, force: query.get("force") === "true" }));
    }
    case "application/merge-patch+json":
    case "application/json-patch+json": {
      const body: PatchBody =
        mediaType === "application/merge-patch+json"
          ? {
              type: "merge",
              patch: isJsonObject(value) ? value : fail(400, "BadRequest", "a merge patch must be a JSON object"),
            }
          : {
              type: "json",
              patch:
                Array.isArray(value) && value.every(isJsonObject)
                  ? value
                  : fail(400, "BadRequest", "a JSON patch must be an array of operations"),
            };
      return context.write(() => (status ? context.cluster.patchStatus(ref, body) : context.cluster.patch(ref, body)));
    }
    case "application/strategic-merge-patch+json":
      return withConflictRetry(() =>
        context.write(async () => {
          const existing = await getExisting(context, type, route, name);
          const next = patchLocally(existing, mediaType, value);
          next.metadata = { ...next.metadata, resourceVersion: existing.metadata.resourceVersion ?? "" };
          return status ? context.cluster.updateStatus(next) : context.cluster.update(next);
        }),
      );
    default:
      return patchLocally({} as KubeObject, mediaType, value);
  }
}

/**
 * `…/<name>/scale`: the object's Scale; an update or patch of the Scale (any of the four patch
 * types) sets the object's desired replicas and nothing else, as the API server does.
 */
async function handleScale(
  context: HandlerContext,
  type: ResourceType,
  route: ResourceRoute,
  name: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? "GET";
  const verb = method.toLowerCase();
  try {
    const existing = await getExisting(context, type, route, name);
    const current = scaleOf(existing, type);
    if (method === "GET") return sendJson(response, 200, current);
    if (method !== "PUT" && method !== "PATCH")
      fail(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        subjectOf(type, route),
      );
    const { value, mediaType } = await readJson(request);
    if (value === undefined) fail(400, "BadRequest", "the request body is empty");
    const wanted =
      method === "PUT" ? value : toJsonObject(patchLocally(kubeObjectOf(current, "a Scale"), mediaType, value));
    const sentVersion =
      isJsonObject(wanted) && isJsonObject(wanted["metadata"]) ? wanted["metadata"]["resourceVersion"] : undefined;
    if (
      method === "PUT" &&
      typeof sentVersion === "string" &&
      sentVersion !== "" &&
      sentVersion !== existing.metadata.resourceVersion
    )
      fail(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${route.group === "" ? route.plural : `${route.plural}.${route.group}`} ` +
          `"${name}": the object has been modified; please apply your changes to the latest version and try again`,
        subjectOf(type, route),
      );
    const replicas = replicasOfScale(wanted);
    if ("invalid" in replicas)
      throw new ApiFailureError(
        apiFailure(
          422,
          "Invalid",
          `Scale.autoscaling "${name}" is invalid: spec.replicas: ${replicas.invalid}`,
          { kind: "Scale", group: "autoscaling", name },
          [{ reason: "FieldValueInvalid", message: replicas.invalid, field: "spec.replicas" }],
        ),
      );
    const updated = await context.write(() =>
      context.cluster.patch(refOfRoute(type, route, name), {
        type: "merge",
        patch: replicasPatch(type, replicas.replicas),
      }),
    );
    return sendJson(response, 200, scaleOf(updated, type));
  } catch (error) {
    if (error instanceof ApiFailureError) throw error;
    throw new ApiFailureError(failureOf(error, verb, subjectOf(type, route)));
  }
}

async function handleResource(
  context: HandlerContext,
  route: ResourceRoute,
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const type = findServedType(context.scope, route.group, route.version, route.plural);
  if (type === undefined)
    fail(404, "NotFound", "the server could not find the requested resource", {
      resource: route.plural,
      group: route.group,
    });
  if (route.namespace !== undefined && !type.namespaced)
    fail(404, "NotFound", "the server could not find the requested resource", subjectOf(type, route));
  if (route.subresource === "scale" && route.name !== undefined && hasScaleSubresource(type)) {
    await handleScale(context, type, route, route.name, request, response);
    return;
  }
  if (route.subresource === "log" && route.name !== undefined && type.plural === "pods" && type.group === "") {
    if (request.method !== "GET")
      fail(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        subjectOf(type, route),
      );
    const pod = await getExisting(context, type, route, route.name);
    try {
      await servePodLog(
        { cluster: context.cluster, clock: context.clock, shutdown: context.watch.shutdown },
        pod,
        refOfRoute(type, route, route.name),
        query,
        request,
        response,
      );
    } catch (error) {
      if (error instanceof LogRequestError) throw new ApiFailureError(error.failure);
      throw error;
    }
    return;
  }
  if (route.subresource !== undefined && !(route.subresource === "status" && hasStatusSubresource(type))) {
    fail(
      404,
      "NotFound",
      `the server could not find the requested resource (${route.plural}/${route.subresource})`,
      subjectOf(type, route),
    );
  }
  const apiVersion = apiVersionOfRoute(route);
  const method = request.method ?? "GET";
  const table = wantsTable(request.headers.accept);
  const name = route.name;
  const verb = method === "POST" ? "create" : method.toLowerCase();
  try {
    if (name === undefined) {
      switch (method) {
        case "GET": {
          const options = listOptionsOf(type, route, query);
          if (query.get("watch") === "true" || query.get("watch") === "1") {
            const resourceVersion = query.get("resourceVersion") ?? "";
            const timeout = Number(query.get("timeoutSeconds") ?? "0");
            await serveWatch(context.cluster, context.watch, request, response, {
              apiVersion,
              kind: type.kind,
              options,
              ...(resourceVersion === "" || resourceVersion === "0" ? {} : { resourceVersion }),
              bookmarks: query.get("allowWatchBookmarks") === "true",
              ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMs: timeout * 1000 } : {}),
            });
            return;
          }
          const items = await context.cluster.list(apiVersion, type.kind, options);
          const resourceVersion = listVersion(context, items);
          if (table) return sendJson(response, 200, toTable(type, items, context.clock.now(), resourceVersion));
          return sendJson(response, 200, {
            kind: `${type.kind}List`,
            apiVersion,
            metadata: { resourceVersion },
            items,
          });
        }
        case "POST": {
          const { value } = await readJson(request);
          if (value === undefined) fail(400, "BadRequest", "the request body is empty");
          const object = normaliseBody(value, type, route, "create");
          if (isDryRun(query))
            return sendJson(response, 201, {
              ...object,
              metadata: { ...object.metadata, creationTimestamp: formatTimestamp(context.clock.now()) },
            });
          const subject = {
            ...subjectOf(type, route),
            ...(object.metadata.name === undefined ? {} : { name: object.metadata.name }),
          };
          const created = await context
            .write(() => context.cluster.create(object))
            .catch((error: unknown) => Promise.reject(new ApiFailureError(failureOf(error, "create", subject))));
          return sendJson(response, 201, created);
        }
        case "DELETE": {
          const { value } = await readJson(request);
          const propagationPolicy = propagationOf(query, value);
          const items = await context.cluster.list(apiVersion, type.kind, listOptionsOf(type, route, query));
          if (!isDryRun(query)) {
            await context.write(async () => {
              for (const item of items)
                await context.cluster.delete(
                  {
                    apiVersion,
                    kind: type.kind,
                    name: item.metadata.name ?? "",
                    ...(item.metadata.namespace === undefined ? {} : { namespace: item.metadata.namespace }),
                  },
                  propagationPolicy === undefined ? {} : { propagationPolicy },
                );
            });
          }
          return sendJson(response, 200, {
            kind: `${type.kind}List`,
            apiVersion,
            metadata: { resourceVersion: listVersion(context, items) },
            items,
          });
        }
        default:
          fail(
            405,
            "MethodNotAllowed",
            `the server does not allow this method on the requested resource`,
            subjectOf(type, route),
          );
      }
    }
    switch (method) {
      case "GET": {
        const object = await getExisting(context, type, route, name);
        if (table)
          return sendJson(
            response,
            200,
            toTable(type, [object], context.clock.now(), object.metadata.resourceVersion ?? ""),
          );
        return sendJson(response, 200, object);
      }
      case "PUT": {
        const { value } = await readJson(request);
        if (value === undefined) fail(400, "BadRequest", "the request body is empty");
        const object = normaliseBody(value, type, route, "update");
        if (isDryRun(query)) return sendJson(response, 200, object);
        const updated = await context.write(() =>
          route.subresource === "status" ? context.cluster.updateStatus(object) : context.cluster.update(object),
        );
        return sendJson(response, 200, updated);
      }
      case "PATCH": {
        const existed =
          request.headers["content-type"]?.startsWith("application/apply-patch+yaml") === true
            ? (await context.cluster.get(refOfRoute(type, route, name))) !== undefined
            : true;
        const patched = await patchObject(context, type, route, name, request, query);
        return sendJson(response, existed ? 200 : 201, patched);
      }
      case "DELETE": {
        const { value } = await readJson(request);
        const propagationPolicy = propagationOf(query, value);
        const existing = await getExisting(context, type, route, name);
        if (isDryRun(query)) return sendJson(response, 200, existing);
        const deleted = await context.write(() =>
          context.cluster.delete(
            refOfRoute(type, route, name),
            propagationPolicy === undefined ? {} : { propagationPolicy },
          ),
        );
        if (!deleted)
          fail(
            404,
            "NotFound",
            `${route.group === "" ? route.plural : `${route.plural}.${route.group}`} "${name}" not found`,
            subjectOf(type, route),
          );
        return sendJson(response, 200, existing);
      }
      default:
        fail(
          405,
          "MethodNotAllowed",
          `the server does not allow this method on the requested resource`,
          subjectOf(type, route),
        );
    }
  } catch (error) {
    if (error instanceof ApiFailureError) throw error;
    throw new ApiFailureError(failureOf(error, verb, subjectOf(type, route)));
  }
}

function handleDiscovery(
  context: HandlerContext,
  route: ApiRoute,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const notFound = (): never => fail(404, "NotFound", "the server could not find the requested resource");
  switch (route.type) {
    case "version":
      return sendJson(response, 200, versionInfo());
    case "coreVersions":
      return sendJson(response, 200, coreVersions());
    case "groupList":
      return sendJson(response, 200, groupList(context.scope));
    case "group":
      return sendJson(response, 200, groupInfo(context.scope, route.group) ?? notFound());
    case "resourceList":
      return sendJson(response, 200, resourceList(context.scope, route.group, route.version) ?? notFound());
    case "openapiRoot":
      return sendJson(response, 200, context.scope.openApiV3 === false ? notFound() : openApiRoot(context.scope));
    case "openapiGroupVersion":
      if (context.scope.openApiV3 === false) return notFound();
      return sendJson(response, 200, openApiGroupVersion(context.scope, route.group, route.version) ?? notFound());
    case "openapiV2": {
      const document = openApiV2(wantsProtobufOpenApi(request.headers.accept), context.scope);
      response.writeHead(200, { "Content-Type": document.contentType, "Content-Length": document.body.length });
      response.end(document.body);
      return;
    }
    case "unknown":
    case "resource":
      return notFound();
  }
}

/** `/metrics`: the sandbox's request log in the Prometheus exposition format (docs/analysis.md). */
async function sendRequestMetrics(context: HandlerContext, response: ServerResponse): Promise<void> {
  const objects = await context.cluster.list(REQUEST_METRICS_API_VERSION, REQUEST_METRICS_KIND, {
    namespace: REQUEST_METRICS_NAMESPACE,
  });
  const text = renderRequestMetrics(objects);
  response.writeHead(200, {
    "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * Answers one authenticated request of the Kubernetes REST API from the served cluster: discovery,
 * CRUD, list with selectors, the four patch types, the status subresource, `dryRun=All`, watches and
 * Table output. Failures are answered with a `Status` object and the matching HTTP code.
 */
export async function handleApiRequest(
  context: HandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "https://127.0.0.1");
  if (url.pathname === "/metrics" && request.method === "GET") {
    await sendRequestMetrics(context, response);
    return;
  }
  const route = parseRoute(url.pathname);
  try {
    if (
      route.type === "resource" &&
      request.method === "POST" &&
      isAccessReviewPath(route.group, route.version, route.plural)
    ) {
      const { value } = await readJson(request);
      sendJson(response, 201, reviewAccess(context.scope, isJsonObject(value) ? value : {}));
    } else if (route.type === "resource") await handleResource(context, route, request, response, url.searchParams);
    else if (request.method !== "GET")
      fail(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    else handleDiscovery(context, route, request, response);
  } catch (error) {
    const failure = error instanceof ApiFailureError ? error.failure : failureOf(error, request.method ?? "GET", {});
    if (response.headersSent) {
      response.end();
      return;
    }
    // The rest of an oversized body is not read: the connection closes after the answer.
    if (failure.code === 413) response.setHeader("Connection", "close");
    sendJson(response, failure.code, failure.status);
  }
}
