import { dirname, resolve } from "node:path";
import type { Cluster } from "../cluster/cluster.js";
import {
  checkClusterName,
  credentialTypeOf,
  deleteClusterEntry,
  getClusterEntry,
  listClusterEntries,
  readClusterRegistry,
  type UnreadableCluster,
  saveClusterEntry,
  type ClusterEndpoint,
  type ClusterEntry,
} from "../cluster/cluster-registry.js";
import { RESOURCE_TRACKER_API_VERSION, RESOURCE_TRACKER_KIND, trackedResources } from "../cluster/tracker.js";
import { UsageError, VelaError } from "../errors/index.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE } from "../model/labels.js";
import { openCommandSandbox } from "../target/addon-objects.js";
import { readKubeconfigCredentials } from "../target/kube-target.js";
import { resolveSandboxDir, withTarget, type TargetOptions } from "../target/target.js";

/** A cluster as `cluster list` shows it: the hub (`local`) first, then the joined members. */
export interface ClusterView {
  readonly name: string;
  /** The credential type (`X509Certificate`, `ServiceAccountToken`), `Sandbox`, or `Hub` for `local`. */
  readonly type: string;
  /** Where it is: the member sandbox's directory, the member's API server, or the hub's own target. */
  readonly endpoint: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Options of {@link joinCluster}. */
export interface JoinClusterOptions extends TargetOptions {
  readonly name: string;
  /** A sandbox directory to join (created when missing). @default `<hub sandbox>.members/<name>` */
  readonly memberSandbox?: string;
  /** A kubeconfig file whose context (`memberContext`, else its current one) is the member: its credentials are stored. */
  readonly memberKubeconfig?: string;
  readonly memberContext?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Where a member is, never its credentials: the sandbox directory, or the API server's URL. */
function describeEndpoint(endpoint: ClusterEndpoint): string {
  return endpoint.kind === "sandbox" ? endpoint.dir : endpoint.credentials.server;
}

function viewOf(entry: ClusterEntry): ClusterView {
  return {
    name: entry.name,
    type: credentialTypeOf(entry.endpoint),
    endpoint: describeEndpoint(entry.endpoint),
    labels: entry.labels,
  };
}

function staleViewOf(cluster: UnreadableCluster): ClusterView {
  return {
    name: cluster.name,
    type: cluster.type,
    endpoint: "(cannot connect: join it again with --member-kubeconfig)",
    labels: {},
  };
}

/** Parses `key=value` label arguments (`cluster labels add`, `join --labels`). */
export function parseClusterLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs.flatMap((item) => item.split(","))) {
    const at = pair.indexOf("=");
    const key = at < 0 ? "" : pair.slice(0, at).trim();
    if (at < 0 || key === "")
      throw new UsageError(`label "${pair}" is not key=value`, { hint: "e.g. region=eu,env=prod" });
    labels[key] = pair.slice(at + 1).trim();
  }
  return labels;
}

/** `vela-ts cluster list`: the hub and every joined member with its labels. */
export async function listClusters(options: TargetOptions): Promise<{ target: string; clusters: ClusterView[] }> {
  return withTarget(options, async (target) => {
    const { entries, unreadable } = await readClusterRegistry(target.cluster);
    // A record vela-ts cannot connect with is listed, so it does not vanish without a word.
    const stale = unreadable.map(staleViewOf);
    return {
      target: target.description,
      clusters: [
        { name: "local", type: "Hub", endpoint: target.description, labels: {} },
        ...[...entries.map(viewOf), ...stale].sort((a, b) => a.name.localeCompare(b.name)),
      ],
    };
  });
}

/**
 * `vela-ts cluster join NAME`: records a member cluster on the hub (a Secret in `vela-system`, as
 * KubeVela's cluster gateway does). On the sandbox, a member is another sandbox directory (created
 * when missing, with its own objects and controllers); `--member-kubeconfig` joins a real cluster.
 */
export async function joinCluster(options: JoinClusterOptions): Promise<ClusterView> {
  checkClusterName(options.name);
  if (options.memberContext !== undefined && options.memberKubeconfig === undefined)
    throw new UsageError("--member-context needs --member-kubeconfig", {
      hint: "give the kubeconfig file the context is in: --member-kubeconfig FILE --member-context NAME",
    });
  if (options.memberSandbox !== undefined && options.memberKubeconfig !== undefined)
    throw new UsageError("--member-sandbox and --member-kubeconfig cannot be combined", {
      hint: "a member cluster is either a sandbox directory or a kubeconfig context",
    });
  // The kubeconfig is read (and refused) before the hub is opened: nothing is written for a bad one.
  const credentials =
    options.memberKubeconfig === undefined
      ? undefined
      : await readKubeconfigCredentials(resolve(options.cwd, options.memberKubeconfig), options.memberContext);
  return withTarget(options, async (target) => {
    const existing = (await listClusterEntries(target.cluster)).find((entry) => entry.name === options.name);
    if (existing !== undefined)
      throw new VelaError("E_CLUSTER_JOIN", `cluster "${options.name}" is already joined`, {
        hint: `detach it first (vela-ts cluster detach ${options.name}), or join under another name`,
      });
    let endpoint: ClusterEndpoint;
    if (credentials !== undefined) endpoint = { kind: "remote", credentials };
    else {
      const hubDir = resolveSandboxDir(options);
      const dir =
        options.memberSandbox === undefined
          ? resolve(dirname(hubDir), `${hubDir.slice(dirname(hubDir).length + 1)}.members`, options.name)
          : resolve(options.cwd, options.memberSandbox);
      if (target.sandbox !== undefined && dir === hubDir)
        throw new VelaError("E_CLUSTER_JOIN", `${dir} is the hub's own sandbox`, {
          hint: "a member cluster is another sandbox directory",
        });
      // Opened once so the member exists (its addons' definitions installed) before it is recorded.
      const member = await openCommandSandbox({ dir, clock: options.clock, command: options.command });
      member.close();
      endpoint = { kind: "sandbox", dir };
    }
    const entry: ClusterEntry = { name: options.name, labels: { ...options.labels }, endpoint };
    await saveClusterEntry(target.cluster, entry);
    return viewOf(entry);
  });
}

/** The applications whose trackers record objects in `cluster` (`namespace/name`). */
async function appsUsing(hub: Cluster, cluster: string): Promise<string[]> {
  const trackers = await hub.list(RESOURCE_TRACKER_API_VERSION, RESOURCE_TRACKER_KIND);
  const apps = new Set<string>();
  for (const tracker of trackers)
    if (trackedResources(tracker).some((resource) => resource.cluster === cluster)) {
      const labels = tracker.metadata.labels ?? {};
      apps.add(`${labels[LABEL_APP_NAMESPACE] ?? "default"}/${labels[LABEL_APP_NAME] ?? tracker.metadata.name ?? ""}`);
    }
  return [...apps].sort();
}

/**
 * `vela-ts cluster detach NAME`: forgets a member cluster. Refused while an application still has
 * objects there (delete it, or move its topology elsewhere and let GC clean up, first); the member
 * sandbox's directory is left as it is.
 */
export async function detachCluster(options: TargetOptions & { readonly name: string }): Promise<ClusterView> {
  checkClusterName(options.name);
  return withTarget(options, async (target) => {
    // A record vela-ts cannot connect with may still be detached (it is only its Secret).
    const stale = (await readClusterRegistry(target.cluster)).unreadable.find(
      (cluster) => cluster.name === options.name,
    );
    const view = stale === undefined ? viewOf(await getClusterEntry(target.cluster, options.name)) : staleViewOf(stale);
    const users = await appsUsing(target.cluster, options.name);
    if (users.length > 0)
      throw new VelaError(
        "E_CLUSTER_JOIN",
        `cluster "${options.name}" is still used by ${users.length > 1 ? "applications" : "application"} ${users.join(", ")}`,
        { hint: "delete those applications, or deploy them elsewhere, before detaching the cluster" },
      );
    await deleteClusterEntry(target.cluster, options.name);
    return view;
  });
}

/** `vela-ts cluster labels add|del NAME ...`: changes a member's labels (what `clusterLabelSelector` matches). */
export async function editClusterLabels(
  options: TargetOptions & {
    readonly name: string;
    readonly add?: Readonly<Record<string, string>>;
    readonly remove?: readonly string[];
  },
): Promise<ClusterView> {
  checkClusterName(options.name);
  return withTarget(options, async (target) => {
    const entry = await getClusterEntry(target.cluster, options.name);
    const labels: Record<string, string> = { ...entry.labels, ...options.add };
    for (const key of options.remove ?? []) {
      if (!(key in labels))
        throw new VelaError("E_CLUSTER_JOIN", `cluster "${options.name}" has no label "${key}"`, {
          hint: `its labels: ${Object.keys(entry.labels).join(", ") || "none"}`,
        });
      delete labels[key];
    }
    const updated: ClusterEntry = { ...entry, labels };
    await saveClusterEntry(target.cluster, updated);
    return viewOf(updated);
  });
}
