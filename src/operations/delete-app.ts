import type { Cluster } from "../cluster/cluster.js";
import {
  isReleasedOnDelete,
  refKey,
  RESOURCE_TRACKER_API_VERSION,
  RESOURCE_TRACKER_KIND,
  trackedRef,
  type TrackedResource,
} from "../cluster/tracker.js";
import { refOf, type KubeObject, type ObjectRef } from "../model/kube-object.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE, LABEL_COMPONENT_REVISION } from "../model/labels.js";
import { isJsonObject } from "../util/index.js";
import { applicationNotFound } from "./app-lookup.js";
import { applicationRef } from "../reconciler/application-object.js";
import { ANNOTATION_REF_OBJECT } from "../reconciler/component-runtime.js";
import { sleepUnlocked, type ClusterDriver } from "../reconciler/drive.js";
import {
  buildOwnerIndex,
  distinctTrackedResources,
  flattenTree,
  listAppResourceTrackers,
  treeOf,
} from "./resource-tree.js";
import { listApplicationRevisions } from "../reconciler/revision-objects.js";
import { withTarget, type TargetOptions } from "../target/target.js";

/** Options of {@link deleteApplication}. */
export interface DeleteApplicationOptions extends TargetOptions {
  readonly app: string;
  /** @default "default" */
  readonly namespace?: string;
  /** Keep letting the cluster's controllers finish (finalizers, cascades) until every object is gone. @default false */
  readonly wait?: boolean;
  /** With `wait`: give up after this long. @default no limit */
  readonly timeoutMs?: number;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/** An object `delete` left alone, and why. */
export interface KeptObject {
  readonly ref: ObjectRef;
  readonly reason: string;
}

/** What `vela-ts delete <app>` did. */
export interface DeleteApplicationResult {
  readonly target: string;
  /** Tracked objects the app created, deleted in this order. */
  readonly deleted: readonly ObjectRef[];
  /** Objects they owned that the cluster removed with them (ReplicaSets, Pods, a HelmRelease's objects…). */
  readonly dependents: readonly ObjectRef[];
  /** The app's own records: ResourceTrackers, ApplicationRevisions, component revisions, the Application. */
  readonly records: readonly ObjectRef[];
  /** Tracked objects left alone: referenced objects (`ref-objects`), objects another app tracks or owns. */
  readonly kept: readonly KeptObject[];
  /** Objects still terminating when the command returned. */
  readonly remaining: readonly ObjectRef[];
}

/** An adopted object the app releases on delete (read-only or a plain reference; `take-over` ones are deleted). */
function isReferencedObject(resource: TrackedResource): boolean {
  if (resource.adoption !== undefined) return isReleasedOnDelete(resource);
  const raw = resource.raw;
  const metadata = isJsonObject(raw) ? raw.metadata : undefined;
  const annotations = isJsonObject(metadata) ? metadata.annotations : undefined;
  return isJsonObject(annotations) && annotations[ANNOTATION_REF_OBJECT] === "true";
}

/** Keys of objects other applications' trackers hold (never deleted with this app). */
async function trackedByOthers(cluster: Cluster, ownTrackers: readonly KubeObject[]): Promise<Map<string, string>> {
  const own = new Set(ownTrackers.map((tracker) => tracker.metadata.name));
  const others = (await cluster.list(RESOURCE_TRACKER_API_VERSION, RESOURCE_TRACKER_KIND)).filter(
    (tracker) => !own.has(tracker.metadata.name),
  );
  const keys = new Map<string, string>();
  for (const tracker of others) {
    const labels = tracker.metadata.labels ?? {};
    const owner =
      labels[LABEL_APP_NAME] === undefined
        ? "another application"
        : `${labels[LABEL_APP_NAMESPACE] ?? "default"}/${labels[LABEL_APP_NAME]}`;
    for (const resource of distinctTrackedResources([tracker])) keys.set(refKey(trackedRef(resource)), owner);
  }
  return keys;
}

async function stillPresent(cluster: Cluster, refs: readonly ObjectRef[]): Promise<ObjectRef[]> {
  const present: ObjectRef[] = [];
  for (const ref of refs) if ((await cluster.get(ref)) !== undefined) present.push(ref);
  return present;
}

/** Lets the cluster's controllers react; with `wait`, sleeps until their next timed action while objects remain. */
async function settleDeletion(
  cluster: Cluster,
  driver: ClusterDriver,
  refs: readonly ObjectRef[],
  options: DeleteApplicationOptions,
): Promise<ObjectRef[]> {
  const started = options.clock.now().getTime();
  await driver.settle();
  let remaining = await stillPresent(cluster, refs);
  while (options.wait === true && remaining.length > 0) {
    const now = options.clock.now().getTime();
    const wake =
      driver.nextWakeAt()?.getTime() ?? (driver.pollIntervalMs === undefined ? undefined : now + driver.pollIntervalMs);
    if (wake === undefined) break;
    if (options.timeoutMs !== undefined && wake - started > options.timeoutMs) break;
    await sleepUnlocked(driver, options.sleep, Math.max(0, wake - now));
    await driver.settle();
    remaining = await stillPresent(cluster, refs);
  }
  return remaining;
}

/**
 * `vela-ts delete <app>`: deletes every object the app's ResourceTrackers record (trait outputs
 * before workloads), then its trackers, ApplicationRevisions, component revisions and the
 * Application itself — nothing else: referenced objects (`ref-objects`) and objects another app
 * tracks or owns are left alone. The cluster's controllers then run, so cascades (a HelmRelease's
 * objects, a Deployment's pods) happen before the command returns. Deleting the app last means a
 * command killed half-way can simply be run again.
 */
export async function deleteApplication(options: DeleteApplicationOptions): Promise<DeleteApplicationResult> {
  const namespace = options.namespace ?? "default";
  const name = options.app;
  return withTarget(options, async (target) => {
    const { cluster } = target;
    const app = await cluster.get(applicationRef(name, namespace));
    const trackers = await listAppResourceTrackers(cluster, name, namespace);
    const revisions = await listApplicationRevisions(cluster, name, namespace);
    if (app === undefined && trackers.length === 0 && revisions.length === 0)
      throw await applicationNotFound(cluster, name, namespace);

    const resources = distinctTrackedResources(trackers).reverse();
    const others = await trackedByOthers(cluster, trackers);
    const owners = await buildOwnerIndex(cluster, [
      namespace,
      ...resources.flatMap((resource) => (resource.namespace === undefined ? [] : [resource.namespace])),
    ]);

    const deleted: ObjectRef[] = [];
    const kept: KeptObject[] = [];
    const descendants = new Map<string, ObjectRef>();
    for (const resource of resources) {
      const ref = trackedRef(resource);
      if (isReferencedObject(resource)) {
        kept.push({
          ref,
          reason:
            resource.adoption === "read-only"
              ? "adopted read-only, released"
              : "referenced by ref-objects, not created by the app",
        });
        continue;
      }
      const otherApp = others.get(refKey(ref));
      if (otherApp !== undefined) {
        kept.push({ ref, reason: `also tracked by application ${otherApp}` });
        continue;
      }
      const live = await cluster.get(ref);
      if (live === undefined) continue;
      const labelled = live.metadata.labels?.[LABEL_APP_NAME];
      if (labelled !== undefined && labelled !== name) {
        kept.push({ ref, reason: `belongs to application ${labelled}` });
        continue;
      }
      for (const node of flattenTree(treeOf(live, owners)).slice(1)) {
        const child: ObjectRef = {
          apiVersion: node.apiVersion,
          kind: node.kind,
          name: node.name,
          ...(node.namespace === undefined ? {} : { namespace: node.namespace }),
        };
        descendants.set(refKey(child), child);
      }
      if (await cluster.delete(ref)) deleted.push(ref);
    }
    for (const ref of deleted) descendants.delete(refKey(ref));

    const records: ObjectRef[] = [];
    for (const tracker of trackers) if (await cluster.delete(refOf(tracker))) records.push(refOf(tracker));
    for (const revision of revisions) if (await cluster.delete(refOf(revision))) records.push(refOf(revision));
    const componentRevisions = await cluster.list("apps/v1", "ControllerRevision", {
      namespace,
      labelSelector: `${LABEL_APP_NAME}=${name},${LABEL_COMPONENT_REVISION}`,
    });
    for (const revision of componentRevisions) if (await cluster.delete(refOf(revision))) records.push(refOf(revision));
    if (app !== undefined && (await cluster.delete(refOf(app)))) records.push(refOf(app));

    const watched = [...deleted, ...descendants.values()];
    const remaining = await settleDeletion(cluster, target.driver, watched, options);
    const remainingKeys = new Set(remaining.map(refKey));
    const dependents = [...descendants.values()].filter((ref) => !remainingKeys.has(refKey(ref)));
    return { target: target.description, deleted, dependents, records, kept, remaining };
  });
}
