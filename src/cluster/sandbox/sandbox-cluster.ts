/**
 * The sandbox as a {@link Cluster}: the store's writes and watches, the simulated controllers'
 * settle after each command's writes (through the change feed), simulated time and `--wait`'s
 * wake-ups, and `openSandbox`. One file because the store, the controllers and the clock meet here
 * and their ordering (write → settle → wake) is the sandbox's contract.
 */
import { ClusterError } from "../../errors/index.js";
import type { KubeObject, ObjectRef } from "../../model/kube-object.js";
import { cloneJson, SimulatedClock, type Clock, type JsonValue } from "../../util/index.js";
import type {
  ApplyOptions,
  Cluster,
  DeleteOptions,
  ListOptions,
  PatchBody,
  WatchEvent,
  WatchOptions,
} from "../cluster.js";
import { isNamespacedKind } from "../resources.js";
import { matchesFieldSelector, matchesLabelSelector, parseFieldSelector, parseLabelSelector } from "../selector.js";
import { createChartCatalog } from "./charts/index.js";
import type { ChartCatalog, ControllerEnv, SimulatedAdmission, SimulatedController } from "./controller-contract.js";
import { SIMULATED_ADMISSIONS, SIMULATED_CONTROLLERS } from "./controllers/index.js";
import type { ObjectStore, StoredChange, WriteOptions } from "./object-store.js";
import { ChangeTracker } from "./change-feed.js";
import { assertConverged, isControllerEnabled, nextWakeAt, settle, type SettleResult } from "./runner.js";
import type { SettledState } from "./store/settled-marker.js";
import { openSandboxStore, type OpenSandboxStoreOptions, type SandboxStore } from "./store/durable-store.js";
import { hasLockWaiters, lockHolderToken } from "./store/lock.js";
import { groupKindOf } from "./store/object-index.js";
import { seededRandom } from "./store/random.js";

export interface OpenSandboxOptions {
  /** The sandbox directory (the CLI resolves `--sandbox`, `VELA_TS_SANDBOX`, `./.vela-ts`). */
  readonly dir: string;
  readonly clock: Clock;
  /** Seed of a sandbox created by this open; an existing sandbox keeps its own. @default "0" */
  readonly seed?: string;
  /** @default SIMULATED_CONTROLLERS */
  readonly controllers?: readonly SimulatedController[];
  /** @default SIMULATED_ADMISSIONS */
  readonly admissions?: readonly SimulatedAdmission[];
  /** The chart mirrors the Flux controller resolves through. @default createChartCatalog(dir) */
  readonly charts?: ChartCatalog;
  /** Passes before settle gives up. @default 200 */
  readonly maxPasses?: number;
  /**
   * Every controller reconciles every object in each pass, instead of the keyed controllers visiting
   * only what changed since their last turn: the reference behaviour, for benchmarks. @default false
   */
  readonly fullPasses?: boolean;
  /** Wait this long for another command holding the sandbox. @default 10000 */
  readonly lockTimeoutMs?: number;
  /** Shown to commands waiting for the lock. @default "vela-ts" */
  readonly command?: string;
  /** fdatasync each acknowledged write. @default true */
  readonly sync?: boolean;
  /**
   * Group commit, for a long-running server: writes return before their fdatasync and
   * {@link SandboxCluster.durable} resolves once one shared fdatasync covered them. @default false
   */
  readonly groupCommit?: boolean;
  /** The asynchronous fdatasync of group commit (tests inject a slow or failing one). @default fs.fdatasync */
  readonly fdatasync?: OpenSandboxStoreOptions["fdatasync"];
  /**
   * The objects the enabled addons install (their Definition objects), applied when the sandbox
   * does not hold them yet: on its first open and after a reset. @default none
   */
  readonly addonObjects?: (enabledAddons: ReadonlySet<string>) => readonly KubeObject[];
}

/** The field manager of objects an addon installs. */
export const ADDON_FIELD_MANAGER = "vela-ts-addon";

/** Changes kept for watches that resume from a resourceVersion. */
const WATCH_HISTORY = 10000;

/**
 * How long a command that let go of the sandbox during a wait waits to take it back: another
 * command holds it only for one of its passes, but a long one may hold it for a while.
 */
const RETAKE_TIMEOUT_MS = 10 * 60 * 1000;

/** Options of {@link SandboxCluster.withoutLock} and {@link SandboxCluster.yieldToWaiters}. */
export interface ReleaseOptions {
  /** How long to wait to take the lock back. @default 10 minutes */
  readonly lockTimeoutMs?: number;
  /** Told when the lock is held by another command and this one waits for it. */
  readonly onWait?: (holder: string) => void;
}

/** A caller's own copy of what the store holds (stored objects are shared and frozen); objects are JSON. */
function copyOf<T>(value: T): T {
  return cloneJson(value as JsonValue) as T;
}

/**
 * The sandbox as a {@link Cluster} (DESIGN §7): the durable object store of one directory, its
 * admissions on every write, and the simulated controllers run to a fixed point by `settle()`.
 * Holds the sandbox lock from `openSandbox` until `close()`. Objects it returns are the caller's
 * own copies.
 */
export class SandboxCluster implements Cluster {
  readonly kind = "sandbox" as const;
  private readonly history: { readonly resourceVersion: number; readonly change: StoredChange }[] = [];
  private readonly listeners = new Set<() => void>();
  private unsubscribe: () => void;
  /** What changed since each simulated controller's last turn (one per store read: a re-read starts over). */
  private changes = new ChangeTracker();
  private readonly controllers: readonly SimulatedController[];
  private readonly charts: ChartCatalog | undefined;
  private readonly maxPasses: number | undefined;
  private readonly fullPasses: boolean;
  private closed = false;

  constructor(
    private sandbox: SandboxStore,
    private readonly clock: Clock,
    options: Pick<OpenSandboxOptions, "controllers" | "charts" | "maxPasses" | "fullPasses"> = {},
  ) {
    this.controllers = options.controllers ?? SIMULATED_CONTROLLERS;
    this.charts = options.charts;
    this.maxPasses = options.maxPasses;
    this.fullPasses = options.fullPasses === true;
    this.unsubscribe = this.follow(sandbox);
    this.catchUpClock();
  }

  /** A {@link SimulatedClock} runs as far ahead as the sandbox's recorded time (another command may have moved it). */
  private catchUpClock(): void {
    if (this.clock instanceof SimulatedClock) this.clock.runAhead(this.sandbox.metadata.clockOffsetMs ?? 0);
  }

  /**
   * Whether `--wait` may skip simulated time instead of sleeping: only with a {@link SimulatedClock}
   * (the CLI's), whose offset the sandbox records so every later command sees the same time.
   */
  get canSkipTime(): boolean {
    return this.clock instanceof SimulatedClock;
  }

  /**
   * Moves the sandbox's time `milliseconds` ahead without waiting for the wall clock, durably (the
   * offset is in `sandbox.json`): timed pauses, grace periods and pods' start-up delays pass at once.
   */
  skipAhead(milliseconds: number): void {
    this.check();
    if (!(this.clock instanceof SimulatedClock) || milliseconds <= 0) return;
    const offset = this.clock.offsetMs + Math.ceil(milliseconds);
    this.sandbox.setClockOffset(offset);
    this.clock.runAhead(offset);
  }

  private follow(sandbox: SandboxStore): () => void {
    this.changes = new ChangeTracker();
    const stopTracking = this.fullPasses ? () => undefined : this.changes.follow(sandbox.store);
    const resumePoint = sandbox.resumePoint;
    sandbox.resumePoint = undefined;
    if (!this.fullPasses) {
      if (resumePoint !== undefined) this.changes.resume(resumePoint);
      const changes = this.changes;
      sandbox.recordQueuesFrom(() => this.queueState(changes, sandbox));
    }
    const stopWatching = sandbox.store.subscribe((changes) => {
      for (const change of changes)
        this.history.push({ resourceVersion: Number(change.object.metadata.resourceVersion), change });
      if (this.history.length > WATCH_HISTORY) this.history.splice(0, this.history.length - WATCH_HISTORY);
      for (const listener of this.listeners) listener();
    });
    return () => {
      stopTracking();
      stopWatching();
    };
  }

  /** The enabled keyed controllers' queues now, for `settled.json` (see {@link ChangeTracker.queueStates}). */
  private queueState(changes: ChangeTracker, sandbox: SandboxStore): SettledState {
    const store = sandbox.store;
    const keyed = this.controllers.flatMap((controller) =>
      controller.keyed !== undefined && isControllerEnabled(controller, store.enabledAddons)
        ? [{ name: controller.name, keyed: controller.keyed }]
        : [],
    );
    const { wakes, dirty } = changes.queueStates(keyed, store);
    return {
      resourceVersion: Number(store.resourceVersion),
      enabledAddons: [...store.enabledAddons].sort(),
      controllers: wakes,
      dirty,
    };
  }

  /**
   * Runs `work` (a wait: `--wait` sleeping until the next timed step) without holding the sandbox
   * lock, so `status`, `workflow suspend` or `workflow rollback` from another shell work meanwhile;
   * then takes the lock back, reading the sandbox again if another command changed it. Reads and
   * writes inside `work` are refused.
   */
  async withoutLock<T>(work: () => Promise<T>, options: ReleaseOptions = {}): Promise<T> {
    this.check();
    this.sandbox.suspend();
    try {
      return await work();
    } finally {
      await this.retake(options);
    }
  }

  /**
   * Between two passes of a long operation: when another command waits for the sandbox, lets it in
   * (releases the lock until that command took it) and then takes the lock back. Nothing when no
   * one waits.
   */
  async yieldToWaiters(options: ReleaseOptions = {}): Promise<boolean> {
    this.check();
    if (!hasLockWaiters(this.sandbox.dir)) return false;
    const mine = lockHolderToken(this.sandbox.dir);
    this.sandbox.suspend();
    try {
      // Give the waiter (polling every 25–50 ms) the time to take the lock before asking again.
      const until = Date.now() + 1000;
      while (Date.now() < until) {
        const holder = lockHolderToken(this.sandbox.dir);
        if (holder !== undefined && holder !== mine) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await this.retake(options);
    }
    return true;
  }

  private async retake(options: ReleaseOptions): Promise<void> {
    const resumed = await this.sandbox.resume({
      timeoutMs: options.lockTimeoutMs ?? RETAKE_TIMEOUT_MS,
      ...(options.onWait === undefined ? {} : { onWait: options.onWait }),
    });
    if (resumed === this.sandbox) return;
    // Another command wrote meanwhile: follow the store read again (watches resume from its changes).
    this.unsubscribe();
    this.sandbox = resumed;
    this.unsubscribe = this.follow(resumed);
    this.history.length = 0;
    this.catchUpClock();
  }

  /** The sandbox directory. */
  get dir(): string {
    return this.sandbox.dir;
  }

  /**
   * Resolves once every write made so far is on disk: at once, unless the sandbox was opened with
   * `groupCommit`, where concurrent writers share one fdatasync and acknowledge after it.
   */
  durable(): Promise<void> {
    return this.sandbox.durable();
  }

  /** The synchronous store underneath (for the runner, benches and tests). */
  get store(): ObjectStore {
    return this.sandbox.store;
  }

  /** Successful writes since open. */
  get writeCount(): number {
    return this.sandbox.store.writeCount;
  }

  get resourceVersion(): string {
    return this.sandbox.store.resourceVersion;
  }

  get seed(): string {
    return this.sandbox.metadata.seed;
  }

  get enabledAddons(): ReadonlySet<string> {
    return this.sandbox.store.enabledAddons;
  }

  /** Enables exactly these addons (persisted in the sandbox metadata). */
  setEnabledAddons(addons: Iterable<string>): void {
    this.sandbox.setEnabledAddons([...addons]);
  }

  private check(): void {
    if (this.closed)
      throw new ClusterError("E_SANDBOX_CLOSED", "the sandbox was closed", { hint: "open it again with openSandbox" });
    if (!this.sandbox.holdsLock)
      throw new ClusterError("E_SANDBOX_RELEASED", "the sandbox is used while its lock is let go (during a wait)");
  }

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.check();
    const found = this.sandbox.store.get(ref);
    return Promise.resolve(found === undefined ? undefined : copyOf(found));
  }

  list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]> {
    this.check();
    return Promise.resolve(this.sandbox.store.list(apiVersion, kind, options).map(copyOf));
  }

  private write<T>(fn: () => T): Promise<T> {
    this.check();
    try {
      return Promise.resolve(copyOf(fn()));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new ClusterError("E_SANDBOX_WRITE", String(error)));
    }
  }

  apply(object: KubeObject, options?: ApplyOptions): Promise<KubeObject> {
    return this.write(() => this.sandbox.store.apply(object, options));
  }

  create(object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return this.write(() => this.sandbox.store.create(object, options));
  }

  update(object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return this.write(() => this.sandbox.store.update(object, options));
  }

  updateStatus(object: KubeObject, options?: WriteOptions): Promise<KubeObject> {
    return this.write(() => this.sandbox.store.updateStatus(object, options));
  }

  patch(ref: ObjectRef, body: PatchBody, options?: WriteOptions): Promise<KubeObject> {
    return this.write(() => this.sandbox.store.patch(ref, body, options));
  }

  patchStatus(ref: ObjectRef, body: PatchBody, options?: WriteOptions): Promise<KubeObject> {
    return this.write(() => this.sandbox.store.patchStatus(ref, body, options));
  }

  delete(ref: ObjectRef, options?: DeleteOptions): Promise<boolean> {
    return this.write(() => this.sandbox.store.delete(ref, options));
  }

  /** Deletes every object of the sandbox; returns how many there were. */
  reset(): number {
    this.check();
    return this.sandbox.reset();
  }

  /** The ControllerEnv of a pass now: the clock's time, a random source seeded by sandbox seed and resourceVersion. */
  controllerEnv(): ControllerEnv {
    return {
      now: this.clock.now(),
      random: seededRandom(`${this.sandbox.metadata.seed}/env/${this.sandbox.store.resourceVersion}`),
      enabledAddons: this.sandbox.store.enabledAddons,
      ...(this.charts === undefined ? {} : { charts: this.charts }),
    };
  }

  /**
   * Runs the simulated controllers to a fixed point (after fetching the charts every HelmRepository
   * points at). Throws `E_SANDBOX_NOT_CONVERGED` when they keep writing; controller errors are in the result.
   */
  async settle(): Promise<SettleResult> {
    this.check();
    if (this.charts !== undefined) {
      const urls = this.sandbox.store
        .list("source.toolkit.fluxcd.io/v1", "HelmRepository")
        .map((repository) => (repository["spec"] as { url?: unknown } | undefined)?.url)
        .filter((url): url is string => typeof url === "string");
      await this.charts.prefetch([...new Set(urls)].sort());
    }
    const result = settle(this.sandbox.store, {
      controllers: this.controllers,
      env: this.controllerEnv(),
      ...(this.fullPasses ? {} : { changes: this.changes }),
      ...(this.maxPasses === undefined ? {} : { maxPasses: this.maxPasses }),
    });
    assertConverged(result);
    return result;
  }

  /** When a controller next acts on its own (a timed pause ending, a pod becoming ready), if ever. */
  nextWakeAt(): Date | undefined {
    this.check();
    return nextWakeAt(
      this.sandbox.store,
      this.controllers,
      this.controllerEnv(),
      this.fullPasses ? undefined : this.changes,
    );
  }

  /**
   * The current objects as ADDED (or, with `resourceVersion`, the changes after it), then every later
   * change, until `signal` aborts or the sandbox closes. Changes come from this process's writes.
   */
  async *watch(apiVersion: string, kind: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
    this.check();
    const groupKind = groupKindOf(apiVersion, kind);
    const namespace =
      options.namespace !== undefined && isNamespacedKind(apiVersion, kind) ? options.namespace : undefined;
    const labels = parseLabelSelector(options.labelSelector ?? "");
    const fields = parseFieldSelector(options.fieldSelector ?? "");
    const matches = (object: KubeObject): boolean =>
      groupKindOf(object.apiVersion, object.kind) === groupKind &&
      (namespace === undefined || object.metadata.namespace === namespace) &&
      matchesLabelSelector(labels, object.metadata.labels) &&
      matchesFieldSelector(fields, (field) =>
        field === "metadata.name"
          ? object.metadata.name
          : field === "metadata.namespace"
            ? object.metadata.namespace
            : undefined,
      );
    const aborted = (): boolean => options.signal?.aborted === true;
    let wake: (() => void) | undefined;
    const listener = (): void => wake?.();
    this.listeners.add(listener);
    const onAbort = (): void => wake?.();
    options.signal?.addEventListener("abort", onAbort);
    try {
      let after: number;
      if (options.resourceVersion === undefined) {
        after = Number(this.sandbox.store.resourceVersion);
        for (const object of this.sandbox.store.list(apiVersion, kind, options))
          yield { type: "ADDED", object: structuredClone(object) };
      } else {
        after = Number(options.resourceVersion);
        const oldest = this.history[0]?.resourceVersion;
        if (after < Number(this.sandbox.store.resourceVersion) && (oldest === undefined || oldest > after + 1)) {
          throw new ClusterError("E_WATCH_EXPIRED", `too old resource version: ${options.resourceVersion}`, {
            hint: "list again and watch from the list's resourceVersion",
          });
        }
      }
      while (!aborted() && !this.closed) {
        const pending = this.history.filter((entry) => entry.resourceVersion > after);
        for (const entry of pending) {
          after = entry.resourceVersion;
          if (matches(entry.change.object))
            yield { type: entry.change.type, object: structuredClone(entry.change.object) };
          if (aborted()) return;
        }
        if (pending.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      }
    } finally {
      this.listeners.delete(listener);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Releases the sandbox lock; ends open watches. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const listener of this.listeners) listener();
    this.sandbox.close();
  }
}

/**
 * Opens the sandbox in `dir` (creating it with the default addons), holding its lock until
 * `close()`. One command = open → work → settle → close.
 */
export async function openSandbox(options: OpenSandboxOptions): Promise<SandboxCluster> {
  const sandbox = await openSandboxStore({
    dir: options.dir,
    clock: options.clock,
    admissions: options.admissions ?? SIMULATED_ADMISSIONS,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
    ...(options.command === undefined ? {} : { command: options.command }),
    ...(options.sync === undefined ? {} : { sync: options.sync }),
    ...(options.groupCommit === undefined ? {} : { groupCommit: options.groupCommit }),
    ...(options.fdatasync === undefined ? {} : { fdatasync: options.fdatasync }),
  });
  try {
    const charts = options.charts ?? createChartCatalog(options.dir);
    const cluster = new SandboxCluster(sandbox, options.clock, {
      ...(options.controllers === undefined ? {} : { controllers: options.controllers }),
      ...(charts === undefined ? {} : { charts }),
      ...(options.maxPasses === undefined ? {} : { maxPasses: options.maxPasses }),
      ...(options.fullPasses === undefined ? {} : { fullPasses: options.fullPasses }),
    });
    if (options.addonObjects !== undefined && sandbox.metadata.addonObjectsInstalled !== true) {
      // Applies are idempotent: a command killed half way through installs the rest next time.
      for (const object of options.addonObjects(cluster.enabledAddons))
        await cluster.apply(object, { force: true, fieldManager: ADDON_FIELD_MANAGER });
      sandbox.setAddonObjectsInstalled(true);
    }
    return cluster;
  } catch (error) {
    sandbox.close();
    throw error;
  }
}
