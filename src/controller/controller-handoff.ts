/**
 * CLI commands next to a running `vela-ts controller`: when a controller holds a live Lease for the
 * app's namespace, a command writes what the person asked for and leaves the reconciling to it
 * (two reconcilers would race on the status), and `--wait` follows the Application instead of
 * driving it. Without such a controller the command drives the app in-process as before.
 */
import type { Cluster } from "../cluster/cluster.js";
import { VelaError } from "../errors/index.js";
import { assertApplicationStatus } from "../model/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { formatDuration, type Clock, type JsonValue } from "../util/index.js";
import { findSuspendedSteps, storedWorkflowOf } from "../workflow/index.js";
import {
  APPLICATION_API_VERSION,
  APPLICATION_KIND,
  getApplication,
  statusOf,
} from "../reconciler/application-object.js";
import { storedServicesOf } from "../reconciler/component-runtime.js";
import {
  describeProgress,
  driveApplication,
  personGate,
  sleepUnlocked,
  terminalStop,
  type DriveOptions,
  type DriveResult,
} from "../reconciler/drive.js";
import { activeController, CONTROLLER_LEASE_NAME, type ActiveController } from "./lease.js";
import { MASTER_SHARD, scheduledShardOf, shardLeaseName } from "./sharding.js";
import type { ReconcileOutcome } from "../reconciler/reconcile.js";
import { DEFAULT_POLL_INTERVAL_MS, type Target } from "../target/target.js";

/** Lease reads a person may not be allowed (RBAC) or a cluster may not serve: then no controller is known. */
function isUnreadableLease(error: unknown): boolean {
  return error instanceof VelaError && (error.code === "E_FORBIDDEN" || error.code === "E_KIND_NOT_INSTALLED");
}

/**
 * The controller that reconciles Applications of `appNamespace`, if one holds a live Lease: the
 * Lease lives in the controller's `--namespace` (then it reconciles only that namespace) or, for a
 * controller of all namespaces, in its context's namespace, so both places are looked at.
 */
export async function findReconcilingController(
  cluster: Cluster,
  clock: Clock,
  appNamespace: string,
  contextNamespace = "default",
  leaseName: string = CONTROLLER_LEASE_NAME,
): Promise<ActiveController | undefined> {
  for (const leaseNamespace of new Set([appNamespace, contextNamespace])) {
    let found: ActiveController | undefined;
    try {
      found = await activeController(cluster, clock, leaseNamespace, leaseName);
    } catch (error) {
      if (isUnreadableLease(error)) continue;
      throw error;
    }
    if (found !== undefined && (found.watchNamespace === undefined || found.watchNamespace === appNamespace))
      return found;
  }
  return undefined;
}

/**
 * The controller that reconciles one Application: a controller of all apps, or in sharded mode the
 * shard the app is scheduled to (an app not scheduled yet: the master shard, which schedules it).
 */
export async function findControllerOf(
  cluster: Cluster,
  clock: Clock,
  name: string,
  namespace: string,
  contextNamespace?: string,
): Promise<ActiveController | undefined> {
  const app = await cluster.get({ apiVersion: APPLICATION_API_VERSION, kind: APPLICATION_KIND, name, namespace });
  const shard = app === undefined ? "" : scheduledShardOf(app);
  const leases =
    shard === ""
      ? [CONTROLLER_LEASE_NAME, shardLeaseName(MASTER_SHARD)]
      : [shardLeaseName(shard), CONTROLLER_LEASE_NAME];
  for (const lease of leases) {
    const found = await findReconcilingController(cluster, clock, namespace, contextNamespace, lease);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A reconcile outcome read from the stored Application, for a command that did not reconcile itself. */
export function storedOutcome(app: KubeObject): ReconcileOutcome {
  assertApplicationStatus(app.metadata.name ?? "", app.status as JsonValue | undefined);
  const status = statusOf(app);
  const workflow = storedWorkflowOf(status);
  const timed = findSuspendedSteps(workflow).flatMap((step) => (step.resumeAt === undefined ? [] : [step.resumeAt]));
  const open = workflow !== undefined && !workflow.finished && !workflow.terminated;
  const suspended = open && workflow.suspend;
  const nextWakeAt =
    timed.length === 0
      ? undefined
      : timed.reduce((earliest, time) => (Date.parse(time) < Date.parse(earliest) ? time : earliest));
  return {
    app,
    phase: typeof status.status === "string" && status.status !== "" ? status.status : "starting",
    ...(workflow === undefined ? {} : { workflow }),
    wrote: false,
    ...(open && nextWakeAt !== undefined ? { nextWakeAt } : {}),
    waitingForPerson: suspended && timed.length === 0,
    services: storedServicesOf(app),
  };
}

/** Whether the controller reconciled the Application's current spec (KubeVela's `status.observedGeneration`). */
function isObserved(app: KubeObject): boolean {
  const observed = statusOf(app).observedGeneration;
  return typeof observed === "number" && observed >= (app.metadata.generation ?? 1);
}

/** Where the release stands in the stored Application; only `quiet` until the current spec was reconciled. */
async function standing(
  target: Target,
  name: string,
  namespace: string,
  app: KubeObject,
  controller: string,
): Promise<DriveResult> {
  const outcome = storedOutcome(app);
  if (!isObserved(app)) return { outcome, stop: "quiet", reconciledBy: controller };
  const terminal = terminalStop(outcome);
  if (terminal !== undefined) return { outcome, stop: terminal, reconciledBy: controller };
  const gate = await personGate(name, namespace, target.deps, outcome);
  if (gate !== undefined) return { outcome, stop: "waiting-for-person", waitingFor: gate, reconciledBy: controller };
  return { outcome, stop: "quiet", reconciledBy: controller };
}

/**
 * Follows an app a controller reconciles: reads it (no writes), and with `wait` reads again every
 * poll interval until the controller reconciled the current spec and the workflow finished, failed
 * or waits for a person (or `timeoutMs` passed). If the controller's Lease lapses meanwhile, the
 * command drives the app itself for the rest of the wait.
 */
async function followController(
  target: Target,
  name: string,
  namespace: string,
  controller: ActiveController,
  options: DriveOptions,
): Promise<DriveResult> {
  const clock = target.deps.clock;
  const started = clock.now().getTime();
  const interval = target.driver.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  let holder = controller.holder;
  let lastProgress = "";
  for (;;) {
    const view = await standing(target, name, namespace, await getApplication(target.cluster, name, namespace), holder);
    if (view.stop !== "quiet" || !options.wait) return view;
    if (options.timeoutMs !== undefined && clock.now().getTime() + interval - started > options.timeoutMs)
      return { ...view, stop: "timeout" };
    const line = `waiting ${formatDuration(interval)} for controller ${holder}: ${describeProgress(view.outcome)}`;
    if (line !== lastProgress) options.progress?.(line);
    lastProgress = line;
    await sleepUnlocked(target.driver, options.sleep, interval);
    const current = await findControllerOf(target.cluster, clock, name, namespace, target.kube?.namespace);
    if (current === undefined) {
      options.progress?.(`the lease of controller ${holder} lapsed; reconciling ${namespace}/${name} here`);
      const left =
        options.timeoutMs === undefined
          ? undefined
          : Math.max(0, options.timeoutMs - (clock.now().getTime() - started));
      return driveApplication(name, namespace, target.deps, target.driver, {
        ...options,
        ...(left === undefined ? {} : { timeoutMs: left }),
      });
    }
    holder = current.holder;
  }
}

/**
 * What a command does after writing what the person asked for: when a controller holds a live
 * Lease covering the app, says so on `progress` and follows the app ({@link followController});
 * otherwise drives it in-process ({@link driveApplication}).
 */
export async function driveOrHandOff(
  target: Target,
  name: string,
  namespace: string,
  options: DriveOptions,
): Promise<DriveResult> {
  const controller = await findControllerOf(target.cluster, target.deps.clock, name, namespace, target.kube?.namespace);
  if (controller === undefined) return driveApplication(name, namespace, target.deps, target.driver, options);
  options.progress?.(
    `controller ${controller.holder} is reconciling ${namespace}/${name} ` +
      `(lease ${controller.leaseNamespace}/${controller.leaseName}); this command does not reconcile it`,
  );
  return followController(target, name, namespace, controller, options);
}
