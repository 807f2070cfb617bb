/**
 * ingress-nginx request routing (`kubernetes/ingress-nginx` `rootfs/etc/nginx/lua/balancer.lua`
 * `route_to_alternative_balancer`, `docs/user-guide/nginx-configuration/annotations.md`, and the
 * controller's Ingress → location model): host and path matching (Exact, Prefix,
 * ImplementationSpecific as a prefix; exact locations first, then the longest path), the canary
 * Ingress bound to the main Ingress with the same host and path, and the per-request decision
 * header → cookie → weight with fall-through. No ready canary endpoints → stable; no stable
 * endpoints → 503 even for requests the canary would take (ingress-nginx#9635); no matching
 * Ingress → 404 from the default backend.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import type { ControllerView } from "../controller-contract.js";
import { stringAt } from "../controllers/common/fields.js";
import { canaryKey, ingressLocations, type Location } from "./ingress-locations.js";
import { podImage } from "../controllers/common/pods.js";
import { readyEndpoints } from "./endpoints.js";
import type { Endpoints, RouteOutcome, RouteRequest } from "./types.js";

const CANARY = "nginx.ingress.kubernetes.io/canary";
const PREFIX = "nginx.ingress.kubernetes.io/";

export type { Location } from "./ingress-locations.js";

/** The class an Ingress asks for (`spec.ingressClassName`, else the legacy `kubernetes.io/ingress.class` annotation). */
export function ingressClassOf(ingress: KubeObject): string | undefined {
  return (
    stringAt(ingress, ["spec", "ingressClassName"]) ?? ingress.metadata.annotations?.["kubernetes.io/ingress.class"]
  );
}

/** ingress-nginx serves class `nginx` and, as the default class, Ingresses that name none. */
function isNginxClass(ingress: KubeObject): boolean {
  const className = ingressClassOf(ingress);
  return className === undefined || className === "nginx";
}

/** Host match: exact, `*.example.com` for one extra label, or a rule without host (any). */
export function hostMatches(ruleHost: string, host: string): boolean {
  if (ruleHost === "" || ruleHost === "*") return true;
  const bare = host.replace(/:\d+$/, "").toLowerCase();
  if (ruleHost.startsWith("*.")) {
    const suffix = ruleHost.slice(1).toLowerCase();
    return bare.endsWith(suffix) && !bare.slice(0, -suffix.length).includes(".") && bare.length > suffix.length;
  }
  return ruleHost.toLowerCase() === bare;
}

/** Path match per pathType; returns a score (higher wins) or -1. */
export function pathScore(pathType: string, path: string, requestPath: string): number {
  const request = requestPath.split("?")[0] ?? "/";
  if (pathType === "Exact") return request === path ? 1_000_000 : -1;
  if (pathType === "Prefix") {
    if (path === "/") return 1;
    const trimmed = path.replace(/\/+$/, "");
    return request === trimmed || request.startsWith(`${trimmed}/`) ? trimmed.length + 1 : -1;
  }
  return request.startsWith(path) ? path.length + 1 : -1;
}

/** Whether an Ingress carries ingress-nginx's canary annotation. */
function isNginxCanary(ingress: KubeObject): boolean {
  return ingress.metadata.annotations?.[CANARY] === "true";
}

/** The main (non-canary) location serving a host and path, with the canary locations bound to it. */
export interface IngressRoute {
  readonly main: Location;
  /** Canary Ingresses' locations with the same host and path (same namespace), by name. */
  readonly canaries: readonly Location[];
}

/**
 * The location an Ingress controller uses for `host` + `path` among the Ingresses `accepts`:
 * exact host over wildcard over none, then the best path score; canary Ingresses never serve as the
 * main location and attach to the main one with the same host and path.
 */
export function findIngressRoute(
  view: ControllerView,
  host: string,
  path: string,
  accepts: (ingress: KubeObject) => boolean,
  isCanary: (ingress: KubeObject) => boolean,
): IngressRoute | undefined {
  const index = ingressLocations(view.list("networking.k8s.io/v1", "Ingress"), accepts, isCanary);
  const bare = host.replace(/:\d+$/, "").toLowerCase();
  const candidates = [...(index.byHost.get(bare) ?? []), ...index.anyHost].sort((a, b) => a.rank - b.rank);
  let best: { location: Location; score: number } | undefined;
  for (const { location } of candidates) {
    if (!hostMatches(location.host, host)) continue;
    const score = pathScore(location.pathType, location.path, path) + (location.host === "" ? 0 : 0.5);
    if (score >= 0 && (best === undefined || score > best.score)) best = { location, score };
  }
  if (best === undefined) return undefined;
  const main = best.location;
  const canaries = index.canaries.get(canaryKey(main.ingress.metadata.namespace, main.host, main.path)) ?? [];
  return { main, canaries };
}

/** The main (non-canary) location serving a host and path, with its canary, if any. */
export interface NginxRoute {
  readonly main: Location;
  readonly canary: Location | undefined;
}

/** Finds the location ingress-nginx would use for `host` + `path` (only one canary Ingress per host and path is honoured). */
export function findNginxRoute(view: ControllerView, host: string, path: string): NginxRoute | undefined {
  const route = findIngressRoute(view, host, path, isNginxClass, isNginxCanary);
  return route === undefined ? undefined : { main: route.main, canary: route.canaries[0] };
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase().replaceAll("_", "-");
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase().replaceAll("_", "-") === wanted) return value;
  return undefined;
}

/** `route_to_alternative_balancer` for one request: true = canary. `draw` gives r in 1…total. */
export function routeToCanary(
  annotations: Readonly<Record<string, string>>,
  request: Pick<RouteRequest, "headers" | "cookies">,
  draw: (total: number) => number,
): boolean {
  const header = annotations[`${PREFIX}canary-by-header`];
  if (header !== undefined && header !== "") {
    const value = headerValue(request.headers, header);
    if (value !== undefined) {
      const exact = annotations[`${PREFIX}canary-by-header-value`];
      const pattern = annotations[`${PREFIX}canary-by-header-pattern`];
      if (exact !== undefined && exact !== "") {
        if (value === exact) return true;
      } else if (pattern !== undefined && pattern !== "") {
        try {
          if (new RegExp(pattern).test(value)) return true;
        } catch {
          return false;
        }
      } else if (value === "always") return true;
      else if (value === "never") return false;
    }
  }
  const cookie = annotations[`${PREFIX}canary-by-cookie`];
  if (cookie !== undefined && cookie !== "") {
    const value = request.cookies[cookie];
    if (value === "always") return true;
    if (value === "never") return false;
  }
  const weight = Number(annotations[`${PREFIX}canary-weight`] ?? "0") || 0;
  const totalAnnotation = Number(annotations[`${PREFIX}canary-weight-total`] ?? "");
  const total = Number.isFinite(totalAnnotation) && totalAnnotation > 100 ? totalAnnotation : 100;
  if (weight <= 0) return false;
  if (weight >= total) return true;
  return draw(total) <= weight;
}

/** Routes one request through an nginx route; `pick` chooses uniformly among endpoints. */
export function routeNginxRequest(
  route: NginxRoute,
  endpoints: { readonly stable: Endpoints; readonly canary: Endpoints | undefined },
  request: RouteRequest,
  random: () => number,
): RouteOutcome {
  const namespace = route.main.ingress.metadata.namespace ?? "default";
  if (endpoints.stable.pods.length === 0)
    return { status: 503, backend: `${namespace}/${route.main.service} (no endpoints)` };
  let target = endpoints.stable;
  let service = route.main.service;
  let canary = false;
  if (route.canary !== undefined && endpoints.canary !== undefined && endpoints.canary.pods.length > 0) {
    const draw = (total: number): number => 1 + Math.floor(random() * total);
    if (routeToCanary(route.canary.ingress.metadata.annotations ?? {}, request, draw)) {
      target = endpoints.canary;
      service = route.canary.service;
      canary = true;
    }
  }
  const pod = target.pods[Math.floor(random() * target.pods.length)] ?? target.pods[0];
  return {
    status: 200,
    backend: `${namespace}/${service}`,
    ...(canary ? { canary } : {}),
    ...(pod === undefined ? {} : { pod: pod.metadata.name ?? "", image: podImage(pod) }),
  };
}

/** Endpoints of a route's main and canary backends. */
export function nginxEndpoints(
  view: ControllerView,
  route: NginxRoute,
): { readonly stable: Endpoints; readonly canary: Endpoints | undefined } {
  const namespace = route.main.ingress.metadata.namespace ?? "default";
  const cache = new Map<string, readonly KubeObject[]>();
  return {
    stable: readyEndpoints(view, namespace, route.main.service, {}, cache),
    canary: route.canary === undefined ? undefined : readyEndpoints(view, namespace, route.canary.service, {}, cache),
  };
}
