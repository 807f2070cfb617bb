import { RESOURCE_TYPES, type ResourceType } from "../../resources.js";
import { hasScaleSubresource } from "./scale.js";

/** Kinds without a `/status` subresource (everything else gets `<plural>/status`). */
const WITHOUT_STATUS = new Set([
  "configmaps",
  "secrets",
  "serviceaccounts",
  "endpoints",
  "events",
  "controllerrevisions",
  "leases",
  "roles",
  "rolebindings",
  "clusterroles",
  "clusterrolebindings",
  "ingressclasses",
]);

/** What `kubectl get all` lists, as upstream's `categories: [all]`. */
const IN_CATEGORY_ALL = new Set([
  "pods",
  "services",
  "deployments",
  "replicasets",
  "statefulsets",
  "daemonsets",
  "jobs",
  "cronjobs",
  "horizontalpodautoscalers",
]);

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;

/** Which groups the server offers; the sandbox serves every group of the kinds table unless told to hide some. */
export interface DiscoveryScope {
  /** Groups left out of discovery and routing, e.g. to show a cluster without an addon's CRDs. @default none */
  readonly hiddenGroups?: readonly string[];
  /** Serve `/openapi/v3` (kubectl ≥ 1.27 then leaves validation to the server); off = only `/openapi/v2`, like an older server. @default true */
  readonly openApiV3?: boolean;
}

/** The kinds served under this scope. */
export function servedTypes(scope: DiscoveryScope): readonly ResourceType[] {
  const hidden = new Set(scope.hiddenGroups ?? []);
  return RESOURCE_TYPES.filter((type) => !hidden.has(type.group));
}

/** True when the kind has a status subresource. */
export function hasStatusSubresource(type: ResourceType): boolean {
  return !WITHOUT_STATUS.has(type.plural);
}

/** True for Pods: their `log` subresource is the simulated container log (`server/logs.ts`). */
export function hasLogSubresource(type: ResourceType): boolean {
  return type.group === "" && type.plural === "pods";
}

/** Finds the served type of `group`/`version`/`plural`. */
export function findServedType(
  scope: DiscoveryScope,
  group: string,
  version: string,
  plural: string,
): ResourceType | undefined {
  return servedTypes(scope).find(
    (type) => type.group === group && type.plural === plural && type.versions.includes(version),
  );
}

/** `GET /version`. */
export function versionInfo(): Record<string, string> {
  return {
    major: "1",
    minor: "30",
    gitVersion: "v1.30.0-vela-ts-sandbox",
    gitCommit: "",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "",
    compiler: "",
    platform: "sandbox",
  };
}

/** `GET /api`: the core group's versions. */
export function coreVersions(): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
  };
}

function apiGroup(group: string, types: readonly ResourceType[]): Record<string, unknown> {
  const versions = [...new Set(types.filter((type) => type.group === group).flatMap((type) => type.versions))];
  const preferred = types.find((type) => type.group === group)?.versions[0] ?? versions[0] ?? "v1";
  return {
    name: group,
    versions: versions.map((version) => ({ groupVersion: `${group}/${version}`, version })),
    preferredVersion: { groupVersion: `${group}/${preferred}`, version: preferred },
  };
}

/** `GET /apis`: every named group of the served kinds, in table order. */
export function groupList(scope: DiscoveryScope): Record<string, unknown> {
  const types = servedTypes(scope);
  const groups = [...new Set(types.map((type) => type.group).filter((group) => group !== ""))];
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map((group) => apiGroup(group, types)) };
}

/** `GET /apis/<group>`, or undefined when the group is not served. */
export function groupInfo(scope: DiscoveryScope, group: string): Record<string, unknown> | undefined {
  const types = servedTypes(scope);
  if (!types.some((type) => type.group === group)) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group, types) };
}

/** `GET /api/v1` or `/apis/<group>/<version>`, or undefined when that group/version is not served. */
export function resourceList(
  scope: DiscoveryScope,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = servedTypes(scope).filter((type) => type.group === group && type.versions.includes(version));
  if (types.length === 0) return undefined;
  const resources = types.flatMap((type) => {
    const main = {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: [...VERBS],
      ...(type.shortNames.length > 0 ? { shortNames: [...type.shortNames] } : {}),
      ...(IN_CATEGORY_ALL.has(type.plural) ? { categories: ["all"] } : {}),
    };
    const status = {
      name: `${type.plural}/status`,
      singularName: "",
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: ["get", "patch", "update"],
    };
    const scale = {
      name: `${type.plural}/scale`,
      singularName: "",
      namespaced: type.namespaced,
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: ["get", "patch", "update"],
    };
    const log = { name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] };
    return [
      main,
      ...(hasStatusSubresource(type) ? [status] : []),
      ...(hasScaleSubresource(type) ? [scale] : []),
      ...(hasLogSubresource(type) ? [log] : []),
    ];
  });
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources,
  };
}
