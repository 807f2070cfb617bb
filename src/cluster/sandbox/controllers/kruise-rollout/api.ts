/**
 * The OpenKruise Rollout API as the simulated controllers read it (`openkruise/rollouts`
 * `api/v1alpha1/rollout_types.go`, `api/v1beta1/rollout_types.go`, and the conversion in
 * `api/v1alpha1/conversion.go`): both versions are normalised into one {@link RolloutPlan}.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../../../util/index.js";
import type { ControllerView } from "../../controller-contract.js";
import { listServedVersions } from "../common/versions.js";
import { booleanAt, numberAt, objectAt, objectsAt, stringAt } from "../common/fields.js";

export const ROLLOUT_GROUP = "rollouts.kruise.io";
export const ROLLOUT_VERSIONS = ["rollouts.kruise.io/v1alpha1", "rollouts.kruise.io/v1beta1"] as const;
/** Workload annotation set by the webhook while a release is in progress. */
export const IN_PROGRESSING_ANNOTATION = "rollouts.kruise.io/in-progressing";
/** Workload label: pod-template-hash of the stable ReplicaSet, set by the webhook. */
export const STABLE_REVISION_LABEL = "rollouts.kruise.io/stable-revision";
/** Workload annotation: only a change of it starts a release when present. */
export const ROLLOUT_ID_ANNOTATION = "rollouts.kruise.io/rollout-id";
/** Rollout annotation: `canary` (default) or `partition`. */
export const ROLLING_STYLE_ANNOTATION = "rollouts.kruise.io/rolling-style";
/** Label on the canary Deployment naming the stable one. */
export const CANARY_DEPLOYMENT_LABEL = "rollouts.kruise.io/canary-deployment";
/** Finalizer the BatchRelease puts on the canary Deployment. */
export const BATCH_RELEASE_FINALIZER = "finalizer.rollouts.kruise.io/batch-release";
/** Annotation on workloads controlled by a BatchRelease. */
export const CONTROL_INFO_ANNOTATION = "batchrelease.rollouts.kruise.io/control-info";
/**
 * Deployment annotation of a partition-style release: the rolling settings the Kruise rollouts
 * controller's own Deployment controller applies while the native one is paused
 * (`{"rollingStyle":"Partition","rollingUpdate":{…},"partition":…,"paused":false}`).
 */
export const DEPLOYMENT_STRATEGY_ANNOTATION = "rollouts.kruise.io/deployment-strategy";
/** Default `gracePeriodSeconds` of a traffic routing. */
export const DEFAULT_GRACE_PERIOD_SECONDS = 3;

/** One header match of a step (`matches[].headers[]`). */
export interface HeaderMatch {
  readonly type: "Exact" | "RegularExpression";
  readonly name: string;
  readonly value: string;
}

/** One canary step, whichever API version it came from. */
export interface RolloutStep {
  /** Traffic percentage (v1alpha1 `weight`, v1beta1 `traffic`), when set. */
  readonly weight: number | undefined;
  /** Replicas as written (`1` or `"20%"`); v1alpha1 steps without replicas use `"<weight>%"`. */
  readonly replicas: JsonValue | undefined;
  /** `pause.duration` in seconds; undefined = wait for approval. */
  readonly pauseSeconds: number | undefined;
  /** Each inner array is one match (its headers AND-ed); matches are OR-ed. */
  readonly matches: readonly (readonly HeaderMatch[])[];
}

/** `trafficRoutings[0]`. */
export interface TrafficRouting {
  readonly service: string;
  readonly gracePeriodSeconds: number;
  readonly ingress: { readonly name: string; readonly classType: string } | undefined;
  readonly httpRouteName: string | undefined;
  readonly customNetworkRefs: readonly { readonly apiVersion: string; readonly kind: string; readonly name: string }[];
}

/** A Rollout spec normalised across v1alpha1 and v1beta1. */
export interface RolloutPlan {
  readonly workloadRef: { readonly apiVersion: string; readonly kind: string; readonly name: string } | undefined;
  readonly steps: readonly RolloutStep[];
  readonly trafficRouting: TrafficRouting | undefined;
  readonly paused: boolean;
  readonly disabled: boolean;
  /** `canary` (an extra canary Deployment) or `partition` (batches on the workload itself). */
  readonly style: "canary" | "partition";
  readonly failureThreshold: JsonValue | undefined;
  readonly patchPodTemplateMetadata: JsonObject | undefined;
}

function percentNumber(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim());
  return match === null ? undefined : Number(match[1]);
}

function readStep(step: JsonObject, beta: boolean): RolloutStep {
  const weight = beta ? percentNumber(step.traffic) : typeof step.weight === "number" ? step.weight : undefined;
  const replicas = step.replicas ?? (beta || weight === undefined ? undefined : `${weight}%`);
  const pause = isJsonObject(step.pause) ? step.pause : undefined;
  const duration = pause?.duration;
  const matches = objectsAt(step, ["matches"]).map((match) =>
    objectsAt(match, ["headers"]).map((header): HeaderMatch => ({
      type: header.type === "RegularExpression" ? "RegularExpression" : "Exact",
      name: typeof header.name === "string" ? header.name : "",
      value: typeof header.value === "string" ? header.value : "",
    })),
  );
  return { weight, replicas, pauseSeconds: typeof duration === "number" ? duration : undefined, matches };
}

const PLAN_CACHE = new WeakMap<KubeObject, RolloutPlan>();

/** Reads a Rollout's spec, whichever served version it is (cached per stored, frozen object). */
export function readRolloutPlan(rollout: KubeObject): RolloutPlan {
  const cached = PLAN_CACHE.get(rollout);
  if (cached !== undefined) return cached;
  const plan = readPlan(rollout);
  if (Object.isFrozen(rollout)) PLAN_CACHE.set(rollout, plan);
  return plan;
}

function readPlan(rollout: KubeObject): RolloutPlan {
  const beta = rollout.apiVersion.endsWith("/v1beta1");
  const ref = beta
    ? objectAt(rollout, ["spec", "workloadRef"])
    : objectAt(rollout, ["spec", "objectRef", "workloadRef"]);
  const apiVersion = stringAt(ref, ["apiVersion"]);
  const kind = stringAt(ref, ["kind"]);
  const name = stringAt(ref, ["name"]);
  const canary = objectAt(rollout, ["spec", "strategy", "canary"]);
  const routing = objectsAt(canary, ["trafficRoutings"])[0];
  const ingress = objectAt(routing, ["ingress"]);
  const styleAnnotation = rollout.metadata.annotations?.[ROLLING_STYLE_ANNOTATION];
  const extraWorkload = beta
    ? booleanAt(canary, ["enableExtraWorkloadForCanary"]) === true
    : styleAnnotation !== "partition";
  const style = kind === "Deployment" && extraWorkload ? "canary" : "partition";
  return {
    workloadRef:
      apiVersion !== undefined && kind !== undefined && name !== undefined ? { apiVersion, kind, name } : undefined,
    steps: objectsAt(canary, ["steps"]).map((step) => readStep(step, beta)),
    trafficRouting:
      routing === undefined
        ? undefined
        : {
            service: stringAt(routing, ["service"]) ?? "",
            gracePeriodSeconds: Math.max(0, numberAt(routing, ["gracePeriodSeconds"]) ?? DEFAULT_GRACE_PERIOD_SECONDS),
            ingress:
              ingress === undefined
                ? undefined
                : { name: stringAt(ingress, ["name"]) ?? "", classType: stringAt(ingress, ["classType"]) ?? "nginx" },
            httpRouteName: stringAt(routing, ["gateway", "httpRouteName"]),
            customNetworkRefs: objectsAt(routing, ["customNetworkRefs"]).map((item) => ({
              apiVersion: typeof item.apiVersion === "string" ? item.apiVersion : "",
              kind: typeof item.kind === "string" ? item.kind : "",
              name: typeof item.name === "string" ? item.name : "",
            })),
          },
    paused: booleanAt(rollout, ["spec", "strategy", "paused"]) === true,
    disabled: booleanAt(rollout, ["spec", "disabled"]) === true,
    style,
    failureThreshold: canary?.failureThreshold,
    patchPodTemplateMetadata: objectAt(canary, ["patchPodTemplateMetadata"]),
  };
}

/** All Rollouts in the view (both served versions). */
export function listRollouts(view: ControllerView, namespace?: string): readonly KubeObject[] {
  return listServedVersions(view, ROLLOUT_VERSIONS, "Rollout", namespace);
}

/** `group` of an apiVersion. */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** True when the Rollout's workloadRef names this workload (match by API group, kind and name). */
export function rolloutTargets(plan: RolloutPlan, workload: KubeObject): boolean {
  const ref = plan.workloadRef;
  return (
    ref !== undefined &&
    apiGroup(ref.apiVersion) === apiGroup(workload.apiVersion) &&
    ref.kind === workload.kind &&
    ref.name === workload.metadata.name
  );
}

/** The list of raw steps, for hashing (pauses excluded, as `rolloutHash` upstream). */
export function planHashInput(plan: RolloutPlan): JsonValue {
  return {
    steps: plan.steps.map((step) => ({
      weight: step.weight ?? null,
      replicas: step.replicas ?? null,
      matches: step.matches.map((m) => m.map((h) => ({ ...h }))),
    })),
    trafficRouting:
      plan.trafficRouting === undefined
        ? null
        : {
            ...plan.trafficRouting,
            customNetworkRefs: plan.trafficRouting.customNetworkRefs.map((r) => ({ ...r })),
            ingress: plan.trafficRouting.ingress === undefined ? null : { ...plan.trafficRouting.ingress },
            httpRouteName: plan.trafficRouting.httpRouteName ?? null,
          },
  };
}
