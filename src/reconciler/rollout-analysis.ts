import type { Cluster } from "../cluster/cluster.js";
import { describeRef, refOf, type KubeObject } from "../model/kube-object.js";
import { ANALYSIS_RUNS_SCHEMA, decodeStoredOptional } from "../model/stored-objects.js";
import {
  concludeRun,
  measureMetric,
  metricSourcesFor,
  nextMeasurementAt,
  providerFromSpec,
  readMetricSpecs,
  recordMeasurement,
  startAnalysisRun,
  type AnalysisMetricSpec,
  type AnalysisRun,
  type MetricSources,
} from "../metrics/index.js";
import {
  cancelRolloutTraffic,
  findAppRollouts,
  isRolloutProgressing,
  resumeRollouts,
  rolloutPausedAtStep,
} from "../rollout/rollout-coupling.js";
import { describeRollout } from "../rollout/rollout-engines.js";
import { formatTimestamp, isJsonObject, type JsonObject, type JsonValue, toJsonObject } from "../util/index.js";
import { editApplicationStatus, getApplication, statusOf } from "./application-object.js";
import type { ReconcilerDeps } from "./reconcile.js";

/**
 * Analysis at the steps of a release (docs/analysis.md): a `kruise-rollout` or `argo-rollout` step
 * with `analysis: {metrics: [...]}` renders that analysis onto its Rollout
 * ({@link ANNOTATION_ANALYSIS_STEPS}). While the Rollout waits at such a step, each pass measures
 * the metrics that are due (Argo's AnalysisRun semantics, `metrics/analysis-run.ts`) and keeps the
 * run in the Application's `status.analysis.<rollout>`. A Successful run moves the Rollout on by
 * itself (the approval a person would give); a Failed run puts every request back on the stable
 * pods first, stops the workflow with the metric, its value and its threshold, and rolls the
 * Application back to its last good revision; an Inconclusive run waits for a person.
 */

/** On a Rollout: a JSON list, by step (index 0 = step 1), of each step's `analysis` or null. */
export const ANNOTATION_ANALYSIS_STEPS = "analysis.vela-ts.dev/steps";

/** What one analysis pass did. */
export interface AnalysisPass {
  readonly wrote: boolean;
  /** When a metric is measured next (ms since the epoch). */
  readonly nextWakeAt?: number;
  /** Set when an analysis failed and the release was rolled back. */
  readonly failed?: string;
  /** Set when an analysis is inconclusive: a person decides. */
  readonly inconclusive?: string;
}

function stepAnalyses(rollout: KubeObject): readonly JsonValue[] {
  const text = rollout.metadata.annotations?.[ANNOTATION_ANALYSIS_STEPS];
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as JsonValue;
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/**
 * The analysis of the release step a Rollout waits at. Kruise steps are the trait's steps; an Argo
 * Rollout has a `setCanaryScale` / `setWeight` before each trait step's `pause`, so the trait step
 * is the number of pauses up to the one it waits at.
 */
function analysisAt(
  rollout: KubeObject,
  pausedAt: number,
): { readonly step: number; readonly analysis: JsonValue | undefined } | undefined {
  if (pausedAt <= 0) return undefined;
  let index = pausedAt - 1;
  if (rollout.apiVersion.startsWith("argoproj.io/")) {
    const strategy = (rollout.spec as JsonObject | undefined)?.strategy;
    const canary = isJsonObject(strategy) && isJsonObject(strategy.canary) ? strategy.canary : {};
    const steps = Array.isArray(canary.steps) ? canary.steps.slice(0, pausedAt) : [];
    index = steps.filter((step) => isJsonObject(step) && step.pause !== undefined).length - 1;
  }
  return index < 0 ? undefined : { step: index + 1, analysis: stepAnalyses(rollout)[index] };
}

/** Whether the step a Rollout waits at has an analysis (so it is not waiting for a person). */
export function hasStepAnalysis(rollout: KubeObject): boolean {
  return isJsonObject(analysisAt(rollout, rolloutPausedAtStep(rollout))?.analysis);
}

function canaryRevision(rollout: KubeObject): string {
  const status = (rollout.status as JsonObject | undefined) ?? {};
  const canary = isJsonObject(status.canaryStatus) ? status.canaryStatus : {};
  const revision = canary.canaryRevision ?? canary.podTemplateHash ?? status.currentPodHash;
  return typeof revision === "string" ? revision : "";
}

/** The revision the Rollout holds as stable (Kruise `status.stableRevision`, Argo `status.stableRS`). */
function stableRevision(rollout: KubeObject): string {
  const status = (rollout.status as JsonObject | undefined) ?? {};
  const canary = isJsonObject(status.canaryStatus) ? status.canaryStatus : {};
  const revision = canary.stableRevision ?? status.stableRevision ?? status.stableRS;
  return typeof revision === "string" ? revision : "";
}

async function defaultHost(cluster: Cluster, rollout: KubeObject): Promise<string | undefined> {
  const strategy = (rollout.spec as JsonObject | undefined)?.strategy;
  const canary = isJsonObject(strategy) && isJsonObject(strategy.canary) ? strategy.canary : {};
  const namespace = rollout.metadata.namespace ?? "default";
  const names: string[] = [];
  const routings = Array.isArray(canary.trafficRoutings) ? canary.trafficRoutings : [];
  for (const routing of routings)
    if (isJsonObject(routing) && isJsonObject(routing.ingress) && typeof routing.ingress.name === "string")
      names.push(routing.ingress.name);
  const argo = isJsonObject(canary.trafficRouting) ? canary.trafficRouting : {};
  if (isJsonObject(argo.nginx) && typeof argo.nginx.stableIngress === "string") names.push(argo.nginx.stableIngress);
  for (const name of names) {
    const ingress = await cluster.get({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", name, namespace });
    const rules = (ingress?.spec as JsonObject | undefined)?.rules;
    const host = Array.isArray(rules) && isJsonObject(rules[0]) ? rules[0].host : undefined;
    if (typeof host === "string") return host;
  }
  return undefined;
}

function runsOf(app: KubeObject): Record<string, AnalysisRun> {
  const where = { object: describeRef(refOf(app)), path: "/status/analysis" };
  return { ...decodeStoredOptional<Record<string, AnalysisRun>>(ANALYSIS_RUNS_SCHEMA, statusOf(app).analysis, where) };
}

async function measureDue(
  run: AnalysisRun,
  specs: readonly AnalysisMetricSpec[],
  rollout: KubeObject,
  deps: ReconcilerDeps,
  now: Date,
): Promise<AnalysisRun> {
  const host = await defaultHost(deps.cluster, rollout);
  const metrics = [];
  for (const [index, metric] of run.metrics.entries()) {
    const spec = specs[index];
    const due = spec === undefined ? undefined : nextMeasurementAt(spec, metric, run);
    if (spec === undefined || due === undefined || due > now.getTime()) {
      metrics.push(metric);
      continue;
    }
    const provider = providerFromSpec(
      spec.provider,
      `${describeRollout(rollout)} step ${run.step} metric "${spec.name}"`,
      host,
    );
    const base: Omit<MetricSources, "sandbox"> = { now, http: (request) => deps.http({ ...request }) };
    const reading = await measureMetric(provider, await metricSourcesFor(provider, deps.cluster, base));
    metrics.push(recordMeasurement(spec, metric, reading, now));
  }
  return concludeRun({ ...run, metrics });
}

function failedWorkflow(status: JsonObject, reason: string, now: string): JsonObject {
  const workflow = isJsonObject(status.workflow) ? status.workflow : undefined;
  if (workflow === undefined) return status;
  const steps = Array.isArray(workflow.steps) ? workflow.steps : [];
  return {
    ...status,
    workflow: {
      ...workflow,
      status: "failed",
      terminated: true,
      finished: true,
      endTime: now,
      message: reason,
      steps: steps.map((step) =>
        isJsonObject(step) && (step.phase === "running" || step.phase === "pending")
          ? {
              ...step,
              phase: step.phase === "running" ? "failed" : "skipped",
              ...(step.phase === "running" ? { reason: "Action", message: reason } : {}),
            }
          : step,
      ),
    },
  };
}

/**
 * One analysis pass over an app's Rollouts (see the module comment). Writes only when a
 * measurement was taken or a verdict acted on.
 */
export async function advanceRolloutAnalysis(
  name: string,
  namespace: string,
  deps: ReconcilerDeps,
): Promise<AnalysisPass> {
  const rollouts = (await findAppRollouts(deps.cluster, name, namespace)).filter((rollout) =>
    stepAnalyses(rollout).some(isJsonObject),
  );
  if (rollouts.length === 0) return { wrote: false };
  let app = await getApplication(deps.cluster, name, namespace);
  const runs = runsOf(app);
  const now = deps.clock.now();
  let wrote = false;
  let changed = false;
  let wake: number | undefined;
  let failed: string | undefined;
  let inconclusive: string | undefined;
  for (const rollout of rollouts) {
    // A Rollout whose workload is back on the stable revision is cancelling, not releasing: nothing to analyse.
    const releasing = isRolloutProgressing(rollout) && canaryRevision(rollout) !== stableRevision(rollout);
    const found = releasing ? analysisAt(rollout, rolloutPausedAtStep(rollout)) : undefined;
    const analysis = found?.analysis;
    if (found === undefined || !isJsonObject(analysis)) continue;
    // The release step (the trait's step), the same for both engines.
    const step = found.step;
    const rolloutName = rollout.metadata.name ?? "";
    const where = `${describeRollout(rollout)} step ${step} analysis`;
    const specs = readMetricSpecs(analysis, where);
    const key = `${canaryRevision(rollout)}/${step}`;
    let run = runs[rolloutName]?.key === key ? runs[rolloutName] : startAnalysisRun(key, step, specs, now);
    if (runs[rolloutName]?.key !== key) changed = true;
    if (run.phase === "Running") {
      const measured = await measureDue(run, specs, rollout, deps, now);
      if (JSON.stringify(measured) !== JSON.stringify(run)) changed = true;
      run = measured;
    }
    runs[rolloutName] = run;
    for (const [index, metric] of run.metrics.entries()) {
      const spec = specs[index];
      const due = spec === undefined ? undefined : nextMeasurementAt(spec, metric, run);
      if (due !== undefined) wake = wake === undefined ? due : Math.min(wake, due);
    }
    if (run.phase === "Successful") {
      await resumeRollouts(deps.cluster, [rollout]);
      deps.log?.(`${where}: ${run.message ?? "Successful"}; moving on to the next step`);
      wrote = true;
    } else if (run.phase === "Failed" && run.handled !== true) {
      // Every request back on the stable pods first; the verdict is then recorded with the workflow's end.
      failed = `${where} failed: ${run.message ?? ""}`;
      await cancelRolloutTraffic(deps.cluster, [rollout]);
      runs[rolloutName] = { ...run, handled: true };
      changed = true;
      wrote = true;
    } else if (run.phase === "Inconclusive") {
      inconclusive = `${where} is inconclusive: ${run.message ?? ""}`;
    }
  }
  if (changed) {
    const at = formatTimestamp(now);
    app = await editApplicationStatus(deps.cluster, app, (current) => {
      const status = { ...statusOf(current), analysis: toJsonObject(runs) };
      return failed === undefined ? status : failedWorkflow(status, failed, at);
    });
    wrote = true;
  }
  if (failed !== undefined && deps.rollBack !== undefined)
    for (const line of await deps.rollBack(app, failed)) deps.log?.(line);
  return {
    wrote,
    ...(wake === undefined ? {} : { nextWakeAt: wake }),
    ...(failed === undefined ? {} : { failed }),
    ...(inconclusive === undefined ? {} : { inconclusive }),
  };
}

/** The message of an app's inconclusive step analysis whose Rollout still waits at that step, if any. */
export function inconclusiveAnalysis(app: KubeObject, rollouts: readonly KubeObject[]): string | undefined {
  for (const [name, run] of Object.entries(runsOf(app))) {
    if (run.phase !== "Inconclusive" || run.handled === true) continue;
    const rollout = rollouts.find((candidate) => candidate.metadata.name === name);
    if (rollout === undefined || !isRolloutProgressing(rollout)) continue;
    if (analysisAt(rollout, rolloutPausedAtStep(rollout))?.step !== run.step) continue;
    if (`${canaryRevision(rollout)}/${run.step}` !== run.key) continue;
    return `${describeRollout(rollout)} step ${run.step} analysis is inconclusive: ${run.message ?? ""}`;
  }
  return undefined;
}
