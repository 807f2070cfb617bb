import { VelaError } from "../errors/index.js";
import {
  LABEL_APP_COMPONENT,
  LABEL_APP_NAME,
  LABEL_APP_REVISION,
  LABEL_TRAIT_RESOURCE,
  LABEL_TRAIT_TYPE,
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
  readonly appRevision: string;
  readonly namespace: string;
  /** Name to give an object that has none. */
  readonly defaultName: string;
  /** Trait type for trait outputs; `AuxiliaryWorkload` for a component's own outputs. */
  readonly traitType?: string;
  /** Output name (`outputs.<name>`) for auxiliary objects. */
  readonly resourceName?: string;
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
  return value as unknown as KubeObject;
}

/**
 * Adds KubeVela's contract to a rendered object: labels `app.oam.dev/name`, `app.oam.dev/component`,
 * `app.oam.dev/appRevision` (plus `trait.oam.dev/type` and `trait.oam.dev/resource` on auxiliary
 * objects), the app's namespace when the object has none, and a name when it has none.
 */
export function applyContract(object: KubeObject, info: ContractInfo): KubeObject {
  const metadata = { ...object.metadata };
  metadata.name ??= info.defaultName;
  if (metadata.namespace === undefined && !CLUSTER_SCOPED_KINDS.has(object.kind)) metadata.namespace = info.namespace;
  metadata.labels = {
    ...metadata.labels,
    [LABEL_APP_NAME]: info.appName,
    [LABEL_APP_COMPONENT]: info.componentName,
    [LABEL_APP_REVISION]: info.appRevision,
    ...(info.traitType === undefined ? {} : { [LABEL_TRAIT_TYPE]: info.traitType }),
    ...(info.resourceName === undefined ? {} : { [LABEL_TRAIT_RESOURCE]: info.resourceName }),
  };
  return { ...object, metadata };
}
