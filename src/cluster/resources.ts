/**
 * The kinds table (what `kubectl api-resources` lists): plural and short names, groups, versions,
 * scope and the `get` columns of every kind vela-ts and the sandbox know. Long because it is data:
 * one entry per kind.
 */
import { NotFoundError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import { groupOf } from "../model/kube-object.js";
import { closestMatches, displayText } from "../util/index.js";

/** One column of `get` output (kubectl's printer columns / CRD `additionalPrinterColumns`). */
export interface ResourceColumn {
  readonly header: string;
  /** Only with `-o wide`. @default false */
  readonly wide?: boolean;
  value(object: KubeObject, now: Date): string;
}

/**
 * A kind the API knows (what `kubectl api-resources` lists): plural resource name, short names,
 * group, served versions (preferred first) and scope.
 */
export interface ResourceType {
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly kind: string;
  /** `""` for the core group. */
  readonly group: string;
  readonly versions: readonly string[];
  readonly namespaced: boolean;
  /** Columns between NAME and AGE in `get` tables. @default none */
  readonly columns?: readonly ResourceColumn[];
}

function read(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const segment of path.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function text(object: unknown, path: string, fallback = "<none>"): string {
  const value = read(object, path);
  if (value === undefined || value === null || value === "") return fallback;
  if (Array.isArray(value)) return value.map(String).join(",");
  return displayText(value);
}

function num(object: unknown, path: string): number {
  const value = read(object, path);
  return typeof value === "number" ? value : 0;
}

function condition(object: unknown, type: string, field: "status" | "message"): string {
  const conditions = read(object, "status.conditions");
  if (!Array.isArray(conditions)) return field === "status" ? "Unknown" : "";
  const found = conditions.find((entry) => read(entry, "type") === type) as unknown;
  return found === undefined ? (field === "status" ? "Unknown" : "") : text(found, field, "");
}

function containers(object: unknown, podSpecPath: string): readonly Record<string, unknown>[] {
  const list = read(object, `${podSpecPath}.containers`);
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

const col = (header: string, value: (object: KubeObject, now: Date) => string, wide = false): ResourceColumn => ({
  header,
  value,
  wide,
});
const path = (header: string, fieldPath: string, fallback?: string): ResourceColumn =>
  col(header, (object) => text(object, fieldPath, fallback));

const POD_COLUMNS: readonly ResourceColumn[] = [
  col("READY", (pod) => {
    const statuses = read(pod, "status.containerStatuses");
    const total = containers(pod, "spec").length;
    const ready = Array.isArray(statuses)
      ? statuses.filter((entry) => read(entry, "ready") === true).length
      : condition(pod, "Ready", "status") === "True"
        ? total
        : 0;
    return `${ready}/${total}`;
  }),
  col("STATUS", (pod) =>
    read(pod, "metadata.deletionTimestamp") === undefined ? text(pod, "status.phase", "Pending") : "Terminating",
  ),
  col("RESTARTS", (pod) => {
    const statuses = read(pod, "status.containerStatuses");
    return String(
      Array.isArray(statuses) ? statuses.reduce((sum: number, entry) => sum + num(entry, "restartCount"), 0) : 0,
    );
  }),
  path("IP", "status.podIP"),
  col(
    "IMAGE",
    (pod) =>
      containers(pod, "spec")
        .map((entry) => text(entry, "image"))
        .join(","),
    true,
  ),
];

const WORKLOAD_WIDE: readonly ResourceColumn[] = [
  col(
    "CONTAINERS",
    (object) =>
      containers(object, "spec.template.spec")
        .map((entry) => text(entry, "name"))
        .join(","),
    true,
  ),
  col(
    "IMAGES",
    (object) =>
      containers(object, "spec.template.spec")
        .map((entry) => text(entry, "image"))
        .join(","),
    true,
  ),
];

const READY_CONDITION: readonly ResourceColumn[] = [
  col("READY", (object) => condition(object, "Ready", "status")),
  col("STATUS", (object) => condition(object, "Ready", "message")),
];

function core(
  plural: string,
  kind: string,
  shortNames: readonly string[],
  namespaced = true,
  columns?: readonly ResourceColumn[],
): ResourceType {
  return {
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    kind,
    group: "",
    versions: ["v1"],
    namespaced,
    ...(columns === undefined ? {} : { columns }),
  };
}

function grouped(
  plural: string,
  kind: string,
  group: string,
  versions: readonly string[],
  shortNames: readonly string[],
  namespaced = true,
  columns?: readonly ResourceColumn[],
): ResourceType {
  return {
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    kind,
    group,
    versions,
    namespaced,
    ...(columns === undefined ? {} : { columns }),
  };
}

const DEFINITION_COLUMNS: readonly ResourceColumn[] = [
  path("WORKLOAD-KIND", "spec.workload.definition.kind", ""),
  col("DESCRIPTION", (definition) => definition.metadata.annotations?.["definition.oam.dev/description"] ?? ""),
];

/** The kinds vela-ts knows, in the order ambiguous names resolve (first wins, as kubectl's preferred group). */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  core("pods", "Pod", ["po"], true, POD_COLUMNS),
  core("services", "Service", ["svc"], true, [
    path("TYPE", "spec.type", "ClusterIP"),
    path("CLUSTER-IP", "spec.clusterIP"),
    col("PORT(S)", (svc) => {
      const ports = read(svc, "spec.ports");
      return Array.isArray(ports) && ports.length > 0
        ? ports.map((port) => `${text(port, "port")}/${text(port, "protocol", "TCP")}`).join(",")
        : "<none>";
    }),
    col(
      "SELECTOR",
      (svc) =>
        Object.entries((read(svc, "spec.selector") ?? {}) as Record<string, string>)
          .map(([k, v]) => `${k}=${v}`)
          .join(",") || "<none>",
      true,
    ),
  ]),
  core("configmaps", "ConfigMap", ["cm"], true, [
    col("DATA", (cm) =>
      String(Object.keys(read(cm, "data") ?? {}).length + Object.keys(read(cm, "binaryData") ?? {}).length),
    ),
  ]),
  core("secrets", "Secret", [], true, [
    path("TYPE", "type", "Opaque"),
    col("DATA", (secret) => String(Object.keys(read(secret, "data") ?? {}).length)),
  ]),
  core("namespaces", "Namespace", ["ns"], false, [path("STATUS", "status.phase", "Active")]),
  core("serviceaccounts", "ServiceAccount", ["sa"]),
  core("endpoints", "Endpoints", ["ep"]),
  // kubectl's event columns (TYPE, REASON, OBJECT, MESSAGE; COUNT and SOURCE with -o wide).
  core(
    "events",
    "Event",
    ["ev"],
    true,
    [
      path("TYPE", "type", ""),
      path("REASON", "reason", ""),
      col(
        "OBJECT",
        (event) => `${text(event, "involvedObject.kind", "").toLowerCase()}/${text(event, "involvedObject.name", "")}`,
      ),
      path("MESSAGE", "message", ""),
      path("COUNT", "count", "1"),
      path("SOURCE", "source.component", ""),
    ].map((column, index) => (index >= 4 ? { ...column, wide: true } : column)),
  ),
  core("nodes", "Node", ["no"], false),
  core("persistentvolumeclaims", "PersistentVolumeClaim", ["pvc"]),
  core("persistentvolumes", "PersistentVolume", ["pv"], false),
  grouped("deployments", "Deployment", "apps", ["v1"], ["deploy"], true, [
    col(
      "READY",
      (d) =>
        `${num(d, "status.readyReplicas")}/${read(d, "spec.replicas") === undefined ? 1 : num(d, "spec.replicas")}`,
    ),
    col("UP-TO-DATE", (d) => String(num(d, "status.updatedReplicas"))),
    col("AVAILABLE", (d) => String(num(d, "status.availableReplicas"))),
    ...WORKLOAD_WIDE,
  ]),
  grouped("replicasets", "ReplicaSet", "apps", ["v1"], ["rs"], true, [
    col("DESIRED", (rs) => String(read(rs, "spec.replicas") === undefined ? 1 : num(rs, "spec.replicas"))),
    col("CURRENT", (rs) => String(num(rs, "status.replicas"))),
    col("READY", (rs) => String(num(rs, "status.readyReplicas"))),
    ...WORKLOAD_WIDE,
  ]),
  grouped("statefulsets", "StatefulSet", "apps", ["v1"], ["sts"], true, [
    col(
      "READY",
      (s) =>
        `${num(s, "status.readyReplicas")}/${read(s, "spec.replicas") === undefined ? 1 : num(s, "spec.replicas")}`,
    ),
    ...WORKLOAD_WIDE,
  ]),
  grouped("daemonsets", "DaemonSet", "apps", ["v1"], ["ds"]),
  grouped("controllerrevisions", "ControllerRevision", "apps", ["v1"], []),
  grouped("jobs", "Job", "batch", ["v1"], []),
  grouped("cronjobs", "CronJob", "batch", ["v1"], ["cj"]),
  grouped("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling", ["v2", "v1"], ["hpa"], true, [
    col(
      "REFERENCE",
      (hpa) => `${text(hpa, "spec.scaleTargetRef.kind", "")}/${text(hpa, "spec.scaleTargetRef.name", "")}`,
    ),
    path("MINPODS", "spec.minReplicas", "1"),
    path("MAXPODS", "spec.maxReplicas"),
    path("REPLICAS", "status.currentReplicas", "0"),
  ]),
  grouped("ingresses", "Ingress", "networking.k8s.io", ["v1"], ["ing"], true, [
    path("CLASS", "spec.ingressClassName"),
    col("HOSTS", (ing) => {
      const rules = read(ing, "spec.rules");
      const hosts = Array.isArray(rules) ? rules.map((rule) => text(rule, "host", "*")) : [];
      return hosts.length > 0 ? hosts.join(",") : "*";
    }),
    col("PORTS", (ing) => (Array.isArray(read(ing, "spec.tls")) ? "80, 443" : "80")),
  ]),
  grouped("ingressclasses", "IngressClass", "networking.k8s.io", ["v1"], [], false),
  grouped("storageclasses", "StorageClass", "storage.k8s.io", ["v1"], ["sc"], false),
  grouped("priorityclasses", "PriorityClass", "scheduling.k8s.io", ["v1"], ["pc"], false),
  grouped(
    "validatingwebhookconfigurations",
    "ValidatingWebhookConfiguration",
    "admissionregistration.k8s.io",
    ["v1"],
    [],
    false,
  ),
  grouped(
    "mutatingwebhookconfigurations",
    "MutatingWebhookConfiguration",
    "admissionregistration.k8s.io",
    ["v1"],
    [],
    false,
  ),
  grouped("networkpolicies", "NetworkPolicy", "networking.k8s.io", ["v1"], ["netpol"]),
  grouped("leases", "Lease", "coordination.k8s.io", ["v1"], []),
  grouped("roles", "Role", "rbac.authorization.k8s.io", ["v1"], []),
  grouped("rolebindings", "RoleBinding", "rbac.authorization.k8s.io", ["v1"], []),
  grouped("clusterroles", "ClusterRole", "rbac.authorization.k8s.io", ["v1"], [], false),
  grouped("clusterrolebindings", "ClusterRoleBinding", "rbac.authorization.k8s.io", ["v1"], [], false),
  grouped(
    "customresourcedefinitions",
    "CustomResourceDefinition",
    "apiextensions.k8s.io",
    ["v1"],
    ["crd", "crds"],
    false,
  ),
  grouped("rollouts", "Rollout", "rollouts.kruise.io", ["v1alpha1", "v1beta1"], [], true, [
    path("STATUS", "status.phase", ""),
    col("CANARY_STEP", (r) => text(r, "status.canaryStatus.currentStepIndex", text(r, "status.currentStepIndex", ""))),
    col("CANARY_STATE", (r) => text(r, "status.canaryStatus.currentStepState", text(r, "status.currentStepState", ""))),
    path("MESSAGE", "status.message", ""),
  ]),
  // Argo Rollouts' Rollout: reach it as rollouts.argoproj.io (or `ro`); columns of its CRD.
  grouped("rollouts", "Rollout", "argoproj.io", ["v1alpha1"], ["ro"], true, [
    path("DESIRED", "spec.replicas", "1"),
    col("CURRENT", (r) => String(num(r, "status.replicas"))),
    col("UP-TO-DATE", (r) => String(num(r, "status.updatedReplicas"))),
    col("AVAILABLE", (r) => String(num(r, "status.availableReplicas"))),
    path("STATUS", "status.phase", ""),
    col("STEP", (r) => {
      const steps = read(r, "spec.strategy.canary.steps");
      const index = read(r, "status.currentStepIndex");
      return Array.isArray(steps) && typeof index === "number" ? `${index}/${steps.length}` : "";
    }),
    path("MESSAGE", "status.message", ""),
  ]),
  grouped("analysisruns", "AnalysisRun", "argoproj.io", ["v1alpha1"], ["ar"]),
  grouped("analysistemplates", "AnalysisTemplate", "argoproj.io", ["v1alpha1"], ["at"]),
  grouped("ingressroutes", "IngressRoute", "traefik.io", ["v1alpha1"], [], true, [
    col("ROUTES", (r) => {
      const routes = read(r, "spec.routes");
      return Array.isArray(routes) ? routes.map((route) => text(route, "match", "")).join(" | ") : "";
    }),
  ]),
  grouped("ingressroutes", "IngressRoute", "traefik.containo.us", ["v1alpha1"], []),
  grouped("traefikservices", "TraefikService", "traefik.io", ["v1alpha1"], [], true, [
    col("WEIGHTS", (r) => {
      const services = read(r, "spec.weighted.services");
      return Array.isArray(services)
        ? services.map((service) => `${text(service, "name", "")}=${text(service, "weight", "1")}`).join(",")
        : "";
    }),
  ]),
  grouped("traefikservices", "TraefikService", "traefik.containo.us", ["v1alpha1"], []),
  // KubeVela v1.1's own batch Rollout (the `rollout` trait); reach it as rollouts.standard.oam.dev.
  grouped("rollouts", "Rollout", "standard.oam.dev", ["v1alpha1"], [], true, [
    path("TARGET", "spec.targetRevisionName", ""),
    path("SOURCE", "status.LastSourceRevision", ""),
    path("STATE", "status.rollingState", ""),
    path("BATCH", "status.currentBatch", ""),
    path("UPGRADED", "status.upgradedReplicas", ""),
  ]),
  grouped("batchreleases", "BatchRelease", "rollouts.kruise.io", ["v1alpha1", "v1beta1"], [], true, [
    path("KIND", "spec.targetReference.workloadRef.kind", ""),
    path("PHASE", "status.phase", ""),
  ]),
  grouped("clonesets", "CloneSet", "apps.kruise.io", ["v1alpha1"], ["clone"], true, [
    path("DESIRED", "spec.replicas", "1"),
    col("UPDATED", (c) => String(num(c, "status.updatedReplicas"))),
    col("READY", (c) => String(num(c, "status.readyReplicas"))),
    col("TOTAL", (c) => String(num(c, "status.replicas"))),
    ...WORKLOAD_WIDE,
  ]),
  grouped(
    "helmreleases",
    "HelmRelease",
    "helm.toolkit.fluxcd.io",
    ["v2", "v2beta2", "v2beta1"],
    ["hr"],
    true,
    READY_CONDITION,
  ),
  grouped(
    "helmrepositories",
    "HelmRepository",
    "source.toolkit.fluxcd.io",
    ["v1", "v1beta2", "v1beta1"],
    ["helmrepo"],
    true,
    [path("URL", "spec.url"), ...READY_CONDITION],
  ),
  grouped("helmcharts", "HelmChart", "source.toolkit.fluxcd.io", ["v1", "v1beta2"], ["hc"], true, READY_CONDITION),
  grouped("virtualservices", "VirtualService", "networking.istio.io", ["v1beta1", "v1", "v1alpha3"], ["vs"], true, [
    path("GATEWAYS", "spec.gateways", ""),
    path("HOSTS", "spec.hosts", ""),
  ]),
  grouped("destinationrules", "DestinationRule", "networking.istio.io", ["v1beta1", "v1", "v1alpha3"], ["dr"], true, [
    path("HOST", "spec.host", ""),
  ]),
  grouped("gateways", "Gateway", "networking.istio.io", ["v1beta1", "v1", "v1alpha3"], ["gw"]),
  grouped("gateways", "Gateway", "gateway.networking.k8s.io", ["v1", "v1beta1"], ["gtw"], true, [
    path("CLASS", "spec.gatewayClassName", ""),
  ]),
  grouped("httproutes", "HTTPRoute", "gateway.networking.k8s.io", ["v1", "v1beta1"], [], true, [
    path("HOSTNAMES", "spec.hostnames", ""),
  ]),
  grouped("applications", "Application", "core.oam.dev", ["v1beta1"], ["app", "velaapp"], true, [
    col("COMPONENT", (app) => {
      const components = read(app, "spec.components");
      return Array.isArray(components) && components[0] !== undefined ? text(components[0], "name", "") : "";
    }),
    col("TYPE", (app) => {
      const components = read(app, "spec.components");
      return Array.isArray(components) && components[0] !== undefined ? text(components[0], "type", "") : "";
    }),
    path("PHASE", "status.status", ""),
    col("HEALTHY", (app) => {
      const services = read(app, "status.services");
      return Array.isArray(services) && services.length > 0
        ? String(services.every((service) => read(service, "healthy") === true))
        : "";
    }),
  ]),
  grouped("applicationrevisions", "ApplicationRevision", "core.oam.dev", ["v1beta1"], ["apprev"]),
  grouped("resourcetrackers", "ResourceTracker", "core.oam.dev", ["v1beta1"], ["rt"], false),
  grouped(
    "componentdefinitions",
    "ComponentDefinition",
    "core.oam.dev",
    ["v1beta1"],
    ["comp"],
    true,
    DEFINITION_COLUMNS,
  ),
  grouped(
    "traitdefinitions",
    "TraitDefinition",
    "core.oam.dev",
    ["v1beta1"],
    ["trait"],
    true,
    DEFINITION_COLUMNS.slice(1),
  ),
  grouped(
    "policydefinitions",
    "PolicyDefinition",
    "core.oam.dev",
    ["v1beta1"],
    ["def-policy"],
    true,
    DEFINITION_COLUMNS.slice(1),
  ),
  grouped(
    "workflowstepdefinitions",
    "WorkflowStepDefinition",
    "core.oam.dev",
    ["v1beta1"],
    ["workflowstep"],
    true,
    DEFINITION_COLUMNS.slice(1),
  ),
  grouped("workloaddefinitions", "WorkloadDefinition", "core.oam.dev", ["v1beta1"], ["workload"], true),
  grouped("definitionrevisions", "DefinitionRevision", "core.oam.dev", ["v1beta1"], ["defrev"]),
  grouped("workflowruns", "WorkflowRun", "core.oam.dev", ["v1alpha1"], ["wr"]),
  grouped("policies", "Policy", "core.oam.dev", ["v1alpha1"], ["pol"]),
];

const BY_GROUP_KIND = new Map(RESOURCE_TYPES.map((type) => [`${type.group}/${type.kind}`, type]));

/** `apps/v1` for Deployment; `v1` for core kinds (the preferred version). */
export function apiVersionOf(type: ResourceType): string {
  const version = type.versions[0] ?? "v1";
  return type.group === "" ? version : `${type.group}/${version}`;
}

/** `deployments.apps`, `services`: the name kubectl prints in messages. */
export function qualifiedResourceName(type: ResourceType): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

/** `deployment.apps`, `service`: the prefix of `kubectl apply` output (`deployment.apps/web created`). */
export function qualifiedKindName(type: Pick<ResourceType, "kind" | "group">): string {
  return type.group === "" ? type.kind.toLowerCase() : `${type.kind.toLowerCase()}.${type.group}`;
}

/** The resource type of an object's apiVersion + kind, when vela-ts knows it. */
export function findResourceType(apiVersion: string, kind: string): ResourceType | undefined {
  return BY_GROUP_KIND.get(`${groupOf(apiVersion)}/${kind}`);
}

/**
 * Whether objects of this kind live in a namespace. Unknown kinds (custom resources) are taken to be
 * namespaced, as most CRDs are.
 */
export function isNamespacedKind(apiVersion: string, kind: string): boolean {
  return findResourceType(apiVersion, kind)?.namespaced ?? true;
}

function matchesName(type: ResourceType, name: string): boolean {
  return (
    type.plural === name || type.singular === name || type.kind.toLowerCase() === name || type.shortNames.includes(name)
  );
}

/**
 * Resolves what a user types after `get`/`delete` as kubectl does: plural (`deployments`), singular
 * (`deployment`), short name (`deploy`), kind (`Deployment`), each optionally qualified by group
 * (`rollouts.rollouts.kruise.io`, `deploy.apps`). Throws `E_UNKNOWN_RESOURCE` with close names.
 */
export function resolveResource(input: string): ResourceType {
  const lower = input.trim().toLowerCase();
  const dot = lower.indexOf(".");
  const name = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  const found = RESOURCE_TYPES.find((type) => matchesName(type, name) && (group === undefined || type.group === group));
  if (found !== undefined) return found;
  const candidates = [...new Set(RESOURCE_TYPES.flatMap((type) => [type.plural, ...type.shortNames]))];
  const close = closestMatches(name, candidates);
  throw new NotFoundError("E_UNKNOWN_RESOURCE", `the server doesn't have a resource type "${input}"`, {
    hint:
      close.length > 0
        ? `did you mean ${close.map((candidate) => `"${candidate}"`).join(", ")}?`
        : `known resources: ${RESOURCE_TYPES.map((type) => type.plural).join(", ")}`,
  });
}

/**
 * Age as kubectl prints it (`k8s.io/apimachinery/pkg/util/duration.HumanDuration`): `45s`, `3m20s`,
 * `15m`, `5h3m`, `20h`, `3d4h`, `40d`, `2y10d`.
 */
export function formatAge(from: string | undefined, now: Date): string {
  if (from === undefined) return "<unknown>";
  const seconds = Math.floor((now.getTime() - new Date(from).getTime()) / 1000);
  if (Number.isNaN(seconds)) return "<unknown>";
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (years < 8) return `${years}y${Math.floor(hours / 24) % 365}d`;
  return `${years}y`;
}
