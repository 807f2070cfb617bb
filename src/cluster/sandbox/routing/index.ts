/**
 * Simulated request routing through the sandbox's routers — ingress-nginx and Higress (Ingress),
 * Traefik (IngressRoute / TraefikService), the Gateway API (Gateway / HTTPRoute) and Istio
 * (Gateway / VirtualService) — as pure functions of a store view and a seed.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import type { ControllerView } from "../controller-contract.js";
import { describeGatewayMatch, findGatewayMatch, routeGatewayRequest } from "./gateway-api.js";
import { findHigressRoute, routeHigressRequest } from "./higress.js";
import { findVirtualService, routeThroughVirtualService, toService } from "./istio.js";
import { findNginxRoute, nginxEndpoints, routeNginxRequest } from "./nginx.js";
import { mulberry32 } from "./prng.js";
import { describeTraefikRoute, findTraefikRoute, routeTraefikRequest } from "./traefik.js";
import {
  ROUTER_NAMES,
  type RouteOptions,
  type RouteOutcome,
  type RouteRequest,
  type RouterName,
  type RouteSummary,
} from "./types.js";

export type { RouteOptions, RouteOutcome, RouteSummary, RouteRequest, RouterName } from "./types.js";
export { ROUTER_NAMES } from "./types.js";
export { mulberry32 } from "./prng.js";
export { routeToCanary, findNginxRoute, hostMatches, pathScore } from "./nginx.js";
export { parseTraefikRule, traefikRuleMatches } from "./traefik-rule.js";
export { readHigressCanary } from "./higress.js";
export { TRAEFIK_API_VERSIONS } from "./traefik.js";
export { GATEWAY_API_VERSIONS } from "./gateway-api.js";

function sortedCounts(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function bump(counts: Map<string, number>, key: string | undefined): void {
  if (key === undefined) return;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** A router ready to answer requests for one host and path. */
interface BoundRouter {
  readonly route: string;
  readonly answer: () => RouteOutcome;
}

/** The addon that must be enabled for a router to answer; routers without one always answer. */
const ROUTER_ADDONS: Partial<Record<RouterName, string>> = { "ingress-nginx": "ingress-nginx", istio: "istio" };

function bindRouter(
  name: RouterName,
  view: ControllerView,
  request: RouteRequest,
  random: () => number,
  cache: Map<string, readonly KubeObject[]>,
): BoundRouter | undefined {
  switch (name) {
    case "ingress-nginx": {
      const route = findNginxRoute(view, request.host, request.path);
      if (route === undefined) return undefined;
      const endpoints = nginxEndpoints(view, route);
      const ingress = route.main.ingress.metadata;
      return {
        route: `Ingress ${ingress.namespace ?? "default"}/${ingress.name ?? ""}`,
        answer: () => routeNginxRequest(route, endpoints, request, random),
      };
    }
    case "higress": {
      const route = findHigressRoute(view, request.host, request.path);
      if (route === undefined) return undefined;
      const ingress = route.main.ingress.metadata;
      return {
        route: `Ingress ${ingress.namespace ?? "default"}/${ingress.name ?? ""}`,
        answer: () => routeHigressRequest(view, route, request, random, cache),
      };
    }
    case "traefik": {
      const route = findTraefikRoute(view, request);
      if (route === undefined) return undefined;
      return { route: describeTraefikRoute(route), answer: () => routeTraefikRequest(view, route, random, cache) };
    }
    case "gateway-api": {
      const match = findGatewayMatch(view, request);
      if (match === undefined) return undefined;
      return { route: describeGatewayMatch(match), answer: () => routeGatewayRequest(view, match, random, cache) };
    }
    case "istio": {
      const vs = findVirtualService(view, { host: request.host });
      if (vs === undefined) return undefined;
      return {
        route: `VirtualService ${vs.namespace}/${vs.object.metadata.name ?? ""}`,
        answer: () => routeThroughVirtualService(view, vs, request, random, cache),
      };
    }
  }
}

/**
 * Sends `count` simulated requests and counts where they landed. With `service` the requests are
 * mesh requests to that Service (through its mesh VirtualService when there is one). Otherwise
 * the request enters through `router` when given, else through the first router (in
 * {@link ROUTER_NAMES} order) with a route for the host and path; with none the answer is 404.
 * Which router answered, and through which object, is part of the summary.
 */
export function routeRequests(view: ControllerView, options: RouteOptions): RouteSummary {
  const count = Math.max(0, Math.floor(options.count ?? 100));
  const random = mulberry32(options.seed ?? 1);
  const request = { host: options.host, path: options.path, headers: options.headers, cookies: options.cookies };
  const cache = new Map<string, readonly KubeObject[]>();
  const enabled = (name: RouterName): boolean => {
    const addon = ROUTER_ADDONS[name];
    return addon === undefined || options.enabledAddons === undefined || options.enabledAddons.has(addon);
  };
  let router: RouteSummary["router"] = "none";
  let route: string | undefined;
  let one: () => RouteOutcome = () => ({
    status: 404,
    backend: `no route for ${options.host}${options.path}${options.router === undefined ? "" : ` in ${options.router}`}`,
  });
  if (options.service !== undefined) {
    const namespace = options.namespace ?? "default";
    const service = options.service;
    const vs = enabled("istio") ? findVirtualService(view, { service, namespace }) : undefined;
    router = "istio";
    if (vs !== undefined) route = `VirtualService ${vs.namespace}/${vs.object.metadata.name ?? ""}`;
    one =
      vs === undefined
        ? () => toService(view, service, namespace, undefined, random, cache)
        : () => routeThroughVirtualService(view, vs, request, random, cache);
  } else {
    const candidates = options.router === undefined ? ROUTER_NAMES : [options.router];
    for (const name of candidates) {
      if (!enabled(name)) continue;
      const bound = bindRouter(name, view, request, random, cache);
      if (bound === undefined) continue;
      router = name;
      route = bound.route;
      one = bound.answer;
      break;
    }
  }
  const byImage = new Map<string, number>();
  const byPod = new Map<string, number>();
  const byStatus = new Map<string, number>();
  const byBackend = new Map<string, number>();
  const podImages = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const outcome = one();
    options.onOutcome?.(outcome);
    if (outcome.pod !== undefined) podImages.set(outcome.pod, outcome.image ?? "");
    bump(byImage, outcome.image);
    bump(byPod, outcome.pod);
    bump(byStatus, String(outcome.status));
    bump(byBackend, outcome.backend);
  }
  return {
    requests: count,
    byImage: sortedCounts(byImage),
    byPod: sortedCounts(byPod),
    byStatus: sortedCounts(byStatus),
    byBackend: sortedCounts(byBackend),
    podImages: Object.fromEntries([...podImages.entries()].sort(([a], [b]) => a.localeCompare(b))),
    router,
    ...(route === undefined ? {} : { route }),
  };
}
