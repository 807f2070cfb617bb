import { LOCAL_CLUSTER, type KnownCluster } from "../appfile/index.js";
import type { Cluster } from "../cluster/cluster.js";
import { LOCAL_CLUSTER_NAME } from "../cluster/tracker.js";
import { VelaError } from "../errors/index.js";

/**
 * How the reconciler reaches the clusters a deploy places components on (KubeVela's cluster
 * gateway): the hub (`local`, where Applications and their trackers live) and the member clusters
 * joined to it (`vela-ts cluster join`).
 */
export interface ClusterGateway {
  /** Every cluster a topology may select, the hub first, with its labels. */
  known(): Promise<KnownCluster[]>;
  /**
   * The cluster called `name`. Throws a VelaError naming it: `E_CLUSTER_UNKNOWN` when it is not
   * joined (any more), `E_CLUSTER_UNREACHABLE` when it cannot be reached.
   */
  open(name: string): Promise<Cluster>;
}

/** A gateway to the hub alone (no member cluster joined, or a command that never deploys to one). */
export function hubOnlyGateway(hub: Cluster): ClusterGateway {
  return {
    known: () => Promise.resolve([LOCAL_CLUSTER]),
    open: (name) => {
      if (name === LOCAL_CLUSTER_NAME) return Promise.resolve(hub);
      return Promise.reject(
        new VelaError("E_CLUSTER_UNKNOWN", `cluster "${name}" is not joined to this hub`, {
          hint: "join it with vela-ts cluster join NAME (--member-kubeconfig FILE for a real cluster; see vela-ts cluster list)",
        }),
      );
    },
  };
}
