/**
 * Traefik's Kubernetes CRD provider (`traefik/traefik` `pkg/provider/kubernetes/crd`; docs
 * `routing/providers/kubernetes-crd`): `IngressRoute` routes (`spec.routes[].match`, `priority`,
 * `services`) and weighted `TraefikService`s (`spec.weighted.services[]`, nested; `spec.mirroring`
 * serves its main service), under both API groups (`traefik.io/v1alpha1`, Traefik v3 and v2.10+,
 * and `traefik.containo.us/v1alpha1`, older v2, which Argo Rollouts still defaults to).
 *
 * Route choice: every route of every IngressRoute whose rule matches; the highest `priority`
 * wins, a route without one has the length of its rule as priority (Traefik's default); ties go to
 * the route declared first (namespace/name order). Services of a route: one is used as is; several
 * are a weighted round robin (weight default 1). A weight of 0 never receives requests. A Service
 * with no ready endpoints answers 503, a missing one 500; no matching route: 404.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import { ValidationError } from "../../../errors/index.js";
import type { ControllerView } from "../controller-contract.js";
import { objectsAt, stringAt } from "../controllers/common/fields.js";
import { listServedVersions, TRAEFIK_API_VERSIONS } from "../controllers/common/versions.js";
import { chooseWeighted, serviceOutcome } from "./backends.js";
import { parseTraefikRule, traefikRuleMatches, type TraefikRule } from "./traefik-rule.js";
import type { RouteOutcome, RouteRequest } from "./types.js";
import type { JsonObject } from "../../../util/index.js";

export { TRAEFIK_API_VERSIONS };

/** One `routes[]` entry of an IngressRoute with its parsed rule. */
export interface TraefikRoute {
  readonly ingressRoute: KubeObject;
  readonly index: number;
  readonly rule: TraefikRule;
  readonly priority: number;
  readonly services: readonly JsonObject[];
}

function routesOf(ingressRoute: KubeObject): TraefikRoute[] {
  return objectsAt(ingressRoute, ["spec", "routes"]).flatMap((route, index): TraefikRoute[] => {
    const match = typeof route.match === "string" ? route.match : "";
    let rule: TraefikRule;
    try {
      rule = parseTraefikRule(match);
    } catch (error) {
      // Traefik logs an invalid rule and skips that router; the others still serve.
      if (error instanceof ValidationError) return [];
      throw error;
    }
    const priority = typeof route.priority === "number" && route.priority > 0 ? route.priority : match.length;
    return [{ ingressRoute, index, rule, priority, services: objectsAt(route, ["services"]) }];
  });
}

/** The IngressRoute route Traefik would use for the request, if any. */
export function findTraefikRoute(view: ControllerView, request: RouteRequest): TraefikRoute | undefined {
  let best: TraefikRoute | undefined;
  for (const ingressRoute of listServedVersions(view, TRAEFIK_API_VERSIONS, "IngressRoute")) {
    for (const route of routesOf(ingressRoute)) {
      if (!traefikRuleMatches(route.rule, request)) continue;
      if (best === undefined || route.priority > best.priority) best = route;
    }
  }
  return best;
}

function weightOf(service: JsonObject): number {
  return typeof service.weight === "number" ? Math.max(0, service.weight) : 1;
}

/** Resolves one service reference (a Kubernetes Service or a TraefikService) to an answer. */
function resolveService(
  view: ControllerView,
  reference: JsonObject,
  namespace: string,
  random: () => number,
  cache: Map<string, readonly KubeObject[]>,
  seen: ReadonlySet<string>,
): RouteOutcome {
  const name = typeof reference.name === "string" ? reference.name : "";
  const ns = typeof reference.namespace === "string" ? reference.namespace : namespace;
  if (reference.kind !== "TraefikService") return serviceOutcome(view, ns, name, random, cache);
  const key = `${ns}/${name}`;
  if (seen.has(key)) return { status: 500, backend: `TraefikService ${key} (cycle)` };
  const traefikService = TRAEFIK_API_VERSIONS.map((apiVersion) =>
    view.get({ apiVersion, kind: "TraefikService", name, namespace: ns }),
  ).find((found) => found !== undefined);
  if (traefikService === undefined) return { status: 500, backend: `TraefikService ${key} (not found)` };
  const next = new Set([...seen, key]);
  const mirroring = stringAt(traefikService, ["spec", "mirroring", "name"]);
  if (mirroring !== undefined) {
    const main = (traefikService.spec as JsonObject).mirroring as JsonObject;
    return resolveService(view, main, ns, random, cache, next);
  }
  const children = objectsAt(traefikService, ["spec", "weighted", "services"]);
  const chosen = chooseWeighted(
    children.map((child) => ({ item: child, weight: weightOf(child) })),
    random,
  );
  if (chosen === undefined) return { status: 503, backend: `TraefikService ${key} (no weighted service)` };
  return resolveService(view, chosen, ns, random, cache, next);
}

/** Routes one request through a Traefik route. */
export function routeTraefikRequest(
  view: ControllerView,
  route: TraefikRoute,
  random: () => number,
  cache: Map<string, readonly KubeObject[]>,
): RouteOutcome {
  const namespace = route.ingressRoute.metadata.namespace ?? "default";
  const chosen =
    route.services.length === 1
      ? route.services[0]
      : chooseWeighted(
          route.services.map((service) => ({ item: service, weight: weightOf(service) })),
          random,
        );
  if (chosen === undefined) return { status: 503, backend: "route without services" };
  return resolveService(view, chosen, namespace, random, cache, new Set());
}

/** `IngressRoute ns/name` route index, for the summary. */
export function describeTraefikRoute(route: TraefikRoute): string {
  return `IngressRoute ${route.ingressRoute.metadata.namespace ?? "default"}/${route.ingressRoute.metadata.name ?? ""} routes[${route.index}]`;
}
