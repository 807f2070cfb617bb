import { performance } from "node:perf_hooks";
import type { Clock } from "../util/index.js";
import type { AppDetailView, AppGone, AppListView, ClusterHealth } from "./api-types.js";
import { appKeyString, type AppKey, type ClusterReader } from "./cluster-reader.js";

/**
 * The live side of the dashboard: pages subscribe to a view (the application list, or one
 * application), the cluster's change feed says when something changed, and one refresh reads every
 * subscribed view under one opening of the target and pushes the views that changed. While a shown
 * release moves by itself (a timed step, a grace period), the hub looks again when it is due, as
 * `vela-ts status --watch` would; while the cluster does not answer it retries.
 */

/** What a page watches. */
export type Topic = { readonly kind: "apps" } | { readonly kind: "app"; readonly key: AppKey };

/** A page's event stream. */
export interface Subscriber {
  send(event: "apps" | "app" | "health", data: AppListView | AppDetailView | AppGone | ClusterHealth): void;
}

/** Runs `run` after `delayMs` of the cluster clock's time; returns a cancel. Tests move a fake clock instead of waiting. */
export type Scheduler = (delayMs: number, run: () => void) => () => void;

/** Real timers: what the command uses. */
export const realTimeScheduler: Scheduler = (delayMs, run) => {
  const timer = setTimeout(run, delayMs);
  return () => clearTimeout(timer);
};

/** Options of {@link LiveHub}. */
export interface LiveHubOptions {
  readonly reader: ClusterReader;
  readonly clock: Clock;
  /** Wakes a moving release when it is due. @default realTimeScheduler */
  readonly schedule?: Scheduler;
  /** Changes arriving within this long are read together. @default 25 */
  readonly debounceMs?: number;
  /** Retry after a failed read this often. @default 2000 */
  readonly retryMs?: number;
  /** At most one refresh starts per this long, so a busy cluster's stream of changes costs a bounded rate of reads. @default 150 */
  readonly minIntervalMs?: number;
  /** Told about failed reads (each distinct message once). */
  readonly log?: (message: string) => void;
}

interface TopicState {
  readonly topic: Topic;
  readonly subscribers: Set<Subscriber>;
  last?: { readonly view: AppListView | AppDetailView | AppGone; readonly comparable: string };
}

function topicId(topic: Topic): string {
  return topic.kind === "apps" ? "apps" : `app:${appKeyString(topic.key)}`;
}

/** The view without its read time, so an unchanged cluster pushes nothing. */
function comparableOf(view: AppListView | AppDetailView | AppGone): string {
  const { now: _now, ...rest } = view;
  return JSON.stringify(rest);
}

/** Longest pause between looks at a release that is due but does not move. */
const MAX_IDLE_WAKE_MS = 5000;

/** Subscriptions, change-driven refreshes and the pacing of moving releases. */
export class LiveHub {
  private readonly topics = new Map<string, TopicState>();
  private readonly schedule: Scheduler;
  private readonly debounceMs: number;
  private readonly retryMs: number;
  private readonly minIntervalMs: number;
  private lastStart = -Infinity;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private cancelWake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private idleWakes = 0;
  private wokeUp = false;
  private lastLogged = "";

  constructor(private readonly options: LiveHubOptions) {
    this.schedule = options.schedule ?? realTimeScheduler;
    this.debounceMs = options.debounceMs ?? 25;
    this.retryMs = options.retryMs ?? 2000;
    this.minIntervalMs = options.minIntervalMs ?? 150;
  }

  /** Number of open event streams. */
  get subscriberCount(): number {
    let count = 0;
    for (const state of this.topics.values()) count += state.subscribers.size;
    return count;
  }

  /** Adds a page's stream: it gets the cluster's health and the last view at once, then every change. */
  subscribe(topic: Topic, subscriber: Subscriber): () => void {
    const id = topicId(topic);
    let state = this.topics.get(id);
    if (state === undefined) {
      state = { topic, subscribers: new Set() };
      this.topics.set(id, state);
    }
    state.subscribers.add(subscriber);
    subscriber.send("health", this.options.reader.health);
    if (state.last !== undefined)
      subscriber.send(topic.kind, { ...state.last.view, now: this.options.clock.now().toISOString() });
    this.changed();
    const current = state;
    return () => {
      current.subscribers.delete(subscriber);
      if (current.subscribers.size === 0 && this.topics.get(id) === current) this.topics.delete(id);
    };
  }

  /** Sends the cluster's health to every page (the reader calls this when it changes). */
  broadcastHealth(health: ClusterHealth): void {
    for (const state of this.topics.values())
      for (const subscriber of state.subscribers) subscriber.send("health", health);
  }

  /** Something in the cluster changed: refresh soon (changes close together are read once). */
  changed(): void {
    if (this.closed || this.debounce !== undefined) return;
    const wait = Math.max(this.debounceMs, this.lastStart + this.minIntervalMs - performance.now());
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.refresh();
    }, wait);
  }

  /** Refreshes now (after an action) and resolves when the pages have been sent what changed. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async refreshOnce(): Promise<void> {
    this.lastStart = performance.now();
    const states = [...this.topics.values()];
    // With no page open, a cluster that stopped answering is still looked at until it answers again.
    if (states.length === 0 && this.options.reader.health.reachable) return;
    const wokeUp = this.wokeUp;
    this.wokeUp = false;
    let result;
    try {
      result = await this.options.reader.readViews({
        apps: states.length === 0 || states.some((state) => state.topic.kind === "apps"),
        details: states.flatMap((state) => (state.topic.kind === "app" ? [state.topic.key] : [])),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastLogged) this.options.log?.(`reading the cluster failed: ${message}`);
      this.lastLogged = message;
      this.scheduleRetry();
      return;
    }
    this.lastLogged = "";
    let pushed = false;
    for (const state of states) {
      const view = state.topic.kind === "apps" ? result.apps : result.details.get(appKeyString(state.topic.key));
      if (view !== undefined && this.publish(state, view)) pushed = true;
    }
    this.idleWakes = wokeUp && !pushed ? this.idleWakes + 1 : 0;
    this.scheduleWake(result.wakeAt);
  }

  private publish(state: TopicState, view: AppListView | AppDetailView | AppGone): boolean {
    const comparable = comparableOf(view);
    if (state.last?.comparable === comparable) return false;
    state.last = { view, comparable };
    for (const subscriber of state.subscribers) subscriber.send(state.topic.kind, view);
    return true;
  }

  private scheduleWake(wakeAt: number | undefined): void {
    this.cancelWake?.();
    this.cancelWake = undefined;
    if (wakeAt === undefined || this.closed) return;
    const due = Math.max(0, wakeAt - this.options.clock.now().getTime());
    // A release that was due but did not move is looked at less and less often.
    const idle = this.idleWakes === 0 ? 0 : Math.min(MAX_IDLE_WAKE_MS, 125 * 2 ** this.idleWakes);
    this.cancelWake = this.schedule(Math.max(due, idle), () => {
      this.cancelWake = undefined;
      this.wokeUp = true;
      this.changed();
    });
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.changed();
    }, this.retryMs);
  }

  /** Stops every timer; pages get no more events. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.cancelWake?.();
    this.topics.clear();
    await this.running;
  }
}
