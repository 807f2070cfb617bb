/**
 * Helm release records as Helm's Secret storage driver keeps them (`helm/helm`
 * `pkg/storage/driver/secrets.go`): one Secret `sh.helm.release.v1.<release>.v<N>` of type
 * `helm.sh/release.v1` per revision in the storage namespace, labelled `owner=helm`, `name`,
 * `status`, `version`. The payload (`data.release`) is base64 JSON here, holding the rendered
 * manifest so an upgrade can diff against it.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import type { JsonObject, JsonValue } from "../../../../util/index.js";
import type { ControllerView } from "../../controller-contract.js";
import { stringAt } from "../common/fields.js";

/** One stored release revision. */
export interface StoredRelease {
  readonly name: string;
  readonly namespace: string;
  readonly version: number;
  readonly status: "deployed" | "superseded" | "pending-install" | "pending-upgrade" | "failed";
  readonly chartName: string;
  readonly chartVersion: string;
  readonly appVersion: string;
  readonly configDigest: string;
  readonly digest: string;
  readonly firstDeployed: string;
  readonly lastDeployed: string;
  /** The objects the release applied (namespace filled in). */
  readonly manifest: readonly KubeObject[];
  /** The release's hooks (test hooks excluded), run around the manifest; absent in older records. */
  readonly hooks?: readonly KubeObject[];
}

export function releaseSecretName(release: string, version: number): string {
  return `sh.helm.release.v1.${release}.v${version}`;
}

/** The Secret that stores a release revision. */
export function releaseSecret(release: StoredRelease, owner: KubeObject | undefined): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "helm.sh/release.v1",
    metadata: {
      name: releaseSecretName(release.name, release.version),
      namespace: release.namespace,
      labels: { owner: "helm", name: release.name, status: release.status, version: String(release.version) },
      ...(owner === undefined
        ? {}
        : {
            ownerReferences: [
              {
                apiVersion: owner.apiVersion,
                kind: owner.kind,
                name: owner.metadata.name ?? "",
                uid: owner.metadata.uid ?? "",
              },
            ],
          }),
    },
    data: { release: Buffer.from(JSON.stringify(release)).toString("base64") },
  };
}

function decode(secret: KubeObject): StoredRelease | undefined {
  const data = stringAt(secret, ["data", "release"]);
  if (data === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(data, "base64").toString("utf8")) as StoredRelease;
  } catch {
    return undefined;
  }
}

/** Every stored revision of `release` in `namespace`, newest first. */
export function readReleaseHistory(view: ControllerView, namespace: string, release: string): readonly StoredRelease[] {
  return view
    .list("v1", "Secret", { namespace })
    .filter(
      (secret) =>
        secret.metadata.labels?.owner === "helm" &&
        secret.metadata.labels.name === release &&
        (secret as { type?: JsonValue }).type === "helm.sh/release.v1",
    )
    .map((secret) => {
      const stored = decode(secret);
      return stored === undefined
        ? undefined
        : { ...stored, status: (secret.metadata.labels?.status ?? stored.status) as StoredRelease["status"] };
    })
    .filter((stored): stored is StoredRelease => stored !== undefined)
    .sort((a, b) => b.version - a.version);
}

/** A `status.history[]` snapshot (helm-controller v2 `Snapshot`). */
export function historySnapshot(release: StoredRelease): JsonObject {
  return {
    name: release.name,
    namespace: release.namespace,
    version: release.version,
    chartName: release.chartName,
    chartVersion: release.chartVersion,
    appVersion: release.appVersion,
    configDigest: release.configDigest,
    digest: release.digest,
    firstDeployed: release.firstDeployed,
    lastDeployed: release.lastDeployed,
    status: release.status,
  };
}
