import type { Cluster } from "../cluster/cluster.js";
import {
  clusterOf,
  isReleasedOnDelete,
  LOCAL_CLUSTER_NAME,
  refKey,
  RESOURCE_TRACKER_API_VERSION,
  RESOURCE_TRACKER_KIND,
  trackedKey,
  trackedRef,
  type TrackedResource,
} from "../cluster/tracker.js";
import { recordedEventsAbout } from "../cluster/events.js";
import { VelaError } from "../errors/index.js";
import { refOf, type KubeObject, type ObjectRef } from "../model/kube-object.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE, LABEL_COMPONENT_REVISION } from "../model/labels.js";
import { isJsonObject, type JsonValue } from "../util/index.js";
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
  type OwnerIndex,
} from "./resource-tree.js";
import { listApplicationRevisions } from "../reconciler/revision-objects.js";
import { ANNOTATION_SHARED_BY, leaveShared, sharedByOf, sharerKey } from "../reconciler/shared-resource.js";
import {
  componentsInSpec,
  componentTypesOf,
  garbageCollectPolicyOf,
  gcDeleteOptions,
  gcRuleFor,
  policiesInSpec,
  reverseDependencyGroups,
  type ComponentLinks,
} from "../reconciler/garbage-collect.js";
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

/** An object in a member cluster names it (`cluster`); the hub's name none. */
export type PlacedRef = ObjectRef & { readonly cluster?: string };

function placedRef(ref: ObjectRef, cluster: string): PlacedRef {
  return cluster === LOCAL_CLUSTER_NAME ? ref : { ...ref, cluster };
}

function placedKey(ref: PlacedRef): string {
  return `${ref.cluster ?? LOCAL_CLUSTER_NAME}#${refKey(ref)}`;
}

/** An object `delete` left alone, and why. */
export interface KeptObject {
  readonly ref: PlacedRef;
  readonly reason: string;
}

/** What `vela-ts delete <app>` did. */
export interface DeleteApplicationResult {
  readonly target: string;
  /** Tracked objects the app created (in the hub and every member cluster), deleted in this order. */
  readonly deleted: readonly PlacedRef[];
  /** Objects they owned that the cluster removed with them (ReplicaSets, Pods, a HelmRelease's objects…). */
  readonly dependents: readonly PlacedRef[];
  /** The app's own records: ResourceTrackers, ApplicationRevisions, component revisions, the Application. */
  readonly records: readonly ObjectRef[];
  /** How many Events vela-ts had recorded about the Application (deleted with it). */
  readonly eventsDeleted: number;
  /** Tracked objects left alone: referenced objects (`ref-objects`), objects another app tracks or owns. */
  readonly kept: readonly KeptObject[];
  /** Objects still terminating when the command returned. */
  readonly remaining: readonly PlacedRef[];
  /**
   * Why the app is not deleted yet (its records kept for a re-run): with the garbage-collect
   * policy's `order: dependency`, a group still terminating holds back the groups after it.
   */
  readonly unfinished?: string;
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
    for (const resource of distinctTrackedResources([tracker])) keys.set(trackedKey(resource), owner);
  }
  return keys;
}

/**
 * The tracked resources in deletion groups for `order: dependency`: each component's resources in
 * its reverse-dependency group (dependents first); resources no component rendered go last.
 */
function deletionGroups(
  resources: readonly TrackedResource[],
  components: readonly ComponentLinks[],
): TrackedResource[][] {
  const groupOf = new Map<string, number>();
  const groups = reverseDependencyGroups(components);
  groups.forEach((names, index) => names.forEach((name) => groupOf.set(name, index)));
  const out: TrackedResource[][] = Array.from({ length: groups.length + 1 }, () => []);
  for (const resource of resources)
    out[(resource.component === undefined ? undefined : groupOf.get(resource.component)) ?? groups.length]?.push(
      resource,
    );
  return out.filter((group) => group.length > 0);
}

async function stillPresent(clusters: ReadonlyMap<string, Cluster>, refs: readonly PlacedRef[]): Promise<PlacedRef[]> {
  const present: PlacedRef[] = [];
  for (const ref of refs) {
    const { cluster: name, ...plain } = ref;
    const cluster = clusters.get(name ?? LOCAL_CLUSTER_NAME);
    if (cluster !== undefined && (await cluster.get(plain)) !== undefined) present.push(ref);
  }
  return present;
}

/** Lets the cluster's controllers react; with `wait`, sleeps until their next timed action while objects remain. */
async function settleDeletion(
  clusters: ReadonlyMap<string, Cluster>,
  driver: ClusterDriver,
  refs: readonly PlacedRef[],
  options: DeleteApplicationOptions,
): Promise<PlacedRef[]> {
  const started = options.clock.now().getTime();
  await driver.settle();
  let remaining = await stillPresent(clusters, refs);
  while (options.wait === true && remaining.length > 0) {
    const now = options.clock.now().getTime();
    const wake =
      driver.nextWakeAt()?.getTime() ?? (driver.pollIntervalMs === undefined ? undefined : now + driver.pollIntervalMs);
    if (wake === undefined) break;
    if (options.timeoutMs !== undefined && wake - started > options.timeoutMs) break;
    await sleepUnlocked(driver, options.sleep, Math.max(0, wake - now));
    await driver.settle();
    remaining = await stillPresent(clusters, refs);
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
    // Every member cluster the app deployed to is reached before anything is deleted: one out of
    // reach fails the command naming it, and the app (its trackers) stays for a run that reaches it.
    // A cluster detached since is not reached any more: its objects are left there, reported.
    const clusters = new Map<string, Cluster>([[LOCAL_CLUSTER_NAME, cluster]]);
    const detached = new Map<string, string>();
    for (const name of new Set(resources.map(clusterOf))) {
      if (clusters.has(name)) continue;
      try {
        clusters.set(name, await target.members.open(name));
      } catch (error) {
        if (!(error instanceof VelaError) || error.code !== "E_CLUSTER_UNKNOWN") throw error;
        detached.set(name, error.message);
      }
    }
    const owners = new Map<string, OwnerIndex>();
    for (const [name, member] of clusters)
      owners.set(
        name,
        await buildOwnerIndex(member, [
          namespace,
          ...resources.flatMap((resource) =>
            resource.namespace === undefined || clusterOf(resource) !== name ? [] : [resource.namespace],
          ),
        ]),
      );

    const deleted: PlacedRef[] = [];
    const kept: KeptObject[] = [];
    const descendants = new Map<string, PlacedRef>();
    const policy = garbageCollectPolicyOf(policiesInSpec(app?.spec as JsonValue | undefined));
    const components = componentsInSpec(app?.spec as JsonValue | undefined);
    const componentTypes = componentTypesOf(components);
    const deleteOne = async (resource: TrackedResource): Promise<void> => {
      const where = clusterOf(resource);
      const ref = placedRef(trackedRef(resource), where);
      const member = clusters.get(where);
      if (member === undefined) {
        kept.push({ ref, reason: `left in cluster ${where}: ${detached.get(where) ?? "not reachable"}` });
        return;
      }
      if (isReferencedObject(resource)) {
        kept.push({
          ref,
          reason:
            resource.adoption === "read-only"
              ? "adopted read-only, released"
              : "referenced by ref-objects, not created by the app",
        });
        return;
      }
      const rule = gcRuleFor(policy, resource, componentTypes);
      if (rule?.strategy === "never") {
        kept.push({ ref, reason: "kept by the garbage-collect policy (strategy: never)" });
        return;
      }
      const live = await member.get(trackedRef(resource));
      const self = sharerKey({ name, namespace });
      if (live !== undefined && sharedByOf(live).includes(self)) {
        const sharing = await leaveShared(member, live, self);
        if (sharing !== "delete") {
          kept.push({ ref, reason: `still shared by application ${sharing.join(", ")} (${ANNOTATION_SHARED_BY})` });
          return;
        }
      }
      const otherApp = others.get(trackedKey(resource));
      if (otherApp !== undefined) {
        kept.push({ ref, reason: `also tracked by application ${otherApp}` });
        return;
      }
      if (live === undefined) return;
      const labelled = live.metadata.labels?.[LABEL_APP_NAME];
      if (labelled !== undefined && labelled !== name) {
        kept.push({ ref, reason: `belongs to application ${labelled}` });
        return;
      }
      // Orphaned dependents stay: they are not reported as deleted with it.
      if (rule?.propagation !== "orphan")
        for (const node of flattenTree(treeOf(live, owners.get(where) ?? new Map())).slice(1)) {
          const child = placedRef(
            {
              apiVersion: node.apiVersion,
              kind: node.kind,
              name: node.name,
              ...(node.namespace === undefined ? {} : { namespace: node.namespace }),
            },
            where,
          );
          descendants.set(placedKey(child), child);
        }
      if (await member.delete(trackedRef(resource), gcDeleteOptions(rule))) deleted.push(ref);
    };
    // `order: dependency`: a group's objects (and what they own) are gone before the next group's
    // are deleted; one still terminating stops the command there, its records kept for a re-run.
    const groups = policy?.dependencyOrder === true ? deletionGroups(resources, components) : [resources];
    let blocked: PlacedRef[] = [];
    for (const [index, group] of groups.entries()) {
      const before = deleted.length;
      for (const resource of group) await deleteOne(resource);
      if (index === groups.length - 1) break;
      const watched = [...deleted.slice(before), ...descendants.values()];
      blocked = await settleDeletion(clusters, target.driver, watched, options);
      if (blocked.length > 0) break;
    }
    if (blocked.length > 0) {
      const blockedKeys = new Set(blocked.map(placedKey));
      const dependents = [...descendants.values()].filter((ref) => !blockedKeys.has(placedKey(ref)));
      return {
        target: target.description,
        deleted,
        dependents,
        records: [],
        eventsDeleted: 0,
        kept,
        remaining: blocked,
        unfinished: "the components they depend on are deleted once they are gone (garbage-collect order: dependency)",
      };
    }
    for (const ref of deleted) descendants.delete(placedKey(ref));

    const records: ObjectRef[] = [];
    for (const tracker of trackers) if (await cluster.delete(refOf(tracker))) records.push(refOf(tracker));
    for (const revision of revisions) if (await cluster.delete(refOf(revision))) records.push(refOf(revision));
    const componentRevisions = await cluster.list("apps/v1", "ControllerRevision", {
      namespace,
      labelSelector: `${LABEL_APP_NAME}=${name},${LABEL_COMPONENT_REVISION}`,
    });
    for (const revision of componentRevisions) if (await cluster.delete(refOf(revision))) records.push(refOf(revision));
    let eventsDeleted = 0;
    try {
      const events = app === undefined ? [] : await recordedEventsAbout(cluster, app);
      for (const event of events) if (await cluster.delete(refOf(event))) eventsDeleted += 1;
    } catch (error) {
      // Events are a courtesy: a cluster that will not list or delete them (RBAC) expires them itself.
      if (!(error instanceof VelaError)) throw error;
    }
    if (app !== undefined && (await cluster.delete(refOf(app)))) records.push(refOf(app));

    const watched = [...deleted, ...descendants.values()];
    const remaining = await settleDeletion(clusters, target.driver, watched, options);
    const remainingKeys = new Set(remaining.map(placedKey));
    const dependents = [...descendants.values()].filter((ref) => !remainingKeys.has(placedKey(ref)));
    return { target: target.description, deleted, dependents, records, eventsDeleted, kept, remaining };
  });
}
