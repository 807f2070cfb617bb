import { describeRef, refOf, type KubeObject, type ObjectRef } from "../model/kube-object.js";
import { decodeStoredOptional, TRACKED_RESOURCES_SCHEMA } from "../model/stored-objects.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE, LABEL_APP_REVISION } from "../model/labels.js";
import type { JsonObject } from "../util/index.js";

/**
 * ResourceTracker (KubeVela `core.oam.dev/v1beta1`, cluster-scoped): the objects one revision of
 * an Application applied, with their manifests, so that garbage collection deletes what a newer
 * revision no longer renders, `delete <app>` removes exactly what the app created, and rollback
 * re-applies a revision's recorded manifests instead of re-running its workflow.
 */
/**
 * How an adopted object (a `ref-objects` reference) belongs to the app: `read-only` (never written,
 * released on delete), `take-over` (owned: written, deleted with the app) or `referenced` (no policy:
 * written only where a trait asks, released on delete).
 */
export type AdoptionMode = "read-only" | "take-over" | "referenced";

export interface TrackedResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /**
   * The member cluster the object lives in (KubeVela's `ManagedResource.cluster`); absent for the
   * hub (`local`), where the tracker itself lives.
   */
  readonly cluster?: string;
  readonly component?: string;
  readonly trait?: string;
  /** The manifest as applied (for rollback's re-apply). */
  readonly raw?: JsonObject;
  /** Set for an object the app adopted instead of creating it. */
  readonly adoption?: AdoptionMode;
}

/** Whether the app may delete a tracked object: not when it adopted it without `take-over`. */
export function isReleasedOnDelete(resource: TrackedResource): boolean {
  return resource.adoption === "read-only" || resource.adoption === "referenced";
}

export const RESOURCE_TRACKER_API_VERSION = "core.oam.dev/v1beta1";
export const RESOURCE_TRACKER_KIND = "ResourceTracker";

/** `<app>-v<N>-<namespace>`, KubeVela's name for a versioned tracker. */
export function resourceTrackerName(appName: string, namespace: string, revisionName: string): string {
  const suffix = revisionName.startsWith(`${appName}-`) ? revisionName.slice(appName.length + 1) : revisionName;
  return `${appName}-${suffix}-${namespace}`;
}

export function resourceTrackerRef(appName: string, namespace: string, revisionName: string): ObjectRef {
  return {
    apiVersion: RESOURCE_TRACKER_API_VERSION,
    kind: RESOURCE_TRACKER_KIND,
    name: resourceTrackerName(appName, namespace, revisionName),
  };
}

/** A tracker object for one revision's applied set. */
export function buildResourceTracker(
  app: { readonly name: string; readonly namespace: string; readonly generation?: number },
  revisionName: string,
  resources: readonly TrackedResource[],
): KubeObject {
  return {
    apiVersion: RESOURCE_TRACKER_API_VERSION,
    kind: RESOURCE_TRACKER_KIND,
    metadata: {
      name: resourceTrackerName(app.name, app.namespace, revisionName),
      labels: { [LABEL_APP_NAME]: app.name, [LABEL_APP_NAMESPACE]: app.namespace, [LABEL_APP_REVISION]: revisionName },
    },
    spec: {
      type: "versioned",
      applicationGeneration: app.generation ?? 1,
      managedResources: resources.map((resource) => ({ ...resource })),
    },
  };
}

/**
 * The tracked resources of a tracker object read back from the cluster (none when it records
 * none); a damaged `spec.managedResources` is an `E_STORED_OBJECT_INVALID` naming the tracker.
 */
export function trackedResources(tracker: KubeObject): TrackedResource[] {
  const spec = tracker.spec as JsonObject | undefined;
  const managed = decodeStoredOptional<TrackedResource[]>(TRACKED_RESOURCES_SCHEMA, spec?.managedResources, {
    object: describeRef(refOf(tracker)),
    path: "/spec/managedResources",
  });
  return managed === undefined ? [] : [...managed];
}

export function trackedRef(resource: TrackedResource): ObjectRef {
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    name: resource.name,
    ...(resource.namespace === undefined ? {} : { namespace: resource.namespace }),
  };
}

/** Stable identity of a ref (apiVersion group + kind + namespace + name) for set operations. */
export function refKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.slice(0, ref.apiVersion.indexOf("/")) : "";
  return `${group}|${ref.kind}|${ref.namespace ?? ""}|${ref.name}`;
}

/** The name of the hub cluster (KubeVela's `local`), where Applications and their trackers live. */
export const LOCAL_CLUSTER_NAME = "local";

/** The cluster a tracked resource lives in (`local` when it names none). */
export function clusterOf(resource: Pick<TrackedResource, "cluster">): string {
  return resource.cluster ?? LOCAL_CLUSTER_NAME;
}

/** Identity of a tracked resource across clusters: the same object name in two clusters is two resources. */
export function trackedKey(resource: TrackedResource): string {
  return `${clusterOf(resource)}#${refKey(trackedRef(resource))}`;
}

/** A resource to delete: its ref and the cluster it lives in. */
export interface ClusterRef {
  readonly cluster: string;
  readonly ref: ObjectRef;
}

/** A resource garbage collection may delete: where it lives, and its tracker entry (for the policy's rules). */
export interface CollectedResource extends ClusterRef {
  readonly resource: TrackedResource;
}

/**
 * What garbage collection deletes: resources some older tracker holds that the current applied set
 * does not (compared per cluster). Order: reverse of how they were applied (traits' outputs before workloads).
 */
export function resourcesToCollect(
  olderTrackers: readonly KubeObject[],
  current: readonly TrackedResource[],
): CollectedResource[] {
  const keep = new Set(current.map(trackedKey));
  const seen = new Set<string>();
  const out: CollectedResource[] = [];
  for (const tracker of olderTrackers) {
    for (const resource of trackedResources(tracker)) {
      const key = trackedKey(resource);
      if (keep.has(key) || seen.has(key) || isReleasedOnDelete(resource)) continue;
      seen.add(key);
      out.push({ cluster: clusterOf(resource), ref: trackedRef(resource), resource });
    }
  }
  return out.reverse();
}
