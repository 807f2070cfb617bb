import { ClusterError, ConflictError, VelaError, assertNever } from "../../errors/index.js";
import type { ControllerChange, ControllerEnv, SimulatedController } from "./controller-contract.js";
import type { ObjectStore } from "./object-store.js";

export interface SettleOptions {
  /** The controllers to run, in pass order (usually `SIMULATED_CONTROLLERS`). */
  readonly controllers: readonly SimulatedController[];
  readonly env: ControllerEnv;
  /** Passes before giving up on a fixed point. @default 200 */
  readonly maxPasses?: number;
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
        let changes: readonly ControllerChange[];
        try {
          changes = controller.reconcile(store, options.env);
        } catch (error) {
          if (!(error instanceof VelaError)) throw error;
          record(controller.name, undefined, error);
          continue;
        }
        for (const change of changes) {
          try {
            applyControllerChange(store, change, controller.name);
          } catch (error) {
            if (!(error instanceof VelaError)) throw error;
            if (!(error instanceof ConflictError)) record(controller.name, change, error);
            break;
          }
        }
        if (store.writeCount > before) {
          writes += store.writeCount - before;
          wrote.push(controller.name);
        }
      }
      return wrote;
    });
    if (writers.length === 0) return { passes: pass, writes, converged: true, stillWriting: [], errors };
    stillWriting = writers;
  }
  return { passes: maxPasses, writes, converged: false, stillWriting, errors };
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
): Date | undefined {
  let earliest: Date | undefined;
  for (const controller of controllers) {
    if (!isControllerEnabled(controller, env.enabledAddons) || controller.nextWakeAt === undefined) continue;
    const wake = controller.nextWakeAt(store, env);
    if (wake !== undefined && (earliest === undefined || wake.getTime() < earliest.getTime())) earliest = wake;
  }
  return earliest;
}
