import type { KubeObject } from "../../../model/kube-object.js";
import { groupOf } from "../../../model/kube-object.js";
import type { FieldRequirement, LabelSelector } from "../../selector.js";
import { matchesFieldSelector, matchesLabelSelector } from "../../selector.js";

/** `group/Kind`: objects of every served version of a kind share one store, as in the API server. */
export function groupKindOf(apiVersion: string, kind: string): string {
  return `${groupOf(apiVersion)}/${kind}`;
}

/** The store key of an object: `group/Kind/namespace/name` (namespace empty for cluster-scoped). */
export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${groupKindOf(apiVersion, kind)}/${namespace ?? ""}/${name}`;
}

export function keyOf(object: KubeObject): string {
  return objectKey(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name ?? "");
}

function byNamespaceThenName(a: KubeObject, b: KubeObject): number {
  const namespaceA = a.metadata.namespace ?? "";
  const namespaceB = b.metadata.namespace ?? "";
  if (namespaceA !== namespaceB) return namespaceA < namespaceB ? -1 : 1;
  const nameA = a.metadata.name ?? "";
  const nameB = b.metadata.name ?? "";
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

class KindIndex {
  readonly objects = new Map<string, KubeObject>();
  readonly byNamespace = new Map<string, Set<string>>();
  /** label key → label value → object keys. */
  readonly byLabel = new Map<string, Map<string, Set<string>>>();
  /** Sorted lists per namespace ("" key = all namespaces), rebuilt lazily after a write. */
  private readonly sorted = new Map<string, readonly KubeObject[]>();

  add(key: string, object: KubeObject): void {
    this.objects.set(key, object);
    addTo(this.byNamespace, object.metadata.namespace ?? "", key);
    for (const [label, value] of Object.entries(object.metadata.labels ?? {})) {
      let values = this.byLabel.get(label);
      if (values === undefined) {
        values = new Map();
        this.byLabel.set(label, values);
      }
      addTo(values, value, key);
    }
    this.invalidate(object);
  }

  remove(key: string, object: KubeObject): void {
    this.objects.delete(key);
    removeFrom(this.byNamespace, object.metadata.namespace ?? "", key);
    for (const [label, value] of Object.entries(object.metadata.labels ?? {})) {
      const values = this.byLabel.get(label);
      if (values === undefined) continue;
      removeFrom(values, value, key);
      if (values.size === 0) this.byLabel.delete(label);
    }
    this.invalidate(object);
  }

  private invalidate(object: KubeObject): void {
    this.sorted.delete("");
    this.sorted.delete(`ns:${object.metadata.namespace ?? ""}`);
  }

  sortedIn(namespace: string | undefined): readonly KubeObject[] {
    const cacheKey = namespace === undefined ? "" : `ns:${namespace}`;
    const cached = this.sorted.get(cacheKey);
    if (cached !== undefined) return cached;
    const keys = namespace === undefined ? [...this.objects.keys()] : [...(this.byNamespace.get(namespace) ?? [])];
    const list = keys.map((key) => this.objects.get(key)).filter((object): object is KubeObject => object !== undefined);
    list.sort(byNamespaceThenName);
    this.sorted.set(cacheKey, list);
    return list;
  }

  /**
   * Keys of the objects the most selective equality/`in`/`exists` requirement allows (sizes are
   * compared before any set is built); undefined when no requirement narrows.
   */
  candidates(selector: LabelSelector): ReadonlySet<string> | undefined {
    let best: { readonly size: number; readonly sets: readonly ReadonlySet<string>[] } | undefined;
    for (const requirement of selector) {
      let sets: ReadonlySet<string>[];
      if (requirement.operator === "equals") sets = [this.byLabel.get(requirement.key)?.get(requirement.value) ?? new Set<string>()];
      else if (requirement.operator === "in") sets = requirement.values.map((value) => this.byLabel.get(requirement.key)?.get(value) ?? new Set<string>());
      else if (requirement.operator === "exists") sets = [...(this.byLabel.get(requirement.key)?.values() ?? [])];
      else continue;
      const size = sets.reduce((sum, set) => sum + set.size, 0);
      if (best === undefined || size < best.size) best = { size, sets };
    }
    if (best === undefined) return undefined;
    if (best.sets.length === 1 && best.sets[0] !== undefined) return best.sets[0];
    const union = new Set<string>();
    for (const set of best.sets) for (const key of set) union.add(key);
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
  return current === undefined || current === null ? undefined : typeof current === "object" ? JSON.stringify(current) : String(current as string | number | boolean);
}

/**
 * The store's in-memory indexes: objects by key, by group/kind, namespace and label, by uid, and
 * dependents by owner uid (for cascading deletes). Lists come back sorted by namespace, then name.
 */
export class ObjectIndex {
  private readonly objects = new Map<string, KubeObject>();
  private readonly kinds = new Map<string, KindIndex>();
  private readonly uids = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();

  get size(): number {
    return this.objects.size;
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  keyOfUid(uid: string): string | undefined {
    return this.uids.get(uid);
  }

  /** Keys of objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): readonly string[] {
    return [...(this.dependents.get(uid) ?? [])];
  }

  values(): IterableIterator<KubeObject> {
    return this.objects.values();
  }

  entries(): IterableIterator<[string, KubeObject]> {
    return this.objects.entries();
  }

  groupKinds(): readonly string[] {
    return [...this.kinds.keys()];
  }

  put(key: string, object: KubeObject): void {
    this.remove(key);
    this.objects.set(key, object);
    const groupKind = groupKindOf(object.apiVersion, object.kind);
    let kind = this.kinds.get(groupKind);
    if (kind === undefined) {
      kind = new KindIndex();
      this.kinds.set(groupKind, kind);
    }
    kind.add(key, object);
    if (object.metadata.uid !== undefined) this.uids.set(object.metadata.uid, key);
    for (const owner of object.metadata.ownerReferences ?? []) addTo(this.dependents, owner.uid, key);
  }

  remove(key: string): KubeObject | undefined {
    const previous = this.objects.get(key);
    if (previous === undefined) return undefined;
    this.objects.delete(key);
    const groupKind = groupKindOf(previous.apiVersion, previous.kind);
    const kind = this.kinds.get(groupKind);
    if (kind !== undefined) {
      kind.remove(key, previous);
      if (kind.objects.size === 0) this.kinds.delete(groupKind);
    }
    if (previous.metadata.uid !== undefined && this.uids.get(previous.metadata.uid) === key) this.uids.delete(previous.metadata.uid);
    for (const owner of previous.metadata.ownerReferences ?? []) removeFrom(this.dependents, owner.uid, key);
    return previous;
  }

  clear(): void {
    this.objects.clear();
    this.kinds.clear();
    this.uids.clear();
    this.dependents.clear();
  }

  list(apiVersion: string, kindName: string, query: IndexQuery = {}): readonly KubeObject[] {
    const kind = this.kinds.get(groupKindOf(apiVersion, kindName));
    if (kind === undefined) return [];
    const selector = query.labelSelector ?? [];
    const fields = query.fieldSelector ?? [];
    const candidates = selector.length > 0 ? kind.candidates(selector) : undefined;
    if (candidates === undefined && selector.length === 0 && fields.length === 0) return kind.sortedIn(query.namespace);
    const pool = candidates === undefined ? kind.sortedIn(query.namespace) : [...candidates].map((key) => kind.objects.get(key)).filter((object): object is KubeObject => object !== undefined);
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
    let counted = 0;
    for (const [groupKind, kind] of this.kinds) {
      for (const [key, object] of kind.objects) {
        counted++;
        if (this.objects.get(key) !== object) problems.push(`kind index ${groupKind} holds a stale ${key}`);
        if (!kind.byNamespace.get(object.metadata.namespace ?? "")?.has(key)) problems.push(`namespace index misses ${key}`);
        for (const [label, value] of Object.entries(object.metadata.labels ?? {})) {
          if (!kind.byLabel.get(label)?.get(value)?.has(key)) problems.push(`label index misses ${label}=${value} of ${key}`);
        }
      }
      for (const [label, values] of kind.byLabel) {
        for (const [value, keys] of values) {
          for (const key of keys) if (kind.objects.get(key)?.metadata.labels?.[label] !== value) problems.push(`label index has a stale ${label}=${value} for ${key}`);
        }
      }
    }
    if (counted !== this.objects.size) problems.push(`kind indexes hold ${counted} objects, the store ${this.objects.size}`);
    for (const [key, object] of this.objects) {
      if (keyOf(object) !== key) problems.push(`object stored under ${key} is ${keyOf(object)}`);
      if (object.metadata.uid !== undefined && this.uids.get(object.metadata.uid) !== key) problems.push(`uid index misses ${key}`);
    }
    return problems;
  }
}
