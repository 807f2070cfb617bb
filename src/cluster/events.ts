import { ConflictError, InternalError, NotFoundError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { formatTimestamp, isJsonObject } from "../util/index.js";
import type { Cluster } from "./cluster.js";

/** `source.component` and `reportingComponent` of the events vela-ts records. */
export const EVENT_SOURCE = "vela-ts";

/** What happened to an object, as `kubectl describe` lists it. */
export interface EventInput {
  readonly type: "Normal" | "Warning";
  /** UpperCamelCase, machine-readable (`Parsed`, `FailedParse`, `Deployed`). */
  readonly reason: string;
  readonly message: string;
}

/**
 * Label on the events vela-ts records: the uid of the object they are about. Looking for an event
 * to count again by label lets the API server (and the sandbox's label index) narrow to the
 * object's own events, where a field selector alone is matched against every event of the namespace.
 */
export const LABEL_EVENT_INVOLVED_UID = "events.vela-ts.dev/involved-uid";

/** Longest `message` stored (the API server refuses events over 1 KiB of note on events.k8s.io/v1). */
const MAX_MESSAGE = 1024;

function involvedObjectOf(object: KubeObject): Record<string, string> {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(object.metadata.name === undefined ? {} : { name: object.metadata.name }),
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    ...(object.metadata.uid === undefined ? {} : { uid: object.metadata.uid }),
    ...(object.metadata.resourceVersion === undefined ? {} : { resourceVersion: object.metadata.resourceVersion }),
  };
}

/** The field selector the API server supports on core/v1 Events, narrowing to the events about `object`. */
function involvedSelector(object: KubeObject): string {
  return [
    `involvedObject.kind=${object.kind}`,
    `involvedObject.name=${object.metadata.name ?? ""}`,
    ...(object.metadata.uid === undefined ? [] : [`involvedObject.uid=${object.metadata.uid}`]),
  ].join(",");
}

/** {@link involvedSelector} narrowed to the same reason and type. */
function sameEventSelector(object: KubeObject, input: EventInput): string {
  return `${involvedSelector(object)},reason=${input.reason},type=${input.type}`;
}

function countOf(event: KubeObject): number {
  const count = event.count;
  return typeof count === "number" && Number.isInteger(count) && count > 0 ? count : 1;
}

function sourceOf(event: KubeObject): string | undefined {
  const source = event.source;
  return isJsonObject(source) && typeof source.component === "string" ? source.component : undefined;
}

function messageOf(event: KubeObject): string | undefined {
  const message = event.message;
  return typeof message === "string" ? message : undefined;
}

/**
 * Records a core/v1 Event about `object`, de-duplicated the way client-go's event recorder does
 * (`EventCorrelator`): an event with the same object, type, reason, message and source already in
 * the cluster gets `count` + 1 and a new `lastTimestamp` instead of a second object. New events are
 * named `<object>.<hex of the time in ns>` as client-go names them. Returns the stored event.
 */
export async function recordEvent(
  cluster: Cluster,
  object: KubeObject,
  input: EventInput,
  now: Date,
): Promise<KubeObject> {
  const [stored] = await recordEvents(cluster, object, [input], now);
  if (stored === undefined) throw new InternalError("recording one event stored none");
  return stored;
}

function isSameEvent(event: KubeObject, object: KubeObject, input: EventInput, message: string): boolean {
  const involved = isJsonObject(event.involvedObject) ? event.involvedObject : {};
  return (
    involved.kind === object.kind &&
    involved.name === (object.metadata.name ?? "") &&
    (object.metadata.uid === undefined || involved.uid === object.metadata.uid) &&
    event.reason === input.reason &&
    event.type === input.type &&
    messageOf(event) === message &&
    sourceOf(event) === EVENT_SOURCE
  );
}

/**
 * Records several events about `object` at `now`, each as {@link recordEvent} does, reading the
 * object's events once (by its uid label) for all of them: the look-up of a repeat, the choice of
 * a free name (events of the same nanosecond, as a frozen clock makes them, get a counter) and
 * the pruning to {@link MAX_EVENTS_PER_OBJECT}. Returns the stored events, in the order given.
 */
export async function recordEvents(
  cluster: Cluster,
  object: KubeObject,
  inputs: readonly EventInput[],
  now: Date,
): Promise<KubeObject[]> {
  if (inputs.length === 0) return [];
  const namespace = object.metadata.namespace ?? "default";
  const stamp = formatTimestamp(now);
  const uid = object.metadata.uid;
  // Without a uid there is no label to narrow by: each event looks for its repeat by field selector.
  const known =
    uid === undefined
      ? undefined
      : [...(await cluster.list("v1", "Event", { namespace, labelSelector: `${LABEL_EVENT_INVOLVED_UID}=${uid}` }))];
  const taken = new Set((known ?? []).map((event) => event.metadata.name ?? ""));
  const base = `${object.metadata.name ?? "object"}.${(BigInt(now.getTime()) * 1_000_000n).toString(16)}`;
  const stored: KubeObject[] = [];
  let created = false;
  for (const input of inputs) {
    const message = input.message.length > MAX_MESSAGE ? `${input.message.slice(0, MAX_MESSAGE - 1)}…` : input.message;
    const candidates =
      known ?? (await cluster.list("v1", "Event", { namespace, fieldSelector: sameEventSelector(object, input) }));
    const same = candidates.find((event) => isSameEvent(event, object, input, message));
    if (same !== undefined) {
      const counted = await cluster.patch(
        { apiVersion: "v1", kind: "Event", name: same.metadata.name ?? "", namespace },
        { type: "merge", patch: { count: countOf(same) + 1, lastTimestamp: stamp } },
      );
      if (known !== undefined) known[known.indexOf(same)] = counted;
      stored.push(counted);
      continue;
    }
    const event = newEvent(object, { ...input, message }, stamp, namespace);
    const fresh = await createUniquelyNamed(cluster, event, base, taken);
    known?.push(fresh);
    stored.push(fresh);
    created = true;
  }
  if (created && known !== undefined) await pruneEvents(cluster, known);
  return stored;
}

function newEvent(object: KubeObject, input: EventInput, stamp: string, namespace: string): KubeObject {
  const uid = object.metadata.uid;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "", namespace, ...(uid === undefined ? {} : { labels: { [LABEL_EVENT_INVOLVED_UID]: uid } }) },
    involvedObject: involvedObjectOf(object),
    reason: input.reason,
    message: input.message,
    type: input.type,
    count: 1,
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    source: { component: EVENT_SOURCE },
    reportingComponent: EVENT_SOURCE,
    reportingInstance: EVENT_SOURCE,
  };
}

/**
 * Creates `event` as `base`, or `base` with a counter when that name is taken (two events in the
 * same nanosecond): names known to be taken are skipped, a conflict tries the next one.
 */
async function createUniquelyNamed(
  cluster: Cluster,
  event: KubeObject,
  base: string,
  taken: Set<string>,
): Promise<KubeObject> {
  let conflicts = 0;
  for (let attempt = 0; ; attempt++) {
    const name = attempt === 0 ? base : `${base}${attempt.toString(16)}`;
    if (taken.has(name)) continue;
    taken.add(name);
    try {
      return await cluster.create({ ...event, metadata: { ...event.metadata, name } });
    } catch (error) {
      if (!(error instanceof ConflictError) || ++conflicts > 15) throw error;
    }
  }
}

/**
 * How many distinct events vela-ts keeps about one object. An API server expires events an hour
 * after their last update; the sandbox keeps every object until it is deleted, so an app that
 * changes often would gather events without end. Repeats of an event only raise its count.
 */
export const MAX_EVENTS_PER_OBJECT = 100;

/** Deletes the oldest of `events` (an object's, as its uid label lists them) of our source beyond {@link MAX_EVENTS_PER_OBJECT}. */
async function pruneEvents(cluster: Cluster, listed: readonly KubeObject[]): Promise<void> {
  const events = listed.filter((event) => sourceOf(event) === EVENT_SOURCE);
  if (events.length <= MAX_EVENTS_PER_OBJECT) return;
  const stamp = (event: KubeObject): string => (typeof event.lastTimestamp === "string" ? event.lastTimestamp : "");
  const oldestFirst = [...events].sort(
    (a, b) => stamp(a).localeCompare(stamp(b)) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
  );
  for (const stale of oldestFirst.slice(0, events.length - MAX_EVENTS_PER_OBJECT))
    await cluster.delete({
      apiVersion: "v1",
      kind: "Event",
      name: stale.metadata.name ?? "",
      namespace: stale.metadata.namespace ?? "default",
    });
}

/** The events vela-ts recorded about `object` under its uid label. */
async function labelledEventsAbout(cluster: Cluster, object: KubeObject): Promise<KubeObject[]> {
  const uid = object.metadata.uid;
  if (uid === undefined) return [];
  const events = await cluster.list("v1", "Event", {
    namespace: object.metadata.namespace ?? "default",
    labelSelector: `${LABEL_EVENT_INVOLVED_UID}=${uid}`,
  });
  return events.filter((event) => sourceOf(event) === EVENT_SOURCE);
}

/**
 * The events vela-ts recorded about `object` (our source): those under its uid label, and those
 * recorded before events were labelled, found by their `involvedObject` (kind, name and uid). `delete`
 * removes them with the Application: an API server drops events an hour after their last update
 * (`--event-ttl`), the sandbox keeps objects until deleted, so without this a deleted app's events
 * would stay forever.
 */
export async function recordedEventsAbout(cluster: Cluster, object: KubeObject): Promise<KubeObject[]> {
  const uid = object.metadata.uid;
  if (uid === undefined) return [];
  const labelled = await labelledEventsAbout(cluster, object);
  const unlabelled = (
    await cluster.list("v1", "Event", {
      namespace: object.metadata.namespace ?? "default",
      fieldSelector: involvedSelector(object),
    })
  ).filter(
    (event) => sourceOf(event) === EVENT_SOURCE && event.metadata.labels?.[LABEL_EVENT_INVOLVED_UID] === undefined,
  );
  return [...labelled, ...unlabelled];
}

/** An event as `vela-ts status` and `kubectl describe` list it. */
export interface EventView {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly firstTimestamp?: string;
  readonly lastTimestamp?: string;
  readonly source?: string;
}

/** The events about `object`, oldest first (by last occurrence), as `kubectl describe` lists them. */
export async function eventsAbout(cluster: Cluster, object: KubeObject): Promise<EventView[]> {
  const events = await cluster.list("v1", "Event", {
    namespace: object.metadata.namespace ?? "default",
    fieldSelector: involvedSelector(object),
  });
  const text = (event: KubeObject, field: string): string | undefined => {
    const value = event[field];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  return events
    .map((event) => {
      const first = text(event, "firstTimestamp") ?? text(event, "eventTime") ?? event.metadata.creationTimestamp;
      const last = text(event, "lastTimestamp") ?? first;
      const source = sourceOf(event);
      return {
        type: text(event, "type") ?? "Normal",
        reason: text(event, "reason") ?? "",
        message: messageOf(event) ?? "",
        count: countOf(event),
        ...(first === undefined ? {} : { firstTimestamp: first }),
        ...(last === undefined ? {} : { lastTimestamp: last }),
        ...(source === undefined ? {} : { source }),
      };
    })
    .sort((a, b) => (a.lastTimestamp ?? "").localeCompare(b.lastTimestamp ?? ""));
}

/** Creates a new event (count 1) about `object`, named `<object>.<hex of the time in ns>` as client-go names them. */
async function createEvent(cluster: Cluster, object: KubeObject, input: EventInput, now: Date): Promise<KubeObject> {
  const namespace = object.metadata.namespace ?? "default";
  const base = `${object.metadata.name ?? "object"}.${(BigInt(now.getTime()) * 1_000_000n).toString(16)}`;
  return createUniquelyNamed(cluster, newEvent(object, input, formatTimestamp(now), namespace), base, new Set());
}

/** Records the events of a reconcile pass ({@link recordEvent}, or a {@link CorrelatingEventRecorder}'s). */
export interface EventRecorder {
  record(cluster: Cluster, object: KubeObject, input: EventInput, now: Date): Promise<KubeObject>;
}

/** Distinct events a {@link CorrelatingEventRecorder} remembers (client-go keeps 4,096; one app records a handful). */
const CORRELATOR_ENTRIES = 65_536;

/** New events about one object between two looks for its events beyond {@link MAX_EVENTS_PER_OBJECT}. */
const PRUNE_EVERY = 25;

/**
 * The event recorder of a long-running controller, as client-go's `EventCorrelator`: the events it
 * recorded are remembered in memory (least recently used dropped first), so a repeat costs one
 * patch of `count` and a new event one create, instead of a list first. What it has not recorded
 * itself (another process's, or before a restart) it does not look for: such a repeat starts a new
 * event, as client-go's does. The object's events are looked over and the oldest beyond
 * {@link MAX_EVENTS_PER_OBJECT} deleted every {@link PRUNE_EVERY} new events of the object.
 */
export class CorrelatingEventRecorder implements EventRecorder {
  /** `uid|type|reason|message` → the stored event's namespace, name and count. */
  private readonly recorded = new Map<string, { readonly namespace: string; readonly name: string; count: number }>();
  /** uid → new events since its events were last looked over. */
  private readonly created = new Map<string, number>();

  async record(cluster: Cluster, object: KubeObject, input: EventInput, now: Date): Promise<KubeObject> {
    const uid = object.metadata.uid;
    if (uid === undefined) return recordEvent(cluster, object, input, now);
    const message = input.message.length > MAX_MESSAGE ? `${input.message.slice(0, MAX_MESSAGE - 1)}…` : input.message;
    const key = `${uid}|${input.type}|${input.reason}|${message}`;
    const known = this.recorded.get(key);
    if (known !== undefined) {
      this.recorded.delete(key);
      try {
        const patched = await cluster.patch(
          { apiVersion: "v1", kind: "Event", name: known.name, namespace: known.namespace },
          { type: "merge", patch: { count: known.count + 1, lastTimestamp: formatTimestamp(now) } },
        );
        known.count = countOf(patched);
        this.remember(key, known);
        return patched;
      } catch (error) {
        // Deleted meanwhile (pruned, expired, or with its app): record it anew.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    const created = await createEvent(cluster, object, { ...input, message }, now);
    this.remember(key, {
      namespace: created.metadata.namespace ?? "default",
      name: created.metadata.name ?? "",
      count: countOf(created),
    });
    const fresh = (this.created.get(uid) ?? 0) + 1;
    this.created.delete(uid);
    if (fresh < PRUNE_EVERY) this.created.set(uid, fresh);
    else await pruneEvents(cluster, await labelledEventsAbout(cluster, object));
    while (this.created.size > CORRELATOR_ENTRIES) this.created.delete(this.created.keys().next().value as string);
    return created;
  }

  private remember(key: string, entry: { readonly namespace: string; readonly name: string; count: number }): void {
    this.recorded.set(key, entry);
    while (this.recorded.size > CORRELATOR_ENTRIES) this.recorded.delete(this.recorded.keys().next().value as string);
  }
}
