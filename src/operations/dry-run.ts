import {
  bindAppfile,
  deployPlacements,
  LOCAL_CLUSTER,
  usesPlacementPolicies,
  type KnownCluster,
  type Placement,
} from "../appfile/index.js";
import {
  loadDefinitions,
  type DefinitionRegistry,
  type DefinitionWarning,
  type DispatchStage,
} from "../definitions/index.js";
import { locateInSource, parseApplications, type KubeObject, type SourceMap } from "../model/index.js";
import { componentObjects, renderAppfile, type ComponentManifest } from "../render/index.js";
import { UsageError, ValidationError, type ValidationIssue } from "../errors/index.js";
import { findApplicationObjectIssues, findRenderedObjectIssues } from "./rendered-checks.js";
import { declaredWorkflowIssues } from "./validate-workflow.js";
import { helmRepositoryUrls, resolveHelmWorkloads, type HelmChartSource } from "../reconciler/chart-expansion.js";
import { hasDispatchStages, planDispatchStages, traitStageOf } from "../reconciler/dispatch-stages.js";

/** Options of {@link dryRun}. */
export interface DryRunOptions {
  /** The Application YAML (one or more documents). */
  readonly text: string;
  /** Name of the file it came from, for error locations (`-` for stdin is shown as `<stdin>`). */
  readonly file: string;
  /**
   * User definition folders (`--definitions DIR`), overriding bundled ones by kind + name.
   * @default []
   */
  readonly definitionDirs?: readonly string[];
  /** Folder relative definition folders are resolved against. @default paths used as given */
  readonly cwd?: string;
  /**
   * The clusters topology policies may place on (the hub's cluster registry), for names and
   * `clusterLabelSelector`. @default only `local`
   */
  readonly clusters?: readonly KnownCluster[];
  /** Render only the placements on this cluster (`--cluster`); `local` for an app without placements. @default all */
  readonly onlyCluster?: string;
}

/** The objects of one component, as `vela dry-run` groups them. */
export interface DryRunGroup {
  readonly application: string;
  readonly component: string;
  /** Set on the group of a chart's objects (`--expand-charts`): the chart and the version it resolved to. */
  readonly chart?: { readonly name: string; readonly version: string };
  /** Set when the deploy steps place the components with topology/override policies. */
  readonly placement?: Pick<Placement, "step" | "topology" | "cluster" | "namespace">;
  /**
   * Set when the component has traits with a dispatch stage (`PreDispatch`, `PostDispatch`): its
   * objects come in one group per stage, in the order they are applied.
   */
  readonly stage?: DispatchStage;
  readonly objects: readonly KubeObject[];
}

/** What {@link dryRun} returns. */
export interface DryRunResult {
  readonly groups: readonly DryRunGroup[];
  /** Every object in the stable order (component order, workload, outputs by name, trait outputs). */
  readonly objects: readonly KubeObject[];
  readonly warnings: readonly DefinitionWarning[];
}

/** One Application rendered: its manifests and where its components are in the user's file. */
interface RenderedApplication {
  readonly name: string;
  readonly placement?: DryRunGroup["placement"];
  readonly manifests: readonly ComponentManifest[];
  readonly sourceMap: SourceMap;
  readonly componentIndexes: Readonly<Record<string, number>>;
}

function renderApplications(options: DryRunOptions): {
  readonly applications: readonly RenderedApplication[];
  readonly registry: DefinitionRegistry;
  readonly warnings: readonly DefinitionWarning[];
} {
  const parsedApplications = parseApplications(options.text, options.file);
  const { registry, warnings } = loadDefinitions({
    userDirs: options.definitionDirs ?? [],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const applications: RenderedApplication[] = [];
  const issues: ValidationIssue[] = [];
  for (const parsed of parsedApplications) {
    try {
      const workflowIssues = declaredWorkflowIssues(parsed.application, parsed.sourceMap);
      if (workflowIssues.length > 0) throw new ValidationError(workflowIssues);
      const placements: (Placement | undefined)[] = usesPlacementPolicies(parsed.application)
        ? deployPlacements(parsed.application, options.clusters ?? [LOCAL_CLUSTER])
        : [undefined];
      for (const placement of placements) {
        const application = placement?.application ?? parsed.application;
        const appfile = bindAppfile(application, registry, { sourceMap: parsed.sourceMap });
        const componentIndexes = Object.fromEntries(
          parsed.application.spec.components.map((component, index) => [component.name, index]),
        );
        const manifests = renderAppfile(
          appfile,
          placement === undefined ? {} : { placementNamespace: placement.namespace },
        );
        const objectIssues = [
          ...findApplicationObjectIssues(application, parsed.sourceMap),
          ...findRenderedObjectIssues(manifests, parsed.sourceMap, componentIndexes),
        ];
        if (objectIssues.length > 0) throw new ValidationError(objectIssues);
        applications.push({
          name: appfile.name,
          ...(placement === undefined
            ? {}
            : {
                placement: {
                  step: placement.step,
                  ...(placement.topology === undefined ? {} : { topology: placement.topology }),
                  cluster: placement.cluster,
                  namespace: placement.namespace,
                },
              }),
          manifests,
          sourceMap: parsed.sourceMap,
          componentIndexes,
        });
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(
        ...error.issues.map((found) =>
          found.source !== undefined || found.path === undefined
            ? found
            : { ...found, ...withSource(parsed.sourceMap, found.path) },
        ),
      );
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { applications: onlyOnCluster(applications, options.onlyCluster), registry, warnings };
}

/** The cluster a rendered application goes to: its placement's, or the hub without one. */
function clusterOf(application: RenderedApplication): string {
  return application.placement?.cluster ?? LOCAL_CLUSTER.name;
}

/** The renderings placed on `cluster` (all when unset); none is a usage error listing the clusters there are. */
function onlyOnCluster(
  applications: readonly RenderedApplication[],
  cluster: string | undefined,
): readonly RenderedApplication[] {
  if (cluster === undefined) return applications;
  const kept = applications.filter((application) => clusterOf(application) === cluster);
  if (kept.length > 0) return kept;
  const placed = [...new Set(applications.map(clusterOf))];
  throw new UsageError(`no placement of the application is on cluster "${cluster}"`, {
    hint: `its placements are on: ${placed.join(", ")}`,
  });
}

function result(groups: readonly DryRunGroup[], warnings: readonly DefinitionWarning[]): DryRunResult {
  return { groups, objects: groups.flatMap((group) => group.objects), warnings };
}

/**
 * `vela-ts dry-run`: parse → bind → render every Application in the text against every bundled
 * definition (built-ins and all bundled addons) plus user folders, with revision `<app>-v1`.
 * When the deploy steps name topology or override policies, every placement is rendered (its
 * namespace, the overrides applied), as `vela dry-run` does with several topologies.
 * Problems of all Applications are thrown together as one ValidationError.
 */
export function dryRun(options: DryRunOptions): DryRunResult {
  const { applications, registry, warnings } = renderApplications(options);
  const groups = applications.flatMap((app) =>
    app.manifests.flatMap((manifest) => componentGroups(app, manifest, registry)),
  );
  return result(groups, warnings);
}

/** A component's group, or one group per dispatch stage when some of its traits have one. */
function componentGroups(
  app: RenderedApplication,
  manifest: ComponentManifest,
  registry: DefinitionRegistry,
): DryRunGroup[] {
  const common = {
    application: app.name,
    component: manifest.name,
    ...(app.placement === undefined ? {} : { placement: app.placement }),
  };
  const plans = planDispatchStages(manifest, componentObjects(manifest), (type) => traitStageOf(registry, type));
  if (!hasDispatchStages(plans)) return [{ ...common, objects: componentObjects(manifest) }];
  return plans.map((plan) => ({ ...common, stage: plan.stage, objects: plan.objects }));
}

/** Options of {@link dryRunExpandingCharts}. */
export interface DryRunExpandingChartsOptions extends DryRunOptions {
  /** Where charts come from (`createHelmChartSource` with `--chart-repo` mappings and the sandbox's mirrors). */
  readonly charts: HelmChartSource;
}

/**
 * `vela-ts dry-run --expand-charts`: {@link dryRun}, then every helm component's chart is fetched
 * and rendered (release name, namespace and values as Flux would install it) and its objects
 * follow the component's group; each Kruise Rollout on it is pointed at the workload, Service and
 * Ingress the chart really creates (`resolveHelmWorkloads`). A chart that cannot be fetched or a
 * Rollout whose target the chart does not create is an error (`E_CHART_FETCH`, `E_ROLLOUT_TARGET`).
 */
export async function dryRunExpandingCharts(options: DryRunExpandingChartsOptions): Promise<DryRunResult> {
  const { applications, registry, warnings } = renderApplications(options);
  await options.charts.prefetch([...new Set(applications.flatMap((app) => helmRepositoryUrls(app.manifests)))]);
  const groups: DryRunGroup[] = [];
  const issues: ValidationIssue[] = [];
  const chartWarnings: DefinitionWarning[] = [];
  for (const app of applications) {
    try {
      const resolution = resolveHelmWorkloads(app.manifests, options.charts, {
        unavailableChart: "error",
        componentIndexes: app.componentIndexes,
      });
      chartWarnings.push(...resolution.warnings.map((message) => ({ code: "W_CHART" as const, message })));
      chartWarnings.push(
        ...resolution.corrections.map((correction) => ({
          code: "W_ROLLOUT_TARGET" as const,
          message: `component "${correction.component}": Rollout ${correction.field} ${correction.from} → ${correction.to} (what the chart creates)`,
        })),
      );
      for (const manifest of resolution.manifests) {
        const placement = app.placement === undefined ? {} : { placement: app.placement };
        groups.push(...componentGroups(app, manifest, registry));
        const chart = resolution.charts.find((expanded) => expanded.component === manifest.name);
        if (chart !== undefined)
          groups.push({
            application: app.name,
            component: manifest.name,
            ...placement,
            chart: { name: chart.chart, version: chart.version },
            objects: chart.objects,
          });
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(
        ...error.issues.map((found) =>
          found.source !== undefined || found.path === undefined
            ? found
            : { ...found, ...withSource(app.sourceMap, found.path) },
        ),
      );
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return result(groups, [...warnings, ...chartWarnings]);
}

function withSource(sourceMap: SourceMap, path: string): { readonly source?: NonNullable<ValidationIssue["source"]> } {
  const source = locateInSource(sourceMap, path);
  return source === undefined ? {} : { source };
}

export {
  createHelmChartSource,
  findHelmRelease,
  helmRepositoryUrls,
  parseChartRepositoryMapping,
  resolveHelmWorkloads,
  type ChartRepositoryMapping,
  type ExpandedChart,
  type HelmChartSource,
  type HelmChartSourceOptions,
  type HelmReleaseFacts,
  type HelmWorkloadResolution,
  type ResolveHelmWorkloadsOptions,
  type RolloutCorrection,
} from "../reconciler/chart-expansion.js";
