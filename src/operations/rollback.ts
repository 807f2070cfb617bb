import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { ANNOTATION_PUBLISH_VERSION } from "../model/labels.js";
import { mergeOpsOnlyTraits, selectRollbackTarget, type ApplicationSnapshot } from "../revision/index.js";
import { formatTimestamp, isJsonObject, type JsonObject } from "../util/index.js";
import { isActivelyRunning } from "../workflow/index.js";
import { editApplicationSpec, editApplicationStatus, statusOf } from "../reconciler/application-object.js";
import { listApplicationRevisions, revisionRecordOf } from "../reconciler/revision-objects.js";
import {
  ANNOTATION_ROLLBACK_TO,
  currentRevisionName,
  markAbandoned,
  rolledBackStatus,
  runningError,
  workflowOf,
} from "../reconciler/rollback-state.js";
import {
  cancelRolloutTraffic,
  fastTrackRollouts,
  findAppRollouts,
  hasPendingFastTrack,
  isRolloutProgressing,
} from "../rollout/rollout-coupling.js";
import type { Cluster } from "../cluster/cluster.js";
import type { Target } from "../target/target.js";

export { ANNOTATION_ROLLBACK_TO, completePendingRollback } from "../reconciler/rollback-state.js";

/** Whether the app's last rollback has landed and settled: running, and no Rollout still moving because of it. */
async function rollbackSettled(cluster: Cluster, app: KubeObject, name: string, namespace: string): Promise<boolean> {
  if (statusOf(app).status !== "running") return false;
  const rollouts = await findAppRollouts(cluster, name, namespace);
  return !rollouts.some((rollout) => isRolloutProgressing(rollout) || hasPendingFastTrack(rollout));
}

/** `vela-ts workflow rollback <app> [--revision N]`: the messages to print (KubeVela's wording where it has one). */
export async function rollbackApplication(
  target: Target,
  app: KubeObject,
  name: string,
  namespace: string,
  requested: number | undefined,
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
  const stored = (revisionObject?.spec as JsonObject | undefined)?.application as unknown as
    ApplicationSnapshot | undefined;
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

  await markAbandoned(target.cluster, namespace, history, currentName, chosen.name, workflow);
  const now = formatTimestamp(target.deps.clock.now());
  await editApplicationStatus(target.cluster, updated, (latest) =>
    rolledBackStatus(statusOf(latest), chosen, revisionObject, currentName, now),
  );
  messages.push("Application status rollback successfully.");
  return messages;
}
