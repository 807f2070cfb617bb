import { setMaxListeners } from "node:events";

/** Sleeps `milliseconds` of the controller's clock; resolves early (never rejects) when `signal` aborts. */
export type AbortableSleep = (milliseconds: number, signal: AbortSignal) => Promise<void>;

/** A {@link AbortableSleep} on real time (`setTimeout`). */
export function realSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, milliseconds));
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * The work queue of controller mode, with client-go's `workqueue` semantics: a key is queued at most
 * once (dedup); a key added while a worker processes it is queued again when that worker is done, so
 * one key is never processed by two workers at once and no change is lost; delayed adds keep only the
 * earliest due time per key.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  /** Per key: the due time (clock ms) of the pending delayed add and its token. */
  private readonly scheduled = new Map<string, { readonly at: number; readonly token: number }>();
  private nextToken = 0;
  private shuttingDown = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly now: () => number,
    private readonly sleep: AbortableSleep,
  ) {
    // Every pending delayed add listens for the shutdown.
    setMaxListeners(0, this.stop.signal);
  }

  /** Keys waiting to be processed. */
  get depth(): number {
    return this.queue.length;
  }

  /** Keys with a delayed add pending. */
  get scheduledCount(): number {
    return this.scheduled.size;
  }

  /** Queues `key` now (no-op when it is already queued). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
  }

  /** Queues `key` after `delayMs` of the clock, unless an earlier add for it is already pending. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.now() + delayMs;
    const pending = this.scheduled.get(key);
    if (pending !== undefined && pending.at <= at) return;
    const token = ++this.nextToken;
    this.scheduled.set(key, { at, token });
    void this.sleep(delayMs, this.stop.signal).then(() => {
      if (this.scheduled.get(key)?.token !== token) return;
      this.scheduled.delete(key);
      this.add(key);
    });
  }

  /** Drops a key's pending delayed add (the object is gone). */
  forget(key: string): void {
    this.scheduled.delete(key);
  }

  /** The next key to process (now marked processing), or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; queues it again if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Stops handing out keys: waiting and later `get()` calls return undefined; delayed adds are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    this.stop.abort();
    this.scheduled.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
