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
export interface TrackedResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly component?: string;
  readonly trait?: string;
  /** The manifest as applied (for rollback's re-apply). */
  readonly raw?: JsonObject;
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

/**
 * What garbage collection deletes: resources some older tracker holds that the current applied set
 * does not. Order: reverse of how they were applied (traits' outputs before workloads).
 */
export function resourcesToCollect(
  olderTrackers: readonly KubeObject[],
  current: readonly TrackedResource[],
): ObjectRef[] {
  const keep = new Set(current.map((resource) => refKey(trackedRef(resource))));
  const seen = new Set<string>();
  const out: ObjectRef[] = [];
  for (const tracker of olderTrackers) {
    for (const resource of trackedResources(tracker)) {
      const ref = trackedRef(resource);
      const key = refKey(ref);
      if (keep.has(key) || seen.has(key)) continue;
      seen.add(key);
      out.push(ref);
    }
  }
  return out.reverse();
}
