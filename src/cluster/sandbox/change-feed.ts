/**
 * What changed in the sandbox store since each keyed controller last looked, and when each of its
 * objects next needs a visit: the work queues of controller-runtime (`Watches` mapping a changed
 * object to the requests it concerns, `RequeueAfter` for timed work), kept in memory for one open
 * store. A queue that lost track (`sandbox reset`, a feed too long to keep, a first settle after
 * opening without a trusted `settled.json`) asks for one pass over every primary object, which
 * rebuilds it. Opened from a converged settle, the queues resume from it instead: the writes after
 * it are the feed's first entries, and its wake instants are pending again.
 */
import type { KubeObject, ObjectRef } from "../../model/kube-object.js";
import type { ControllerView, KeyedReconciler } from "./controller-contract.js";
import type { ObjectStore, StoredChange, WriteContext } from "./object-store.js";
import { ReferrerIndex, refOf } from "./referrer-index.js";
import { groupKindOf, keyOf, objectKey } from "./store/object-index.js";
import type { SettledResume } from "./store/durable-store.js";
import type { SettledDirty, SettledWake } from "./store/settled-marker.js";

/** One changed object: its state after the write (the last one for a delete) and before it. */
interface FeedEntry {
  readonly object: KubeObject;
  readonly previous: KubeObject | undefined;
}

/** Past this many unread changes the feed is dropped and every queue does one full pass. */
const MAX_FEED_ENTRIES = 50_000;

/** A primary object to reconcile: where to read it and where it sorts in a pass. */
export interface QueuedKey {
  readonly ref: ObjectRef;
  /** Index of its kind in the reconciler's `primaries` (a full pass lists them in that order). */
  readonly kindIndex: number;
}

/** One keyed controller's queue: the objects to reconcile and the pending wake instants. */
export class ControllerQueue {
  /** Feed position read up to; undefined = lost track, one full pass needed. */
  cursor: number | undefined;
  readonly dirty = new Map<string, QueuedKey>();
  /** Wake instants (ms) of objects reconciled to a fixed point that wait for time. */
  readonly wakes = new Map<string, { readonly key: QueuedKey; readonly at: number }>();
  /** Who names what, for `referrers` watches (rebuilt after the queue lost track). */
  referrers: ReferrerIndex | undefined;

  /** Marks every primary object dirty (a full pass) and drops the wakes. */
  fill(keyed: KeyedReconciler, view: ControllerView, cursor: number): void {
    this.wakes.clear();
    this.referrers = undefined;
    keyed.primaries.forEach((kind, kindIndex) => {
      for (const object of view.list(kind.apiVersion, kind.kind))
        this.dirty.set(keyOf(object), { ref: refOf(object), kindIndex });
    });
    this.cursor = cursor;
  }

  /** The dirty keys in full-pass order (primary kind, then namespace and name, as `list` sorts). */
  ordered(): [string, QueuedKey][] {
    return [...this.dirty.entries()].sort(([, a], [, b]) => compareKeys(a, b));
  }
}

function compareKeys(a: QueuedKey, b: QueuedKey): number {
  if (a.kindIndex !== b.kindIndex) return a.kindIndex - b.kindIndex;
  const namespaceA = a.ref.namespace ?? "";
  const namespaceB = b.ref.namespace ?? "";
  if (namespaceA !== namespaceB) return namespaceA < namespaceB ? -1 : 1;
  return a.ref.name < b.ref.name ? -1 : a.ref.name > b.ref.name ? 1 : 0;
}

/** A reconciler's watches as lookups by `group/Kind`. */
interface WatchTable {
  readonly self: ReadonlyMap<string, number>;
  readonly owned: ReadonlySet<string>;
  /** `group/Kind` of `referrers` watches → what a changed object of it concerns. */
  readonly referenced: ReadonlyMap<string, ((object: KubeObject) => readonly ObjectRef[]) | undefined>;
  /** Primary `group/Kind` → its index in `primaries`. */
  readonly primaries: ReadonlyMap<string, number>;
}

const WATCH_TABLES = new WeakMap<KeyedReconciler, WatchTable>();

function watchTableOf(keyed: KeyedReconciler): WatchTable {
  const known = WATCH_TABLES.get(keyed);
  if (known !== undefined) return known;
  const primaries = new Map(keyed.primaries.map((kind, index) => [groupKindOf(kind.apiVersion, kind.kind), index]));
  const self = new Map<string, number>();
  const owned = new Set<string>();
  const referenced = new Map<string, ((object: KubeObject) => readonly ObjectRef[]) | undefined>();
  for (const watch of keyed.watches) {
    const groupKind = groupKindOf(watch.apiVersion, watch.kind);
    if (watch.mapTo === "controller-owner") owned.add(groupKind);
    else if (watch.mapTo === "referrers") referenced.set(groupKind, watch.through);
    else {
      const index = primaries.get(groupKind);
      if (index !== undefined) self.set(groupKind, index);
    }
  }
  const table = { self, owned, referenced, primaries };
  WATCH_TABLES.set(keyed, table);
  return table;
}

/**
 * Adds to `queue` the keys a changed object maps to: itself, the owner its controller reference
 * names, or the primaries that reference it (or what its watch maps it through).
 */
function enqueue(
  queue: ControllerQueue,
  keyed: KeyedReconciler,
  table: WatchTable,
  object: KubeObject | undefined,
  view: ControllerView,
): void {
  if (object === undefined) return;
  const groupKind = groupKindOf(object.apiVersion, object.kind);
  const selfIndex = table.self.get(groupKind);
  if (selfIndex !== undefined) queue.dirty.set(keyOf(object), { ref: refOf(object), kindIndex: selfIndex });
  const primaryIndex = table.primaries.get(groupKind);
  if (primaryIndex !== undefined) queue.referrers?.refresh(refOf(object), primaryIndex, view);
  if (table.referenced.has(groupKind)) {
    const through = table.referenced.get(groupKind);
    queue.referrers ??= new ReferrerIndex(keyed);
    for (const target of through === undefined ? [refOf(object)] : through(object)) {
      const key = objectKey(target.apiVersion, target.kind, target.namespace, target.name);
      for (const referrer of queue.referrers.referrersOf(key, target.namespace ?? "", view))
        queue.dirty.set(
          objectKey(referrer.ref.apiVersion, referrer.ref.kind, referrer.ref.namespace, referrer.ref.name),
          referrer,
        );
    }
  }
  if (!table.owned.has(groupKind)) return;
  const owner = (object.metadata.ownerReferences ?? []).find((ref) => ref.controller === true);
  if (owner === undefined) return;
  const ownerIndex = table.primaries.get(groupKindOf(owner.apiVersion, owner.kind));
  if (ownerIndex === undefined) return;
  const namespace = object.metadata.namespace;
  queue.dirty.set(objectKey(owner.apiVersion, owner.kind, namespace, owner.name), {
    ref: {
      apiVersion: owner.apiVersion,
      kind: owner.kind,
      name: owner.name,
      ...(namespace === undefined ? {} : { namespace }),
    },
    kindIndex: ownerIndex,
  });
}

/**
 * The change feed of one open store and the queues of the keyed controllers reading it. Subscribe
 * it to the store with {@link ChangeTracker.follow}; the runner calls {@link ChangeTracker.catchUp}
 * before a controller's turn in a pass.
 */
export class ChangeTracker {
  private entries: FeedEntry[] = [];
  /** Feed position of `entries[0]`. */
  private start = 0;
  private readonly queues = new Map<string, ControllerQueue>();

  /** Starts recording the store's writes; returns the unsubscribe function. */
  follow(store: ObjectStore): () => void {
    return store.subscribe((changes, context) => this.record(changes, context));
  }

  private get end(): number {
    return this.start + this.entries.length;
  }

  private record(changes: readonly StoredChange[], context: WriteContext): void {
    if (context.reset) this.loseTrack();
    changes.forEach((change, index) => this.entries.push({ object: change.object, previous: context.previous[index] }));
    if (this.entries.length > MAX_FEED_ENTRIES) this.loseTrack();
  }

  /** Forgets every queue's position: each does one full pass next. */
  loseTrack(): void {
    this.start = this.end;
    this.entries = [];
    for (const queue of this.queues.values()) queue.cursor = undefined;
  }

  /** The queue of the controller named `name` (created lost, i.e. due for a full pass). */
  queueOf(name: string): ControllerQueue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new ControllerQueue();
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Brings a controller's queue up to date: every primary object when it lost track, else the keys
   * the changes since its last turn map to; plus, when `now` is given, the objects whose wake
   * instant has come.
   */
  catchUp(name: string, keyed: KeyedReconciler, view: ControllerView, now?: Date): ControllerQueue {
    const queue = this.queueOf(name);
    if (queue.cursor === undefined || queue.cursor < this.start) {
      queue.fill(keyed, view, this.end);
      return queue;
    }
    const table = watchTableOf(keyed);
    for (let position = queue.cursor - this.start; position < this.entries.length; position++) {
      const entry = this.entries[position];
      if (entry === undefined) continue;
      enqueue(queue, keyed, table, entry.object, view);
      enqueue(queue, keyed, table, entry.previous, view);
    }
    queue.cursor = this.end;
    if (now !== undefined) {
      for (const [key, wake] of queue.wakes) {
        if (wake.at > now.getTime()) continue;
        queue.wakes.delete(key);
        queue.dirty.set(key, wake.key);
      }
    }
    return queue;
  }

  /**
   * Resumes the queues recorded at the last converged settle: the writes after it become the feed's
   * first entries (every resumed queue reads them), its wakes are pending again. Controllers it
   * does not name stay lost (one full pass).
   */
  resume(point: SettledResume): void {
    this.loseTrack();
    this.start = 0;
    this.entries = [...point.changesSince];
    this.queues.clear();
    for (const [name, wakes] of Object.entries(point.settled.controllers)) {
      const queue = this.queueOf(name);
      queue.cursor = 0;
      for (const dirty of point.settled.dirty[name] ?? [])
        queue.dirty.set(dirty.key, { ref: dirty.ref, kindIndex: dirty.kindIndex });
      for (const wake of wakes)
        queue.wakes.set(wake.key, { key: { ref: wake.ref, kindIndex: wake.kindIndex }, at: wake.at });
    }
  }

  /**
   * Every queue that has not lost track, caught up with the feed: its wakes and the objects still to
   * reconcile, by controller name — what {@link resume} takes back in the next command.
   */
  queueStates(
    controllers: readonly { readonly name: string; readonly keyed: KeyedReconciler }[],
    view: ControllerView,
  ): { wakes: Record<string, SettledWake[]>; dirty: Record<string, SettledDirty[]> } {
    const wakes: Record<string, SettledWake[]> = {};
    const dirty: Record<string, SettledDirty[]> = {};
    for (const { name, keyed } of controllers) {
      const known = this.queues.get(name);
      if (known === undefined || known.cursor === undefined || known.cursor < this.start) continue;
      const queue = this.catchUp(name, keyed, view);
      wakes[name] = [...queue.wakes].map(([key, wake]) => ({
        key,
        ref: wake.key.ref,
        kindIndex: wake.key.kindIndex,
        at: wake.at,
      }));
      dirty[name] = [...queue.dirty].map(([key, queued]) => ({ key, ref: queued.ref, kindIndex: queued.kindIndex }));
    }
    return { wakes, dirty };
  }

  /** Drops the changes every queue has read (a queue not read since loses track). */
  compact(): void {
    const end = this.end;
    for (const queue of this.queues.values()) if (queue.cursor !== end) queue.cursor = undefined;
    this.start = end;
    this.entries = [];
  }
}
