import type { KubeObject, OwnerReference } from "../../../../model/kube-object.js";

/** An ownerReference naming `owner` as the controller (the one `kubectl` shows as "Controlled By"). */
export function controllerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True when `object` has a controller ownerReference to `owner` (matched by uid, or by kind+name when uids are absent). */
export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  const uid = owner.metadata.uid;
  return (object.metadata.ownerReferences ?? []).some(
    (ref) =>
      ref.controller === true &&
      (uid !== undefined && uid !== "" ? ref.uid === uid : ref.kind === owner.kind && ref.name === owner.metadata.name),
  );
}

/** The uid of the controller ownerReference, if any. */
export function controllerUidOf(object: KubeObject): string | undefined {
  return (object.metadata.ownerReferences ?? []).find((ref) => ref.controller === true)?.uid;
}

/**
 * Groups objects by the uid of their controller owner, so a controller finds the children of N
 * parents in one pass over the list (O(N), not O(N²)).
 */
export function groupByController(objects: readonly KubeObject[]): ReadonlyMap<string, readonly KubeObject[]> {
  const groups = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const uid = controllerUidOf(object);
    if (uid === undefined) continue;
    const group = groups.get(uid);
    if (group === undefined) groups.set(uid, [object]);
    else group.push(object);
  }
  return groups;
}

/** The children of `owner` in a {@link groupByController} index. */
export function childrenOf(
  index: ReadonlyMap<string, readonly KubeObject[]>,
  owner: KubeObject,
): readonly KubeObject[] {
  return index.get(owner.metadata.uid ?? "") ?? [];
}
