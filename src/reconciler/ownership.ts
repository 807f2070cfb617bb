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
 * An application owns what it renders (KubeVela's `MustBeControlledByApp`): an object that already
 * exists and whose `app.oam.dev/name` / `app.oam.dev/namespace` labels name another application is
 * not written, unless one of the app's policies selects it — `shared-resource` (the app joins it,
 * see shared-resource.ts) or `take-over` (the app takes it). Objects without those labels (created
 * by hand, or by a controller) are written as before.
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

/**
 * Reads the live objects a component would write in `cluster` and throws `E_ADOPT_OWNED` (naming the
 * object, both applications and the cluster) at the first one another application manages that
 * neither a `shared-resource` nor a `take-over` rule selects. Writes nothing, so a refusal leaves
 * the cluster as it was.
 */
export async function assertOwnable(
  cluster: Cluster,
  manifest: ComponentManifest,
  claim: OwnershipClaim,
  clusterName?: string,
): Promise<void> {
  const origins = originsOf(manifest);
  for (const object of objectsToApply(manifest)) {
    const live = await cluster.get(refOf(object));
    const owner = live === undefined ? undefined : ownerOf(live);
    if (owner === undefined || owner === claim.app) continue;
    const origin = origins.get(object) ?? { component: manifest.name, componentType: manifest.type };
    if (isSharedBy(claim.shared, object, origin)) continue;
    if (claim.adoption.takeOver.some((selector) => selectorMatches(selector, object, origin))) continue;
    const where = clusterName === undefined ? "" : ` in cluster "${clusterName}"`;
    throw new VelaError(
      "E_ADOPT_OWNED",
      `component "${manifest.name}" of application ${claim.app}: existing object ${describeObject(object)}${where} ` +
        `is managed by other application ${owner}`,
      {
        hint: `add a shared-resource policy selecting it to share it with ${owner}, or a take-over policy to move it to ${claim.app}`,
      },
    );
  }
}
