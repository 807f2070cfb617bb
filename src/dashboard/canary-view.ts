import {
  isPodReady,
  matchesRevision,
  podRevision,
  type CanaryProgress,
  type RouteSummary,
} from "../operations/index.js";
import type { KubeObject } from "../model/index.js";
import { isJsonObject, type JsonValue } from "../util/index.js";
import type { AnalysisView, CanaryStepView, CanaryView, PodView, TrafficSplit } from "./api-types.js";
import { fieldAt, numberOf, objectsOf, optional, textOf } from "./fields.js";
import { canaryStepsOf } from "./rollout-fields.js";

/**
 * The canary view of one Rollout, as the Argo Rollouts dashboard lays one out: the step plan with the
 * current step marked, the weight, stable and canary pods side by side, the header matches that reach
 * the canary, whatever analysis the Rollout's status carries, and on the sandbox who answered a
 * sample of routed requests.
 */

/** A pod as the canary view lists it. */
export function podViewOf(pod: KubeObject): PodView {
  const statuses = objectsOf(fieldAt(pod, "status", "containerStatuses"));
  const image = textOf(objectsOf(fieldAt(pod, "spec", "containers"))[0]?.image);
  const revision = podRevision(pod);
  return {
    name: pod.metadata.name ?? "",
    phase: textOf(fieldAt(pod, "status", "phase")) ?? "Pending",
    ready: isPodReady(pod),
    terminating: pod.metadata.deletionTimestamp !== undefined,
    ...optional("image", image),
    ...optional("revision", revision),
    ...optional("createdAt", pod.metadata.creationTimestamp),
    restarts: statuses.reduce((sum, status) => sum + (numberOf(status.restartCount) ?? 0), 0),
  };
}

function stepState(index: number, progress: CanaryProgress, completed: boolean): CanaryStepView["state"] {
  // Without a release in flight the steps are the plan of the next one (a cancelled release did not finish them).
  if (!progress.inProgress || progress.step === 0) return "pending";
  if (completed) return "done";
  if (index < progress.step) return "done";
  return index === progress.step ? "current" : "pending";
}

const ANALYSIS_KEY = /analysis|measurement/i;

/** Fields of the Rollout's status named like analysis (`analysis`, `currentStepAnalysisRunStatus`, `measurements`…). */
export function findAnalysis(status: JsonValue | undefined, path = "status", depth = 0): AnalysisView[] {
  if (!isJsonObject(status) || depth > 3) return [];
  const found: AnalysisView[] = [];
  for (const [key, value] of Object.entries(status).sort(([a], [b]) => a.localeCompare(b))) {
    const field = `${path}.${key}`;
    if (ANALYSIS_KEY.test(key)) found.push({ field, value });
    else if (isJsonObject(value)) found.push(...findAnalysis(value, field, depth + 1));
  }
  return found;
}

function byName(pods: readonly KubeObject[]): KubeObject[] {
  return [...pods].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}

/** Who answered the sampled requests, by image and side (canary or stable, from the pods that answered). */
export function trafficSplitOf(
  summary: RouteSummary,
  request: { readonly host: string; readonly path: string },
  sides: { readonly canary: ReadonlySet<string>; readonly stable: ReadonlySet<string> },
): TrafficSplit {
  const shares = new Map<string, { image: string; side?: "canary" | "stable"; count: number }>();
  for (const [pod, count] of Object.entries(summary.byPod)) {
    const image = summary.podImages[pod] ?? "unknown image";
    const side: "canary" | "stable" | undefined = sides.canary.has(pod)
      ? "canary"
      : sides.stable.has(pod)
        ? "stable"
        : undefined;
    const key = `${image}\u0000${side ?? ""}`;
    const entry = shares.get(key) ?? { image, ...optional("side", side), count: 0 };
    entry.count += count;
    shares.set(key, entry);
  }
  return {
    host: request.host,
    path: request.path,
    requests: summary.requests,
    router: summary.router,
    shares: [...shares.values()].sort((a, b) => b.count - a.count || a.image.localeCompare(b.image)),
    byStatus: summary.byStatus,
  };
}

/** The canary view of a Rollout, given its progress (from `status`), its workload's pods and an optional traffic sample. */
export function canaryViewOf(
  rollout: KubeObject,
  progress: CanaryProgress,
  pods: readonly KubeObject[],
  traffic?: TrafficSplit,
): CanaryView {
  const steps = canaryStepsOf(rollout);
  const completed = textOf(fieldAt(rollout, "status", "canaryStatus", "currentStepState")) === "Completed";
  const stable = progress.stableRevision;
  // Pods not on the stable revision are the canary's, including ones a cancelled release leaves terminating.
  const stablePods = stable === undefined ? pods : pods.filter((pod) => matchesRevision(pod, stable));
  const canaryPods = stable === undefined ? [] : pods.filter((pod) => !matchesRevision(pod, stable));
  const current = progress.inProgress && progress.step > 0 ? steps[progress.step - 1] : undefined;
  return {
    rollout: progress.rollout,
    namespace: progress.namespace,
    apiVersion: rollout.apiVersion,
    ...optional("component", progress.component),
    phase: progress.phase,
    inProgress: progress.inProgress,
    step: progress.step,
    steps: steps.length,
    ...optional("weight", current?.weight ?? progress.weight),
    ...optional("replicas", current?.replicas ?? progress.replicas),
    ...optional("state", progress.state),
    paused: progress.paused,
    waitingForApproval: progress.waitingForApproval,
    ...optional("resumesAt", progress.resumesAt),
    ...optional("message", progress.message),
    ...optional("canaryRevision", progress.canaryRevision),
    ...optional("stableRevision", progress.stableRevision),
    stepList: steps.map((step, position) => ({
      index: position + 1,
      ...optional("weight", step.weight),
      ...optional("replicas", step.replicas),
      ...optional("pauseDuration", step.pauseDuration),
      matches: step.matches,
      state: stepState(position + 1, progress, completed),
    })),
    stablePods: byName(stablePods).map(podViewOf),
    canaryPods: byName(canaryPods).map(podViewOf),
    headerMatches: current?.matches ?? [],
    analysis: findAnalysis(rollout.status as JsonValue | undefined),
    ...optional("traffic", traffic),
  };
}
