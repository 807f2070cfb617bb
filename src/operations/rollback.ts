import type { KubeObject } from "../model/kube-object.js";
import { rollbackApplicationWith } from "../reconciler/rollback.js";
import type { Target } from "../target/target.js";

export {
  ANNOTATION_ROLLBACK_TO,
  completePendingRollback,
  rollbackApplicationWith,
  type RollbackParts,
} from "../reconciler/rollback.js";

/** `vela-ts workflow rollback <app> [--revision N]`: the messages to print (KubeVela's wording where it has one). */
export async function rollbackApplication(
  target: Target,
  app: KubeObject,
  name: string,
  namespace: string,
  requested: number | undefined,
): Promise<string[]> {
  return rollbackApplicationWith(
    { cluster: target.cluster, registry: target.registry, clock: target.deps.clock },
    app,
    name,
    namespace,
    requested,
  );
}
