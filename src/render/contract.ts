import { VelaError } from "../errors/index.js";
import {
  ANNOTATION_FILTER_ANNOTATION_KEYS,
  ANNOTATION_FILTER_LABEL_KEYS,
  LABEL_APP_COMPONENT,
  LABEL_APP_NAME,
  LABEL_APP_NAMESPACE,
  LABEL_APP_REVISION,
  LABEL_RESOURCE_TYPE,
  LABEL_TRAIT_RESOURCE,
  LABEL_TRAIT_TYPE,
  LABEL_WORKLOAD_TYPE,
  type KubeObject,
} from "../model/index.js";
import { isJsonObject, type JsonValue } from "../util/index.js";

/** Kinds that live outside namespaces: no `metadata.namespace` is added to them. */
const CLUSTER_SCOPED_KINDS = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "StorageClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PriorityClass",
  "IngressClass",
  "GatewayClass",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "APIService",
  "ClusterIssuer",
]);

/** Who rendered an object, for the OAM contract labels. */
export interface ContractInfo {
  readonly appName: string;
  readonly componentName: string;
  /** The component's type (`workload.oam.dev/type` on its main object). */
  readonly componentType: string;
  readonly appRevision: string;
  /** Namespace given to objects that have none (the placement's). */
  readonly namespace: string;
  /** The Application's namespace (`app.oam.dev/namespace`). */
  readonly appNamespace: string;
  /** The Application's own labels, propagated to every object (KubeVela's common labels). */
  readonly appLabels: Readonly<Record<string, string>>;
  /** The Application's own annotations, propagated to every object except the filtered ones. */
  readonly appAnnotations: Readonly<Record<string, string>>;
  /** Name to give an object that has none. */
  readonly defaultName: string;
  /** Trait type for trait outputs; `AuxiliaryWorkload` for a component's own outputs. */
  readonly traitType?: string;
  /** Output name (`outputs.<name>`) for auxiliary objects. */
  readonly resourceName?: string;
}

/**
 * Application annotations that never reach the objects (KubeVela's `DefaultFilterAnnots`): rollout
 * bookkeeping, the filter lists themselves, kubectl's last-applied configuration (and KubeVela's own
 * last-applied record, a large blob no rendered object needs).
 */
const FILTERED_ANNOTATIONS: readonly string[] = [
  "app.oam.dev/rollout-template",
  "app.oam.dev/rolling-components",
  "app.oam.dev/inplace-upgrade",
  ANNOTATION_FILTER_LABEL_KEYS,
  ANNOTATION_FILTER_ANNOTATION_KEYS,
  "kubectl.kubernetes.io/last-applied-configuration",
  "app.oam.dev/last-applied-configuration",
];

function keyList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(",").map((key) => key.trim());
}

/** Checks that a rendered value is a Kubernetes object (apiVersion, kind, metadata mapping). */
export function asKubeObject(value: JsonValue, what: string): KubeObject {
  if (!isJsonObject(value) || typeof value.apiVersion !== "string" || typeof value.kind !== "string") {
    throw new VelaError("E_RENDER_INVALID", `${what} is not a Kubernetes object`, {
      hint: "a template must render a mapping with apiVersion, kind and metadata",
    });
  }
  if (value.metadata !== undefined && !isJsonObject(value.metadata)) {
    throw new VelaError("E_RENDER_INVALID", `${what}: metadata must be a mapping`, {
      hint: "write metadata: {name: ...}",
    });
  }
  // Checked just above; `metadata` may still be absent here and applyContract fills it in.
  return value as unknown as KubeObject;
}

/**
 * Adds KubeVela's contract to a rendered object, in upstream's two layers, each overriding the one
 * before (kubevela:pkg/appfile/appfile.go `evalWorkloadWithContext`, then `SetOAMContract`):
 * - render phase, over the template's own labels: `app.oam.dev/name`, `…/component`, `…/appRevision`,
 *   plus `workload.oam.dev/type` on the main object, or `trait.oam.dev/type` and
 *   `trait.oam.dev/resource` (the output's name) on the others (a component's own outputs are of type
 *   `AuxiliaryWorkload`);
 * - assemble phase: `app.oam.dev/resourceType` (`WORKLOAD` or `TRAIT`), then the common labels: the
 *   Application's own labels under `app.oam.dev/name`, `…/namespace`, `…/appRevision`,
 *   `…/component`, less the keys the Application lists in its `filter.oam.dev/label-keys` annotation
 *   (the filter applies to the common labels only, as upstream's `generateAndFilterCommonLabels`);
 * - the Application's annotations over the template's, then KubeVela's filtered keys and those listed
 *   in `filter.oam.dev/annotation-keys` removed from the object;
 * - the app's namespace when the object has none (and is namespaced), and a name when it has none.
 */
export function applyContract(object: KubeObject, info: ContractInfo): KubeObject {
  const metadata = { ...object.metadata };
  metadata.name ??= info.defaultName;
  if (metadata.namespace === undefined && !CLUSTER_SCOPED_KINDS.has(object.kind)) metadata.namespace = info.namespace;
  const isWorkload = info.traitType === undefined;
  const renderLabels: Record<string, string> = {
    [LABEL_APP_NAME]: info.appName,
    [LABEL_APP_COMPONENT]: info.componentName,
    [LABEL_APP_REVISION]: info.appRevision,
    ...(isWorkload
      ? { [LABEL_WORKLOAD_TYPE]: info.componentType }
      : {
          [LABEL_TRAIT_TYPE]: info.traitType,
          ...(info.resourceName === undefined ? {} : { [LABEL_TRAIT_RESOURCE]: info.resourceName }),
        }),
  };
  const commonLabels: Record<string, string> = {
    ...info.appLabels,
    [LABEL_APP_NAME]: info.appName,
    [LABEL_APP_NAMESPACE]: info.appNamespace,
    [LABEL_APP_REVISION]: info.appRevision,
    [LABEL_APP_COMPONENT]: info.componentName,
  };
  for (const key of keyList(info.appAnnotations[ANNOTATION_FILTER_LABEL_KEYS])) delete commonLabels[key];
  metadata.labels = {
    ...metadata.labels,
    ...renderLabels,
    [LABEL_RESOURCE_TYPE]: isWorkload ? "WORKLOAD" : "TRAIT",
    ...commonLabels,
  };
  const annotations: Record<string, string> = { ...metadata.annotations, ...info.appAnnotations };
  for (const key of [...FILTERED_ANNOTATIONS, ...keyList(info.appAnnotations[ANNOTATION_FILTER_ANNOTATION_KEYS])])
    delete annotations[key];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...object, metadata };
}
