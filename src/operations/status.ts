/**
 * `vela-ts status`: reads an Application, its workflow, its services' health, the canary's progress
 * and the Events about it into one {@link StatusView}, and watches it (`--watch`). One file because
 * the view, the canary's gate and next-step hints, and the watch loop all read the same status and
 * must agree on what a stage means; the printing lives in `cli/`.
 */
import type { AnalysisRun } from "../metrics/index.js";
import { eventsAbout, type EventView } from "../cluster/events.js";
import { VelaError } from "../errors/index.js";
import { describeRef, refOf, type KubeObject } from "../model/kube-object.js";
import { ANNOTATION_PUBLISH_VERSION } from "../model/labels.js";
import { ANALYSIS_RUNS_SCHEMA, decodeStoredOptional } from "../model/stored-objects.js";
import { formatTimestamp, isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import {
  findSuspendedSteps,
  type StepStatus,
  type WorkflowStatus,
  type WorkflowStepStatus,
} from "../workflow/index.js";
import { requireApplication } from "./app-lookup.js";
import { statusOf } from "../reconciler/application-object.js";
import { conditionsOf, type ApplicationCondition } from "../reconciler/conditions.js";
import { readCanaryProgress, type CanaryProgress } from "./canary-progress.js";
import { driveOrHandOff } from "../controller/controller-handoff.js";
import type { DriveStop } from "../reconciler/drive.js";
import { buildResourceTree, type ComponentResources } from "./resource-tree.js";
import { findAppRollouts } from "../rollout/rollout-coupling.js";
import { withTarget, type Target, type TargetOptions } from "../target/target.js";

/** Options of {@link applicationStatus}. */
export interface StatusOptions extends TargetOptions {
  readonly app: string;
  /** @default "default" */
  readonly namespace?: string;
  /** Also read the resource topology (`--tree`). @default false */
  readonly tree?: boolean;
  /** Sleeps on the command's clock (only `--watch` sleeps). */
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/** One workflow step as `status` shows it. */
export interface StatusStep {
  readonly id?: string;
  readonly name: string;
  readonly type: string;
  readonly phase: string;
  readonly reason?: string;
  readonly message?: string;
  /** A timed suspend's resume time (absent: waits for `workflow resume`). */
  readonly resumesAt?: string;
  readonly subSteps: readonly StatusStep[];
}

/**
 * Why an unhealthy component is not a fault: its canary waits at a gate a person opens. `approval`:
 * a Rollout step waits for `workflow resume`; `suspended`: the run and its Rollout are paused
 * (`workflow suspend`); `terminated`: the run was terminated and the Rollout stays where it is.
 */
export type CanaryGate = "approval" | "suspended" | "terminated";

/** One trait's health as `status` shows it. */
export interface StatusTrait {
  readonly type: string;
  readonly healthy: boolean;
  readonly message?: string;
  /** The trait is unhealthy only because its Rollout waits at this gate. */
  readonly gate?: CanaryGate;
}

/** One component's health (`status.services[]`) with its component type. */
export interface StatusService {
  readonly name: string;
  readonly namespace: string;
  /** The member cluster of a placed component; absent for the hub. */
  readonly cluster?: string;
  readonly type?: string;
  readonly healthy: boolean;
  readonly message?: string;
  /** The component is unhealthy only because its canary waits at this gate (not a fault). */
  readonly gate?: CanaryGate;
  readonly traits: readonly StatusTrait[];
}

/** A Rollout's progress plus what a person can do about it now. */
export interface StatusCanary extends CanaryProgress {
  /** The gate it waits at, if a person must act. */
  readonly gate?: CanaryGate;
  /** Commands to run next (approve, roll back), empty when nothing waits for a person. */
  readonly next: readonly string[];
}

/**
 * What `vela-ts status <app>` shows, after running the app to a fixed point: KubeVela's About,
 * Workflow and Services sections, a Canary section per Kruise Rollout, and with `tree` the
 * resource topology. `application` is the stored Application with its status (for `-o json|yaml`).
 */
export interface StatusView {
  readonly target: string;
  /** The command's clock when the view was taken (for "resumes in 25s"). */
  readonly now: string;
  readonly application: KubeObject;
  readonly name: string;
  readonly namespace: string;
  readonly createdAt?: string;
  /** `status.status`: running, runningWorkflow, workflowSuspending, workflowFailed… */
  readonly phase: string;
  readonly revision?: {
    readonly name: string;
    readonly number: number;
    readonly hash?: string;
    readonly publishVersion?: string;
  };
  readonly rollback?: { readonly from?: string; readonly to: string; readonly time?: string; readonly reason?: string };
  /** The step analyses of the app's Rollouts (`status.analysis`), by Rollout name. */
  readonly analysis?: Readonly<Record<string, AnalysisRun>>;
  readonly workflow?: {
    readonly mode: string;
    readonly status: string;
    readonly message?: string;
    readonly finished: boolean;
    readonly suspend: boolean;
    readonly terminated: boolean;
    readonly steps: readonly StatusStep[];
  };
  readonly services: readonly StatusService[];
  /** `status.conditions` (Parsed, Revision, Policy, Render, WorkflowFinished, Ready), in pass order. */
  readonly conditions?: readonly ApplicationCondition[];
  /** The most recent Events about the Application (oldest first), as `kubectl describe` lists them. */
  readonly events?: readonly EventView[];
  readonly canaries: readonly StatusCanary[];
  readonly tree?: readonly ComponentResources[];
  /** Where the release stands: finished, failed, waiting for a person, or still moving (`quiet`). */
  readonly stop: DriveStop;
  /** What waits for a person, if anything. */
  readonly waitingFor?: string;
  /** The holder of the controller Lease that reconciles the app, when a running controller does (status only read). */
  readonly reconciledBy?: string;
  /** When the release next moves without a person (a timed step, a grace period, a retry), if it will (ISO 8601 with milliseconds). */
  readonly nextWakeAt?: string;
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The Application as `-o yaml|json` prints it: KubeVela field names, without managedFields. */
function printableApplication(app: KubeObject): KubeObject {
  const { managedFields: _managedFields, ...metadata } = app.metadata;
  return { ...app, metadata };
}

function stepView(
  step: StepStatus & { readonly subSteps?: readonly StepStatus[] },
  resumes: ReadonlyMap<string, string>,
): StatusStep {
  const resumesAt = resumes.get(step.name);
  return {
    ...(step.id === "" ? {} : { id: step.id }),
    name: step.name,
    type: step.type,
    phase: step.phase,
    ...(step.reason === undefined ? {} : { reason: step.reason }),
    ...(step.message === undefined || step.message === "" ? {} : { message: step.message }),
    ...(resumesAt === undefined ? {} : { resumesAt }),
    subSteps: (step.subSteps ?? []).map((sub) => stepView(sub, resumes)),
  };
}

function workflowView(workflow: WorkflowStatus | undefined): StatusView["workflow"] {
  if (workflow === undefined) return undefined;
  const resumes = new Map(
    findSuspendedSteps(workflow).flatMap((step) =>
      step.resumeAt === undefined ? [] : [[step.name, step.resumeAt] as const],
    ),
  );
  return {
    mode: workflow.mode,
    status: workflow.status,
    ...(workflow.message === undefined || workflow.message === "" ? {} : { message: workflow.message }),
    finished: workflow.finished,
    suspend: workflow.suspend,
    terminated: workflow.terminated,
    steps: workflow.steps.map((step: WorkflowStepStatus) => stepView(step, resumes)),
  };
}

function componentTypes(app: KubeObject): Map<string, string> {
  const components = (app.spec as JsonObject | undefined)?.components;
  const types = new Map<string, string>();
  if (!Array.isArray(components)) return types;
  for (const component of components) {
    if (isJsonObject(component) && typeof component.name === "string" && typeof component.type === "string")
      types.set(component.name, component.type);
  }
  return types;
}

/** The gate a Rollout waits at, in the terms of the app's workflow; undefined when it moves on by itself. */
export function canaryGate(progress: CanaryProgress, workflow: WorkflowStatus | undefined): CanaryGate | undefined {
  if (!progress.inProgress || !progress.waitingForApproval) return undefined;
  if (workflow?.terminated === true) return "terminated";
  if (progress.paused || workflow?.suspend === true) return "suspended";
  return "approval";
}

function servicesView(app: KubeObject, status: JsonObject, canaries: readonly StatusCanary[]): StatusService[] {
  const types = componentTypes(app);
  const services = Array.isArray(status.services) ? status.services : [];
  return services.filter(isJsonObject).map((service) => {
    const name = text(service.name) ?? "";
    const type = types.get(name);
    const message = text(service.message);
    const cluster = text(service.cluster);
    // A trait whose message is its waiting Rollout's message (customStatus prints status.message)
    // is unhealthy only because the Rollout waits at a gate.
    const gated = canaries.filter((canary) => canary.component === name && canary.gate !== undefined);
    const traits = (Array.isArray(service.traits) ? service.traits : []).filter(isJsonObject).map((trait) => {
      const traitMessage = text(trait.message);
      const healthy = trait.healthy === true;
      const gate = healthy ? undefined : gated.find((canary) => canary.message === traitMessage)?.gate;
      return {
        type: text(trait.type) ?? "",
        healthy,
        ...(traitMessage === undefined ? {} : { message: traitMessage }),
        ...(gate === undefined ? {} : { gate }),
      };
    });
    const healthy = service.healthy === true;
    const waiting = traits.find((trait) => trait.gate !== undefined)?.gate;
    const onlyGated =
      !healthy &&
      waiting !== undefined &&
      service.workloadHealthy !== false &&
      traits.every((trait) => trait.healthy || trait.gate !== undefined);
    return {
      name,
      namespace: text(service.namespace) ?? app.metadata.namespace ?? "default",
      ...(cluster === undefined ? {} : { cluster }),
      ...(type === undefined ? {} : { type }),
      healthy,
      ...(message === undefined ? {} : { message }),
      ...(onlyGated ? { gate: waiting } : {}),
      traits,
    };
  });
}

/**
 * What a person can do about a Rollout now (KubeVela: approve with resume, or suspend + rollback;
 * a terminated run: restart or roll back). Every command given works in the app's current state.
 */
export function canaryNextSteps(progress: CanaryProgress, app: string, workflow?: WorkflowStatus): string[] {
  switch (canaryGate(progress, workflow)) {
    case "terminated":
      return [
        `the workflow was terminated; the Rollout stays paused where it is`,
        `run the release again with: vela-ts workflow restart ${app}`,
        `or roll back: vela-ts workflow rollback ${app}`,
      ];
    case "suspended":
      return [`continue with: vela-ts workflow resume ${app}`, `or roll back: vela-ts workflow rollback ${app}`];
    case "approval":
      return [
        `approve the next step with: vela-ts workflow resume ${app}`,
        `or roll back: vela-ts workflow suspend ${app} && vela-ts workflow rollback ${app}`,
      ];
    case undefined:
      return [];
  }
}

function revisionView(app: KubeObject, status: JsonObject): StatusView["revision"] {
  const latest = status.latestRevision;
  if (!isJsonObject(latest) || typeof latest.name !== "string") return undefined;
  const publishVersion = app.metadata.annotations?.[ANNOTATION_PUBLISH_VERSION];
  const hash = text(latest.revisionHash);
  return {
    name: latest.name,
    number: typeof latest.revision === "number" ? latest.revision : Number(/-v(\d+)$/.exec(latest.name)?.[1] ?? 0),
    ...(hash === undefined ? {} : { hash }),
    ...(publishVersion === undefined ? {} : { publishVersion }),
  };
}

function rollbackView(status: JsonObject): StatusView["rollback"] {
  const rollback = status.rollback;
  if (!isJsonObject(rollback) || typeof rollback.to !== "string") return undefined;
  const from = text(rollback.from);
  const time = text(rollback.time);
  const reason = text(rollback.reason);
  return {
    to: rollback.to,
    ...(from === undefined ? {} : { from }),
    ...(time === undefined ? {} : { time }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * `vela-ts status <app>`: runs the app to a fixed point (on the sandbox, controllers only move
 * when a command runs) unless a running `vela-ts controller` reconciles it, then reads what
 * `status` shows. Holds the sandbox lock only while reading.
 */
export async function applicationStatus(options: StatusOptions): Promise<StatusView> {
  return withTarget(options, (target) => readApplicationStatus(target, options));
}

/** What {@link readApplicationStatus} needs besides an opened target. */
export type ReadStatusOptions = Pick<StatusOptions, "app" | "namespace" | "tree" | "sleep">;

/**
 * {@link applicationStatus} on a target the caller has opened (and closes): drives the app to a
 * fixed point, or leaves it to a live controller, then reads the view. For callers that read more
 * than the status under one sandbox lock (the dashboard).
 */
export async function readApplicationStatus(target: Target, options: ReadStatusOptions): Promise<StatusView> {
  const namespace = options.namespace ?? "default";
  await requireApplication(target.cluster, options.app, namespace);
  // With a live controller Lease, status only reads: the controller reconciles.
  const drive = await driveOrHandOff(target, options.app, namespace, { wait: false, sleep: options.sleep });
  const app = drive.outcome.app;
  const status = statusOf(app);
  const canaries: StatusCanary[] = [];
  for (const rollout of await findAppRollouts(target.cluster, options.app, namespace)) {
    const progress = await readCanaryProgress(target.cluster, rollout);
    const gate = canaryGate(progress, drive.outcome.workflow);
    canaries.push({
      ...progress,
      ...(gate === undefined ? {} : { gate }),
      next: canaryNextSteps(progress, options.app, drive.outcome.workflow),
    });
  }
  const revision = revisionView(app, status);
  const rollback = rollbackView(status);
  const workflow = workflowView(drive.outcome.workflow);
  const analysis = decodeStoredOptional<Record<string, AnalysisRun>>(ANALYSIS_RUNS_SCHEMA, status.analysis, {
    object: describeRef(refOf(app)),
    path: "/status/analysis",
  });
  const tree = options.tree === true ? await buildResourceTree(target.cluster, options.app, namespace) : undefined;
  const nextWakeAt = earliest(drive.outcome.nextWakeAt, target.driver.nextWakeAt());
  return {
    target: target.description,
    now: formatTimestamp(target.deps.clock.now()),
    application: printableApplication(app),
    name: options.app,
    namespace,
    ...(app.metadata.creationTimestamp === undefined ? {} : { createdAt: app.metadata.creationTimestamp }),
    phase: text(status.status) ?? drive.outcome.phase,
    ...(revision === undefined ? {} : { revision }),
    ...(rollback === undefined ? {} : { rollback }),
    ...(analysis === undefined ? {} : { analysis }),
    ...(workflow === undefined ? {} : { workflow }),
    services: servicesView(app, status, canaries),
    conditions: conditionsOf(status),
    events: await recentEvents(target, app),
    canaries,
    ...(tree === undefined ? {} : { tree }),
    stop: drive.stop,
    ...(drive.waitingFor === undefined ? {} : { waitingFor: drive.waitingFor }),
    ...(drive.reconciledBy === undefined ? {} : { reconciledBy: drive.reconciledBy }),
    ...(nextWakeAt === undefined ? {} : { nextWakeAt }),
  };
}

/** Events shown by `status` (kubectl describe shows them all; the rest stay in `kubectl get events`). */
const MAX_STATUS_EVENTS = 10;

async function recentEvents(target: Target, app: KubeObject): Promise<EventView[]> {
  try {
    return (await eventsAbout(target.cluster, app)).slice(-MAX_STATUS_EVENTS);
  } catch (error) {
    // Events are a courtesy: a cluster that forbids listing them (RBAC) still shows the rest.
    if (error instanceof VelaError) return [];
    throw error;
  }
}

function earliest(timestamp: string | undefined, date: Date | undefined): string | undefined {
  const times = [timestamp === undefined ? NaN : Date.parse(timestamp), date?.getTime() ?? NaN].filter(Number.isFinite);
  return times.length === 0 ? undefined : new Date(Math.min(...times)).toISOString();
}

/** Options of {@link watchApplicationStatus}. */
export interface WatchStatusOptions extends StatusOptions {
  /** Time between looks, on the command's clock. @default 2000 */
  readonly intervalMs?: number;
  /** Stop after this long even if the release still moves. @default no limit */
  readonly timeoutMs?: number;
  /** Called with every view taken (the CLI reprints only when the text changed). */
  readonly onView: (view: StatusView) => void;
}

/** Why a watch ended: the release's own stop, or the watch's `timeout`. */
export type WatchStop = Exclude<DriveStop, "quiet"> | "timeout";

/**
 * `vela-ts status <app> --watch`: looks again every `intervalMs` (running the app to a fixed point
 * each time, and releasing the sandbox lock in between so other commands can act), until the
 * workflow finished or failed, waits for a person, or `timeoutMs` passed.
 */
export async function watchApplicationStatus(
  options: WatchStatusOptions,
): Promise<{ readonly view: StatusView; readonly stop: WatchStop }> {
  const interval = options.intervalMs ?? 2000;
  const started = options.clock.now().getTime();
  for (;;) {
    const view = await applicationStatus(options);
    options.onView(view);
    if (view.stop !== "quiet") return { view, stop: view.stop };
    const elapsed = options.clock.now().getTime() - started;
    if (options.timeoutMs !== undefined && elapsed + interval > options.timeoutMs) return { view, stop: "timeout" };
    await options.sleep(interval);
  }
}
