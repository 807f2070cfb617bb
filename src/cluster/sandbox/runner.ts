import { ClusterError, ConflictError, VelaError, assertNever } from "../../errors/index.js";
import type { ChangeTracker } from "./change-feed.js";
import type { ControllerChange, ControllerEnv, KeyedReconciler, SimulatedController } from "./controller-contract.js";
import type { ObjectStore } from "./object-store.js";

export interface SettleOptions {
  /** The controllers to run, in pass order (usually `SIMULATED_CONTROLLERS`). */
  readonly controllers: readonly SimulatedController[];
  readonly env: ControllerEnv;
  /** Passes before giving up on a fixed point. @default 200 */
  readonly maxPasses?: number;
  /**
   * The store's change feed: controllers with a `keyed` reconciler then visit only the objects the
   * changes since their last turn concern (and those whose wake instant came). Without it every
   * controller reconciles everything each pass.
   */
  readonly changes?: ChangeTracker;
}

/** A change a controller asked for that the store refused with a VelaError (kept, never thrown). */
export interface ControllerFailure {
  readonly controller: string;
  readonly change: ControllerChange | undefined;
  readonly error: VelaError;
}

export interface SettleResult {
  /** Passes run, the last one being the quiet pass when converged. */
  readonly passes: number;
  /** Store writes made by controllers (no-op changes are not writes). */
  readonly writes: number;
  /** True when a pass made no write (the fixed point). */
  readonly converged: boolean;
  /** When not converged: the controllers that still wrote in the last pass. */
  readonly stillWriting: readonly string[];
  /** Distinct failures (same controller, code and message counted once), in the order first seen. */
  readonly errors: readonly ControllerFailure[];
}

/** Whether a controller runs: core controllers always, addon controllers when their addon is enabled. */
export function isControllerEnabled(
  controller: { readonly addon?: string },
  enabledAddons: ReadonlySet<string>,
): boolean {
  return controller.addon === undefined || enabledAddons.has(controller.addon);
}

/** Makes one controller change as one store write, with the controller as field manager. */
export function applyControllerChange(store: ObjectStore, change: ControllerChange, fieldManager: string): void {
  const options = { fieldManager };
  switch (change.op) {
    case "create":
      store.create(change.object, options);
      return;
    case "update":
      store.update(change.object, options);
      return;
    case "updateStatus":
      store.updateStatus(change.object, options);
      return;
    case "patch":
      store.patch(change.ref, change.body, options);
      return;
    case "patchStatus":
      store.patchStatus(change.ref, change.body, options);
      return;
    case "delete":
      store.delete(change.ref);
      return;
    default:
      assertNever(change, "controller change");
  }
}

/**
 * Runs the simulated controllers to a fixed point, as their real counterparts would converge between
 * two commands: each pass runs every enabled controller's `reconcile` against the current store and
 * makes its changes in order. A ConflictError (stale resourceVersion, object already exists) drops the
 * rest of that controller's changes for the pass, like a real controller's 409 + requeue; any other
 * VelaError is recorded in `errors` and also ends that controller's pass. Stops after a pass without
 * writes, or after `maxPasses` (then `converged` is false and `stillWriting` names the culprits).
 * Each pass is made durable as one group (one fsync).
 */
export function settle(store: ObjectStore, options: SettleOptions): SettleResult {
  const maxPasses = options.maxPasses ?? 200;
  const enabled = options.controllers.filter((controller) =>
    isControllerEnabled(controller, options.env.enabledAddons),
  );
  const errors: ControllerFailure[] = [];
  const seen = new Set<string>();
  const record = (controller: string, change: ControllerChange | undefined, error: VelaError): void => {
    const id = `${controller}\u0000${error.code}\u0000${error.message}`;
    if (seen.has(id)) return;
    seen.add(id);
    errors.push({ controller, change, error });
  };
  let writes = 0;
  let stillWriting: string[] = [];
  for (let pass = 1; pass <= maxPasses; pass++) {
    const writers = store.batch(() => {
      const wrote: string[] = [];
      for (const controller of enabled) {
        const before = store.writeCount;
        if (controller.keyed !== undefined && options.changes !== undefined)
          runKeyed(store, controller.name, controller.keyed, options.changes, options.env, record);
        else runFull(store, controller, options.env, record);
        if (store.writeCount > before) {
          writes += store.writeCount - before;
          wrote.push(controller.name);
        }
      }
      return wrote;
    });
    if (writers.length === 0) {
      options.changes?.compact();
      return { passes: pass, writes, converged: true, stillWriting: [], errors };
    }
    stillWriting = writers;
  }
  options.changes?.compact();
  return { passes: maxPasses, writes, converged: false, stillWriting, errors };
}

type RecordFailure = (controller: string, change: ControllerChange | undefined, error: VelaError) => void;

/**
 * Applies changes in order; returns how many were made before one failed (all of them when none
 * did). A ConflictError ends the run quietly (the 409 + requeue), another VelaError is recorded.
 */
function applyInOrder(
  store: ObjectStore,
  controller: string,
  changes: readonly ControllerChange[],
  record: RecordFailure,
): number {
  for (const [index, change] of changes.entries()) {
    try {
      applyControllerChange(store, change, controller);
    } catch (error) {
      if (!(error instanceof VelaError)) throw error;
      if (!(error instanceof ConflictError)) record(controller, change, error);
      return index;
    }
  }
  return changes.length;
}

/** One controller's turn in a pass: `reconcile` over the whole store. */
function runFull(store: ObjectStore, controller: SimulatedController, env: ControllerEnv, record: RecordFailure): void {
  let changes: readonly ControllerChange[];
  try {
    changes = controller.reconcile(store, env);
  } catch (error) {
    if (!(error instanceof VelaError)) throw error;
    record(controller.name, undefined, error);
    return;
  }
  applyInOrder(store, controller.name, changes, record);
}

/**
 * One keyed controller's turn in a pass: its dirty objects only, in the order a full pass visits
 * them, every change computed before the first is made (as `reconcile` computes them from one
 * view). An object whose changes were all made and that asked for none leaves the queue with its
 * wake instant noted; one that asked for changes stays queued (its own writes queue it again
 * anyway); from the first failed change on, the rest stay queued for the next pass.
 */
function runKeyed(
  store: ObjectStore,
  name: string,
  keyed: KeyedReconciler,
  tracker: ChangeTracker,
  env: ControllerEnv,
  record: RecordFailure,
): void {
  const queue = tracker.catchUp(name, keyed, store, env.now);
  const planned: { readonly key: string; readonly changes: readonly ControllerChange[] }[] = [];
  try {
    for (const [key, queued] of queue.ordered()) {
      const object = store.get(queued.ref);
      if (object === undefined) {
        queue.dirty.delete(key);
        queue.wakes.delete(key);
        continue;
      }
      planned.push({ key, changes: keyed.reconcileObject(object, store, env) });
    }
  } catch (error) {
    if (!(error instanceof VelaError)) throw error;
    record(name, undefined, error);
    return;
  }
  const all = planned.flatMap((entry) => entry.changes);
  const made = applyInOrder(store, name, all, record);
  let offset = 0;
  for (const entry of planned) {
    offset += entry.changes.length;
    if (offset > made) break;
    if (entry.changes.length > 0) continue;
    const queued = queue.dirty.get(entry.key);
    queue.dirty.delete(entry.key);
    const object = queued === undefined ? undefined : store.get(queued.ref);
    const at = object === undefined || keyed.wakeAt === undefined ? undefined : keyed.wakeAt(object, store, env);
    if (at === undefined || queued === undefined) queue.wakes.delete(entry.key);
    else queue.wakes.set(entry.key, { key: queued, at: at.getTime() });
  }
}

/** Throws `E_SANDBOX_NOT_CONVERGED` when `settle` hit its pass limit. */
export function assertConverged(result: SettleResult): void {
  if (result.converged) return;
  throw new ClusterError(
    "E_SANDBOX_NOT_CONVERGED",
    `the simulated controllers did not settle after ${result.passes} passes (${result.writes} writes); ` +
      `still writing: ${result.stillWriting.join(", ")}`,
    {
      hint:
        "two controllers (or a controller and an admission) keep undoing each other's writes; " +
        "`sandbox get` the objects they own to see which fields flip",
    },
  );
}

/**
 * The earliest instant at which an enabled controller would act without any write (a timed pause
 * ending, a pod becoming ready); undefined when none is waiting for time.
 */
export function nextWakeAt(
  store: ObjectStore,
  controllers: readonly SimulatedController[],
  env: ControllerEnv,
  changes?: ChangeTracker,
): Date | undefined {
  let earliest: Date | undefined;
  for (const controller of controllers) {
    if (!isControllerEnabled(controller, env.enabledAddons)) continue;
    const wake =
      controller.keyed !== undefined && changes !== undefined
        ? keyedWakeAt(store, controller.name, controller.keyed, changes, env)
        : controller.nextWakeAt?.(store, env);
    if (wake !== undefined && (earliest === undefined || wake.getTime() < earliest.getTime())) earliest = wake;
  }
  return earliest;
}

/** A keyed controller's earliest wake: the noted instants, and those of objects still queued (read now). */
function keyedWakeAt(
  store: ObjectStore,
  name: string,
  keyed: KeyedReconciler,
  tracker: ChangeTracker,
  env: ControllerEnv,
): Date | undefined {
  if (keyed.wakeAt === undefined) return undefined;
  const queue = tracker.catchUp(name, keyed, store);
  let earliest: number | undefined;
  const consider = (at: number | undefined): void => {
    if (at !== undefined && at > env.now.getTime() && (earliest === undefined || at < earliest)) earliest = at;
  };
  for (const [key, wake] of queue.wakes) if (!queue.dirty.has(key)) consider(wake.at);
  for (const queued of queue.dirty.values()) {
    const object = store.get(queued.ref);
    if (object !== undefined) consider(keyed.wakeAt(object, store, env)?.getTime());
  }
  return earliest === undefined ? undefined : new Date(earliest);
}
