/**
 * Helm's three-way merge reduced to JSON merge patches (`helm/helm` `pkg/kube/client.go`
 * `createPatch`): the patch from the previous release manifest to the new one, applied to the
 * live object. Fields neither manifest mentions — `spec.paused`, the Rollout's in-progress
 * annotation and stable-revision label, status — are left alone, so repeated reconciles do not
 * fight the Rollout (ROLLOUT-SEMANTICS §1.12).
 */
import { isJsonObject, jsonEqual, mergePatchBetween, type JsonObject, type JsonValue } from "../../../../util/index.js";

export { mergePatchBetween };

/** Whether applying `patch` to `live` would change anything. */
export function patchChanges(live: JsonValue | undefined, patch: JsonObject): boolean {
  if (!isJsonObject(live)) return Object.keys(patch).length > 0;
  for (const [key, value] of Object.entries(patch)) {
    const current = live[key];
    if (value === null) {
      if (current !== undefined) return true;
    } else if (isJsonObject(value)) {
      if (!isJsonObject(current) || patchChanges(current, value)) return true;
    } else if (!jsonEqual(current, value)) return true;
  }
  return false;
}
