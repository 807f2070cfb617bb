import type { Cluster } from "../cluster/cluster.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import { ANNOTATION_PUBLISH_VERSION, LABEL_APP_NAME, LABEL_APP_REVISION_HASH } from "../model/labels.js";
import type { RevisionRecord, RevisionSnapshot } from "../revision/index.js";
import { jsonEqual, type JsonObject, type JsonValue, toJsonObject } from "../util/index.js";
import type { WorkflowStatus } from "../workflow/index.js";

export const APPLICATION_REVISION_KIND = "ApplicationRevision";
const API_VERSION = "core.oam.dev/v1beta1";

/** Extra data vela-ts keeps on a revision besides KubeVela's fields. */
export interface RevisionExtras {
  /** The ops-only traits in effect when the revision was made (history, DESIGN §6). */
  readonly opsOnlyTraits: Readonly<Record<string, JsonValue[]>>;
  /** Component revision names and hashes (`context.revision`), by component. */
  readonly componentRevisions: Readonly<Record<string, { readonly name: string; readonly hash: string }>>;
}

export function applicationRevisionRef(name: string, namespace: string): ObjectRef {
  return { apiVersion: API_VERSION, kind: APPLICATION_REVISION_KIND, name, namespace };
}

/** The ApplicationRevision object for a snapshot (KubeVela's field names; owner = the app). */
export function buildApplicationRevision(
  app: KubeObject,
  record: { readonly name: string; readonly number: number; readonly hash: string; readonly publishVersion?: string },
  snapshot: RevisionSnapshot,
  extras: RevisionExtras,
  createdAt: string,
): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: APPLICATION_REVISION_KIND,
    metadata: {
      name: record.name,
      namespace: app.metadata.namespace ?? "default",
      labels: { [LABEL_APP_NAME]: app.metadata.name ?? "", [LABEL_APP_REVISION_HASH]: record.hash },
      annotations: {
        ...(record.publishVersion === undefined ? {} : { [ANNOTATION_PUBLISH_VERSION]: record.publishVersion }),
        "app.oam.dev/revision-number": String(record.number),
        "app.oam.dev/created-at": createdAt,
      },
      ...(app.metadata.uid === undefined
        ? {}
        : {
            ownerReferences: [
              {
                apiVersion: app.apiVersion,
                kind: app.kind,
                name: app.metadata.name ?? "",
                uid: app.metadata.uid,
                controller: true,
              },
            ],
          }),
    },
    spec: {
      application: toJsonObject(snapshot.application),
      componentDefinitions: snapshot.definitions.componentDefinitions,
      traitDefinitions: snapshot.definitions.traitDefinitions,
      policyDefinitions: snapshot.definitions.policyDefinitions,
      workflowStepDefinitions: snapshot.definitions.workflowStepDefinitions,
      opsOnlyTraits: extras.opsOnlyTraits as JsonObject,
      componentRevisions: toJsonObject(extras.componentRevisions),
    },
    status: { succeeded: false },
  };
}

/** Reads the decision data of a revision object. */
export function revisionRecordOf(object: KubeObject): RevisionRecord {
  const annotations = object.metadata.annotations ?? {};
  const name = object.metadata.name ?? "";
  const number = Number(annotations["app.oam.dev/revision-number"] ?? /-v(\d+)$/.exec(name)?.[1] ?? 0);
  const publishVersion = annotations[ANNOTATION_PUBLISH_VERSION];
  const createdAt = annotations["app.oam.dev/created-at"] ?? object.metadata.creationTimestamp;
  return {
    name,
    number,
    hash: object.metadata.labels?.[LABEL_APP_REVISION_HASH] ?? "",
    succeeded: (object.status as JsonObject | undefined)?.succeeded === true,
    ...(publishVersion === undefined ? {} : { publishVersion }),
    ...(createdAt === undefined ? {} : { createdAt }),
  };
}

/** Every ApplicationRevision of an app, oldest first. */
export async function listApplicationRevisions(
  cluster: Cluster,
  appName: string,
  namespace: string,
): Promise<KubeObject[]> {
  const revisions = await cluster.list(API_VERSION, APPLICATION_REVISION_KIND, {
    namespace,
    labelSelector: `${LABEL_APP_NAME}=${appName}`,
  });
  return [...revisions].sort((a, b) => revisionRecordOf(a).number - revisionRecordOf(b).number);
}

/** Writes `status.succeeded` and the final workflow status onto a revision (no-op when unchanged). */
export async function markRevision(
  cluster: Cluster,
  namespace: string,
  revisionName: string,
  succeeded: boolean,
  workflow: WorkflowStatus | undefined,
): Promise<void> {
  const revision = await cluster.get(applicationRevisionRef(revisionName, namespace));
  if (revision !== undefined) await markRevisionObject(cluster, revision, succeeded, workflow);
}

/** {@link markRevision} of a revision object read in this pass (its resourceVersion guards the write). */
export async function markRevisionObject(
  cluster: Cluster,
  revision: KubeObject,
  succeeded: boolean,
  workflow: WorkflowStatus | undefined,
): Promise<void> {
  const status = { succeeded, ...(workflow === undefined ? {} : { workflow: toJsonObject(workflow) }) };
  if (jsonEqual(revision.status, status)) return;
  await cluster.updateStatus({ ...revision, status });
}
