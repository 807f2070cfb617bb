import type { Cluster } from "../cluster/cluster.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import type { RevisionRecord } from "../revision/index.js";
import { cloneJson, formatTimestamp, isJsonObject, type Clock, type JsonObject } from "../util/index.js";
import { storedWorkflowOf, type WorkflowStatus } from "../workflow/index.js";
import { editApplicationStatus, statusOf } from "./application-object.js";
import {
  applicationRevisionRef,
  listApplicationRevisions,
  markRevision,
  revisionRecordOf,
} from "./revision-objects.js";

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

export function workflowOf(app: KubeObject): WorkflowStatus | undefined {
  return storedWorkflowOf(statusOf(app));
}

export function currentRevisionName(app: KubeObject): string | undefined {
  const latest = statusOf(app).latestRevision;
  return isJsonObject(latest) && typeof latest.name === "string" ? latest.name : undefined;
}

export function runningError(name: string): VelaError {
  return new VelaError("E_WORKFLOW_RUNNING", `can not rollback application ${name}: its workflow is running`, {
    hint: `suspend it first: vela-ts workflow suspend ${name} && vela-ts workflow rollback ${name}`,
  });
}

/** The status after a rollback to `target`: its finished run, `latestRevision` and `status.rollback`. */
export function rolledBackStatus(
  current: JsonObject,
  target: RevisionRecord,
  revisionObject: KubeObject,
  from: string | undefined,
  now: string,
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
    rollback: { from: from ?? null, to: target.name, time: now },
  };
}

/** The newer revision a rollback leaves is marked not succeeded (with its run, stopped), unless it had succeeded. */
export async function markAbandoned(
  cluster: Cluster,
  namespace: string,
  history: readonly RevisionRecord[],
  from: string | undefined,
  target: string,
  workflow: WorkflowStatus | undefined,
): Promise<void> {
  if (from === undefined || from === target || history.find((record) => record.name === from)?.succeeded === true)
    return;
  const abandoned = workflow === undefined ? undefined : { ...workflow, message: `rolled back to ${target}` };
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
