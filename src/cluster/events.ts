import { ConflictError, NotFoundError } from "../errors/index.js";
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
  const namespace = object.metadata.namespace ?? "default";
  const message = input.message.length > MAX_MESSAGE ? `${input.message.slice(0, MAX_MESSAGE - 1)}…` : input.message;
  const stamp = formatTimestamp(now);
  const uid = object.metadata.uid;
  const same = (
    await cluster.list("v1", "Event", {
      namespace,
      ...(uid === undefined ? {} : { labelSelector: `${LABEL_EVENT_INVOLVED_UID}=${uid}` }),
      fieldSelector: sameEventSelector(object, input),
    })
  ).find((event) => messageOf(event) === message && sourceOf(event) === EVENT_SOURCE);
  if (same !== undefined) {
    return cluster.patch(
      { apiVersion: "v1", kind: "Event", name: same.metadata.name ?? "", namespace },
      { type: "merge", patch: { count: countOf(same) + 1, lastTimestamp: stamp } },
    );
  }
  const created = await createEvent(cluster, object, { ...input, message }, now);
  await pruneEvents(cluster, object);
  return created;
}

/** Creates a new event (count 1) about `object`, named `<object>.<hex of the time in ns>` as client-go names them. */
async function createEvent(cluster: Cluster, object: KubeObject, input: EventInput, now: Date): Promise<KubeObject> {
  const namespace = object.metadata.namespace ?? "default";
  const uid = object.metadata.uid;
  const stamp = formatTimestamp(now);
  const base = `${object.metadata.name ?? "object"}.${(BigInt(now.getTime()) * 1_000_000n).toString(16)}`;
  const event = (name: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name, namespace, ...(uid === undefined ? {} : { labels: { [LABEL_EVENT_INVOLVED_UID]: uid } }) },
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
  });
  // Two events in the same nanosecond (a frozen test clock) get a counter, as a unique name must.
  for (let attempt = 0; ; attempt++) {
    try {
      return await cluster.create(event(attempt === 0 ? base : `${base}${attempt.toString(16)}`));
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= 15) throw error;
    }
  }
}

/**
 * How many distinct events vela-ts keeps about one object. An API server expires events an hour
 * after their last update; the sandbox keeps every object until it is deleted, so an app that
 * changes often would gather events without end. Repeats of an event only raise its count.
 */
export const MAX_EVENTS_PER_OBJECT = 100;

/** Deletes the oldest of the events vela-ts recorded about `object` beyond {@link MAX_EVENTS_PER_OBJECT}. */
async function pruneEvents(cluster: Cluster, object: KubeObject): Promise<void> {
  const events = await labelledEventsAbout(cluster, object);
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
    else await pruneEvents(cluster, object);
    while (this.created.size > CORRELATOR_ENTRIES) this.created.delete(this.created.keys().next().value as string);
    return created;
  }

  private remember(key: string, entry: { readonly namespace: string; readonly name: string; count: number }): void {
    this.recorded.set(key, entry);
    while (this.recorded.size > CORRELATOR_ENTRIES) this.recorded.delete(this.recorded.keys().next().value as string);
  }
}
