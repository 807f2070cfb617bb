import { NotFoundError, UsageError, VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { isJsonObject } from "../util/index.js";
import type { Cluster } from "./cluster.js";
import type { MemberCredentials } from "./kube/member-credentials.js";
import { LOCAL_CLUSTER_NAME } from "./tracker.js";

/**
 * The hub's cluster registry, stored as KubeVela's cluster gateway stores it: one Secret per member
 * cluster in `vela-system`, named after the cluster, labelled
 * `cluster.core.oam.dev/cluster-credential-type`; the cluster's own labels (`vela cluster labels add`)
 * are the Secret's other labels. A real member holds what `vela cluster join` stores: `endpoint`
 * (the API server), `ca.crt` (absent: the server's certificate is not verified, as the gateway reads
 * it) and either `tls.crt`/`tls.key` (`X509Certificate`) or `token` (`ServiceAccountToken`). A
 * simulated member is another sandbox (vela-ts's own type `Sandbox`, `endpoint: sandbox://<dir>`).
 */

export const CLUSTER_SECRET_NAMESPACE = "vela-system";
export const LABEL_CLUSTER_CREDENTIAL_TYPE = "cluster.core.oam.dev/cluster-credential-type";

/** How vela-ts reaches a member cluster. */
export type ClusterEndpoint =
  | { readonly kind: "sandbox"; readonly dir: string }
  | { readonly kind: "remote"; readonly credentials: MemberCredentials };

/** One joined member cluster. */
export interface ClusterEntry {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly endpoint: ClusterEndpoint;
}

const SANDBOX_TYPE = "Sandbox";
const SANDBOX_SCHEME = "sandbox://";
/** Cluster names are Secret names: DNS-1123 subdomains. */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function encode(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

function decode(value: unknown): string | undefined {
  return typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : undefined;
}

function clusterSecretRef(name: string): { apiVersion: string; kind: string; name: string; namespace: string } {
  return { apiVersion: "v1", kind: "Secret", name, namespace: CLUSTER_SECRET_NAMESPACE };
}

/** Checks a cluster name a user typed: a DNS-1123 name, never `local` (the hub). */
export function checkClusterName(name: string): void {
  if (name === LOCAL_CLUSTER_NAME)
    throw new UsageError(`"${LOCAL_CLUSTER_NAME}" is the hub cluster, always known; it cannot be joined or detached`, {
      hint: "choose another name for the member cluster",
    });
  if (!CLUSTER_NAME.test(name) || name.length > 253)
    throw new UsageError(`cluster name "${name}" is not a valid name`, {
      hint: "use lower-case letters, digits and '-' (a DNS-1123 name, e.g. prod-eu)",
    });
}

/** The credential type label of an endpoint: KubeVela's for a real cluster, `Sandbox` for a simulated one. */
export function credentialTypeOf(endpoint: ClusterEndpoint): string {
  return endpoint.kind === "sandbox" ? SANDBOX_TYPE : endpoint.credentials.credential.type;
}

/** The data of a cluster Secret (base64 values, as a Secret's `data`). */
function secretData(endpoint: ClusterEndpoint): Record<string, string> {
  if (endpoint.kind === "sandbox") return { endpoint: encode(`${SANDBOX_SCHEME}${endpoint.dir}`) };
  const { server, caData, credential } = endpoint.credentials;
  // `ca.crt`, `tls.crt` and `tls.key` hold the PEM itself: its base64 is the kubeconfig's `*-data`.
  return {
    endpoint: encode(server),
    ...(caData === undefined ? {} : { "ca.crt": caData }),
    ...(credential.type === "ServiceAccountToken"
      ? { token: encode(credential.token) }
      : { "tls.crt": credential.certData, "tls.key": credential.keyData }),
  };
}

/** The Secret that records a member cluster. */
export function clusterSecret(entry: ClusterEntry): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: entry.name,
      namespace: CLUSTER_SECRET_NAMESPACE,
      labels: { ...entry.labels, [LABEL_CLUSTER_CREDENTIAL_TYPE]: credentialTypeOf(entry.endpoint) },
    },
    type: "Opaque",
    data: secretData(entry.endpoint),
  };
}

function dataString(data: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = data[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function remoteEndpointOf(
  type: string | undefined,
  data: Readonly<Record<string, unknown>>,
): ClusterEndpoint | undefined {
  const server = decode(dataString(data, "endpoint"))?.trim();
  if (server === undefined || server === "") return undefined;
  const caData = dataString(data, "ca.crt");
  const base = { server, ...(caData === undefined ? {} : { caData }) };
  if (type === "ServiceAccountToken") {
    const token = decode(dataString(data, "token"));
    if (token === undefined) return undefined;
    return { kind: "remote", credentials: { ...base, credential: { type, token } } };
  }
  if (type === "X509Certificate") {
    const certData = dataString(data, "tls.crt");
    const keyData = dataString(data, "tls.key");
    if (certData === undefined || keyData === undefined) return undefined;
    return { kind: "remote", credentials: { ...base, credential: { type, certData, keyData } } };
  }
  return undefined;
}

/**
 * The entry a cluster Secret records; undefined for a Secret vela-ts cannot connect with (another
 * credential type, such as KubeVela's `Dynamic` or `ServiceAccountToken` without a token).
 */
export function clusterEntryOf(secret: KubeObject): ClusterEntry | undefined {
  const { [LABEL_CLUSTER_CREDENTIAL_TYPE]: type, ...labels } = secret.metadata.labels ?? {};
  const data = isJsonObject(secret.data) ? secret.data : {};
  const name = secret.metadata.name ?? "";
  if (type === SANDBOX_TYPE) {
    const endpoint = decode(data.endpoint);
    if (endpoint?.startsWith(SANDBOX_SCHEME) !== true) return undefined;
    return { name, labels, endpoint: { kind: "sandbox", dir: endpoint.slice(SANDBOX_SCHEME.length) } };
  }
  const endpoint = remoteEndpointOf(type, data);
  return endpoint === undefined ? undefined : { name, labels, endpoint };
}

/** A cluster Secret vela-ts cannot connect with (e.g. a `Kubeconfig` record of an older vela-ts, or KubeVela's `Dynamic`). */
export interface UnreadableCluster {
  readonly name: string;
  readonly type: string;
}

/** The hub's cluster Secrets: the members vela-ts can reach, and those it cannot, each by name. */
export async function readClusterRegistry(
  hub: Cluster,
): Promise<{ entries: ClusterEntry[]; unreadable: UnreadableCluster[] }> {
  const secrets = await hub.list("v1", "Secret", {
    namespace: CLUSTER_SECRET_NAMESPACE,
    labelSelector: LABEL_CLUSTER_CREDENTIAL_TYPE,
  });
  const entries: ClusterEntry[] = [];
  const unreadable: UnreadableCluster[] = [];
  for (const secret of secrets) {
    const entry = clusterEntryOf(secret);
    if (entry !== undefined) entries.push(entry);
    else
      unreadable.push({
        name: secret.metadata.name ?? "",
        type: secret.metadata.labels?.[LABEL_CLUSTER_CREDENTIAL_TYPE] ?? "",
      });
  }
  const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
  return { entries: entries.sort(byName), unreadable: unreadable.sort(byName) };
}

/** Every member cluster the hub knows, by name. */
export async function listClusterEntries(hub: Cluster): Promise<ClusterEntry[]> {
  return (await readClusterRegistry(hub)).entries;
}

/** Why a recorded cluster cannot be used, and how to record it again. */
export function unreadableClusterError(cluster: UnreadableCluster): VelaError {
  return new VelaError(
    "E_CLUSTER_UNKNOWN",
    `cluster "${cluster.name}" is recorded with credential type ${cluster.type || "(none)"}, which vela-ts cannot connect with`,
    {
      hint:
        `join it again: vela-ts cluster join ${cluster.name} --member-kubeconfig FILE [--member-context NAME] ` +
        "(its server and credentials are stored as X509Certificate or ServiceAccountToken)",
    },
  );
}

/** The member cluster called `name`, or a NotFoundError listing the known ones. */
export async function getClusterEntry(hub: Cluster, name: string): Promise<ClusterEntry> {
  const { entries, unreadable } = await readClusterRegistry(hub);
  const entry = entries.find((candidate) => candidate.name === name);
  const recorded = unreadable.find((candidate) => candidate.name === name);
  if (entry === undefined && recorded !== undefined) throw unreadableClusterError(recorded);
  if (entry === undefined)
    throw new NotFoundError("E_CLUSTER_UNKNOWN", `cluster "${name}" is not joined`, {
      hint: `joined clusters: ${entries.map((known) => known.name).join(", ") || "none"} (see vela-ts cluster list)`,
    });
  return entry;
}

/** Records a member cluster, replacing the record of the same name (its labels as given, none kept). */
export async function saveClusterEntry(hub: Cluster, entry: ClusterEntry): Promise<void> {
  const secret = clusterSecret(entry);
  const existing = await hub.get(clusterSecretRef(entry.name));
  if (existing === undefined) {
    // A real hub refuses a Secret in a namespace that does not exist (KubeVela's installer creates it).
    const namespace = { apiVersion: "v1", kind: "Namespace", name: CLUSTER_SECRET_NAMESPACE };
    if ((await hub.get(namespace)) === undefined)
      await hub.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: CLUSTER_SECRET_NAMESPACE } });
    await hub.create(secret);
  } else
    await hub.update({
      ...secret,
      metadata: { ...existing.metadata, labels: secret.metadata.labels ?? {} },
    });
}

/** Forgets a member cluster; returns false when it was not joined. */
export async function deleteClusterEntry(hub: Cluster, name: string): Promise<boolean> {
  return hub.delete(clusterSecretRef(name));
}
