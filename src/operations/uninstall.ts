/**
 * `vela-ts uninstall`: the inverse of `vela-ts install` — deletes the CustomResourceDefinitions vela-ts
 * applied. Deleting a CRD deletes every object of its kind, so it refuses while Applications exist
 * (delete them first with `vela-ts delete`, which also removes what they created), and it leaves alone
 * CRDs that another field manager shares (such as a KubeVela install's), unless forced.
 */
import type { KubeClusterOptions } from "../cluster/kube/index.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { APPLICATION_API_VERSION, APPLICATION_KIND } from "../reconciler/application-object.js";
import { velaCustomResourceDefinitions } from "./install.js";
import { openKubeTarget } from "../target/kube-target.js";

const FIELD_MANAGER = "vela-ts";

/** Options of {@link uninstall}. */
export interface UninstallOptions {
  /** `--kubeconfig` */
  readonly kubeconfig?: string;
  /** `--context` */
  readonly context?: string;
  /** `KUBECONFIG`, `HOME`, in-cluster variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Say what would be deleted; delete nothing. @default false */
  readonly dryRun?: boolean;
  /**
   * Delete even though Applications exist (they go with their CRD; what they created stays) and
   * CRDs other field managers share. @default false
   */
  readonly force?: boolean;
  readonly kubeClient?: KubeClusterOptions;
}

/** What happened to one CRD, in kubectl's words. */
export interface UninstalledCrd {
  readonly name: string;
  readonly outcome: "deleted" | "not found" | "kept";
  /** Why a CRD was kept: the other field managers. */
  readonly reason?: string;
}

/** What {@link uninstall} did. */
export interface UninstallResult {
  readonly crds: readonly UninstalledCrd[];
  /** `cluster <context> at <server>`. */
  readonly target: string;
  /** Applications that were still there (only with `force`). */
  readonly applications: readonly string[];
}

/** Field managers of a CRD other than vela-ts (server bookkeeping entries left out). */
function otherManagers(crd: KubeObject): string[] {
  const managers = (crd.metadata.managedFields ?? []).map((entry) => entry.manager ?? "");
  return [...new Set(managers.filter((manager) => manager !== "" && manager !== FIELD_MANAGER))];
}

/**
 * Deletes the vela-ts CRDs from the real cluster the kubeconfig names, Application first. Throws
 * `E_UNINSTALL_IN_USE` (exit 1) while Applications exist, unless `force`. Safe to run again: CRDs
 * already gone are reported `not found`.
 */
export async function uninstall(options: UninstallOptions): Promise<UninstallResult> {
  const cluster = await openKubeTarget({
    env: options.env,
    ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
    ...(options.context === undefined ? {} : { context: options.context }),
    ...(options.kubeClient === undefined ? {} : { cluster: options.kubeClient }),
  });
  try {
    let applications: string[] = [];
    try {
      applications = (await cluster.list(APPLICATION_API_VERSION, APPLICATION_KIND)).map(
        (app) => `${app.metadata.namespace ?? "default"}/${app.metadata.name ?? ""}`,
      );
    } catch (error) {
      if (!(error instanceof VelaError && error.code === "E_KIND_NOT_INSTALLED")) throw error;
    }
    if (applications.length > 0 && options.force !== true) {
      const shown = applications.slice(0, 10).join(", ") + (applications.length > 10 ? ", …" : "");
      throw new VelaError(
        "E_UNINSTALL_IN_USE",
        `${applications.length} application(s) still exist: ${shown}; uninstalling would delete them but not what they created`,
        {
          hint: "delete them first with: vela-ts delete APP -n NAMESPACE (or pass --force to delete them with the CRDs)",
        },
      );
    }
    const crds: UninstalledCrd[] = [];
    for (const crd of velaCustomResourceDefinitions()) {
      const name = crd.metadata.name ?? "";
      const ref = { apiVersion: crd.apiVersion, kind: crd.kind, name };
      const live = await cluster.get(ref);
      if (live === undefined) {
        crds.push({ name, outcome: "not found" });
        continue;
      }
      const others = otherManagers(live);
      if (others.length > 0 && options.force !== true) {
        crds.push({ name, outcome: "kept", reason: `also managed by ${others.join(", ")}` });
        continue;
      }
      if (options.dryRun !== true) await cluster.delete(ref);
      crds.push({ name, outcome: "deleted" });
    }
    return { crds, target: `cluster ${cluster.contextName} at ${cluster.server}`, applications };
  } finally {
    cluster.close();
  }
}
