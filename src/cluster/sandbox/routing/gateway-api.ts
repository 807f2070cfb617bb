/**
 * Gateway API HTTP routing (`kubernetes-sigs/gateway-api` `apis/v1/httproute_types.go`,
 * `gateway_types.go` and the spec's matching rules): a `Gateway` listener accepts the request's
 * host (no `hostname` = any; `*.example.com` = any name ending in `.example.com`); `HTTPRoute`s
 * attached to that Gateway (`parentRefs`, optionally a listener `sectionName`) whose `hostnames`
 * match (none = the listener's) offer their `rules`; among the rules whose `matches` (OR of
 * items; path Exact, PathPrefix by path element, RegularExpression; headers Exact/RegularExpression
 * AND-ed; queryParams; a rule without matches is a `/` prefix) match, precedence is: exact path,
 * then the longest prefix, then the most header matches, then the most query matches, then the
 * oldest route, then route name, then rule order. `backendRefs` are chosen by `weight` (default 1;
 * 0 = never); all weights 0 answers 500, a missing Service 500, a Service without ready
 * endpoints 503; no matching rule 404.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import type { ControllerView } from "../controller-contract.js";
import { arrayAt, objectsAt, stringAt } from "../controllers/common/fields.js";
import { GATEWAY_API_VERSIONS, listServedVersions } from "../controllers/common/versions.js";
import { bareHost, chooseWeighted, fullMatch, headerValue, pathOnly, queryOf, serviceOutcome } from "./backends.js";
import type { RouteOutcome, RouteRequest } from "./types.js";
import type { JsonObject } from "../../../util/index.js";

export { GATEWAY_API_VERSIONS };

/** A rule that matched a request, with what ranks it against other matching rules. */
export interface GatewayMatch {
  readonly route: KubeObject;
  readonly ruleIndex: number;
  readonly rule: JsonObject;
  /** [exact path, prefix length, header matches, query matches]: higher wins, compared in order. */
  readonly rank: readonly number[];
}

/** Hostname match per the Gateway API (`*.x` is a suffix match over one or more labels). */
export function gatewayHostMatches(pattern: string | undefined, host: string): boolean {
  if (pattern === undefined || pattern === "") return true;
  const wanted = pattern.toLowerCase();
  if (wanted.startsWith("*.")) return host.endsWith(wanted.slice(1)) && host.length > wanted.length - 1;
  return wanted === host;
}

function listenersFor(view: ControllerView, route: KubeObject): JsonObject[] {
  const namespace = route.metadata.namespace ?? "default";
  return objectsAt(route, ["spec", "parentRefs"]).flatMap((parent) => {
    if (parent.kind !== undefined && parent.kind !== "Gateway") return [];
    const name = typeof parent.name === "string" ? parent.name : "";
    const ns = typeof parent.namespace === "string" ? parent.namespace : namespace;
    const gateway = GATEWAY_API_VERSIONS.map((apiVersion) =>
      view.get({ apiVersion, kind: "Gateway", name, namespace: ns }),
    ).find((found) => found !== undefined);
    if (gateway === undefined) return [];
    const listeners = objectsAt(gateway, ["spec", "listeners"]);
    const section = typeof parent.sectionName === "string" ? parent.sectionName : undefined;
    return listeners.filter((listener) => section === undefined || listener.name === section);
  });
}

function routeAcceptsHost(view: ControllerView, route: KubeObject, host: string): boolean {
  const hostnames = arrayAt(route, ["spec", "hostnames"]).filter((h): h is string => typeof h === "string");
  return listenersFor(view, route).some((listener) => {
    const listenerHost = typeof listener.hostname === "string" ? listener.hostname : undefined;
    if (!gatewayHostMatches(listenerHost, host)) return false;
    return hostnames.length === 0 || hostnames.some((name) => gatewayHostMatches(name, host));
  });
}

/** Path match; returns [exact, prefix length] or undefined when it does not match. */
function pathRank(match: JsonObject, path: string): readonly [number, number] | undefined {
  const spec = (match.path ?? { type: "PathPrefix", value: "/" }) as JsonObject;
  const type = typeof spec.type === "string" ? spec.type : "PathPrefix";
  const value = typeof spec.value === "string" ? spec.value : "/";
  if (type === "Exact") return path === value ? [1, value.length] : undefined;
  if (type === "RegularExpression") return fullMatch(value, path) ? [0, value.length] : undefined;
  const prefix = value.replace(/\/+$/, "");
  if (prefix === "" || path === prefix || path.startsWith(`${prefix}/`)) return [0, prefix.length + 1];
  return undefined;
}

function valueMatches(condition: JsonObject, value: string | undefined): boolean {
  if (value === undefined) return false;
  const expected = typeof condition.value === "string" ? condition.value : "";
  return condition.type === "RegularExpression" ? fullMatch(expected, value) : value === expected;
}

function matchRank(match: JsonObject, request: RouteRequest): readonly number[] | undefined {
  const path = pathRank(match, pathOnly(request.path));
  if (path === undefined) return undefined;
  if (typeof match.method === "string" && match.method.toUpperCase() !== "GET") return undefined;
  const headers = objectsAt(match, ["headers"]);
  if (!headers.every((h) => valueMatches(h, headerValue(request.headers, typeof h.name === "string" ? h.name : ""))))
    return undefined;
  const query = queryOf(request.path);
  const params = objectsAt(match, ["queryParams"]);
  if (!params.every((q) => valueMatches(q, query[typeof q.name === "string" ? q.name : ""]))) return undefined;
  return [path[0], path[1], headers.length, params.length];
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The HTTPRoute rule a Gateway would use for the request, if any. */
export function findGatewayMatch(view: ControllerView, request: RouteRequest): GatewayMatch | undefined {
  const host = bareHost(request.host);
  const routes = [...listServedVersions(view, GATEWAY_API_VERSIONS, "HTTPRoute")].sort((a, b) => {
    const created = (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "");
    return created !== 0
      ? created
      : `${a.metadata.namespace ?? ""}/${a.metadata.name ?? ""}`.localeCompare(
          `${b.metadata.namespace ?? ""}/${b.metadata.name ?? ""}`,
        );
  });
  let best: GatewayMatch | undefined;
  for (const route of routes) {
    if (!routeAcceptsHost(view, route, host)) continue;
    objectsAt(route, ["spec", "rules"]).forEach((rule, ruleIndex) => {
      const matches = objectsAt(rule, ["matches"]);
      const ranks = (matches.length === 0 ? [{}] : matches)
        .map((match) => matchRank(match, request))
        .filter((rank): rank is readonly number[] => rank !== undefined);
      const top = ranks.sort(compareRank).at(-1);
      if (top === undefined) return;
      if (best === undefined || compareRank(top, best.rank) > 0) best = { route, ruleIndex, rule, rank: top };
    });
  }
  return best;
}

/** Routes one request to a backend of the matched rule. */
export function routeGatewayRequest(
  view: ControllerView,
  match: GatewayMatch,
  random: () => number,
  cache: Map<string, readonly KubeObject[]>,
): RouteOutcome {
  const namespace = match.route.metadata.namespace ?? "default";
  const refs = objectsAt(match.rule, ["backendRefs"]);
  const chosen = chooseWeighted(
    refs.map((ref) => ({ item: ref, weight: typeof ref.weight === "number" ? Math.max(0, ref.weight) : 1 })),
    random,
  );
  if (chosen === undefined) return { status: 500, backend: "every backendRef has weight 0" };
  const kind = stringAt(chosen, ["kind"]) ?? "Service";
  if (kind !== "Service") return { status: 500, backend: `unsupported backend kind ${kind}` };
  const ns = stringAt(chosen, ["namespace"]) ?? namespace;
  return serviceOutcome(view, ns, stringAt(chosen, ["name"]) ?? "", random, cache);
}

/** `HTTPRoute ns/name rules[i]`, for the summary. */
export function describeGatewayMatch(match: GatewayMatch): string {
  return `HTTPRoute ${match.route.metadata.namespace ?? "default"}/${match.route.metadata.name ?? ""} rules[${match.ruleIndex}]`;
}
