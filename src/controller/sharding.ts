/**
 * Controller sharding as KubeVela v1.8 does it (`--enable-sharding`, `--shard-id`): every controller
 * reconciles only the Applications labelled `controller.core.oam.dev/scheduled-shard-id=<its shard>`;
 * the `master` shard also schedules the Applications that carry no such label onto a live shard.
 * Where KubeVela discovers shards from ready vela-core pods, a shard here is live while its Lease
 * (`vela-ts-controller-<shard>`, labelled `controller.core.oam.dev/shard-id`) is held and renewed.
 * Beyond KubeVela (whose webhook never reschedules), the master moves the apps of a shard whose
 * Lease expired onto live shards, so a killed shard's apps are picked up without a person.
 */
import type { Cluster } from "../cluster/cluster.js";
import { ConflictError, NotFoundError, UsageError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import type { Clock } from "../util/index.js";
import { CONTROLLER_LEASE_NAME, leaseHolder } from "./lease.js";

/** Label on an Application: the shard that reconciles it (KubeVela's name). */
export const LABEL_SCHEDULED_SHARD_ID = "controller.core.oam.dev/scheduled-shard-id";
/** Label on a shard's Lease (on KubeVela, on the vela-core pod): the shard it belongs to. */
export const LABEL_SHARD_ID = "controller.core.oam.dev/shard-id";
/** The shard that schedules unlabelled Applications. */
export const MASTER_SHARD = "master";

/** `--shard-id` and `--schedulable-shards` of a sharded controller. */
export interface ShardSettings {
  /** This controller's shard: `master` schedules, any other reconciles only its own apps. */
  readonly shardId: string;
  /**
   * Shards the master may schedule onto (KubeVela's `--schedulable-shards`). A listed shard still
   * has to hold a live Lease. @default every live shard but the master
   */
  readonly schedulableShards?: readonly string[];
}

const SHARD_ID = /^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/;

/** Checks a shard id (it becomes a label value and part of a Lease name). */
export function validateShardId(flag: string, id: string): string {
  if (!SHARD_ID.test(id))
    throw new UsageError(`${flag} "${id}" is not a valid shard id`, {
      hint: "use lower-case letters, digits and '-', at most 42 characters, e.g. shard-0 or master",
    });
  return id;
}

/** The Lease a shard's controllers elect their leader with. */
export function shardLeaseName(shardId: string): string {
  return `${CONTROLLER_LEASE_NAME}-${shardId}`;
}

/** The shard an Application is scheduled to ("" when none). */
export function scheduledShardOf(app: KubeObject): string {
  return app.metadata.labels?.[LABEL_SCHEDULED_SHARD_ID] ?? "";
}

/** Lease state of the shards found in the Lease namespace. */
export interface ShardView {
  /** Shards whose Lease has a live holder. */
  readonly live: readonly string[];
  /** Shards whose Lease exists but has expired or was released: their apps may move. */
  readonly lapsed: ReadonlySet<string>;
}

/** Reads the shard Leases (`controller.core.oam.dev/shard-id` label) of `namespace`. */
export async function viewShards(cluster: Cluster, clock: Clock, namespace: string): Promise<ShardView> {
  const leases = await cluster.list("coordination.k8s.io/v1", "Lease", { namespace, labelSelector: LABEL_SHARD_ID });
  const live: string[] = [];
  const lapsed = new Set<string>();
  for (const lease of leases) {
    const shard = lease.metadata.labels?.[LABEL_SHARD_ID];
    if (shard === undefined || shard === "" || lease.metadata.name !== shardLeaseName(shard)) continue;
    if (leaseHolder(lease, clock) === undefined) lapsed.add(shard);
    else live.push(shard);
  }
  return { live: live.sort(), lapsed };
}

/**
 * The master's scheduler: picks a live schedulable shard for every Application that has none or
 * whose shard's Lease lapsed. An app that lost its label keeps the shard it had while that shard
 * lives (KubeVela's webhook makes the label inherit the old one). Each pick is a shard with the
 * fewest apps (round-robin among equals), so a shard that joins late fills up first.
 */
export class ShardScheduler {
  /** The last shard each app was seen scheduled to (kept when the label disappears). */
  private readonly known = new Map<string, string>();
  /** Apps per shard in {@link known}. */
  private readonly counts = new Map<string, number>();
  private nextIndex = 0;

  constructor(private readonly settings: ShardSettings) {}

  private remember(key: string, shard: string | undefined): void {
    const before = this.known.get(key);
    if (before === shard) return;
    if (before !== undefined) this.counts.set(before, (this.counts.get(before) ?? 1) - 1);
    if (shard === undefined) this.known.delete(key);
    else {
      this.known.set(key, shard);
      this.counts.set(shard, (this.counts.get(shard) ?? 0) + 1);
    }
  }

  /** Records what the watch saw of an app; `undefined` forgets it (deleted). */
  observe(key: string, app: KubeObject | undefined): void {
    if (app === undefined) this.remember(key, undefined);
    else if (scheduledShardOf(app) !== "") this.remember(key, scheduledShardOf(app));
  }

  /** The apps last seen on one of `shards`. */
  keysOn(shards: ReadonlySet<string>): string[] {
    const keys: string[] = [];
    for (const [key, shard] of this.known) if (shards.has(shard)) keys.push(key);
    return keys;
  }

  /** The shards apps may be scheduled onto now (sorted). */
  candidates(view: ShardView): readonly string[] {
    const allowed = this.settings.schedulableShards;
    return view.live.filter((shard) => (allowed === undefined ? shard !== MASTER_SHARD : allowed.includes(shard)));
  }

  /**
   * Where `app` should go, or undefined when it stays: it is on a live (or never seen) shard, or no
   * shard can take it. The pick is counted at once, so a burst of new apps spreads evenly.
   */
  placement(key: string, app: KubeObject, view: ShardView, candidates: readonly string[]): string | undefined {
    const current = scheduledShardOf(app);
    if (current !== "" && !view.lapsed.has(current)) return undefined;
    const previous = this.known.get(key);
    if (current === "" && previous !== undefined && view.live.includes(previous)) return previous;
    if (candidates.length === 0) return undefined;
    if (previous !== undefined) this.remember(key, undefined);
    const fewest = Math.min(...candidates.map((shard) => this.counts.get(shard) ?? 0));
    const emptiest = candidates.filter((shard) => (this.counts.get(shard) ?? 0) === fewest);
    const picked = emptiest[this.nextIndex % emptiest.length] ?? candidates[0];
    this.nextIndex += 1;
    if (picked !== undefined) this.remember(key, picked);
    return picked;
  }
}

/**
 * Labels `app` for `shard`, guarded by the resourceVersion read: false when the app changed or went
 * meanwhile (the watch brings the new state and it is looked at again).
 */
export async function scheduleApplication(cluster: Cluster, app: KubeObject, shard: string): Promise<boolean> {
  try {
    await cluster.update({
      ...app,
      metadata: { ...app.metadata, labels: { ...app.metadata.labels, [LABEL_SCHEDULED_SHARD_ID]: shard } },
    });
    return true;
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError) return false;
    throw error;
  }
}
