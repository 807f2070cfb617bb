import type { Cluster } from "../cluster/cluster.js";
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
import { componentHealth, trackedResourcesOf, untrackedComponentResource } from "./component-runtime.js";
import type { PassState } from "./pass-state.js";
import type { ReleaseApplier } from "./release-applier.js";
import type { RenderPlan } from "./render-stage.js";
import type { RevisionStage } from "./revision-stage.js";
import { stepRegistryFor } from "./step-registry.js";

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
    await keepState(pass, inputs.cluster, plan, applier);
    return { workflow, waitingForPerson: false };
  }
  const name = pass.app.metadata.name ?? "";
  const namespace = pass.app.metadata.namespace ?? "default";
  const record = release.record;
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
          // Application components are JSON objects (validated by the Application schema).
          componentsByName(plan.appfile.application.spec.components as unknown as JsonObject[]),
        ),
      http: inputs.http,
      ...(inputs.log === undefined ? {} : { log: inputs.log }),
    },
    saveStatus: async (next) => {
      // A step that is still waiting only moves its lastExecuteTime: not a change worth a write,
      // and counting it would keep the fixed-point loop spinning on a wall clock.
      const saved = storedWorkflowOf(statusOf(pass.app));
      if (saved !== undefined && jsonEqual(withoutExecuteTimes(saved), withoutExecuteTimes(next))) return;
      // WorkflowStatus is a JSON record without an index signature.
      pass.status.workflow = toJsonObject(next);
      pass.status.status = deriveAppPhase(derivePhase(plan.workflowSpec, next).phase, false);
      await pass.save();
    },
  });
  return {
    workflow: result.status,
    ...(result.nextWakeAt === undefined ? {} : { nextWakeAt: result.nextWakeAt }),
    waitingForPerson: result.waitingForPerson,
  };
}

/**
 * State keep (KubeVela's resource keeper): what the run's steps applied is re-applied every pass,
 * which is also how ops-only trait changes (no new revision, no workflow re-run) reach the
 * cluster. Only components a step applied (the revision's tracker): a run that failed, was
 * terminated or skipped a step never ships what its unrun steps would have applied.
 * Objects a step applied with patches (canary-rollout) are kept as the step left them.
 */
async function keepState(pass: PassState, cluster: Cluster, plan: RenderPlan, applier: ReleaseApplier): Promise<void> {
  const recorded = await applier.tracked();
  const appliedBySteps = new Set(recorded.map((resource) => resource.component));
  // `apply-once` with no rules: what the steps applied is not re-applied (every drift is kept).
  const keep = stateKeepEnabled(plan.applyOnce) ? plan.manifests : [];
  for (const manifest of keep
    .filter((rendered) => appliedBySteps.has(rendered.name))
    .map((rendered) => keepStepPatches(rendered, recorded))) {
    await applier.recordApplied(trackedResourcesOf(manifest));
    await applier.applyManifest(manifest, "onStateKeep");
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
