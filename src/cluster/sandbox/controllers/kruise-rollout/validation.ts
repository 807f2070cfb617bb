/**
 * The Kruise Rollout validating webhook (`openkruise/rollouts`
 * `pkg/webhook/rollout/validating/rollout_create_update_handler.go`,
 * `validate_v1alphal_rollout.go`; ROLLOUT-SEMANTICS §1.2), with its rules and wording, gathering
 * every problem instead of stopping at the first: a workload reference of a supported kind, bound
 * to one Rollout only; non-empty steps, each with a weight (traffic) or replicas; weights in
 * (0, 100] and non-decreasing; replicas a positive number or a percentage in (0%, 100%],
 * non-decreasing when comparable; at most one traffic routing with a Service, a non-negative grace
 * period, an Ingress name or an HTTPRoute name; and, while a release is in progress, the workload
 * reference, traffic routing and rolling style cannot change.
 */
import type { ValidationIssue } from "../../../../errors/index.js";
import type { KubeObject } from "../../../../model/kube-object.js";
import { isJsonObject, jsonEqual, type JsonValue } from "../../../../util/index.js";
import type { ControllerView, SimulatedValidation } from "../../controller-contract.js";
import { objectAt, objectsAt, stringAt, valueAt } from "../common/fields.js";
import { isPercent, scaledValue } from "../common/int-or-percent.js";
import {
  DEPLOYMENT_STRATEGY_ANNOTATION,
  IN_PROGRESSING_ANNOTATION,
  listRollouts,
  readRolloutPlan,
  ROLLING_STYLE_ANNOTATION,
} from "./api.js";

const CODE = "E_KRUISE_ROLLOUT_INVALID";
const SUPPORTED_KINDS = new Set(["Deployment", "StatefulSet", "CloneSet", "DaemonSet"]);
const CLASS_TYPES = new Set(["nginx", "aliyun-alb", "mse", "higress"]);

function issue(path: string, message: string, hint: string): ValidationIssue {
  return { code: CODE, message, path, hint };
}

function stepWeight(step: Record<string, JsonValue>, beta: boolean): number | undefined {
  if (beta) {
    const traffic = step.traffic;
    if (typeof traffic !== "string") return undefined;
    return scaledValue(traffic.trim().endsWith("%") ? traffic : `${traffic}%`, 100, true);
  }
  return typeof step.weight === "number" ? step.weight : undefined;
}

function stepIssues(steps: readonly JsonValue[], base: string, beta: boolean, hasTraffic: boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (steps.length === 0)
    return [
      issue(base, "The number of Canary.Steps cannot be empty", "give at least one step, e.g. steps: [{weight: 20}]"),
    ];
  const weightKey = beta ? "traffic" : "weight";
  const comparable: { weight: number | undefined; replicas: JsonValue | undefined }[] = [];
  steps.forEach((raw, index) => {
    const at = `${base}/${index}`;
    if (!isJsonObject(raw)) {
      issues.push(issue(at, `step ${index + 1} is not a mapping`, "write e.g. - weight: 20"));
      comparable.push({ weight: undefined, replicas: undefined });
      return;
    }
    const weight = stepWeight(raw, beta);
    const replicas = raw.replicas;
    if (raw[weightKey] === undefined && replicas === undefined)
      issues.push(
        issue(
          at,
          `step ${index + 1}: ${weightKey} and replicas cannot be empty at the same time`,
          `give the step a ${weightKey} (traffic %) or replicas`,
        ),
      );
    if (
      raw[weightKey] !== undefined &&
      (weight === undefined || !Number.isInteger(weight) || weight <= 0 || weight > 100)
    )
      issues.push(
        issue(
          `${at}/${weightKey}`,
          `step ${index + 1}: ${weightKey} must be between 1 and 100, got ${JSON.stringify(raw[weightKey])}`,
          "a step's traffic share is a percentage: 0 < weight ≤ 100 (use matches without a weight for header-only steps)",
        ),
      );
    if (replicas !== undefined) {
      const scaled = scaledValue(replicas, 100, true);
      const valid =
        scaled !== undefined &&
        scaled > 0 &&
        (!isPercent(replicas) || scaled <= 100) &&
        (typeof replicas !== "string" || isPercent(replicas));
      if (!valid)
        issues.push(
          issue(
            `${at}/replicas`,
            `step ${index + 1}: replicas must be positive number, or a percentage with "0%" < canaryReplicas <= "100%", ` +
              `got ${JSON.stringify(replicas)}`,
            'write a pod count (1) or a percentage ("20%")',
          ),
        );
    }
    const duration = valueAt(raw, ["pause", "duration"]);
    if (duration !== undefined && (typeof duration !== "number" || !Number.isInteger(duration) || duration < 0))
      issues.push(
        issue(
          `${at}/pause/duration`,
          `step ${index + 1}: pause.duration must be whole seconds ≥ 0, got ${JSON.stringify(duration)}`,
          "e.g. pause: {duration: 30}",
        ),
      );
    comparable.push({ weight, replicas });
  });
  for (let i = 1; i < comparable.length; i++) {
    const prev = comparable[i - 1];
    const curr = comparable[i];
    if (prev === undefined || curr === undefined) continue;
    if (hasTraffic && prev.weight !== undefined && curr.weight !== undefined && curr.weight < prev.weight)
      issues.push(
        issue(
          `${base}/${i}/${weightKey}`,
          `Steps.Weight must be a non decreasing sequence: step ${i + 1} has ${curr.weight}, after ${prev.weight} at step ${i}`,
          "order the steps by growing weight; to go back to stable, roll the workload back instead",
        ),
      );
    // Replicas compare only when both steps use the same form (both counts or both percentages).
    const prevReplicas = prev.replicas ?? (prev.weight === undefined ? undefined : `${prev.weight}%`);
    const currReplicas = curr.replicas ?? (curr.weight === undefined ? undefined : `${curr.weight}%`);
    if (prevReplicas === undefined || currReplicas === undefined || isPercent(prevReplicas) !== isPercent(currReplicas))
      continue;
    const a = scaledValue(prevReplicas, 100, true);
    const b = scaledValue(currReplicas, 100, true);
    if (a !== undefined && b !== undefined && b < a)
      issues.push(
        issue(
          `${base}/${i}/replicas`,
          `Steps.CanaryReplicas must be a non decreasing sequence: step ${i + 1} has ${JSON.stringify(currReplicas)}, ` +
            `after ${JSON.stringify(prevReplicas)} at step ${i}`,
          "each step keeps at least the pods of the one before",
        ),
      );
  }
  return issues;
}

function routingIssues(canary: Record<string, JsonValue> | undefined, base: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const routings = objectsAt(canary, ["trafficRoutings"]);
  if (routings.length > 1)
    issues.push(
      issue(
        `${base}/trafficRoutings`,
        "Rollout currently only support single TrafficRouting",
        "keep one entry in trafficRoutings",
      ),
    );
  routings.forEach((routing, index) => {
    const at = `${base}/trafficRoutings/${index}`;
    if (typeof routing.service !== "string" || routing.service === "")
      issues.push(issue(`${at}/service`, "TrafficRouting.Service cannot be empty", "name the stable Service"));
    const grace = routing.gracePeriodSeconds;
    if (grace !== undefined && (typeof grace !== "number" || grace < 0))
      issues.push(
        issue(
          `${at}/gracePeriodSeconds`,
          "TrafficRouting.GracePeriodSeconds cannot be negative",
          "use 0 or more seconds",
        ),
      );
    const ingress = objectAt(routing, ["ingress"]);
    if (ingress !== undefined) {
      if (typeof ingress.name !== "string" || ingress.name === "")
        issues.push(
          issue(`${at}/ingress/name`, "TrafficRouting.Ingress.Ingress cannot be empty", "name the stable Ingress"),
        );
      const classType = stringAt(ingress, ["classType"]);
      if (classType !== undefined && !CLASS_TYPES.has(classType))
        issues.push(
          issue(
            `${at}/ingress/classType`,
            `TrafficRouting.Ingress.ClassType ${JSON.stringify(classType)} is not supported`,
            `use one of ${[...CLASS_TYPES].join(", ")}`,
          ),
        );
    }
    const gateway = objectAt(routing, ["gateway"]);
    if (gateway !== undefined && (typeof gateway.httpRouteName !== "string" || gateway.httpRouteName === ""))
      issues.push(
        issue(
          `${at}/gateway/httpRouteName`,
          "TrafficRouting.Gateway must set the name of HTTPRoute or HTTPsRoute",
          "name the HTTPRoute to change",
        ),
      );
  });
  return issues;
}

function isProgressing(rollout: KubeObject | undefined): boolean {
  const phase = stringAt(rollout?.status as JsonValue | undefined, ["phase"]);
  return phase === "Progressing" || phase === "Terminating";
}

/** Every problem the Kruise webhook refuses a Rollout for (`rollouts.kruise.io/v1alpha1` or `v1beta1`). */
export function findKruiseRolloutIssues(
  rollout: KubeObject,
  existing: KubeObject | undefined,
  view: ControllerView,
): ValidationIssue[] {
  const beta = rollout.apiVersion.endsWith("/v1beta1");
  const refPath = beta ? "/spec/workloadRef" : "/spec/objectRef/workloadRef";
  const ref = beta
    ? objectAt(rollout, ["spec", "workloadRef"])
    : objectAt(rollout, ["spec", "objectRef", "workloadRef"]);
  const issues: ValidationIssue[] = [];
  if (
    ref === undefined ||
    typeof ref.apiVersion !== "string" ||
    typeof ref.kind !== "string" ||
    typeof ref.name !== "string"
  )
    issues.push(
      issue(
        refPath,
        "WorkloadRef is required (apiVersion, kind and name)",
        "e.g. workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}",
      ),
    );
  else if (!SUPPORTED_KINDS.has(ref.kind))
    issues.push(
      issue(
        `${refPath}/kind`,
        `WorkloadRef kind ${JSON.stringify(ref.kind)} is not supported`,
        "use Deployment, StatefulSet, CloneSet or DaemonSet",
      ),
    );
  const canary = objectAt(rollout, ["spec", "strategy", "canary"]);
  const base = "/spec/strategy/canary";
  if (canary === undefined && objectAt(rollout, ["spec", "strategy", "blueGreen"]) === undefined)
    issues.push(issue("/spec/strategy", "Rollout strategy needs canary steps", "add spec.strategy.canary.steps"));
  if (canary !== undefined) {
    const steps = valueAt(canary, ["steps"]);
    const hasTraffic = objectsAt(canary, ["trafficRoutings"]).length > 0;
    issues.push(...stepIssues(Array.isArray(steps) ? steps : [], `${base}/steps`, beta, hasTraffic));
    issues.push(...routingIssues(canary, base));
  }
  if (ref !== undefined && rollout.metadata.deletionTimestamp === undefined) {
    const plan = readRolloutPlan(rollout);
    const other = listRollouts(view, rollout.metadata.namespace ?? "default").find(
      (candidate) =>
        candidate.metadata.name !== rollout.metadata.name &&
        candidate.metadata.deletionTimestamp === undefined &&
        plan.workloadRef !== undefined &&
        readRolloutPlan(candidate).workloadRef?.name === plan.workloadRef.name &&
        readRolloutPlan(candidate).workloadRef?.kind === plan.workloadRef.kind,
    );
    if (other !== undefined)
      issues.push(
        issue(
          refPath,
          `This rollout conflict with Rollout(${other.metadata.namespace ?? "default"}/${other.metadata.name ?? ""}), ` +
            "one workload only have less than one Rollout",
          "delete the other Rollout, or point this one at another workload",
        ),
      );
  }
  if (existing !== undefined && isProgressing(existing)) {
    const before = beta ? valueAt(existing, ["spec", "workloadRef"]) : valueAt(existing, ["spec", "objectRef"]);
    const after = beta ? valueAt(rollout, ["spec", "workloadRef"]) : valueAt(rollout, ["spec", "objectRef"]);
    if (!jsonEqual(before ?? null, after ?? null))
      issues.push(
        issue(
          beta ? "/spec/workloadRef" : "/spec/objectRef",
          "Rollout 'ObjectRef' field is immutable",
          "wait until the release finishes (or roll it back) before pointing the Rollout elsewhere",
        ),
      );
    if (
      !jsonEqual(
        valueAt(existing, ["spec", "strategy", "canary", "trafficRoutings"]) ?? null,
        valueAt(canary, ["trafficRoutings"]) ?? null,
      )
    )
      issues.push(
        issue(
          `${base}/trafficRoutings`,
          "Rollout 'Strategy.Canary.TrafficRoutings' field is immutable",
          "change traffic routing only between releases",
        ),
      );
    if (
      existing.metadata.annotations?.[ROLLING_STYLE_ANNOTATION] !==
      rollout.metadata.annotations?.[ROLLING_STYLE_ANNOTATION]
    )
      issues.push(
        issue(
          `/metadata/annotations/${ROLLING_STYLE_ANNOTATION.replace("/", "~1")}`,
          `Rollout '${ROLLING_STYLE_ANNOTATION}' annotation is immutable`,
          "change the rolling style only between releases",
        ),
      );
  }
  return issues;
}

/** The webhook as a sandbox validation (addon `kruise-rollout`). */
export const kruiseRolloutValidation: SimulatedValidation = {
  name: "kruise-rollout-validating",
  addon: "kruise-rollout",
  validate(_operation, incoming, existing, view) {
    if (incoming.kind !== "Rollout" || !incoming.apiVersion.startsWith("rollouts.kruise.io/")) return [];
    return findKruiseRolloutIssues(incoming, existing, view);
  },
};

/** The Rollout named in the in-progress annotation (`{"rolloutName":"…"}`), or "". */
function rolloutNameOf(annotation: string): string {
  try {
    const parsed = JSON.parse(annotation) as { rolloutName?: unknown };
    return typeof parsed.rolloutName === "string" ? parsed.rolloutName : "";
  } catch {
    return "";
  }
}

/**
 * The capped (partition-style) release keeps the Deployment's size fixed: the batches and the
 * `replicas + maxSurge` ceiling are worked out from it. While one runs, a change of `spec.replicas`
 * (by hand, by a scaler trait, by an HPA) is refused; Kruise itself disables HPAs that target the
 * workload for the same reason. Upstream recomputes the batches instead; the sandbox's capped
 * release refuses, so the ceiling it promised holds.
 */
export const kruisePartitionScaleValidation: SimulatedValidation = {
  name: "kruise-rollout-partition-scale",
  addon: "kruise-rollout",
  validate(_operation, incoming, existing) {
    if (incoming.kind !== "Deployment" || existing === undefined) return [];
    const annotations = existing.metadata.annotations ?? {};
    if (
      annotations[DEPLOYMENT_STRATEGY_ANNOTATION] === undefined ||
      annotations[IN_PROGRESSING_ANNOTATION] === undefined
    )
      return [];
    const before = valueAt(existing, ["spec", "replicas"]) ?? 1;
    const after = valueAt(incoming, ["spec", "replicas"]) ?? 1;
    if (jsonEqual(before, after)) return [];
    const rollout = rolloutNameOf(annotations[IN_PROGRESSING_ANNOTATION] ?? "");
    return [
      {
        code: "E_ROLLOUT_SCALING_PAUSED",
        message:
          `Deployment ${existing.metadata.name ?? ""} is in a partition-style release${rollout === "" ? "" : ` (Rollout ${rollout})`}: ` +
          `its replicas stay ${JSON.stringify(before)} until the release ends, got ${JSON.stringify(after)}`,
        path: "/spec/replicas",
        hint: "approve the remaining steps (or roll the release back), then scale; HPAs targeting the Deployment are held while it runs",
      },
    ];
  },
};
