/**
 * The Argo Rollout status shape (`pkg/apis/rollouts/v1alpha1/types.go` `RolloutStatus`,
 * `CanaryStatus`, `TrafficWeights`, `PauseCondition`) and the pure phase calculation
 * (`utils/rollout/rolloututil.go` `CalculateRolloutPhase`) with the condition reasons and
 * messages of `utils/conditions/conditions.go`.
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../../../util/index.js";

export type ArgoPhase = "Healthy" | "Progressing" | "Paused" | "Degraded";

/** `status.pauseConditions[]`. */
export interface PauseCondition {
  readonly reason: string;
  readonly startTime: string;
}

/** One side of `status.canary.weights`. */
export interface WeightDestination {
  readonly weight: number;
  readonly podTemplateHash: string;
  readonly serviceName: string;
}

/** `status` of an Argo Rollout as the controller edits it during one pass. */
export interface ArgoStatus {
  observedGeneration: string;
  phase: ArgoPhase | "";
  message: string;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  HPAReplicas: number;
  selector: string;
  currentPodHash: string;
  currentStepHash: string;
  /** 0-based, as upstream; undefined when the strategy has no steps. */
  currentStepIndex: number | undefined;
  stableRS: string;
  pauseConditions: PauseCondition[];
  controllerPause: boolean;
  abort: boolean;
  abortedAt: string;
  promoteFull: boolean;
  collisionCount: number;
  weights: { canary: WeightDestination; stable: WeightDestination } | undefined;
  workloadObservedGeneration: string;
  conditions: JsonObject[];
}

function text(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : "";
}

function count(value: JsonValue | undefined): number {
  return typeof value === "number" ? value : 0;
}

function destination(value: JsonValue | undefined): WeightDestination {
  const source = isJsonObject(value) ? value : {};
  return {
    weight: count(source.weight),
    podTemplateHash: text(source.podTemplateHash),
    serviceName: text(source.serviceName),
  };
}

/** Reads a Rollout's status (missing fields get their zero values). */
export function readArgoStatus(status: JsonValue | undefined): ArgoStatus {
  const source = isJsonObject(status) ? status : {};
  const canary = isJsonObject(source.canary) ? source.canary : {};
  const weights = isJsonObject(canary.weights) ? canary.weights : undefined;
  return {
    observedGeneration:
      typeof source.observedGeneration === "number"
        ? String(source.observedGeneration)
        : text(source.observedGeneration),
    phase: (text(source.phase) as ArgoPhase | "") ?? "",
    message: text(source.message),
    replicas: count(source.replicas),
    updatedReplicas: count(source.updatedReplicas),
    readyReplicas: count(source.readyReplicas),
    availableReplicas: count(source.availableReplicas),
    HPAReplicas: count(source.HPAReplicas),
    selector: text(source.selector),
    currentPodHash: text(source.currentPodHash),
    currentStepHash: text(source.currentStepHash),
    currentStepIndex: typeof source.currentStepIndex === "number" ? source.currentStepIndex : undefined,
    stableRS: text(source.stableRS),
    pauseConditions: Array.isArray(source.pauseConditions)
      ? source.pauseConditions
          .filter(isJsonObject)
          .map((item) => ({ reason: text(item.reason), startTime: text(item.startTime) }))
      : [],
    controllerPause: source.controllerPause === true,
    abort: source.abort === true,
    abortedAt: text(source.abortedAt),
    promoteFull: source.promoteFull === true,
    collisionCount: count(source.collisionCount),
    weights:
      weights === undefined ? undefined : { canary: destination(weights.canary), stable: destination(weights.stable) },
    workloadObservedGeneration: text(source.workloadObservedGeneration),
    conditions: Array.isArray(source.conditions) ? source.conditions.filter(isJsonObject) : [],
  };
}

/** The status as JSON, in the order `kubectl get rollout -o yaml` shows it; empty optional fields omitted. */
export function argoStatusJson(status: ArgoStatus): JsonObject {
  return {
    HPAReplicas: status.HPAReplicas,
    ...(status.abort ? { abort: true } : {}),
    ...(status.abortedAt === "" ? {} : { abortedAt: status.abortedAt }),
    availableReplicas: status.availableReplicas,
    blueGreen: {},
    canary:
      status.weights === undefined
        ? {}
        : { weights: { canary: { ...status.weights.canary }, stable: { ...status.weights.stable } } },
    ...(status.collisionCount > 0 ? { collisionCount: status.collisionCount } : {}),
    conditions: status.conditions,
    ...(status.controllerPause ? { controllerPause: true } : {}),
    currentPodHash: status.currentPodHash,
    ...(status.currentStepHash === "" ? {} : { currentStepHash: status.currentStepHash }),
    ...(status.currentStepIndex === undefined ? {} : { currentStepIndex: status.currentStepIndex }),
    message: status.message,
    observedGeneration: status.observedGeneration,
    ...(status.pauseConditions.length === 0 ? {} : { pauseConditions: status.pauseConditions.map((c) => ({ ...c })) }),
    phase: status.phase,
    ...(status.promoteFull ? { promoteFull: true } : {}),
    readyReplicas: status.readyReplicas,
    replicas: status.replicas,
    selector: status.selector,
    stableRS: status.stableRS,
    updatedReplicas: status.updatedReplicas,
    ...(status.workloadObservedGeneration === ""
      ? {}
      : { workloadObservedGeneration: status.workloadObservedGeneration }),
  };
}

/** What `CalculateRolloutPhase` looks at besides the status itself. */
export interface PhaseInput {
  readonly paused: boolean;
  readonly replicas: number;
  readonly trafficRouted: boolean;
  readonly invalidSpec: string | undefined;
}

/** `CalculateRolloutPhase`: the phase and message `kubectl argo rollouts get` shows. */
export function calculatePhase(input: PhaseInput, status: ArgoStatus): { phase: ArgoPhase; message: string } {
  if (input.invalidSpec !== undefined) return { phase: "Degraded", message: `InvalidSpec: ${input.invalidSpec}` };
  const progressing = status.conditions.find((c) => c.type === "Progressing");
  if (
    progressing !== undefined &&
    (progressing.reason === "RolloutAborted" || progressing.reason === "ProgressDeadlineExceeded")
  )
    return { phase: "Degraded", message: `${text(progressing.reason)}: ${text(progressing.message)}` };
  if (input.paused) return { phase: "Paused", message: "manually paused" };
  const pause = status.pauseConditions[0];
  if (pause !== undefined) return { phase: "Paused", message: pause.reason };
  if (status.controllerPause && status.pauseConditions.length === 0)
    return { phase: "Progressing", message: "waiting for rollout to unpause" };
  if (status.updatedReplicas < input.replicas)
    return { phase: "Progressing", message: "more replicas need to be updated" };
  if (status.availableReplicas < status.updatedReplicas)
    return { phase: "Progressing", message: "updated replicas are still becoming available" };
  if (!input.trafficRouted && status.replicas > status.updatedReplicas)
    return { phase: "Progressing", message: "old replicas are pending termination" };
  if (status.stableRS === "" || status.stableRS !== status.currentPodHash)
    return { phase: "Progressing", message: "waiting for all steps to complete" };
  return { phase: "Healthy", message: "" };
}
