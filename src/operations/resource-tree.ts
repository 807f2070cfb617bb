import type { Cluster } from "../cluster/cluster.js";
import { apiVersionOf, RESOURCE_TYPES } from "../cluster/resources.js";
import {
  trackedKey,
  RESOURCE_TRACKER_API_VERSION,
  RESOURCE_TRACKER_KIND,
  trackedRef,
  trackedResources,
  type AdoptionMode,
  type TrackedResource,
} from "../cluster/tracker.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE, LABEL_APP_REVISION } from "../model/labels.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../util/index.js";

/**
 * The resource topology of an Application (`vela-ts status --tree`, and what `delete` reports as
 * removed by the cluster): the objects its ResourceTrackers hold, each with the objects that name it
 * in their `ownerReferences` (a Deployment's ReplicaSets and their Pods, a HelmRelease's rendered
 * objects, a Rollout's canary workload), with a one-line status each.
 */

/** One object of the tree and what it owns. */
export interface ResourceTreeNode {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** A short status: `ready 5/5`, `Running, ready`, `Ready`, `Progressing step 1/2 StepPaused`. */
  readonly status: string;
  /** The tracker records it but the cluster no longer has it. */
  readonly missing: boolean;
  /** How the app adopted it (`ref-objects`), when it did not create it. */
  readonly adoption?: AdoptionMode;
  readonly children: readonly ResourceTreeNode[];
}

/** The tracked objects of one component. */
export interface ComponentResources {
  /** Component name; empty for objects recorded without one. */
  readonly component: string;
  readonly resources: readonly ResourceTreeNode[];
}

/** Owned objects by the uid of their owner. */
export type OwnerIndex = ReadonlyMap<string, readonly KubeObject[]>;

/** Kinds never shown as children (bookkeeping, not resources an app owns). */
const SKIPPED_KINDS = new Set(["Event", "Endpoints", "Lease", "EndpointSlice"]);

/** The namespaced kinds a child may have: every known kind except vela-ts's own bookkeeping. */
function childKinds(): readonly { readonly apiVersion: string; readonly kind: string }[] {
  return RESOURCE_TYPES.filter(
    (type) => type.namespaced && type.group !== "core.oam.dev" && !SKIPPED_KINDS.has(type.kind),
  ).map((type) => ({ apiVersion: apiVersionOf(type), kind: type.kind }));
}

/** Indexes every object of the given namespaces by the uids in its `ownerReferences`. */
export async function buildOwnerIndex(cluster: Cluster, namespaces: Iterable<string>): Promise<OwnerIndex> {
  const index = new Map<string, KubeObject[]>();
  const kinds = childKinds();
  for (const namespace of new Set(namespaces)) {
    for (const { apiVersion, kind } of kinds) {
      for (const object of await cluster.list(apiVersion, kind, { namespace })) {
        for (const owner of object.metadata.ownerReferences ?? []) {
          const owned = index.get(owner.uid) ?? [];
          owned.push(object);
          index.set(owner.uid, owned);
        }
      }
    }
  }
  return index;
}

/** Every ResourceTracker of an app (its revisions' applied sets), newest revision first. */
export async function listAppResourceTrackers(
  cluster: Cluster,
  appName: string,
  namespace: string,
): Promise<KubeObject[]> {
  const trackers = await cluster.list(RESOURCE_TRACKER_API_VERSION, RESOURCE_TRACKER_KIND, {
    labelSelector: `${LABEL_APP_NAME}=${appName}`,
  });
  const revisionNumber = (tracker: KubeObject): number =>
    Number(/-v(\d+)$/.exec(tracker.metadata.labels?.[LABEL_APP_REVISION] ?? "")?.[1] ?? 0);
  return trackers
    .filter((tracker) => (tracker.metadata.labels?.[LABEL_APP_NAMESPACE] ?? namespace) === namespace)
    .sort(
      (a, b) => revisionNumber(b) - revisionNumber(a) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
    );
}

/** The distinct resources a set of trackers holds, in tracker order (first tracker wins). */
export function distinctTrackedResources(trackers: readonly KubeObject[]): TrackedResource[] {
  const seen = new Set<string>();
  const out: TrackedResource[] = [];
  for (const tracker of trackers) {
    for (const resource of trackedResources(tracker)) {
      const key = trackedKey(resource);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(resource);
    }
  }
  return out;
}

function field(object: JsonValue | KubeObject | undefined, ...path: readonly string[]): JsonValue | undefined {
  let current: unknown = object;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current as JsonValue | undefined;
}

function numberAt(object: KubeObject, ...path: readonly string[]): number | undefined {
  const value = field(object, ...path);
  return typeof value === "number" ? value : undefined;
}

function condition(object: KubeObject, type: string): JsonObject | undefined {
  const conditions = field(object, "status", "conditions");
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((entry): entry is JsonObject => isJsonObject(entry) && entry.type === type);
}

/** Whether a Pod is Ready (its `Ready` condition is True). */
export function isPodReady(pod: KubeObject): boolean {
  return condition(pod, "Ready")?.status === "True";
}

function readyCondition(object: KubeObject): string | undefined {
  const ready = condition(object, "Ready");
  if (ready === undefined) return undefined;
  if (ready.status === "True") return "Ready";
  const message = typeof ready.message === "string" && ready.message !== "" ? `: ${ready.message}` : "";
  return `not ready${message}`;
}

/** A one-line status of any object, by kind (what `status --tree` prints beside it). */
export function describeObjectStatus(object: KubeObject): string {
  if (object.metadata.deletionTimestamp !== undefined) return "Terminating";
  switch (object.kind) {
    case "Deployment":
    case "StatefulSet":
    case "CloneSet":
    case "ReplicaSet": {
      const desired = numberAt(object, "spec", "replicas") ?? 1;
      const paused = field(object, "spec", "paused") === true ? ", paused" : "";
      return `ready ${numberAt(object, "status", "readyReplicas") ?? 0}/${desired}${paused}`;
    }
    case "Pod": {
      const phase = field(object, "status", "phase");
      return `${typeof phase === "string" ? phase : "Pending"}, ${isPodReady(object) ? "ready" : "not ready"}`;
    }
    case "Rollout": {
      const phase = field(object, "status", "phase");
      const step = numberAt(object, "status", "canaryStatus", "currentStepIndex");
      const steps = field(object, "spec", "strategy", "canary", "steps");
      const state = field(object, "status", "canaryStatus", "currentStepState");
      const stepText =
        step === undefined || step === 0
          ? ""
          : ` step ${step}/${Array.isArray(steps) ? steps.length : "?"}${typeof state === "string" ? ` ${state}` : ""}`;
      return `${typeof phase === "string" ? phase : "Initial"}${stepText}`;
    }
    case "Service": {
      const type = field(object, "spec", "type");
      return typeof type === "string" ? type : "ClusterIP";
    }
    case "Ingress": {
      const rules = field(object, "spec", "rules");
      const hosts = Array.isArray(rules)
        ? rules.map((rule) => field(rule, "host")).filter((host): host is string => typeof host === "string")
        : [];
      const annotations = object.metadata.annotations ?? {};
      const weight =
        annotations["nginx.ingress.kubernetes.io/canary"] === "true"
          ? annotations["nginx.ingress.kubernetes.io/canary-weight"]
          : undefined;
      return `${hosts.length > 0 ? hosts.join(",") : "*"}${weight === undefined ? "" : `, canary weight ${weight}%`}`;
    }
    default: {
      const ready = readyCondition(object);
      if (ready !== undefined) return ready;
      const phase = field(object, "status", "phase");
      return typeof phase === "string" ? phase : "";
    }
  }
}

function nodeOf(object: KubeObject, owners: OwnerIndex, seen: Set<string>): ResourceTreeNode {
  const uid = object.metadata.uid;
  if (uid !== undefined) seen.add(uid);
  const children = (uid === undefined ? [] : (owners.get(uid) ?? []))
    .filter((child) => child.metadata.uid === undefined || !seen.has(child.metadata.uid))
    .sort((a, b) => a.kind.localeCompare(b.kind) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))
    .map((child) => nodeOf(child, owners, seen));
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    status: describeObjectStatus(object),
    missing: false,
    children,
  };
}

function missingNode(ref: ObjectRef): ResourceTreeNode {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    status: "not found",
    missing: true,
    children: [],
  };
}

/** The tree below one live object (itself included). */
export function treeOf(object: KubeObject, owners: OwnerIndex): ResourceTreeNode {
  return nodeOf(object, owners, new Set());
}

/** Every object of a tree, depth first (the root first). */
export function flattenTree(node: ResourceTreeNode): ResourceTreeNode[] {
  return [node, ...node.children.flatMap(flattenTree)];
}

/**
 * The app's resource topology: its trackers' objects grouped by component, each with what it
 * owns. Objects several trackers hold appear once.
 */
export async function buildResourceTree(
  cluster: Cluster,
  appName: string,
  namespace: string,
): Promise<ComponentResources[]> {
  const resources = distinctTrackedResources(await listAppResourceTrackers(cluster, appName, namespace));
  const owners = await buildOwnerIndex(cluster, [
    namespace,
    ...resources.flatMap((resource) => (resource.namespace === undefined ? [] : [resource.namespace])),
  ]);
  const byComponent = new Map<string, ResourceTreeNode[]>();
  const seen = new Set<string>();
  for (const resource of resources) {
    const ref = trackedRef(resource);
    const live = await cluster.get(ref);
    const found = live === undefined ? missingNode(ref) : nodeOf(live, owners, seen);
    const node = resource.adoption === undefined ? found : { ...found, adoption: resource.adoption };
    const component = resource.component ?? "";
    byComponent.set(component, [...(byComponent.get(component) ?? []), node]);
  }
  return [...byComponent.entries()].map(([component, nodes]) => ({ component, resources: nodes }));
}
