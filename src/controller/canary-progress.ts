import type { Cluster } from "../cluster/cluster.js";
import type { KubeObject } from "../model/kube-object.js";
import { LABEL_APP_COMPONENT } from "../model/labels.js";
import { formatTimestamp, isJsonObject, parseDuration, type JsonValue } from "../util/index.js";
import { isPodReady } from "./resource-tree.js";
import { isRolloutProgressing, isRolloutWaitingForApproval } from "./rollout-coupling.js";

/** Ready and total pods of one side of a canary. */
export interface PodCount {
  readonly ready: number;
  readonly total: number;
}

/**
 * Where one OpenKruise Rollout of an app stands (the `Canary` section of `vela-ts status`): step i
 * of n with its weight, the step state, and canary vs stable pods counted by their
 * `pod-template-hash` (the Rollout's `canaryStatus.podTemplateHash` and `stableRevision`).
 */
export interface CanaryProgress {
  readonly rollout: string;
  readonly namespace: string;
  readonly component?: string;
  /** `status.phase`: Initial, Healthy, Progressing, Terminating… */
  readonly phase: string;
  /** A release is in flight (`phase: Progressing`). */
  readonly inProgress: boolean;
  /** `canaryStatus.currentStepIndex` (1-based; 0 before the first step). */
  readonly step: number;
  readonly steps: number;
  /** Traffic weight of the current step, in percent. */
  readonly weight?: number;
  /** Canary replicas of the current step as written (`1`, `"20%"`), when given. */
  readonly replicas?: string;
  /** `canaryStatus.currentStepState`: StepUpgrade, StepTrafficRouting, StepMetricsAnalysis, StepPaused, StepReady, Completed. */
  readonly state?: string;
  /** `spec.strategy.paused` (set by `workflow suspend`). */
  readonly paused: boolean;
  /** Only a person moves it on (a step without `pause.duration`, or paused). */
  readonly waitingForApproval: boolean;
  /** When a timed pause (`pause.duration`) ends on its own. */
  readonly resumesAt?: string;
  readonly message?: string;
  readonly canaryRevision?: string;
  readonly stableRevision?: string;
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

/** The pod's revision hash: `pod-template-hash` (Deployments) or `controller-revision-hash` (CloneSets, StatefulSets). */
export function podRevision(pod: KubeObject): string | undefined {
  const labels = pod.metadata.labels ?? {};
  return labels["pod-template-hash"] ?? labels["controller-revision-hash"];
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

/** The progress of a Rollout, given the pods of its workload (pure). */
export function canaryProgressOf(rollout: KubeObject, pods: readonly KubeObject[]): CanaryProgress {
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
  const pause = at(current, "pause", "duration");
  const pauseMs = typeof pause === "number" || typeof pause === "string" ? parseDuration(pause) : undefined;
  const lastUpdate = text(at(canary, "lastUpdateTime"));
  const resumesAt =
    inProgress && state === "StepPaused" && pauseMs !== undefined && lastUpdate !== undefined
      ? formatTimestamp(new Date(Date.parse(lastUpdate) + pauseMs))
      : undefined;
  const message = text(at(rollout, "status", "message"));
  const component = rollout.metadata.labels?.[LABEL_APP_COMPONENT];
  return {
    rollout: rollout.metadata.name ?? "",
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

/** Reads a Rollout's workload (`spec.objectRef.workloadRef`) and the pods its selector matches, then its progress. */
export async function readCanaryProgress(cluster: Cluster, rollout: KubeObject): Promise<CanaryProgress> {
  return canaryProgressOf(rollout, await readRolloutPods(cluster, rollout));
}

/**
 * The pods of a Rollout's workload (`spec.objectRef.workloadRef`, by its selector): stable and canary
 * pods alike, since Kruise's canary workload keeps the workload's labels. Empty when the workload is gone.
 */
export async function readRolloutPods(cluster: Cluster, rollout: KubeObject): Promise<KubeObject[]> {
  const namespace = rollout.metadata.namespace ?? "default";
  const ref = at(rollout, "spec", "objectRef", "workloadRef");
  const apiVersion = text(at(ref, "apiVersion"));
  const kind = text(at(ref, "kind"));
  const name = text(at(ref, "name"));
  const workload =
    apiVersion === undefined || kind === undefined || name === undefined
      ? undefined
      : await cluster.get({ apiVersion, kind, name, namespace });
  const selector = selectorOf(workload);
  return selector === undefined ? [] : cluster.list("v1", "Pod", { namespace, labelSelector: selector });
}
