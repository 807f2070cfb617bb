/**
 * Simulated Argo Rollouts controller (addon `argo-rollouts`), canary strategy.
 *
 * Copies `argoproj/argo-rollouts` `rollout/controller.go` / `rollout/canary.go` `rolloutCanary`:
 * per reconcile, gather the Rollout's ReplicaSets (`getAllReplicaSetsAndSyncRevision`), reset the
 * step state when the pod template or the steps changed (`resetRolloutStatus`; back on the stable
 * template = "Rollback to stable", steps skipped), then in order: Services
 * (`reconcileStableAndCanaryService`), traffic (`reconcileTrafficRouting`), ReplicaSet scaling
 * (`reconcileCanaryReplicaSets`: stable, new, older — older ones and an aborted canary after their
 * scale-down delay), pause steps (`reconcileCanaryPause`), and the status
 * (`syncRolloutStatusCanary`: step completion, full promotion, abort, phase). The user's commands are
 * status patches (`kubectl argo rollouts promote|abort|retry`), read here as upstream does.
 *
 * Step kinds with a handler in {@link STEP_HANDLERS} run; the analysis and experiment steps (and
 * background analysis) are where an AnalysisRun handler plugs in: they are refused at admission
 * until then (`validation.ts`).
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import { formatTimestamp, jsonEqual, type JsonObject, type JsonValue } from "../../../../util/index.js";
import type {
  ControllerChange,
  ControllerEnv,
  ControllerView,
  KeyedReconciler,
  SimulatedController,
} from "../../controller-contract.js";
import { objectAt, stringMapAt } from "../common/fields.js";
import { controlledChildren, earliestWakeOfEvery, reconcileEvery } from "../common/keyed.js";
import { isControlledBy } from "../common/owners.js";
import { TRAEFIK_API_VERSIONS } from "../common/versions.js";
import {
  ARGO_ROLLOUT_API,
  hasTrafficRouting,
  readArgoPlan,
  WORKLOAD_GENERATION_ANNOTATION,
  type ArgoPlan,
  type ArgoStep,
} from "./api.js";
import { nextConditions, type ConditionFacts } from "./conditions.js";
import { syncEphemeralMetadata } from "./ephemeral-metadata.js";
import {
  buildReplicaSet,
  hashOf,
  revisionOf,
  rolloutPodHash,
  scaleDownDeadline,
  scaleReplicaSet,
  setScaleDownDeadline,
  specReplicas,
  statusCount,
} from "./replica-sets.js";
import { argoStatusJson, calculatePhase, readArgoStatus, type ArgoStatus } from "./status.js";
import {
  basicCanaryCounts,
  canaryFenceposts,
  canaryReplicasOrWeight,
  currentSetWeight,
  desiredReplicaCounts,
  previousSetWeight,
  stepAt,
  stepHash,
} from "./steps.js";
import {
  canaryIngressName,
  ensureServiceTarget,
  findTraefikService,
  setNginxWeight,
  setTraefikWeight,
  type TrafficTarget,
} from "./traffic.js";
import { findArgoRolloutIssues } from "./validation.js";
import { scaleWorkload, workloadTargetReplicas } from "./workload-ref.js";

/** The pause reason of a `pause` step (`PauseReasonCanaryPauseStep`). */
export const CANARY_PAUSE_STEP = "CanaryPauseStep";

/** Everything one reconcile of one Rollout works with (`rolloutContext`). */
export interface ArgoContext {
  readonly view: ControllerView;
  readonly env: ControllerEnv;
  readonly rollout: KubeObject;
  readonly plan: ArgoPlan;
  readonly namespace: string | undefined;
  readonly trafficRouted: boolean;
  readonly status: ArgoStatus;
  readonly changes: ControllerChange[];
  readonly newRS: KubeObject | undefined;
  readonly stableRS: KubeObject | undefined;
  readonly otherRSs: readonly KubeObject[];
  readonly desired: { readonly canary: number; readonly stable: number };
}

/** A step kind's completion check: true once the step is done (the controller then moves on). */
type StepHandler = (ctx: ArgoContext, step: ArgoStep) => boolean;

function atDesiredReplicaCounts(ctx: ArgoContext): boolean {
  const { newRS, stableRS, desired } = ctx;
  if (
    newRS === undefined ||
    specReplicas(newRS) !== desired.canary ||
    statusCount(newRS, "availableReplicas") !== desired.canary
  )
    return false;
  if (stableRS === undefined || stableRS === newRS) return false;
  if (specReplicas(stableRS) !== desired.stable || statusCount(stableRS, "availableReplicas") !== desired.stable)
    return false;
  return ctx.otherRSs.every((rs) => statusCount(rs, "availableReplicas") === 0);
}

function completedPause(ctx: ArgoContext, step: ArgoStep): boolean {
  if (step.kind !== "pause") return false;
  const status = ctx.status;
  const condition = status.pauseConditions.find((item) => item.reason === CANARY_PAUSE_STEP);
  if (condition === undefined) {
    // The controller paused here before and the condition is gone: someone promoted.
    if (status.controllerPause) return true;
    status.pauseConditions = [
      ...status.pauseConditions,
      { reason: CANARY_PAUSE_STEP, startTime: formatTimestamp(ctx.env.now) },
    ];
    status.controllerPause = true;
    return false;
  }
  if (step.durationSeconds === undefined) return false;
  return new Date(condition.startTime).getTime() + step.durationSeconds * 1000 <= ctx.env.now.getTime();
}

/** Completion per step kind (`completedCurrentCanaryStep`). Analysis and experiment handlers go here. */
export const STEP_HANDLERS: Readonly<Partial<Record<ArgoStep["kind"], StepHandler>>> = {
  pause: completedPause,
  setWeight: atDesiredReplicaCounts,
  setCanaryScale: atDesiredReplicaCounts,
  // nginx and Traefik have no header routes (their SetHeaderRoute is a no-op upstream): done at once.
  setHeaderRoute: () => true,
};

function refIn(namespace: string | undefined, apiVersion: string, kind: string, name: string): ObjectRef {
  return { apiVersion, kind, name, ...(namespace === undefined ? {} : { namespace }) };
}

/** The pod template and selector a Rollout runs: its own, or its workloadRef Deployment's. */
function resolveTemplate(
  view: ControllerView,
  rollout: KubeObject,
  plan: ArgoPlan,
): { template: JsonObject; selector: JsonObject; workload: KubeObject | undefined } | { error: string } {
  const namespace = rollout.metadata.namespace;
  if (plan.workloadRef === undefined) {
    if (plan.template === undefined || plan.selector === undefined)
      return { error: "Rollout has missing field '.spec.template'" };
    return { template: plan.template, selector: plan.selector, workload: undefined };
  }
  const ref = plan.workloadRef;
  const workload = view.get(refIn(namespace, ref.apiVersion, ref.kind, ref.name));
  const template = objectAt(workload, ["spec", "template"]);
  const selector = plan.selector ?? objectAt(workload, ["spec", "selector"]);
  if (workload === undefined || template === undefined || selector === undefined)
    return {
      error: `The Rollout "${rollout.metadata.name ?? ""}" is invalid: spec.workloadRef: ${ref.kind.toLowerCase()}s.apps "${ref.name}" not found`,
    };
  return { template, selector, workload };
}

/** Referenced objects that must exist before the Rollout can route (Argo reports them as InvalidSpec). */
function missingReferences(view: ControllerView, rollout: KubeObject, plan: ArgoPlan): string | undefined {
  const namespace = rollout.metadata.namespace;
  const name = rollout.metadata.name ?? "";
  for (const [field, service] of [
    ["canaryService", plan.canaryService],
    ["stableService", plan.stableService],
  ] as const) {
    if (service !== undefined && view.get(refIn(namespace, "v1", "Service", service)) === undefined)
      return `The Rollout "${name}" is invalid: spec.strategy.canary.${field}: Invalid value: "${service}": service "${service}" not found`;
  }
  for (const ingress of plan.nginx?.stableIngresses ?? []) {
    if (view.get(refIn(namespace, "networking.k8s.io/v1", "Ingress", ingress)) === undefined)
      return (
        `The Rollout "${name}" is invalid: spec.strategy.canary.trafficRouting.nginx.stableIngress: ` +
        `Invalid value: "${ingress}": ingress.networking.k8s.io "${ingress}" not found`
      );
  }
  if (plan.traefik !== undefined) {
    const target: TrafficTarget = { view, rollout, plan, namespace, changes: [] };
    if (findTraefikService(target, plan.traefik.weightedTraefikServiceName) === undefined)
      return (
        `The Rollout "${name}" is invalid: spec.strategy.canary.trafficRouting.traefik.weightedTraefikServiceName: ` +
        `traefikservices "${plan.traefik.weightedTraefikServiceName}" not found`
      );
  }
  return undefined;
}

function selectorString(selector: JsonObject): string {
  return Object.entries(stringMapAt(selector, ["matchLabels"]))
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

/** The canary weight traffic should carry now (`reconcileTrafficRouting`'s desiredWeight). */
function desiredWeight(ctx: ArgoContext, fullyPromoted: boolean): number {
  const status = ctx.status;
  if (fullyPromoted || status.abort) return 0;
  if (ctx.newRS === undefined || statusCount(ctx.newRS, "availableReplicas") === 0) return 0;
  if (status.promoteFull) return status.weights?.canary.weight ?? 0;
  const index = status.currentStepIndex;
  if (index === undefined) return 0;
  if (!atDesiredReplicaCounts(ctx)) return previousSetWeight(ctx.plan, index);
  if (index !== ctx.plan.steps.length) return currentSetWeight(ctx.plan, index, false);
  return 100;
}

/** Scales the ReplicaSets toward the desired counts; older ones and an aborted canary go after their delay. */
function reconcileReplicaSets(ctx: ArgoContext, fullyPromoted: boolean): void {
  const { plan, status, changes, env } = ctx;
  const replicas = plan.replicas;
  const now = env.now.getTime();
  const delayed = (rs: KubeObject, seconds: number): void => {
    if (specReplicas(rs) === 0) return;
    const deadline = scaleDownDeadline(rs);
    if (seconds === 0 || (deadline !== undefined && deadline.getTime() <= now))
      changes.push(scaleReplicaSet(rs, 0, replicas));
    else if (deadline === undefined) changes.push(setScaleDownDeadline(rs, new Date(now + seconds * 1000)));
  };
  const { stableRS, newRS } = ctx;
  if (stableRS !== undefined && stableRS !== newRS) {
    if (scaleDownDeadline(stableRS) !== undefined) changes.push(setScaleDownDeadline(stableRS, undefined));
    if (specReplicas(stableRS) !== ctx.desired.stable)
      changes.push(scaleReplicaSet(stableRS, ctx.desired.stable, replicas));
  }
  if (newRS !== undefined) {
    if (status.abort && !fullyPromoted && ctx.trafficRouted) {
      // abortScaleDownDelaySeconds: 0 leaves the aborted canary running (upstream's documented meaning).
      if (plan.abortScaleDownDelaySeconds > 0) delayed(newRS, plan.abortScaleDownDelaySeconds);
    } else {
      if (scaleDownDeadline(newRS) !== undefined) changes.push(setScaleDownDeadline(newRS, undefined));
      if (specReplicas(newRS) !== ctx.desired.canary)
        changes.push(scaleReplicaSet(newRS, ctx.desired.canary, replicas));
    }
  }
  if (ctx.trafficRouted) {
    for (const rs of ctx.otherRSs) delayed(rs, plan.scaleDownDelaySeconds);
    return;
  }
  // Basic canary: older ReplicaSets go down within the availability budget (`scaleDownOldReplicaSetsForCanary`).
  const all = [
    ...(newRS === undefined ? [] : [newRS]),
    ...(stableRS === undefined || stableRS === newRS ? [] : [stableRS]),
    ...ctx.otherRSs,
  ];
  const available = all.reduce((sum, rs) => sum + statusCount(rs, "availableReplicas"), 0);
  let budget = available - (replicas - canaryFenceposts(plan, replicas).maxUnavailable);
  for (const rs of ctx.otherRSs) {
    if (budget <= 0) break;
    const current = specReplicas(rs);
    if (current === 0) continue;
    const down = Math.min(current, budget);
    changes.push(scaleReplicaSet(rs, current - down, replicas));
    budget -= down;
  }
}

function routeTraffic(ctx: ArgoContext, fullyPromoted: boolean): string | undefined {
  const { plan, status } = ctx;
  const target: TrafficTarget = {
    view: ctx.view,
    rollout: ctx.rollout,
    plan,
    namespace: ctx.namespace,
    changes: ctx.changes,
  };
  const ready = (rs: KubeObject | undefined): boolean => statusCount(rs, "availableReplicas") > 0;
  if (plan.stableService !== undefined)
    ensureServiceTarget(
      target,
      plan.stableService,
      ctx.stableRS !== undefined && ready(ctx.stableRS) ? status.stableRS : undefined,
    );
  if (plan.canaryService !== undefined)
    ensureServiceTarget(
      target,
      plan.canaryService,
      ctx.newRS !== undefined && ready(ctx.newRS) ? status.currentPodHash : undefined,
    );
  if (!ctx.trafficRouted) {
    status.weights = undefined;
    return undefined;
  }
  const weight = desiredWeight(ctx, fullyPromoted);
  const error =
    plan.nginx !== undefined
      ? setNginxWeight(target, plan.nginx, weight)
      : plan.traefik !== undefined
        ? setTraefikWeight(target, plan.traefik.weightedTraefikServiceName, weight)
        : undefined;
  status.weights = {
    canary: { weight, podTemplateHash: hashOf(ctx.newRS) ?? "", serviceName: plan.canaryService ?? "" },
    stable: {
      weight: 100 - weight,
      podTemplateHash: hashOf(ctx.stableRS) ?? "",
      serviceName: plan.stableService ?? "",
    },
  };
  return error;
}

/** Advances the step state (`syncRolloutStatusCanary`): step completion, then full promotion. */
function advanceSteps(ctx: ArgoContext, fullyPromoted: boolean): void {
  const { plan, status } = ctx;
  const steps = plan.steps.length;
  if (!fullyPromoted && !status.abort && ctx.newRS !== undefined) {
    const available =
      statusCount(ctx.newRS, "availableReplicas") === plan.replicas && specReplicas(ctx.newRS) === plan.replicas;
    const done = steps === 0 || status.currentStepIndex === steps;
    if (available && (status.promoteFull || done)) {
      status.stableRS = status.currentPodHash;
      status.promoteFull = false;
      status.pauseConditions = [];
      status.controllerPause = false;
      if (steps > 0) status.currentStepIndex = steps;
      return;
    }
  }
  if (plan.paused || status.promoteFull || status.abort || fullyPromoted) return;
  const step = stepAt(plan, status.currentStepIndex);
  if (step === undefined || status.currentStepIndex === undefined) return;
  const handler = STEP_HANDLERS[step.kind];
  if (handler === undefined || !handler(ctx, step)) return;
  status.currentStepIndex += 1;
  status.pauseConditions = status.pauseConditions.filter((item) => item.reason !== CANARY_PAUSE_STEP);
  status.controllerPause = status.pauseConditions.length > 0;
}

function syncMetadata(ctx: ArgoContext, fullyPromoted: boolean, pods: readonly KubeObject[]): void {
  const { plan } = ctx;
  if (plan.canaryMetadata === undefined && plan.stableMetadata === undefined) return;
  if (ctx.newRS !== undefined && !fullyPromoted)
    ctx.changes.push(...syncEphemeralMetadata(ctx.newRS, plan.canaryMetadata, pods));
  if (ctx.stableRS !== undefined) ctx.changes.push(...syncEphemeralMetadata(ctx.stableRS, plan.stableMetadata, pods));
}

/** One reconcile of one Argo Rollout: its writes, the status last. */
export function reconcileArgoRollout(
  rollout: KubeObject,
  view: ControllerView,
  env: ControllerEnv,
): ControllerChange[] {
  const plan = readArgoPlan(rollout);
  const namespace = rollout.metadata.namespace;
  const before = readArgoStatus(rollout.status as JsonValue | undefined);
  const status: ArgoStatus = structuredClone(before);
  const changes: ControllerChange[] = [];
  status.observedGeneration = String(rollout.metadata.generation ?? 1);
  /** Conditions, phase and message, then the status write (last, so earlier writes cannot make it stale). */
  const finish = (
    invalidSpec: string | undefined,
    facts: ConditionInput = EMPTY_FACTS,
    error?: string,
  ): ControllerChange[] => {
    status.conditions = nextConditions(status.conditions, { ...facts, invalidSpec }, env.now);
    const trafficRouted = hasTrafficRouting(plan);
    const phase = calculatePhase({ paused: plan.paused, replicas: plan.replicas, trafficRouted, invalidSpec }, status);
    status.phase = phase.phase;
    // A traffic router error is reported as upstream's reconcile error is: in the message, phase unchanged.
    status.message = error ?? phase.message;
    if (!jsonEqual(before, status))
      changes.push({ op: "updateStatus", object: { ...rollout, status: argoStatusJson(status) } });
    return changes;
  };

  const issues = findArgoRolloutIssues(rollout);
  if (issues.length > 0)
    return finish(
      `The Rollout "${rollout.metadata.name ?? ""}" is invalid: ${issues.map((i) => i.message).join("; ")}`,
    );
  const resolved = resolveTemplate(view, rollout, plan);
  if ("error" in resolved) return finish(resolved.error);
  const missing = missingReferences(view, rollout, plan);
  if (missing !== undefined) return finish(missing);
  const { template, selector, workload } = resolved;
  status.selector = selectorString(selector);
  if (workload !== undefined) status.workloadObservedGeneration = String(workload.metadata.generation ?? 1);

  const owned = controlledChildren(view, rollout, REPLICA_SET).filter(
    (rs) => rs.metadata.deletionTimestamp === undefined,
  );
  const hash = rolloutPodHash(template, status.collisionCount);
  const clash = view.get(refIn(namespace, "apps/v1", "ReplicaSet", `${rollout.metadata.name ?? ""}-${hash}`));
  if (clash !== undefined && !isControlledBy(clash, rollout)) {
    // `getNewReplicaSet` on AlreadyExists from another owner: bump collisionCount and retry with a new hash.
    status.collisionCount += 1;
    return finish(undefined, { ...EMPTY_FACTS, newReplicaSet: clash.metadata.name ?? "" });
  }

  const steps = plan.steps.length;
  const currentStepHash = stepHash(rollout);
  if (status.currentPodHash !== hash || status.currentStepHash !== currentStepHash) {
    status.currentPodHash = hash;
    status.currentStepHash = currentStepHash;
    status.pauseConditions = [];
    status.controllerPause = false;
    status.abort = false;
    status.abortedAt = "";
    status.currentStepIndex = steps === 0 ? undefined : hash === status.stableRS ? steps : 0;
  }
  // "Initial deploy": a Rollout's first ReplicaSet is stable at once; the steps are for updates.
  if (status.stableRS === "") {
    status.stableRS = hash;
    if (steps > 0) status.currentStepIndex = steps;
  }
  if (status.promoteFull) {
    status.pauseConditions = [];
    status.controllerPause = false;
    status.abort = false;
    if (steps > 0) status.currentStepIndex = steps;
  }
  const fullyPromoted = status.stableRS === hash;
  if (!status.abort && status.abortedAt !== "") status.abortedAt = "";
  if (status.abort) {
    if (status.abortedAt === "") status.abortedAt = formatTimestamp(env.now);
    status.pauseConditions = [];
    status.controllerPause = false;
    if (steps > 0) status.currentStepIndex = fullyPromoted ? steps : 0;
  }

  const newRS = owned.find((rs) => hashOf(rs) === hash);
  const stableRS = owned.find((rs) => hashOf(rs) === status.stableRS);
  const otherRSs = owned.filter((rs) => rs !== newRS && rs !== stableRS);
  const trafficRouted = hasTrafficRouting(plan);
  const stableExists = stableRS !== undefined && !fullyPromoted;
  const scale = canaryReplicasOrWeight(plan, status.currentStepIndex, {
    promoteFull: status.promoteFull,
    fullyPromoted,
    aborted: status.abort,
    trafficRouted,
  });
  const desired =
    trafficRouted || !stableExists
      ? desiredReplicaCounts(plan.replicas, scale, { stableExists, trafficRouted })
      : basicCanaryCounts(plan, plan.replicas, scale, {
          canary:
            newRS === undefined
              ? undefined
              : { spec: specReplicas(newRS), available: statusCount(newRS, "availableReplicas") },
          stable: { spec: specReplicas(stableRS), available: statusCount(stableRS, "availableReplicas") },
          others: otherRSs.map((rs) => ({ spec: specReplicas(rs), available: statusCount(rs, "availableReplicas") })),
        });
  const ctx: ArgoContext = {
    view,
    env,
    rollout,
    plan,
    namespace,
    trafficRouted,
    status,
    changes,
    newRS,
    stableRS,
    otherRSs,
    desired,
  };

  if (newRS === undefined) {
    changes.push({
      op: "create",
      object: buildReplicaSet({
        rollout,
        template,
        selector,
        hash,
        replicas: trafficRouted || !stableExists ? desired.canary : 0,
        revision: 1 + Math.max(0, ...owned.map(revisionOf)),
        desiredReplicas: plan.replicas,
        metadata: stableExists ? plan.canaryMetadata : plan.stableMetadata,
      }),
    });
  }
  const pods = view.list("v1", "Pod", namespace === undefined ? {} : { namespace });
  syncMetadata(ctx, fullyPromoted, pods);
  const routingError = routeTraffic(ctx, fullyPromoted);
  reconcileReplicaSets(ctx, fullyPromoted);
  advanceSteps(ctx, fullyPromoted);

  const all = owned;
  status.replicas = all.reduce((sum, rs) => sum + statusCount(rs, "replicas"), 0);
  status.HPAReplicas = status.replicas;
  status.updatedReplicas = statusCount(newRS, "replicas");
  status.readyReplicas = all.reduce((sum, rs) => sum + statusCount(rs, "readyReplicas"), 0);
  status.availableReplicas = all.reduce((sum, rs) => sum + statusCount(rs, "availableReplicas"), 0);
  const promotedNow = status.stableRS === status.currentPodHash;
  const complete =
    promotedNow &&
    status.updatedReplicas === plan.replicas &&
    statusCount(newRS, "availableReplicas") === plan.replicas;
  const stepsDone = steps === 0 || status.currentStepIndex === steps;
  const healthy = complete && stepsDone && status.replicas === plan.replicas;
  const result = finish(
    undefined,
    {
      aborted: status.abort,
      paused: plan.paused || status.pauseConditions.length > 0,
      retried: before.abort && !status.abort && !promotedNow,
      newReplicaSet: newRS?.metadata.name ?? `${rollout.metadata.name ?? ""}-${hash}`,
      revision: newRS === undefined ? 1 + Math.max(0, ...owned.map(revisionOf)) : revisionOf(newRS),
      currentPodHash: status.currentPodHash,
      available: status.availableReplicas >= plan.replicas - canaryFenceposts(plan, plan.replicas).maxUnavailable,
      complete,
      healthy,
      completed: promotedNow,
      stepCount: steps,
    },
    routingError,
  );
  if (workload !== undefined && plan.workloadRef !== undefined) {
    const stableAvailable = statusCount(stableRS ?? (fullyPromoted ? newRS : undefined), "availableReplicas");
    const scaled = scaleWorkload(
      workload,
      workloadTargetReplicas(plan.workloadRef, plan.replicas, stableAvailable, status.phase === "Healthy"),
    );
    if (scaled !== undefined) result.push(scaled);
    const generation = String(workload.metadata.generation ?? 1);
    if (rollout.metadata.annotations?.[WORKLOAD_GENERATION_ANNOTATION] !== generation)
      result.push({
        op: "patch",
        ref: refIn(namespace, ARGO_ROLLOUT_API, "Rollout", rollout.metadata.name ?? ""),
        body: { type: "merge", patch: { metadata: { annotations: { [WORKLOAD_GENERATION_ANNOTATION]: generation } } } },
      });
  }
  return result;
}

type ConditionInput = Omit<ConditionFacts, "invalidSpec">;

const EMPTY_FACTS: ConditionInput = {
  aborted: false,
  paused: false,
  retried: false,
  newReplicaSet: "",
  revision: 0,
  currentPodHash: "",
  available: false,
  complete: false,
  healthy: false,
  completed: false,
  stepCount: 0,
};

/** The earliest instant a Rollout acts by itself: a timed pause ending, a ReplicaSet's scale-down deadline. */
function wakeTimes(rollout: KubeObject, owned: readonly KubeObject[]): number[] {
  const plan = readArgoPlan(rollout);
  const status = readArgoStatus(rollout.status as JsonValue | undefined);
  const times: number[] = [];
  const step = stepAt(plan, status.currentStepIndex);
  const pause = status.pauseConditions.find((item) => item.reason === CANARY_PAUSE_STEP);
  if (step?.kind === "pause" && step.durationSeconds !== undefined && pause !== undefined)
    times.push(new Date(pause.startTime).getTime() + step.durationSeconds * 1000);
  for (const rs of owned) {
    const deadline = scaleDownDeadline(rs);
    if (deadline !== undefined && specReplicas(rs) > 0) times.push(deadline.getTime());
  }
  return times;
}

const ROLLOUT = { apiVersion: ARGO_ROLLOUT_API, kind: "Rollout" } as const;
const REPLICA_SET = { apiVersion: "apps/v1", kind: "ReplicaSet" } as const;

/**
 * What a Rollout reads by name in its namespace: its workload (`workloadRef`), its canary and stable
 * Services, its nginx stable Ingresses and the canary Ingresses made of them, its TraefikService, and
 * itself (a ReplicaSet named `<rollout>-<hash>` that another owner holds is read as a name clash).
 */
function argoRolloutReferences(rollout: KubeObject): ObjectRef[] {
  const plan = readArgoPlan(rollout);
  const namespace = rollout.metadata.namespace;
  const name = rollout.metadata.name ?? "";
  const refs: ObjectRef[] = [refIn(namespace, ARGO_ROLLOUT_API, "Rollout", name)];
  if (plan.workloadRef !== undefined)
    refs.push(refIn(namespace, plan.workloadRef.apiVersion, plan.workloadRef.kind, plan.workloadRef.name));
  for (const service of [plan.canaryService, plan.stableService])
    if (service !== undefined) refs.push(refIn(namespace, "v1", "Service", service));
  for (const ingress of plan.nginx?.stableIngresses ?? []) {
    refs.push(refIn(namespace, "networking.k8s.io/v1", "Ingress", ingress));
    refs.push(refIn(namespace, "networking.k8s.io/v1", "Ingress", canaryIngressName(name, ingress)));
  }
  if (plan.traefik !== undefined)
    refs.push(refIn(namespace, TRAEFIK_API_VERSIONS[0], "TraefikService", plan.traefik.weightedTraefikServiceName));
  return refs;
}

/** A ReplicaSet named `<rollout>-<hash>` concerns the Rollout of that name (the clash `getNewReplicaSet` checks). */
function rolloutNamedBy(replicaSet: KubeObject): ObjectRef[] {
  const name = replicaSet.metadata.name ?? "";
  const dash = name.lastIndexOf("-");
  return dash <= 0 ? [] : [refIn(replicaSet.metadata.namespace, ARGO_ROLLOUT_API, "Rollout", name.slice(0, dash))];
}

/** The earliest future instant a Rollout acts by itself. */
function argoRolloutWakeAt(rollout: KubeObject, view: ControllerView, env: ControllerEnv): Date | undefined {
  const now = env.now.getTime();
  let earliest: number | undefined;
  for (const time of wakeTimes(rollout, controlledChildren(view, rollout, REPLICA_SET)))
    if (time > now && (earliest === undefined || time < earliest)) earliest = time;
  return earliest === undefined ? undefined : new Date(earliest);
}

/**
 * Keyed as `argoproj/argo-rollouts` `rollout/controller.go` watches: the Rollout, the ReplicaSets it
 * owns, and the objects it names — its workload (`workloadRef`), Services, Ingresses and
 * TraefikService (upstream's `Service`/`Ingress` informers enqueue the Rollout that references them).
 */
const argoRolloutReconciler: KeyedReconciler = {
  primaries: [ROLLOUT],
  watches: [
    { ...ROLLOUT, mapTo: "self" },
    { ...REPLICA_SET, mapTo: "controller-owner" },
    { ...REPLICA_SET, mapTo: "referrers", through: rolloutNamedBy },
    { apiVersion: "apps/v1", kind: "Deployment", mapTo: "referrers" },
    { apiVersion: "v1", kind: "Service", mapTo: "referrers" },
    { apiVersion: "networking.k8s.io/v1", kind: "Ingress", mapTo: "referrers" },
    ...TRAEFIK_API_VERSIONS.map((apiVersion) => ({ apiVersion, kind: "TraefikService", mapTo: "referrers" as const })),
  ],
  references: argoRolloutReferences,
  reconcileObject: (rollout, view, env) =>
    rollout.metadata.deletionTimestamp === undefined ? reconcileArgoRollout(rollout, view, env) : [],
  wakeAt: argoRolloutWakeAt,
};

/** The simulated Argo Rollouts controller. */
export const argoRolloutsController: SimulatedController = {
  name: "argo-rollouts",
  addon: "argo-rollouts",
  keyed: argoRolloutReconciler,
  reconcile: (view, env) => reconcileEvery(argoRolloutReconciler, view, env),
  nextWakeAt: (view, env) => earliestWakeOfEvery(argoRolloutReconciler, view, env),
};
