import type { KubeObject } from "../../../model/kube-object.js";
import type { ControllerView } from "../controller-contract.js";
import { podImage } from "../controllers/common/pods.js";
import { readyEndpoints } from "./endpoints.js";
import type { RouteOutcome } from "./types.js";

/** One weighted choice of a load balancer (a TraefikService child, an HTTPRoute backendRef). */
export interface WeightedChoice<T> {
  readonly item: T;
  readonly weight: number;
}

/**
 * Weighted random choice as the routers' weighted round robin converges to it: an item gets
 * `weight / Σweights` of the requests; weight 0 is never chosen. Undefined when every weight is 0.
 */
export function chooseWeighted<T>(choices: readonly WeightedChoice<T>[], random: () => number): T | undefined {
  const live = choices.filter((choice) => choice.weight > 0);
  if (live.length === 0) return undefined;
  if (live.length === 1) return live[0]?.item;
  const total = live.reduce((sum, choice) => sum + choice.weight, 0);
  let draw = random() * total;
  for (const choice of live) {
    draw -= choice.weight;
    if (draw < 0) return choice.item;
  }
  return live[live.length - 1]?.item;
}

/**
 * A request handed to a Kubernetes Service: a uniformly chosen ready endpoint answers (200), a
 * Service without ready endpoints answers 503, a missing Service 500 (what Envoy- and
 * Traefik-based routers return for an unresolvable backend).
 */
export function serviceOutcome(
  view: ControllerView,
  namespace: string,
  service: string,
  random: () => number,
  cache: Map<string, readonly KubeObject[]>,
): RouteOutcome {
  const backend = `${namespace}/${service}`;
  const endpoints = readyEndpoints(view, namespace, service, {}, cache);
  if (endpoints.service === undefined) return { status: 500, backend: `${backend} (no such Service)` };
  const pod = endpoints.pods[Math.floor(random() * endpoints.pods.length)];
  if (pod === undefined) return { status: 503, backend: `${backend} (no endpoints)` };
  return { status: 200, backend, pod: pod.metadata.name ?? "", image: podImage(pod) };
}

/** The request's value of a header (names compared case-insensitively, as HTTP does). */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The host without its port, lower-cased. */
export function bareHost(host: string): string {
  return host.replace(/:\d+$/, "").toLowerCase();
}

/** The path without its query string. */
export function pathOnly(path: string): string {
  return path.split("?")[0] ?? "/";
}

/** The query parameters of a path (`/a?x=1&y=2`), first value of each name. */
export function queryOf(path: string): Readonly<Record<string, string>> {
  const query = path.includes("?") ? path.slice(path.indexOf("?") + 1) : "";
  const out: Record<string, string> = {};
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    if (!(name in out)) out[name] = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}

/** A regular expression that must match the whole value (RE2 full match, as Envoy's safe_regex). */
export function fullMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}
