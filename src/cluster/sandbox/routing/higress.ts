/**
 * Higress routing of Ingresses of class `higress` (`alibaba/higress`
 * `pkg/ingress/kube/annotations/canary.go` `Parse`, `ApplyByHeader`, `ApplyByWeight`;
 * `pkg/ingress/kube/ingress/controller.go` `ApplyCanaryIngress`; the annotation guide at
 * higress.cn `docs/latest/user/annotation`). Higress reads every ingress-nginx canary annotation,
 * under either prefix (`higress.io/` first, then `nginx.ingress.kubernetes.io/`), but turns each
 * canary Ingress into Istio routes, which differs from ingress-nginx in four observable ways:
 *
 * - a canary Ingress is either header/cookie based or weight based, never both: once
 *   `canary-by-header-value`, `-pattern` or `canary-by-cookie` is set, the weight is not read, and a
 *   canary with a header (or cookie) ignores its weight (`CanaryKind`);
 * - `canary-by-header` alone matches the value `always` exactly; with `-value` the match is the
 *   regular expression `always|<value>`; with `-pattern` the pattern; all are full matches and
 *   `never` has no meaning of its own (the request simply goes on to the weighted route);
 * - every canary Ingress of the host and path counts (several header canaries are tried in name
 *   order before the main route; weight canaries share the main route: the stable backend gets
 *   `canary-weight-total − Σ weights`);
 * - a canary backend without endpoints falls back to the main backend (`FallbackClusters`).
 */
import type { KubeObject } from "../../../model/kube-object.js";
import type { ControllerView } from "../controller-contract.js";
import { chooseWeighted, fullMatch, headerValue, serviceOutcome } from "./backends.js";
import { readyEndpoints } from "./endpoints.js";
import { findIngressRoute, ingressClassOf, type IngressRoute, type Location } from "./nginx.js";

/** Higress serves the Ingresses of class `higress`. */
function isHigressClass(ingress: KubeObject): boolean {
  return ingressClassOf(ingress) === "higress";
}
import type { RouteOutcome, RouteRequest } from "./types.js";

const HIGRESS_PREFIX = "higress.io/";
const NGINX_PREFIX = "nginx.ingress.kubernetes.io/";

/** An annotation under Higress's prefix, else ingress-nginx's (`ParseStringASAP`). */
function annotation(ingress: KubeObject, key: string): string | undefined {
  const annotations = ingress.metadata.annotations ?? {};
  return annotations[`${HIGRESS_PREFIX}${key}`] ?? annotations[`${NGINX_PREFIX}${key}`];
}

/** What one canary Ingress asks of Higress (`CanaryConfig`). */
export type HigressCanary =
  | { readonly kind: "header"; readonly header: string; readonly pattern: string }
  | { readonly kind: "cookie"; readonly cookie: string }
  | { readonly kind: "weight"; readonly weight: number; readonly total: number };

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Reads a canary Ingress's annotations as Higress's `canary.Parse` and `CanaryKind` do. */
export function readHigressCanary(ingress: KubeObject): HigressCanary {
  const header = annotation(ingress, "canary-by-header") ?? "";
  const value = annotation(ingress, "canary-by-header-value") ?? "";
  const pattern = annotation(ingress, "canary-by-header-pattern") ?? "";
  const cookie = annotation(ingress, "canary-by-cookie") ?? "";
  if (header !== "") {
    if (value !== "") return { kind: "header", header, pattern: `always|${value}` };
    if (pattern !== "") return { kind: "header", header, pattern };
    return { kind: "header", header, pattern: escapeRegex("always") };
  }
  if (value === "" && pattern === "" && cookie !== "") return { kind: "cookie", cookie };
  if (value !== "" || pattern !== "") return { kind: "weight", weight: 0, total: 100 };
  const weight = Number.parseInt(annotation(ingress, "canary-weight") ?? "0", 10);
  const total = Number.parseInt(annotation(ingress, "canary-weight-total") ?? "", 10);
  return {
    kind: "weight",
    weight: Number.isFinite(weight) && weight > 0 ? weight : 0,
    total: Number.isFinite(total) && total > 0 ? total : 100,
  };
}

function isHigressCanary(ingress: KubeObject): boolean {
  return annotation(ingress, "canary") === "true";
}

/** The Higress route for a host and path (Ingresses of class `higress`). */
export function findHigressRoute(view: ControllerView, host: string, path: string): IngressRoute | undefined {
  return findIngressRoute(view, host, path, isHigressClass, isHigressCanary);
}

function matchesCanary(canary: HigressCanary, request: RouteRequest): boolean {
  if (canary.kind === "header") {
    const value = headerValue(request.headers, canary.header);
    return value !== undefined && fullMatch(canary.pattern, value);
  }
  if (canary.kind === "cookie") return request.cookies[canary.cookie] === "always";
  return false;
}

/** Routes one request through a Higress route. */
export function routeHigressRequest(
  view: ControllerView,
  route: IngressRoute,
  request: RouteRequest,
  random: () => number,
  cache: Map<string, readonly KubeObject[]>,
): RouteOutcome {
  const namespace = route.main.ingress.metadata.namespace ?? "default";
  const hasEndpoints = (location: Location): boolean =>
    readyEndpoints(view, namespace, location.service, {}, cache).pods.length > 0;
  const canaries = route.canaries.map((location) => ({ location, canary: readHigressCanary(location.ingress) }));
  const byHeader = canaries.find(({ canary }) => canary.kind !== "weight" && matchesCanary(canary, request));
  if (byHeader !== undefined) {
    const target = hasEndpoints(byHeader.location) ? byHeader.location : route.main;
    return serviceOutcome(view, namespace, target.service, random, cache);
  }
  const weighted = canaries.flatMap(({ location, canary }) =>
    canary.kind === "weight" && canary.weight > 0 ? [{ location, weight: canary.weight, total: canary.total }] : [],
  );
  const total = weighted[0]?.total ?? 100;
  const canaryShare = weighted.reduce((sum, item) => sum + item.weight, 0);
  const chosen =
    chooseWeighted(
      [
        { item: route.main, weight: Math.max(0, total - canaryShare) },
        ...weighted.map((item) => ({ item: item.location, weight: item.weight })),
      ],
      random,
    ) ?? route.main;
  const target = chosen !== route.main && !hasEndpoints(chosen) ? route.main : chosen;
  return serviceOutcome(view, namespace, target.service, random, cache);
}
