import {
  canaryProgressOf,
  findAppRollouts,
  readApplicationStatus,
  readRevisionSummaries,
  readRolloutPods,
  routeSandboxTraffic,
  type RevisionSummary,
  type StatusStep,
  type StatusView,
  type Target,
} from "../operations/index.js";
import { objectEnvelope, type KubeObject, type ObjectEnvelope } from "../model/index.js";
import type { JsonObject } from "../util/index.js";
import type {
  AppDetailView,
  CanaryView,
  ConditionView,
  EventView,
  RevisionRow,
  TimelineStep,
  TrafficSplit,
  WorkflowTimeline,
} from "./api-types.js";
import { actionStatesOf } from "./action-states.js";
import { canaryViewOf, trafficSplitOf } from "./canary-view.js";
import { fieldAt, numberOf, objectsOf, optional, textOf } from "./fields.js";
import { buildTopology } from "./topology.js";

/**
 * Everything the application page shows, read under one opening of the target: the app's status
 * (run to a fixed point first, as `vela-ts status` does, unless a running controller reconciles it),
 * its resource topology, revisions, Rollouts with their pods, conditions and events.
 */

/** Requests sampled through the sandbox's routing for the traffic split. */
export const TRAFFIC_SAMPLE = 200;
/** Events listed per app, newest first. */
const MAX_EVENTS = 50;

function timelineStep(step: StatusStep, raw: readonly JsonObject[]): TimelineStep {
  const stored = raw.find((entry) => entry.name === step.name);
  return {
    ...optional("id", step.id),
    name: step.name,
    type: step.type,
    phase: step.phase,
    ...optional("reason", step.reason),
    ...optional("message", step.message),
    ...optional("firstExecuteTime", textOf(stored?.firstExecuteTime)),
    ...optional("lastExecuteTime", textOf(stored?.lastExecuteTime)),
    ...optional("resumesAt", step.resumesAt),
    subSteps: step.subSteps.map((sub) => timelineStep(sub, objectsOf(stored?.subSteps))),
  };
}

function timelineOf(view: StatusView): WorkflowTimeline | undefined {
  const workflow = view.workflow;
  if (workflow === undefined) return undefined;
  const raw = fieldAt(view.application, "status", "workflow");
  return {
    mode: workflow.mode,
    status: workflow.status,
    ...optional("message", workflow.message),
    finished: workflow.finished,
    suspend: workflow.suspend,
    terminated: workflow.terminated,
    ...optional("startTime", textOf(fieldAt(raw, "startTime"))),
    ...optional("endTime", textOf(fieldAt(raw, "endTime"))),
    steps: workflow.steps.map((step) => timelineStep(step, objectsOf(fieldAt(raw, "steps")))),
  };
}

function conditionsOf(object: KubeObject): ConditionView[] {
  return objectsOf(fieldAt(object, "status", "conditions")).map((condition) => ({
    object: `${object.kind}/${object.metadata.name ?? ""}`,
    type: textOf(condition.type) ?? "",
    status: textOf(condition.status) ?? "Unknown",
    ...optional("reason", textOf(condition.reason)),
    ...optional("message", textOf(condition.message)),
    ...optional("lastTransitionTime", textOf(condition.lastTransitionTime) ?? textOf(condition.lastUpdateTime)),
  }));
}

async function eventsAbout(target: Target, namespace: string, objects: readonly KubeObject[]): Promise<EventView[]> {
  const subjects = new Set(objects.map((object) => `${object.kind}/${object.metadata.name ?? ""}`));
  let events: KubeObject[];
  try {
    events = await target.cluster.list("v1", "Event", { namespace });
  } catch {
    // Events are a courtesy: a cluster that forbids listing them still shows the rest.
    return [];
  }
  const time = (event: KubeObject): string | undefined =>
    textOf(fieldAt(event, "lastTimestamp")) ??
    textOf(fieldAt(event, "eventTime")) ??
    textOf(fieldAt(event, "firstTimestamp")) ??
    event.metadata.creationTimestamp;
  return events
    .filter((event) => {
      const involved = fieldAt(event, "involvedObject");
      return subjects.has(`${textOf(fieldAt(involved, "kind")) ?? ""}/${textOf(fieldAt(involved, "name")) ?? ""}`);
    })
    .map((event) => {
      const involved = fieldAt(event, "involvedObject");
      return {
        object: `${textOf(fieldAt(involved, "kind")) ?? ""}/${textOf(fieldAt(involved, "name")) ?? ""}`,
        type: textOf(fieldAt(event, "type")) ?? "Normal",
        reason: textOf(fieldAt(event, "reason")) ?? "",
        message: textOf(fieldAt(event, "message")) ?? "",
        count: numberOf(fieldAt(event, "count")) ?? 1,
        ...optional("lastTimestamp", time(event)),
      };
    })
    .sort((a, b) => (b.lastTimestamp ?? "").localeCompare(a.lastTimestamp ?? ""))
    .slice(0, MAX_EVENTS);
}

/** Where requests to a Rollout's app arrive: its Ingress's first host and path, or a mesh request to its Service. */
async function trafficEntry(
  target: Target,
  rollout: KubeObject,
): Promise<{ host: string; path: string; service?: string } | undefined> {
  const routing = objectsOf(fieldAt(rollout, "spec", "strategy", "canary", "trafficRoutings"))[0];
  if (routing === undefined) return undefined;
  const namespace = rollout.metadata.namespace ?? "default";
  const ingressName = textOf(fieldAt(routing, "ingress", "name"));
  if (ingressName !== undefined) {
    const ingress = await target.cluster.get({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      name: ingressName,
      namespace,
    });
    const rule = objectsOf(fieldAt(ingress, "spec", "rules"))[0];
    const host = textOf(rule?.host);
    if (host === undefined) return undefined;
    const path = textOf(objectsOf(fieldAt(rule, "http", "paths"))[0]?.path) ?? "/";
    return { host, path };
  }
  const service = textOf(routing.service);
  return service === undefined ? undefined : { host: service, path: "/", service };
}

async function sampleTraffic(
  target: Target,
  rollout: KubeObject,
  canary: Pick<CanaryView, "canaryPods" | "stablePods">,
): Promise<TrafficSplit | undefined> {
  const sandbox = target.sandbox;
  if (sandbox === undefined) return undefined;
  const entry = await trafficEntry(target, rollout);
  if (entry === undefined) return undefined;
  // Seeded by the store's version: the same cluster state gives the same sample, so an unchanged
  // page is not pushed again, and every change of the routing draws a fresh one.
  const summary = routeSandboxTraffic(sandbox, {
    host: entry.host,
    path: entry.path,
    headers: {},
    cookies: {},
    count: TRAFFIC_SAMPLE,
    seed: `dashboard/${sandbox.resourceVersion}`,
    ...(entry.service === undefined
      ? {}
      : { service: entry.service, namespace: rollout.metadata.namespace ?? "default" }),
  });
  return trafficSplitOf(summary, entry, {
    canary: new Set(canary.canaryPods.map((pod) => pod.name)),
    stable: new Set(canary.stablePods.map((pod) => pod.name)),
  });
}

function revisionRow(revision: RevisionSummary): RevisionRow {
  return {
    name: revision.name,
    number: revision.number,
    ...optional("publishVersion", revision.publishVersion),
    succeeded: revision.succeeded,
    hash: revision.hash,
    ...optional("beginTime", revision.beginTime),
    status: revision.status,
    current: revision.current,
  };
}

/** Reads the application page of one app on an opened target. Throws `NotFoundError` when the app does not exist. */
export async function readAppDetail(target: Target, name: string, namespace: string): Promise<AppDetailView> {
  const status = await readApplicationStatus(target, {
    app: name,
    namespace,
    tree: true,
    sleep: () => Promise.resolve(),
  });
  const revisions = await readRevisionSummaries(target, name, namespace);
  const rollouts = await findAppRollouts(target.cluster, name, namespace);
  const canaries: CanaryView[] = [];
  for (const rollout of rollouts) {
    const pods = await readRolloutPods(target.cluster, rollout);
    const progress =
      status.canaries.find((canary) => canary.rollout === rollout.metadata.name) ?? canaryProgressOf(rollout, pods);
    const view = canaryViewOf(rollout, progress, pods);
    const traffic = await sampleTraffic(target, rollout, view);
    canaries.push(traffic === undefined ? view : { ...view, traffic });
  }
  const sides = {
    canary: canaries.flatMap((canary) => (canary.canaryRevision === undefined ? [] : [canary.canaryRevision])),
    stable: canaries.flatMap((canary) => (canary.stableRevision === undefined ? [] : [canary.stableRevision])),
  };
  const workflow = timelineOf(status);
  return {
    now: status.now,
    name,
    namespace,
    ...optional("createdAt", status.createdAt),
    phase: status.phase,
    ...optional("revision", status.revision),
    ...optional("rollback", status.rollback),
    stop: status.stop,
    ...optional("waitingFor", status.waitingFor),
    ...optional("reconciledBy", status.reconciledBy),
    ...optional("nextWakeAt", status.nextWakeAt),
    ...optional("workflow", workflow),
    services: status.services,
    canaries,
    topology: buildTopology(status, status.tree ?? [], status.services, sides),
    revisions: revisions.map(revisionRow),
    conditions: [status.application, ...rollouts].flatMap(conditionsOf),
    events: await eventsAbout(target, namespace, [status.application, ...rollouts]),
    actions: actionStatesOf(status, revisions),
  };
}

/** The Application as a person would write it (no status, no server fields), for the deploy editor. */
export function editableApplication(app: KubeObject): ObjectEnvelope {
  return objectEnvelope(app, {
    keepAnnotation: (key) => !key.startsWith("kubectl.kubernetes.io/") && !key.startsWith("app.oam.dev/last"),
  });
}
