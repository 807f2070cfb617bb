import { bindAppfile } from "../appfile/index.js";
import type { Cluster } from "../cluster/cluster.js";
import {
  buildResourceTracker,
  LOCAL_CLUSTER_NAME,
  resourceTrackerRef,
  trackedResources,
  type TrackedResource,
} from "../cluster/tracker.js";
import { VelaError } from "../errors/index.js";
import { refOf, type KubeObject, type ObjectRef } from "../model/kube-object.js";
import { FIELD_MANAGER } from "../model/labels.js";
import { renderAppfile, type ComponentManifest } from "../render/index.js";
import { isJsonObject, jsonEqual, type JsonValue } from "../util/index.js";
import type { ApplyComponentOptions, ApplyComponentResult, ScheduledStep } from "../workflow/index.js";
import { adoptionPoliciesOf, planAdoption } from "./adoption.js";
import type { HelmChartSource } from "./chart-expansion.js";
import type { ClusterGateway } from "./cluster-gateway.js";
import { extraTraitsOf, outputPatchesOf, patchComponentOutputs, type ExtraTrait } from "./component-patches.js";
import {
  applyComponentObjects,
  componentApplyList,
  describeUnhealthy,
  inspectComponent,
  mergeTracked,
  trackedResourcesOf,
} from "./component-runtime.js";
import { dispatchInStages } from "./dispatch-stages.js";
import { assertOwnable, type LiveObjects, type OwnershipClaim } from "./ownership.js";
import type { PassState } from "./pass-state.js";
import { sharedResourceSelectorsOf, sharerKey } from "./shared-resource.js";
import { resolveChartWorkloads, type PlacementPlan, type RenderPlan } from "./render-stage.js";

/** Tracker entries of a manifest applied in a member cluster carry the cluster (the hub's carry none). */
export function trackedInCluster(resources: readonly TrackedResource[], cluster: string): TrackedResource[] {
  return cluster === LOCAL_CLUSTER_NAME ? [...resources] : resources.map((resource) => ({ ...resource, cluster }));
}

/**
 * How a pass applies a release: components (as the workflow's steps ask), single objects, and the
 * revision's ResourceTracker, which is read once (within a pass only {@link recordApplied} writes
 * it, and it keeps what it wrote) and always written *before* what it records is applied, so GC
 * and `delete` know every object that may exist.
 */
export class ReleaseApplier {
  readonly trackerRef: ObjectRef;
  private tracker: KubeObject | undefined;
  private trackerRead = false;
  /** Hub components {@link recordScheduled} checked this pass, and what it read: their step does not read again. */
  private readonly checked = new Map<ComponentManifest, LiveObjects>();
  /** The round {@link recordScheduled} refused: which component it refused, and why. */
  private refusedRound:
    { readonly components: ReadonlySet<string>; readonly refused: string; readonly error: VelaError } | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly pass: PassState,
    private readonly plan: RenderPlan,
    private readonly revisionName: string,
    private readonly charts: HelmChartSource | undefined,
    private readonly gateway: ClusterGateway,
  ) {
    this.trackerRef = resourceTrackerRef(this.appName, this.namespace, revisionName);
  }

  private get appName(): string {
    return this.pass.app.metadata.name ?? "";
  }

  private get namespace(): string {
    return this.pass.app.metadata.namespace ?? "default";
  }

  /** The revision's tracker as this pass last read or wrote it. */
  async currentTracker(): Promise<KubeObject | undefined> {
    if (!this.trackerRead) this.tracker = await this.cluster.get(this.trackerRef);
    this.trackerRead = true;
    return this.tracker;
  }

  /** What the revision's tracker records (empty before the first apply). */
  async tracked(): Promise<TrackedResource[]> {
    const tracker = await this.currentTracker();
    return tracker === undefined ? [] : trackedResources(tracker);
  }

  /** Adds `resources` to the revision's tracker (a write only when something is new). */
  async recordApplied(resources: readonly TrackedResource[]): Promise<void> {
    const before = await this.currentTracker();
    const current = before === undefined ? [] : trackedResources(before);
    const merged = mergeTracked(current, resources);
    if (before !== undefined && jsonEqual(current, merged)) return;
    const generation = this.pass.app.metadata.generation;
    const tracker = buildResourceTracker(
      { name: this.appName, namespace: this.namespace, ...(generation === undefined ? {} : { generation }) },
      this.revisionName,
      merged,
    );
    // Written whole (create, or update at the version read), never merged: `managedResources` is an
    // atomic list, and the same name in two kinds or two clusters is two entries. A concurrent
    // writer makes this a conflict, and the pass runs again from a fresh read.
    this.tracker =
      before === undefined
        ? await this.cluster.create(tracker)
        : await this.cluster.update({ ...tracker, metadata: { ...before.metadata, ...tracker.metadata } });
    this.pass.wrote = true;
  }

  /**
   * Records at once what the `apply-component` steps about to run will apply (see
   * `StepHooks.beforeSteps`): one tracker write for a round instead of one per component, which
   * would rewrite a tracker growing with each of them. Only the leading steps that apply a
   * component as rendered are recorded: a step of another type could suspend the run before the
   * ones after it, and a step with options renders its component again.
   */
  async recordScheduled(steps: readonly ScheduledStep[]): Promise<void> {
    const resources: TrackedResource[] = [];
    for (const step of steps) {
      const component = step.parameter.component;
      const plain = step.type === "apply-component" && Object.keys(step.parameter).length === 1;
      const manifest = plain && typeof component === "string" ? this.plan.manifestsByName.get(component) : undefined;
      if (manifest === undefined) break;
      // A component that may not write one of its objects is not recorded: its own step reads the
      // objects again and fails with the reason, as KubeVela's does (the status shows it).
      if (!(await this.mayWrite(manifest))) continue;
      resources.push(...trackedResourcesOf(manifest));
    }
    if (resources.length > 0) await this.recordApplied(resources);
  }

  private async mayWrite(manifest: ComponentManifest): Promise<boolean> {
    try {
      this.checked.set(manifest, await assertOwnable(this.cluster, manifest, this.ownershipClaim()));
      return true;
    } catch (error) {
      if (error instanceof VelaError && (error.code === "E_ADOPT_OWNED" || error.code === "E_ADOPT_UNMANAGED"))
        return false;
      throw error;
    }
  }

  /** What lets this app write an object another app owns: its shared-resource and take-over rules. */
  private ownershipClaim(): OwnershipClaim {
    const policies = this.plan.appfile.policies;
    return {
      app: sharerKey({ name: this.appName, namespace: this.namespace }),
      shared: sharedResourceSelectorsOf(policies),
      adoption: adoptionPoliciesOf(policies),
    };
  }

  /** Server-side apply of one object as vela-ts (in the hub unless `cluster` says otherwise); records whether it changed. */
  async applyObject(object: KubeObject, cluster: Cluster = this.cluster): Promise<KubeObject> {
    const before = await cluster.get(refOf(object));
    const after = await cluster.apply(object, { fieldManager: FIELD_MANAGER, force: true });
    if (before?.metadata.resourceVersion !== after.metadata.resourceVersion) this.pass.wrote = true;
    return after;
  }

  /**
   * Applies a manifest's objects (tracking first) at an apply-once stage, in the hub or the named
   * member cluster; records whether any changed. Referenced objects (`ref-objects`) are adopted:
   * checked and tracked before anything is written, then only the fields their traits set are applied.
   * Traits with a dispatch stage are applied in stage order (`dispatch-stages.ts`); returns why a
   * stage is still waiting (its later stages were not applied), or undefined when all were.
   */
  async applyManifest(
    manifest: ComponentManifest,
    stage: "onUpdate" | "onStateKeep",
    clusterName: string = LOCAL_CLUSTER_NAME,
  ): Promise<string | undefined> {
    // Opened first: an unreachable cluster fails before its objects are recorded as applied.
    const cluster = clusterName === LOCAL_CLUSTER_NAME ? this.cluster : await this.gateway.open(clusterName);
    const claim = this.ownershipClaim();
    // Refused before anything of the component is recorded or written.
    const checked = clusterName === LOCAL_CLUSTER_NAME ? this.checked.get(manifest) : undefined;
    this.checked.delete(manifest);
    const live =
      checked ??
      (await assertOwnable(cluster, manifest, claim, clusterName === LOCAL_CLUSTER_NAME ? undefined : clusterName));
    const adoption = await planAdoption(cluster, manifest, {
      appName: this.appName,
      appNamespace: this.namespace,
      policies: claim.adoption,
    });
    await this.recordApplied(trackedInCluster([...trackedResourcesOf(manifest), ...adoption.tracked], clusterName));
    for (const write of adoption.writes) await this.applyObject(write, cluster);
    const applyOnce = this.plan.applyOnce;
    const shared = claim.shared;
    const sharing = { app: claim.app, selectors: shared };
    let firstStage = true;
    const dispatched = await dispatchInStages(cluster, manifest, componentApplyList(manifest), this.plan.registry, {
      apply: (objects, staged) => {
        // The adoption writes above touch only references, never what the check read; a later
        // stage reads again, as the controllers may have acted on the earlier stage's objects.
        const reuse = firstStage ? { live } : {};
        firstStage = false;
        return applyComponentObjects(cluster, staged, {
          ...(applyOnce === undefined ? {} : { applyOnce }),
          ...(shared.length === 0 ? {} : { sharing }),
          ...reuse,
          stage,
          objects,
        });
      },
      // Only the hub's rendering of the release is rendered again: a placement's or a step's
      // rendering differs from it, and its PostDispatch traits keep their first rendering.
      ...(clusterName === LOCAL_CLUSTER_NAME && this.plan.manifestsByName.get(manifest.name) === manifest
        ? { renderWithStatus: (status: JsonValue) => this.renderWithWorkloadStatus(manifest.name, status) }
        : {}),
    });
    if (dispatched.changed > 0) this.pass.wrote = true;
    return dispatched.waiting;
  }

  /** The component rendered again with traits a step attaches (`canary-deploy`), from the revision's definitions. */
  private async renderWithTraits(
    componentName: string,
    traits: readonly ExtraTrait[],
  ): Promise<ComponentManifest | undefined> {
    const application = this.plan.appfile.application;
    const components = application.spec.components.map((component) =>
      component.name === componentName
        ? { ...component, traits: [...(component.traits ?? []), ...traits.map((trait) => ({ ...trait }))] }
        : component,
    );
    const appfile = bindAppfile({ ...application, spec: { ...application.spec, components } }, this.plan.registry, {
      namespace: this.namespace,
    });
    const manifests = renderAppfile(appfile, this.plan.renderOptions);
    const resolved = this.charts === undefined ? manifests : await resolveChartWorkloads(manifests, this.charts);
    return resolved.find((manifest) => manifest.name === componentName);
  }

  /** The component rendered again with its workload's live status, for its PostDispatch traits (`context.output.status`). */
  private async renderWithWorkloadStatus(
    componentName: string,
    status: JsonValue,
  ): Promise<ComponentManifest | undefined> {
    const manifests = renderAppfile(this.plan.appfile, {
      ...this.plan.renderOptions,
      workloadStatus: { [componentName]: status },
    });
    const resolved = this.charts === undefined ? manifests : await resolveChartWorkloads(manifests, this.charts);
    return resolved.find((manifest) => manifest.name === componentName);
  }

  /** The cluster a placement deploys to (the hub's own connection for `local`). */
  clusterOf(name: string): Promise<Cluster> {
    return name === LOCAL_CLUSTER_NAME ? Promise.resolve(this.cluster) : this.gateway.open(name);
  }

  /** A deploy step's component in one placement: its overridden objects applied there, then their health read there. */
  private async applyInPlacement(componentName: string, placement: PlacementPlan): Promise<ApplyComponentResult> {
    const manifest = placement.manifestsByName.get(componentName);
    if (manifest === undefined)
      return { applied: false, healthy: true, message: `component "${componentName}" is not deployed here` };
    const waiting = await this.applyManifest(manifest, "onUpdate", placement.cluster);
    if (waiting !== undefined) return { applied: true, healthy: false, message: waiting };
    const cluster = await this.clusterOf(placement.cluster);
    const { health, output } = await inspectComponent(cluster, manifest, this.plan.registry);
    return {
      applied: true,
      healthy: health.healthy,
      ...(health.healthy ? {} : { message: describeUnhealthy(health) }),
      ...(isJsonObject(output) ? { output } : {}),
    };
  }

  /** A workflow step's `applyComponent`: the component's objects applied, then its health and outputs read. */
  async applyComponent(componentName: string, options?: ApplyComponentOptions): Promise<ApplyComponentResult> {
    if (options?.placement !== undefined) {
      const placement = this.plan.placements.find((candidate) => candidate.id === options.placement);
      if (placement === undefined)
        return {
          applied: false,
          healthy: false,
          message: `placement "${options.placement}" is not part of this release`,
        };
      return this.applyInPlacement(componentName, placement);
    }
    const extraTraits = extraTraitsOf(options);
    const rendered =
      extraTraits === undefined
        ? this.plan.manifestsByName.get(componentName)
        : await this.renderWithTraits(componentName, extraTraits);
    if (rendered === undefined) {
      return {
        applied: false,
        healthy: false,
        message: `component "${componentName}" is not part of application ${this.appName}`,
      };
    }
    const patches = outputPatchesOf(options);
    const manifest = patches === undefined ? rendered : patchComponentOutputs(rendered, patches);
    if (extraTraits !== undefined) {
      // Record before applying: GC and `delete` must know every object that may exist.
      await this.recordApplied(trackedResourcesOf(manifest));
      // The attached traits' objects (a Rollout) go first, so they are in place when the workload changes.
      const declared = this.plan.manifestsByName.get(componentName)?.traits.length ?? 0;
      const attached = manifest.traits.filter((trait) => trait.index >= declared);
      for (const trait of attached) for (const output of trait.outputs) await this.applyObject(output.object);
    }
    const waiting = await this.applyManifest(manifest, "onUpdate");
    if (waiting !== undefined) return { applied: true, healthy: false, message: waiting };
    const { health, output } = await inspectComponent(this.cluster, manifest, this.plan.registry);
    return {
      applied: true,
      healthy: health.healthy,
      ...(health.healthy ? {} : { message: describeUnhealthy(health) }),
      ...(isJsonObject(output) ? { output } : {}),
    };
  }
}
