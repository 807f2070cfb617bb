/**
 * Traffic routing of a canary-style release (`openkruise/rollouts`
 * `pkg/trafficrouting/manager.go` `DoTrafficRouting`, `FinalisingTrafficRouting`,
 * `RestoreStableService`, `RestoreGateway`, `RemoveCanaryService`; `pkg/trafficrouting/network/
 * nginx/nginx.go` `EnsureRoutes`/`Finalise`; `network/customNetworkProvider` for Istio
 * VirtualServices). The canary Service `S-canary` is a copy of `S` selecting the canary
 * pod-template-hash; `S` gets the stable hash pinned; the canary Ingress `I-canary` copies `I`'s
 * rules whose backend is `S`, re-pointed at `S-canary`, and carries the nginx annotations of the
 * step; a Gateway API HTTPRoute gets the step's weights or header rule (`gateway-api.ts`). Every
 * change restarts the grace wait (`gracePeriodSeconds`, default 3 s).
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../../../util/index.js";
import { objectAt, objectsAt, stringAt, stringMapAt, valueAt } from "../common/fields.js";
import { controllerReference } from "../common/owners.js";
import { POD_TEMPLATE_HASH_LABEL } from "../common/pods.js";
import type { RolloutStep, TrafficRouting } from "./api.js";
import { refIn, type RolloutContext } from "./context.js";
import { ensureHTTPRoute, httpRouteExists } from "./gateway-api.js";
import { canaryIngressAnnotations } from "./nginx-annotations.js";
import { hasElapsed, touch } from "./status.js";

/** Annotation holding a VirtualService's spec from before the release, restored at the end. */
export const ORIGINAL_SPEC_ANNOTATION = "rollouts.kruise.io/original-spec-configuration";

/** `S-canary`. */
export function canaryServiceName(routing: TrafficRouting): string {
  return `${routing.service}-canary`;
}

/** `I-canary`. */
export function canaryIngressName(routing: TrafficRouting): string {
  return `${routing.ingress?.name ?? ""}-canary`;
}

function get(ctx: RolloutContext, apiVersion: string, kind: string, name: string): KubeObject | undefined {
  return ctx.view.get(refIn(ctx.namespace, apiVersion, kind, name));
}

/** The canary Service: a copy of `S` (ports, labels, annotations) with cluster IPs cleared and the canary hash in its selector. */
export function buildCanaryService(
  stable: KubeObject,
  name: string,
  canaryHash: string,
  owner: KubeObject,
): KubeObject {
  const spec = structuredClone(objectAt(stable, ["spec"]) ?? {});
  for (const key of ["clusterIP", "clusterIPs", "loadBalancerIP", "healthCheckNodePort"]) delete spec[key];
  if (Array.isArray(spec.ports))
    spec.ports = spec.ports.map((port) =>
      isJsonObject(port) ? Object.fromEntries(Object.entries(port).filter(([key]) => key !== "nodePort")) : port,
    );
  spec.selector = { ...stringMapAt(stable, ["spec", "selector"]), [POD_TEMPLATE_HASH_LABEL]: canaryHash };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      ...(stable.metadata.namespace === undefined ? {} : { namespace: stable.metadata.namespace }),
      ...(stable.metadata.labels === undefined ? {} : { labels: { ...stable.metadata.labels } }),
      ...(stable.metadata.annotations === undefined ? {} : { annotations: { ...stable.metadata.annotations } }),
      ownerReferences: [controllerReference(owner)],
    },
    spec,
  };
}

/** The canary Ingress: `I`'s class, TLS, labels and annotations; only paths whose backend is `S`, re-pointed at `S-canary`. */
export function buildCanaryIngress(
  stable: KubeObject,
  name: string,
  stableService: string,
  canaryService: string,
  owner: KubeObject,
): KubeObject {
  const rules = objectsAt(stable, ["spec", "rules"]).flatMap((rule): JsonObject[] => {
    const paths = objectsAt(rule, ["http", "paths"])
      .filter((path) => stringAt(path, ["backend", "service", "name"]) === stableService)
      .map((path) => {
        const copy = structuredClone(path);
        const service = objectAt(copy, ["backend", "service"]);
        if (service !== undefined) service.name = canaryService;
        return copy;
      });
    if (paths.length === 0) return [];
    return [{ ...(typeof rule.host === "string" ? { host: rule.host } : {}), http: { paths } }];
  });
  const spec: JsonObject = { rules };
  const className = stringAt(stable, ["spec", "ingressClassName"]);
  if (className !== undefined) spec.ingressClassName = className;
  const tls = valueAt(stable, ["spec", "tls"]);
  if (tls !== undefined) spec.tls = structuredClone(tls);
  return {
    apiVersion: stable.apiVersion,
    kind: "Ingress",
    metadata: {
      name,
      ...(stable.metadata.namespace === undefined ? {} : { namespace: stable.metadata.namespace }),
      ...(stable.metadata.labels === undefined ? {} : { labels: { ...stable.metadata.labels } }),
      annotations: canaryIngressAnnotations(stable.metadata.annotations ?? {}, undefined),
      ownerReferences: [controllerReference(owner)],
    },
    spec,
  };
}

function mergeAnnotationsPatch(
  current: Readonly<Record<string, string>>,
  desired: Readonly<Record<string, string>>,
): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(current)) if (!(key in desired)) patch[key] = null;
  for (const [key, value] of Object.entries(desired)) if (current[key] !== value) patch[key] = value;
  return patch;
}

/** Pins `S`'s selector to the stable hash. Returns true when a write was made. */
export function pinStableService(ctx: RolloutContext, routing: TrafficRouting, stableRevision: string): boolean {
  const stable = get(ctx, "v1", "Service", routing.service);
  if (stable === undefined || stableRevision === "") return false;
  if (stringAt(stable, ["spec", "selector", POD_TEMPLATE_HASH_LABEL]) === stableRevision) return false;
  ctx.changes.push({
    op: "patch",
    ref: refIn(ctx.namespace, "v1", "Service", routing.service),
    body: { type: "merge", patch: { spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: stableRevision } } } },
  });
  return true;
}

/** Desired VirtualService spec for a step (§1.11): weights of the stable host scaled to 100 − w, canary appended; header matches first. */
export function virtualServiceSpecForStep(
  original: JsonObject,
  stableService: string,
  canaryService: string,
  step: Pick<RolloutStep, "weight" | "matches">,
): JsonObject {
  const spec = structuredClone(original);
  const isStable = (host: JsonValue | undefined): boolean =>
    typeof host === "string" && host.split(".")[0] === stableService;
  const weight = step.weight ?? 0;
  const http = objectsAt(spec, ["http"]).map((rule) => {
    const route = objectsAt(rule, ["route"]);
    if (rule.match !== undefined || !route.some((dest) => isStable(valueAt(dest, ["destination", "host"]))))
      return rule;
    const scaled = route.map((dest) => ({
      ...dest,
      weight: Math.floor(
        ((typeof dest.weight === "number" ? dest.weight : route.length === 1 ? 100 : 0) * (100 - weight)) / 100,
      ),
    }));
    return { ...rule, route: [...scaled, { destination: { host: canaryService }, weight }] };
  });
  const headerRules = step.matches
    .filter((match) => match.length > 0)
    .map((match) => ({
      match: [
        {
          headers: Object.fromEntries(
            match.map((header) => [
              header.name.toLowerCase(),
              header.type === "RegularExpression" ? { regex: header.value } : { exact: header.value },
            ]),
          ),
        },
      ],
      route: [{ destination: { host: canaryService } }],
    }));
  spec.http = [...headerRules, ...http];
  return spec;
}

function ensureVirtualService(
  ctx: RolloutContext,
  routing: TrafficRouting,
  ref: { readonly apiVersion: string; readonly name: string },
  step: RolloutStep | undefined,
): boolean {
  const vs = get(ctx, ref.apiVersion, "VirtualService", ref.name);
  if (vs === undefined) return true;
  const saved = vs.metadata.annotations?.[ORIGINAL_SPEC_ANNOTATION];
  const original =
    saved === undefined ? (objectAt(vs, ["spec"]) ?? {}) : ((JSON.parse(saved) as { spec?: JsonObject }).spec ?? {});
  const desired =
    step === undefined
      ? original
      : virtualServiceSpecForStep(original, routing.service, canaryServiceName(routing), step);
  if (jsonEqual(objectAt(vs, ["spec"]) ?? {}, desired) && (step === undefined) === (saved === undefined)) return true;
  ctx.changes.push({
    op: "patch",
    ref: refIn(ctx.namespace, ref.apiVersion, "VirtualService", ref.name),
    body: {
      type: "merge",
      patch: {
        metadata: {
          annotations: {
            [ORIGINAL_SPEC_ANNOTATION]: step === undefined ? null : (saved ?? JSON.stringify({ spec: original })),
          },
        },
        spec: { http: desired.http ?? null },
      },
    },
  });
  return false;
}

/** `EnsureRoutes` of each provider for a step; true when every route already matches. */
function ensureRoutes(ctx: RolloutContext, routing: TrafficRouting, step: RolloutStep): boolean {
  let verified = true;
  if (routing.ingress !== undefined) {
    const name = canaryIngressName(routing);
    const canary = get(ctx, "networking.k8s.io/v1", "Ingress", name);
    const stable = get(ctx, "networking.k8s.io/v1", "Ingress", routing.ingress.name);
    if (stable !== undefined) {
      if (canary === undefined) {
        ctx.changes.push({
          op: "create",
          object: buildCanaryIngress(stable, name, routing.service, canaryServiceName(routing), ctx.rollout),
        });
        return false;
      }
      const desired = canaryIngressAnnotations(stable.metadata.annotations ?? {}, step);
      const current = canary.metadata.annotations ?? {};
      if (!jsonEqual(current, desired)) {
        ctx.changes.push({
          op: "patch",
          ref: refIn(ctx.namespace, "networking.k8s.io/v1", "Ingress", name),
          body: { type: "merge", patch: { metadata: { annotations: mergeAnnotationsPatch(current, desired) } } },
        });
        verified = false;
      }
    }
  }
  for (const ref of routing.customNetworkRefs) {
    if (ref.kind === "VirtualService" && !ensureVirtualService(ctx, routing, ref, step)) verified = false;
  }
  if (!ensureHTTPRoute(ctx, routing, canaryServiceName(routing), step)) verified = false;
  return verified;
}

/**
 * `DoTrafficRouting` for the current step: canary Service, selectors, grace wait, then routes.
 * Returns true when traffic already matches the step.
 */
export function doTrafficRouting(ctx: RolloutContext, routing: TrafficRouting, step: RolloutStep): boolean {
  const canary = ctx.status.canaryStatus;
  if (canary === undefined) return false;
  const stable = get(ctx, "v1", "Service", routing.service);
  if (stable === undefined) return false;
  const canaryName = canaryServiceName(routing);
  const canaryService = get(ctx, "v1", "Service", canaryName);
  if (canaryService === undefined) {
    ctx.changes.push({
      op: "create",
      object: buildCanaryService(stable, canaryName, canary.podTemplateHash, ctx.rollout),
    });
    touch(canary, ctx.env.now);
    return false;
  }
  if (stringAt(canaryService, ["spec", "selector", POD_TEMPLATE_HASH_LABEL]) !== canary.podTemplateHash) {
    ctx.changes.push({
      op: "patch",
      ref: refIn(ctx.namespace, "v1", "Service", canaryName),
      body: { type: "merge", patch: { spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: canary.podTemplateHash } } } },
    });
    touch(canary, ctx.env.now);
    return false;
  }
  if (pinStableService(ctx, routing, canary.stableRevision)) {
    touch(canary, ctx.env.now);
    return false;
  }
  if (!hasElapsed(canary.lastUpdateTime, routing.gracePeriodSeconds, ctx.env.now)) return false;
  if (!ensureRoutes(ctx, routing, step)) {
    touch(canary, ctx.env.now);
    return false;
  }
  return true;
}

/** Outcome of one cleanup action: a write was made, nothing was left to do, or something must settle first. */
export type CleanupOutcome = "changed" | "done" | "waiting";

/** `RestoreStableService`: drop the pod-template-hash from `S`'s selector. */
export function restoreStableService(ctx: RolloutContext, routing: TrafficRouting): CleanupOutcome {
  const stable = get(ctx, "v1", "Service", routing.service);
  if (stable === undefined || stringAt(stable, ["spec", "selector", POD_TEMPLATE_HASH_LABEL]) === undefined)
    return "done";
  ctx.changes.push({
    op: "patch",
    ref: refIn(ctx.namespace, "v1", "Service", routing.service),
    body: { type: "merge", patch: { spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: null } } } },
  });
  return "changed";
}

/** `RestoreGateway` / route all traffic through `S`: delete `I-canary`, put VirtualServices back. One write per provider. */
export function routeTrafficToStable(ctx: RolloutContext, routing: TrafficRouting): CleanupOutcome {
  if (routing.ingress !== undefined) {
    const name = canaryIngressName(routing);
    if (get(ctx, "networking.k8s.io/v1", "Ingress", name) !== undefined) {
      ctx.changes.push({ op: "delete", ref: refIn(ctx.namespace, "networking.k8s.io/v1", "Ingress", name) });
      return "changed";
    }
  }
  for (const ref of routing.customNetworkRefs) {
    if (ref.kind === "VirtualService" && !ensureVirtualService(ctx, routing, ref, undefined)) return "changed";
  }
  if (!ensureHTTPRoute(ctx, routing, canaryServiceName(routing), undefined)) return "changed";
  return "done";
}

/** `RemoveCanaryService`: delete `S-canary`. */
export function removeCanaryService(ctx: RolloutContext, routing: TrafficRouting): CleanupOutcome {
  const name = canaryServiceName(routing);
  if (get(ctx, "v1", "Service", name) === undefined) return "done";
  ctx.changes.push({ op: "delete", ref: refIn(ctx.namespace, "v1", "Service", name) });
  return "changed";
}

/** True when the Service and Ingress the routing names exist (checked while Initializing). */
export function routingObjectsExist(ctx: RolloutContext, routing: TrafficRouting): string | undefined {
  if (get(ctx, "v1", "Service", routing.service) === undefined)
    return `Service(${ctx.namespace ?? ""}/${routing.service}) is Not Found`;
  if (
    routing.ingress !== undefined &&
    get(ctx, "networking.k8s.io/v1", "Ingress", routing.ingress.name) === undefined
  ) {
    return `Ingress(${ctx.namespace ?? ""}/${routing.ingress.name}) is Not Found`;
  }
  if (routing.httpRouteName !== undefined && !httpRouteExists(ctx, routing.httpRouteName))
    return `HTTPRoute(${ctx.namespace ?? ""}/${routing.httpRouteName}) is Not Found`;
  return undefined;
}
