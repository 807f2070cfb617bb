import type { Appfile, AppfileTrait } from "../appfile/index.js";
import type { ValidationIssue } from "../errors/index.js";
import { locateInSource, type KubeObject } from "../model/index.js";
import { isJsonObject, joinPointer, type JsonObject, type JsonValue } from "../util/index.js";
import type { ComponentManifest } from "./render.js";

/**
 * OpenKruise Rollouts (`rollouts.kruise.io/v1alpha1`) an app renders — from the `kruise-rollout` or
 * `rolling-release` trait, or any other output — checked as Kruise's validating webhook checks them
 * (openkruise/rollouts `pkg/webhook/rollout/validating/validate_v1alphal_rollout.go`,
 * ROLLOUT-SEMANTICS §1.2), so a release the cluster would refuse is an error at render time
 * (`dry-run` already) pointing at the trait's step in the Application, not a failed apply:
 *
 * - the rolling style is `canary`, `partition` or empty; the workload kind is one Kruise rolls;
 * - there is at least one step; each step has `weight` or `replicas`; `replicas` is a positive
 *   number or a percentage in (0%, 100%]; without `replicas`, `weight` is in (0, 100];
 * - with traffic routing, weights never decrease; replicas never decrease between steps of the
 *   same form (both numbers or both percentages; a missing `replicas` counts as its weight);
 * - partition style with traffic: a step's pod percentage is at most 30% (Kruise's
 *   `replicasLimitWithTraffic`);
 * - at most one traffic routing, with a Service, a non-negative grace period and an Ingress name
 *   or an HTTPRoute name.
 *
 * One check of vela-ts's own, since a weight there could only be honoured by pod ratio: in
 * partition style a step's `weight` needs a traffic routing (Kruise would silently use it as the
 * pod percentage, so a "20% of requests" step would send requests in proportion to pods).
 */

const ROLLOUT_GROUP = "rollouts.kruise.io";
/** Kruise's `PartitionReplicasLimitWithTraffic`. */
const LIMIT = 30;
const SUPPORTED_WORKLOADS = new Set([
  "apps/Deployment",
  "apps/StatefulSet",
  "apps.kruise.io/CloneSet",
  "apps.kruise.io/StatefulSet",
  "apps.kruise.io/DaemonSet",
]);

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function at(value: JsonValue | KubeObject | undefined, ...path: readonly string[]): JsonValue | undefined {
  let current: unknown = value;
  for (const segment of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[segment];
  }
  return current as JsonValue | undefined;
}

function isKruiseRolloutV1alpha1(object: KubeObject): boolean {
  return object.kind === "Rollout" && object.apiVersion === `${ROLLOUT_GROUP}/v1alpha1`;
}

/** A step's pods as Kruise scales them against 100 (`GetScaledValueFromIntOrPercent(replicas, 100, true)`). */
function scaledReplicas(replicas: JsonValue): number | undefined {
  if (typeof replicas === "number") return Number.isInteger(replicas) ? replicas : undefined;
  if (typeof replicas !== "string") return undefined;
  const match = /^(\d+)%$/.exec(replicas);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function isPercent(replicas: JsonValue | undefined): boolean {
  return typeof replicas === "string";
}

/** The rolling style as Kruise decides it: partition unless canary (or unset) on an apps/v1 Deployment. */
function styleOf(rollout: KubeObject, workloadRef: JsonObject): "canary" | "partition" {
  const annotation = (rollout.metadata.annotations?.["rollouts.kruise.io/rolling-style"] ?? "").toLowerCase();
  const isDeployment = workloadRef.apiVersion === "apps/v1" && workloadRef.kind === "Deployment";
  return (annotation === "" || annotation === "canary") && isDeployment ? "canary" : "partition";
}

/** One problem, with the Rollout field it is about (`steps/1/weight`, relative to `spec.strategy.canary`). */
interface RolloutProblem {
  readonly field: string;
  readonly message: string;
  readonly hint?: string;
}

function stepProblems(
  steps: readonly JsonValue[],
  style: "canary" | "partition",
  hasTraffic: boolean,
): RolloutProblem[] {
  const problems: RolloutProblem[] = [];
  steps.forEach((raw, index) => {
    const step = isJsonObject(raw) ? raw : {};
    const name = `step ${index + 1}`;
    const weight = step.weight;
    const replicas = step.replicas;
    const hasMatches = Array.isArray(step.matches) && step.matches.length > 0;
    if ((weight === undefined || weight === null) && (replicas === undefined || replicas === null)) {
      problems.push({
        field: `steps/${index}`,
        message: `${name} has neither weight nor replicas`,
        hint: 'give the step a weight (percent of the traffic) or replicas (pods: a number or a percentage such as "20%")',
      });
      return;
    }
    if (replicas !== undefined && replicas !== null) {
      const scaled = scaledReplicas(replicas);
      if (scaled === undefined || scaled <= 0 || (isPercent(replicas) && scaled > 100)) {
        problems.push({
          field: `steps/${index}/replicas`,
          message: `${name}: replicas ${JSON.stringify(replicas)} must be a positive number, or a percentage with 0% < replicas <= 100%`,
        });
      } else if (
        style === "partition" &&
        isPercent(replicas) &&
        scaled > LIMIT &&
        (hasMatches || (weight !== undefined && weight !== null))
      ) {
        problems.push({
          field: `steps/${index}/replicas`,
          message:
            `${name}: in partition style, replicas ${JSON.stringify(replicas)} is more than ` +
            `${LIMIT}% while the step also routes traffic (weight or matches)`,
          hint:
            `Kruise limits a partition-style step that routes traffic to ${LIMIT}% of the pods; ` +
            "route traffic only in the early steps, or use the canary style",
        });
      }
    } else if (typeof weight === "number") {
      if (weight <= 0 || weight > 100) {
        problems.push({ field: `steps/${index}/weight`, message: `${name}: weight ${weight} must be in (0, 100]` });
      } else if (style === "partition" && weight > LIMIT) {
        problems.push({
          field: `steps/${index}/weight`,
          message: `${name}: in partition style, weight ${weight} without replicas is more than ${LIMIT}%`,
          hint:
            `Kruise limits a partition-style step's weight to ${LIMIT}% unless replicas is given; ` +
            "give the step replicas (pods) too, or use the canary style",
        });
      }
    } else {
      problems.push({ field: `steps/${index}/weight`, message: `${name}: weight must be a number` });
    }
    if (style === "partition" && !hasTraffic && weight !== undefined && weight !== null) {
      problems.push({
        field: `steps/${index}/weight`,
        message: `${name}: a weight in partition style needs a traffic routing; without one, requests would follow the pod ratio, not the weight`,
        hint: 'give the pods as replicas (e.g. replicas: "20%") instead of weight, or add a traffic routing (ingress or gateway)',
      });
    }
  });
  for (let index = 1; index < steps.length; index++) {
    const previous = isJsonObject(steps[index - 1]) ? (steps[index - 1] as JsonObject) : {};
    const current = isJsonObject(steps[index]) ? (steps[index] as JsonObject) : {};
    if (
      hasTraffic &&
      typeof previous.weight === "number" &&
      typeof current.weight === "number" &&
      current.weight < previous.weight
    ) {
      problems.push({
        field: `steps/${index}/weight`,
        message: `step ${index + 1}: weight ${current.weight} is less than step ${index}'s ${previous.weight}; weights must not decrease`,
        hint: "a release only moves forward: order the steps by growing weight",
      });
    }
    const replicasOf = (step: JsonObject): number | undefined =>
      step.replicas === undefined || step.replicas === null
        ? typeof step.weight === "number"
          ? step.weight
          : undefined
        : scaledReplicas(step.replicas);
    if (isPercent(previous.replicas) !== isPercent(current.replicas)) continue;
    const before = replicasOf(previous);
    const after = replicasOf(current);
    if (before !== undefined && after !== undefined && after < before) {
      problems.push({
        field: `steps/${index}/replicas`,
        message:
          `step ${index + 1}: replicas go down from step ${index} ` +
          `(${JSON.stringify(previous.replicas ?? previous.weight ?? null)} → ` +
          `${JSON.stringify(current.replicas ?? current.weight ?? null)}); they must not decrease`,
        hint: "a release only moves forward: order the steps by growing replicas",
      });
    }
  }
  return problems;
}

function trafficProblems(routings: readonly JsonValue[]): RolloutProblem[] {
  const problems: RolloutProblem[] = [];
  if (routings.length > 1)
    problems.push({
      field: "trafficRoutings",
      message: `${routings.length} traffic routings given; a Rollout supports one`,
    });
  routings.forEach((raw, index) => {
    const routing = isJsonObject(raw) ? raw : {};
    const field = `trafficRoutings/${index}`;
    if (typeof routing.service !== "string" || routing.service === "")
      problems.push({ field: `${field}/service`, message: "a traffic routing needs the stable Service's name" });
    if (typeof routing.gracePeriodSeconds === "number" && routing.gracePeriodSeconds < 0)
      problems.push({ field: `${field}/gracePeriodSeconds`, message: "gracePeriodSeconds cannot be negative" });
    const ingress = routing.ingress;
    const gateway = routing.gateway;
    if (ingress === undefined && gateway === undefined && routing.customNetworkRefs === undefined)
      problems.push({ field, message: "a traffic routing needs an ingress, a gateway or customNetworkRefs" });
    if (isJsonObject(ingress) && (typeof ingress.name !== "string" || ingress.name === ""))
      problems.push({ field: `${field}/ingress`, message: "a traffic routing's ingress needs the Ingress name" });
    if (isJsonObject(gateway) && (typeof gateway.httpRouteName !== "string" || gateway.httpRouteName === ""))
      problems.push({ field: `${field}/gateway`, message: "a traffic routing's gateway needs the HTTPRoute name" });
  });
  return problems;
}

/** Every problem Kruise's webhook (and vela-ts's partition-weight rule) finds in one v1alpha1 Rollout. */
export function kruiseRolloutProblems(rollout: KubeObject): RolloutProblem[] {
  const annotation = rollout.metadata.annotations?.["rollouts.kruise.io/rolling-style"];
  if (annotation !== undefined && !["", "canary", "partition"].includes(annotation.toLowerCase()))
    return [{ field: "", message: `rolling style "${annotation}" must be canary, partition or empty` }];
  const workloadRef = at(rollout, "spec", "objectRef", "workloadRef");
  if (!isJsonObject(workloadRef))
    return [{ field: "", message: "the Rollout has no spec.objectRef.workloadRef (the workload it releases)" }];
  const apiVersion = typeof workloadRef.apiVersion === "string" ? workloadRef.apiVersion : "";
  const kind = typeof workloadRef.kind === "string" ? workloadRef.kind : "";
  if (!SUPPORTED_WORKLOADS.has(`${groupOf(apiVersion)}/${kind}`))
    return [
      {
        field: "",
        message: `Kruise cannot release a ${kind || "workload without a kind"}${apiVersion === "" ? "" : ` (${apiVersion})`}`,
        hint: "a Rollout releases a Deployment, StatefulSet, CloneSet or Advanced DaemonSet; set workloadType",
      },
    ];
  const canary = at(rollout, "spec", "strategy", "canary");
  if (!isJsonObject(canary)) return [{ field: "", message: "the Rollout has no canary strategy" }];
  const steps = Array.isArray(canary.steps) ? canary.steps : [];
  if (steps.length === 0) return [{ field: "steps", message: "a release needs at least one step" }];
  const routings = Array.isArray(canary.trafficRoutings) ? canary.trafficRoutings : [];
  return [...stepProblems(steps, styleOf(rollout, workloadRef), routings.length > 0), ...trafficProblems(routings)];
}

/**
 * Where a problem of a trait's Rollout is in the Application: the trait's own parameter when it has
 * one at the same place (`canary/steps/1/weight` of `kruise-rollout`, `weight` of `rolling-release`),
 * else the trait.
 */
function traitPointer(trait: AppfileTrait, field: string): string {
  const segments = field === "" ? [] : field.split("/");
  const candidates: string[][] = [];
  for (let length = segments.length; length >= 1; length--) candidates.push(["canary", ...segments.slice(0, length)]);
  if (segments.length > 0) candidates.push([segments[segments.length - 1] ?? ""]);
  for (const candidate of candidates) {
    if (candidate.length === 0) continue;
    let value: JsonValue | undefined = trait.properties;
    let found = true;
    for (const segment of candidate) {
      const next: JsonValue | undefined = Array.isArray(value)
        ? value[Number(segment)]
        : isJsonObject(value)
          ? value[segment]
          : undefined;
      if (next === undefined || next === null) {
        found = false;
        break;
      }
      value = next;
    }
    if (found) return joinPointer(trait.path, "properties", ...candidate);
  }
  return joinPointer(trait.path, "type");
}

/** The problems of every Kruise Rollout the manifests hold, located at the trait (or component) that rendered it. */
export function findKruiseRolloutIssues(manifests: readonly ComponentManifest[], appfile: Appfile): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const manifest of manifests) {
    const component = appfile.components.find((entry) => entry.name === manifest.name);
    const sources: [KubeObject, (field: string) => string, string][] = [];
    for (const object of [
      ...(manifest.workload === undefined ? [] : [manifest.workload]),
      ...manifest.outputs.map((output) => output.object),
    ])
      sources.push([object, () => joinPointer(component?.path ?? "", "type"), `component "${manifest.name}"`]);
    for (const trait of manifest.traits) {
      const bound = component?.traits[trait.index];
      for (const output of trait.outputs)
        sources.push([
          output.object,
          (field) => (bound === undefined ? joinPointer(component?.path ?? "", "type") : traitPointer(bound, field)),
          `component "${manifest.name}": trait "${trait.type}"`,
        ]);
    }
    for (const [object, pointerOf, subject] of sources) {
      if (!isKruiseRolloutV1alpha1(object)) continue;
      for (const problem of kruiseRolloutProblems(object)) {
        const path = pointerOf(problem.field);
        const source = locateInSource(appfile.sourceMap, path);
        issues.push({
          code: "E_ROLLOUT_INVALID",
          message: `${subject}: Rollout ${object.metadata.name ?? ""}: ${problem.message}`,
          path,
          ...(source === undefined ? {} : { source }),
          ...(problem.hint === undefined ? {} : { hint: problem.hint }),
        });
      }
    }
  }
  return issues;
}
