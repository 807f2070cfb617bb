import {
  bindAppfile,
  defaultDeploySteps,
  deployPlacements,
  usesPlacementPolicies,
  type Appfile,
  type KnownCluster,
} from "../appfile/index.js";
import type { DefinitionRegistry } from "../definitions/index.js";
import type { ApplicationInput } from "../model/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { renderAppfile, type ComponentManifest, type RenderOptions } from "../render/index.js";
import { mergeOpsOnlyTraits, type DefinitionSnapshots } from "../revision/index.js";
import { isJsonObject, type JsonObject } from "../util/index.js";
import { resolveWorkflow, type WorkflowSpec } from "../workflow/index.js";
import { applyOncePolicyOf, type ApplyOncePolicy } from "./apply-once.js";
import { helmRepositoryUrls, resolveHelmWorkloads, type HelmChartSource } from "./chart-expansion.js";
import { registryFromSnapshot } from "./definitions-for-app.js";
import type { RevisionStage } from "./revision-stage.js";
import { storedComponentRevisions } from "./revision-stage.js";

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

/** The release's Appfile, the registry it binds with, and its policies (the `Policy` stage's result). */
export interface BoundRelease {
  readonly appfile: Appfile;
  readonly registry: DefinitionRegistry;
  /** KubeVela's `apply-once` policy, when the release has one enabled. */
  readonly applyOnce: ApplyOncePolicy | undefined;
}

/**
 * The policy stage: the release's Appfile — the live one, or, when the release is pinned
 * (publishVersion unchanged, spec edited) or the live definitions differ from the revision's, the
 * revision's stored spec bound with the revision's own definitions and the *current* ops-only traits
 * merged in — and the policies the release runs with.
 */
export function bindRelease(
  app: KubeObject,
  input: ApplicationInput,
  liveAppfile: Appfile,
  release: RevisionStage,
  liveRegistry: DefinitionRegistry,
  isOpsOnly: (type: string) => boolean,
): BoundRelease {
  if (release.decision.kind !== "pinned")
    return { appfile: liveAppfile, registry: liveRegistry, applyOnce: applyOncePolicyOf(liveAppfile.policies) };
  const registry = registryFromSnapshot(storedDefinitions(release.object), liveRegistry, release.record.name);
  const spec = mergeOpsOnlyTraits(storedSpec(release.object), (app.spec as JsonObject | undefined) ?? {}, isOpsOnly);
  // The stored spec is an Application spec validated when its revision was made; bindAppfile checks it again.
  const appfile = bindAppfile({ ...input, spec: spec as unknown as ApplicationInput["spec"] }, registry, {
    namespace: app.metadata.namespace ?? "default",
  });
  return { appfile, registry, applyOnce: applyOncePolicyOf(appfile.policies) };
}

/** What a release renders to, and the workflow that ships it. */
export interface RenderPlan extends BoundRelease {
  readonly manifests: readonly ComponentManifest[];
  readonly manifestsByName: ReadonlyMap<string, ComponentManifest>;
  /** What the manifests were rendered with (a step rendering a component again uses the same). */
  readonly renderOptions: RenderOptions;
  readonly workflowSpec: WorkflowSpec;
  /** Whether a chart mirror was read (such a render is not covered by the steady-state memo). */
  readonly readCharts: boolean;
  /**
   * Where the deploy steps put the components when they name topology or override policies: one
   * entry per step, cluster and namespace, rendered with that placement's overrides. Empty when no
   * deploy step names such a policy (each deploy applies {@link manifests} to the hub).
   */
  readonly placements: readonly PlacementPlan[];
}

/** One placement of a deploy step, rendered (KubeVela's multi-cluster deploy: one per cluster of a topology). */
export interface PlacementPlan {
  /** `<step>/<cluster>/<namespace>`: what a deploy step hands back to apply a component there. */
  readonly id: string;
  readonly step: string;
  readonly topology?: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly manifests: readonly ComponentManifest[];
  readonly manifestsByName: ReadonlyMap<string, ComponentManifest>;
}

/** Renders every placement of the release's deploy steps (none when they name no topology or override). */
async function renderPlacements(
  bound: BoundRelease,
  renderOptions: RenderOptions,
  clusters: readonly KnownCluster[],
  charts: HelmChartSource | undefined,
): Promise<PlacementPlan[]> {
  const application = bound.appfile.application;
  if (!usesPlacementPolicies(application)) return [];
  const plans: PlacementPlan[] = [];
  for (const placement of deployPlacements(application, clusters)) {
    const appfile = bindAppfile(placement.application, bound.registry, { namespace: bound.appfile.namespace });
    const rendered = renderAppfile(appfile, { ...renderOptions, placementNamespace: placement.namespace });
    const manifests = charts === undefined ? rendered : await resolveChartWorkloads(rendered, charts);
    plans.push({
      id: `${placement.step}/${placement.cluster}/${placement.namespace}`,
      step: placement.step,
      ...(placement.topology === undefined ? {} : { topology: placement.topology }),
      cluster: placement.cluster,
      namespace: placement.namespace,
      manifests,
      manifestsByName: new Map(manifests.map((manifest) => [manifest.name, manifest])),
    });
  }
  return plans;
}

/** Points Rollouts of `helm` components at the chart's real Deployment/Service/Ingress. */
export async function resolveChartWorkloads(
  manifests: readonly ComponentManifest[],
  charts: HelmChartSource,
): Promise<readonly ComponentManifest[]> {
  const urls = helmRepositoryUrls(manifests);
  if (urls.length === 0) return manifests;
  await charts.prefetch(urls);
  // Corrections are silent here: `dry-run --expand-charts` shows them to people.
  return resolveHelmWorkloads(manifests, charts, { unavailableChart: "keep" }).manifests;
}

/**
 * The render stage: every component of the release rendered with the revision's name, number and
 * component revisions (charts resolved when a chart source is given), and the workflow resolved
 * (the default one when the app declares none), as KubeVela's `GenerateApplicationSteps`.
 */
export async function renderRelease(
  bound: BoundRelease,
  release: RevisionStage,
  input: ApplicationInput,
  charts: HelmChartSource | undefined,
  clusters: readonly KnownCluster[],
): Promise<RenderPlan> {
  const record = release.record;
  const componentRevisions = Object.fromEntries(
    Object.entries(storedComponentRevisions(release.object)).map(([name, revision]) => [name, revision.name]),
  );
  const renderOptions: RenderOptions = {
    appRevision: record.name,
    appRevisionNum: record.number,
    componentRevisions,
    ...(record.publishVersion === undefined ? {} : { publishVersion: record.publishVersion }),
  };
  const rendered = renderAppfile(bound.appfile, renderOptions);
  const readCharts = charts !== undefined && helmRepositoryUrls(rendered).length > 0;
  const manifests = charts === undefined ? rendered : await resolveChartWorkloads(rendered, charts);
  const workflowSpec = resolveWorkflow({
    components: bound.appfile.components.map((component) => ({
      name: component.name,
      dependsOn: component.dependsOn,
      inputs: component.inputs,
      outputs: component.outputs,
    })),
    workflow: input.spec.workflow ?? undefined,
    deploySteps: defaultDeploySteps(bound.appfile.application) ?? [],
  });
  return {
    ...bound,
    manifests,
    manifestsByName: new Map(manifests.map((manifest) => [manifest.name, manifest])),
    renderOptions,
    workflowSpec,
    readCharts,
    placements: await renderPlacements(bound, renderOptions, clusters, charts),
  };
}
