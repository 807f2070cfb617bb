import type { KubeObject } from "../../../model/kube-object.js";
import { groupOf } from "../../../model/kube-object.js";
import type { FieldRequirement, LabelSelector } from "../../selector.js";
import { matchesFieldSelector, matchesLabelSelector } from "../../selector.js";
import { displayText } from "../../../util/index.js";

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

class KindIndex {
  readonly objects = new Map<string, KubeObject>();
  readonly byNamespace = new Map<string, Keys>();
  /** label key → label value → object keys. */
  readonly byLabel = new Map<string, Map<string, Keys>>();
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
    const keys = namespace === undefined ? [...this.objects.keys()] : [...keySet(this.byNamespace.get(namespace))];
    const list = keys
      .map((key) => this.objects.get(key))
      .filter((object): object is KubeObject => object !== undefined);
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

/**
 * The store's in-memory indexes: objects by group/kind (then key, namespace and label), and
 * dependents by owner uid (for cascading deletes). Lists come back sorted by namespace, then name.
 * Each object is held once, in its kind's index: at a hundred thousand apps every extra map
 * entry per object costs megabytes.
 */
export class ObjectIndex {
  private readonly kinds = new Map<string, KindIndex>();
  private readonly dependents = new Map<string, Keys>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): KubeObject | undefined {
    return this.kinds.get(groupKindOfKey(key))?.objects.get(key);
  }

  /** Keys of objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): readonly string[] {
    return [...keySet(this.dependents.get(uid))];
  }

  *values(): IterableIterator<KubeObject> {
    for (const kind of this.kinds.values()) yield* kind.objects.values();
  }

  *entries(): IterableIterator<[string, KubeObject]> {
    for (const kind of this.kinds.values()) yield* kind.objects.entries();
  }

  groupKinds(): readonly string[] {
    return [...this.kinds.keys()];
  }

  put(key: string, object: KubeObject): void {
    this.remove(key);
    const groupKind = groupKindOf(object.apiVersion, object.kind);
    let kind = this.kinds.get(groupKind);
    if (kind === undefined) {
      kind = new KindIndex();
      this.kinds.set(groupKind, kind);
    }
    kind.add(key, object);
    this.count++;
    for (const owner of object.metadata.ownerReferences ?? []) addTo(this.dependents, owner.uid, key);
  }

  remove(key: string): KubeObject | undefined {
    const groupKind = groupKindOfKey(key);
    const kind = this.kinds.get(groupKind);
    const previous = kind?.objects.get(key);
    if (kind === undefined || previous === undefined) return undefined;
    kind.remove(key, previous);
    this.count--;
    if (kind.objects.size === 0) this.kinds.delete(groupKind);
    for (const owner of previous.metadata.ownerReferences ?? []) removeFrom(this.dependents, owner.uid, key);
    return previous;
  }

  clear(): void {
    this.kinds.clear();
    this.dependents.clear();
    this.count = 0;
  }

  list(apiVersion: string, kindName: string, query: IndexQuery = {}): readonly KubeObject[] {
    const kind = this.kinds.get(groupKindOf(apiVersion, kindName));
    if (kind === undefined) return [];
    const selector = query.labelSelector ?? [];
    const fields = query.fieldSelector ?? [];
    const candidates = selector.length > 0 ? kind.candidates(selector) : undefined;
    if (candidates === undefined && selector.length === 0 && fields.length === 0) return kind.sortedIn(query.namespace);
    const pool =
      candidates === undefined
        ? kind.sortedIn(query.namespace)
        : [...candidates]
            .map((key) => kind.objects.get(key))
            .filter((object): object is KubeObject => object !== undefined);
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
        if (keyOf(object) !== key) problems.push(`object stored under ${key} is ${keyOf(object)}`);
        if (groupKindOfKey(key) !== groupKind) problems.push(`kind index ${groupKind} holds ${key}`);
        if (!keySet(kind.byNamespace.get(object.metadata.namespace ?? "")).has(key))
          problems.push(`namespace index misses ${key}`);
        for (const [label, value] of Object.entries(object.metadata.labels ?? {})) {
          if (!keySet(kind.byLabel.get(label)?.get(value)).has(key))
            problems.push(`label index misses ${label}=${value} of ${key}`);
        }
        for (const owner of object.metadata.ownerReferences ?? [])
          if (!keySet(this.dependents.get(owner.uid)).has(key)) problems.push(`owner index misses ${key}`);
      }
      for (const [label, values] of kind.byLabel) {
        for (const [value, keys] of values) {
          for (const key of keySet(keys))
            if (kind.objects.get(key)?.metadata.labels?.[label] !== value)
              problems.push(`label index has a stale ${label}=${value} for ${key}`);
        }
      }
    }
    if (counted !== this.count) problems.push(`kind indexes hold ${counted} objects, the count is ${this.count}`);
    return problems;
  }
}
