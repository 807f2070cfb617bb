import type { KubeObject } from "../../../model/kube-object.js";
import { isJsonObject, type JsonObject } from "../../../util/index.js";
import type { ControllerChange, ControllerView, SimulatedController } from "../controller-contract.js";
import { arrayAt, objectsAt } from "../controllers/common/fields.js";
import { mulberry32, routeRequests, type RouteOutcome, type RouterName } from "../routing/index.js";
import { drawLatency, podBehaviour } from "./behaviour.js";
import {
  readRequestLog,
  REQUEST_METRICS_API_VERSION,
  REQUEST_METRICS_KIND,
  REQUEST_METRICS_NAMESPACE,
  requestMetricsName,
  recordRequests,
  requestMetricsObject,
  requestMetricsRef,
  RETENTION_SECONDS,
  type RecordedRequest,
  type SeriesLabels,
  type TimedRequest,
} from "./request-log.js";

/**
 * Annotation on an Ingress, VirtualService or HTTPRoute: synthetic requests per second sent to each
 * of its hosts (`0` turns them off). Without it, hosts with a canary get {@link DEFAULT_TRAFFIC_RPS}.
 */
export const ANNOTATION_TRAFFIC_RPS = "sandbox.vela-ts.dev/traffic-rps";
/** Synthetic requests per second for a host with a canary. */
export const DEFAULT_TRAFFIC_RPS = 10;

const NGINX_CANARY = "nginx.ingress.kubernetes.io/canary";
const ISTIO_VERSIONS = ["networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"];
const GATEWAY_VERSIONS = ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"];

/** A host that gets synthetic traffic, and how much. */
export interface TrafficHost {
  readonly host: string;
  /** The path requests go to: the first path of the host's first (non-canary) Ingress rule, else `/`. */
  readonly path: string;
  readonly ratePerSecond: number;
}

function annotatedRate(object: KubeObject): number | undefined {
  const text = object.metadata.annotations?.[ANNOTATION_TRAFFIC_RPS];
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function listAll(view: ControllerView, apiVersions: readonly string[], kind: string): KubeObject[] {
  const seen = new Set<string>();
  const out: KubeObject[] = [];
  for (const apiVersion of apiVersions) {
    for (const object of view.list(apiVersion, kind)) {
      const key = `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(object);
    }
  }
  return out;
}

/**
 * The hosts synthetic traffic goes to: every host of an Ingress (a canary Ingress for it counts as
 * a canary), a Gateway-bound VirtualService (more than one weighted destination in a rule is a
 * canary) or an HTTPRoute (more than one backendRef in a rule), at the annotated rate, or the
 * default rate when the host has a canary. Sorted by host.
 */
export function findTrafficHosts(view: ControllerView): TrafficHost[] {
  const rates = new Map<string, { annotated?: number; canary: boolean; path?: string }>();
  const note = (host: string, object: KubeObject, canary: boolean, path?: string): void => {
    if (host === "" || host.includes("*")) return;
    const entry = rates.get(host) ?? { canary: false };
    const annotated = annotatedRate(object);
    const chosenPath = entry.path ?? (canary ? undefined : path);
    rates.set(host, {
      canary: entry.canary || canary,
      ...(chosenPath === undefined ? {} : { path: chosenPath }),
      ...(annotated !== undefined
        ? { annotated }
        : entry.annotated !== undefined
          ? { annotated: entry.annotated }
          : {}),
    });
  };
  for (const ingress of view.list("networking.k8s.io/v1", "Ingress")) {
    const canary = ingress.metadata.annotations?.[NGINX_CANARY] === "true";
    for (const rule of objectsAt(ingress, ["spec", "rules"])) {
      const first = objectsAt(rule, ["http", "paths"])[0];
      const path = typeof first?.path === "string" && first.path !== "" ? first.path : undefined;
      if (typeof rule.host === "string") note(rule.host, ingress, canary, path);
    }
  }
  for (const vs of listAll(view, ISTIO_VERSIONS, "VirtualService")) {
    const gateways = arrayAt(vs, ["spec", "gateways"]).filter((g) => g !== "mesh");
    if (gateways.length === 0) continue;
    const canary = objectsAt(vs, ["spec", "http"]).some(
      (rule) => Array.isArray(rule.route) && rule.route.filter(isJsonObject).length > 1,
    );
    for (const host of arrayAt(vs, ["spec", "hosts"])) if (typeof host === "string") note(host, vs, canary);
  }
  for (const route of listAll(view, GATEWAY_VERSIONS, "HTTPRoute")) {
    const canary = objectsAt(route, ["spec", "rules"]).some(
      (rule) => Array.isArray(rule.backendRefs) && rule.backendRefs.length > 1,
    );
    for (const host of arrayAt(route, ["spec", "hostnames"])) if (typeof host === "string") note(host, route, canary);
  }
  return [...rates.entries()]
    .map(([host, entry]) => ({
      host,
      path: entry.path ?? "/",
      ratePerSecond: entry.annotated ?? (entry.canary ? DEFAULT_TRAFFIC_RPS : 0),
    }))
    .filter((entry) => entry.ratePerSecond > 0)
    .sort((a, b) => a.host.localeCompare(b.host));
}

function podIndex(view: ControllerView): Map<string, KubeObject> {
  const pods = new Map<string, KubeObject>();
  for (const pod of view.list("v1", "Pod"))
    pods.set(`${pod.metadata.namespace ?? "default"}/${pod.metadata.name ?? ""}`, pod);
  return pods;
}

function podWorkload(view: ControllerView, pod: KubeObject): string {
  const owner = pod.metadata.ownerReferences?.[0];
  if (owner === undefined) return "";
  if (owner.kind !== "ReplicaSet") return owner.name;
  const namespace = pod.metadata.namespace ?? "default";
  const replicaSet = view.get({ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner.name, namespace });
  return replicaSet?.metadata.ownerReferences?.[0]?.name ?? owner.name;
}

function podVersion(pod: KubeObject): string {
  const labels = pod.metadata.labels ?? {};
  return (
    labels["rollouts-pod-template-hash"] ?? labels["pod-template-hash"] ?? labels["controller-revision-hash"] ?? ""
  );
}

/** What a request's answer needs to know about the cluster beyond its route. */
export interface AnswerContext {
  readonly view: ControllerView;
  readonly pods: Map<string, KubeObject>;
  readonly router: RouterName | "none";
  /** `Ingress default/web`, `VirtualService default/web`… */
  readonly route: string | undefined;
}

/** An answer context for the routes found by one routing call. */
export function answerContext(
  view: ControllerView,
  router: RouterName | "none",
  route: string | undefined,
): AnswerContext {
  return { view, pods: podIndex(view), router, route };
}

function routeParts(route: string | undefined): { namespace: string; name: string } {
  const match = route === undefined ? null : /^\S+ ([^/\s]+)\/(\S+)/.exec(route);
  return { namespace: match?.[1] ?? "", name: match?.[2] ?? "" };
}

/**
 * A routed request as the pod that got it answers it: its behaviour annotations decide the status
 * (500 with the pod's error rate) and the latency; a request no pod got keeps the router's status.
 */
export function answerRequest(
  context: AnswerContext,
  outcome: RouteOutcome,
  random: () => number,
  path = "/",
): RecordedRequest {
  const slash = outcome.backend.indexOf("/");
  const backendNamespace = slash > 0 ? outcome.backend.slice(0, slash) : "";
  const backendService = slash > 0 ? (outcome.backend.slice(slash + 1).split(/[\s:]/)[0] ?? "") : "";
  const subset = /:(\S+)/.exec(outcome.backend.slice(slash + 1))?.[1];
  const route = routeParts(context.route);
  const pod = outcome.pod === undefined ? undefined : context.pods.get(`${backendNamespace}/${outcome.pod}`);
  const labels: SeriesLabels = {
    router: context.router,
    namespace: route.namespace !== "" ? route.namespace : backendNamespace,
    route: route.name,
    service: backendService,
    workload: pod === undefined ? "" : podWorkload(context.view, pod),
    version: pod === undefined ? "" : podVersion(pod),
    image: outcome.image ?? "",
    canary: outcome.canary === true || backendService.endsWith("-canary") || subset === "canary",
  };
  if (pod === undefined) return { labels, status: outcome.status, latencyMs: 0 };
  const behaviour = podBehaviour(pod);
  const failed = behaviour.errorRate > 0 && random() < behaviour.errorRate;
  const latencyMs = Math.round(drawLatency(behaviour.latency, random) * 1000) / 1000;
  return {
    labels,
    status: failed ? 500 : outcome.status,
    latencyMs,
    pod: `${pod.metadata.namespace ?? "default"}/${pod.metadata.name ?? ""}`,
    path,
  };
}

/** Requests in second `second` at `ratePerSecond` (fractional rates spread evenly over the seconds). */
export function requestsInSecond(ratePerSecond: number, second: number): number {
  return Math.floor(ratePerSecond * (second + 1)) - Math.floor(ratePerSecond * second);
}

/**
 * The synthetic requests of `host` in the seconds `[from, to)`: each second's requests are routed
 * with a PRNG seeded by host and second, so the same seconds give the same requests however the
 * passes split the time.
 */
export function generateTraffic(
  view: ControllerView,
  host: TrafficHost,
  from: number,
  to: number,
  enabledAddons?: ReadonlySet<string>,
): TimedRequest[] {
  const requests: TimedRequest[] = [];
  let context: AnswerContext | undefined;
  for (let second = from; second < to; second++) {
    const count = requestsInSecond(host.ratePerSecond, second);
    if (count === 0) continue;
    const outcomes: RouteOutcome[] = [];
    const summary = routeRequests(view, {
      host: host.host,
      path: host.path,
      headers: {},
      cookies: {},
      count,
      seed: `${host.host}/${second}`,
      ...(enabledAddons === undefined ? {} : { enabledAddons }),
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    context ??= answerContext(view, summary.router, summary.route);
    const random = mulberry32(`${host.host}/${second}/answer`);
    for (const outcome of outcomes)
      requests.push({ ...answerRequest(context, outcome, random, host.path), at: second });
  }
  return requests;
}

/** `status.generatedUntil` of a RequestMetrics object as {@link readRequestLog} reads it (-∞ when absent). */
function generatedUntilOf(object: KubeObject): number {
  const value = isJsonObject(object.status) ? object.status.generatedUntil : undefined;
  return typeof value === "number" ? value : Number.NEGATIVE_INFINITY;
}

/**
 * The sandbox's synthetic traffic (docs/analysis.md): at every pass, each host of
 * {@link findTrafficHosts} gets its requests for the whole seconds since the last pass, routed
 * through the routers as the pass finds them (it runs first in a pass, so before the other
 * controllers move anything) and answered as the pods' behaviour annotations say; they are added to
 * the host's RequestMetrics object. A host that starts getting traffic starts at the current second;
 * a gap longer than the retention is not replayed.
 */
export const syntheticTrafficController: SimulatedController = {
  name: "sandbox-traffic",
  reconcile(view, env) {
    const now = Math.floor(env.now.getTime() / 1000);
    const changes: ControllerChange[] = [];
    const hosts = findTrafficHosts(view);
    const active = new Set(hosts.map((host) => requestMetricsName(host.host)));
    // A host that stopped getting traffic forgets where it was: when it starts again, it starts now.
    for (const object of view.list(REQUEST_METRICS_API_VERSION, REQUEST_METRICS_KIND, {
      namespace: REQUEST_METRICS_NAMESPACE,
    })) {
      const status = (object.status as JsonObject | undefined) ?? {};
      if (active.has(object.metadata.name ?? "") || status.generatedUntil === undefined) continue;
      const { generatedUntil: _stopped, ...rest } = status;
      changes.push({ op: "updateStatus", object: { ...object, status: rest } });
    }
    for (const host of hosts) {
      const ref = requestMetricsRef(host.host);
      const existing = view.get(ref);
      // Up to date already: skip before parsing the whole log (most passes of a settle see no time pass).
      if (existing !== undefined && generatedUntilOf(existing) >= now) continue;
      const log = readRequestLog(existing, host.host);
      const from = Math.max(log.generatedUntil ?? now, now - RETENTION_SECONDS);
      if (existing !== undefined && from >= now) continue;
      const requests = generateTraffic(view, host, from, now, env.enabledAddons);
      const updated = requestMetricsObject({ ...recordRequests(log, requests, now), generatedUntil: now }, env.now);
      changes.push(
        existing === undefined
          ? { op: "create", object: updated }
          : {
              op: "updateStatus",
              object: {
                ...updated,
                metadata: { ...updated.metadata, resourceVersion: existing.metadata.resourceVersion ?? "" },
              },
            },
      );
    }
    return changes;
  },
};

/**
 * Requests a person sent (`sandbox request`) as their pods answer them, at second `at`: the same
 * behaviour as synthetic traffic, drawn from a PRNG seeded by the request's seed.
 */
export function answerRoutedRequests(
  view: ControllerView,
  routed: { readonly router: RouterName | "none"; readonly route?: string; readonly path?: string },
  outcomes: readonly RouteOutcome[],
  seed: number | string,
  at: number,
): TimedRequest[] {
  const context = answerContext(view, routed.router, routed.route);
  const random = mulberry32(`${String(seed)}/answer`);
  return outcomes.map((outcome) => ({ ...answerRequest(context, outcome, random, routed.path), at }));
}

/** The write that adds `requests` to the log of `host` (a create for its first requests). */
export function requestLogChange(
  view: ControllerView,
  host: string,
  requests: readonly TimedRequest[],
  now: Date,
): ControllerChange {
  const existing = view.get(requestMetricsRef(host));
  const log = readRequestLog(existing, host);
  const updated = requestMetricsObject(recordRequests(log, requests, Math.floor(now.getTime() / 1000)), now);
  if (existing === undefined) return { op: "create", object: updated };
  return {
    op: "updateStatus",
    object: { ...updated, metadata: { ...updated.metadata, resourceVersion: existing.metadata.resourceVersion ?? "" } },
  };
}
