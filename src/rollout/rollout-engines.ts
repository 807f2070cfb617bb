import type { Cluster, PatchBody } from "../cluster/cluster.js";
import { describeRef, groupOf, refOf, type KubeObject, type ObjectRef } from "../model/kube-object.js";
import {
  ARGO_ROLLOUT_STATUS_SCHEMA,
  decodeStoredOptional,
  KRUISE_ROLLOUT_STATUS_SCHEMA,
} from "../model/stored-objects.js";
import { isJsonObject, parseDuration, type JsonObject, type JsonValue } from "../util/index.js";

/**
 * What vela-ts does to a Rollout of each progressive-delivery engine when a person moves the
 * release (`workflow suspend|resume|rollback`), and how it reads where the Rollout stands. One
 * interface, so the workflow commands, the `canary-rollout` step and `status` do not care which
 * engine a trait chose:
 *
 * - OpenKruise Rollout (`rollouts.kruise.io`): KubeVela's `pkg/rollout/rollout.go` and
 *   `kubectl-kruise rollout approve` (ROLLOUT-SEMANTICS §1.7);
 * - Argo Rollouts (`argoproj.io`): `kubectl argo rollouts pause|resume|promote|abort`
 *   (`pkg/kubectl-argo-rollouts/cmd/{pause,promote,abort}`; ROLLOUT-SEMANTICS §4).
 */
export interface RolloutEngine {
  readonly name: "kruise" | "argo";
  /** The API version an app's Rollouts of this engine are listed under. */
  readonly apiVersion: string;
  /** A release is in flight (vela-ts acts only on these). */
  isProgressing(rollout: KubeObject): boolean;
  /** Paused as a whole (by `workflow suspend` / the engine's pause). */
  isPaused(rollout: KubeObject): boolean;
  /** Waits at a step only a person moves on. */
  isWaitingForApproval(rollout: KubeObject): boolean;
  /** The 1-based step the Rollout waits at (a pause step), 0 when it does not wait. */
  pausedAtStep(rollout: KubeObject): number;
  stepCount(rollout: KubeObject): number;
  /** The spec patch that pauses (`true`) or unpauses (`false`) the whole Rollout. */
  pausePatch(paused: boolean): PatchBody;
  /** Moves a Rollout waiting at a step on (approve / promote). False when it does not wait. */
  approve(cluster: Cluster, rollout: KubeObject): Promise<boolean>;
  /**
   * First half of a rollback's cancel: every request back on the stable pods with the first write,
   * then whatever lets the engine finish the cancel once the workload template is restored.
   */
  cancelTraffic(cluster: Cluster, rollout: KubeObject): Promise<string[]>;
  /** A step state left behind by a finished cancel (KubeVela #7170) is reset; true when written. */
  resetStale(cluster: Cluster, rollout: KubeObject): Promise<boolean>;
}

/**
 * A Kruise or Argo Rollout's status, decoded at the boundary: the fields the engines steer by have
 * the types they read, or the Rollout is reported (`E_STORED_OBJECT_INVALID`) by name.
 */
function statusOf(rollout: KubeObject): JsonObject {
  const schema =
    groupOf(rollout.apiVersion) === "argoproj.io" ? ARGO_ROLLOUT_STATUS_SCHEMA : KRUISE_ROLLOUT_STATUS_SCHEMA;
  const where = { object: describeRef(refOf(rollout)), path: "/status" };
  return decodeStoredOptional<JsonObject>(schema, rollout.status as JsonValue | undefined, where) ?? {};
}

function specOf(rollout: KubeObject): JsonObject {
  return (rollout.spec as JsonObject | undefined) ?? {};
}

function objectIn(value: JsonValue | undefined, key: string): JsonObject {
  return isJsonObject(value) && isJsonObject(value[key]) ? value[key] : {};
}

/** `Rollout ns/name`, for messages. */
export function describeRollout(rollout: KubeObject): string {
  return `Rollout ${rollout.metadata.namespace ?? "default"}/${rollout.metadata.name ?? ""}`;
}

// ---- OpenKruise Rollout ------------------------------------------------------------------------

function kruiseCanaryStatus(rollout: KubeObject): JsonObject {
  return objectIn(statusOf(rollout), "canaryStatus");
}

function kruiseStrategy(rollout: KubeObject): JsonObject {
  return objectIn(specOf(rollout), "strategy");
}

function kruiseProgressingReason(rollout: KubeObject): string | undefined {
  const conditions = statusOf(rollout).conditions;
  if (!Array.isArray(conditions)) return undefined;
  const found = conditions.find((c) => isJsonObject(c) && c.type === "Progressing");
  return isJsonObject(found) && typeof found.reason === "string" ? found.reason : undefined;
}

function kruiseSteps(rollout: KubeObject): readonly JsonValue[] {
  const steps = objectIn(kruiseStrategy(rollout), "canary").steps;
  return Array.isArray(steps) ? steps : [];
}

/** The canary Ingress Kruise created for a Rollout with an ingress traffic routing (`<ingress>-canary`). */
export function kruiseCanaryIngressRef(rollout: KubeObject): ObjectRef | undefined {
  const routings = objectIn(kruiseStrategy(rollout), "canary").trafficRoutings;
  const first = Array.isArray(routings) && isJsonObject(routings[0]) ? routings[0] : undefined;
  const ingress = isJsonObject(first?.ingress) ? first.ingress : undefined;
  if (typeof ingress?.name !== "string") return undefined;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    name: `${ingress.name}-canary`,
    ...(rollout.metadata.namespace === undefined ? {} : { namespace: rollout.metadata.namespace }),
  };
}

const kruise: RolloutEngine = {
  name: "kruise",
  apiVersion: "rollouts.kruise.io/v1alpha1",
  isProgressing: (rollout) => statusOf(rollout).phase === "Progressing",
  isPaused: (rollout) => kruiseStrategy(rollout).paused === true,
  isWaitingForApproval(rollout) {
    if (!kruise.isProgressing(rollout)) return false;
    if (kruise.isPaused(rollout)) return true;
    const status = kruiseCanaryStatus(rollout);
    if (status.currentStepState !== "StepPaused") return false;
    const reason = kruiseProgressingReason(rollout);
    if (reason === "Cancelling" || reason === "Finalising" || reason === "Terminating") return false;
    const index = typeof status.currentStepIndex === "number" ? status.currentStepIndex - 1 : -1;
    const step = kruiseSteps(rollout)[index];
    return objectIn(step, "pause").duration === undefined;
  },
  pausedAtStep(rollout) {
    const status = kruiseCanaryStatus(rollout);
    return kruise.isProgressing(rollout) &&
      status.currentStepState === "StepPaused" &&
      typeof status.currentStepIndex === "number"
      ? status.currentStepIndex
      : 0;
  },
  stepCount: (rollout) => kruiseSteps(rollout).length,
  pausePatch: (paused) => ({ type: "merge", patch: { spec: { strategy: { paused } } } }),
  async approve(cluster, rollout) {
    if (kruiseCanaryStatus(rollout).currentStepState !== "StepPaused") return false;
    await cluster.patchStatus(refOf(rollout), {
      type: "merge",
      patch: { status: { canaryStatus: { currentStepState: "StepReady" } } },
    });
    return true;
  },
  async cancelTraffic(cluster, rollout) {
    // Kruise v0.6 order (ROLLOUT-SEMANTICS §1.7): the canary route goes first, so a single write puts
    // 100% of traffic on the stable pods; the controller finishes the cancel once the template is back.
    const ingress = kruiseCanaryIngressRef(rollout);
    if (ingress !== undefined && (await cluster.delete(ingress)))
      return [`${describeRollout(rollout)}: canary route ${describeRef(ingress)} removed, all traffic on stable.`];
    return [];
  },
  async resetStale(cluster, rollout) {
    if (kruise.isProgressing(rollout) || kruiseCanaryStatus(rollout).currentStepState !== "StepPaused") return false;
    await cluster.patchStatus(refOf(rollout), {
      type: "merge",
      patch: { status: { canaryStatus: { currentStepState: "Completed" } } },
    });
    return true;
  },
};

// ---- Argo Rollouts -------------------------------------------------------------------------------

const ARGO_PAUSE_STEP = "CanaryPauseStep";

function argoSteps(rollout: KubeObject): readonly JsonValue[] {
  const steps = objectIn(objectIn(specOf(rollout), "strategy"), "canary").steps;
  return Array.isArray(steps) ? steps : [];
}

function argoPauseConditions(rollout: KubeObject): readonly JsonObject[] {
  const conditions = statusOf(rollout).pauseConditions;
  return Array.isArray(conditions) ? conditions.filter(isJsonObject) : [];
}

/** The canary route objects an Argo Rollout weights (canary Ingresses, the weighted TraefikService). */
function argoRoutes(rollout: KubeObject): { readonly ingresses: ObjectRef[]; readonly traefik?: ObjectRef } {
  const routing = objectIn(objectIn(objectIn(specOf(rollout), "strategy"), "canary"), "trafficRouting");
  const namespace = rollout.metadata.namespace;
  const inNamespace = namespace === undefined ? {} : { namespace };
  const nginx = isJsonObject(routing.nginx) ? routing.nginx : undefined;
  const stable = [
    ...(typeof nginx?.stableIngress === "string" ? [nginx.stableIngress] : []),
    ...(Array.isArray(nginx?.stableIngresses)
      ? nginx.stableIngresses.filter((i): i is string => typeof i === "string")
      : []),
  ];
  const traefikName = isJsonObject(routing.traefik) ? routing.traefik.weightedTraefikServiceName : undefined;
  return {
    ingresses: stable.map((name) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      name: `${rollout.metadata.name ?? ""}-${name}-canary`.slice(0, 253),
      ...inNamespace,
    })),
    ...(typeof traefikName === "string"
      ? {
          traefik: {
            apiVersion: "traefik.containo.us/v1alpha1",
            kind: "TraefikService",
            name: traefikName,
            ...inNamespace,
          },
        }
      : {}),
  };
}

async function weightCanaryToZero(cluster: Cluster, rollout: KubeObject): Promise<string[]> {
  const messages: string[] = [];
  const routes = argoRoutes(rollout);
  for (const ingress of routes.ingresses) {
    const live = await cluster.get(ingress);
    if (live === undefined) continue;
    const key = Object.keys(live.metadata.annotations ?? {}).find((k) => k.endsWith("/canary-weight"));
    if (key === undefined || live.metadata.annotations?.[key] === "0") continue;
    await cluster.patch(ingress, { type: "merge", patch: { metadata: { annotations: { [key]: "0" } } } });
    messages.push(
      `${describeRollout(rollout)}: canary route ${describeRef(ingress)} set to weight 0, all traffic on stable.`,
    );
  }
  if (routes.traefik !== undefined) {
    const canary = objectIn(objectIn(specOf(rollout), "strategy"), "canary");
    for (const apiVersion of ["traefik.containo.us/v1alpha1", "traefik.io/v1alpha1"]) {
      const ref = { ...routes.traefik, apiVersion };
      const live = await cluster.get(ref);
      if (live === undefined) continue;
      const services = objectIn(live.spec as JsonValue | undefined, "weighted").services;
      if (!Array.isArray(services)) continue;
      const next = services.map((service) =>
        !isJsonObject(service)
          ? service
          : service.name === canary.canaryService
            ? { ...service, weight: 0 }
            : service.name === canary.stableService
              ? { ...service, weight: 100 }
              : service,
      );
      if (JSON.stringify(next) === JSON.stringify(services)) continue;
      await cluster.patch(ref, { type: "merge", patch: { spec: { weighted: { services: next } } } });
      messages.push(`${describeRollout(rollout)}: ${describeRef(ref)} weights set to stable 100, canary 0.`);
    }
  }
  return messages;
}

const argo: RolloutEngine = {
  name: "argo",
  apiVersion: "argoproj.io/v1alpha1",
  isProgressing(rollout) {
    const status = statusOf(rollout);
    return (
      typeof status.currentPodHash === "string" &&
      status.currentPodHash !== "" &&
      status.stableRS !== status.currentPodHash
    );
  },
  isPaused: (rollout) => specOf(rollout).paused === true,
  isWaitingForApproval(rollout) {
    if (!argo.isProgressing(rollout) || statusOf(rollout).abort === true) return false;
    if (argo.isPaused(rollout)) return true;
    if (!argoPauseConditions(rollout).some((c) => c.reason === ARGO_PAUSE_STEP)) return false;
    const index = statusOf(rollout).currentStepIndex;
    const step = argoSteps(rollout)[typeof index === "number" ? index : -1];
    const duration = objectIn(step, "pause").duration;
    return duration === undefined || duration === null;
  },
  pausedAtStep(rollout) {
    const index = statusOf(rollout).currentStepIndex;
    return argo.isProgressing(rollout) &&
      typeof index === "number" &&
      argoPauseConditions(rollout).some((c) => c.reason === ARGO_PAUSE_STEP)
      ? index + 1
      : 0;
  },
  stepCount: (rollout) => argoSteps(rollout).length,
  pausePatch: (paused) => ({ type: "merge", patch: { spec: { paused } } }),
  async approve(cluster, rollout) {
    // `kubectl argo rollouts promote` at a pause step: the pause conditions are cleared.
    if (argoPauseConditions(rollout).length === 0) return false;
    await cluster.patchStatus(refOf(rollout), { type: "merge", patch: { status: { pauseConditions: null } } });
    return true;
  },
  async cancelTraffic(cluster, rollout) {
    // The canary weight goes to 0 with vela-ts's first write; the abort then keeps it there and
    // lets the controller scale the canary down; once the template is back on the stable
    // ReplicaSet, Argo skips the steps ("Rollback to stable") and the Rollout is Healthy again.
    const messages = await weightCanaryToZero(cluster, rollout);
    if (statusOf(rollout).abort !== true)
      await cluster.patchStatus(refOf(rollout), { type: "merge", patch: { status: { abort: true } } });
    return messages;
  },
  resetStale: () => Promise.resolve(false),
};

/** The engines, in the order an app's Rollouts are listed. */
export const ROLLOUT_ENGINES: readonly RolloutEngine[] = [kruise, argo];

/** The engine a Rollout belongs to (by API group). */
export function engineOf(rollout: KubeObject): RolloutEngine {
  return rollout.apiVersion.startsWith("argoproj.io/") ? argo : kruise;
}

/** How long a timed pause step lasts (Kruise seconds, Argo `30s`/`1m`…), in milliseconds. */
export function pauseMilliseconds(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" || typeof value === "string" ? parseDuration(value) : undefined;
}
