import type { AppfilePolicy } from "../appfile/index.js";
import type { Cluster } from "../cluster/cluster.js";
import type { AdoptionMode, TrackedResource } from "../cluster/tracker.js";
import { VelaError } from "../errors/index.js";
import { refOf, type KubeObject } from "../model/kube-object.js";
import { LABEL_APP_NAME, LABEL_APP_NAMESPACE } from "../model/labels.js";
import type { ComponentManifest } from "../render/index.js";
import { isJsonObject, toJsonObject, type JsonObject, type JsonValue } from "../util/index.js";
import { selectorMatches } from "./apply-once.js";
import { ANNOTATION_REF_OBJECT, isRefObject } from "./component-runtime.js";

/**
 * Adoption (KubeVela 1.7+ `ref-objects` with the `read-only` and `take-over` policies): a
 * `ref-objects` component renders references, not objects; the live objects they name join the app.
 *
 * - `read-only` (a rule's selector matches the object): the app only reads it — never written, not
 *   checked for another owner (as upstream), released (kept) on delete. A trait that would change it
 *   fails the step instead of being ignored.
 * - `take-over`: the app owns it from now on — its labels are set to the app's (no pod template
 *   change, so no restart), traits patch it, and `delete` deletes it.
 * - neither: a reference. Written only where a trait asks, and then only when no other application
 *   manages the object and it is already the app's (upstream refuses to write an object it does not
 *   manage without `take-over`); released on delete.
 *
 * Whatever is written is the difference the traits made to the reference, applied with server-side
 * apply: only those fields change on the live object (a `scaler` sets `spec.replicas`, nothing else).
 */

/** The `ref-label-selector` annotation a `ref-objects` reference by labels carries (`k=v,k2=v2`). */
export const ANNOTATION_REF_LABEL_SELECTOR = "app.oam.dev/ref-label-selector";
const ANNOTATION_REF_CLUSTER = "app.oam.dev/ref-cluster";

/** Label and annotation key prefixes of KubeVela's contract, written only when the app owns an object. */
const CONTRACT_PREFIXES = ["app.oam.dev/", "workload.oam.dev/", "trait.oam.dev/"];

/** The rule selectors of the app's `read-only` and `take-over` policies. */
export interface AdoptionPolicies {
  readonly readOnly: readonly JsonObject[];
  readonly takeOver: readonly JsonObject[];
}

function ruleSelectors(policies: readonly AppfilePolicy[], type: string): JsonObject[] {
  return policies
    .filter((policy) => policy.type === type)
    .flatMap((policy) => (Array.isArray(policy.properties.rules) ? policy.properties.rules.filter(isJsonObject) : []))
    .map((rule) => (isJsonObject(rule.selector) ? rule.selector : {}));
}

/** The app's adoption policies, read from its bound policies. */
export function adoptionPoliciesOf(policies: readonly AppfilePolicy[]): AdoptionPolicies {
  return { readOnly: ruleSelectors(policies, "read-only"), takeOver: ruleSelectors(policies, "take-over") };
}

/** The mode an adopted object is held in (`read-only` wins over `take-over`, as upstream checks it first). */
export function adoptionModeOf(
  policies: AdoptionPolicies,
  object: KubeObject,
  manifest: Pick<ComponentManifest, "name" | "type">,
): AdoptionMode {
  const origin = { component: manifest.name, componentType: manifest.type };
  if (policies.readOnly.some((selector) => selectorMatches(selector, object, origin))) return "read-only";
  if (policies.takeOver.some((selector) => selectorMatches(selector, object, origin))) return "take-over";
  return "referenced";
}

/** Who adopts: the application, with its own labels (which are part of the contract a take-over writes). */
export interface Adopter {
  readonly appName: string;
  readonly appNamespace: string;
  readonly policies: AdoptionPolicies;
}

/** What adopting a component's references does: tracker entries, and the partial objects to apply. */
export interface AdoptionPlan {
  readonly tracked: readonly TrackedResource[];
  readonly writes: readonly KubeObject[];
}

function objectName(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`.replace(" /", " ");
}

function isContractKey(key: string): boolean {
  return CONTRACT_PREFIXES.some((prefix) => key.startsWith(prefix));
}

function withoutKeys(
  map: Readonly<Record<string, string>> | undefined,
  drop: (key: string) => boolean,
): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => !drop(key)));
}

/**
 * What the traits ask of a reference: the reference with its bookkeeping removed, as a partial
 * object for server-side apply. With `ownLabels`, KubeVela's contract labels stay (the app takes
 * ownership); otherwise only what traits set remains.
 */
function traitWrites(reference: KubeObject, ownLabels: boolean): KubeObject {
  const { metadata, ...rest } = reference;
  const dropAnnotation = (key: string): boolean =>
    key === ANNOTATION_REF_OBJECT ||
    key === ANNOTATION_REF_LABEL_SELECTOR ||
    key === ANNOTATION_REF_CLUSTER ||
    (!ownLabels && isContractKey(key));
  const labels = withoutKeys(metadata.labels, (key) => !ownLabels && isContractKey(key));
  const annotations = withoutKeys(metadata.annotations, dropAnnotation);
  return {
    ...rest,
    metadata: {
      ...(metadata.name === undefined ? {} : { name: metadata.name }),
      ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
      ...(Object.keys(labels).length === 0 ? {} : { labels }),
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
    },
  };
}

/** Leaf field paths of a partial object, besides its identity (`spec.replicas`, `metadata.labels.tier`). */
export function writtenFields(object: KubeObject): string[] {
  const out: string[] = [];
  const walk = (value: JsonValue | undefined, path: string): void => {
    if (isJsonObject(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) walk(child, path === "" ? key : `${path}.${key}`);
    } else out.push(path);
  };
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...rest } = object;
  const { name: _name, namespace: _namespace, ...meta } = metadata;
  walk({ ...rest, ...(Object.keys(meta).length === 0 ? {} : { metadata: meta }) } as JsonObject, "");
  return out.filter((path) => path !== "");
}

/** The application that manages an object by KubeVela's labels (`namespace/name`), if any. */
export function managingApp(object: KubeObject): string | undefined {
  const name = object.metadata.labels?.[LABEL_APP_NAME];
  if (name === undefined) return undefined;
  return `${object.metadata.labels?.[LABEL_APP_NAMESPACE] ?? object.metadata.namespace ?? "default"}/${name}`;
}

async function liveReferenced(cluster: Cluster, reference: KubeObject): Promise<KubeObject[]> {
  const selector = reference.metadata.annotations?.[ANNOTATION_REF_LABEL_SELECTOR];
  if (selector !== undefined) {
    return cluster.list(reference.apiVersion, reference.kind, {
      ...(reference.metadata.namespace === undefined ? {} : { namespace: reference.metadata.namespace }),
      labelSelector: selector,
    });
  }
  const live = await cluster.get(refOf(reference));
  if (live === undefined) {
    throw new VelaError("E_ADOPT_NOT_FOUND", `ref-objects: ${objectName(reference)} does not exist`, {
      hint: "ref-objects adopts existing objects only: check the kind, name and namespace (vela-ts sandbox get …)",
    });
  }
  return [live];
}

function trackedOf(manifest: ComponentManifest, live: KubeObject, mode: AdoptionMode): TrackedResource {
  const raw: KubeObject = {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: {
      name: live.metadata.name ?? "",
      ...(live.metadata.namespace === undefined ? {} : { namespace: live.metadata.namespace }),
      annotations: { [ANNOTATION_REF_OBJECT]: "true" },
    },
  };
  return {
    apiVersion: live.apiVersion,
    kind: live.kind,
    name: live.metadata.name ?? "",
    ...(live.metadata.namespace === undefined ? {} : { namespace: live.metadata.namespace }),
    component: manifest.name,
    raw: toJsonObject(raw),
    adoption: mode,
  };
}

/**
 * Reads the live objects a component's references name and decides what adopting them writes;
 * writes nothing itself, so a refusal leaves the cluster as it was. Throws a `VelaError` when a
 * referenced object is missing, when another application manages it (without `take-over`), or when a
 * trait would change an object the app may not write (`read-only`, or not the app's yet).
 */
export async function planAdoption(
  cluster: Cluster,
  manifest: ComponentManifest,
  adopter: Adopter,
): Promise<AdoptionPlan> {
  const references = [
    ...(manifest.workload === undefined ? [] : [manifest.workload]),
    ...manifest.outputs.map((output) => output.object),
  ].filter(isRefObject);
  const tracked: TrackedResource[] = [];
  const writes: KubeObject[] = [];
  const self = `${adopter.appNamespace}/${adopter.appName}`;
  for (const reference of references) {
    for (const live of await liveReferenced(cluster, reference)) {
      const mode = adoptionModeOf(adopter.policies, live, manifest);
      tracked.push(trackedOf(manifest, live, mode));
      const fields = writtenFields(traitWrites(reference, false));
      if (reference.metadata.annotations?.[ANNOTATION_REF_LABEL_SELECTOR] !== undefined) {
        if (fields.length === 0) continue;
        throw new VelaError(
          "E_ADOPT_READ_ONLY",
          `component "${manifest.name}": its traits would change the ${reference.kind} objects selected by labels ` +
            `(${fields.join(", ")}); traits patch only an object referenced by name`,
          { hint: "reference the workload by name (objects[0].name) to let traits patch it" },
        );
      }
      const owner = managingApp(live);
      if (mode === "read-only") {
        if (fields.length > 0) {
          throw new VelaError(
            "E_ADOPT_READ_ONLY",
            `component "${manifest.name}": its traits would change ${objectName(live)} (${fields.join(", ")}), ` +
              "which a read-only policy keeps untouched",
            { hint: "remove those traits, or adopt the object with a take-over policy instead of read-only" },
          );
        }
        continue;
      }
      if (mode === "take-over") {
        writes.push(traitWrites(reference, true));
        continue;
      }
      if (owner !== undefined && owner !== self) {
        throw new VelaError(
          "E_ADOPT_OWNED",
          `existing object ${objectName(live)} is managed by other application ${owner}`,
          { hint: "add a take-over policy selecting it to move it to this application, or read-only to only read it" },
        );
      }
      if (fields.length === 0) continue;
      if (owner === undefined) {
        throw new VelaError(
          "E_ADOPT_UNMANAGED",
          `component "${manifest.name}": its traits would change ${objectName(live)} (${fields.join(", ")}), ` +
            "which exists but is not managed by any application",
          { hint: "add a take-over policy selecting it (vela-ts adopt --mode take-over writes one)" },
        );
      }
      writes.push(traitWrites(reference, true));
    }
  }
  return { tracked, writes };
}
