import type { Cluster, ListOptions } from "../cluster/cluster.js";
import type { DefinitionRegistry } from "../definitions/index.js";
import type { DefinitionKind } from "../model/index.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import type { Clock } from "../util/index.js";
import type { HttpRequest, HttpResponse } from "../workflow/index.js";

/** A definition an app's pass bound, and its fingerprint then. */
export interface UsedDefinition {
  readonly kind: DefinitionKind;
  readonly name: string;
  readonly fingerprint: string;
}

/**
 * What a full pass read (see {@link PassRecorder}) and the definitions it bound, compactly: what
 * was read, with the app's name left out (`shape`, the same string for every app made alike), and
 * the resourceVersions found (`versions`). A hundred thousand apps cost a short string each.
 */
interface SteadyRecord {
  readonly shape: string;
  readonly versions: string;
  readonly definitions: readonly UsedDefinition[];
}

// Separators of the compact read log, and the stand-in for the app's name: names, namespaces,
// selectors and resourceVersions never hold them (the recorder refuses to log a pass where one does).
const ENTRY = "\u001e";
const FIELD = "\u001f";
const APP_NAME = "\u001d";

function optional(value: string | undefined): string {
  return value === undefined ? "" : `=${value}`;
}

function fromOptional(field: string | undefined): string | undefined {
  return field === undefined || field === "" ? undefined : field.slice(1);
}

function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return [apiVersion, kind, optional(namespace), name].join(FIELD);
}

function keyOfObject(object: KubeObject): string {
  return objectKey(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name ?? "");
}

function versionOf(object: KubeObject | undefined): string {
  return object === undefined ? "" : optional(object.metadata.resourceVersion ?? "");
}

/** What a list found, unambiguously (JSON), and free of the log's separators (JSON escapes them). */
function listSignature(objects: readonly KubeObject[]): string {
  return JSON.stringify(
    objects.map((object) => [
      object.metadata.namespace ?? null,
      object.metadata.name ?? null,
      object.metadata.resourceVersion ?? null,
    ]),
  );
}

/**
 * Watches one full reconcile pass: every read (the first result of each distinct get and list),
 * whether any write changed something, and whether the pass looked at the clock or the network.
 * A pass is a function of what it reads, the definitions and the time; so when a later look finds
 * every read the same, the definitions the same and the pass did not use the time, running it again
 * would read, decide and write exactly the same — nothing, if this one wrote nothing.
 */
export class PassRecorder {
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly http: (request: HttpRequest) => Promise<HttpResponse>;
  private readonly shapes: string[] = [];
  private readonly found: string[] = [];
  private readonly queried = new Set<string>();
  /** resourceVersion (or "" when absent) of every object at the first read that saw it. */
  private readonly versions = new Map<string, string>();
  private changed = false;
  private unrecordable = false;
  private timed = false;

  constructor(cluster: Cluster, clock: Clock, http: (request: HttpRequest) => Promise<HttpResponse>) {
    this.clock = {
      now: () => {
        this.timed = true;
        return clock.now();
      },
    };
    this.http = (request) => {
      this.timed = true;
      return http(request);
    };
    const wrote = async (write: Promise<KubeObject>): Promise<KubeObject> => {
      const result = await write;
      if (this.versions.get(keyOfObject(result)) !== versionOf(result)) this.changed = true;
      return result;
    };
    this.cluster = {
      kind: cluster.kind,
      get: async (ref) => {
        const found = await cluster.get(ref);
        this.readObject(ref, found);
        return found;
      },
      list: async (apiVersion, kind, options) => {
        const found = await cluster.list(apiVersion, kind, options);
        this.readList(apiVersion, kind, options ?? {}, found);
        return found;
      },
      apply: (object, options) => wrote(cluster.apply(object, options)),
      create: (object) => {
        this.changed = true;
        return cluster.create(object);
      },
      update: (object) => wrote(cluster.update(object)),
      updateStatus: (object) => wrote(cluster.updateStatus(object)),
      patch: (ref, body) => wrote(cluster.patch(ref, body)),
      patchStatus: (ref, body) => wrote(cluster.patchStatus(ref, body)),
      delete: async (ref, options) => {
        const deleted = await cluster.delete(ref, options);
        if (deleted) this.changed = true;
        return deleted;
      },
      watch: (apiVersion, kind, options) => {
        // A watch is not a read that can be repeated: a pass that watches is never skipped.
        this.unrecordable = true;
        return cluster.watch(apiVersion, kind, options);
      },
    };
  }

  /** The pass wrote nothing and used neither the clock nor the network: it may be recorded. */
  get isQuiet(): boolean {
    return !this.changed && !this.unrecordable && !this.timed;
  }

  /** What the pass read, in order: one entry per distinct get (`g`) or list (`l`). */
  get reads(): string {
    return this.shapes.join(ENTRY);
  }

  /** What each read found, in the order of {@link reads}: `=resourceVersion` (empty: absent), or a list's names and resourceVersions. */
  get readVersions(): string {
    return this.found.join(ENTRY);
  }

  private fits(...fields: readonly (string | undefined)[]): boolean {
    const separators = [APP_NAME, ENTRY, FIELD];
    const fit = fields.every(
      (field) => field === undefined || (field !== "" && !separators.some((separator) => field.includes(separator))),
    );
    if (!fit) this.unrecordable = true;
    return fit;
  }

  private readObject(ref: ObjectRef, found: KubeObject | undefined): void {
    if (!this.fits(ref.apiVersion, ref.kind, ref.namespace, ref.name, found?.metadata.resourceVersion)) return;
    const key = objectKey(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    if (this.queried.has(key)) return;
    this.queried.add(key);
    const version = versionOf(found);
    this.shapes.push(`g${FIELD}${key}`);
    this.found.push(version);
    if (!this.versions.has(key)) this.versions.set(key, version);
    if (found !== undefined && !this.versions.has(keyOfObject(found))) this.versions.set(keyOfObject(found), version);
  }

  private readList(apiVersion: string, kind: string, options: ListOptions, found: readonly KubeObject[]): void {
    if (!this.fits(apiVersion, kind, options.namespace, options.labelSelector, options.fieldSelector)) return;
    const signature = listSignature(found);
    const query = [
      "l",
      apiVersion,
      kind,
      optional(options.namespace),
      optional(options.labelSelector),
      optional(options.fieldSelector),
    ].join(FIELD);
    if (this.queried.has(query)) return;
    this.queried.add(query);
    this.shapes.push(query);
    this.found.push(signature);
    for (const object of found)
      if (!this.versions.has(keyOfObject(object))) this.versions.set(keyOfObject(object), versionOf(object));
  }
}

/**
 * A synchronous view of the very objects the reconciler's cluster serves, returned without copies
 * (the sandbox's object store): re-reads then compare resourceVersions without copying objects.
 */
export interface ObjectView {
  get(ref: ObjectRef): KubeObject | undefined;
  list(apiVersion: string, kind: string, options?: ListOptions): readonly KubeObject[];
  /**
   * Whether the view can answer this read (a cache that holds only some kinds, or none yet); a
   * read it cannot answer goes through the cluster. @default every read
   */
  covers?(apiVersion: string, kind: string, options?: ListOptions): boolean;
}

/**
 * Reads the log again; the first object read (read whole, through the cluster) when every read
 * finds what it found then, else undefined. The other reads go through `view` when there is one.
 */
async function rereadUnchanged(
  cluster: Cluster,
  reads: readonly string[],
  found: readonly string[],
  view: ObjectView | undefined,
): Promise<KubeObject | undefined> {
  if (reads.length !== found.length) return undefined;
  let first: KubeObject | undefined;
  for (const [index, entry] of reads.entries()) {
    const fields = entry.split(FIELD);
    const expected = found[index];
    if (fields[0] === "g") {
      const [, apiVersion = "", kind = "", namespace, name = ""] = fields;
      const ref: ObjectRef = {
        apiVersion,
        kind,
        name,
        ...(fromOptional(namespace) === undefined ? {} : { namespace: fromOptional(namespace) as string }),
      };
      const isFirst = first === undefined;
      const live =
        isFirst || view === undefined || view.covers?.(apiVersion, kind) === false
          ? await cluster.get(ref)
          : view.get(ref);
      if (versionOf(live) !== expected) return undefined;
      if (isFirst) {
        if (live === undefined) return undefined;
        first = live;
      }
    } else if (fields[0] === "l") {
      const [, apiVersion = "", kind = "", namespace, labelSelector, fieldSelector] = fields;
      const options: ListOptions = {
        ...(fromOptional(namespace) === undefined ? {} : { namespace: fromOptional(namespace) as string }),
        ...(fromOptional(labelSelector) === undefined ? {} : { labelSelector: fromOptional(labelSelector) as string }),
        ...(fromOptional(fieldSelector) === undefined ? {} : { fieldSelector: fromOptional(fieldSelector) as string }),
      };
      const listed =
        view === undefined || view.covers?.(apiVersion, kind, options) === false
          ? await cluster.list(apiVersion, kind, options)
          : view.list(apiVersion, kind, options);
      if (listSignature(listed) !== expected) return undefined;
    } else {
      return undefined;
    }
  }
  return first;
}

/** Options of {@link SteadyStateMemo}. */
export interface SteadyStateMemoOptions {
  /**
   * A copy-free view of the objects the reconciler's cluster serves (for the sandbox: its store),
   * so the steady-state check reads resourceVersions without copying whole objects. It must be
   * the same objects `deps.cluster` serves. @default reads go through the cluster
   */
  readonly view?: ObjectView;
}

/**
 * The reconciler's memory of apps at a steady state (KubeVela skips most of a reconcile of an app
 * whose generation it has observed; this is the same idea made exact): per app, what its last full
 * pass read and the definitions it bound, kept only when that pass changed nothing, used neither
 * clock nor network, and found the workflow finished and every component healthy. The next pass
 * of the app reads the same objects again (a get or list each); when all are as they were — same
 * resourceVersions, so nobody wrote the Application, its revision, its tracker or any object it
 * applied or looked at — and its definitions have the same fingerprints, a full pass would do
 * nothing, and it is skipped. In memory only: a new process starts with full passes.
 * One memo belongs to one set of reconciler dependencies (cluster, registry, settings).
 */
export class SteadyStateMemo {
  private readonly records = new Map<string, SteadyRecord>();
  private readonly definitionLists = new Map<string, readonly UsedDefinition[]>();
  private readonly shapes = new Map<string, string>();
  private readonly view: ObjectView | undefined;

  constructor(options: SteadyStateMemoOptions = {}) {
    this.view = options.view;
  }

  /** Apps remembered. */
  get size(): number {
    return this.records.size;
  }

  /**
   * The Application as read now, when nothing the app's last recorded pass read or bound has
   * changed since; undefined (a full pass is needed) otherwise.
   */
  async recall(
    name: string,
    namespace: string,
    cluster: Cluster,
    registry: DefinitionRegistry,
  ): Promise<KubeObject | undefined> {
    const record = this.records.get(`${namespace}/${name}`);
    if (record === undefined) return undefined;
    for (const used of record.definitions)
      if (registry.fingerprint(used.kind, used.name) !== used.fingerprint) return undefined;
    const reads = record.shape.replaceAll(APP_NAME, name).split(ENTRY);
    const found = record.versions.replaceAll(APP_NAME, name).split(ENTRY);
    return rereadUnchanged(cluster, reads, found, this.view);
  }

  /** Records a full pass of the app at a steady state (its first read must be the Application). */
  remember(name: string, namespace: string, recorder: PassRecorder, definitions: readonly UsedDefinition[]): void {
    if (!recorder.isQuiet || name === "") {
      this.forget(name, namespace);
      return;
    }
    // The name is put back by plain replacement: exact, since the log never holds APP_NAME itself.
    const shape = recorder.reads.replaceAll(name, APP_NAME);
    this.records.set(`${namespace}/${name}`, {
      shape: this.sharedShape(shape),
      versions: recorder.readVersions.replaceAll(name, APP_NAME),
      definitions: this.sharedDefinitions(definitions),
    });
  }

  /** Apps read alike share one shape string. */
  private sharedShape(shape: string): string {
    const shared = this.shapes.get(shape);
    if (shared !== undefined) return shared;
    this.shapes.set(shape, shape);
    return shape;
  }

  /** Apps made from the same definitions share one list of them. */
  private sharedDefinitions(definitions: readonly UsedDefinition[]): readonly UsedDefinition[] {
    const key = definitions.map((used) => `${used.kind}/${used.name}@${used.fingerprint}`).join(",");
    const shared = this.definitionLists.get(key);
    if (shared !== undefined) return shared;
    this.definitionLists.set(key, definitions);
    return definitions;
  }

  forget(name: string, namespace: string): void {
    this.records.delete(`${namespace}/${name}`);
  }
}
