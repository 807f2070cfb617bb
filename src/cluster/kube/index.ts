export { KubeCluster, type KubeClusterOptions } from "./kube-cluster.js";
export { loadKubeConfig, type KubeTarget, type LoadedKubeConfig } from "./kubeconfig.js";
export { retryOnConflict, type RetryOnConflictOptions } from "./retry.js";
export { notInstalledError, type KindInfo } from "./discovery.js";
export {
  errorFromResponse,
  unreachableError,
  pointerOfField,
  type RequestSubject,
  type ClusterIdentity,
} from "./errors.js";
export type { TransportOptions } from "./transport.js";
export { memberKubeConfig, readMemberCredentials, type MemberCredentials } from "./member-credentials.js";

import { KubeCluster, type KubeClusterOptions } from "./kube-cluster.js";
import { loadKubeConfig, type KubeTarget } from "./kubeconfig.js";
import { memberKubeConfig, type MemberCredentials } from "./member-credentials.js";

/** Loads the kubeconfig a target names and returns a {@link KubeCluster} for its context. */
export function openKubeCluster(target: KubeTarget, options: KubeClusterOptions = {}): KubeCluster {
  return new KubeCluster(loadKubeConfig(target), options);
}

/** A {@link KubeCluster} for a member cluster from the credentials its cluster Secret stores. */
export function openMemberCluster(
  clusterName: string,
  credentials: MemberCredentials,
  options: KubeClusterOptions = {},
): KubeCluster {
  return new KubeCluster(memberKubeConfig(clusterName, credentials), options);
}
