import type { Cluster } from "../cluster/cluster.js";
import type { KubeObject } from "../model/kube-object.js";
import { LABEL_APP_COMPONENT } from "../model/labels.js";
import type { RolloutProgressFacts } from "../model/rollout-progress.js";
import { formatTimestamp, isJsonObject, type JsonValue } from "../util/index.js";
import { isPodReady } from "./resource-tree.js";
import { isRolloutProgressing, isRolloutWaitingForApproval } from "../rollout/rollout-coupling.js";
import { engineOf, pauseMilliseconds } from "../rollout/rollout-engines.js";

/** Ready and total pods of one side of a canary. */
export interface PodCount {
  readonly ready: number;
  readonly total: number;
}

/**
 * Where one Rollout of an app stands (the `Canary` section of `vela-ts status`): step i of n with
 * its weight, the step state, and canary vs stable pods counted by their revision label — for an
 * OpenKruise Rollout the `pod-template-hash` of `canaryStatus.podTemplateHash` / `stableRevision`,
 * for an Argo Rollout the `rollouts-pod-template-hash` of `currentPodHash` / `stableRS`.
 */
export interface CanaryProgress extends RolloutProgressFacts {
  /** `kruise` (rollouts.kruise.io) or `argo` (argoproj.io). */
  readonly engine: "kruise" | "argo";
  readonly canaryPods: PodCount;
  readonly stablePods: PodCount;
}

function at(value: JsonValue | KubeObject | undefined, ...path: readonly string[]): JsonValue | undefined {
  let current: unknown = value;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current as JsonValue | undefined;
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The pod's revision hash: `rollouts-pod-template-hash` (Argo Rollouts), `pod-template-hash`
 * (Deployments) or `controller-revision-hash` (CloneSets, StatefulSets).
 */
export function podRevision(pod: KubeObject): string | undefined {
  const labels = pod.metadata.labels ?? {};
  return labels["rollouts-pod-template-hash"] ?? labels["pod-template-hash"] ?? labels["controller-revision-hash"];
}

/** Whether a pod belongs to a Rollout revision (`canaryRevision`/`stableRevision` of {@link CanaryProgress}). */
export function matchesRevision(pod: KubeObject, revision: string | undefined): boolean {
  if (revision === undefined) return false;
  const hash = podRevision(pod);
  return hash !== undefined && (hash === revision || hash.endsWith(`-${revision}`));
}

function countPods(pods: readonly KubeObject[], revision: string | undefined): PodCount {
  const matching = pods.filter((pod) => pod.metadata.deletionTimestamp === undefined && matchesRevision(pod, revision));
  return { ready: matching.filter(isPodReady).length, total: matching.length };
}

/** The progress of an Argo Rollout, given the pods of its workload (pure). */
function argoProgressOf(rollout: KubeObject, pods: readonly KubeObject[]): CanaryProgress {
  const status = at(rollout, "status");
  const steps = at(rollout, "spec", "strategy", "canary", "steps");
  const stepList = Array.isArray(steps) ? steps : [];
  const index = at(status, "currentStepIndex");
  const step = typeof index === "number" ? Math.min(stepList.length, index + 1) : 0;
  const current = typeof index === "number" ? stepList[index] : undefined;
  const inProgress = isRolloutProgressing(rollout);
  const weight = at(status, "canary", "weights", "canary", "weight");
  const scale = at(current, "setCanaryScale", "replicas");
  const pause = (at(status, "pauseConditions") as JsonValue[] | undefined)?.find(
    (item) => isJsonObject(item) && item.reason === "CanaryPauseStep",
  );
  const pauseMs = pauseMilliseconds(at(current, "pause", "duration"));
  const start = text(at(pause, "startTime"));
  const resumesAt =
    inProgress && pauseMs !== undefined && start !== undefined
      ? formatTimestamp(new Date(Date.parse(start) + pauseMs))
      : undefined;
  const canaryRevision = text(at(status, "currentPodHash"));
  const stableRevision = text(at(status, "stableRS"));
  const message = text(at(status, "message"));
  const component = rollout.metadata.labels?.[LABEL_APP_COMPONENT];
  const phase = text(at(status, "phase")) ?? "Progressing";
  return {
    rollout: rollout.metadata.name ?? "",
    engine: "argo",
    namespace: rollout.metadata.namespace ?? "default",
    ...(component === undefined ? {} : { component }),
    phase,
    inProgress,
    step,
    steps: stepList.length,
    ...(typeof weight === "number" && inProgress ? { weight } : {}),
    ...(typeof scale === "number" ? { replicas: String(scale) } : {}),
    state: phase,
    paused: at(rollout, "spec", "paused") === true,
    waitingForApproval: isRolloutWaitingForApproval(rollout),
    ...(resumesAt === undefined ? {} : { resumesAt }),
    ...(message === undefined ? {} : { message }),
    ...(inProgress && canaryRevision !== undefined ? { canaryRevision } : {}),
    ...(stableRevision === undefined ? {} : { stableRevision }),
    canaryPods: inProgress ? countPods(pods, canaryRevision) : { ready: 0, total: 0 },
    stablePods: countPods(pods, stableRevision),
  };
}

/** The progress of a Rollout (Kruise or Argo), given the pods of its workload (pure). */
export function canaryProgressOf(rollout: KubeObject, pods: readonly KubeObject[]): CanaryProgress {
  if (engineOf(rollout).name === "argo") return argoProgressOf(rollout, pods);
  const canary = at(rollout, "status", "canaryStatus");
  const steps = at(rollout, "spec", "strategy", "canary", "steps");
  const stepList = Array.isArray(steps) ? steps : [];
  const stepIndex = at(canary, "currentStepIndex");
  const step = typeof stepIndex === "number" ? stepIndex : 0;
  const current = step > 0 ? stepList[step - 1] : undefined;
  const weight = at(current, "weight");
  const replicas = at(current, "replicas");
  const state = text(at(canary, "currentStepState"));
  const inProgress = isRolloutProgressing(rollout);
  const canaryRevision = text(at(canary, "podTemplateHash")) ?? text(at(canary, "canaryRevision"));
  const stableRevision = text(at(canary, "stableRevision")) ?? text(at(rollout, "status", "stableRevision"));
  const pauseMs = pauseMilliseconds(at(current, "pause", "duration"));
  const lastUpdate = text(at(canary, "lastUpdateTime"));
  const resumesAt =
    inProgress && state === "StepPaused" && pauseMs !== undefined && lastUpdate !== undefined
      ? formatTimestamp(new Date(Date.parse(lastUpdate) + pauseMs))
      : undefined;
  const message = text(at(rollout, "status", "message"));
  const component = rollout.metadata.labels?.[LABEL_APP_COMPONENT];
  return {
    rollout: rollout.metadata.name ?? "",
    engine: "kruise",
    namespace: rollout.metadata.namespace ?? "default",
    ...(component === undefined ? {} : { component }),
    phase: text(at(rollout, "status", "phase")) ?? "Initial",
    inProgress,
    step,
    steps: stepList.length,
    ...(typeof weight === "number" ? { weight } : {}),
    ...(typeof replicas === "number" || typeof replicas === "string" ? { replicas: String(replicas) } : {}),
    ...(state === undefined ? {} : { state }),
    paused: at(rollout, "spec", "strategy", "paused") === true,
    waitingForApproval: isRolloutWaitingForApproval(rollout),
    ...(resumesAt === undefined ? {} : { resumesAt }),
    ...(message === undefined ? {} : { message }),
    ...(inProgress && canaryRevision !== undefined ? { canaryRevision } : {}),
    ...(stableRevision === undefined ? {} : { stableRevision }),
    canaryPods: inProgress ? countPods(pods, canaryRevision) : { ready: 0, total: 0 },
    stablePods: countPods(pods, stableRevision),
  };
}

function selectorOf(workload: KubeObject | undefined): string | undefined {
  const matchLabels = at(workload, "spec", "selector", "matchLabels");
  if (!isJsonObject(matchLabels)) return undefined;
  const pairs = Object.entries(matchLabels).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  return pairs.length === 0 ? undefined : pairs.map(([key, value]) => `${key}=${value}`).join(",");
}

/**
 * Reads a Rollout's workload (Kruise `spec.objectRef.workloadRef` / `spec.workloadRef`, Argo
 * `spec.workloadRef`, else the Argo Rollout's own selector) and the pods its selector matches, then
 * its progress.
 */
export async function readCanaryProgress(cluster: Cluster, rollout: KubeObject): Promise<CanaryProgress> {
  return canaryProgressOf(rollout, await readRolloutPods(cluster, rollout));
}

/**
 * The pods of a Rollout's workload (`spec.objectRef.workloadRef`, by its selector): stable and canary
 * pods alike, since Kruise's canary workload keeps the workload's labels. Empty when the workload is gone.
 */
export async function readRolloutPods(cluster: Cluster, rollout: KubeObject): Promise<KubeObject[]> {
  const namespace = rollout.metadata.namespace ?? "default";
  const ref = at(rollout, "spec", "objectRef", "workloadRef") ?? at(rollout, "spec", "workloadRef");
  const apiVersion = text(at(ref, "apiVersion"));
  const kind = text(at(ref, "kind"));
  const name = text(at(ref, "name"));
  const workload =
    apiVersion === undefined || kind === undefined || name === undefined
      ? undefined
      : await cluster.get({ apiVersion, kind, name, namespace });
  const selector = selectorOf(workload) ?? selectorOf(ref === undefined ? rollout : undefined);
  return selector === undefined ? [] : cluster.list("v1", "Pod", { namespace, labelSelector: selector });
}
