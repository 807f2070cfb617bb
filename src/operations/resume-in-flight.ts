import type { Cluster } from "../cluster/cluster.js";
import type { KubeObject } from "../model/kube-object.js";
import { editApplicationStatus, statusOf } from "../reconciler/application-object.js";
import { rolloutPausedAtStep } from "../rollout/rollout-coupling.js";
import { cloneJson, isJsonObject, type JsonObject } from "../util/index.js";

/**
 * `status.resumeInFlight` of an Application: what a `workflow resume` is about to do, written before
 * its first effect and removed once the command has reported where the release stands. A resume
 * killed in between leaves it behind, so running the command again can tell "my resume already took
 * effect" (a Rollout it approved has moved past the step; the workflow it resumed runs) from "a
 * new step waits for a person": it finishes what the first run started and approves nothing more.
 * Without it, a resume killed after its approval took effect would approve the next step too.
 */
export interface ResumeInFlight {
  /** The Application revision the resume was for (a record of an older release is stale). */
  readonly revision: string;
  /** The run was a suspended workflow's resume. */
  readonly workflow: boolean;
  /** `namespace/name` of each Rollout approved → the 1-based step it was approved at. */
  readonly rollouts: Readonly<Record<string, number>>;
}

export const RESUME_IN_FLIGHT_FIELD = "resumeInFlight";

/** The key of a Rollout in {@link ResumeInFlight.rollouts}. */
export function rolloutKey(rollout: KubeObject): string {
  return `${rollout.metadata.namespace ?? "default"}/${rollout.metadata.name ?? ""}`;
}

/** The revision an Application runs (`status.latestRevision.name`), "" before the first. */
export function latestRevisionOf(app: KubeObject): string {
  const latest = statusOf(app).latestRevision;
  return isJsonObject(latest) && typeof latest.name === "string" ? latest.name : "";
}

/** The record an interrupted resume of the app's current revision left, if any. */
export function resumeInFlightOf(app: KubeObject): ResumeInFlight | undefined {
  const record = statusOf(app)[RESUME_IN_FLIGHT_FIELD];
  if (!isJsonObject(record) || record.revision !== latestRevisionOf(app)) return undefined;
  const rollouts: Record<string, number> = {};
  if (isJsonObject(record.rollouts))
    for (const [key, step] of Object.entries(record.rollouts)) if (typeof step === "number") rollouts[key] = step;
  return { revision: latestRevisionOf(app), workflow: record.workflow === true, rollouts };
}

/** Writes the record (before the resume's first effect); returns the updated Application. */
export function recordResumeInFlight(cluster: Cluster, app: KubeObject, record: ResumeInFlight): Promise<KubeObject> {
  return editApplicationStatus(cluster, app, (current) => ({
    ...cloneJson(statusOf(current)),
    [RESUME_IN_FLIGHT_FIELD]: {
      revision: record.revision,
      workflow: record.workflow,
      rollouts: { ...record.rollouts },
    },
  }));
}

/** Removes the record (the command reported where the release stands); nothing when there is none. */
export async function clearResumeInFlight(cluster: Cluster, app: KubeObject): Promise<void> {
  if (statusOf(app)[RESUME_IN_FLIGHT_FIELD] === undefined) return;
  await editApplicationStatus(cluster, app, (current) => {
    const status: JsonObject = cloneJson(statusOf(current));
    delete status[RESUME_IN_FLIGHT_FIELD];
    return status;
  });
}

/** Whether the approval recorded for `rollout` is still to be sent: it still waits at that step. */
export function approvalPending(record: ResumeInFlight, rollout: KubeObject): boolean {
  const step = record.rollouts[rolloutKey(rollout)];
  return step !== undefined && rolloutPausedAtStep(rollout) === step;
}
