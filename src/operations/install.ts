/**
 * `vela-ts install`: the CustomResourceDefinitions vela-ts stores its state in on a real cluster,
 * compatible with KubeVela's (same group, kinds, plurals, short names and scope), so `kubectl get app`
 * and KubeVela's tooling read them. Schemas keep `spec`/`status` open
 * (`x-kubernetes-preserve-unknown-fields`): vela-ts validates Applications and definitions itself,
 * with better messages than the API server could give.
 */
import type { KubeObject } from "../model/kube-object.js";
import { velaCustomResourceDefinitions } from "../model/vela-crds.js";
import { openKubeTarget } from "../target/kube-target.js";
import type { KubeClusterOptions } from "../cluster/kube/index.js";

export { velaCustomResourceDefinitions };

const FIELD_MANAGER = "vela-ts";

/** Options of {@link install}. */
export interface InstallOptions {
  /** `--kubeconfig` */
  readonly kubeconfig?: string;
  /** `--context` */
  readonly context?: string;
  /** `KUBECONFIG`, `HOME`, in-cluster variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Only return the CRDs; touch no cluster. @default false */
  readonly dryRun?: boolean;
  /** Take over fields another field manager owns (e.g. CRDs a KubeVela install left). @default false */
  readonly forceConflicts?: boolean;
  readonly kubeClient?: KubeClusterOptions;
}

/** What one CRD apply did, in kubectl's words. */
export interface InstalledCrd {
  readonly name: string;
  readonly outcome: "created" | "configured" | "unchanged";
}

/** What {@link install} did. */
export interface InstallResult {
  readonly crds: readonly KubeObject[];
  /** Empty on a dry run. */
  readonly applied: readonly InstalledCrd[];
  /** `cluster <context> at <server>`, absent on a dry run. */
  readonly target?: string;
}

/**
 * `vela-ts install`: server-side applies the vela-ts CRDs to the real cluster the kubeconfig names
 * (field manager `vela-ts`). Safe to run again: unchanged CRDs are reported as such.
 */
export async function install(options: InstallOptions): Promise<InstallResult> {
  const crds = velaCustomResourceDefinitions();
  if (options.dryRun === true) return { crds, applied: [] };
  const cluster = await openKubeTarget({
    env: options.env,
    ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.kubeClient === undefined ? {} : { cluster: options.kubeClient }),
  });
  try {
    const applied: InstalledCrd[] = [];
    for (const crd of crds) {
      const name = crd.metadata.name ?? "";
      const before = await cluster.get({ apiVersion: crd.apiVersion, kind: crd.kind, name });
      const after = await cluster.apply(crd, {
        fieldManager: FIELD_MANAGER,
        ...(options.forceConflicts === true ? { force: true } : {}),
      });
      const outcome =
        before === undefined
          ? "created"
          : before.metadata.resourceVersion === after.metadata.resourceVersion
            ? "unchanged"
            : "configured";
      applied.push({ name, outcome });
    }
    return { crds, applied, target: `cluster ${cluster.contextName} at ${cluster.server}` };
  } finally {
    cluster.close();
  }
}
