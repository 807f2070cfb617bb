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

import { KubeCluster, type KubeClusterOptions } from "./kube-cluster.js";
import { loadKubeConfig, type KubeTarget } from "./kubeconfig.js";

/** Loads the kubeconfig a target names and returns a {@link KubeCluster} for its context. */
export function openKubeCluster(target: KubeTarget, options: KubeClusterOptions = {}): KubeCluster {
  return new KubeCluster(loadKubeConfig(target), options);
}
