import type { Cluster } from "../cluster/cluster.js";
import { VelaError } from "../errors/index.js";
import { refOf, type KubeObject } from "../model/kube-object.js";
import type { ComponentManifest } from "../render/index.js";
import type { JsonObject } from "../util/index.js";
import type { AdoptionPolicies } from "./adoption.js";
import { selectorMatches, type AppliedObjectOrigin } from "./apply-once.js";
import { objectsToApply } from "./component-runtime.js";
import { isSharedBy, ownerOf } from "./shared-resource.js";

/**
 * An application owns what it renders (KubeVela 1.7+'s `MustBeControlledByApp`): an object that
 * already exists is written only when its `app.oam.dev/name` / `app.oam.dev/namespace` labels name
 * this application, or when one of the app's policies selects it — `shared-resource` (the app joins
 * it, see shared-resource.ts) or `take-over` (the app takes it). One whose labels name another
 * application is refused (`E_ADOPT_OWNED`), and so is one that no application manages — created with
 * kubectl, a script or a controller (`E_ADOPT_UNMANAGED`): writing over it would silently take it.
 */

/** Who applies, and which of its policies may let it write an object another app owns. */
export interface OwnershipClaim {
  /** The applying app, `namespace/name`. */
  readonly app: string;
  readonly shared: readonly JsonObject[];
  readonly adoption: AdoptionPolicies;
}

function describeObject(object: KubeObject): string {
  const namespace = object.metadata.namespace;
  return `${object.kind} ${namespace === undefined ? "" : `${namespace}/`}${object.metadata.name ?? ""}`;
}

function originsOf(manifest: ComponentManifest): Map<KubeObject, AppliedObjectOrigin> {
  const origins = new Map<KubeObject, AppliedObjectOrigin>();
  for (const object of objectsToApply(manifest))
    origins.set(object, { component: manifest.name, componentType: manifest.type });
  for (const trait of manifest.traits)
    for (const output of trait.outputs)
      origins.set(output.object, { component: manifest.name, componentType: manifest.type, trait: trait.type });
  return origins;
}

/** What the check read: each object the component writes, and its live state (undefined: absent). */
export type LiveObjects = ReadonlyMap<KubeObject, KubeObject | undefined>;

/**
 * The refusal: KubeVela's words, then what to do — in the message itself, since it ends up as the
 * failed step's message in the Application's status (which has no room for a hint).
 */
function refusal(
  manifest: ComponentManifest,
  object: KubeObject,
  claim: OwnershipClaim,
  owner: string | undefined,
  clusterName: string | undefined,
): VelaError {
  const where = clusterName === undefined ? "" : ` in cluster "${clusterName}"`;
  const subject = `component "${manifest.name}" of application ${claim.app}`;
  const [code, problem, advice]: readonly ["E_ADOPT_UNMANAGED" | "E_ADOPT_OWNED", string, string] =
    owner === undefined
      ? [
          "E_ADOPT_UNMANAGED",
          `${describeObject(object)}${where} exists but not managed by any application now`,
          `add a take-over policy selecting it to move it to ${claim.app} ` +
            `(vela-ts adopt ${object.kind.toLowerCase()}/${object.metadata.name ?? ""} --mode take-over writes one), ` +
            "or delete it first",
        ]
      : [
          "E_ADOPT_OWNED",
          `existing object ${describeObject(object)}${where} is managed by other application ${owner}`,
          `add a shared-resource policy selecting it to share it with ${owner}, ` +
            `or a take-over policy to move it to ${claim.app}`,
        ];
  return new VelaError(code, `${subject}: ${problem} (${advice})`, { hint: advice });
}

/**
 * Reads the live objects a component would write in `cluster` and throws at the first one the app
 * may not write: `E_ADOPT_OWNED` when another application manages it, `E_ADOPT_UNMANAGED` when none
 * does, naming the object, the applications and the cluster — unless a `shared-resource` or
 * `take-over` rule selects it. Writes nothing, so a refusal leaves the cluster as it was. Returns
 * what it read, so the apply that follows does not read it again.
 */
export async function assertOwnable(
  cluster: Cluster,
  manifest: ComponentManifest,
  claim: OwnershipClaim,
  clusterName?: string,
): Promise<LiveObjects> {
  const origins = originsOf(manifest);
  const live = new Map<KubeObject, KubeObject | undefined>();
  for (const object of objectsToApply(manifest)) {
    const existing = await cluster.get(refOf(object));
    live.set(object, existing);
    if (existing === undefined) continue;
    const owner = ownerOf(existing);
    if (owner === claim.app) continue;
    const origin = origins.get(object) ?? { component: manifest.name, componentType: manifest.type };
    if (isSharedBy(claim.shared, object, origin)) continue;
    if (claim.adoption.takeOver.some((selector) => selectorMatches(selector, object, origin))) continue;
    throw refusal(manifest, object, claim, owner, clusterName);
  }
  return live;
}
