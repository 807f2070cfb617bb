/**
 * Simulated request routing through the sandbox's Ingresses (ingress-nginx) and Istio
 * Gateways/VirtualServices: pure functions of a store view and a seed.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import type { ControllerView } from "../controller-contract.js";
import { findVirtualService, routeThroughVirtualService, toService } from "./istio.js";
import { findNginxRoute, nginxEndpoints, routeNginxRequest } from "./nginx.js";
import { mulberry32 } from "./prng.js";
import type { RouteOptions, RouteOutcome, RouteSummary } from "./types.js";

export type { RouteOptions, RouteOutcome, RouteSummary, RouteRequest } from "./types.js";
export { mulberry32 } from "./prng.js";
export { routeToCanary, findNginxRoute, hostMatches, pathScore } from "./nginx.js";

function sortedCounts(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function bump(counts: Map<string, number>, key: string | undefined): void {
  if (key === undefined) return;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Sends `count` simulated requests and counts where they landed. With `service` the requests are
 * mesh requests to that Service (through its mesh VirtualService when there is one); otherwise an
 * nginx Ingress matching host and path is used, else an Istio Gateway-bound VirtualService for the
 * host; with neither the answer is 404.
 */
export function routeRequests(view: ControllerView, options: RouteOptions): RouteSummary {
  const count = Math.max(0, Math.floor(options.count ?? 100));
  const random = mulberry32(options.seed ?? 1);
  const request = { host: options.host, path: options.path, headers: options.headers, cookies: options.cookies };
  const cache = new Map<string, readonly KubeObject[]>();
  let router: RouteSummary["router"] = "none";
  let one: () => RouteOutcome = () => ({
    status: 404,
    backend: `no Ingress or VirtualService for ${options.host}${options.path}`,
  });
  const nginxOn = options.enabledAddons === undefined || options.enabledAddons.has("ingress-nginx");
  const istioOn = options.enabledAddons === undefined || options.enabledAddons.has("istio");
  if (options.service !== undefined) {
    const namespace = options.namespace ?? "default";
    const service = options.service;
    const vs = istioOn ? findVirtualService(view, { service, namespace }) : undefined;
    router = "istio";
    one =
      vs === undefined
        ? () => toService(view, service, namespace, undefined, random, cache)
        : () => routeThroughVirtualService(view, vs, request, random, cache);
  } else {
    const route = nginxOn ? findNginxRoute(view, options.host, options.path) : undefined;
    if (route !== undefined) {
      const endpoints = nginxEndpoints(view, route);
      router = "ingress-nginx";
      one = () => routeNginxRequest(route, endpoints, request, random);
    } else {
      const vs = istioOn ? findVirtualService(view, { host: options.host }) : undefined;
      if (vs !== undefined) {
        router = "istio";
        one = () => routeThroughVirtualService(view, vs, request, random, cache);
      }
    }
  }
  const byImage = new Map<string, number>();
  const byPod = new Map<string, number>();
  const byStatus = new Map<string, number>();
  const byBackend = new Map<string, number>();
  const podImages = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const outcome = one();
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
  };
}
