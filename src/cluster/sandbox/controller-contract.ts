import type { ValidationIssue } from "../../errors/index.js";
import type { KubeObject, ObjectRef } from "../../model/kube-object.js";
import type { ListOptions, PatchBody } from "../cluster.js";

/**
 * A read-only, consistent snapshot of the sandbox store, as a simulated controller sees it
 * during one pass. Lookups are synchronous: the runner loads what controllers need up front.
 */
export interface ControllerView {
  get(ref: ObjectRef): KubeObject | undefined;
  list(apiVersion: string, kind: string, options?: ListOptions): readonly KubeObject[];
  /**
   * The objects whose ownerReferences name `uid` (any kind), from the store's owner index; a view
   * without one leaves it out and controllers list and filter instead.
   */
  dependentsOf?(uid: string): readonly KubeObject[];
  /**
   * The object holding an allocated value (`clusterIP/10.96.0.12`, `nodePort/30080`: see
   * store/allocations.ts), from the store's allocation index; a view without one leaves it out and
   * the Service registry lists Services instead.
   */
  allocatedTo?(allocation: string): ObjectRef | undefined;
}

/**
 * One write a controller wants made. The runner applies them in order, each as one store write
 * (so "API writes until 100% traffic is stable" can be counted), then runs the next pass.
 * `update`/`updateStatus` carry the resourceVersion the controller read: a stale one is dropped
 * and the pass re-runs, as a real controller's 409 + requeue would.
 */
export type ControllerChange =
  | { readonly op: "create"; readonly object: KubeObject }
  | { readonly op: "update"; readonly object: KubeObject }
  | { readonly op: "updateStatus"; readonly object: KubeObject }
  | { readonly op: "patch"; readonly ref: ObjectRef; readonly body: PatchBody }
  | { readonly op: "patchStatus"; readonly ref: ObjectRef; readonly body: PatchBody }
  | { readonly op: "delete"; readonly ref: ObjectRef };

/** The outcome of looking a chart up through the sandbox's chart mirrors. */
export type ChartResolution =
  | {
      readonly ok: true;
      readonly chart: string;
      readonly version: string;
      readonly appVersion?: string;
      /** sha256 of the archive, as in the repository index. */
      readonly digest: string;
      /** Renders the chart as `helm template` would (the Go-template engine). */
      render(options: {
        readonly releaseName: string;
        readonly namespace: string;
        readonly values: Readonly<Record<string, unknown>>;
      }): readonly KubeObject[];
    }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/**
 * Charts as the simulated source-controller sees them. `resolve` is synchronous and pure over what
 * `prefetch` loaded; the runner calls `prefetch` with every HelmRepository URL before a pass, so
 * network (loopback http) and disk reads stay at the edge.
 */
export interface ChartCatalog {
  prefetch(repositoryUrls: readonly string[]): Promise<void>;
  resolve(repositoryUrl: string, chart: string, versionConstraint: string): ChartResolution;
}

/** What a controller may use besides the view: time, a seeded random source and the chart catalog. */
export interface ControllerEnv {
  readonly now: Date;
  /** Deterministic per sandbox (seeded); used e.g. for `generateName` suffixes. */
  random(): number;
  /** Absent when no chart mirror is configured: the Flux controller then reports a clear condition. */
  readonly charts?: ChartCatalog;
  /** Names of enabled addons; controllers with an `addon` run only when it is listed. */
  readonly enabledAddons: ReadonlySet<string>;
}

/**
 * A simulated controller (STYLE §9): a documented copy of an upstream controller's observable
 * behaviour. `reconcile` is pure: same view + env → same changes.
 */
export interface SimulatedController {
  /** e.g. `deployment`, `kruise-rollout`; also the name an addon switches on. */
  readonly name: string;
  /** The addon that must be enabled for this controller to run; absent = always on (core kinds). */
  readonly addon?: string;
  reconcile(view: ControllerView, env: ControllerEnv): readonly ControllerChange[];
  /**
   * The earliest future instant at which this controller would act without any write happening
   * (a timed pause ending, a pod becoming ready). The CLI's `--wait` sleeps until then.
   */
  nextWakeAt?(view: ControllerView, env: ControllerEnv): Date | undefined;
  /**
   * The same controller, one object at a time (controller-runtime's `Reconcile(request)`): with it,
   * the runner visits only the objects a write concerns instead of calling `reconcile` on
   * everything. `reconcile` and `nextWakeAt` must stay equal to running it over every primary object.
   */
  readonly keyed?: KeyedReconciler;
}

/** A kind a controller reconciles, one object of it per key (any served version of its group). */
export interface WatchedKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * A kind whose changes concern a controller, and which of its keys a changed object maps to
 * (controller-runtime's `Watches` with `EnqueueRequestForObject`, `EnqueueRequestForOwner`, or a
 * map function over a field index): `self` for a primary kind, `controller-owner` for children that
 * name their primary object in a `controller: true` ownerReference, `referrers` for objects a primary
 * names by reference (a Rollout's `workloadRef`, its traffic routing's Service): the primaries whose
 * {@link KeyedReconciler.references} name the object, or name what `through` maps it to.
 */
export interface ControllerWatch extends WatchedKind {
  readonly mapTo: "self" | "controller-owner" | "referrers";
  /**
   * For `referrers`: the objects whose referrers a change of this object concerns, when not the
   * object itself (a ReplicaSet concerns the Rollout that references its controlling Deployment).
   */
  readonly through?: (object: KubeObject) => readonly ObjectRef[];
}

/**
 * A controller that reconciles one primary object at a time. It must read nothing but the object, the
 * children its watches map to it, and the env: then a pass over the objects a write concerns reaches
 * the fixed point a pass over everything reaches.
 */
export interface KeyedReconciler {
  /** The kinds of the objects it reconciles (the keys). */
  readonly primaries: readonly WatchedKind[];
  /** Every kind whose changes it reads, and how they map to keys (the primaries' `self` included). */
  readonly watches: readonly ControllerWatch[];
  /** The changes for one primary object, as `reconcile` gives them for it. */
  reconcileObject(object: KubeObject, view: ControllerView, env: ControllerEnv): readonly ControllerChange[];
  /**
   * The objects this primary reads by name, all in its own namespace (what a `referrers` watch looks
   * up): a function of the object alone, indexed by the change feed as controller-runtime's field
   * indexer would be.
   */
  references?(object: KubeObject): readonly ObjectRef[];
  /** When this object next needs a visit with no write happening (a pod becoming ready), if ever. */
  wakeAt?(object: KubeObject, view: ControllerView, env: ControllerEnv): Date | undefined;
}

/**
 * A simulated mutating admission webhook (e.g. Kruise Rollout pausing a Deployment whose template
 * changed). Called on every create/update/apply of an object before it is stored; returns the
 * object to store (possibly changed).
 */
export interface SimulatedAdmission {
  readonly name: string;
  readonly addon?: string;
  admit(
    operation: "CREATE" | "UPDATE",
    incoming: KubeObject,
    existing: KubeObject | undefined,
    view: ControllerView,
  ): KubeObject;
}

/**
 * A simulated validating admission webhook (Kruise Rollout's, or the API server's schema checks a
 * CRD implies). `validate` returns every problem (JSON pointers into the object), empty when the
 * write is allowed. The store refuses a write with problems (as an admission that throws); commands
 * that write several objects run it on all of them before the first write.
 */
export interface SimulatedValidation {
  readonly name: string;
  readonly addon?: string;
  validate(
    operation: "CREATE" | "UPDATE",
    incoming: KubeObject,
    existing: KubeObject | undefined,
    view: ControllerView,
  ): readonly ValidationIssue[];
}
