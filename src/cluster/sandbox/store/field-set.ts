import type { JsonObject, JsonValue } from "../../../util/index.js";
import { displayText, isJsonObject, jsonEqual } from "../../../util/index.js";
import { STRATEGIC_MERGE_KEYS } from "../../../model/merge-keys.js";

/**
 * Field ownership for server-side apply, in the shape of Kubernetes' `fieldsV1`
 * (sigs.k8s.io/structured-merge-diff): a path is a list of segments, `f:<field>` for a map field and
 * `k:{"name":"app"}` for an item of a keyed list. A set holds the leaves a manager set plus the
 * keyed-list items it set.
 */
export type FieldPath = readonly string[];

/** Paths encoded as strings (JSON of the segment list) so they can live in a `Set`. */
export type FieldSet = ReadonlySet<string>;

/** The fields of `metadata` a client may set (and so own); the rest is the server's. */
const OWNABLE_METADATA = new Set(["labels", "annotations", "ownerReferences", "finalizers"]);

export function encodePath(path: FieldPath): string {
  return JSON.stringify(path);
}

export function decodePath(encoded: string): FieldPath {
  return JSON.parse(encoded) as string[];
}

/**
 * The merge key of a list, or undefined when the list is atomic. As in the API server, a list is
 * keyed only where the schema says so (the strategic-merge table of k8s.io/api's `patchMergeKey`s):
 * every other list, whatever its items look like, is owned and replaced as a whole. Among a field's
 * candidate keys (`ports`: `containerPort` in a container, `port` in a Service), the first that
 * every item carries, once each, is the key.
 */
export function listKeyOf(fieldName: string, items: readonly JsonValue[]): string | undefined {
  if (items.length === 0) return undefined;
  const candidates = STRATEGIC_MERGE_KEYS[fieldName] ?? [];
  for (const key of candidates) {
    const seen = new Set<string>();
    const keyed = items.every((item) => {
      if (!isJsonObject(item)) return false;
      const value = item[key];
      if (typeof value !== "string" && typeof value !== "number") return false;
      const id = String(value);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    if (keyed) return key;
  }
  return undefined;
}

function itemSegment(key: string, item: JsonObject): string {
  return `k:${JSON.stringify({ [key]: item[key] })}`;
}

function collect(value: JsonValue, fieldName: string, prefix: string[], out: Set<string>): void {
  if (isJsonObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) {
      out.add(encodePath(prefix));
      return;
    }
    for (const [key, child] of entries) collect(child, key, [...prefix, `f:${key}`], out);
    return;
  }
  if (Array.isArray(value)) {
    const key = listKeyOf(fieldName, value);
    if (key !== undefined) {
      for (const item of value as JsonObject[]) {
        const itemPath = [...prefix, itemSegment(key, item)];
        out.add(encodePath(itemPath));
        for (const [field, child] of Object.entries(item)) collect(child, field, [...itemPath, `f:${field}`], out);
      }
      return;
    }
  }
  out.add(encodePath(prefix));
}

/**
 * The field set of an object as a client sends it: every leaf and keyed-list item, leaving out
 * `apiVersion`, `kind`, `status` and the server-owned parts of `metadata`.
 */
export function fieldSetOf(object: JsonObject): Set<string> {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(object)) {
    if (key === "apiVersion" || key === "kind" || key === "status") continue;
    if (key === "metadata") {
      if (!isJsonObject(value)) continue;
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (OWNABLE_METADATA.has(metaKey)) collect(metaValue, metaKey, ["f:metadata", `f:${metaKey}`], out);
      }
      continue;
    }
    collect(value, key, [`f:${key}`], out);
  }
  return out;
}

function findItem(list: readonly JsonValue[], segment: string): number {
  const wanted = JSON.parse(segment.slice(2)) as Record<string, JsonValue>;
  const [[key, value] = ["", null]] = Object.entries(wanted);
  return list.findIndex((item) => isJsonObject(item) && item[key] === value);
}

/** The value at a field path, or undefined when absent. */
export function valueAt(object: JsonValue, path: FieldPath): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const segment of path) {
    if (current === undefined) return undefined;
    if (segment.startsWith("f:")) {
      current = isJsonObject(current) ? current[segment.slice(2)] : undefined;
    } else if (segment.startsWith("k:")) {
      if (!Array.isArray(current)) return undefined;
      const index = findItem(current, segment);
      current = index < 0 ? undefined : current[index];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Removes the field or list item at `path` from `object` (in place: callers pass their own copy),
 * then removes maps left empty on the way up unless `keep(path)` says a manager owns them.
 */
export function removeAt(object: JsonObject, path: FieldPath, keep: (path: FieldPath) => boolean): void {
  const containers: { container: JsonObject | JsonValue[]; segment: string }[] = [];
  let current: JsonValue = object;
  for (const segment of path) {
    if (segment.startsWith("f:") && isJsonObject(current)) {
      containers.push({ container: current, segment });
      const next: JsonValue | undefined = current[segment.slice(2)];
      if (next === undefined) return;
      current = next;
    } else if (segment.startsWith("k:") && Array.isArray(current)) {
      const index = findItem(current, segment);
      if (index < 0) return;
      containers.push({ container: current, segment });
      current = current[index] as JsonValue;
    } else {
      return;
    }
  }
  for (let depth = containers.length - 1; depth >= 0; depth--) {
    const entry = containers[depth];
    if (entry === undefined) return;
    const { container, segment } = entry;
    if (depth < containers.length - 1) {
      const child = Array.isArray(container) ? container[findItem(container, segment)] : container[segment.slice(2)];
      const empty =
        (isJsonObject(child) && Object.keys(child).length === 0) || (Array.isArray(child) && child.length === 0);
      if (!empty || keep(path.slice(0, depth + 1)) || depth === 0) return;
    }
    if (Array.isArray(container)) container.splice(findItem(container, segment), 1);
    else delete container[segment.slice(2)];
  }
}

/**
 * Server-side-apply merge of an applied configuration into the live object: maps merge, keyed lists
 * merge item by item (applied items first, in applied order, then items only the live object has),
 * every other value is replaced.
 */
export function mergeApplied(live: JsonValue | undefined, applied: JsonValue, fieldName = ""): JsonValue {
  if (isJsonObject(applied)) {
    const base: Record<string, JsonValue> = isJsonObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(applied)) base[key] = mergeApplied(base[key], value, key);
    return base;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const key = listKeyOf(fieldName, applied);
    if (key !== undefined && (live.length === 0 || listKeyOf(fieldName, live) === key)) {
      const liveItems = live as JsonObject[];
      const appliedIds = new Set(applied.map((item) => displayText((item as JsonObject)[key])));
      const merged: JsonValue[] = (applied as JsonObject[]).map((item) => {
        const match = liveItems.find((candidate) => displayText(candidate[key]) === displayText(item[key]));
        return match === undefined ? structuredClone(item) : mergeApplied(match, item);
      });
      for (const item of liveItems) if (!appliedIds.has(displayText(item[key]))) merged.push(item);
      return merged;
    }
  }
  return structuredClone(applied);
}

/** The paths of `set` whose values differ between two objects (`added`, `changed`) or that `before` has and `after` lacks. */
export function changedPaths(
  before: JsonObject,
  after: JsonObject,
): { readonly changed: Set<string>; readonly removed: Set<string> } {
  const beforeSet = fieldSetOf(before);
  const afterSet = fieldSetOf(after);
  const changed = new Set<string>();
  const removed = new Set<string>();
  for (const encoded of afterSet) {
    if (
      !beforeSet.has(encoded) ||
      !jsonEqual(valueAt(before, decodePath(encoded)), valueAt(after, decodePath(encoded)))
    )
      changed.add(encoded);
  }
  for (const encoded of beforeSet) if (!afterSet.has(encoded)) removed.add(encoded);
  return { changed, removed };
}

/** `.spec.replicas`, `.spec.template.spec.containers[name="app"].image`: a path for messages. */
export function formatFieldPath(path: FieldPath): string {
  return path
    .map((segment) => {
      if (segment.startsWith("f:")) return `.${segment.slice(2)}`;
      if (segment.startsWith("k:")) {
        const [[key, value] = ["", null]] = Object.entries(JSON.parse(segment.slice(2)) as Record<string, JsonValue>);
        return `[${key}=${JSON.stringify(value)}]`;
      }
      return segment;
    })
    .join("");
}

/** Encodes a field set as Kubernetes' nested `fieldsV1` object (`{"f:spec":{"f:replicas":{}}}`, `.` marks an owned list item). */
export function toFieldsV1(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  for (const encoded of [...set].sort()) {
    const path = decodePath(encoded);
    let node = root;
    for (const segment of path) {
      const next = node[segment];
      if (isJsonObject(next)) node = next;
      else {
        const created: JsonObject = {};
        node[segment] = created;
        node = created;
      }
    }
    if (path.length > 0 && path[path.length - 1]?.startsWith("k:") === true) node["."] = {};
  }
  return root;
}

/** Decodes a `fieldsV1` object into a field set (the inverse of {@link toFieldsV1}). */
export function fromFieldsV1(fields: JsonValue | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (node: JsonValue, prefix: string[]): void => {
    if (!isJsonObject(node)) return;
    const entries = Object.entries(node);
    if (entries.length === 0 && prefix.length > 0) out.add(encodePath(prefix));
    for (const [segment, child] of entries) {
      if (segment === ".") out.add(encodePath(prefix));
      else walk(child, [...prefix, segment]);
    }
  };
  if (fields !== undefined) walk(fields, []);
  return out;
}
