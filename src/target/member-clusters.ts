import { existsSync, statSync } from "node:fs";
import type { Cluster } from "../cluster/cluster.js";
import {
  readClusterRegistry,
  unreadableClusterError,
  type ClusterEntry,
  type UnreadableCluster,
} from "../cluster/cluster-registry.js";
import { findSandboxServer, type SandboxCluster } from "../cluster/sandbox/index.js";
import { LOCAL_CLUSTER_NAME } from "../cluster/tracker.js";
import { VelaError } from "../errors/index.js";
import { SimulatedClock, type Clock } from "../util/index.js";
import type { ClusterGateway } from "../reconciler/cluster-gateway.js";
import { openCommandSandbox } from "./addon-objects.js";
import { openKubeTarget, openMemberKubeCluster } from "./kube-target.js";

/** One member cluster opened by this command. */
interface OpenedMember {
  readonly cluster: Cluster;
  readonly sandbox?: SandboxCluster;
  close(): void;
}

/** What {@link MemberClusters} needs to open a member. */
export interface MemberClustersOptions {
  /** The hub's clock: member sandboxes run on it (one time across the clusters of a command). */
  readonly clock: Clock;
  /** Shown to other commands waiting for a member sandbox's lock. */
  readonly command: string;
  /** Wait this long for a member sandbox another command holds. @default 10000 */
  readonly lockTimeoutMs?: number;
}

function unreachable(entry: ClusterEntry, why: string, hint: string): VelaError {
  return new VelaError("E_CLUSTER_UNREACHABLE", `cluster "${entry.name}" cannot be reached: ${why}`, { hint });
}

/**
 * The hub's {@link ClusterGateway}: the clusters joined to it (`vela-ts cluster join`), opened the
 * first time a deploy reaches them and kept open for the command. A member sandbox is another
 * sandbox directory with its own objects and controllers (the `sandbox serve` of that directory when
 * one runs); a kubeconfig member is a real cluster. Member sandboxes settle with the hub, and their
 * locks are let go while the hub's is ({@link MemberClusters.unlockedDuring}).
 */
export class MemberClusters implements ClusterGateway {
  private readonly opened = new Map<string, OpenedMember>();
  private recorded: { entries: ClusterEntry[]; unreadable: UnreadableCluster[] } | undefined;

  constructor(
    private readonly hub: Cluster,
    private readonly options: MemberClustersOptions,
  ) {}

  private async registry(): Promise<ClusterEntry[]> {
    this.recorded ??= await readClusterRegistry(this.hub);
    return this.recorded.entries;
  }

  async known(): Promise<{ name: string; labels: Readonly<Record<string, string>> }[]> {
    const entries = await this.registry();
    return [
      { name: LOCAL_CLUSTER_NAME, labels: {} },
      ...entries.map((entry) => ({ name: entry.name, labels: entry.labels })),
    ];
  }

  async open(name: string): Promise<Cluster> {
    if (name === LOCAL_CLUSTER_NAME) return this.hub;
    const already = this.opened.get(name);
    if (already !== undefined) return already.cluster;
    const entry = (await this.registry()).find((candidate) => candidate.name === name);
    const unreadable = this.recorded?.unreadable.find((candidate) => candidate.name === name);
    if (entry === undefined && unreadable !== undefined) throw unreadableClusterError(unreadable);
    if (entry === undefined)
      throw new VelaError("E_CLUSTER_UNKNOWN", `cluster "${name}" is not joined to this hub`, {
        hint: "join it with vela-ts cluster join NAME (--member-kubeconfig FILE for a real cluster), or deploy elsewhere (see vela-ts cluster list)",
      });
    const member = await this.connect(entry);
    this.opened.set(name, member);
    return member.cluster;
  }

  private async connect(entry: ClusterEntry): Promise<OpenedMember> {
    const { endpoint } = entry;
    if (endpoint.kind === "remote") {
      // Connection problems surface on first use, as E_CLUSTER_UNREACHABLE naming the server.
      const kube = await openMemberKubeCluster(entry.name, endpoint.credentials);
      return { cluster: kube, close: () => kube.close() };
    }
    const dir = endpoint.dir;
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw unreachable(
        entry,
        `its sandbox directory ${dir} does not exist`,
        `restore the directory, or detach the cluster with vela-ts cluster detach ${entry.name}`,
      );
    const server = findSandboxServer(dir);
    if (server !== undefined) {
      const kube = await openKubeTarget({ env: {}, kubeconfig: server.kubeconfig });
      return { cluster: kube, close: () => kube.close() };
    }
    try {
      // The member's time follows the hub's (its own recorded offset on top): one time for the command.
      const sandbox = await openCommandSandbox({
        dir,
        clock: new SimulatedClock(this.options.clock),
        command: this.options.command,
        ...(this.options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: this.options.lockTimeoutMs }),
      });
      return { cluster: sandbox, sandbox, close: () => sandbox.close() };
    } catch (error) {
      if (!(error instanceof VelaError)) throw error;
      throw unreachable(entry, error.message, error.hint ?? `check the sandbox directory ${dir}`);
    }
  }

  private sandboxes(): SandboxCluster[] {
    return [...this.opened.values()].flatMap((member) => (member.sandbox === undefined ? [] : [member.sandbox]));
  }

  /** Runs the opened member sandboxes' controllers until quiet; returns how many writes they made. */
  async settle(): Promise<number> {
    let writes = 0;
    for (const sandbox of this.sandboxes()) writes += (await sandbox.settle()).writes;
    return writes;
  }

  /** The earliest time an opened member sandbox's controllers act on their own. */
  nextWakeAt(): Date | undefined {
    const times = this.sandboxes().flatMap((sandbox) => {
      const at = sandbox.nextWakeAt();
      return at === undefined ? [] : [at.getTime()];
    });
    return times.length === 0 ? undefined : new Date(Math.min(...times));
  }

  /** The opened members' store versions (`name=version`), so a fixed point of the hub alone is never taken for one of all. */
  versions(): string {
    return [...this.opened.entries()]
      .map(([name, member]) => `${name}=${member.sandbox?.resourceVersion ?? "remote"}`)
      .join(",");
  }

  /** Runs `wait` with every opened member sandbox's lock let go. */
  unlockedDuring<T>(wait: () => Promise<T>): Promise<T> {
    return this.sandboxes().reduce<() => Promise<T>>((inner, sandbox) => () => sandbox.withoutLock(inner), wait)();
  }

  close(): void {
    for (const member of this.opened.values()) member.close();
    this.opened.clear();
  }
}
