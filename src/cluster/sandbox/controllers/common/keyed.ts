import type { KubeObject } from "../../../../model/kube-object.js";
import { groupOf } from "../../../../model/kube-object.js";
import type {
  ControllerChange,
  ControllerEnv,
  ControllerView,
  KeyedReconciler,
  WatchedKind,
} from "../../controller-contract.js";
import { byNamespaceThenName } from "../../store/object-key.js";
import { controllerUidOf } from "./owners.js";

/**
 * The objects of `kind` whose controller ownerReference names `owner`'s uid, in the order `list`
 * gives them (namespace, then name), so a controller acts on them in the same order whichever way
 * it found them. Reads the store's owner index when the view has one.
 */
export function controlledChildren(view: ControllerView, owner: KubeObject, kind: WatchedKind): readonly KubeObject[] {
  const uid = owner.metadata.uid;
  if (uid === undefined || uid === "") return [];
  if (view.dependentsOf === undefined)
    return view.list(kind.apiVersion, kind.kind).filter((object) => controllerUidOf(object) === uid);
  const group = groupOf(kind.apiVersion);
  return view
    .dependentsOf(uid)
    .filter(
      (object) => object.kind === kind.kind && groupOf(object.apiVersion) === group && controllerUidOf(object) === uid,
    )
    .sort(byNamespaceThenName);
}

/** Every object of the reconciler's primary kinds, in pass order. */
export function primaryObjects(keyed: KeyedReconciler, view: ControllerView): readonly KubeObject[] {
  return keyed.primaries.flatMap((kind) => view.list(kind.apiVersion, kind.kind));
}

/** `reconcile` as a pass over every primary object (the full pass the keyed one must equal). */
export function reconcileEvery(keyed: KeyedReconciler, view: ControllerView, env: ControllerEnv): ControllerChange[] {
  return primaryObjects(keyed, view).flatMap((object) => keyed.reconcileObject(object, view, env));
}

/** `nextWakeAt` as the earliest wake of every primary object. */
export function earliestWakeOfEvery(
  keyed: KeyedReconciler,
  view: ControllerView,
  env: ControllerEnv,
): Date | undefined {
  if (keyed.wakeAt === undefined) return undefined;
  let earliest: Date | undefined;
  for (const object of primaryObjects(keyed, view)) {
    const at = keyed.wakeAt(object, view, env);
    if (at !== undefined && (earliest === undefined || at.getTime() < earliest.getTime())) earliest = at;
  }
  return earliest;
}
