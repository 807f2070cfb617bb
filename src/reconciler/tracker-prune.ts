import type { Cluster } from "../cluster/cluster.js";
import {
  RESOURCE_TRACKER_API_VERSION,
  RESOURCE_TRACKER_KIND,
  trackedKey,
  trackedResources,
} from "../cluster/tracker.js";
import { refOf, type KubeObject } from "../model/kube-object.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE, LABEL_APP_REVISION } from "../model/labels.js";

/**
 * The ResourceTrackers of revisions that no longer exist (pruned by the revision limit), deleted
 * once nothing depends on them: every resource such a tracker records is also recorded by a tracker
 * that stays. A tracker that alone records a resource stays until garbage collection of a
 * successful release has deleted that resource or a newer tracker records it, so pruning never
 * orphans an object `delete` would no longer find. Idempotent: a pass killed between deleting a
 * revision and its tracker finishes the job on the next pass. Returns the trackers deleted.
 */
export async function pruneRevisionTrackers(
  cluster: Cluster,
  appName: string,
  namespace: string,
  remainingRevisions: ReadonlySet<string>,
): Promise<string[]> {
  const trackers = await cluster.list(RESOURCE_TRACKER_API_VERSION, RESOURCE_TRACKER_KIND, {
    labelSelector: `${LABEL_APP_NAME}=${appName},${LABEL_APP_NAMESPACE}=${namespace}`,
  });
  const revisionOf = (tracker: KubeObject): string | undefined => tracker.metadata.labels?.[LABEL_APP_REVISION];
  const isStale = (tracker: KubeObject): boolean => {
    const revision = revisionOf(tracker);
    return revision !== undefined && !remainingRevisions.has(revision);
  };
  const keptKeys = new Set(
    trackers.filter((tracker) => !isStale(tracker)).flatMap((tracker) => trackedResources(tracker).map(trackedKey)),
  );
  const deleted: string[] = [];
  for (const tracker of trackers.filter(isStale)) {
    if (!trackedResources(tracker).every((resource) => keptKeys.has(trackedKey(resource)))) continue;
    if (await cluster.delete(refOf(tracker))) deleted.push(tracker.metadata.name ?? "");
  }
  return deleted;
}
