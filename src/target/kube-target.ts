import type { KubeCluster, KubeClusterOptions, KubeTarget, MemberCredentials } from "../cluster/kube/index.js";

/** The flags and environment that choose a real cluster, as the CLI has them. */
export interface KubeTargetOptions {
  /** `--kubeconfig FILE` */
  readonly kubeconfig?: string;
  /** `--context NAME` */
  readonly context?: string;
  /** The process environment (the CLI passes `ctx.env`): `KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_HOST`/`_PORT`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cluster?: KubeClusterOptions;
}

/** True when the flags or environment ask for a real cluster rather than the sandbox. */
export function wantsKubeTarget(options: Pick<KubeTargetOptions, "kubeconfig" | "context">): boolean {
  return (
    (options.kubeconfig !== undefined && options.kubeconfig !== "") ||
    (options.context !== undefined && options.context !== "")
  );
}

/**
 * Opens the real cluster that `--kubeconfig`, `KUBECONFIG` (several files merged), `~/.kube/config`
 * or the in-cluster service account names, at `--context` or the current context, as kubectl would.
 * Throws `E_KUBECONFIG` (exit 1) when none is usable; network problems surface on first use as
 * `E_CLUSTER_UNREACHABLE` (exit 4).
 *
 * The Kubernetes client is imported here, on first use: it is most of what a sandbox command would
 * otherwise load at start-up.
 */
export async function openKubeTarget(options: KubeTargetOptions): Promise<KubeCluster> {
  const { openKubeCluster } = await import("../cluster/kube/index.js");
  return openKubeCluster(kubeTargetOf(options), options.cluster ?? {});
}

/** Opens a member cluster from the credentials its cluster Secret stores (the client loaded on first use). */
export async function openMemberKubeCluster(clusterName: string, credentials: MemberCredentials): Promise<KubeCluster> {
  const { openMemberCluster } = await import("../cluster/kube/index.js");
  return openMemberCluster(clusterName, credentials);
}

/**
 * What `cluster join --member-kubeconfig FILE [--member-context C]` stores: the context's server,
 * CA and certificate or token, files embedded; refuses plugins and passwords (`E_CLUSTER_JOIN`).
 */
export async function readKubeconfigCredentials(kubeconfig: string, context?: string): Promise<MemberCredentials> {
  const { readMemberCredentials } = await import("../cluster/kube/index.js");
  return readMemberCredentials(kubeconfig, context);
}

/** The kubeconfig sources the flags and environment name, in the adapter's terms. */
export function kubeTargetOf(options: KubeTargetOptions): KubeTarget {
  const env = options.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  return {
    ...(options.kubeconfig === undefined ? {} : { kubeconfigPath: options.kubeconfig }),
    ...(env.KUBECONFIG === undefined ? {} : { kubeconfigEnv: env.KUBECONFIG }),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(env.HOME === undefined ? {} : { homeDir: env.HOME }),
    ...(host !== undefined && host !== "" && port !== undefined && port !== "" ? { inCluster: { host, port } } : {}),
  };
}
