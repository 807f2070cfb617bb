/**
 * The Application reconciler: one pass of KubeVela's Reconcile as stages (parse → bind → policies →
 * revision → render → workflow → apply/GC → status), each setting its condition, and the steady-state
 * memo that skips a pass over an unchanged app. The stages themselves live in their own files; this
 * one holds their order and what a failure at each one leaves in the status.
 */
import { bindAppfile, type Appfile } from "../appfile/index.js";
import type { Cluster } from "../cluster/cluster.js";
import type { EventRecorder } from "../cluster/events.js";
import { LOCAL_CLUSTER_NAME, resourcesToCollect, type TrackedResource } from "../cluster/tracker.js";
import type { DefinitionRegistry } from "../definitions/index.js";
import { ConflictError, InternalError, VelaError } from "../errors/index.js";
import {
  assertApplicationStatus,
  validateApplication,
  type ApplicationInput,
  type SchemaCheck,
} from "../model/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE } from "../model/labels.js";
import { storedServicesOf } from "./component-runtime.js";
import { jsonEqual, type Clock, type JsonValue, toJsonObject, toJsonValue } from "../util/index.js";
import {
  deriveAppPhase,
  derivePhase,
  storedWorkflowOf,
  type HttpRequest,
  type HttpResponse,
  type StepRunner,
  type WorkflowStatus,
} from "../workflow/index.js";
import { APPLICATION_KIND, getApplication, statusOf } from "./application-object.js";
import type { HelmChartSource } from "./chart-expansion.js";
import { hubOnlyGateway, type ClusterGateway } from "./cluster-gateway.js";
import { componentHealth, mergeTracked, trackedResourcesOf, type ServiceHealth } from "./component-runtime.js";
import { readyCondition, workflowConditions, type ConditionType } from "./conditions.js";
import { usedDefinitions } from "./definitions-for-app.js";
import { PassState } from "./pass-state.js";
import { ReleaseApplier, trackedInCluster } from "./release-applier.js";
import { bindRelease, renderRelease, type RenderPlan } from "./render-stage.js";
import { decideRelease, type RevisionStage } from "./revision-stage.js";
import { leaveShared, ownerOf, sharedByOf, sharerKey } from "./shared-resource.js";
import {
  componentTypesOf,
  garbageCollectPolicyOf,
  gcDeleteOptions,
  gcRuleFor,
  type GarbageCollectPolicy,
} from "./garbage-collect.js";
import { markRevisionObject } from "./revision-objects.js";
import { completePendingRollback } from "./rollback.js";
import { PassRecorder, SteadyStateMemo, type UsedDefinition } from "./steady-state.js";
import { runWorkflowStage, withoutExecuteTimes, type WorkflowStage } from "./workflow-stage.js";

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
  /**
   * The hub and its member clusters, where deploy steps with topology policies place components.
   * @default the hub alone
   */
  readonly clusters?: ClusterGateway;
  /** How the pass's events are recorded. @default each looked for first (`recordEvent`) */
  readonly events?: EventRecorder;
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
  const workflow = storedWorkflowOf(status);
  return {
    app,
    phase: typeof status.status === "string" ? status.status : "",
    ...(workflow === undefined ? {} : { workflow }),
    wrote: false,
    waitingForPerson: false,
    services: storedServicesOf(app),
    skipped: true,
  };
}

/** A full pass's outcome, and — when it ended at a steady state — the definitions it bound. */
interface FullPass {
  readonly outcome: ReconcileOutcome;
  readonly steady?: readonly UsedDefinition[];
}

/** A stage's result, or the typed failure that ended the pass there. */
export type StageResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly stage: ConditionType; readonly error: VelaError };

/**
 * Runs one stage. An expected failure (a `VelaError`) becomes the stage's failure; a conflict is
 * not one (the pass ends and runs again from a fresh read, as KubeVela requeues), nor is a bug.
 */
async function runStage<T>(stage: ConditionType, run: () => Promise<T> | T): Promise<StageResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (!(error instanceof VelaError) || error instanceof ConflictError || error instanceof InternalError) throw error;
    return { ok: false, stage, error };
  }
}

/** Ends the pass at a failed stage: its condition goes False with a Warning event, and the stage's error is thrown. */
async function failPass(
  pass: PassState,
  failure: { readonly stage: ConditionType; readonly error: VelaError },
): Promise<never> {
  await pass.recordFailure(failure.stage, failure.error);
  throw failure.error;
}

/** The parse stage's result: the validated spec and its Appfile bound with the live definitions. */
interface Parsed {
  readonly input: ApplicationInput;
  readonly liveAppfile: Appfile;
}

/** Parse and bind (KubeVela's `GenerateAppFile`): the stored Application validated, every type resolved. */
function parseApplication(pass: PassState, deps: ReconcilerDeps): Parsed {
  const input = applicationInputOf(pass.app, deps.applicationCheck);
  const liveAppfile = bindAppfile(input, deps.registry, { namespace: pass.app.metadata.namespace ?? "default" });
  pass.setCondition(readyCondition("Parsed"));
  return { input, liveAppfile };
}

/**
 * One full pass, stage by stage: parse → revision → policy → render → workflow → apply/GC → status.
 * Each stage returns its result or a typed failure; each sets its condition on the Application, and
 * a failed one ends the pass with its condition False and a Warning event ({@link failPass}).
 */
async function runFullPass(name: string, namespace: string, deps: ReconcilerDeps): Promise<FullPass> {
  const { cluster, clock } = deps;
  let app = await getApplication(cluster, name, namespace);
  assertApplicationStatus(name, app.status as JsonValue | undefined);
  // A rollback whose command was killed between its spec and status writes: finish it first, so
  // the rolled-back spec is never taken for a new release.
  const completed = await completePendingRollback(cluster, app, clock);
  const rolledBack = completed !== app;
  app = completed;
  const pass = new PassState(cluster, clock, app, deps.log, deps.events);
  pass.wrote = rolledBack;
  const isOpsOnly = (type: string): boolean => deps.registry.findTrait(type)?.skipRevisionAffect === true;

  const parsed = await runStage("Parsed", () => parseApplication(pass, deps));
  if (!parsed.ok) return failPass(pass, parsed);
  const { input, liveAppfile } = parsed.value;

  const release = await runStage("Revision", () =>
    decideRelease(pass, {
      cluster,
      clock,
      liveAppfile,
      isOpsOnly,
      // The app's garbage-collect policy overrides the controller's limit, as KubeVela's does.
      revisionLimit: garbageCollectPolicyOf(liveAppfile.policies)?.applicationRevisionLimit ?? deps.revisionLimit ?? 10,
    }),
  );
  if (!release.ok) return failPass(pass, release);

  const bound = await runStage("Policy", () => {
    const result = bindRelease(pass.app, input, liveAppfile, release.value, deps.registry, isOpsOnly);
    pass.setCondition(readyCondition("Policy"));
    return result;
  });
  if (!bound.ok) return failPass(pass, bound);

  const gateway = deps.clusters ?? hubOnlyGateway(cluster);
  const rendered = await runStage("Render", async () => {
    const plan = await renderRelease(bound.value, release.value, input, deps.charts, await gateway.known());
    pass.setCondition(readyCondition("Render"));
    return plan;
  });
  if (!rendered.ok) return failPass(pass, rendered);
  const plan = rendered.value;

  const applier = new ReleaseApplier(cluster, pass, plan, release.value.record.name, deps.charts, gateway);
  const ran = await runStage("WorkflowFinished", () =>
    runWorkflowStage(
      pass,
      { cluster, clock, http: deps.http, extraStepRunners: deps.extraStepRunners ?? [], ...optionalLog(deps) },
      release.value,
      plan,
      applier,
    ),
  );
  if (!ran.ok) return failPass(pass, ran);

  const finished = await runStage("Ready", () => finishRelease(pass, cluster, applier, release.value, plan, ran.value));
  if (!finished.ok) return failPass(pass, finished);
  const { outcome, healthy } = finished.value;

  // A steady state: the release is the current revision, finished and healthy, and nothing is due.
  // Pinned releases render with the revision's definitions and chart-resolved ones read chart
  // mirrors: neither is covered by the memo's fingerprints, so they always get full passes.
  const steady =
    release.value.decision.kind === "unchanged" &&
    !outcome.wrote &&
    outcome.workflow?.finished === true &&
    outcome.nextWakeAt === undefined &&
    !outcome.waitingForPerson &&
    healthy &&
    !plan.readCharts &&
    // The memo fingerprints what the hub holds: member clusters' objects are not covered.
    plan.placements.every((placement) => placement.cluster === LOCAL_CLUSTER_NAME);
  return steady ? { outcome, steady: usedDefinitions(liveAppfile, deps.registry) } : { outcome };
}

function optionalLog(deps: ReconcilerDeps): { readonly log?: (message: string) => void } {
  return deps.log === undefined ? {} : { log: deps.log };
}

/**
 * Apply/GC and status: the health of what the run's steps applied, a finished run's revision marked
 * and what older revisions applied collected, then the status written once with the `WorkflowFinished`
 * and `Ready` conditions.
 */
async function finishRelease(
  pass: PassState,
  cluster: Cluster,
  applier: ReleaseApplier,
  release: RevisionStage,
  plan: RenderPlan,
  ran: WorkflowStage,
): Promise<{ readonly outcome: ReconcileOutcome; readonly healthy: boolean }> {
  const { workflow } = ran;
  const name = pass.app.metadata.name ?? "";
  const namespace = pass.app.metadata.namespace ?? "default";
  const phase = derivePhase(plan.workflowSpec, workflow);
  const services = await releaseHealth(cluster, applier, plan);
  const healthy = services.every((service) => service.healthy);

  for (const update of workflowConditions(phase.phase, phase.message, release.record.name)) pass.setCondition(update);
  const gcPolicy = garbageCollectPolicyOf(plan.appfile.policies);
  if (phase.phase === "succeeded") await markRevisionObject(cluster, release.object, true, workflow);
  if (phase.phase === "succeeded" || (phase.phase === "failed" && gcPolicy?.continueOnFailure === true)) {
    // What this revision renders, and what its steps applied besides (apply-object, actions).
    const current = mergeTracked(await applier.tracked(), ...renderedResources(plan));
    const components = componentTypesOf(plan.appfile.application.spec.components);
    if (await collectGarbage(applier, { name, namespace, current, policy: gcPolicy, components })) pass.wrote = true;
  }
  if (phase.phase === "succeeded") pass.setCondition(readyCondition("Ready"));

  const { status } = pass;
  const savedWorkflow = storedWorkflowOf(statusOf(pass.app));
  const unchanged =
    savedWorkflow !== undefined &&
    workflow !== undefined &&
    jsonEqual(withoutExecuteTimes(savedWorkflow), withoutExecuteTimes(workflow));
  // WorkflowStatus and ServiceHealth are JSON records without an index signature.
  status.workflow = toJsonObject(unchanged ? savedWorkflow : workflow);
  status.services = toJsonValue(services);
  status.status = deriveAppPhase(phase.phase, healthy);
  status.observedGeneration = pass.app.metadata.generation ?? 1;
  if (!jsonEqual(status, statusOf(pass.app))) await pass.save();
  const outcome: ReconcileOutcome = {
    app: pass.app,
    phase: typeof status.status === "string" ? status.status : "",
    workflow,
    wrote: pass.wrote,
    ...(ran.nextWakeAt === undefined ? {} : { nextWakeAt: ran.nextWakeAt }),
    waitingForPerson: ran.waitingForPerson,
    services,
  };
  return { outcome, healthy };
}

/** What the release renders, where: each placement's objects in its cluster, else the hub's render. */
function renderedResources(plan: RenderPlan): TrackedResource[][] {
  if (plan.placements.length === 0) return plan.manifests.map(trackedResourcesOf);
  return plan.placements.flatMap((placement) =>
    placement.manifests.map((manifest) => trackedInCluster(trackedResourcesOf(manifest), placement.cluster)),
  );
}

/**
 * Health of what the run's steps applied (KubeVela lists a component once it was dispatched): a
 * component whose step was skipped or has not run yet is not this release's, and not unhealthy. A
 * component that writes nothing (ref-objects only refers to objects) is always reported. A placed
 * component is reported once per placement, read in its cluster (KubeVela's `services[].cluster`);
 * one whose cluster cannot be reached is reported unhealthy with the reason.
 */
async function releaseHealth(hub: Cluster, applier: ReleaseApplier, plan: RenderPlan): Promise<ServiceHealth[]> {
  const tracked = await applier.tracked();
  const services: ServiceHealth[] = [];
  if (plan.placements.length === 0) {
    const dispatched = new Set(tracked.map((resource) => resource.component));
    for (const manifest of plan.manifests)
      if (dispatched.has(manifest.name) || trackedResourcesOf(manifest).length === 0)
        services.push(await componentHealth(hub, manifest, plan.registry));
    return services;
  }
  for (const placement of plan.placements) {
    const dispatched = new Set(
      tracked
        .filter((resource) => (resource.cluster ?? LOCAL_CLUSTER_NAME) === placement.cluster)
        .map((resource) => resource.component),
    );
    for (const manifest of placement.manifests) {
      if (!dispatched.has(manifest.name) && trackedResourcesOf(manifest).length > 0) continue;
      const where = placement.cluster === LOCAL_CLUSTER_NAME ? {} : { cluster: placement.cluster };
      try {
        const health = await componentHealth(await applier.clusterOf(placement.cluster), manifest, plan.registry);
        services.push({ ...health, ...where });
      } catch (error) {
        if (!(error instanceof VelaError) || error instanceof ConflictError || error instanceof InternalError)
          throw error;
        services.push({
          name: manifest.name,
          namespace: placement.namespace,
          ...where,
          healthy: false,
          workloadHealthy: false,
          message: error.message,
          traits: [],
        });
      }
    }
  }
  return services;
}

/** What {@link collectGarbage} compares and how it decides. */
interface GarbageCollection {
  readonly name: string;
  readonly namespace: string;
  /** What the running revision renders or applied: never collected. */
  readonly current: readonly TrackedResource[];
  readonly policy: GarbageCollectPolicy | undefined;
  /** Component name → type, for rules selecting by `componentTypes`. */
  readonly components: ReadonlyMap<string, string>;
}

/**
 * Deletes what other revisions applied and this one does not render, each in its cluster, as the
 * app's `garbage-collect` policy says (nothing with `keepLegacyResource`; a resource whose rule says
 * `onAppDelete` or `never` stays, and so does the older tracker recording it); returns whether
 * anything was deleted. A member cluster out of reach keeps its leftovers: the older trackers stay
 * until a later pass reaches it.
 */
async function collectGarbage(applier: ReleaseApplier, gc: GarbageCollection): Promise<boolean> {
  if (gc.policy?.keepLegacyResource === true) return false;
  const hub = await applier.clusterOf(LOCAL_CLUSTER_NAME);
  // Trackers are cluster-scoped: the namespace label keeps same-named apps of other namespaces apart.
  const trackers = await hub.list("core.oam.dev/v1beta1", "ResourceTracker", {
    labelSelector: `${LABEL_APP_NAME}=${gc.name},${LABEL_APP_NAMESPACE}=${gc.namespace}`,
  });
  const older = trackers.filter((tracker) => tracker.metadata.name !== applier.trackerRef.name);
  let deleted = false;
  for (const { cluster, ref, resource } of resourcesToCollect(older, gc.current)) {
    const rule = gcRuleFor(gc.policy, resource, gc.components);
    if (rule !== undefined && rule.strategy !== "onAppUpdate") continue;
    let target: Cluster;
    try {
      target = await applier.clusterOf(cluster);
    } catch (error) {
      if (error instanceof VelaError && !(error instanceof InternalError)) continue;
      throw error;
    }
    // A shared object another app still uses is left to it (`app.oam.dev/shared-by`), and so is
    // one another app owns now (handed over, or taken over).
    const live = await target.get(ref);
    if (live === undefined) continue;
    const self = sharerKey(gc);
    if (sharedByOf(live).includes(self) && (await leaveShared(target, live, self)) !== "delete") continue;
    const owner = ownerOf(live);
    if (owner !== undefined && owner !== self) continue;
    deleted = (await target.delete(ref, gcDeleteOptions(rule))) || deleted;
  }
  return deleted;
}
