/**
 * Controller mode (`vela-ts controller`): the reconciler the CLI uses, run continuously like
 * vela-core — Applications (and the objects they own) are watched, changed apps go through a
 * deduplicating work queue to `concurrency` workers, and each app is requeued when its workflow
 * next wakes, while it waits on its components, and on a periodic resync. A Lease makes sure only
 * one controller acts at a time. The loop takes its cluster, clock and abort signal from the
 * caller, so tests drive it in-process; the CLI adds signals and the health endpoint.
 */
import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import type { Cluster, ListOptions, WatchEvent } from "../cluster/cluster.js";
import { CorrelatingEventRecorder } from "../cluster/events.js";
import { ConflictError, VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE } from "../model/labels.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND } from "../reconciler/application-object.js";
import { ControllerMetrics, type ReconcileResult } from "./controller-metrics.js";
import { InformerView, newestResourceVersion } from "./informer-view.js";
import { LeaseLock, type LeaseSettings } from "./lease.js";
import { newerOf, passCluster } from "./pass-cluster.js";
import {
  LABEL_SHARD_ID,
  scheduleApplication,
  scheduledShardOf,
  shardLeaseName,
  ShardScheduler,
  MASTER_SHARD,
  viewShards,
  type ShardSettings,
} from "./sharding.js";
import {
  reconcileApplication,
  SteadyStateMemo,
  type ReconcileOutcome,
  type ReconcilerDeps,
} from "../reconciler/reconcile.js";
import { realSleep, WorkQueue, type AbortableSleep } from "./work-queue.js";

/** A kind whose objects belong to Applications (found by the `app.oam.dev/name` label). */
export interface OwnedKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * Owned kinds watched by default: the workloads and the Flux and Kruise objects whose status moves a
 * waiting `apply-component` step on. Kinds the cluster does not serve are skipped.
 */
export const DEFAULT_OWNED_KINDS: readonly OwnedKind[] = [
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "apps/v1", kind: "StatefulSet" },
  { apiVersion: "helm.toolkit.fluxcd.io/v2beta1", kind: "HelmRelease" },
  { apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout" },
];

/** One finished reconcile, for tests and logs. */
export interface ReconcileEvent {
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  /** `gone`: the Application no longer exists. */
  readonly result: ReconcileResult | "gone";
  /** `performance.now()` at start and end (monotonic, comparable between controllers of one process). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome?: ReconcileOutcome;
  readonly error?: unknown;
}

/** Options of {@link runController}. */
export interface ControllerOptions {
  /** The reconciler's dependencies; `deps.cluster` is also what is watched, `deps.clock` what times requeues. */
  readonly deps: ReconcilerDeps;
  /** Aborting it shuts the controller down gracefully (in-flight reconciles finish, the lease is released). */
  readonly signal: AbortSignal;
  /** Only Applications of this namespace. @default all namespaces */
  readonly namespace?: string;
  /** Leader election through a Lease; `false` acts at once without one (for a single controller only). */
  readonly leaderElection: LeaseSettings | false;
  /** Workers reconciling different apps at the same time. @default 4 */
  readonly concurrency?: number;
  /** Every app is reconciled at least this often (KubeVela's state keep). @default 30000 */
  readonly resyncIntervalMs?: number;
  /**
   * A pass of an app found exactly as its last full pass left it skips bind, render and apply
   * ({@link SteadyStateMemo}), except once this often per app (KubeVela's `--application-re-sync-period`).
   * @default 300000
   */
  readonly fullResyncIntervalMs?: number;
  /** First look-again delay while a step waits on its components; doubles while nothing changes, up to the resync. @default 2000 */
  readonly pollIntervalMs?: number;
  /** @default {@link DEFAULT_OWNED_KINDS} */
  readonly ownedKinds?: readonly OwnedKind[];
  /** Sleeps on the clock of `deps.clock`. @default real time */
  readonly sleep?: AbortableSleep;
  /** @default a new one */
  readonly metrics?: ControllerMetrics;
  /** Lines for the operator (leadership, failures). @default ignored */
  readonly log?: (message: string) => void;
  readonly onReconcile?: (event: ReconcileEvent) => void;
  /**
   * Sharded mode (KubeVela's `--shard-id`): only Applications labelled with this shard are
   * reconciled, the Lease is the shard's own, and the `master` shard schedules the others.
   */
  readonly sharding?: ShardSettings;
  /** How often the master shard looks at the shard Leases and schedules apps. @default 1000 */
  readonly scheduleIntervalMs?: number;
}

/** What a controller run did, when it returns (after the signal aborted). */
export interface ControllerSummary {
  readonly reconciles: number;
  /** Times this controller became the leader. */
  readonly leadershipTerms: number;
}

const MAX_BACKOFF_MS = 60_000;

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function splitKey(key: string): { readonly namespace: string; readonly name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isNotInstalled(error: unknown): boolean {
  return error instanceof VelaError && error.code === "E_KIND_NOT_INSTALLED";
}

/** True when nothing but time or a person moves the app on (finished and healthy). */
function isSettled(outcome: ReconcileOutcome): boolean {
  return outcome.workflow?.finished === true && outcome.services.every((service) => service.healthy);
}

/** The controller's state while it leads: queue, informers, workers. */
class LeadingTerm {
  private readonly queue: WorkQueue;
  /** resourceVersion of each app's last write by this controller: its own watch echo is not work. */
  private readonly lastWritten = new Map<string, string>();
  /** Each app as last seen (its watch, or this controller's own write, whichever is newer): a pass's first read. */
  private readonly apps = new Map<string, KubeObject>();
  /** Per app: consecutive failures (error backoff) and quiet polls (wait backoff). */
  private readonly failures = new Map<string, number>();
  private readonly quietPolls = new Map<string, number>();
  /** Apps at a steady state, and when each last had a full pass (clock milliseconds). */
  private readonly steadyState: SteadyStateMemo;
  /** Events correlated in memory, as client-go's recorder does: a repeat is one patch, a new event one create. */
  private readonly events = new CorrelatingEventRecorder();
  private readonly lastFullPass = new Map<string, number>();
  private synced = false;
  /** Sharded mode: the apps of this shard (as the watch last saw them). */
  private readonly mine = new Set<string>();
  /** Master shard: schedules apps onto shards; apps seen without a live shard wait in `unplaced`. */
  private readonly scheduler: ShardScheduler | undefined;
  private readonly unplaced = new Set<string>();
  reconciles = 0;

  constructor(
    private readonly options: ControllerOptions,
    private readonly metrics: ControllerMetrics,
    private readonly sleep: AbortableSleep,
    private readonly signal: AbortSignal,
  ) {
    const clock = options.deps.clock;
    this.queue = new WorkQueue(() => clock.now().getTime(), sleep);
    // The steady-state check reads what the last full pass read from informers, not the API server.
    const view = new InformerView({
      cluster: options.deps.cluster,
      signal,
      sleep,
      onWatchRestart: () => void (metrics.watchRestarts += 1),
    });
    this.steadyState = new SteadyStateMemo({ view });
    this.scheduler = options.sharding?.shardId === MASTER_SHARD ? new ShardScheduler(options.sharding) : undefined;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  async run(): Promise<void> {
    this.metrics.queueDepth = () => this.queue.depth;
    const scope: ListOptions = this.options.namespace === undefined ? {} : { namespace: this.options.namespace };
    const informers = [
      this.inform(
        APPLICATION_API_VERSION,
        APPLICATION_KIND,
        scope,
        (type, object) => this.onApplication(type, object),
        true,
      ),
      ...(this.options.ownedKinds ?? DEFAULT_OWNED_KINDS).map((owned) =>
        this.inform(
          owned.apiVersion,
          owned.kind,
          { ...scope, labelSelector: LABEL_APP_NAME },
          (_type, object) => this.onOwned(object),
          false,
        ),
      ),
    ];
    const workers = Array.from({ length: Math.max(1, this.options.concurrency ?? 4) }, () => this.work());
    const scheduling = this.scheduler === undefined ? Promise.resolve() : this.scheduleShards(this.scheduler);
    await new Promise<void>((resolve) => {
      if (this.signal.aborted) resolve();
      else this.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    // Shut down: no new work; in-flight reconciles finish (each writes whole statuses only).
    this.queue.shutDown();
    await Promise.all(workers);
    await Promise.allSettled([...informers, scheduling]);
    this.metrics.queueDepth = () => 0;
  }

  /** Drops everything known of an app (deleted, or scheduled to another shard). */
  private forgetApp(key: string, object: KubeObject): void {
    this.queue.forget(key);
    this.steadyState.forget(object.metadata.name ?? "", object.metadata.namespace ?? "default");
    this.lastFullPass.delete(key);
    this.lastWritten.delete(key);
    this.apps.delete(key);
    this.failures.delete(key);
    this.quietPolls.delete(key);
    this.metrics.setPhase(key, undefined);
  }

  /**
   * Sharded mode: true when the app is this shard's. An app of another shard is forgotten; the
   * master notes an app without a shard for its scheduling pass.
   */
  private claims(type: WatchEvent["type"], key: string, object: KubeObject): boolean {
    const sharding = this.options.sharding;
    if (sharding === undefined) return true;
    const deleted = type === "DELETED";
    this.scheduler?.observe(key, deleted ? undefined : object);
    const shard = scheduledShardOf(object);
    if (!deleted && shard === sharding.shardId) {
      this.mine.add(key);
      this.unplaced.delete(key);
      return true;
    }
    if (this.mine.delete(key) || deleted) this.forgetApp(key, object);
    if (deleted) this.unplaced.delete(key);
    else if (this.scheduler !== undefined && shard === "") this.unplaced.add(key);
    return false;
  }

  /**
   * The master shard's pass, every schedule interval: reads the shard Leases, then labels each app
   * without a shard, and each app of a shard whose Lease lapsed, with a live shard.
   */
  private async scheduleShards(scheduler: ShardScheduler): Promise<void> {
    const { cluster, clock } = this.options.deps;
    const leaseNamespace = this.options.leaderElection === false ? "default" : this.options.leaderElection.namespace;
    const interval = this.options.scheduleIntervalMs ?? 1000;
    let waiting = -1;
    while (!this.signal.aborted) {
      try {
        const view = await viewShards(cluster, clock, leaseNamespace);
        const candidates = scheduler.candidates(view);
        const keys = new Set(this.unplaced);
        if (view.lapsed.size > 0) for (const key of scheduler.keysOn(view.lapsed)) keys.add(key);
        for (const key of keys) {
          if (this.signal.aborted) break;
          const { namespace, name } = splitKey(key);
          const app = await cluster.get({
            apiVersion: APPLICATION_API_VERSION,
            kind: APPLICATION_KIND,
            name,
            namespace,
          });
          if (app === undefined) continue;
          const shard = scheduler.placement(key, app, view, candidates);
          if (shard === undefined) continue;
          if (await scheduleApplication(cluster, app, shard)) {
            const from = scheduledShardOf(app);
            this.unplaced.delete(key);
            if (from !== "") this.options.log?.(`moved ${key} from shard ${from} (lease lapsed) to shard ${shard}`);
          }
        }
        if (this.unplaced.size !== waiting && this.unplaced.size > 0 && candidates.length === 0)
          this.options.log?.(`${this.unplaced.size} applications wait for a live shard to be scheduled to`);
        waiting = this.unplaced.size;
      } catch (error) {
        if (this.signal.aborted) return;
        this.options.log?.(`scheduling applications onto shards failed: ${describe(error)}`);
      }
      await this.sleep(interval, this.signal);
    }
  }

  private onApplication(type: WatchEvent["type"], object: KubeObject): void {
    const key = keyOf(object.metadata.namespace ?? "default", object.metadata.name ?? "");
    if (!this.claims(type, key, object)) return;
    if (type === "DELETED") {
      this.forgetApp(key, object);
      return;
    }
    this.remember(key, object);
    if (this.lastWritten.get(key) === object.metadata.resourceVersion) return;
    this.quietPolls.delete(key);
    this.queue.add(key);
  }

  /** Keeps the newer of what is known of an app; with versions that do not compare, nothing (a pass reads it). */
  private remember(key: string, object: KubeObject): void {
    const newer = newerOf(this.apps.get(key), object);
    if (newer === undefined) this.apps.delete(key);
    else this.apps.set(key, newer);
  }

  private onOwned(object: KubeObject): void {
    const app = object.metadata.labels?.[LABEL_APP_NAME];
    const namespace = object.metadata.labels?.[LABEL_APP_NAMESPACE] ?? object.metadata.namespace;
    if (app === undefined || app === "" || namespace === undefined) return;
    if (this.options.namespace !== undefined && namespace !== this.options.namespace) return;
    if (this.options.sharding !== undefined && !this.mine.has(keyOf(namespace, app))) return;
    this.quietPolls.delete(keyOf(namespace, app));
    this.queue.add(keyOf(namespace, app));
  }

  /**
   * List, then watch from the newest resourceVersion listed; a failed watch starts again from the
   * last resourceVersion seen (after a server restart the client relists on 410 and reports only
   * differences), with backoff. A kind the cluster does not serve is skipped unless it is required.
   */
  private async inform(
    apiVersion: string,
    kind: string,
    options: ListOptions,
    onEvent: (type: WatchEvent["type"], object: KubeObject) => void,
    required: boolean,
  ): Promise<void> {
    const cluster: Cluster = this.options.deps.cluster;
    let resourceVersion: string | undefined;
    let listed = false;
    let failures = 0;
    while (!this.signal.aborted) {
      try {
        if (!listed) {
          const objects = await cluster.list(apiVersion, kind, options);
          for (const object of objects) onEvent("ADDED", object);
          resourceVersion = newestResourceVersion(objects);
          listed = true;
          if (required) this.synced = true;
        }
        const events = cluster.watch(apiVersion, kind, {
          ...options,
          signal: this.signal,
          ...(resourceVersion === undefined ? {} : { resourceVersion }),
        });
        for await (const event of events) {
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          failures = 0;
          onEvent(event.type, event.object);
        }
      } catch (error) {
        if (this.signal.aborted) return;
        if (!required && isNotInstalled(error)) return;
        failures += 1;
        this.metrics.watchRestarts += 1;
        const delay = Math.min(10_000, 250 * 2 ** Math.min(failures, 6));
        this.options.log?.(
          `watch of ${kind} failed: ${describe(error)}; watching again in ${(delay / 1000).toFixed(1)}s`,
        );
        await this.sleep(delay, this.signal);
      }
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcile(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async reconcile(key: string): Promise<void> {
    // A retry queued before the app moved to another shard.
    if (this.options.sharding !== undefined && !this.mine.has(key)) return;
    const { name, namespace } = splitKey(key);
    const startedAt = performance.now();
    const report = (
      result: ReconcileEvent["result"],
      extra: { readonly outcome?: ReconcileOutcome; readonly error?: unknown },
    ): void => {
      const endedAt = performance.now();
      if (result !== "gone") this.metrics.countReconcile(result, (endedAt - startedAt) / 1000);
      this.reconciles += 1;
      this.options.onReconcile?.({ key, name, namespace, result, startedAt, endedAt, ...extra });
    };
    let outcome: ReconcileOutcome;
    try {
      const deps = this.options.deps;
      const now = deps.clock.now().getTime();
      const cached = this.apps.get(key);
      const fullResync =
        now - (this.lastFullPass.get(key) ?? Number.NEGATIVE_INFINITY) >=
        (this.options.fullResyncIntervalMs ?? 300_000);
      outcome = await reconcileApplication(name, namespace, {
        ...deps,
        cluster: passCluster(deps.cluster, { ...(cached === undefined ? {} : { cached }) }),
        steadyState: deps.steadyState ?? this.steadyState,
        events: deps.events ?? this.events,
        fullResync,
      });
      if (outcome.skipped !== true) this.lastFullPass.set(key, now);
    } catch (error) {
      if (error instanceof VelaError && error.code === "E_APP_NOT_FOUND") {
        this.queue.forget(key);
        this.metrics.setPhase(key, undefined);
        report("gone", { error });
        return;
      }
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      if (error instanceof ConflictError) {
        // Another writer changed the object between our read and write: read again soon, from the cluster.
        this.apps.delete(key);
        report("conflict", { error });
        this.queue.addAfter(key, Math.min(5_000, 50 * 2 ** Math.min(failures, 7)));
        return;
      }
      report("error", { error });
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures - 1, 7));
      this.options.log?.(`reconcile ${key} failed (retrying in ${(delay / 1000).toFixed(1)}s): ${describe(error)}`);
      this.queue.addAfter(key, delay);
      return;
    }
    this.failures.delete(key);
    // An app that moved to another shard while this pass ran: nothing of it is kept here.
    const kept = this.options.sharding === undefined || this.mine.has(key);
    const written = outcome.app.metadata.resourceVersion;
    if (kept && written !== undefined) this.lastWritten.set(key, written);
    if (kept) this.remember(key, outcome.app);
    if (kept) this.metrics.setPhase(key, outcome.workflow?.status ?? "initializing");
    report("success", { outcome });
    if (kept) this.schedule(key, outcome);
  }

  /**
   * When to look at an app again: at the workflow's next wake, while it waits on its components
   * (soon after a write, then less and less often while nothing changes), and at the resync. A
   * write does not requeue at once: what the cluster's controllers do about it comes back as watch
   * events of the owned objects, and a waiting step rewrites its `lastExecuteTime` on every pass,
   * which would otherwise make a busy loop.
   */
  private schedule(key: string, outcome: ReconcileOutcome): void {
    if (outcome.wrote) this.quietPolls.delete(key);
    const resync = this.options.resyncIntervalMs ?? 30_000;
    const now = this.options.deps.clock.now().getTime();
    const delays = [resync];
    if (outcome.nextWakeAt !== undefined) delays.push(Math.max(0, Date.parse(outcome.nextWakeAt) - now));
    if (!isSettled(outcome) && !outcome.waitingForPerson) {
      const quiet = this.quietPolls.get(key) ?? 0;
      this.quietPolls.set(key, quiet + 1);
      delays.push((this.options.pollIntervalMs ?? 2000) * 2 ** Math.min(quiet, 4));
    }
    this.queue.addAfter(key, Math.min(...delays));
  }
}

/**
 * Runs controller mode until `options.signal` aborts: campaigns for the Lease, and while leading,
 * watches and reconciles. A leader that cannot renew within the renew deadline (or sees another
 * holder) stops reconciling and campaigns again. On abort, in-flight reconciles finish, watches
 * end and the Lease is released so a standby takes over at once.
 */
export async function runController(options: ControllerOptions): Promise<ControllerSummary> {
  const metrics = options.metrics ?? new ControllerMetrics();
  const sleep = options.sleep ?? realSleep;
  const signal = options.signal;
  const log = options.log ?? (() => undefined);
  let reconciles = 0;
  let terms = 0;
  let term: LeadingTerm | undefined;
  let standing = false;
  metrics.ready = () => (term === undefined ? standing : term.isSynced);

  const lead = async (leading: AbortSignal): Promise<void> => {
    term = new LeadingTerm(options, metrics, sleep, leading);
    try {
      await term.run();
    } finally {
      reconciles += term.reconciles;
      term = undefined;
    }
  };

  if (options.leaderElection === false) {
    metrics.leader = true;
    terms = 1;
    const leading = new AbortController();
    setMaxListeners(0, leading.signal);
    if (signal.aborted) leading.abort();
    else signal.addEventListener("abort", () => leading.abort(), { once: true });
    await lead(leading.signal);
    metrics.leader = false;
    return { reconciles, leadershipTerms: terms };
  }

  const sharding = options.sharding;
  const settings: LeaseSettings =
    sharding === undefined
      ? options.leaderElection
      : {
          ...options.leaderElection,
          name: shardLeaseName(sharding.shardId),
          labels: { [LABEL_SHARD_ID]: sharding.shardId },
        };
  const lock = new LeaseLock(
    options.deps.cluster,
    options.deps.clock,
    options.namespace === undefined ? settings : { ...settings, watchNamespace: options.namespace },
  );
  const retryPeriod = settings.retryPeriodMs ?? 2000;
  const renewDeadline = settings.renewDeadlineMs ?? 10_000;
  const clock = options.deps.clock;
  const attempt = async (): Promise<boolean> => {
    try {
      const held = await lock.tryAcquireOrRenew();
      standing = true;
      return held;
    } catch (error) {
      log(`lease ${settings.namespace}/${lock.ref.name}: ${describe(error)}`);
      return false;
    }
  };

  while (!signal.aborted) {
    if (!(await attempt())) {
      await sleep(retryPeriod, signal);
      continue;
    }
    if (signal.aborted) break;
    terms += 1;
    metrics.leader = true;
    log(`${settings.identity} is the leader (lease ${settings.namespace}/${lock.ref.name}); reconciling`);
    const leading = new AbortController();
    // Watches, their reconnects and sleeps all listen for the end of the term.
    setMaxListeners(0, leading.signal);
    const stopLeading = (): void => leading.abort();
    signal.addEventListener("abort", stopLeading, { once: true });
    let lost = false;
    const renewing = (async () => {
      let renewedAt = clock.now().getTime();
      while (!leading.signal.aborted) {
        await sleep(retryPeriod, leading.signal);
        if (leading.signal.aborted) return;
        if (await attempt()) {
          renewedAt = clock.now().getTime();
          continue;
        }
        const otherHolder = lock.holder !== undefined && lock.holder !== "" && lock.holder !== settings.identity;
        if (otherHolder || clock.now().getTime() - renewedAt >= renewDeadline) {
          lost = true;
          log(
            `lost the lease ${settings.namespace}/${lock.ref.name}${otherHolder ? ` to ${lock.holder ?? ""}` : ""}; stopped reconciling`,
          );
          leading.abort();
          return;
        }
      }
    })();
    await lead(leading.signal);
    leading.abort();
    await renewing;
    signal.removeEventListener("abort", stopLeading);
    metrics.leader = false;
    if (!lost) break;
  }
  if (terms > 0) {
    try {
      if (await lock.release()) log(`released the lease ${settings.namespace}/${lock.ref.name}`);
    } catch (error) {
      log(`could not release the lease ${settings.namespace}/${lock.ref.name}: ${describe(error)}`);
    }
  }
  return { reconciles, leadershipTerms: terms };
}
