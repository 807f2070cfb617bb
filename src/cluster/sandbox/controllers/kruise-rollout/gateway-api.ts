/**
 * Kruise Rollout's Gateway API traffic routing (`openkruise/rollouts`
 * `pkg/trafficrouting/network/gateway/gateway.go` `EnsureRoutes`, `Finalise`,
 * `buildDesiredHTTPRoute`): the HTTPRoute named by `trafficRoutings[].gateway.httpRouteName` is
 * rewritten per step.
 *
 * - weight step: every rule with a backendRef to the stable Service gets a canary backendRef (a
 *   copy of the stable one naming `S-canary`) with weight `w`, and the stable one `100 − w`;
 * - header step (matches; the Gateway API cannot combine them with a weight, so the weight is not
 *   used): for every rule with the stable Service, a rule routing only to `S-canary` whose matches
 *   are the rule's matches plus the step's headers, appended after the other rules. Upstream skips
 *   every rule that has a canary backendRef here, so a header step after a weight step would drop
 *   the stable rule too (all other requests unrouted); the sandbox first takes the weight off
 *   (as finalise does) and keeps the rule;
 * - finalise: canary backendRefs removed, the stable one back to weight 1, rules left without
 *   backends (the header rules) dropped.
 *
 * BackendRefs without `kind` count as Services (the API server defaults `kind: Service`), and a rule
 * without `matches` as a `/` prefix match (its defaulted form).
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { isJsonObject, jsonEqual, type JsonObject } from "../../../../util/index.js";
import { objectsAt } from "../common/fields.js";
import { GATEWAY_API_VERSIONS } from "../common/versions.js";
import type { HeaderMatch, RolloutStep, TrafficRouting } from "./api.js";
import { refIn, type RolloutContext } from "./context.js";

function isServiceRef(ref: JsonObject, name: string): boolean {
  return (ref.kind === undefined || ref.kind === "Service") && ref.name === name;
}

function rulesOf(route: KubeObject): JsonObject[] {
  return objectsAt(route, ["spec", "rules"]).map((rule) => structuredClone(rule));
}

const DEFAULT_MATCH: JsonObject = { path: { type: "PathPrefix", value: "/" } };

/** The rules Kruise wants on the HTTPRoute for a step (`undefined` step = finalise). */
export function desiredHTTPRouteRules(
  rules: readonly JsonObject[],
  stableService: string,
  canaryService: string,
  step: Pick<RolloutStep, "weight" | "matches"> | undefined,
): JsonObject[] {
  if (step === undefined) {
    return rules.flatMap((rule) => {
      const refs = objectsAt(rule, ["backendRefs"])
        .filter((ref) => !isServiceRef(ref, canaryService))
        .map((ref) => (isServiceRef(ref, stableService) ? { ...ref, weight: 1 } : ref));
      return refs.length === 0 ? [] : [{ ...rule, backendRefs: refs }];
    });
  }
  if (step.matches.length > 0) {
    const kept: JsonObject[] = [];
    const canaries: JsonObject[] = [];
    // Rules routing only to the canary are an earlier header step's: rebuilt below. A weight left by
    // an earlier step is taken off first (upstream drops such a rule, stable backend and all).
    for (const rule of desiredHTTPRouteRules(rules, stableService, canaryService, undefined)) {
      const refs = objectsAt(rule, ["backendRefs"]);
      kept.push(rule);
      const stableRef = refs.find((ref) => isServiceRef(ref, stableService));
      if (stableRef === undefined) continue;
      const base = objectsAt(rule, ["matches"]);
      const matches = (base.length === 0 ? [DEFAULT_MATCH] : base).flatMap((match) =>
        step.matches.map((headers: readonly HeaderMatch[]) => ({
          ...match,
          headers: [
            ...objectsAt(match, ["headers"]),
            ...headers.map((header) => ({ type: header.type, name: header.name, value: header.value })),
          ],
        })),
      );
      const { weight: _weight, ...canaryRef } = stableRef;
      canaries.push({ ...rule, matches, backendRefs: [{ ...canaryRef, name: canaryService }] });
    }
    return [...kept, ...canaries];
  }
  const weight = step.weight ?? 0;
  return rules.map((rule) => {
    const refs = objectsAt(rule, ["backendRefs"]);
    const stableRef = refs.find((ref) => isServiceRef(ref, stableService));
    if (stableRef === undefined) return rule;
    const hasCanary = refs.some((ref) => isServiceRef(ref, canaryService));
    const next = refs.map((ref) =>
      isServiceRef(ref, stableService)
        ? { ...ref, weight: 100 - weight }
        : isServiceRef(ref, canaryService)
          ? { ...ref, weight }
          : ref,
    );
    return { ...rule, backendRefs: hasCanary ? next : [...next, { ...stableRef, name: canaryService, weight }] };
  });
}

function findRoute(ctx: RolloutContext, name: string): KubeObject | undefined {
  for (const apiVersion of GATEWAY_API_VERSIONS) {
    const found = ctx.view.get(refIn(ctx.namespace, apiVersion, "HTTPRoute", name));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether the routing's HTTPRoute exists (checked while Initializing). */
export function httpRouteExists(ctx: RolloutContext, name: string): boolean {
  return findRoute(ctx, name) !== undefined;
}

/**
 * `EnsureRoutes` (a step) or `Finalise` (`step` undefined) for the HTTPRoute: one write when the
 * rules differ. Returns true when the HTTPRoute already has the desired rules (or is gone).
 */
export function ensureHTTPRoute(
  ctx: RolloutContext,
  routing: TrafficRouting,
  canaryService: string,
  step: Pick<RolloutStep, "weight" | "matches"> | undefined,
): boolean {
  const name = routing.httpRouteName;
  if (name === undefined) return true;
  const route = findRoute(ctx, name);
  if (route === undefined) return true;
  const rules = rulesOf(route);
  const desired = desiredHTTPRouteRules(rules, routing.service, canaryService, step);
  if (jsonEqual(rules, desired)) return true;
  ctx.changes.push({
    op: "patch",
    ref: refIn(ctx.namespace, route.apiVersion, "HTTPRoute", name),
    body: { type: "merge", patch: { spec: { rules: desired.filter(isJsonObject) } } },
  });
  return false;
}
