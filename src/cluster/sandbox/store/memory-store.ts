/**
 * The sandbox's object store in memory: the API server's write semantics (create, update, status,
 * merge/JSON patches, server-side apply with managed fields, deletes with propagation and
 * finalizers, resourceVersions, watch history) over the object index. Long because these writes
 * share one invariant-keeping path (validate, version, index, journal, notify) that must stay in one
 * place to stay consistent after a crash.
 */
import jsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { ClusterError, ConflictError, NotFoundError, VelaError } from "../../../errors/index.js";
import type { KubeObject, ManagedFieldsEntry, ObjectRef } from "../../../model/kube-object.js";
import { kubeObjectOf } from "../../../model/kube-object.js";
import type { Clock, JsonObject, JsonValue } from "../../../util/index.js";
import { applyMergePatch, formatTimestamp, isJsonObject, jsonEqual, toJsonObject } from "../../../util/index.js";
import type { ApplyOptions, DeleteOptions, ListOptions, PatchBody } from "../../cluster.js";
import { findResourceType, isNamespacedKind, qualifiedResourceName } from "../../resources.js";
import { parseFieldSelector, parseLabelSelector } from "../../selector.js";
import type { SimulatedAdmission } from "../controller-contract.js";
import type { ObjectStore, StoredChange, WriteContext, WriteOptions } from "../object-store.js";
import {
  changedPaths,
  decodePath,
  fieldSetOf,
  formatFieldPath,
  fromFieldsV1,
  mergeApplied,
  removeAt,
  toFieldsV1,
  valueAt,
} from "./field-set.js";
import type { IndexedSnapshot, SnapshotEntry, SnapshotKind } from "./indexed-snapshot.js";
import { deepFreeze, JsonInterner } from "./json-interner.js";
import { keyOf, ObjectIndex, objectKey } from "./object-index.js";
import { randomNameSuffix, randomUuid, seededRandom, type RandomSource } from "./random.js";
import { assertValidObject } from "./validate.js";

/** The field manager of writes that name none (the `Cluster` default). */
export const DEFAULT_FIELD_MANAGER = "vela-ts";

/** One committed write: every object it changed, and the resourceVersion after it. */
export interface WriteRecord {
  readonly resourceVersion: number;
  /** The write emptied the store before applying `changes` (`sandbox reset`). */
  readonly reset?: boolean;
  readonly changes: readonly StoredChange[];
}

/** Where committed writes go before they are acknowledged (the durable journal); the memory store has none. */
export interface StorePersistence {
  /** Makes `record` durable; throwing aborts the write (nothing changes in memory). */
  commit(record: WriteRecord): void;
  /** Groups the commits made inside `fn` into one durable write. */
  batch<T>(fn: () => T): T;
}

export interface MemoryObjectStoreOptions {
  /** Source of creationTimestamp, deletionTimestamp and managedFields times. */
  readonly clock: Clock;
  /** Seed of uids and generateName suffixes. @default "0" */
  readonly seed?: string;
  /** Mutating admission webhooks run on every create/update/apply/patch. @default [] */
  readonly admissions?: readonly SimulatedAdmission[];
  /** Addons whose admissions are on. @default empty */
  readonly enabledAddons?: ReadonlySet<string>;
  /**
   * Objects loaded as stored (already carrying uid/resourceVersion), e.g. read back from disk: given
   * whole, or as an indexed snapshot they are read from on first use. @default none
   */
  readonly restored?:
    | { readonly objects: readonly KubeObject[]; readonly resourceVersion: number }
    | { readonly indexed: IndexedSnapshot; readonly resourceVersion: number };
  /** @default none (in memory only) */
  readonly persistence?: StorePersistence;
  /**
   * Distinct objects and arrays remembered for sharing between stored objects (see {@link JsonInterner}).
   * @default 16384
   */
  readonly sharedSubtrees?: number;
}

interface ManagerEntry {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly subresource?: string;
  apiVersion: string;
  time: string;
  fields: Set<string>;
}

/** A `ManagedFieldsEntry` with its field set, as the API server stores it. */
type StoredManagedFields = ManagedFieldsEntry & { readonly fieldsType: "FieldsV1"; readonly fieldsV1: JsonObject };

/**
 * A JSON patch body as fast-json-patch's operations: each needs a known `op` and a string `path`
 * (and `from` for move/copy); anything else is refused, as the API server does.
 */
function jsonPatchOperations(patch: readonly JsonObject[]): Operation[] {
  return patch.map((item, index): Operation => {
    const path = item["path"];
    const from = item["from"];
    const op = item["op"];
    if (typeof path !== "string") throw invalidOperation(index, "has no string `path`");
    if (op === "add" || op === "replace" || op === "test") {
      if (!Object.hasOwn(item, "value")) throw invalidOperation(index, `(${op}) has no \`value\``);
      return { op, path, value: item["value"] };
    }
    if (op === "remove") return { op, path };
    if (op === "move" || op === "copy") {
      if (typeof from !== "string") throw invalidOperation(index, `(${op}) has no string \`from\``);
      return { op, path, from };
    }
    throw invalidOperation(
      index,
      `has op ${JSON.stringify(op ?? null)}, not one of add, remove, replace, move, copy, test`,
    );
  });
}

function invalidOperation(index: number, why: string): ClusterError {
  return new ClusterError("E_PATCH_INVALID", `operation ${index} ${why}`);
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** The part of an object that `generation` tracks: everything but metadata and status. */
function specOf(object: KubeObject): Record<string, unknown> {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

/** Server-set metadata a client's object must not carry into the store. */
const SERVER_METADATA = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
] as const;

function describe(apiVersion: string, kind: string, name: string): string {
  const type = findResourceType(apiVersion, kind);
  return `${type === undefined ? `${kind.toLowerCase()}` : qualifiedResourceName(type)} "${name}"`;
}

function modifiedError(apiVersion: string, kind: string, name: string): ConflictError {
  return new ConflictError(
    `operation cannot be fulfilled on ${describe(apiVersion, kind, name)}: the object has been modified; ` +
      "please apply your changes to the latest version and try again",
    {
      hint: "read the object again and retry the change on its latest resourceVersion",
    },
  );
}

function notFound(apiVersion: string, kind: string, name: string): NotFoundError {
  return new NotFoundError("E_NOT_FOUND", `${describe(apiVersion, kind, name)} not found`);
}

class WriteTx {
  readonly changes = new Map<string, { type: StoredChange["type"]; object: KubeObject }>();
  constructor(private readonly index: ObjectIndex) {}

  get(key: string): KubeObject | undefined {
    const change = this.changes.get(key);
    if (change !== undefined) return change.type === "DELETED" ? undefined : change.object;
    return this.index.get(key);
  }

  put(key: string, object: KubeObject): void {
    const previous = this.changes.get(key);
    const added = previous === undefined ? this.index.get(key) === undefined : previous.type === "ADDED";
    this.changes.set(key, { type: added ? "ADDED" : "MODIFIED", object });
  }

  remove(key: string, object: KubeObject): void {
    const previous = this.changes.get(key);
    if (previous?.type === "ADDED") this.changes.delete(key);
    else this.changes.set(key, { type: "DELETED", object });
  }

  isDeleted(key: string): boolean {
    return this.changes.get(key)?.type === "DELETED";
  }
}

/**
 * The sandbox object store in memory (see {@link ObjectStore}): the semantics of the Kubernetes
 * API server for the objects vela-ts drives. With a {@link StorePersistence} each write is made
 * durable before it becomes visible; without one it is the in-memory store tests use.
 */
export class MemoryObjectStore implements ObjectStore {
  private readonly index: ObjectIndex;
  /** Written objects share identical subtrees (every revision snapshots the same definitions). */
  private readonly interner: JsonInterner;
  private readonly clock: Clock;
  private readonly seed: string;
  private randomSource: RandomSource | undefined;
  private readonly admissions: readonly SimulatedAdmission[];
  private readonly persistence: StorePersistence | undefined;
  private readonly listeners = new Set<(changes: readonly StoredChange[], context: WriteContext) => void>();
  private version: number;
  private writes = 0;
  enabledAddons: ReadonlySet<string>;

  constructor(options: MemoryObjectStoreOptions) {
    this.clock = options.clock;
    this.admissions = options.admissions ?? [];
    this.enabledAddons = options.enabledAddons ?? new Set();
    this.persistence = options.persistence;
    this.interner = new JsonInterner(options.sharedSubtrees === undefined ? {} : { capacity: options.sharedSubtrees });
    const restored = options.restored;
    this.version = restored?.resourceVersion ?? 0;
    this.index = new ObjectIndex(restored !== undefined && "indexed" in restored ? restored.indexed : undefined);
    // Restored objects are frozen when first read (see get/list), which keeps opening a large store fast.
    if (restored !== undefined && "objects" in restored)
      for (const object of restored.objects) this.index.put(keyOf(object), object);
    this.seed = options.seed ?? "0";
  }

  /** Seeded by the resourceVersion of the first draw too, so each session draws fresh uids yet replays identically. */
  private random(): number {
    this.randomSource ??= seededRandom(`${this.seed}/${this.version}`);
    return this.randomSource();
  }

  get size(): number {
    return this.index.size;
  }

  get writeCount(): number {
    return this.writes;
  }

  get resourceVersion(): string {
    return String(this.version);
  }

  /** Every stored object, unordered (snapshots, consistency checks). */
  allObjects(): IterableIterator<KubeObject> {
    return this.index.values();
  }

  /**
   * Every object as a snapshot writes it (see {@link ObjectIndex.snapshotKinds}): objects not read
   * yet are copied from the current snapshot file without being parsed.
   */
  snapshotKinds(): Iterable<SnapshotKind> {
    return this.index.snapshotKinds();
  }

  /** After a compaction wrote `written` to `snapshot`, unread objects are read from there. */
  snapshotMovedTo(snapshot: IndexedSnapshot, written: readonly SnapshotEntry[]): void {
    this.index.movedTo(snapshot, written);
  }

  /** Closes the snapshot file unread objects are in (a later read opens it again). */
  closeSnapshot(): void {
    this.index.source?.close();
  }

  /** Index problems (empty when consistent): for the crash-consistency check. */
  findInconsistencies(): string[] {
    const problems = this.index.findInconsistencies();
    const versions = new Set<string>();
    for (const object of this.index.values()) {
      const version = object.metadata.resourceVersion ?? "";
      if (!/^\d+$/.test(version)) problems.push(`${keyOf(object)} has resourceVersion "${version}"`);
      else if (Number(version) > this.version)
        problems.push(`${keyOf(object)} has resourceVersion ${version} above the store's ${this.version}`);
      if (versions.has(version)) problems.push(`resourceVersion ${version} is used twice`);
      versions.add(version);
    }
    return problems;
  }

  subscribe(listener: (changes: readonly StoredChange[], context: WriteContext) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  batch<T>(fn: () => T): T {
    return this.persistence === undefined ? fn() : this.persistence.batch(fn);
  }

  private keyOfRef(ref: ObjectRef): string {
    const namespace = isNamespacedKind(ref.apiVersion, ref.kind) ? (ref.namespace ?? "default") : undefined;
    return objectKey(ref.apiVersion, ref.kind, namespace, ref.name);
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const found = this.index.get(this.keyOfRef(ref));
    return found === undefined ? undefined : deepFreeze(found);
  }

  dependentsOf(uid: string): readonly KubeObject[] {
    const found: KubeObject[] = [];
    for (const key of this.index.dependentsOf(uid)) {
      const object = this.index.get(key);
      if (object !== undefined) found.push(deepFreeze(object));
    }
    return found;
  }

  allocatedTo(allocation: string): ObjectRef | undefined {
    const key = this.index.allocatedTo(allocation);
    if (key === undefined) return undefined;
    const object = this.index.get(key);
    if (object === undefined) return undefined;
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name ?? "",
      ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    };
  }

  list(apiVersion: string, kind: string, options: ListOptions = {}): readonly KubeObject[] {
    const namespace =
      options.namespace !== undefined && isNamespacedKind(apiVersion, kind) ? options.namespace : undefined;
    const found = this.index.list(apiVersion, kind, {
      ...(namespace === undefined ? {} : { namespace }),
      ...(options.labelSelector === undefined ? {} : { labelSelector: parseLabelSelector(options.labelSelector) }),
      ...(options.fieldSelector === undefined ? {} : { fieldSelector: parseFieldSelector(options.fieldSelector) }),
    });
    for (const object of found) deepFreeze(object);
    return found;
  }

  /** A client's object made storable: copied, namespace defaulted or dropped, server metadata removed. */
  private normalize(object: KubeObject): KubeObject {
    assertValidObject(object);
    const result = copy(object);
    const metadata = result.metadata as Record<string, unknown>;
    for (const field of SERVER_METADATA) delete metadata[field];
    if (isNamespacedKind(result.apiVersion, result.kind))
      result.metadata.namespace = result.metadata.namespace ?? "default";
    else delete result.metadata.namespace;
    return result;
  }

  private admit(operation: "CREATE" | "UPDATE", incoming: KubeObject, existing: KubeObject | undefined): KubeObject {
    let current = incoming;
    for (const admission of this.admissions) {
      if (admission.addon !== undefined && !this.enabledAddons.has(admission.addon)) continue;
      const result = admission.admit(operation, current, existing, this);
      current = result === current ? current : copy(result);
    }
    return current;
  }

  private entriesOf(object: KubeObject): ManagerEntry[] {
    return (object.metadata.managedFields ?? []).map((entry) => {
      const stored = entry as Partial<StoredManagedFields>;
      return {
        manager: entry.manager,
        operation: entry.operation,
        ...(entry.subresource === undefined ? {} : { subresource: entry.subresource }),
        apiVersion: entry.apiVersion ?? object.apiVersion,
        time: entry.time ?? "",
        fields: fromFieldsV1(stored.fieldsV1),
      };
    });
  }

  private static encodeEntries(entries: readonly ManagerEntry[]): ManagedFieldsEntry[] {
    return entries
      .filter((entry) => entry.fields.size > 0 || entry.subresource !== undefined)
      .map((entry) => {
        const stored: StoredManagedFields = {
          manager: entry.manager,
          operation: entry.operation,
          apiVersion: entry.apiVersion,
          time: entry.time,
          fieldsType: "FieldsV1",
          fieldsV1: toFieldsV1(entry.fields),
          ...(entry.subresource === undefined ? {} : { subresource: entry.subresource }),
        };
        return stored;
      });
  }

  private upsertEntry(
    entries: ManagerEntry[],
    manager: string,
    operation: "Apply" | "Update",
    apiVersion: string,
    subresource?: string,
  ): ManagerEntry {
    const found = entries.find(
      (entry) => entry.manager === manager && entry.operation === operation && entry.subresource === subresource,
    );
    if (found !== undefined) {
      found.apiVersion = apiVersion;
      return found;
    }
    const created: ManagerEntry = {
      manager,
      operation,
      apiVersion,
      time: "",
      fields: new Set(),
      ...(subresource === undefined ? {} : { subresource }),
    };
    entries.push(created);
    return created;
  }

  /** Records that `manager` changed `changed` and removed `removed` with an Update: those fields move to it. */
  private transferOwnership(
    entries: ManagerEntry[],
    manager: string,
    apiVersion: string,
    changed: ReadonlySet<string>,
    removed: ReadonlySet<string>,
    now: string,
  ): void {
    if (changed.size === 0 && removed.size === 0) return;
    for (const entry of entries) {
      if (entry.subresource !== undefined) continue;
      for (const path of changed) entry.fields.delete(path);
      for (const path of removed) entry.fields.delete(path);
    }
    const own = this.upsertEntry(entries, manager, "Update", apiVersion);
    for (const path of changed) own.fields.add(path);
    own.time = now;
  }

  private commit(tx: WriteTx, reset = false): void {
    if (tx.changes.size === 0 && !reset) return;
    let version = this.version;
    const changes: StoredChange[] = [];
    for (const [, change] of tx.changes) {
      version++;
      const object = change.type === "DELETED" ? copy(change.object) : change.object;
      object.metadata.resourceVersion = String(version);
      changes.push({ type: change.type, object: this.interner.internUnique(object, ["metadata"]) });
    }
    const record: WriteRecord = { resourceVersion: version, changes, ...(reset ? { reset: true } : {}) };
    try {
      this.persistence?.commit(record);
    } catch (error) {
      if (error instanceof VelaError) throw error;
      throw new ClusterError(
        "E_SANDBOX_WRITE",
        `could not save the write to the sandbox: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: "check that the sandbox directory is writable and the disk is not full",
          cause: error,
        },
      );
    }
    const previous = [...tx.changes.keys()].map((key) => this.index.get(key));
    this.applyRecord(record);
    this.writes++;
    for (const listener of this.listeners) listener(changes, { previous, reset });
  }

  /**
   * Replays a journal record and returns each change's object and its stored state before the
   * record (what a subscriber of the write was told).
   */
  replayRecord(record: WriteRecord): { readonly object: KubeObject; readonly previous: KubeObject | undefined }[] {
    const previous = record.reset === true ? [] : record.changes.map((change) => this.index.get(keyOf(change.object)));
    this.applyRecord(record);
    return record.changes.map((change, index) => ({ object: change.object, previous: previous[index] }));
  }

  /** Applies a committed record to the indexes (also used when replaying the journal). */
  applyRecord(record: WriteRecord): void {
    if (record.reset === true) this.index.clear();
    for (const change of record.changes) {
      const key = keyOf(change.object);
      if (change.type === "DELETED") this.index.remove(key);
      else this.index.put(key, change.object);
    }
    this.version = Math.max(this.version, record.resourceVersion);
  }

  /** Fills in what the API server sets on create: name from generateName, uid, timestamps, generation. */
  private prepareCreate(candidate: KubeObject): KubeObject {
    if (candidate.metadata.name === undefined || candidate.metadata.name === "") {
      const prefix = candidate.metadata.generateName ?? "";
      let name = "";
      for (let attempt = 0; attempt < 100; attempt++) {
        name = `${prefix}${randomNameSuffix(() => this.random())}`;
        if (
          this.index.get(objectKey(candidate.apiVersion, candidate.kind, candidate.metadata.namespace, name)) ===
          undefined
        )
          break;
      }
      candidate.metadata.name = name;
    }
    return candidate;
  }

  private finishCreate(object: KubeObject, entries: ManagerEntry[]): KubeObject {
    const now = formatTimestamp(this.clock.now());
    object.metadata.uid = randomUuid(() => this.random());
    object.metadata.creationTimestamp = now;
    object.metadata.generation = 1;
    for (const entry of entries) entry.time = now;
    const managedFields = MemoryObjectStore.encodeEntries(entries);
    if (managedFields.length > 0) object.metadata.managedFields = managedFields;
    return object;
  }

  create(object: KubeObject, options: WriteOptions = {}): KubeObject {
    const candidate = this.prepareCreate(this.normalize(object));
    const key = keyOf(candidate);
    if (this.index.get(key) !== undefined) {
      throw new ConflictError(
        `${describe(candidate.apiVersion, candidate.kind, candidate.metadata.name ?? "")} already exists`,
        { hint: "use apply or update to change an existing object" },
      );
    }
    const admitted = this.admit("CREATE", candidate, undefined);
    const entry: ManagerEntry = {
      manager: options.fieldManager ?? DEFAULT_FIELD_MANAGER,
      operation: "Update",
      apiVersion: admitted.apiVersion,
      time: "",
      fields: fieldSetOf(toJsonObject(admitted)),
    };
    const stored = this.finishCreate(admitted, [entry]);
    const tx = new WriteTx(this.index);
    tx.put(key, stored);
    this.commit(tx);
    return this.index.get(key) ?? stored;
  }

  private existingFor(object: KubeObject): { readonly key: string; readonly existing: KubeObject } {
    const key = keyOf(object);
    const existing = this.index.get(key);
    if (existing === undefined) throw notFound(object.apiVersion, object.kind, object.metadata.name ?? "");
    return { key, existing };
  }

  private checkPrecondition(resourceVersion: string | undefined, existing: KubeObject): void {
    if (
      resourceVersion !== undefined &&
      resourceVersion !== "" &&
      resourceVersion !== existing.metadata.resourceVersion
    ) {
      throw modifiedError(existing.apiVersion, existing.kind, existing.metadata.name ?? "");
    }
  }

  /** Carries the server-owned metadata and `.status` of `existing` over to a client's replacement. */
  private carryOver(candidate: KubeObject, existing: KubeObject): KubeObject {
    const { uid, creationTimestamp, generation, deletionTimestamp, managedFields } = existing.metadata;
    Object.assign(candidate.metadata, {
      ...(uid === undefined ? {} : { uid }),
      ...(creationTimestamp === undefined ? {} : { creationTimestamp }),
      ...(generation === undefined ? {} : { generation }),
      ...(deletionTimestamp === undefined ? {} : { deletionTimestamp }),
      ...(managedFields === undefined ? {} : { managedFields: copy(managedFields) }),
    });
    if (existing["status"] === undefined) delete candidate["status"];
    else candidate["status"] = copy(existing["status"] as JsonValue);
    return candidate;
  }

  /** Stores `next` as the new state of `existing` (the end of update, patch and apply). */
  private writeReplacement(
    key: string,
    existing: KubeObject,
    next: KubeObject,
    entries: ManagerEntry[] | undefined,
  ): KubeObject {
    if (!jsonEqual(specOf(next), specOf(existing))) next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    if (entries !== undefined) {
      const managedFields = MemoryObjectStore.encodeEntries(entries);
      if (managedFields.length > 0) next.metadata.managedFields = managedFields;
      else delete next.metadata.managedFields;
    }
    next.metadata.resourceVersion = existing.metadata.resourceVersion ?? "";
    if (jsonEqual(next, existing)) return deepFreeze(existing);
    const tx = new WriteTx(this.index);
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) {
      // The last finalizer is gone: the object goes, and its dependents with it (background GC).
      this.removeInTx(tx, key, next, "Background");
      this.commit(tx);
      return next;
    }
    tx.put(key, next);
    this.commit(tx);
    return this.index.get(key) ?? next;
  }

  update(object: KubeObject, options: WriteOptions = {}): KubeObject {
    const candidate = this.normalize(object);
    const { key, existing } = this.existingFor(candidate);
    this.checkPrecondition(object.metadata.resourceVersion, existing);
    const next = this.admit("UPDATE", this.carryOver(candidate, existing), existing);
    return this.writeUpdate(key, existing, next, options.fieldManager ?? DEFAULT_FIELD_MANAGER);
  }

  private writeUpdate(key: string, existing: KubeObject, next: KubeObject, manager: string): KubeObject {
    const entries = this.entriesOf(existing);
    const { changed, removed } = changedPaths(toJsonObject(existing), toJsonObject(next));
    const now = formatTimestamp(this.clock.now());
    this.transferOwnership(entries, manager, next.apiVersion, changed, removed, now);
    return this.writeReplacement(key, existing, next, entries);
  }

  private writeStatus(key: string, existing: KubeObject, status: JsonValue | undefined, manager: string): KubeObject {
    if (jsonEqual(status, existing["status"])) return deepFreeze(existing);
    // The rest of the stored object is frozen and stays as it is: only metadata is written below.
    const { status: _previous, ...rest } = existing;
    const next: KubeObject = {
      ...rest,
      metadata: { ...existing.metadata },
      ...(status === undefined ? {} : { status: copy(status) }),
    };
    const entries = this.entriesOf(existing);
    const entry = this.upsertEntry(entries, manager, "Update", existing.apiVersion, "status");
    entry.time = formatTimestamp(this.clock.now());
    entry.fields = isJsonObject(status)
      ? new Set(Object.keys(status).map((field) => JSON.stringify(["f:status", `f:${field}`])))
      : new Set();
    return this.writeReplacement(key, existing, next, entries);
  }

  updateStatus(object: KubeObject, options: WriteOptions = {}): KubeObject {
    assertValidObject(object);
    const { key, existing } = this.existingFor(this.normalize(object));
    this.checkPrecondition(object.metadata.resourceVersion, existing);
    return this.writeStatus(
      key,
      existing,
      object["status"] as JsonValue | undefined,
      options.fieldManager ?? DEFAULT_FIELD_MANAGER,
    );
  }

  private patched(
    ref: ObjectRef,
    body: PatchBody,
  ): { readonly key: string; readonly existing: KubeObject; readonly result: KubeObject } {
    const key = this.keyOfRef(ref);
    const existing = this.index.get(key);
    if (existing === undefined) throw notFound(ref.apiVersion, ref.kind, ref.name);
    let result: unknown;
    if (body.type === "merge") {
      result = applyMergePatch(toJsonObject(copy(existing)), body.patch);
    } else {
      try {
        result = jsonPatch.applyPatch(copy(existing), jsonPatchOperations(body.patch), true, false).newDocument;
      } catch (error) {
        const detail = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
        throw new ClusterError(
          "E_PATCH_INVALID",
          `cannot apply the JSON patch to ${describe(ref.apiVersion, ref.kind, ref.name)}: ${detail}`,
          {
            hint: "JSON patch operations are {op: add|remove|replace|move|copy|test, path: /json/pointer, value}",
            cause: error,
          },
        );
      }
    }
    assertValidObject(result);
    const object = result as KubeObject;
    if (
      object.kind !== existing.kind ||
      object.metadata.name !== existing.metadata.name ||
      (object.metadata.namespace ?? "") !== (existing.metadata.namespace ?? "")
    ) {
      throw new ClusterError(
        "E_PATCH_INVALID",
        `a patch cannot change the kind, name or namespace of ${describe(ref.apiVersion, ref.kind, ref.name)}`,
      );
    }
    this.checkPrecondition(object.metadata.resourceVersion, existing);
    return { key, existing, result: object };
  }

  patch(ref: ObjectRef, body: PatchBody, options: WriteOptions = {}): KubeObject {
    const { key, existing, result } = this.patched(ref, body);
    const candidate = this.carryOver(this.normalize(result), existing);
    const next = this.admit("UPDATE", candidate, existing);
    return this.writeUpdate(key, existing, next, options.fieldManager ?? DEFAULT_FIELD_MANAGER);
  }

  patchStatus(ref: ObjectRef, body: PatchBody, options: WriteOptions = {}): KubeObject {
    const { key, existing, result } = this.patched(ref, body);
    return this.writeStatus(
      key,
      existing,
      result["status"] as JsonValue | undefined,
      options.fieldManager ?? DEFAULT_FIELD_MANAGER,
    );
  }

  apply(object: KubeObject, options: ApplyOptions = {}): KubeObject {
    const manager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
    const applied = this.normalize(object);
    if (applied.metadata.name === undefined || applied.metadata.name === "") {
      throw new ClusterError("E_INVALID_OBJECT", `${applied.kind} has no metadata.name`, {
        path: "/metadata/name",
        hint: "server-side apply needs metadata.name; generateName only works with create",
      });
    }
    const appliedFields = fieldSetOf(toJsonObject(applied));
    const key = keyOf(applied);
    const existing = this.index.get(key);
    if (existing === undefined) {
      const admitted = this.admit("CREATE", applied, undefined);
      const stored = this.finishCreate(admitted, [
        { manager, operation: "Apply", apiVersion: applied.apiVersion, time: "", fields: appliedFields },
      ]);
      const tx = new WriteTx(this.index);
      tx.put(key, stored);
      this.commit(tx);
      return this.index.get(key) ?? stored;
    }
    this.checkPrecondition(object.metadata.resourceVersion, existing);
    const entries = this.entriesOf(existing);
    const isOwn = (entry: ManagerEntry): boolean =>
      entry.manager === manager && entry.operation === "Apply" && entry.subresource === undefined;
    const conflicts: { readonly manager: string; readonly path: string }[] = [];
    for (const entry of entries) {
      if (isOwn(entry) || entry.subresource !== undefined) continue;
      for (const encoded of appliedFields) {
        if (!entry.fields.has(encoded)) continue;
        const path = decodePath(encoded);
        if (path[path.length - 1]?.startsWith("k:") === true) continue;
        if (!jsonEqual(valueAt(toJsonObject(applied), path), valueAt(toJsonObject(existing), path)))
          conflicts.push({ manager: entry.manager, path: encoded });
      }
    }
    if (conflicts.length > 0 && options.force !== true) {
      const list = conflicts
        .map((conflict) => `conflict with "${conflict.manager}": ${formatFieldPath(decodePath(conflict.path))}`)
        .join("; ");
      throw new ConflictError(
        `apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? "" : "s"}: ${list}`,
        {
          hint: "these fields are managed by another field manager: leave them out of the applied object, or force the apply to take them over",
        },
      );
    }
    for (const conflict of conflicts)
      for (const entry of entries)
        if (entry.manager === conflict.manager && !isOwn(entry)) entry.fields.delete(conflict.path);
    const own = this.upsertEntry(entries, manager, "Apply", applied.apiVersion);
    const previous = own.fields;
    const { status: _ignored, ...appliedWithoutStatus } = applied;
    const merged = kubeObjectOf(
      mergeApplied(toJsonObject(copy(existing)), toJsonObject(appliedWithoutStatus)),
      "an applied object merged with the stored one",
    );
    const ownedByOthers = (encoded: string): boolean =>
      entries.some((entry) => !isOwn(entry) && entry.fields.has(encoded));
    // Shallowest first: a dropped list item goes whole, before its own fields are looked at.
    const dropped = [...previous]
      .filter((encoded) => !appliedFields.has(encoded) && !ownedByOthers(encoded))
      .map(decodePath);
    dropped.sort((a, b) => a.length - b.length);
    for (const path of dropped) {
      const encoded = JSON.stringify(path);
      const parent = path[path.length - 2];
      if (
        parent?.startsWith("k:") === true &&
        Object.hasOwn(JSON.parse(parent.slice(2)) as object, path[path.length - 1]?.slice(2) ?? "")
      )
        continue;
      if (path[path.length - 1]?.startsWith("k:") === true) {
        const prefix = encoded.slice(0, -1);
        if (entries.some((entry) => !isOwn(entry) && [...entry.fields].some((field) => field.startsWith(prefix))))
          continue;
      }
      removeAt(
        toJsonObject(merged),
        path,
        (kept) =>
          entries.some((entry) => entry.fields.has(JSON.stringify(kept))) || appliedFields.has(JSON.stringify(kept)),
      );
    }
    if (!jsonEqual([...previous].sort(), [...appliedFields].sort())) own.time = formatTimestamp(this.clock.now());
    own.fields = appliedFields;
    const next = this.admit("UPDATE", merged, existing);
    return this.writeReplacement(key, existing, next, entries);
  }

  delete(ref: ObjectRef, options: DeleteOptions = {}): boolean {
    const key = this.keyOfRef(ref);
    const existing = this.index.get(key);
    if (existing === undefined) return false;
    const tx = new WriteTx(this.index);
    this.removeInTx(tx, key, existing, options.propagationPolicy ?? "Background");
    this.commit(tx);
    return true;
  }

  /** Empties the store in one write (`sandbox reset`). */
  clear(): number {
    const count = this.index.size;
    const tx = new WriteTx(this.index);
    this.commit(tx, true);
    return count;
  }

  /**
   * Deletes `key` inside a write. An object with finalizers only gets a deletionTimestamp (it goes when
   * the last finalizer is removed). Dependents (ownerReferences naming its uid) are deleted when no
   * other live owner remains (Background/Foreground), or lose the reference (Orphan).
   */
  private removeInTx(
    tx: WriteTx,
    key: string,
    object: KubeObject,
    policy: "Background" | "Foreground" | "Orphan",
  ): void {
    if ((object.metadata.finalizers ?? []).length > 0) {
      if (object.metadata.deletionTimestamp === undefined) {
        const marked = copy(object);
        marked.metadata.deletionTimestamp = formatTimestamp(this.clock.now());
        tx.put(key, marked);
      }
      return;
    }
    tx.remove(key, object);
    const uid = object.metadata.uid;
    if (uid === undefined) return;
    for (const dependentKey of this.index.dependentsOf(uid)) {
      const dependent = tx.get(dependentKey);
      if (dependent === undefined) continue;
      const remainingRefs = (dependent.metadata.ownerReferences ?? []).filter((owner) => owner.uid !== uid);
      // An owner is found where its reference points (in the dependent's namespace unless
      // cluster-scoped), and counts only while it is the very object the reference names (same uid).
      const liveOwners = remainingRefs.filter((owner) => {
        const ownerKey = this.keyOfRef({
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.name,
          ...(dependent.metadata.namespace === undefined ? {} : { namespace: dependent.metadata.namespace }),
        });
        return this.index.get(ownerKey)?.metadata.uid === owner.uid && !tx.isDeleted(ownerKey);
      });
      if (policy === "Orphan" || liveOwners.length > 0) {
        const orphaned = copy(dependent);
        if (remainingRefs.length > 0) orphaned.metadata.ownerReferences = remainingRefs;
        else delete orphaned.metadata.ownerReferences;
        tx.put(dependentKey, orphaned);
      } else {
        this.removeInTx(tx, dependentKey, dependent, "Background");
      }
    }
  }
}
