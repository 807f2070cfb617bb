/**
 * The sandbox store's in-memory indexes (by kind, key, namespace, label, owner, allocation) and the
 * queries (`list` with namespace, label and field selectors) answered from them. One file because
 * each index must change in the same step as the others on every write, and, over an indexed
 * snapshot, load lazily in the same order.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import type { FieldRequirement, LabelSelector } from "../../selector.js";
import { matchesFieldSelector, matchesLabelSelector } from "../../selector.js";
import { byNamespaceThenName, compareNamespaceThenName, groupKindOf, keyOf, objectKey } from "./object-key.js";
import { InternalError } from "../../../errors/index.js";
import { displayText } from "../../../util/index.js";
import { allocationsOf } from "./allocations.js";
import {
  checkedLineBytes,
  entryFieldsOf,
  SnapshotEntry,
  type IndexedSnapshot,
  type SnapshotKind,
} from "./indexed-snapshot.js";

export { groupKindOf, keyOf, objectKey };

function byStoredNamespaceThenName(a: Stored, b: Stored): number {
  const nameOf = (stored: Stored): string =>
    stored instanceof SnapshotEntry ? stored.name : (stored.metadata.name ?? "");
  return compareNamespaceThenName(namespaceOf(a), nameOf(a), namespaceOf(b), nameOf(b));
}

/**
 * The keys of one index entry: a lone key as itself, several in a Set. Most label values and
 * owners name a single object, and a Set per entry would cost more than the object it points to.
 */
type Keys = string | Set<string>;

function addTo<K>(map: Map<K, Keys>, entry: K, key: string): void {
  const keys = map.get(entry);
  if (keys === undefined || keys === key) map.set(entry, key);
  else if (typeof keys === "string") map.set(entry, new Set([keys, key]));
  else keys.add(key);
}

function removeFrom<K>(map: Map<K, Keys>, entry: K, key: string): void {
  const keys = map.get(entry);
  if (keys === undefined) return;
  if (typeof keys === "string") {
    if (keys === key) map.delete(entry);
    return;
  }
  keys.delete(key);
  if (keys.size === 1) map.set(entry, keys.values().next().value as string);
  else if (keys.size === 0) map.delete(entry);
}

function keySet(keys: Keys | undefined): ReadonlySet<string> {
  return keys === undefined ? new Set() : typeof keys === "string" ? new Set([keys]) : keys;
}

function keyCount(keys: Keys | undefined): number {
  return keys === undefined ? 0 : typeof keys === "string" ? 1 : keys.size;
}

/** An object as the index holds it: parsed, or still in the snapshot file (read on first use). */
type Stored = KubeObject | SnapshotEntry;

function namespaceOf(stored: Stored): string {
  return stored instanceof SnapshotEntry ? stored.namespace : (stored.metadata.namespace ?? "");
}

function labelsOf(stored: Stored): Readonly<Record<string, string>> | undefined {
  return stored instanceof SnapshotEntry ? stored.labels : stored.metadata.labels;
}

function ownersOf(stored: Stored): readonly string[] {
  return stored instanceof SnapshotEntry
    ? (stored.owners ?? [])
    : (stored.metadata.ownerReferences ?? []).map((owner) => owner.uid);
}

function storedAllocations(stored: Stored): readonly string[] {
  return (stored instanceof SnapshotEntry ? stored.allocations : allocationsOf(stored)) ?? [];
}

/** What a kind's index needs of the store's: the snapshot, and word of what it loads and reads. */
interface KindHost {
  snapshot(): IndexedSnapshot | undefined;
  /** An entry of a section just read from the snapshot. */
  loaded(key: string, entry: SnapshotEntry): void;
  /** An object just read from the snapshot. */
  read(object: KubeObject): void;
}

class KindIndex {
  readonly objects = new Map<string, Stored>();
  readonly byNamespace = new Map<string, Keys>();
  /** label key → label value → object keys. */
  readonly byLabel = new Map<string, Map<string, Keys>>();
  /** Sorted lists per namespace ("" key = all namespaces), rebuilt lazily after a write. */
  private readonly sorted = new Map<string, readonly KubeObject[]>();
  /**
   * Shards (`namespace/shard`) and whole namespaces (`namespace`) of the snapshot's sections read;
   * undefined once every one is (or there is none).
   */
  private loadedSections: Set<string> | undefined;

  /**
   * @param inSnapshot the kind has sections in the snapshot, read when their namespace is first used
   */
  constructor(
    readonly groupKind: string,
    private readonly host: KindHost,
    inSnapshot: boolean,
  ) {
    this.loadedSections = inSnapshot ? new Set() : undefined;
  }

  /** True until every section of the snapshot is read. */
  get partial(): boolean {
    return this.loadedSections !== undefined;
  }

  /** Reads the shard of the snapshot's section of `namespace` that holds `name`, the first time. */
  loadShardOf(namespace: string, name: string): void {
    if (this.loadedSections === undefined || this.loadedSections.has(namespace)) return;
    this.loadShard(namespace, this.snapshot().shardOf(this.groupKind, namespace, name));
  }

  private loadShard(namespace: string, shard: number): void {
    const loaded = this.loadedSections;
    const id = `${namespace}/${shard}`;
    if (loaded === undefined || loaded.has(id)) return;
    // Read (and checked) before it counts as loaded: a damaged section stays an error on every use.
    const entries = this.snapshot().entriesIn(this.groupKind, namespace, shard);
    loaded.add(id);
    for (const entry of entries) {
      this.add(entry.key, entry);
      this.host.loaded(entry.key, entry);
    }
  }

  /** Reads the snapshot's section of `namespace` (every shard) the first time. */
  loadNamespace(namespace: string): void {
    const loaded = this.loadedSections;
    if (loaded === undefined || loaded.has(namespace)) return;
    const shards = this.snapshot().shardsOf(this.groupKind, namespace);
    for (let shard = 0; shard < shards; shard++) this.loadShard(namespace, shard);
    loaded.add(namespace);
  }

  /**
   * Reads the shards holding objects that a label selector over every namespace can match: those
   * the snapshot's postings list for its most selective equality (or `in`) requirement (each
   * requirement's postings are one bucket line). False when no requirement narrows (every section
   * must be read).
   */
  loadLabelled(selector: LabelSelector): boolean {
    if (this.loadedSections === undefined) return true;
    const snapshot = this.snapshot();
    let narrowest: (readonly (readonly [string, string])[])[] | undefined;
    let size = Number.POSITIVE_INFINITY;
    for (const requirement of selector) {
      const values =
        requirement.operator === "equals"
          ? [requirement.value]
          : requirement.operator === "in"
            ? requirement.values
            : [];
      if (values.length === 0) continue;
      const postings = values.map((value) => snapshot.labelled(this.groupKind, `${requirement.key}=${value}`));
      const count = postings.reduce((sum, named) => sum + named.length, 0);
      if (count < size) {
        narrowest = postings;
        size = count;
      }
    }
    if (narrowest === undefined) return false;
    for (const named of narrowest) for (const [namespace, name] of named) this.loadShardOf(namespace, name);
    return true;
  }

  /** Reads every section of the snapshot not read yet. */
  loadAll(): void {
    if (this.loadedSections === undefined) return;
    for (const namespace of this.snapshot().namespacesOf(this.groupKind)) this.loadNamespace(namespace);
    this.loadedSections = undefined;
  }

  add(key: string, stored: Stored): void {
    this.objects.set(key, stored);
    addTo(this.byNamespace, namespaceOf(stored), key);
    for (const [label, value] of Object.entries(labelsOf(stored) ?? {})) {
      let values = this.byLabel.get(label);
      if (values === undefined) {
        values = new Map();
        this.byLabel.set(label, values);
      }
      addTo(values, value, key);
    }
    this.invalidate(stored);
  }

  remove(key: string, stored: Stored): void {
    this.objects.delete(key);
    removeFrom(this.byNamespace, namespaceOf(stored), key);
    for (const [label, value] of Object.entries(labelsOf(stored) ?? {})) {
      const values = this.byLabel.get(label);
      if (values === undefined) continue;
      removeFrom(values, value, key);
      if (values.size === 0) this.byLabel.delete(label);
    }
    this.invalidate(stored);
  }

  namespaceOfKey(key: string): string | undefined {
    const stored = this.objects.get(key);
    return stored === undefined ? undefined : namespaceOf(stored);
  }

  /** The object under `key`, read from the snapshot the first time. */
  object(key: string): KubeObject | undefined {
    const stored = this.objects.get(key);
    if (!(stored instanceof SnapshotEntry)) return stored;
    const object = this.snapshot().objectOf(stored);
    this.objects.set(key, object);
    this.host.read(object);
    return object;
  }

  /** The objects under `keys` (those present), the unread ones read in one pass over the file. */
  objectsOf(keys: readonly string[]): KubeObject[] {
    const unread = keys
      .map((key) => this.objects.get(key))
      .filter((stored): stored is SnapshotEntry => stored instanceof SnapshotEntry);
    if (unread.length > 1) {
      const snapshot = this.snapshot();
      const lines = snapshot.linesOf(unread);
      for (const [index, entry] of unread.entries()) {
        const object = snapshot.objectOf(entry, lines[index]);
        this.objects.set(entry.key, object);
        this.host.read(object);
      }
    }
    return keys.map((key) => this.object(key)).filter((object): object is KubeObject => object !== undefined);
  }

  private snapshot(): IndexedSnapshot {
    const snapshot = this.host.snapshot();
    if (snapshot === undefined) throw new InternalError("an object of the store points into no snapshot");
    return snapshot;
  }

  private invalidate(stored: Stored): void {
    this.sorted.delete("");
    this.sorted.delete(`ns:${namespaceOf(stored)}`);
  }

  sortedIn(namespace: string | undefined): readonly KubeObject[] {
    const cacheKey = namespace === undefined ? "" : `ns:${namespace}`;
    const cached = this.sorted.get(cacheKey);
    if (cached !== undefined) return cached;
    const keys = namespace === undefined ? [...this.objects.keys()] : [...keySet(this.byNamespace.get(namespace))];
    const list = this.objectsOf(keys);
    list.sort(byNamespaceThenName);
    this.sorted.set(cacheKey, list);
    return list;
  }

  /**
   * Keys of the objects the most selective equality/`in`/`exists` requirement allows (sizes are
   * compared before any set is built); undefined when no requirement narrows.
   */
  candidates(selector: LabelSelector): ReadonlySet<string> | undefined {
    let best: { readonly size: number; readonly entries: readonly (Keys | undefined)[] } | undefined;
    for (const requirement of selector) {
      let entries: (Keys | undefined)[];
      if (requirement.operator === "equals") entries = [this.byLabel.get(requirement.key)?.get(requirement.value)];
      else if (requirement.operator === "in")
        entries = requirement.values.map((value) => this.byLabel.get(requirement.key)?.get(value));
      else if (requirement.operator === "exists") entries = [...(this.byLabel.get(requirement.key)?.values() ?? [])];
      else continue;
      const size = entries.reduce((sum, keys) => sum + keyCount(keys), 0);
      if (best === undefined || size < best.size) best = { size, entries };
    }
    if (best === undefined) return undefined;
    if (best.entries.length === 1) return keySet(best.entries[0]);
    const union = new Set<string>();
    for (const keys of best.entries) for (const key of keySet(keys)) union.add(key);
    return union;
  }
}

/** What a list asks for, already parsed. */
export interface IndexQuery {
  readonly namespace?: string;
  readonly labelSelector?: LabelSelector;
  readonly fieldSelector?: readonly FieldRequirement[];
}

function readField(object: KubeObject, field: string): string | undefined {
  let current: unknown = object;
  for (const segment of field.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined || current === null ? undefined : displayText(current);
}

/** The `group/Kind` of a store key (see {@link objectKey}): groups and kinds hold no `/`. */
function groupKindOfKey(key: string): string {
  return key.slice(0, key.indexOf("/", key.indexOf("/") + 1));
}

/** The namespace of a store key ("" for cluster-scoped): namespaces hold no `/` either. */
function namespaceOfKey(key: string): string {
  const start = key.indexOf("/", key.indexOf("/") + 1) + 1;
  return key.slice(start, key.indexOf("/", start));
}

/**
 * The store's in-memory indexes: objects by group/kind (then key, namespace and label), dependents
 * by owner uid (for cascading deletes), and allocations (a Service's cluster IP and node ports) by
 * value. Lists come back sorted by namespace, then name. Each object is held once, in its kind's
 * index: at a hundred thousand apps every extra map entry per object costs megabytes.
 *
 * Over an indexed snapshot, a kind's section of a namespace is read from the file when that
 * namespace's objects of the kind are first touched (every section of the kind for a list over all
 * namespaces), and an object when it is first read: a command pays for the namespaces and objects
 * it uses. The owner index covers the sections read: the dependents of an object are looked up once
 * the sections of its namespace (and the cluster-scoped ones) are read, which is every section for
 * an owner that is cluster-scoped or was never read. Allocations are looked up in the snapshot's
 * table, overridden by what the writes since changed.
 */
export class ObjectIndex {
  private readonly kinds = new Map<string, KindIndex>();
  /** Owner uid → keys of the objects (of the sections read) whose ownerReferences name it. */
  private readonly dependents = new Map<string, Keys>();
  /** uid → namespace of the objects read or written, to find where an owner's dependents can be. */
  private readonly uidNamespaces = new Map<string, string>();
  /** Allocations changed since the snapshot: value → the key now holding it, or null once released. */
  private allocations = new Map<string, string | null>();
  private count = 0;
  private snapshot: IndexedSnapshot | undefined;
  private readonly host: KindHost = {
    snapshot: () => this.snapshot,
    loaded: (key, entry) => {
      for (const uid of entry.owners ?? []) addTo(this.dependents, uid, key);
    },
    read: (object) => this.noteUid(object),
  };

  constructor(snapshot?: IndexedSnapshot) {
    this.snapshot = snapshot;
    if (snapshot === undefined) return;
    for (const [groupKind, count] of snapshot.kinds()) {
      this.kinds.set(groupKind, new KindIndex(groupKind, this.host, true));
      this.count += count;
    }
  }

  get size(): number {
    return this.count;
  }

  /** The snapshot file unread objects are in (undefined once every object is in memory or there is none). */
  get source(): IndexedSnapshot | undefined {
    return this.snapshot;
  }

  private noteUid(object: KubeObject): void {
    const uid = object.metadata.uid;
    if (uid !== undefined && uid !== "") this.uidNamespaces.set(uid, object.metadata.namespace ?? "");
  }

  /** The kind's index with the section of `namespace` read (every section when undefined). */
  private kindIn(groupKind: string, namespace: string | undefined): KindIndex | undefined {
    const kind = this.kinds.get(groupKind);
    if (namespace === undefined) kind?.loadAll();
    else kind?.loadNamespace(namespace);
    return kind;
  }

  private readAllKinds(): void {
    for (const kind of this.kinds.values()) kind.loadAll();
  }

  /** The kind's index of `key`, with the shard that would hold it read. */
  private kindHolding(key: string): KindIndex | undefined {
    const kind = this.kinds.get(groupKindOfKey(key));
    const namespace = namespaceOfKey(key);
    kind?.loadShardOf(namespace, key.slice(key.indexOf("/", key.indexOf("/") + 1) + namespace.length + 2));
    return kind;
  }

  get(key: string): KubeObject | undefined {
    return this.kindHolding(key)?.object(key);
  }

  /** Keys of objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): readonly string[] {
    const namespace = this.uidNamespaces.get(uid);
    // A namespaced owner's dependents are in its namespace: ownerReferences do not cross namespaces,
    // and a cluster-scoped object naming a namespaced owner is not its dependent (the API server's
    // garbage collector treats that reference as unresolvable). A cluster-scoped owner's dependents,
    // or those of an owner this store never read, can be anywhere.
    if (namespace === undefined || namespace === "") {
      this.readAllKinds();
      return [...keySet(this.dependents.get(uid))];
    }
    for (const kind of this.kinds.values()) kind.loadNamespace(namespace);
    return [...keySet(this.dependents.get(uid))].filter((key) => namespaceOfKey(key) === namespace);
  }

  /** The key of the object holding `allocation` (see allocations.ts), if any. */
  allocatedTo(allocation: string): string | undefined {
    const changed = this.allocations.get(allocation);
    if (changed !== undefined) return changed ?? undefined;
    return this.snapshot?.allocationHolder(allocation);
  }

  /** Every object, each read from the snapshot if it was not yet. */
  *values(): IterableIterator<KubeObject> {
    for (const [, object] of this.entries()) yield object;
  }

  *entries(): IterableIterator<[string, KubeObject]> {
    this.readAllKinds();
    for (const kind of [...this.kinds.values()]) {
      const keys = [...kind.objects.keys()];
      const objects = kind.objectsOf(keys);
      for (const [index, key] of keys.entries()) yield [key, objects[index] as KubeObject];
    }
  }

  groupKinds(): readonly string[] {
    return [...this.kinds.keys()];
  }

  put(key: string, object: KubeObject): void {
    this.remove(key);
    const groupKind = groupKindOf(object.apiVersion, object.kind);
    let kind = this.kinds.get(groupKind);
    if (kind === undefined) {
      kind = new KindIndex(groupKind, this.host, false);
      this.kinds.set(groupKind, kind);
    }
    kind.add(key, object);
    this.count++;
    for (const owner of object.metadata.ownerReferences ?? []) addTo(this.dependents, owner.uid, key);
    this.noteUid(object);
    for (const allocation of allocationsOf(object) ?? []) this.allocations.set(allocation, key);
  }

  remove(key: string): KubeObject | SnapshotEntry | undefined {
    const groupKind = groupKindOfKey(key);
    const kind = this.kindHolding(key);
    const previous = kind?.objects.get(key);
    if (kind === undefined || previous === undefined) return undefined;
    kind.remove(key, previous);
    this.count--;
    if (kind.objects.size === 0 && !kind.partial) this.kinds.delete(groupKind);
    for (const uid of ownersOf(previous)) removeFrom(this.dependents, uid, key);
    for (const allocation of storedAllocations(previous))
      if ((this.allocations.get(allocation) ?? key) === key) this.allocations.set(allocation, null);
    return previous;
  }

  clear(): void {
    this.snapshot?.close();
    this.kinds.clear();
    this.dependents.clear();
    this.uidNamespaces.clear();
    this.allocations = new Map();
    this.count = 0;
    this.snapshot = undefined;
  }

  /**
   * Every object as a snapshot writes it, kind by kind, sorted by namespace and name: objects still
   * in the snapshot are copied as their checked lines (verified, never parsed), the others serialized.
   */
  *snapshotKinds(): Generator<SnapshotKind> {
    this.readAllKinds();
    for (const groupKind of [...this.kinds.keys()].sort()) {
      const kind = this.kinds.get(groupKind);
      if (kind === undefined) continue;
      const stored = [...kind.objects.values()].sort(byStoredNamespaceThenName);
      const snapshot = this.snapshot;
      const unread = stored.filter((item): item is SnapshotEntry => item instanceof SnapshotEntry);
      const lines = new Map<SnapshotEntry, Buffer>();
      if (unread.length > 0 && snapshot !== undefined) {
        const read = snapshot.linesOf(unread);
        for (const [index, entry] of unread.entries()) lines.set(entry, snapshot.lineOf(entry, read[index]));
      }
      yield {
        groupKind,
        items: stored.map((item) =>
          item instanceof SnapshotEntry
            ? { fields: item, line: () => lines.get(item) ?? Buffer.alloc(0) }
            : { fields: entryFieldsOf(item), line: () => checkedLineBytes(JSON.stringify(item)) },
        ),
      };
    }
  }

  /**
   * After a compaction wrote `written` (in the order of {@link snapshotKinds}) to `snapshot`: objects
   * not yet read now point into the new file, and the old one is closed.
   */
  movedTo(snapshot: IndexedSnapshot, written: readonly SnapshotEntry[]): void {
    const previous = this.snapshot;
    for (const entry of written) {
      const kind = this.kinds.get(entry.groupKind);
      if (kind?.objects.get(entry.key) instanceof SnapshotEntry) kind.objects.set(entry.key, entry);
    }
    this.snapshot = snapshot;
    // The new snapshot's table holds every allocation as it is now.
    this.allocations = new Map();
    if (previous !== snapshot) previous?.close();
  }

  list(apiVersion: string, kindName: string, query: IndexQuery = {}): readonly KubeObject[] {
    const groupKind = groupKindOf(apiVersion, kindName);
    const selector = query.labelSelector ?? [];
    // Over every namespace, a label selector reads only the shards the snapshot's postings name.
    const kind =
      query.namespace === undefined && this.kinds.get(groupKind)?.loadLabelled(selector) === true
        ? this.kinds.get(groupKind)
        : this.kindIn(groupKind, query.namespace);
    if (kind === undefined) return [];
    const fields = query.fieldSelector ?? [];
    const candidates = selector.length > 0 ? kind.candidates(selector) : undefined;
    if (candidates === undefined && selector.length === 0 && fields.length === 0) return kind.sortedIn(query.namespace);
    const namespace = query.namespace;
    const pool =
      candidates === undefined
        ? kind.sortedIn(namespace)
        : kind.objectsOf(
            namespace === undefined
              ? [...candidates]
              : [...candidates].filter((key) => kind.namespaceOfKey(key) === namespace),
          );
    const result = pool.filter(
      (object) =>
        (query.namespace === undefined || (object.metadata.namespace ?? "") === query.namespace) &&
        matchesLabelSelector(selector, object.metadata.labels) &&
        matchesFieldSelector(fields, (field) => readField(object, field)),
    );
    if (candidates !== undefined) result.sort(byNamespaceThenName);
    return result;
  }

  /** Every index entry agrees with the objects (for the consistency check after a crash). */
  findInconsistencies(): string[] {
    const problems: string[] = [];
    this.readAllKinds();
    const dependents = this.dependents;
    let counted = 0;
    for (const [groupKind, kind] of this.kinds) {
      kind.objectsOf([...kind.objects.keys()]);
      for (const key of kind.objects.keys()) {
        const object = kind.object(key);
        if (object === undefined) continue;
        counted++;
        if (keyOf(object) !== key) problems.push(`object stored under ${key} is ${keyOf(object)}`);
        if (groupKindOfKey(key) !== groupKind) problems.push(`kind index ${groupKind} holds ${key}`);
        if (!keySet(kind.byNamespace.get(object.metadata.namespace ?? "")).has(key))
          problems.push(`namespace index misses ${key}`);
        for (const [label, value] of Object.entries(object.metadata.labels ?? {})) {
          if (!keySet(kind.byLabel.get(label)?.get(value)).has(key))
            problems.push(`label index misses ${label}=${value} of ${key}`);
        }
        for (const owner of object.metadata.ownerReferences ?? [])
          if (!keySet(dependents.get(owner.uid)).has(key)) problems.push(`owner index misses ${key}`);
      }
      for (const [label, values] of kind.byLabel) {
        for (const [value, keys] of values) {
          for (const key of keySet(keys)) {
            const stored = kind.objects.get(key);
            if (stored === undefined || labelsOf(stored)?.[label] !== value)
              problems.push(`label index has a stale ${label}=${value} for ${key}`);
          }
        }
      }
    }
    if (counted !== this.count) problems.push(`kind indexes hold ${counted} objects, the count is ${this.count}`);
    return problems;
  }
}
