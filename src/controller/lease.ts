import type { Cluster } from "../cluster/cluster.js";
import { ConflictError } from "../errors/index.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import type { Clock, JsonObject } from "../util/index.js";

/** Leader election settings, as client-go's `leaderelection.LeaderElectionConfig`. */
export interface LeaseSettings {
  /** @default "vela-ts-controller" */
  readonly name?: string;
  readonly namespace: string;
  /** This candidate's identity (hostname + pid + random, by default in the CLI). */
  readonly identity: string;
  /** How long a lease is valid without renewal; others wait this long before taking it over. @default 15000 */
  readonly leaseDurationMs?: number;
  /** A leader that could not renew for this long stops acting. Must be below the lease duration. @default 10000 */
  readonly renewDeadlineMs?: number;
  /** Time between acquire and renew attempts. @default 2000 */
  readonly retryPeriodMs?: number;
  /**
   * The only namespace whose Applications the candidate reconciles, recorded on the Lease so CLI
   * commands can tell whether its holder reconciles their app. @default all namespaces
   */
  readonly watchNamespace?: string;
  /** Labels kept on the Lease (a shard's Lease carries its `controller.core.oam.dev/shard-id`). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The name of the controller's Lease. */
export const CONTROLLER_LEASE_NAME = "vela-ts-controller";

/** Annotation on the controller's Lease: the one namespace its holder reconciles (absent: all of them). */
export const ANNOTATION_WATCH_NAMESPACE = "controller.vela-ts.io/watch-namespace";

/** `metav1.MicroTime` as the API server writes it. */
export function formatMicroTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

function specOf(lease: KubeObject): LeaseSpec {
  return (lease.spec as LeaseSpec | undefined) ?? {};
}

/**
 * A `coordination.k8s.io/v1` Lease used as a lock (client-go's `resourcelock.LeaseLock`). Every write
 * carries the resourceVersion that was read, so of two candidates racing for the lease exactly one
 * wins (the other gets a 409). Expiry is judged by *this* process's clock from the moment it last saw
 * the lease record change — not from the renewTime written by another machine — so clock skew between
 * candidates cannot make two of them leaders at once.
 */
export class LeaseLock {
  private observed: { readonly record: string; readonly at: number } | undefined;
  private readonly durationMs: number;
  readonly ref: ObjectRef;

  constructor(
    private readonly cluster: Cluster,
    private readonly clock: Clock,
    private readonly settings: LeaseSettings,
  ) {
    this.durationMs = settings.leaseDurationMs ?? 15_000;
    this.ref = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      name: settings.name ?? CONTROLLER_LEASE_NAME,
      namespace: settings.namespace,
    };
  }

  get identity(): string {
    return this.settings.identity;
  }

  /** The holder seen by the last attempt ("" when released, undefined before the first attempt). */
  holder: string | undefined;

  private observe(lease: KubeObject, now: number): void {
    const spec = specOf(lease);
    const record = JSON.stringify([
      spec.holderIdentity ?? "",
      spec.renewTime ?? "",
      spec.acquireTime ?? "",
      spec.leaseTransitions ?? 0,
    ]);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    this.holder = spec.holderIdentity ?? "";
  }

  /** The Lease's metadata with this candidate's watch scope (a holder of another scope may have left its own). */
  private metadata(metadata: KubeObject["metadata"]): KubeObject["metadata"] {
    const { [ANNOTATION_WATCH_NAMESPACE]: _previous, ...others } = metadata.annotations ?? {};
    const annotations =
      this.settings.watchNamespace === undefined
        ? others
        : { ...others, [ANNOTATION_WATCH_NAMESPACE]: this.settings.watchNamespace };
    const { annotations: _annotations, ...rest } = metadata;
    const labelled =
      this.settings.labels === undefined ? rest : { ...rest, labels: { ...rest.labels, ...this.settings.labels } };
    return Object.keys(annotations).length === 0 ? labelled : { ...labelled, annotations };
  }

  private spec(now: Date, previous: LeaseSpec | undefined): JsonObject {
    const renewing = previous?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.durationMs / 1000)),
      acquireTime: renewing && previous?.acquireTime !== undefined ? previous.acquireTime : formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (previous === undefined || renewing ? 0 : 1),
    };
  }

  /**
   * One attempt to take or keep the lease: true when this candidate holds it afterwards. False when
   * another holder's lease has not expired or another candidate won the race (409). Network errors throw.
   */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const lease = await this.cluster.get(this.ref);
    if (lease === undefined) {
      try {
        const created = await this.cluster.create({
          apiVersion: this.ref.apiVersion,
          kind: this.ref.kind,
          metadata: this.metadata({ name: this.ref.name, namespace: this.settings.namespace }),
          spec: this.spec(now, undefined),
        });
        this.observe(created, now.getTime());
        return true;
      } catch (error) {
        if (error instanceof ConflictError) return false;
        throw error;
      }
    }
    this.observe(lease, now.getTime());
    const spec = specOf(lease);
    const holder = spec.holderIdentity ?? "";
    const duration = spec.leaseDurationSeconds === undefined ? this.durationMs : spec.leaseDurationSeconds * 1000;
    if (holder !== "" && holder !== this.identity && (this.observed?.at ?? 0) + duration > now.getTime()) return false;
    try {
      const updated = await this.cluster.update({
        ...lease,
        metadata: this.metadata(lease.metadata),
        spec: this.spec(now, spec),
      });
      this.observe(updated, now.getTime());
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
  }

  /** Gives the lease up (holder "" and a 1 s duration) so a standby takes over at once; no-op when not held. */
  async release(): Promise<boolean> {
    const lease = await this.cluster.get(this.ref);
    if (lease === undefined || specOf(lease).holderIdentity !== this.identity) return false;
    const now = formatMicroTime(this.clock.now());
    try {
      await this.cluster.update({
        ...lease,
        spec: {
          ...(lease.spec as JsonObject),
          holderIdentity: "",
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      });
      this.holder = "";
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
  }
}

/** The controller holding a live Lease: who it is and which Applications it reconciles. */
export interface ActiveController {
  readonly holder: string;
  /** Where the Lease is. */
  readonly leaseNamespace: string;
  /** The Lease's name (`vela-ts-controller`, or `vela-ts-controller-<shard>` for a shard). */
  readonly leaseName: string;
  /** The one namespace it reconciles; undefined: all namespaces. */
  readonly watchNamespace?: string;
  /** `renewTime` + `leaseDurationSeconds`: when the Lease expires unless renewed. */
  readonly expiresAt: Date;
}

/**
 * The controller holding the Lease in `namespace`, or undefined when there is no Lease, it was
 * released (holder ""), or it expired. A one-off look, so unlike {@link LeaseLock} it judges expiry
 * from the holder's `renewTime` against this clock: a CLI command that wrongly sees a controller
 * that just died only waits for the lease to lapse (a standby, or the command itself, then takes over).
 */
export async function activeController(
  cluster: Cluster,
  clock: Clock,
  namespace = "default",
  name: string = CONTROLLER_LEASE_NAME,
): Promise<ActiveController | undefined> {
  const lease = await cluster.get({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", name, namespace });
  if (lease === undefined) return undefined;
  const held = leaseHolder(lease, clock);
  if (held === undefined) return undefined;
  const watchNamespace = lease.metadata.annotations?.[ANNOTATION_WATCH_NAMESPACE];
  return {
    ...held,
    leaseNamespace: namespace,
    leaseName: name,
    ...(watchNamespace === undefined || watchNamespace === "" ? {} : { watchNamespace }),
  };
}

/**
 * The live holder of a Lease and when it expires, judged from its `renewTime` against `clock`;
 * undefined when it was released (holder "") or expired.
 */
export function leaseHolder(
  lease: KubeObject,
  clock: Clock,
): { readonly holder: string; readonly expiresAt: Date } | undefined {
  const spec = specOf(lease);
  const holder = spec.holderIdentity ?? "";
  const renewedAt = Date.parse(spec.renewTime ?? spec.acquireTime ?? "");
  if (holder === "" || !Number.isFinite(renewedAt)) return undefined;
  const expiresAt = renewedAt + (spec.leaseDurationSeconds ?? 15) * 1000;
  if (expiresAt <= clock.now().getTime()) return undefined;
  return { holder, expiresAt: new Date(expiresAt) };
}
