import type { Appfile } from "../appfile/index.js";
import type { Cluster } from "../cluster/cluster.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { objectEnvelope } from "../model/envelope.js";
import { ANNOTATION_PUBLISH_VERSION } from "../model/labels.js";
import { COMPONENT_REVISIONS_SCHEMA, decodeStoredLeniently } from "../model/stored-objects.js";
import {
  buildRevisionSnapshot,
  computeRevisionHash,
  decideRevision,
  nextComponentRevisions,
  opsOnlyTraitsOf,
  revisionsToPrune,
  type ApplicationSnapshot,
  type ComponentRevision,
  type RevisionDecision,
  type RevisionRecord,
} from "../revision/index.js";
import { formatTimestamp, isJsonObject, type Clock, type JsonObject } from "../util/index.js";
import { storedWorkflowOf } from "../workflow/index.js";
import { readyCondition } from "./conditions.js";
import { definitionsUsed } from "./definitions-for-app.js";
import type { PassState } from "./pass-state.js";
import {
  applicationRevisionRef,
  buildApplicationRevision,
  listApplicationRevisions,
  markRevision,
  revisionRecordOf,
} from "./revision-objects.js";
import { ANNOTATION_ROLLBACK_TO } from "./rollback.js";
import { pruneRevisionTrackers } from "./tracker-prune.js";

/** The release a pass runs: its revision record and stored object, and how it was decided. */
export interface RevisionStage {
  readonly decision: RevisionDecision;
  readonly record: RevisionRecord;
  readonly object: KubeObject;
}

/** What the revision stage needs besides the pass. */
export interface RevisionInputs {
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly liveAppfile: Appfile;
  readonly isOpsOnly: (type: string) => boolean;
  /** Revisions kept besides the latest. */
  readonly revisionLimit: number;
}

function snapshotOfApp(app: KubeObject): ApplicationSnapshot {
  return objectEnvelope(app, {
    keepLabel: (key) => !key.startsWith("app.oam.dev/"),
    // The rollback marker says where the spec came from; it is not part of what is released.
    keepAnnotation: (key) => key !== ANNOTATION_ROLLBACK_TO,
  });
}

/** The component revisions a revision object stored (`spec.componentRevisions`). */
export function storedComponentRevisions(revision: KubeObject | undefined): Record<string, ComponentRevision> {
  const value = (revision?.spec as JsonObject | undefined)?.componentRevisions;
  // Written by buildApplicationRevision from ComponentRevision records; a hand-edited object only
  // loses its component revision names (they are re-derived on the next new revision).
  return decodeStoredLeniently<Record<string, ComponentRevision>>(COMPONENT_REVISIONS_SCHEMA, value) ?? {};
}

/**
 * The revision the app runs now (`status.latestRevision`) when the decision needs no other: the same
 * hash, or a pinned release. Only a new revision needs the whole history (its number, component
 * revisions, pruning), so a pass over an unchanged app reads one revision, not all of them.
 */
async function currentRevisionDecision(
  cluster: Cluster,
  name: string,
  namespace: string,
  currentName: string | undefined,
  hash: string,
  publishVersion: string | undefined,
): Promise<{ readonly decision: RevisionDecision; readonly object: KubeObject } | undefined> {
  if (currentName === undefined) return undefined;
  const object = await cluster.get(applicationRevisionRef(currentName, namespace));
  if (object === undefined) return undefined;
  const decision = decideRevision(name, [revisionRecordOf(object)], hash, publishVersion, currentName);
  return decision.kind === "new" ? undefined : { decision, object };
}

/** Copies a finished run's final status into its revision (KubeVela keeps it on the ApplicationRevision). */
async function finishPreviousRun(cluster: Cluster, namespace: string, status: JsonObject): Promise<void> {
  const previous = storedWorkflowOf(status);
  if (previous === undefined) return;
  await markRevision(cluster, namespace, previous.appRevision, previous.status === "succeeded", previous);
}

/** Deletes revisions beyond the limit, then the trackers of pruned revisions nothing depends on any more. */
async function pruneRevisions(
  cluster: Cluster,
  app: { readonly name: string; readonly namespace: string },
  history: readonly RevisionRecord[],
  limit: number,
  current: string,
): Promise<void> {
  const pruned = new Set(revisionsToPrune(history, limit, new Set([current])));
  for (const revisionName of pruned) await cluster.delete(applicationRevisionRef(revisionName, app.namespace));
  const remaining = new Set(history.map((record) => record.name).filter((name) => !pruned.has(name)));
  await pruneRevisionTrackers(cluster, app.name, app.namespace, remaining);
}

/**
 * The revision stage: decides the release (same hash, pinned, or new) and, for a new one, records
 * its ApplicationRevision and `status.latestRevision` before anything is applied, so a crash after
 * this point resumes it. Sets the `Revision` condition (naming the revision) with that write.
 */
export async function decideRelease(pass: PassState, inputs: RevisionInputs): Promise<RevisionStage> {
  const { cluster, clock, isOpsOnly } = inputs;
  const { status } = pass;
  const name = pass.app.metadata.name ?? "";
  const namespace = pass.app.metadata.namespace ?? "default";
  const snapshot = buildRevisionSnapshot(snapshotOfApp(pass.app), definitionsUsed(inputs.liveAppfile), isOpsOnly);
  const hash = computeRevisionHash(snapshot);
  const publishVersion = pass.app.metadata.annotations?.[ANNOTATION_PUBLISH_VERSION];
  const latest = isJsonObject(status.latestRevision) ? status.latestRevision : undefined;
  const currentName = typeof latest?.name === "string" ? latest.name : undefined;
  const current = await currentRevisionDecision(cluster, name, namespace, currentName, hash, publishVersion);
  const revisionObjects =
    current === undefined ? await listApplicationRevisions(cluster, name, namespace) : [current.object];
  const history = revisionObjects.map(revisionRecordOf);
  const decision = current?.decision ?? decideRevision(name, history, hash, publishVersion, currentName);

  if (decision.kind !== "new") {
    const record = decision.revision;
    const found = revisionObjects.find((object) => object.metadata.name === record.name);
    if (found === undefined)
      throw new VelaError("E_REVISION_NOT_FOUND", `revision ${record.name} of application ${name} is missing`, {
        hint: `run vela-ts up -f app.yaml again`,
      });
    pass.setCondition(readyCondition("Revision", record.name));
    if (currentName !== record.name) {
      status.latestRevision = { name: record.name, revision: record.number, revisionHash: record.hash };
      await pass.save();
    }
    return { decision, record, object: found };
  }

  const previous = revisionObjects.find((object) => object.metadata.name === currentName) ?? revisionObjects.at(-1);
  const componentRevisions = nextComponentRevisions(
    snapshot.application.spec,
    storedComponentRevisions(previous),
    revisionObjects.map(storedComponentRevisions),
  );
  const record: RevisionRecord = {
    name: decision.name,
    number: decision.number,
    hash,
    succeeded: false,
    ...(publishVersion === undefined ? {} : { publishVersion }),
  };
  // Before the new revision is read: the previous run may belong to a revision of the same name
  // (every revision was pruned), and the object kept below must be the one after this write.
  await finishPreviousRun(cluster, namespace, status);
  const existing = await cluster.get(applicationRevisionRef(decision.name, namespace));
  const object =
    existing ??
    (await cluster.create(
      buildApplicationRevision(
        pass.app,
        record,
        snapshot,
        {
          opsOnlyTraits: opsOnlyTraitsOf((pass.app.spec as JsonObject | undefined) ?? {}, isOpsOnly),
          componentRevisions,
        },
        formatTimestamp(clock.now()),
      ),
    ));
  status.latestRevision = { name: record.name, revision: record.number, revisionHash: hash };
  delete status.workflow;
  delete status.rollback;
  status.status = "runningWorkflow";
  pass.setCondition(readyCondition("Revision", record.name));
  await pass.save();
  await pruneRevisions(
    cluster,
    { name: pass.app.metadata.name ?? "", namespace },
    [...history, record],
    inputs.revisionLimit,
    record.name,
  );
  return { decision, record, object };
}
