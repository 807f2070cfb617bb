import type { KubeObject } from "../../../../model/kube-object.js";
import { formatTimestamp, type JsonObject } from "../../../../util/index.js";
import type { ControllerChange } from "../../controller-contract.js";
import { findCondition } from "./conditions.js";
import { objectAt, objectsAt, stringAt, stringMapAt, valueAt } from "./fields.js";
import { fakePodIp, safeEncodedHash } from "./names.js";
import { controllerReference } from "./owners.js";

/** Annotation (on a Deployment, StatefulSet, CloneSet or pod template): seconds until a new pod reports Ready. */
export const POD_READY_DELAY_ANNOTATION = "sandbox.vela-ts.io/pod-ready-seconds";
/** Annotation the sandbox puts on each pod: the instant the simulated kubelet reports it Ready. */
export const POD_READY_AT_ANNOTATION = "sandbox.vela-ts.io/ready-at";
/** The label the Deployment controller adds to ReplicaSets and pods. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";
/** The label StatefulSet and CloneSet controllers add to pods. */
export const CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash";

/**
 * The pod-template hash of a template (`controller.ComputeHash`): computed without the
 * `pod-template-hash` label itself, so a ReplicaSet's template hashes like its Deployment's.
 */
export function podTemplateHash(template: JsonObject | undefined): string {
  if (template === undefined) return safeEncodedHash({});
  const cached = HASH_CACHE.get(template);
  if (cached !== undefined) return cached;
  const labels = objectAt(template, ["metadata", "labels"]);
  let hashed: JsonObject = template;
  if (labels !== undefined && POD_TEMPLATE_HASH_LABEL in labels) {
    hashed = structuredClone(template);
    delete (objectAt(hashed, ["metadata", "labels"]) ?? {})[POD_TEMPLATE_HASH_LABEL];
  }
  const hash = safeEncodedHash(hashed);
  // Stored objects are frozen, so a template's identity stands for its content.
  if (Object.isFrozen(template)) HASH_CACHE.set(template, hash);
  return hash;
}

const HASH_CACHE = new WeakMap<JsonObject, string>();

/** Two pod templates are the same release when they hash alike (`EqualIgnoreHash`). */
export function equalIgnoringHash(a: JsonObject | undefined, b: JsonObject | undefined): boolean {
  return podTemplateHash(a) === podTemplateHash(b);
}

/** Ready = condition Ready True and not being deleted. */
export function isPodReady(pod: KubeObject): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    findCondition(valueAt(pod, ["status", "conditions"]), "Ready")?.status === "True"
  );
}

/** Seconds of readiness delay configured on the owner or the template; 0 when absent or invalid. */
export function readyDelaySeconds(owner: KubeObject, template: JsonObject | undefined): number {
  const text =
    owner.metadata.annotations?.[POD_READY_DELAY_ANNOTATION] ??
    stringAt(template, ["metadata", "annotations", POD_READY_DELAY_ANNOTATION]);
  const seconds = text === undefined ? 0 : Number(text);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/** What a new pod is made of. */
export interface PodSpecInput {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly template: JsonObject | undefined;
  readonly owner: KubeObject;
  readonly extraLabels: Readonly<Record<string, string>>;
  readonly now: Date;
  readonly readyDelaySeconds: number;
}

/**
 * A pod as a workload controller creates it from its template: Pending until the simulated
 * kubelet starts it, or — with no readiness delay — already Running and Ready (the kubelet's
 * report folded into the create, saving a write per pod).
 */
export function buildPod(input: PodSpecInput): KubeObject {
  const labels = { ...stringMapAt(input.template, ["metadata", "labels"]), ...input.extraLabels };
  const annotations = {
    ...stringMapAt(input.template, ["metadata", "annotations"]),
    [POD_READY_AT_ANNOTATION]: formatTimestamp(new Date(input.now.getTime() + input.readyDelaySeconds * 1000)),
  };
  const spec = structuredClone(objectAt(input.template, ["spec"]) ?? {});
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: input.name,
      ...(input.namespace === undefined ? {} : { namespace: input.namespace }),
      labels,
      annotations,
      ownerReferences: [controllerReference(input.owner)],
    },
    spec: { ...spec, nodeName: "sandbox-node" },
  };
  return { ...pod, status: input.readyDelaySeconds > 0 ? { phase: "Pending" } : readyPodStatus(pod, input.now) };
}

/** When the pod is due to report Ready (its ready-at annotation), or undefined when it has none. */
export function podReadyAt(pod: KubeObject): Date | undefined {
  const text = pod.metadata.annotations?.[POD_READY_AT_ANNOTATION];
  if (text === undefined) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** The status the simulated kubelet reports for a started, Ready pod. */
export function readyPodStatus(pod: KubeObject, now: Date): JsonObject {
  const stamp = formatTimestamp(now);
  const containers = objectsAt(pod, ["spec", "containers"]);
  const condition = (type: string): JsonObject => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: stamp,
  });
  const ip = fakePodIp(pod.metadata.name ?? "");
  return {
    phase: "Running",
    conditions: [condition("Initialized"), condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
    hostIP: "172.18.0.2",
    podIP: ip,
    podIPs: [{ ip }],
    startTime: stamp,
    containerStatuses: containers.map((container) => ({
      name: typeof container.name === "string" ? container.name : "",
      image: typeof container.image === "string" ? container.image : "",
      imageID: "",
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: stamp } },
    })),
  };
}

/**
 * The simulated kubelet: a pending pod whose ready-at has come gets status Running and Ready
 * (one status write). Returns nothing for pods already Ready or not due yet.
 */
export function podReadinessChange(pod: KubeObject, now: Date): ControllerChange | undefined {
  if (isPodReady(pod) || pod.metadata.deletionTimestamp !== undefined) return undefined;
  const readyAt = podReadyAt(pod) ?? now;
  if (readyAt.getTime() > now.getTime()) return undefined;
  return { op: "updateStatus", object: { ...pod, status: readyPodStatus(pod, now) } };
}

/** The first container's image, which the request router reports as "the version that answered". */
export function podImage(pod: KubeObject): string {
  const first = objectsAt(pod, ["spec", "containers"])[0];
  return first !== undefined && typeof first.image === "string" ? first.image : "";
}

/** Orders pods for deletion when scaling down (`controller.ActivePods` ranking): not-ready first, then newest. */
export function byDeletionPreference(a: KubeObject, b: KubeObject): number {
  const readyA = isPodReady(a) ? 1 : 0;
  const readyB = isPodReady(b) ? 1 : 0;
  if (readyA !== readyB) return readyA - readyB;
  const createdA = a.metadata.creationTimestamp ?? "";
  const createdB = b.metadata.creationTimestamp ?? "";
  if (createdA !== createdB) return createdA < createdB ? 1 : -1;
  return (b.metadata.name ?? "").localeCompare(a.metadata.name ?? "");
}

/** The earliest future ready-at among pods not yet Ready. */
export function earliestPodReadyAt(pods: readonly KubeObject[], now: Date): Date | undefined {
  let earliest: Date | undefined;
  for (const pod of pods) {
    if (isPodReady(pod)) continue;
    const at = podReadyAt(pod);
    if (at === undefined || at.getTime() <= now.getTime()) continue;
    if (earliest === undefined || at.getTime() < earliest.getTime()) earliest = at;
  }
  return earliest;
}

/** The change that deletes a pod (scale down, or an old revision replaced). */
export function podDeletion(pod: KubeObject): ControllerChange {
  return {
    op: "delete",
    ref: {
      apiVersion: "v1",
      kind: "Pod",
      name: pod.metadata.name ?? "",
      namespace: pod.metadata.namespace ?? "default",
    },
  };
}
