import { bindAppfile, type Appfile } from "../appfile/index.js";
import type { Cluster } from "../cluster/cluster.js";
import {
  buildResourceTracker,
  resourceTrackerRef,
  resourcesToCollect,
  trackedResources,
  type TrackedResource,
} from "../cluster/tracker.js";
import type { DefinitionRegistry } from "../definitions/index.js";
import { VelaError } from "../errors/index.js";
import {
  assertApplicationStatus,
  validateApplication,
  type ApplicationInput,
  type SchemaCheck,
} from "../model/index.js";
import { refOf, type KubeObject } from "../model/kube-object.js";
import { ANNOTATION_PUBLISH_VERSION, FIELD_MANAGER, LABEL_APP_NAME, LABEL_APP_NAMESPACE } from "../model/labels.js";
import { renderAppfile, type ComponentManifest, type RenderOptions } from "../render/index.js";
import {
  buildRevisionSnapshot,
  computeRevisionHash,
  decideRevision,
  mergeOpsOnlyTraits,
  nextComponentRevisions,
  opsOnlyTraitsOf,
  revisionsToPrune,
  type ApplicationSnapshot,
  type ComponentRevision,
  type DefinitionSnapshots,
  type RevisionDecision,
  type RevisionRecord,
} from "../revision/index.js";
import {
  formatTimestamp,
  isJsonObject,
  jsonEqual,
  type Clock,
  type JsonObject,
  type JsonValue,
} from "../util/index.js";
import {
  advanceWorkflow,
  deriveAppPhase,
  derivePhase,
  resolveWorkflow,
  type ApplyComponentOptions,
  type ApplyComponentResult,
  type HttpRequest,
  type HttpResponse,
  type StepRunner,
  type WorkflowStatus,
} from "../workflow/index.js";
import { APPLICATION_KIND, getApplication, saveApplicationStatus, statusOf } from "./application-object.js";
import {
  extraTraitsOf,
  keepStepPatches,
  outputPatchesOf,
  patchComponentOutputs,
  type ExtraTrait,
} from "./component-patches.js";
import { renderStepActions, stepTemplateContext } from "../workflow/step-actions.js";
import { stepRegistryFor } from "./step-registry.js";
import { componentsByName, cueStepSource } from "./cue-steps.js";
import {
  applyComponentObjects,
  componentHealth,
  describeUnhealthy,
  inspectComponent,
  mergeTracked,
  trackedResourcesOf,
  untrackedComponentResource,
  type ServiceHealth,
} from "./component-runtime.js";
import { helmRepositoryUrls, resolveHelmWorkloads, type HelmChartSource } from "./chart-expansion.js";
import { definitionsUsed, registryFromSnapshot, usedDefinitions } from "./definitions-for-app.js";
import { applyOncePolicyOf, stateKeepEnabled } from "./apply-once.js";
import { ANNOTATION_ROLLBACK_TO, completePendingRollback } from "./rollback.js";
import {
  findAppRollouts,
  finishFastRollbacks,
  hasPendingFastTrack,
  resetStaleRolloutSteps,
} from "../rollout/rollout-coupling.js";
import {
  applicationRevisionRef,
  buildApplicationRevision,
  listApplicationRevisions,
  markRevision,
  markRevisionObject,
  revisionRecordOf,
} from "./revision-objects.js";
import { PassRecorder, SteadyStateMemo, type UsedDefinition } from "./steady-state.js";

export { SteadyStateMemo } from "./steady-state.js";

/** What the reconciler needs (built by the CLI or the controller). */
export interface ReconcilerDeps {
  readonly cluster: Cluster;
  readonly clock: Clock;
  /** The definitions of the target cluster (built-ins, enabled addons, user folders). */
  readonly registry: DefinitionRegistry;
  readonly http: (request: HttpRequest) => Promise<HttpResponse>;
  /** Step runners the controller adds (canary-rollout, canary-rollback). @default none */
  readonly extraStepRunners?: readonly StepRunner[];
  /** Revisions kept besides the latest. @default 10 */
  readonly revisionLimit?: number;
  /**
   * Rolls the app back to its last good revision after a failed analysis (`workflow rollback`'s
   * use-case, handed in by the target). @default none: the release is stopped and its traffic put back on stable only
   */
  readonly rollBack?: (app: KubeObject, reason: string) => Promise<readonly string[]>;
  readonly log?: (message: string) => void;
  /** The compiled Application schema, made once per command. @default compiled per call */
  readonly applicationCheck?: SchemaCheck;
  /**
   * Where `helm` components' charts can be read, so a `kruise-rollout` trait targets the workload
   * the chart really deploys instead of KubeVela's name guess (#4519, #6161). @default none (keep the guess)
   */
  readonly charts?: HelmChartSource;
  /**
   * Memory of apps at a steady state ({@link SteadyStateMemo}): a pass of an app whose Application,
   * revision, tracker, applied objects and definitions are all as its last full pass left them
   * skips bind, render and apply and writes nothing. The controller keeps one for its lifetime.
   * @default none (every pass is a full pass)
   */
  readonly steadyState?: SteadyStateMemo;
  /**
   * Run the full pass even when the steady-state memo says nothing changed (a periodic resync,
   * KubeVela's `--application-re-sync-period`). @default false
   */
  readonly fullResync?: boolean;
}

/** Points Rollouts of `helm` components at the chart's real Deployment/Service/Ingress. */
async function resolveChartWorkloads(
  manifests: readonly ComponentManifest[],
  charts: HelmChartSource,
): Promise<readonly ComponentManifest[]> {
  const urls = helmRepositoryUrls(manifests);
  if (urls.length === 0) return manifests;
  await charts.prefetch(urls);
  // Corrections are silent here: `dry-run --expand-charts` shows them to people.
  return resolveHelmWorkloads(manifests, charts, { unavailableChart: "keep" }).manifests;
}

/** The result of one reconcile pass. */
export interface ReconcileOutcome {
  readonly app: KubeObject;
  /** `status.status` */
  readonly phase: string;
  readonly workflow?: WorkflowStatus;
  /** Whether the pass wrote anything (a fixed point is a pass that writes nothing). */
  readonly wrote: boolean;
  /** When time alone moves the workflow on (backoff, timed suspend, timeout). */
  readonly nextWakeAt?: string;
  /** Only a person (`workflow resume`) moves it on. */
  readonly waitingForPerson: boolean;
  readonly services: readonly ServiceHealth[];
  /** The pass found the app as its last full pass left it ({@link ReconcilerDeps.steadyState}) and skipped that pass. */
  readonly skipped?: boolean;
  /** A step analysis failed (the release was rolled back) during this run to a fixed point. */
  readonly analysisFailed?: string;
}

/** The ApplicationInput of a stored Application object (validated: the cluster may hold anything kubectl applied). */
export function applicationInputOf(app: KubeObject, check?: SchemaCheck): ApplicationInput {
  const { application, issues } = validateApplication(
    {
      apiVersion: app.apiVersion,
      kind: app.kind,
      metadata: {
        name: app.metadata.name,
        ...(app.metadata.namespace === undefined ? {} : { namespace: app.metadata.namespace }),
        ...(app.metadata.labels === undefined ? {} : { labels: app.metadata.labels }),
        ...(app.metadata.annotations === undefined ? {} : { annotations: app.metadata.annotations }),
      },
      spec: app.spec,
    },
    undefined,
    ...(check === undefined ? [] : [check]),
  );
  if (application === undefined) {
    const first = issues[0];
    throw new VelaError(
      first?.code ?? "E_APP_INVALID",
      `application "${app.metadata.name ?? ""}" in the cluster is invalid: ${first?.message ?? "unknown problem"}`,
      {
        ...(first?.path === undefined ? {} : { path: first.path }),
        hint: "fix the Application and apply it again with vela-ts up -f app.yaml",
      },
    );
  }
  return application;
}

function snapshotOfApp(app: KubeObject): ApplicationSnapshot {
  const labels = Object.fromEntries(
    Object.entries(app.metadata.labels ?? {}).filter(([key]) => !key.startsWith("app.oam.dev/")),
  );
  // The rollback marker says where the spec came from; it is not part of what is released.
  const annotations =
    app.metadata.annotations === undefined
      ? undefined
      : Object.fromEntries(Object.entries(app.metadata.annotations).filter(([key]) => key !== ANNOTATION_ROLLBACK_TO));
  return {
    apiVersion: app.apiVersion,
    kind: app.kind,
    metadata: {
      name: app.metadata.name ?? "",
      namespace: app.metadata.namespace ?? "default",
      ...(Object.keys(labels).length === 0 ? {} : { labels }),
      ...(annotations === undefined || Object.keys(annotations).length === 0 ? {} : { annotations }),
    },
    spec: (app.spec as JsonObject | undefined) ?? {},
  };
}

/** The revision objects' stored snapshot pieces. */
function storedSpec(revision: KubeObject): JsonObject {
  const application = (revision.spec as JsonObject | undefined)?.application;
  return isJsonObject(application) && isJsonObject(application.spec) ? application.spec : {};
}

function storedDefinitions(revision: KubeObject): DefinitionSnapshots {
  const spec = (revision.spec as JsonObject | undefined) ?? {};
  const pick = (key: string): Record<string, JsonObject> =>
    isJsonObject(spec[key]) ? (spec[key] as Record<string, JsonObject>) : {};
  return {
    componentDefinitions: pick("componentDefinitions"),
    traitDefinitions: pick("traitDefinitions"),
    policyDefinitions: pick("policyDefinitions"),
    workflowStepDefinitions: pick("workflowStepDefinitions"),
  };
}

function storedComponentRevisions(revision: KubeObject | undefined): Record<string, ComponentRevision> {
  const value = (revision?.spec as JsonObject | undefined)?.componentRevisions;
  return isJsonObject(value) ? (value as unknown as Record<string, ComponentRevision>) : {};
}

/** A workflow status without `lastExecuteTime`s, for telling real changes from re-executions. */
function withoutExecuteTimes(workflow: WorkflowStatus): JsonObject {
  const strip = (step: JsonObject): JsonObject => {
    const { lastExecuteTime: _last, ...rest } = step;
    return Array.isArray(rest.subSteps)
      ? { ...rest, subSteps: rest.subSteps.map((sub) => strip(sub as JsonObject)) }
      : rest;
  };
  return {
    ...(workflow as unknown as JsonObject),
    steps: workflow.steps.map((step) => strip(step as unknown as JsonObject)),
  };
}

function workflowOf(status: JsonObject): WorkflowStatus | undefined {
  return isJsonObject(status.workflow) ? (status.workflow as unknown as WorkflowStatus) : undefined;
}

/** The Appfile to render for a revision and the registry it renders with. */
interface RenderPlan {
  readonly appfile: Appfile;
  readonly registry: DefinitionRegistry;
  readonly manifests: readonly ComponentManifest[];
  readonly revision: RevisionRecord;
  /** What the manifests were rendered with (a step rendering a component again uses the same). */
  readonly renderOptions: RenderOptions;
}

/**
 * Renders the release: the live spec, or — when the release is pinned (publishVersion unchanged,
 * spec edited) or the live definitions differ from the revision's — the revision's stored spec
 * rendered with the revision's own definitions, with the *current* ops-only traits merged in.
 */
function planRender(
  app: KubeObject,
  input: ApplicationInput,
  liveAppfile: Appfile,
  revisionObject: KubeObject,
  record: RevisionRecord,
  pinned: boolean,
  deps: ReconcilerDeps,
  isOpsOnly: (type: string) => boolean,
): RenderPlan {
  let appfile = liveAppfile;
  let registry = deps.registry;
  if (pinned) {
    registry = registryFromSnapshot(storedDefinitions(revisionObject), deps.registry, record.name);
    const spec = mergeOpsOnlyTraits(storedSpec(revisionObject), (app.spec as JsonObject | undefined) ?? {}, isOpsOnly);
    appfile = bindAppfile({ ...input, spec: spec as unknown as ApplicationInput["spec"] }, registry, {
      namespace: app.metadata.namespace ?? "default",
    });
  }
  const componentRevisions = Object.fromEntries(
    Object.entries(storedComponentRevisions(revisionObject)).map(([name, revision]) => [name, revision.name]),
  );
  const renderOptions: RenderOptions = {
    appRevision: record.name,
    appRevisionNum: record.number,
    componentRevisions,
    ...(record.publishVersion === undefined ? {} : { publishVersion: record.publishVersion }),
  };
  const manifests = renderAppfile(appfile, renderOptions);
  return { appfile, registry, manifests, revision: record, renderOptions };
}

/**
 * One reconcile pass of an Application (KubeVela's Reconcile: parse → bind → revision → render →
 * workflow → apply/GC → status). Re-entrant: reads everything from the cluster, writes status after
 * every step, and is safe to run again after a crash at any point. With a
 * {@link ReconcilerDeps.steadyState} memo, an app found exactly as its last full pass left it is
 * not bound, rendered or applied again (unless `fullResync`).
 */
export async function reconcileApplication(
  name: string,
  namespace: string,
  deps: ReconcilerDeps,
): Promise<ReconcileOutcome> {
  const memo = deps.steadyState;
  if (memo === undefined) return (await runFullPass(name, namespace, deps)).outcome;
  if (deps.fullResync !== true) {
    const app = await memo.recall(name, namespace, deps.cluster, deps.registry);
    if (
      app !== undefined &&
      app.kind === APPLICATION_KIND &&
      app.metadata.name === name &&
      app.metadata.namespace === namespace
    )
      return steadyOutcome(app);
  }
  const recorder = new PassRecorder(deps.cluster, deps.clock, deps.http);
  let pass: FullPass;
  try {
    pass = await runFullPass(name, namespace, {
      ...deps,
      cluster: recorder.cluster,
      clock: recorder.clock,
      http: recorder.http,
    });
  } catch (error) {
    memo.forget(name, namespace);
    throw error;
  }
  if (pass.steady === undefined) memo.forget(name, namespace);
  else memo.remember(name, namespace, recorder, pass.steady);
  return pass.outcome;
}

/** What a skipped pass returns: what the last full pass saved in the (unchanged) status. */
function steadyOutcome(app: KubeObject): ReconcileOutcome {
  const status = statusOf(app);
  const workflow = workflowOf(status);
  return {
    app,
    phase: typeof status.status === "string" ? status.status : "",
    ...(workflow === undefined ? {} : { workflow }),
    wrote: false,
    waitingForPerson: false,
    services: Array.isArray(status.services) ? (status.services as unknown as ServiceHealth[]) : [],
    skipped: true,
  };
}

/** A full pass's outcome, and — when it ended at a steady state — the definitions it bound. */
interface FullPass {
  readonly outcome: ReconcileOutcome;
  readonly steady?: readonly UsedDefinition[];
}

/**
 * The revision the app runs now (`status.latestRevision`) when the decision needs no other: the same
 * hash, or a pinned release. Only a new revision needs the whole history (its number, component
 * revisions, pruning), so a pass over an unchanged app reads one revision, not all of them.
 */
async function currentRevisionDecision(
  cluster: Cluster,
  name: string,
  namespace: string,
  currentName: string | undefined,
  hash: string,
  publishVersion: string | undefined,
): Promise<{ readonly decision: RevisionDecision; readonly object: KubeObject } | undefined> {
  if (currentName === undefined) return undefined;
  const object = await cluster.get(applicationRevisionRef(currentName, namespace));
  if (object === undefined) return undefined;
  const decision = decideRevision(name, [revisionRecordOf(object)], hash, publishVersion, currentName);
  return decision.kind === "new" ? undefined : { decision, object };
}

async function runFullPass(name: string, namespace: string, deps: ReconcilerDeps): Promise<FullPass> {
  const { cluster, clock } = deps;
  let app = await getApplication(cluster, name, namespace);
  assertApplicationStatus(name, app.status as JsonValue | undefined);
  let wrote = false;
  // A rollback whose command was killed between its spec and status writes: finish it first, so
  // the rolled-back spec is never taken for a new release.
  const completed = await completePendingRollback(cluster, app, clock);
  if (completed !== app) {
    app = completed;
    wrote = true;
  }
  // Only top-level members of `status` are ever replaced, so a shallow copy keeps `app` as read.
  const status: JsonObject = { ...statusOf(app) };
  const input = applicationInputOf(app, deps.applicationCheck);
  const liveAppfile = bindAppfile(input, deps.registry, { namespace });
  const isOpsOnly = (type: string): boolean => deps.registry.findTrait(type)?.skipRevisionAffect === true;

  // Revision: record a new one before anything is applied, so a crash after this point resumes it.
  const snapshot = buildRevisionSnapshot(snapshotOfApp(app), definitionsUsed(liveAppfile), isOpsOnly);
  const hash = computeRevisionHash(snapshot);
  const publishVersion = app.metadata.annotations?.[ANNOTATION_PUBLISH_VERSION];
  const latest = isJsonObject(status.latestRevision) ? status.latestRevision : undefined;
  const currentName = typeof latest?.name === "string" ? latest.name : undefined;
  const current = await currentRevisionDecision(cluster, name, namespace, currentName, hash, publishVersion);
  const revisionObjects =
    current === undefined ? await listApplicationRevisions(cluster, name, namespace) : [current.object];
  const history = revisionObjects.map(revisionRecordOf);
  const decision = current?.decision ?? decideRevision(name, history, hash, publishVersion, currentName);

  let record: RevisionRecord;
  let revisionObject: KubeObject;
  if (decision.kind === "new") {
    const previous = revisionObjects.find((object) => object.metadata.name === currentName) ?? revisionObjects.at(-1);
    const componentRevisions = nextComponentRevisions(
      snapshot.application.spec,
      storedComponentRevisions(previous),
      revisionObjects.map(storedComponentRevisions),
    );
    record = {
      name: decision.name,
      number: decision.number,
      hash,
      succeeded: false,
      ...(publishVersion === undefined ? {} : { publishVersion }),
    };
    // Before the new revision is read: the previous run may belong to a revision of the same name
    // (every revision was pruned), and the object kept below must be the one after this write.
    await finishPreviousRun(cluster, namespace, status);
    const existing = await cluster.get(applicationRevisionRef(decision.name, namespace));
    revisionObject =
      existing ??
      (await cluster.create(
        buildApplicationRevision(
          app,
          record,
          snapshot,
          { opsOnlyTraits: opsOnlyTraitsOf((app.spec as JsonObject | undefined) ?? {}, isOpsOnly), componentRevisions },
          formatTimestamp(clock.now()),
        ),
      ));
    status.latestRevision = { name: record.name, revision: record.number, revisionHash: hash };
    delete status.workflow;
    delete status.rollback;
    status.status = "runningWorkflow";
    app = await saveApplicationStatus(cluster, app, status);
    wrote = true;
    await pruneRevisions(cluster, name, namespace, [...history, record], deps.revisionLimit ?? 10, record.name);
  } else {
    record = decision.revision;
    const found = revisionObjects.find((object) => object.metadata.name === record.name);
    if (found === undefined)
      throw new VelaError("E_REVISION_NOT_FOUND", `revision ${record.name} of application ${name} is missing`, {
        hint: `run vela-ts up -f app.yaml again`,
      });
    revisionObject = found;
    if (currentName !== record.name) {
      status.latestRevision = { name: record.name, revision: record.number, revisionHash: record.hash };
      app = await saveApplicationStatus(cluster, app, status);
      wrote = true;
    }
  }

  const rendered = planRender(
    app,
    input,
    liveAppfile,
    revisionObject,
    record,
    decision.kind === "pinned",
    deps,
    isOpsOnly,
  );
  const plan =
    deps.charts === undefined
      ? rendered
      : { ...rendered, manifests: await resolveChartWorkloads(rendered.manifests, deps.charts) };
  const manifestsByName = new Map(plan.manifests.map((manifest) => [manifest.name, manifest]));
  const applyOnce = applyOncePolicyOf(plan.appfile.policies);
  const applyOnceOptions = applyOnce === undefined ? {} : { applyOnce };
  const workflowSpec = resolveWorkflow({
    components: plan.appfile.components.map((component) => ({
      name: component.name,
      dependsOn: component.dependsOn,
      inputs: component.inputs,
      outputs: component.outputs,
    })),
    workflow: input.spec.workflow ?? undefined,
  });

  const trackerRef = resourceTrackerRef(name, namespace, record.name);
  // Read once: within a pass only recordApplied writes the tracker, and it keeps what it wrote.
  let tracker: KubeObject | undefined;
  let trackerRead = false;
  const currentTracker = async (): Promise<KubeObject | undefined> => {
    if (!trackerRead) tracker = await cluster.get(trackerRef);
    trackerRead = true;
    return tracker;
  };
  const recordApplied = async (resources: readonly TrackedResource[]): Promise<void> => {
    const before = await currentTracker();
    const current = before === undefined ? [] : trackedResources(before);
    const merged = mergeTracked(current, resources);
    if (before !== undefined && jsonEqual(current, merged)) return;
    tracker = await cluster.apply(
      buildResourceTracker(
        { name, namespace, ...(app.metadata.generation === undefined ? {} : { generation: app.metadata.generation }) },
        record.name,
        merged,
      ),
    );
    wrote = true;
  };

  /** Server-side apply of one object as vela-ts; records whether it changed. */
  const applyObject = async (object: KubeObject): Promise<KubeObject> => {
    const before = await cluster.get(refOf(object));
    const after = await cluster.apply(object, { fieldManager: FIELD_MANAGER, force: true });
    if (before?.metadata.resourceVersion !== after.metadata.resourceVersion) wrote = true;
    return after;
  };

  /** The component rendered again with traits a step attaches (`canary-deploy`), from the revision's definitions. */
  const renderWithTraits = async (
    componentName: string,
    traits: readonly ExtraTrait[],
  ): Promise<ComponentManifest | undefined> => {
    const application = plan.appfile.application;
    const components = application.spec.components.map((component) =>
      component.name === componentName
        ? { ...component, traits: [...(component.traits ?? []), ...traits.map((trait) => ({ ...trait }))] }
        : component,
    );
    const appfile = bindAppfile({ ...application, spec: { ...application.spec, components } }, plan.registry, {
      namespace,
    });
    const manifests = renderAppfile(appfile, plan.renderOptions);
    const resolved = deps.charts === undefined ? manifests : await resolveChartWorkloads(manifests, deps.charts);
    return resolved.find((manifest) => manifest.name === componentName);
  };

  const applyComponent = async (
    componentName: string,
    options?: ApplyComponentOptions,
  ): Promise<ApplyComponentResult> => {
    const extraTraits = extraTraitsOf(options);
    const rendered =
      extraTraits === undefined
        ? manifestsByName.get(componentName)
        : await renderWithTraits(componentName, extraTraits);
    if (rendered === undefined) {
      return {
        applied: false,
        healthy: false,
        message: `component "${componentName}" is not part of application ${name}`,
      };
    }
    const patches = outputPatchesOf(options);
    const manifest = patches === undefined ? rendered : patchComponentOutputs(rendered, patches);
    // Record before applying: GC and `delete` must know every object that may exist.
    await recordApplied(trackedResourcesOf(manifest));
    if (extraTraits !== undefined) {
      // The attached traits' objects (a Rollout) go first, so they are in place when the workload changes.
      const declared = manifestsByName.get(componentName)?.traits.length ?? 0;
      const attached = manifest.traits.filter((trait) => trait.index >= declared);
      for (const trait of attached) for (const output of trait.outputs) await applyObject(output.object);
    }
    if ((await applyComponentObjects(cluster, manifest, { ...applyOnceOptions, stage: "onUpdate" })) > 0) wrote = true;
    const { health, output } = await inspectComponent(cluster, manifest, plan.registry);
    return {
      applied: true,
      healthy: health.healthy,
      ...(health.healthy ? {} : { message: describeUnhealthy(health) }),
      ...(isJsonObject(output) ? { output } : {}),
    };
  };

  // Workflow: a run belongs to one revision; a different revision starts a fresh run.
  let workflow = workflowOf(status);
  if (workflow !== undefined && workflow.appRevision !== record.name) workflow = undefined;
  let nextWakeAt: string | undefined;
  let waitingForPerson = false;
  if (workflow === undefined || !workflow.finished) {
    const result = await advanceWorkflow(workflowSpec, workflow, {
      clock,
      registry: stepRegistryFor(workflowSpec, plan.registry, deps.extraStepRunners ?? []),
      app: {
        appName: name,
        namespace,
        appRevision: record.name,
        appRevisionNum: record.number,
        ...(record.publishVersion === undefined ? {} : { publishVersion: record.publishVersion }),
        components: plan.appfile.components.map((component) => component.name),
      },
      hooks: {
        cluster,
        applyComponent: (componentName, options) => applyComponent(componentName, options),
        applyObject: async (object) => {
          // Objects a step applies by itself (apply-object, actions) are tracked without a
          // component: `delete` removes them, GC keeps them while the current run has them.
          await recordApplied([untrackedComponentResource(object)]);
          return applyObject(object);
        },
        renderActions: (type, parameter, context) =>
          renderStepActions(
            plan.registry.getWorkflowStep(type),
            plan.registry,
            parameter,
            stepTemplateContext(context, {
              components: plan.appfile.application.spec.components as unknown as JsonValue,
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
              components: plan.appfile.application.spec.components as unknown as JsonValue,
              appLabels: plan.appfile.labels,
              appAnnotations: plan.appfile.annotations,
            }),
            componentsByName(plan.appfile.application.spec.components as unknown as JsonObject[]),
          ),
        http: deps.http,
        ...(deps.log === undefined ? {} : { log: deps.log }),
      },
      saveStatus: async (next) => {
        // A step that is still waiting only moves its lastExecuteTime: not a change worth a write,
        // and counting it would keep the fixed-point loop spinning on a wall clock.
        const saved = workflowOf(statusOf(app));
        if (saved !== undefined && jsonEqual(withoutExecuteTimes(saved), withoutExecuteTimes(next))) return;
        status.workflow = next as unknown as JsonObject;
        status.status = deriveAppPhase(derivePhase(workflowSpec, next).phase, false);
        app = await saveApplicationStatus(cluster, app, status);
        wrote = true;
      },
    });
    workflow = result.status;
    nextWakeAt = result.nextWakeAt;
    waitingForPerson = result.waitingForPerson;
  } else {
    // State keep (KubeVela's resource keeper): what the run's steps applied is re-applied every pass,
    // which is also how ops-only trait changes (no new revision, no workflow re-run) reach the
    // cluster. Only components a step applied (the revision's tracker): a run that failed, was
    // terminated or skipped a step never ships what its unrun steps would have applied.
    // Objects a step applied with patches (canary-rollout) are kept as the step left them.
    const kept = await currentTracker();
    const recorded = kept === undefined ? [] : trackedResources(kept);
    const appliedBySteps = new Set(recorded.map((resource) => resource.component));
    // `apply-once` with no rules: what the steps applied is not re-applied (every drift is kept).
    const keep = stateKeepEnabled(applyOnce) ? plan.manifests : [];
    for (const manifest of keep
      .filter((rendered) => appliedBySteps.has(rendered.name))
      .map((rendered) => keepStepPatches(rendered, recorded))) {
      await recordApplied(trackedResourcesOf(manifest));
      if ((await applyComponentObjects(cluster, manifest, { ...applyOnceOptions, stage: "onStateKeep" })) > 0)
        wrote = true;
    }
    // A Rollout whose cancel finished but still says StepPaused (KubeVela #7170) is reset here,
    // once its controller is done with it; one a rollback disabled is re-enabled once its workload
    // rolled back (the component's objects applied and observed, the rolling update done).
    const rollouts = await findAppRollouts(cluster, name, namespace);
    if ((await resetStaleRolloutSteps(cluster, rollouts)) > 0) wrote = true;
    if (rollouts.some(hasPendingFastTrack)) {
      const settled = new Set<string>();
      for (const manifest of plan.manifests)
        if ((await componentHealth(cluster, manifest, plan.registry)).workloadHealthy) settled.add(manifest.name);
      const componentReady = (component: string | undefined): boolean =>
        component === undefined || settled.has(component);
      if ((await finishFastRollbacks(cluster, rollouts, componentReady)) > 0) wrote = true;
    }
  }

  const phase = derivePhase(workflowSpec, workflow);
  // Health of what the run's steps applied (KubeVela lists a component once it was dispatched): a
  // component whose step was skipped or has not run yet is not this release's, and not unhealthy.
  // A component that writes nothing (ref-objects only refers to objects) is always reported.
  const dispatched = await currentTracker();
  const dispatchedComponents = new Set(
    (dispatched === undefined ? [] : trackedResources(dispatched)).map((resource) => resource.component),
  );
  const services: ServiceHealth[] = [];
  for (const manifest of plan.manifests)
    if (dispatchedComponents.has(manifest.name) || trackedResourcesOf(manifest).length === 0)
      services.push(await componentHealth(cluster, manifest, plan.registry));
  const healthy = services.every((service) => service.healthy);

  if (phase.phase === "succeeded") {
    await markRevisionObject(cluster, revisionObject, true, workflow);
    // What this revision renders, and what its steps applied besides (apply-object, actions).
    const applied = await currentTracker();
    const current = mergeTracked(
      applied === undefined ? [] : trackedResources(applied),
      ...plan.manifests.map(trackedResourcesOf),
    );
    wrote = (await collectGarbage(cluster, name, namespace, trackerRef.name, current)) || wrote;
  }

  const savedWorkflow = workflowOf(statusOf(app));
  const unchanged =
    savedWorkflow !== undefined &&
    workflow !== undefined &&
    jsonEqual(withoutExecuteTimes(savedWorkflow), withoutExecuteTimes(workflow));
  status.workflow = (unchanged ? savedWorkflow : workflow) as unknown as JsonObject;
  status.services = services as unknown as JsonValue;
  status.status = deriveAppPhase(phase.phase, healthy);
  status.observedGeneration = app.metadata.generation ?? 1;
  if (!jsonEqual(status, statusOf(app))) {
    app = await saveApplicationStatus(cluster, app, status);
    wrote = true;
  }
  const outcome: ReconcileOutcome = {
    app,
    phase: typeof status.status === "string" ? status.status : "",
    workflow,
    wrote,
    ...(nextWakeAt === undefined ? {} : { nextWakeAt }),
    waitingForPerson,
    services,
  };
  // A steady state: the release is the current revision, finished and healthy, and nothing is due.
  // Pinned releases render with the revision's definitions and chart-resolved ones read chart
  // mirrors: neither is covered by the memo's fingerprints, so they always get full passes.
  const steady =
    decision.kind === "unchanged" &&
    !wrote &&
    workflow?.finished === true &&
    nextWakeAt === undefined &&
    !waitingForPerson &&
    healthy &&
    (deps.charts === undefined || helmRepositoryUrls(rendered.manifests).length === 0);
  return steady ? { outcome, steady: usedDefinitions(liveAppfile, deps.registry) } : { outcome };
}

/** Copies a finished run's final status into its revision (KubeVela keeps it on the ApplicationRevision). */
async function finishPreviousRun(cluster: Cluster, namespace: string, status: JsonObject): Promise<void> {
  const previous = workflowOf(status);
  if (previous === undefined) return;
  await markRevision(cluster, namespace, previous.appRevision, previous.status === "succeeded", previous);
}

async function pruneRevisions(
  cluster: Cluster,
  name: string,
  namespace: string,
  history: readonly RevisionRecord[],
  limit: number,
  current: string,
): Promise<void> {
  for (const revisionName of revisionsToPrune(history, limit, new Set([current]))) {
    await cluster.delete(applicationRevisionRef(revisionName, namespace));
  }
}

/** Deletes what other revisions applied and this one does not render; returns whether anything was deleted. */
async function collectGarbage(
  cluster: Cluster,
  appName: string,
  namespace: string,
  currentTracker: string,
  current: readonly TrackedResource[],
): Promise<boolean> {
  // Trackers are cluster-scoped: the namespace label keeps same-named apps of other namespaces apart.
  const trackers = await cluster.list("core.oam.dev/v1beta1", "ResourceTracker", {
    labelSelector: `${LABEL_APP_NAME}=${appName},${LABEL_APP_NAMESPACE}=${namespace}`,
  });
  const older = trackers.filter((tracker) => tracker.metadata.name !== currentTracker);
  let deleted = false;
  for (const ref of resourcesToCollect(older, current)) deleted = (await cluster.delete(ref)) || deleted;
  return deleted;
}
