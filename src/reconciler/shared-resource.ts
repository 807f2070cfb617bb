import type { AppfilePolicy } from "../appfile/index.js";
import type { Cluster } from "../cluster/cluster.js";
import { refOf, type KubeObject } from "../model/kube-object.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE } from "../model/labels.js";
import { isJsonObject, type JsonObject } from "../util/index.js";
import { selectorMatches, type AppliedObjectOrigin } from "./apply-once.js";

/**
 * The `shared-resource` policy (KubeVela `SharedResourcePolicySpec`, `app.oam.dev/shared-by`): an
 * object its rules select may be rendered by several applications. The first app to apply it creates
 * and owns it (its `app.oam.dev/name` labels); another app whose own policy selects it does not
 * write its content but adds itself to the `app.oam.dev/shared-by` annotation (`ns/app` entries,
 * comma-separated, the owner first). When a sharer is deleted or stops rendering the object, it
 * leaves the list instead of deleting the object; when the owner leaves, the next sharer becomes the
 * owner. The last one to leave deletes it.
 *
 * The annotation is written by merge patch, never by the owner's server-side apply, so the owner's
 * next apply does not take it back.
 */

export const ANNOTATION_SHARED_BY = "app.oam.dev/shared-by";

/** The selectors of the app's `shared-resource` rules (none when it has no such policy). */
export function sharedResourceSelectorsOf(policies: readonly AppfilePolicy[]): JsonObject[] {
  return policies
    .filter((policy) => policy.type === "shared-resource")
    .flatMap((policy) => (Array.isArray(policy.properties.rules) ? policy.properties.rules.filter(isJsonObject) : []))
    .map((rule) => (isJsonObject(rule.selector) ? rule.selector : {}));
}

/** `ns/name`, as the annotation lists an app. */
export function sharerKey(app: { readonly name: string; readonly namespace: string }): string {
  return `${app.namespace}/${app.name}`;
}

/** The app that owns a live object by its labels, as `ns/name`, if any. */
export function ownerOf(live: KubeObject): string | undefined {
  const name = live.metadata.labels?.[LABEL_APP_NAME];
  return name === undefined ? undefined : `${live.metadata.labels?.[LABEL_APP_NAMESPACE] ?? "default"}/${name}`;
}

/** The apps the annotation lists, in order. */
export function sharedByOf(live: KubeObject): string[] {
  const value = live.metadata.annotations?.[ANNOTATION_SHARED_BY] ?? "";
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/** Whether one of the app's shared-resource rules selects the object. */
export function isSharedBy(selectors: readonly JsonObject[], object: KubeObject, origin: AppliedObjectOrigin): boolean {
  return selectors.some((selector) => selectorMatches(selector, object, origin));
}

/**
 * Joins a live object another app owns: `app` is added to `app.oam.dev/shared-by` (after the owner);
 * nothing else is written. Returns whether the annotation changed.
 */
export async function joinShared(cluster: Cluster, live: KubeObject, app: string): Promise<boolean> {
  const owner = ownerOf(live);
  const sharers = sharedByOf(live);
  const wanted = [...new Set([...(owner === undefined ? [] : [owner]), ...sharers, app])];
  if (wanted.join(",") === sharers.join(",")) return false;
  await cluster.patch(refOf(live), {
    type: "merge",
    patch: { metadata: { annotations: { [ANNOTATION_SHARED_BY]: wanted.join(",") } } },
  });
  return true;
}

/**
 * Leaves a shared object: returns `"delete"` when no other app shares it (the caller deletes it),
 * else removes `app` from `app.oam.dev/shared-by` — handing the owner labels to the next sharer when
 * `app` owned it — and returns the apps still sharing it.
 */
export async function leaveShared(cluster: Cluster, live: KubeObject, app: string): Promise<"delete" | string[]> {
  const others = sharedByOf(live).filter((entry) => entry !== app);
  if (others.length === 0) return "delete";
  const [next = ""] = others;
  const slash = next.indexOf("/");
  const handOver =
    ownerOf(live) === app
      ? { labels: { [LABEL_APP_NAME]: next.slice(slash + 1), [LABEL_APP_NAMESPACE]: next.slice(0, slash) } }
      : {};
  await cluster.patch(refOf(live), {
    type: "merge",
    patch: { metadata: { ...handOver, annotations: { [ANNOTATION_SHARED_BY]: others.join(",") } } },
  });
  return others;
}
