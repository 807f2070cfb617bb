/**
 * What makes an Argo Rollout unusable, found before it is stored. Argo Rollouts has no admission
 * webhook: the API server refuses what the CRD schema forbids (with kubectl's default strict field
 * validation, an unknown field such as a misspelled step is an error), and the controller marks
 * the rest `InvalidSpec` (`pkg/apis/rollouts/validation/validation.go` `ValidateRollout`,
 * `ValidateRolloutStrategyCanary`; `utils/conditions` `VerifyRolloutSpec`). The sandbox refuses
 * both kinds at write time, so `sandbox apply` and `up` fail with the step and field named. Two
 * checks are the sandbox's own and say so: setWeight values must not decrease (Argo accepts a
 * lower weight and scales the canary back down; vela-ts keeps one rule with Kruise's webhook), and
 * steps or routers the sandbox does not simulate are refused rather than ignored.
 */
import type { ValidationIssue } from "../../../../errors/index.js";
import type { KubeObject } from "../../../../model/kube-object.js";
import type { SimulatedValidation } from "../../controller-contract.js";
import { closestMatches, isJsonObject, parseDuration, type JsonValue } from "../../../../util/index.js";
import { matchesSelector } from "../common/selectors.js";
import { objectAt, objectsAt, stringAt, stringMapAt, valueAt } from "../common/fields.js";
import { STEP_KINDS } from "./api.js";

const CODE = "E_ARGO_ROLLOUT_INVALID";
const UNSUPPORTED = "E_ARGO_ROLLOUT_UNSUPPORTED";
const SIMULATED_ROUTERS = new Set(["nginx", "traefik"]);
const NOT_SIMULATED_STEPS = new Set(["analysis", "experiment", "setMirrorRoute", "plugin"]);

function issue(
  path: string,
  message: string,
  hint: string,
  code: "E_ARGO_ROLLOUT_INVALID" | "E_ARGO_ROLLOUT_UNSUPPORTED" = CODE,
): ValidationIssue {
  return { code, message, path, hint };
}

function closest(word: string): string | undefined {
  return closestMatches(word, STEP_KINDS)[0];
}

function stepIssues(
  steps: readonly JsonValue[],
  hasRouting: boolean,
  managedRoutes: readonly string[],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  let lastWeight: { readonly weight: number; readonly index: number } | undefined;
  steps.forEach((step, index) => {
    if (!isJsonObject(step)) {
      issues.push(
        issue(
          `/spec/strategy/canary/steps/${index}`,
          `step ${index + 1} is not a mapping`,
          "write e.g. - setWeight: 20",
        ),
      );
      return;
    }
    const at = `/spec/strategy/canary/steps/${index}`;
    const keys = Object.keys(step);
    const unknown = keys.filter((key) => !(STEP_KINDS as readonly string[]).includes(key));
    for (const key of unknown) {
      const guess = closest(key);
      issues.push(
        issue(
          `${at}/${key}`,
          `step ${index + 1}: unknown field "${key}"`,
          `${guess === undefined ? "" : `did you mean "${guess}"? `}a step sets exactly one of ${STEP_KINDS.join(", ")}`,
        ),
      );
    }
    const known = keys.filter((key) => (STEP_KINDS as readonly string[]).includes(key));
    if (unknown.length === 0 && known.length !== 1) {
      issues.push(
        issue(
          at,
          known.length === 0
            ? `step ${index + 1} sets nothing`
            : `step ${index + 1} sets ${known.join(" and ")}; a step sets exactly one of them`,
          "split it into one step per field, e.g. - setWeight: 20 then - pause: {}",
        ),
      );
      return;
    }
    const kind = known[0];
    const body = kind === undefined ? undefined : step[kind];
    switch (kind) {
      case "setWeight": {
        if (typeof body !== "number" || !Number.isInteger(body) || body < 0 || body > 100) {
          issues.push(
            issue(
              `${at}/setWeight`,
              `step ${index + 1}: setWeight must be a whole number between 0 and 100, got ${JSON.stringify(body)}`,
              "write e.g. setWeight: 20",
            ),
          );
          return;
        }
        if (lastWeight !== undefined && body < lastWeight.weight)
          issues.push(
            issue(
              `${at}/setWeight`,
              `step ${index + 1}: setWeight ${body} is lower than step ${lastWeight.index + 1}'s ${lastWeight.weight}; weights must not decrease`,
              "order the steps by growing weight; to send traffic back to stable use `vela-ts sandbox rollout abort` " +
                "(Argo Rollouts itself would accept a lower weight and scale the canary down; vela-ts refuses it, as Kruise's webhook does)",
            ),
          );
        lastWeight = { weight: body, index };
        return;
      }
      case "pause": {
        if (body === null || body === undefined) {
          issues.push(
            issue(
              `${at}/pause`,
              `step ${index + 1}: pause needs a value`,
              "write pause: {} to wait for promote, or pause: {duration: 30s}",
            ),
          );
          return;
        }
        if (!isJsonObject(body)) {
          issues.push(
            issue(
              `${at}/pause`,
              `step ${index + 1}: pause must be a mapping`,
              "write pause: {} or pause: {duration: 30s}",
            ),
          );
          return;
        }
        const duration = body.duration;
        if (
          duration !== undefined &&
          (typeof duration === "boolean" || parseDuration(duration as string | number) === undefined)
        )
          issues.push(
            issue(
              `${at}/pause/duration`,
              `step ${index + 1}: pause duration ${JSON.stringify(duration)} is not a duration`,
              "write seconds (30) or a duration with a unit: 30s, 10m, 1h",
            ),
          );
        return;
      }
      case "setCanaryScale": {
        if (!hasRouting)
          issues.push(
            issue(
              `${at}/setCanaryScale`,
              `step ${index + 1}: setCanaryScale requires trafficRouting`,
              "add spec.strategy.canary.trafficRouting (nginx or traefik), or use setWeight",
            ),
          );
        const set = isJsonObject(body)
          ? ["replicas", "weight", "matchTrafficWeight"].filter((k) => body[k] !== undefined)
          : [];
        if (set.length !== 1)
          issues.push(
            issue(
              `${at}/setCanaryScale`,
              `step ${index + 1}: setCanaryScale sets exactly one of replicas, weight, matchTrafficWeight`,
              "e.g. setCanaryScale: {replicas: 1}",
            ),
          );
        const weight = isJsonObject(body) ? body.weight : undefined;
        if (weight !== undefined && (typeof weight !== "number" || weight < 0 || weight > 100))
          issues.push(
            issue(
              `${at}/setCanaryScale/weight`,
              `step ${index + 1}: setCanaryScale weight must be between 0 and 100`,
              "e.g. setCanaryScale: {weight: 25}",
            ),
          );
        const replicas = isJsonObject(body) ? body.replicas : undefined;
        if (replicas !== undefined && (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0))
          issues.push(
            issue(
              `${at}/setCanaryScale/replicas`,
              `step ${index + 1}: setCanaryScale replicas must be a whole number ≥ 0`,
              "e.g. setCanaryScale: {replicas: 1}",
            ),
          );
        return;
      }
      case "setHeaderRoute": {
        const name = stringAt(body, ["name"]);
        if (!hasRouting || name === undefined || !managedRoutes.includes(name))
          issues.push(
            issue(
              `${at}/setHeaderRoute`,
              `step ${index + 1}: setHeaderRoute needs trafficRouting with a managedRoutes entry named ${JSON.stringify(name ?? "")}`,
              "list the route under spec.strategy.canary.trafficRouting.managedRoutes: [{name: <route>}]",
            ),
          );
        for (const [i, match] of objectsAt(body, ["match"]).entries()) {
          const value = objectAt(match, ["headerValue"]) ?? {};
          if (
            typeof match.headerName !== "string" ||
            Object.keys(value).filter((k) => ["exact", "prefix", "regex"].includes(k)).length !== 1
          )
            issues.push(
              issue(
                `${at}/setHeaderRoute/match/${i}`,
                `step ${index + 1}: a header match needs headerName and one of headerValue.exact, prefix, regex`,
                "e.g. {headerName: X-Canary, headerValue: {exact: always}}",
              ),
            );
        }
        return;
      }
      default:
        if (kind !== undefined && NOT_SIMULATED_STEPS.has(kind))
          issues.push(
            issue(
              `${at}/${kind}`,
              `step ${index + 1}: ${kind} is an Argo Rollouts step the sandbox does not simulate yet`,
              "use setWeight, setCanaryScale, setHeaderRoute and pause steps on the sandbox",
              UNSUPPORTED,
            ),
          );
    }
  });
  return issues;
}

/** Every problem of an Argo Rollout (`argoproj.io/v1alpha1`), with JSON pointers into it. */
export function findArgoRolloutIssues(rollout: KubeObject): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const spec = objectAt(rollout, ["spec"]) ?? {};
  const strategy = objectAt(spec, ["strategy"]);
  const canary = objectAt(strategy, ["canary"]);
  const template = objectAt(spec, ["template"]);
  const workloadRef = objectAt(spec, ["workloadRef"]);
  if (template !== undefined && workloadRef !== undefined)
    issues.push(
      issue(
        "/spec/template",
        "template must be empty for a Rollout with workloadRef",
        "take the pod template from the referenced workload: remove spec.template",
      ),
    );
  if (template === undefined && workloadRef === undefined)
    issues.push(
      issue(
        "/spec",
        "a Rollout needs spec.template or spec.workloadRef",
        "add the pod template, or reference a Deployment with workloadRef: {apiVersion: apps/v1, kind: Deployment, name: …}",
      ),
    );
  if (workloadRef !== undefined) {
    if (
      stringAt(workloadRef, ["kind"]) !== "Deployment" ||
      typeof workloadRef.name !== "string" ||
      workloadRef.name === ""
    )
      issues.push(
        issue(
          "/spec/workloadRef",
          "workloadRef must name a Deployment (apiVersion apps/v1, kind Deployment, name)",
          "e.g. workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web, scaleDown: progressively}",
        ),
      );
    const scaleDown = stringAt(workloadRef, ["scaleDown"]);
    if (scaleDown !== undefined && !["never", "onsuccess", "progressively"].includes(scaleDown.toLowerCase()))
      issues.push(
        issue(
          "/spec/workloadRef/scaleDown",
          `workloadRef.scaleDown ${JSON.stringify(scaleDown)} is not one of never, onsuccess, progressively`,
          "use never, onsuccess or progressively",
        ),
      );
  }
  const selector = objectAt(spec, ["selector"]);
  if (template !== undefined) {
    if (selector === undefined)
      issues.push(
        issue(
          "/spec/selector",
          "Rollout has missing field '.spec.selector'",
          "add selector: {matchLabels: …} matching the template's labels",
        ),
      );
    else if (!matchesSelector(stringMapAt(template, ["metadata", "labels"]), selector))
      issues.push(
        issue(
          "/spec/selector",
          "selector does not match template labels",
          "make spec.selector.matchLabels a subset of spec.template.metadata.labels",
        ),
      );
  }
  if (
    selector !== undefined &&
    Object.keys(objectAt(selector, ["matchLabels"]) ?? {}).length === 0 &&
    objectsAt(selector, ["matchExpressions"]).length === 0
  )
    issues.push(
      issue(
        "/spec/selector",
        "This rollout is selecting all pods. A non-empty selector is required.",
        "add matchLabels",
      ),
    );
  const replicas = valueAt(spec, ["replicas"]);
  if (replicas !== undefined && (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0))
    issues.push(
      issue(
        "/spec/replicas",
        `replicas must be a whole number ≥ 0, got ${JSON.stringify(replicas)}`,
        "e.g. replicas: 5",
      ),
    );
  if (objectAt(strategy, ["blueGreen"]) !== undefined)
    issues.push(
      issue(
        "/spec/strategy/blueGreen",
        "the blueGreen strategy is not simulated by the sandbox",
        "use the canary strategy on the sandbox",
        UNSUPPORTED,
      ),
    );
  if (canary === undefined) {
    if (objectAt(strategy, ["blueGreen"]) === undefined)
      issues.push(
        issue(
          "/spec/strategy",
          "Rollout has missing field '.spec.strategy.canary'",
          "add strategy: {canary: {steps: […]}}",
        ),
      );
    return issues;
  }
  if (valueAt(canary, ["analysis"]) !== undefined)
    issues.push(
      issue(
        "/spec/strategy/canary/analysis",
        "background analysis (canary.analysis) is not simulated by the sandbox yet",
        "remove canary.analysis, or pause the steps and check the metrics yourself",
        UNSUPPORTED,
      ),
    );
  const routing = objectAt(canary, ["trafficRouting"]);
  const routers = Object.keys(routing ?? {}).filter((key) => key !== "managedRoutes" && key !== "maxTrafficWeight");
  for (const router of routers.filter((key) => !SIMULATED_ROUTERS.has(key)))
    issues.push(
      issue(
        `/spec/strategy/canary/trafficRouting/${router}`,
        `trafficRouting.${router} is not simulated by the sandbox`,
        "use trafficRouting.nginx or trafficRouting.traefik on the sandbox",
        UNSUPPORTED,
      ),
    );
  if (routing !== undefined) {
    const canaryService = stringAt(canary, ["canaryService"]);
    const stableService = stringAt(canary, ["stableService"]);
    if (canaryService === undefined || stableService === undefined || canaryService === "" || stableService === "")
      issues.push(
        issue(
          "/spec/strategy/canary",
          "canaryService and stableService must be specified when using trafficRouting",
          "name the two Services: canaryService: web-canary, stableService: web-stable",
        ),
      );
    else if (canaryService === stableService)
      issues.push(
        issue(
          "/spec/strategy/canary/canaryService",
          "This rollout uses the same service for the stable and canary services, but two different services are required.",
          "create a second Service for the canary",
        ),
      );
    const nginx = objectAt(routing, ["nginx"]);
    if (
      nginx !== undefined &&
      stringAt(nginx, ["stableIngress"]) === undefined &&
      !Array.isArray(nginx.stableIngresses)
    )
      issues.push(
        issue(
          "/spec/strategy/canary/trafficRouting/nginx",
          "trafficRouting.nginx needs stableIngress (or stableIngresses)",
          "name the Ingress that routes to the stable Service: stableIngress: web",
        ),
      );
    const traefik = objectAt(routing, ["traefik"]);
    if (traefik !== undefined && typeof traefik.weightedTraefikServiceName !== "string")
      issues.push(
        issue(
          "/spec/strategy/canary/trafficRouting/traefik",
          "trafficRouting.traefik needs weightedTraefikServiceName",
          "name the TraefikService whose weighted services are the canary and stable Services",
        ),
      );
  }
  const managedRoutes = objectsAt(routing, ["managedRoutes"])
    .map((route) => route.name)
    .filter((name): name is string => typeof name === "string");
  const stepsValue = valueAt(canary, ["steps"]);
  if (stepsValue !== undefined && !Array.isArray(stepsValue))
    issues.push(
      issue("/spec/strategy/canary/steps", "steps must be a list", "write steps: [- setWeight: 20, - pause: {}]"),
    );
  const steps = Array.isArray(stepsValue) ? stepsValue : [];
  issues.push(...stepIssues(steps, routing !== undefined, managedRoutes));
  return issues;
}

/** The checks as a sandbox validation (addon `argo-rollouts`). */
export const argoRolloutValidation: SimulatedValidation = {
  name: "argo-rollouts-validating",
  addon: "argo-rollouts",
  validate(_operation, incoming) {
    if (incoming.kind !== "Rollout" || !incoming.apiVersion.startsWith("argoproj.io/")) return [];
    return findArgoRolloutIssues(incoming);
  },
};
