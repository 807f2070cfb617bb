import { hasLogSubresource, hasStatusSubresource, servedTypes, type DiscoveryScope } from "./discovery.js";
import { hasScaleSubresource } from "./scale.js";

/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` — what `kubectl auth can-i` asks.
 * The served sandbox has one user (the kubeconfig's bearer token) and no RBAC: the token may do
 * everything the server serves. So the answer is `allowed: true` for a verb the server really
 * answers on that resource, and `allowed: false` with the reason otherwise (a resource it does not
 * serve, a subresource it has not, a verb such as `escalate` or `impersonate` it has no use for),
 * instead of the blanket yes a cluster-admin gets from a real API server's authorizer.
 */

/** The verbs the server answers on a collection or an object of every served kind. */
const RESOURCE_VERBS = new Set(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]);

/** Paths outside the resource layout the server answers to GET. */
const NON_RESOURCE_PATHS = ["/version", "/api", "/apis", "/openapi/v2", "/openapi/v3", "/metrics"];

interface ResourceAttributes {
  readonly namespace?: string;
  readonly verb?: string;
  readonly group?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly name?: string;
}

interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

const ALLOWED = "the served sandbox's token may do everything the server serves";

function stringField(value: Record<string, unknown> | undefined, key: string): string | undefined {
  const field = value?.[key];
  return typeof field === "string" && field !== "" ? field : undefined;
}

function resourceDecision(scope: DiscoveryScope, attributes: ResourceAttributes): Decision {
  const verb = attributes.verb ?? "";
  const group = attributes.group ?? "";
  const resource = attributes.resource ?? "";
  const shown = group === "" ? resource : `${resource}.${group}`;
  const types = servedTypes(scope).filter(
    (type) => type.group === group && (resource === "*" || type.plural === resource),
  );
  if (types.length === 0) return { allowed: false, reason: `the served sandbox does not serve ${shown}` };
  if (resource === "*" || verb === "*")
    return { allowed: false, reason: "the served sandbox answers only the verbs and resources it serves, not *" };
  const type = types[0];
  if (attributes.subresource !== undefined) {
    const served =
      type !== undefined &&
      ((attributes.subresource === "status" && hasStatusSubresource(type)) ||
        (attributes.subresource === "scale" && hasScaleSubresource(type)));
    if (attributes.subresource === "log" && type !== undefined && hasLogSubresource(type))
      return verb === "get"
        ? { allowed: true, reason: ALLOWED }
        : { allowed: false, reason: `${shown}/log is served for get only` };
    if (!served) return { allowed: false, reason: `the served sandbox has no ${shown}/${attributes.subresource}` };
    return ["get", "patch", "update"].includes(verb)
      ? { allowed: true, reason: ALLOWED }
      : { allowed: false, reason: `${shown}/${attributes.subresource} is served for get, patch and update only` };
  }
  if (!RESOURCE_VERBS.has(verb))
    return { allowed: false, reason: `the served sandbox does not serve the verb ${verb} on ${shown}` };
  return { allowed: true, reason: ALLOWED };
}

function nonResourceDecision(path: string, verb: string): Decision {
  const served = NON_RESOURCE_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  if (!served) return { allowed: false, reason: `the served sandbox does not serve ${path}` };
  return verb === "get"
    ? { allowed: true, reason: ALLOWED }
    : { allowed: false, reason: `${path} is served for get only` };
}

/** The SelfSubjectAccessReview answered: the request's spec with its `status`. */
export function reviewAccess(scope: DiscoveryScope, body: Record<string, unknown>): Record<string, unknown> {
  const spec = (typeof body.spec === "object" && body.spec !== null ? body.spec : {}) as Record<string, unknown>;
  const resourceAttributes = spec.resourceAttributes as Record<string, unknown> | undefined;
  const nonResourceAttributes = spec.nonResourceAttributes as Record<string, unknown> | undefined;
  let decision: Decision;
  if (resourceAttributes !== undefined) {
    const subresource = stringField(resourceAttributes, "subresource");
    decision = resourceDecision(scope, {
      verb: stringField(resourceAttributes, "verb") ?? "",
      group: stringField(resourceAttributes, "group") ?? "",
      resource: stringField(resourceAttributes, "resource") ?? "",
      ...(subresource === undefined ? {} : { subresource }),
    });
  } else if (nonResourceAttributes !== undefined)
    decision = nonResourceDecision(
      stringField(nonResourceAttributes, "path") ?? "",
      stringField(nonResourceAttributes, "verb") ?? "",
    );
  else decision = { allowed: false, reason: "the review names neither resourceAttributes nor nonResourceAttributes" };
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    metadata: { creationTimestamp: null },
    spec,
    status: decision.allowed ? { allowed: true, reason: decision.reason } : { allowed: false, reason: decision.reason },
  };
}

/** Whether a request is a SelfSubjectAccessReview (`kubectl auth can-i`). */
export function isAccessReviewPath(group: string, version: string, plural: string): boolean {
  return group === "authorization.k8s.io" && version === "v1" && plural === "selfsubjectaccessreviews";
}
