import type { Cluster } from "../cluster/cluster.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { ANNOTATION_PUBLISH_VERSION } from "../model/labels.js";
import { APPLICATION_SNAPSHOT_SCHEMA, decodeStoredOptional } from "../model/stored-objects.js";
import {
  mergeOpsOnlyTraits,
  selectRollbackTarget,
  type ApplicationSnapshot,
  type RevisionRecord,
} from "../revision/index.js";
import { cloneJson, formatTimestamp, isJsonObject, type Clock, type JsonObject } from "../util/index.js";
import { isActivelyRunning, storedWorkflowOf, type WorkflowStatus } from "../workflow/index.js";
import { editApplicationSpec, editApplicationStatus, statusOf } from "./application-object.js";
import {
  applicationRevisionRef,
  listApplicationRevisions,
  markRevision,
  revisionRecordOf,
} from "./revision-objects.js";
import {
  cancelRolloutTraffic,
  fastTrackRollouts,
  findAppRollouts,
  hasPendingFastTrack,
  isRolloutProgressing,
} from "../rollout/rollout-coupling.js";
import type { DefinitionRegistry } from "../definitions/index.js";

/**
 * `workflow rollback` (DESIGN §6, KUBEVELA-REFERENCE §3.1, with vela-ts's fixes), in two writes
 * that each leave the app consistent:
 *
 * 1. the spec: the target revision's stored spec with the *current* ops-only traits, the target's
 *    publishVersion, and {@link ANNOTATION_ROLLBACK_TO} naming the target — written in the same
 *    update, so a reconcile that runs before step 2 knows the spec is a rollback's, not a release;
 * 2. the status: `latestRevision` = the target, its finished workflow (not re-run), and
 *    `status.rollback: {from, to, time}`. A reconcile that finds step 1 done and step 2 not
 *    (the command was killed in between) does step 2 itself ({@link completePendingRollback}).
 *
 * In-flight Kruise Rollouts are cancelled first, canary route first (one write puts all traffic on
 * stable). A rollback when no release is in flight (the newer revision went out completely) goes
 * straight back, like Argo Rollouts' `rollbackWindow`: the app's Rollouts are disabled for it, so the
 * workload returns to the target with its own rolling update — no canary steps, no approvals — and
 * are re-enabled once it has ({@link finishFastRollbacks}).
 */

/** On the Application: the revision a `workflow rollback` put back (written with the spec). */
export const ANNOTATION_ROLLBACK_TO = "app.oam.dev/rollback-to";

function workflowOf(app: KubeObject): WorkflowStatus | undefined {
  return storedWorkflowOf(statusOf(app));
}

function currentRevisionName(app: KubeObject): string | undefined {
  const latest = statusOf(app).latestRevision;
  return isJsonObject(latest) && typeof latest.name === "string" ? latest.name : undefined;
}

function runningError(name: string): VelaError {
  return new VelaError("E_WORKFLOW_RUNNING", `can not rollback application ${name}: its workflow is running`, {
    hint: `suspend it first: vela-ts workflow suspend ${name} && vela-ts workflow rollback ${name}`,
  });
}

/** The status after a rollback to `target`: its finished run, `latestRevision` and `status.rollback`. */
function rolledBackStatus(
  current: JsonObject,
  target: RevisionRecord,
  revisionObject: KubeObject,
  from: string | undefined,
  now: string,
  reason?: string,
): JsonObject {
  const recorded = (revisionObject.status as JsonObject | undefined)?.workflow;
  const workflow: JsonObject = isJsonObject(recorded)
    ? cloneJson(recorded)
    : {
        appRevision: target.name,
        mode: "StepByStep-DAG",
        status: "succeeded",
        suspend: false,
        terminated: false,
        finished: true,
        startTime: now,
        endTime: now,
        steps: [],
        context: { vars: {}, steps: {} },
      };
  return {
    ...cloneJson(current),
    latestRevision: { name: target.name, revision: target.number, revisionHash: target.hash },
    workflow,
    services: [],
    rollback: { from: from ?? null, to: target.name, time: now, ...(reason === undefined ? {} : { reason }) },
  };
}

/** The newer revision a rollback leaves is marked not succeeded (with its run, stopped), unless it had succeeded. */
async function markAbandoned(
  cluster: Cluster,
  namespace: string,
  history: readonly RevisionRecord[],
  from: string | undefined,
  target: string,
  workflow: WorkflowStatus | undefined,
  reason?: string,
): Promise<void> {
  if (from === undefined || from === target || history.find((record) => record.name === from)?.succeeded === true)
    return;
  const message = reason === undefined ? `rolled back to ${target}` : `${reason}; rolled back to ${target}`;
  const abandoned = workflow === undefined ? undefined : { ...workflow, message };
  await markRevision(cluster, namespace, from, false, abandoned);
}

/**
 * Step 2 of a rollback whose command was killed after step 1: the Application names a target
 * ({@link ANNOTATION_ROLLBACK_TO}) that its status does not have yet. Returns the updated object,
 * or `app` when nothing was pending.
 */
export async function completePendingRollback(cluster: Cluster, app: KubeObject, clock: Clock): Promise<KubeObject> {
  const target = app.metadata.annotations?.[ANNOTATION_ROLLBACK_TO];
  const from = currentRevisionName(app);
  if (target === undefined || target === from) return app;
  const namespace = app.metadata.namespace ?? "default";
  const revisionObject = await cluster.get(applicationRevisionRef(target, namespace));
  if (revisionObject === undefined) return app;
  const record = revisionRecordOf(revisionObject);
  const history = (await listApplicationRevisions(cluster, app.metadata.name ?? "", namespace)).map(revisionRecordOf);
  await markAbandoned(cluster, namespace, history, from, target, workflowOf(app));
  const now = formatTimestamp(clock.now());
  return editApplicationStatus(cluster, app, (current) =>
    rolledBackStatus(statusOf(current), record, revisionObject, currentRevisionName(current), now),
  );
}

/** Whether the app's last rollback has landed and settled: running, and no Rollout still moving because of it. */
async function rollbackSettled(cluster: Cluster, app: KubeObject, name: string, namespace: string): Promise<boolean> {
  if (statusOf(app).status !== "running") return false;
  const rollouts = await findAppRollouts(cluster, name, namespace);
  return !rollouts.some((rollout) => isRolloutProgressing(rollout) || hasPendingFastTrack(rollout));
}

/** What a rollback needs of its target. */
export interface RollbackParts {
  readonly cluster: Cluster;
  readonly registry: Pick<DefinitionRegistry, "findTrait">;
  readonly clock: Clock;
}

/**
 * `vela-ts workflow rollback` over the parts of a target it uses; `reason` (an automatic rollback's cause, such
 * as a failed analysis) goes into `status.rollback.reason` and the abandoned revision's message.
 */
export async function rollbackApplicationWith(
  target: RollbackParts,
  app: KubeObject,
  name: string,
  namespace: string,
  requested: number | undefined,
  reason?: string,
): Promise<string[]> {
  const workflow = workflowOf(app);
  if (isActivelyRunning(workflow)) throw runningError(name);
  const revisions = await listApplicationRevisions(target.cluster, name, namespace);
  const history = revisions.map(revisionRecordOf);
  const currentName = currentRevisionName(app);
  const current = history.find((record) => record.name === currentName);

  // Re-running a rollback that already landed (the command was killed, or is run twice): it
  // converges on the same end state instead of looking for a revision older than the target.
  const last = statusOf(app).rollback;
  const landed = isJsonObject(last) && last.to === currentName ? last : undefined;
  if (landed !== undefined && (requested === undefined || requested === current?.number)) {
    const older = history.some((record) => record.succeeded && current !== undefined && record.number < current.number);
    const settled = await rollbackSettled(target.cluster, app, name, namespace);
    if (requested !== undefined || !older || !settled) {
      const from = typeof landed.from === "string" ? ` from ${landed.from}` : "";
      return [
        `Application ${name} is already rolled back to ${currentName ?? ""}${from}${settled ? "." : "; finishing it."}`,
      ];
    }
  }

  const chosen = selectRollbackTarget(name, history, currentName, requested);
  const revisionObject = revisions.find((object) => object.metadata.name === chosen.name);
  const stored = decodeStoredOptional<ApplicationSnapshot>(
    APPLICATION_SNAPSHOT_SCHEMA,
    (revisionObject?.spec as JsonObject | undefined)?.application,
    { object: `ApplicationRevision/${namespace}/${chosen.name}`, path: "/spec/application" },
  );
  if (revisionObject === undefined || stored === undefined) {
    throw new VelaError("E_REVISION_NOT_FOUND", `revision ${chosen.name} of application ${name} has no stored spec`, {
      hint: `see vela-ts revision list ${name}`,
    });
  }

  const messages: string[] = [];
  const rollouts = await findAppRollouts(target.cluster, name, namespace);
  const inFlight = rollouts.filter(isRolloutProgressing);
  messages.push(...(await cancelRolloutTraffic(target.cluster, inFlight)));
  // No release in flight: the target goes straight back, without canary steps.
  messages.push(
    ...(await fastTrackRollouts(
      target.cluster,
      rollouts.filter((rollout) => !isRolloutProgressing(rollout)),
      chosen.name,
    )),
  );

  const isOpsOnly = (type: string): boolean => target.registry.findTrait(type)?.skipRevisionAffect === true;
  const annotations: Record<string, string> = { ...(stored.metadata.annotations ?? {}) };
  if (chosen.publishVersion !== undefined) annotations[ANNOTATION_PUBLISH_VERSION] = chosen.publishVersion;
  annotations[ANNOTATION_ROLLBACK_TO] = chosen.name;
  // A reconciler's status write between our read and this write is a 409: made again on the newer
  // object, keeping its current ops-only traits, unless its workflow started running meanwhile.
  const updated = await editApplicationSpec(target.cluster, app, (latest) => {
    if (latest !== app && isActivelyRunning(workflowOf(latest))) throw runningError(name);
    const spec = mergeOpsOnlyTraits(stored.spec, (latest.spec as JsonObject | undefined) ?? {}, isOpsOnly);
    const labels = {
      ...Object.fromEntries(
        Object.entries(latest.metadata.labels ?? {}).filter(([key]) => key.startsWith("app.oam.dev/")),
      ),
      ...(stored.metadata.labels ?? {}),
    };
    return { ...latest, metadata: { ...latest.metadata, labels, annotations }, spec };
  });
  messages.push("Application spec rollback successfully.");

  await markAbandoned(target.cluster, namespace, history, currentName, chosen.name, workflow, reason);
  const now = formatTimestamp(target.clock.now());
  await editApplicationStatus(target.cluster, updated, (latest) =>
    rolledBackStatus(statusOf(latest), chosen, revisionObject, currentName, now, reason),
  );
  messages.push("Application status rollback successfully.");
  return messages;
}
