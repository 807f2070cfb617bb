/**
 * Istio HTTP routing (`istio/api` `networking/v1alpha3/virtual_service.proto`,
 * `destination_rule.proto`): a VirtualService bound to a Gateway (`gateways: [name | ns/name]`) or
 * to the mesh (no `gateways`, or `mesh`) whose `hosts` match (exact, `*`, `*.suffix`, short names
 * expanded in the VirtualService's namespace); `http` rules in order, the first whose `match`
 * (OR of items; uri exact/prefix/regex and header exact/prefix/regex AND-ed inside one) matches
 * wins, a rule without `match` matches everything; `route` destinations chosen by relative
 * weight; a `subset` narrows the host Service's endpoints by the DestinationRule's subset labels,
 * and a subset no DestinationRule defines answers 503, as do destinations without endpoints.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../../util/index.js";
import type { ControllerView } from "../controller-contract.js";
import { arrayAt, objectAt, objectsAt, stringMapAt } from "../controllers/common/fields.js";
import { podImage } from "../controllers/common/pods.js";
import { listServedVersions } from "../controllers/common/versions.js";
import { readyEndpoints } from "./endpoints.js";
import type { RouteOutcome, RouteRequest } from "./types.js";

const ISTIO_VERSIONS = ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"];

/** A VirtualService with the namespace its short host names resolve in. */
interface BoundVirtualService {
  readonly object: KubeObject;
  readonly namespace: string;
}

function shortHost(host: string, namespace: string): { readonly service: string; readonly namespace: string } {
  const parts = host.split(".");
  return {
    service: parts[0] ?? host,
    namespace: parts.length > 1 && parts[1] !== "svc" ? (parts[1] ?? namespace) : namespace,
  };
}

function hostMatches(pattern: string, host: string, namespace: string): boolean {
  const bare = host.replace(/:\d+$/, "").toLowerCase();
  const wanted = pattern.toLowerCase();
  if (wanted === "*") return true;
  if (wanted.startsWith("*.")) return bare.endsWith(wanted.slice(1));
  if (wanted === bare) return true;
  // Short names: `reviews` means `reviews.<namespace>.svc.cluster.local`.
  const a = shortHost(wanted, namespace);
  const b = shortHost(bare, namespace);
  return !wanted.includes(".") || !bare.includes(".") ? a.service === b.service && a.namespace === b.namespace : false;
}

function stringMatch(match: JsonValue | undefined, value: string | undefined): boolean {
  if (!isJsonObject(match)) return true;
  if (value === undefined) return false;
  if (typeof match.exact === "string") return value === match.exact;
  if (typeof match.prefix === "string") return value.startsWith(match.prefix);
  if (typeof match.regex === "string") {
    try {
      return new RegExp(`^(?:${match.regex})$`).test(value);
    } catch {
      return false;
    }
  }
  return true;
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name.toLowerCase()) return value;
  return undefined;
}

function requestMatches(match: JsonObject, request: RouteRequest): boolean {
  if (match.uri !== undefined && !stringMatch(match.uri, request.path.split("?")[0])) return false;
  const headers = objectAt(match, ["headers"]) ?? {};
  return Object.entries(headers).every(([name, condition]) => stringMatch(condition, headerOf(request.headers, name)));
}

function ruleMatches(rule: JsonObject, request: RouteRequest): boolean {
  const matches = objectsAt(rule, ["match"]);
  return matches.length === 0 || matches.some((match) => requestMatches(match, request));
}

function gatewayRefs(vs: KubeObject): string[] {
  return arrayAt(vs, ["spec", "gateways"]).filter((g): g is string => typeof g === "string");
}

function boundToGateway(vs: KubeObject, gateways: readonly KubeObject[]): boolean {
  const namespace = vs.metadata.namespace ?? "default";
  return gatewayRefs(vs).some((ref) => {
    const [ns, name] = ref.includes("/") ? ref.split("/", 2) : [namespace, ref];
    return gateways.some((gw) => gw.metadata.name === name && (gw.metadata.namespace ?? "default") === ns);
  });
}

function boundToMesh(vs: KubeObject): boolean {
  const refs = gatewayRefs(vs);
  return refs.length === 0 || refs.includes("mesh");
}

/** VirtualServices a request can enter through: the ingress gateway (by host) or the mesh (by service). */
export function findVirtualService(
  view: ControllerView,
  entry: { readonly host: string } | { readonly service: string; readonly namespace: string },
): BoundVirtualService | undefined {
  const all = listServedVersions(view, ISTIO_VERSIONS, "VirtualService");
  if ("service" in entry) {
    const vs = all.find(
      (item) =>
        boundToMesh(item) &&
        arrayAt(item, ["spec", "hosts"]).some(
          (h) =>
            typeof h === "string" &&
            hostMatches(h, entry.service, item.metadata.namespace ?? "default") &&
            shortHost(h, item.metadata.namespace ?? "default").namespace === entry.namespace,
        ),
    );
    return vs === undefined ? undefined : { object: vs, namespace: vs.metadata.namespace ?? "default" };
  }
  const gateways = listServedVersions(view, ISTIO_VERSIONS, "Gateway");
  const vs = all.find(
    (item) =>
      boundToGateway(item, gateways) &&
      arrayAt(item, ["spec", "hosts"]).some(
        (h) => typeof h === "string" && hostMatches(h, entry.host, item.metadata.namespace ?? "default"),
      ),
  );
  return vs === undefined ? undefined : { object: vs, namespace: vs.metadata.namespace ?? "default" };
}

/** The labels of `subset` for a Service, from a DestinationRule for that host; undefined when no rule defines it. */
function subsetLabels(
  view: ControllerView,
  service: string,
  namespace: string,
  subset: string,
): Readonly<Record<string, string>> | undefined {
  for (const rule of listServedVersions(view, ISTIO_VERSIONS, "DestinationRule")) {
    const host =
      typeof rule.spec === "object" &&
      rule.spec !== null &&
      !Array.isArray(rule.spec) &&
      typeof (rule.spec as JsonObject).host === "string"
        ? ((rule.spec as JsonObject).host as string)
        : "";
    const target = shortHost(host, rule.metadata.namespace ?? "default");
    if (target.service !== service || target.namespace !== namespace) continue;
    const found = objectsAt(rule, ["spec", "subsets"]).find((item) => item.name === subset);
    if (found !== undefined) return stringMapAt(found, ["labels"]);
  }
  return undefined;
}

function chooseDestination(route: readonly JsonObject[], random: () => number): JsonObject | undefined {
  if (route.length <= 1) return route[0];
  const weights = route.map((dest) => (typeof dest.weight === "number" ? Math.max(0, dest.weight) : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return route[0];
  let draw = random() * total;
  for (let i = 0; i < route.length; i++) {
    draw -= weights[i] ?? 0;
    if (draw < 0) return route[i];
  }
  return route[route.length - 1];
}

/** Sends a request to a Service (optionally a subset) and picks a ready endpoint. */
export function toService(
  view: ControllerView,
  service: string,
  namespace: string,
  subset: string | undefined,
  random: () => number,
  cache: Map<string, readonly KubeObject[]>,
): RouteOutcome {
  const backend = `${namespace}/${service}${subset === undefined ? "" : `:${subset}`}`;
  let labels: Readonly<Record<string, string>> = {};
  if (subset !== undefined) {
    const found = subsetLabels(view, service, namespace, subset);
    if (found === undefined) return { status: 503, backend: `${backend} (no such subset)` };
    labels = found;
  }
  const endpoints = readyEndpoints(view, namespace, service, labels, cache);
  const pod = endpoints.pods[Math.floor(random() * endpoints.pods.length)];
  if (pod === undefined) return { status: 503, backend: `${backend} (no endpoints)` };
  return { status: 200, backend, pod: pod.metadata.name ?? "", image: podImage(pod) };
}

/** Routes one request through a VirtualService's http rules. */
export function routeThroughVirtualService(
  view: ControllerView,
  vs: BoundVirtualService,
  request: RouteRequest,
  random: () => number,
  cache: Map<string, readonly KubeObject[]>,
): RouteOutcome {
  const rule = objectsAt(vs.object, ["spec", "http"]).find((item) => ruleMatches(item, request));
  if (rule === undefined)
    return {
      status: 404,
      backend: `no http rule of VirtualService ${vs.namespace}/${vs.object.metadata.name ?? ""} matches`,
    };
  const destination = chooseDestination(objectsAt(rule, ["route"]), random);
  const host =
    typeof destination?.destination === "object" &&
    destination.destination !== null &&
    !Array.isArray(destination.destination)
      ? destination.destination
      : undefined;
  if (host === undefined || typeof host.host !== "string") return { status: 503, backend: "route without destination" };
  const target = shortHost(host.host, vs.namespace);
  return toService(
    view,
    target.service,
    target.namespace,
    typeof host.subset === "string" ? host.subset : undefined,
    random,
    cache,
  );
}
