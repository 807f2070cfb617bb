import type { KubeObject, ObjectRef } from "../../model/kube-object.js";
import type { ControllerView, KeyedReconciler } from "./controller-contract.js";
import { keyOf, objectKey } from "./store/object-index.js";

/** A primary object as a queue holds it: where to read it and where it sorts in a pass. */
export interface ReferringKey {
  readonly ref: ObjectRef;
  readonly kindIndex: number;
}

interface Referrer {
  readonly key: ReferringKey;
  readonly targets: readonly string[];
}

/**
 * Which primary objects of one keyed controller name which objects (its `references`), by the
 * object's store key: the field index a controller-runtime map function reads to turn "this
 * Deployment changed" into "the Rollout whose workloadRef names it". Loaded one namespace at a time,
 * from the view, the first time a change in that namespace needs it; kept current afterwards by
 * {@link ReferrerIndex.refresh} for every primary the feed shows changed. A primary whose references
 * changed is queued by its own change anyway, so an index that reflects the view as it is now (not
 * as it was at each change) maps every other change right.
 */
export class ReferrerIndex {
  private readonly byTarget = new Map<string, Set<string>>();
  private readonly byPrimary = new Map<string, Referrer>();
  private readonly loaded = new Set<string>();

  constructor(private readonly keyed: KeyedReconciler) {}

  /** The primaries that name the object with store key `target` in `namespace` (loaded on first use). */
  referrersOf(target: string, namespace: string, view: ControllerView): ReferringKey[] {
    this.load(namespace, view);
    const found: ReferringKey[] = [];
    for (const primary of this.byTarget.get(target) ?? []) {
      const referrer = this.byPrimary.get(primary);
      if (referrer !== undefined) found.push(referrer.key);
    }
    return found;
  }

  /** Re-reads one primary from the view after a change of it (dropped when it is gone). */
  refresh(ref: ObjectRef, kindIndex: number, view: ControllerView): void {
    if (!this.loaded.has(ref.namespace ?? "")) return;
    const key = objectKey(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    this.remove(key);
    const object = view.get(ref);
    if (object !== undefined) this.add(object, kindIndex);
  }

  private load(namespace: string, view: ControllerView): void {
    if (this.loaded.has(namespace)) return;
    this.loaded.add(namespace);
    this.keyed.primaries.forEach((kind, kindIndex) => {
      for (const object of view.list(kind.apiVersion, kind.kind, namespace === "" ? {} : { namespace }))
        if ((object.metadata.namespace ?? "") === namespace) this.add(object, kindIndex);
    });
  }

  private add(object: KubeObject, kindIndex: number): void {
    const key = keyOf(object);
    const targets = (this.keyed.references?.(object) ?? []).map((ref) =>
      objectKey(ref.apiVersion, ref.kind, ref.namespace, ref.name),
    );
    this.byPrimary.set(key, { key: { ref: refOf(object), kindIndex }, targets });
    for (const target of targets) {
      let referrers = this.byTarget.get(target);
      if (referrers === undefined) this.byTarget.set(target, (referrers = new Set()));
      referrers.add(key);
    }
  }

  private remove(key: string): void {
    const known = this.byPrimary.get(key);
    if (known === undefined) return;
    this.byPrimary.delete(key);
    for (const target of known.targets) {
      const referrers = this.byTarget.get(target);
      referrers?.delete(key);
      if (referrers?.size === 0) this.byTarget.delete(target);
    }
  }
}

/** The ref of a stored object. */
export function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  };
}
