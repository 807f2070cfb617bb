import type { Cluster } from "../cluster/cluster.js";
import { clusterOf, LOCAL_CLUSTER_NAME, type TrackedResource } from "../cluster/tracker.js";
import { VelaError } from "../errors/index.js";
import type { ComponentManifest } from "../render/index.js";
import {
  findAppRollouts,
  finishFastRollbacks,
  hasPendingFastTrack,
  resetStaleRolloutSteps,
} from "../rollout/rollout-coupling.js";
import { jsonEqual, type Clock, type JsonObject, toJsonObject, toJsonValue } from "../util/index.js";
import { renderStepActions, stepTemplateContext } from "../workflow/step-actions.js";
import {
  advanceWorkflow,
  storedWorkflowOf,
  deriveAppPhase,
  derivePhase,
  type HttpRequest,
  type HttpResponse,
  type StepRunner,
  type WorkflowStatus,
} from "../workflow/index.js";
import { statusOf } from "./application-object.js";
import { stateKeepEnabled } from "./apply-once.js";
import { keepStepPatches } from "./component-patches.js";
import { componentsByName, cueStepSource } from "./cue-steps.js";
import { componentHealth, untrackedComponentResource } from "./component-runtime.js";
import type { PassState } from "./pass-state.js";
import type { ReleaseApplier } from "./release-applier.js";
import type { RenderPlan } from "./render-stage.js";
import type { RevisionStage } from "./revision-stage.js";
import { stepRegistryFor } from "./step-registry.js";
import { promCheckHook } from "./steps/check-metrics.js";

/** Errors of a member cluster that cannot be reached (or is no longer joined). */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(["E_CLUSTER_UNREACHABLE", "E_CLUSTER_UNKNOWN"]);

/**
 * The manifests the run's steps applied, with the cluster each went to: every placement's
 * components that its tracker records there, and the hub-rendered components a step applied in the
 * app's own namespace of the hub (what no placement covers).
 */
function appliedManifests(
  plan: RenderPlan,
  recorded: readonly TrackedResource[],
  appNamespace: string,
): { manifest: ComponentManifest; cluster: string }[] {
  const key = (component: string | undefined, cluster: string, namespace: string | undefined): string =>
    `${component ?? ""}|${cluster}|${namespace ?? ""}`;
  const applied = new Set(recorded.map((resource) => key(resource.component, clusterOf(resource), resource.namespace)));
  const wasApplied = (manifest: ComponentManifest, cluster: string, namespace: string): boolean =>
    applied.has(key(manifest.name, cluster, namespace)) ||
    // A component whose objects are all cluster-scoped is recorded without a namespace.
    applied.has(key(manifest.name, cluster, undefined));
  const out: { manifest: ComponentManifest; cluster: string }[] = [];
  const covered = new Set<string>();
  for (const placement of plan.placements)
    for (const manifest of placement.manifests)
      if (wasApplied(manifest, placement.cluster, placement.namespace)) {
        covered.add(key(manifest.name, placement.cluster, placement.namespace));
        out.push({ manifest, cluster: placement.cluster });
      }
  for (const manifest of plan.manifests)
    if (
      !covered.has(key(manifest.name, LOCAL_CLUSTER_NAME, appNamespace)) &&
      (plan.placements.length === 0
        ? recorded.some((resource) => resource.component === manifest.name)
        : wasApplied(manifest, LOCAL_CLUSTER_NAME, appNamespace))
    )
      out.push({ manifest, cluster: LOCAL_CLUSTER_NAME });
  return out;
}

/** Where the release's workflow stands after this pass. */
export interface WorkflowStage {
  readonly workflow: WorkflowStatus;
  /** When time alone moves the workflow on (backoff, timed suspend, timeout). */
  readonly nextWakeAt?: string;
  /** Only a person (`workflow resume`) moves it on. */
  readonly waitingForPerson: boolean;
}

/** What the workflow stage needs besides the pass, the plan and the applier. */
export interface WorkflowInputs {
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly http: (request: HttpRequest) => Promise<HttpResponse>;
  readonly extraStepRunners: readonly StepRunner[];
  readonly log?: (message: string) => void;
}

/** A workflow status without `lastExecuteTime`s, for telling real changes from re-executions. */
export function withoutExecuteTimes(workflow: WorkflowStatus): JsonObject {
  const strip = (step: JsonObject): JsonObject => {
    const { lastExecuteTime: _last, ...rest } = step;
    return Array.isArray(rest.subSteps)
      ? { ...rest, subSteps: rest.subSteps.map((sub) => strip(sub as JsonObject)) }
      : rest;
  };
  return {
    // WorkflowStatus and StepStatus are JSON records (their fields are JSON values) without an index signature.
    ...toJsonObject(workflow),
    steps: workflow.steps.map((step) => strip(toJsonObject(step))),
  };
}

/**
 * The workflow stage: a run belongs to one revision (a different revision starts a fresh run).
 * An unfinished run advances, saving status after every step; a finished one keeps its state.
 */
export async function runWorkflowStage(
  pass: PassState,
  inputs: WorkflowInputs,
  release: RevisionStage,
  plan: RenderPlan,
  applier: ReleaseApplier,
): Promise<WorkflowStage> {
  let workflow = storedWorkflowOf(pass.status);
  if (workflow !== undefined && workflow.appRevision !== release.record.name) workflow = undefined;
  if (workflow !== undefined && workflow.finished) {
    await keepState(pass, inputs, plan, applier);
    return { workflow, waitingForPerson: false };
  }
  const name = pass.app.metadata.name ?? "";
  const namespace = pass.app.metadata.namespace ?? "default";
  const record = release.record;
  let handedOver: WorkflowStatus | undefined;
  // Repeatable step transitions in a row: written at the 1st, 2nd, 4th, 8th… (see REPEATABLE_STEP_TYPES),
  // so a pass writes its status O(log steps) times and a concurrent `workflow suspend` still ends it early.
  let repeatableMoves = 0;
  const result = await advanceWorkflow(plan.workflowSpec, workflow, {
    clock: inputs.clock,
    registry: stepRegistryFor(plan.workflowSpec, plan.registry, inputs.extraStepRunners),
    app: {
      appName: name,
      namespace,
      appRevision: record.name,
      appRevisionNum: record.number,
      ...(record.publishVersion === undefined ? {} : { publishVersion: record.publishVersion }),
      components: plan.appfile.components.map((component) => component.name),
    },
    hooks: {
      cluster: inputs.cluster,
      applyComponent: (componentName, options) => applier.applyComponent(componentName, options),
      placements: (stepName) =>
        plan.placements.length === 0
          ? undefined
          : plan.placements
              .filter((placement) => placement.step === stepName)
              .map((placement) => ({
                id: placement.id,
                cluster: placement.cluster,
                namespace: placement.namespace,
                components: placement.manifests.map((manifest) => manifest.name),
              })),
      applyObject: async (object) => {
        // Objects a step applies by itself (apply-object, actions) are tracked without a
        // component: `delete` removes them, GC keeps them while the current run has them.
        await applier.recordApplied([untrackedComponentResource(object)]);
        return applier.applyObject(object);
      },
      renderActions: (type, parameter, context) =>
        renderStepActions(
          plan.registry.getWorkflowStep(type),
          plan.registry,
          parameter,
          stepTemplateContext(context, {
            // Application components are JSON (validated by the Application schema) without an index signature.
            components: toJsonValue(plan.appfile.application.spec.components),
            appLabels: plan.appfile.labels,
            appAnnotations: plan.appfile.annotations,
          }),
        ),
      cueStep: (type, parameter, context) =>
        cueStepSource(
          plan.registry,
          type,
          parameter,
          stepTemplateContext(context, {
            components: toJsonValue(plan.appfile.application.spec.components),
            appLabels: plan.appfile.labels,
            appAnnotations: plan.appfile.annotations,
          }),
          componentsByName(plan.appfile.application.spec.components.map((component) => toJsonObject(component))),
        ),
      http: inputs.http,
      promCheck: promCheckHook({ cluster: inputs.cluster, clock: inputs.clock, http: inputs.http }),
      ...(inputs.log === undefined ? {} : { log: inputs.log }),
      beforeSteps: (steps) => applier.recordScheduled(steps),
    },
    saveStatus: async (next) => {
      const previous = handedOver;
      handedOver = next;
      // A step that is still waiting only moves its lastExecuteTime: not a change worth a write,
      // and counting it would keep the fixed-point loop spinning on a wall clock.
      const stored = statusOf(pass.app);
      const saved = storedWorkflowOf(stored);
      if (saved !== undefined && jsonEqual(withoutExecuteTimes(saved), withoutExecuteTimes(next))) {
        // Back to what is stored: a deferred step change (see onlyRepeatableStepsMoved) was undone.
        for (const key of ["workflow", "status"] as const) {
          const value = stored[key];
          if (value === undefined) delete pass.status[key];
          else pass.status[key] = value;
        }
        return;
      }
      // WorkflowStatus is a JSON record without an index signature.
      pass.status.workflow = toJsonObject(next);
      pass.status.status = deriveAppPhase(derivePhase(plan.workflowSpec, next).phase, false);
      const move = repeatableMove(previous ?? (saved?.appRevision === next.appRevision ? saved : undefined), next);
      // The start and the end of a run of repeatable steps wait for the next write: the first step's
      // transition follows the start at once, and the pass's final status write follows the end.
      if (move === "start" || move === "finish") {
        pass.deferSave();
        return;
      }
      repeatableMoves = move === "step" ? repeatableMoves + 1 : 0;
      if (repeatableMoves > 0 && !isPowerOfTwo(repeatableMoves)) pass.deferSave();
      else await pass.save();
    },
  });
  return {
    workflow: result.status,
    ...(result.nextWakeAt === undefined ? {} : { nextWakeAt: result.nextWakeAt }),
    waitingForPerson: result.waitingForPerson,
  };
}

function isPowerOfTwo(count: number): boolean {
  return (count & (count - 1)) === 0;
}

/**
 * Step types whose transitions may wait for a later status write of the same pass: re-running them
 * after a crash only applies again what their tracker already records, and nothing outside the
 * cluster sees them. Saving each of their transitions at once would rewrite the whole workflow
 * status per component (quadratic in an app's components); a kill before the deferred write re-runs them.
 */
const REPEATABLE_STEP_TYPES: ReadonlySet<string> = new Set(["apply-component"]);

/**
 * How `next` moved the run on from `previous` (the status handed over or stored before it, undefined
 * for a run that starts) when only {@link REPEATABLE_STEP_TYPES} steps moved: `start` (a new run of
 * such steps only), `step` (steps moved, the run goes on) or `finish` (the last of them ended it).
 * Undefined for any other move (a suspend, a termination, another step type), which is saved at once.
 */
export function repeatableMove(
  previous: WorkflowStatus | undefined,
  next: WorkflowStatus,
): "start" | "step" | "finish" | undefined {
  if (next.suspend || next.terminated) return undefined;
  if (previous === undefined) {
    const repeatable = next.steps.every((step) => step.subSteps === undefined && REPEATABLE_STEP_TYPES.has(step.type));
    return repeatable && !next.finished ? "start" : undefined;
  }
  const finishing = !previous.finished && next.finished;
  if (!onlyRepeatableStepsMoved(previous, finishing ? { ...next, finished: false } : next)) return undefined;
  return finishing ? "finish" : "step";
}

/**
 * Whether `next` differs from the status handed over before it only in top-level steps of a
 * {@link REPEATABLE_STEP_TYPES} type (and their memory or outputs), the run itself neither
 * suspended, terminated nor finished by it. Steps the engine did not touch keep their identity.
 */
export function onlyRepeatableStepsMoved(previous: WorkflowStatus | undefined, next: WorkflowStatus): boolean {
  if (previous === undefined || previous.appRevision !== next.appRevision) return false;
  if (previous.suspend !== next.suspend || previous.terminated !== next.terminated) return false;
  if (previous.finished !== next.finished || previous.steps.length !== next.steps.length) return false;
  return next.steps.every((step, index) => {
    const before = previous.steps[index];
    if (before === step) return true;
    return (
      before !== undefined &&
      before.name === step.name &&
      before.subSteps === undefined &&
      step.subSteps === undefined &&
      REPEATABLE_STEP_TYPES.has(step.type)
    );
  });
}

/**
 * State keep (KubeVela's resource keeper): what the run's steps applied is re-applied every pass,
 * which is also how ops-only trait changes (no new revision, no workflow re-run) reach the
 * cluster. Only components a step applied (the revision's tracker): a run that failed, was
 * terminated or skipped a step never ships what its unrun steps would have applied.
 * Objects a step applied with patches (canary-rollout) are kept as the step left them.
 */
async function keepState(
  pass: PassState,
  inputs: WorkflowInputs,
  plan: RenderPlan,
  applier: ReleaseApplier,
): Promise<void> {
  const { cluster } = inputs;
  const recorded = await applier.tracked();
  // `apply-once` with no rules: what the steps applied is not re-applied (every drift is kept).
  if (stateKeepEnabled(plan.applyOnce)) {
    const appNamespace = pass.app.metadata.namespace ?? "default";
    for (const { manifest, cluster: where } of appliedManifests(plan, recorded, appNamespace)) {
      try {
        await applier.applyManifest(keepStepPatches(manifest, recorded), "onStateKeep", where);
      } catch (error) {
        // A member cluster out of reach keeps what it has; the hub and the other members are still kept.
        if (!(error instanceof VelaError) || !UNREACHABLE_CODES.has(error.code)) throw error;
        inputs.log?.(`state keep skipped cluster ${where}: ${error.message}`);
      }
    }
  }
  // A Rollout whose cancel finished but still says StepPaused (KubeVela #7170) is reset here,
  // once its controller is done with it; one a rollback disabled is re-enabled once its workload
  // rolled back (the component's objects applied and observed, the rolling update done).
  const name = pass.app.metadata.name ?? "";
  const namespace = pass.app.metadata.namespace ?? "default";
  const rollouts = await findAppRollouts(cluster, name, namespace);
  if ((await resetStaleRolloutSteps(cluster, rollouts)) > 0) pass.wrote = true;
  if (rollouts.some(hasPendingFastTrack)) {
    const settled = new Set<string>();
    for (const manifest of plan.manifests)
      if ((await componentHealth(cluster, manifest, plan.registry)).workloadHealthy) settled.add(manifest.name);
    const componentReady = (component: string | undefined): boolean =>
      component === undefined || settled.has(component);
    if ((await finishFastRollbacks(cluster, rollouts, componentReady)) > 0) pass.wrote = true;
  }
}
