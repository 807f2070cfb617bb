import { ClusterError } from "../../errors/index.js";
import { groupOf } from "../../model/kube-object.js";
import type { KubeTransport } from "./transport.js";

/** How a kind is reached over REST. */
export interface KindInfo {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** `deployments.apps`, `pods`: for messages. */
  readonly resource: string;
}

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

interface ApiResourceList {
  readonly resources?: readonly ApiResource[];
}

interface ApiGroupList {
  readonly groups?: readonly { readonly name: string; readonly versions?: readonly { readonly version: string }[] }[];
}

/** Addons that install an API group's CRDs (for the "not installed" hint). */
const GROUP_ADDONS: Readonly<Record<string, string>> = {
  "rollouts.kruise.io": "kruise-rollout",
  "argoproj.io": "argo-rollouts",
  "helm.toolkit.fluxcd.io": "fluxcd",
  "source.toolkit.fluxcd.io": "fluxcd",
  "networking.istio.io": "istio",
};

/** The message and hint when a group (or a version of it) is not served. */
export function notInstalledError(
  group: string,
  version: string,
  kind: string,
  servedVersions: readonly string[],
): ClusterError {
  if (servedVersions.length > 0) {
    return new ClusterError(
      "E_KIND_NOT_INSTALLED",
      `${group}/${version} is not served by this cluster (it serves ${servedVersions.map((served) => `${group}/${served}`).join(", ")})`,
      {
        hint: `upgrade the CRDs of ${group} or use a served version for ${kind}`,
      },
    );
  }
  const addon = GROUP_ADDONS[group];
  if (addon !== undefined) {
    return new ClusterError(
      "E_KIND_NOT_INSTALLED",
      `${group} is not installed in this cluster; enable the ${addon} addon`,
      { hint: `run: vela-ts addon enable ${addon}` },
    );
  }
  if (group === "core.oam.dev" || group === "standard.oam.dev") {
    return new ClusterError(
      "E_KIND_NOT_INSTALLED",
      `${group} is not installed in this cluster; install the vela-ts CRDs`,
      { hint: "run: vela-ts install" },
    );
  }
  return new ClusterError(
    "E_KIND_NOT_INSTALLED",
    `${kind} (${group === "" ? version : `${group}/${version}`}) is not installed in this cluster`,
    { hint: `install the CRD that defines ${kind}` },
  );
}

/**
 * Kind → resource mapping from the cluster's discovery documents (`/api/v1`, `/apis/<group>/<version>`),
 * fetched once per group/version and cached for the life of the cluster client, as kubectl's
 * discovery cache is. A group or kind the cluster does not serve becomes `E_KIND_NOT_INSTALLED`
 * naming the addon that installs it.
 */
export class KindDiscovery {
  private readonly lists = new Map<string, Promise<ApiResourceList | undefined>>();
  private groups: Promise<ApiGroupList> | undefined;

  constructor(private readonly transport: KubeTransport) {}

  async resolve(apiVersion: string, kind: string): Promise<KindInfo> {
    const group = groupOf(apiVersion);
    const version = group === "" ? apiVersion : apiVersion.slice(group.length + 1);
    const list = await this.resourceList(group, version);
    if (list === undefined) {
      const groups = await this.groupList();
      const served =
        group === ""
          ? []
          : (groups.groups?.find((entry) => entry.name === group)?.versions ?? []).map((entry) => entry.version);
      throw notInstalledError(group, version, kind, served);
    }
    const found = list.resources?.find((resource) => resource.kind === kind && !resource.name.includes("/"));
    if (found === undefined) {
      throw new ClusterError("E_KIND_NOT_INSTALLED", `${apiVersion} has no kind ${kind} in this cluster`, {
        hint: `kinds served by ${apiVersion}: ${
          (list.resources ?? [])
            .filter((resource) => !resource.name.includes("/"))
            .map((resource) => resource.kind)
            .join(", ") || "(none)"
        }`,
      });
    }
    return {
      group,
      version,
      plural: found.name,
      namespaced: found.namespaced,
      resource: group === "" ? found.name : `${found.name}.${group}`,
    };
  }

  private resourceList(group: string, version: string): Promise<ApiResourceList | undefined> {
    const key = `${group}/${version}`;
    let cached = this.lists.get(key);
    if (cached === undefined) {
      cached = this.transport.requestJson<ApiResourceList>(
        {
          method: "GET",
          path: group === "" ? `/api/${version}` : `/apis/${group}/${version}`,
          subject: { verb: "get", resource: `${group === "" ? version : `${group}/${version}`} discovery` },
        },
        { allowNotFound: true },
      );
      // A failed lookup (network, auth) is not cached: the next call asks again.
      cached.catch(() => this.lists.delete(key));
      this.lists.set(key, cached);
    }
    return cached;
  }

  private groupList(): Promise<ApiGroupList> {
    this.groups ??= this.transport
      .requestJson<ApiGroupList>({ method: "GET", path: "/apis", subject: { verb: "get", resource: "API groups" } })
      .then((groups) => groups ?? {});
    return this.groups;
  }
}
