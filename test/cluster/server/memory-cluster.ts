import type {
  ApplyOptions,
  Cluster,
  DeleteOptions,
  ListOptions,
  PatchBody,
  WatchEvent,
  WatchOptions,
} from "../../../src/cluster/cluster.js";
import { MemoryObjectStore } from "../../../src/cluster/sandbox/store/index.js";
import { settle } from "../../../src/cluster/sandbox/runner.js";
import type { StoredChange } from "../../../src/cluster/sandbox/object-store.js";
import { SIMULATED_ADMISSIONS, SIMULATED_CONTROLLERS } from "../../../src/cluster/sandbox/controllers/index.js";
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from "../../../src/cluster/selector.js";
import { ClusterError } from "../../../src/errors/index.js";
import { groupOf, type KubeObject, type ObjectRef } from "../../../src/model/kube-object.js";
import type { Clock } from "../../../src/util/index.js";

interface HistoryEntry {
  readonly version: number;
  readonly change: StoredChange;
}

/**
 * A `Cluster` over the sandbox's in-memory object store, with a bounded watch history (so tests can
 * provoke "too old resource version"). It stands in for the file-backed sandbox in server tests.
 */
export class MemoryCluster implements Cluster {
  readonly kind = "sandbox" as const;
  readonly store: MemoryObjectStore;
  private readonly history: HistoryEntry[] = [];
  private readonly waiters = new Set<() => void>();
  settleCount = 0;

  constructor(
    private readonly clock: Clock,
    private readonly historyLimit = 1000,
  ) {
    this.store = new MemoryObjectStore({
      clock,
      admissions: SIMULATED_ADMISSIONS,
      enabledAddons: new Set(["fluxcd", "kruise-rollout", "istio", "ingress-nginx"]),
    });
    this.store.subscribe((changes) => {
      for (const change of changes)
        this.history.push({ version: Number(change.object.metadata.resourceVersion ?? "0"), change });
      while (this.history.length > this.historyLimit) this.history.shift();
      for (const wake of [...this.waiters]) wake();
    });
  }

  get resourceVersion(): string {
    return this.store.resourceVersion;
  }

  settle(): Promise<unknown> {
    this.settleCount++;
    return Promise.resolve(
      settle(this.store, {
        controllers: SIMULATED_CONTROLLERS,
        env: { now: this.clock.now(), random: Math.random, enabledAddons: this.store.enabledAddons },
      }),
    );
  }

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    return this.run(() => this.store.get(ref));
  }
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]> {
    return this.run(() => [...this.store.list(apiVersion, kind, options)]);
  }
  apply(object: KubeObject, options?: ApplyOptions): Promise<KubeObject> {
    return this.run(() => this.store.apply(object, options));
  }
  create(object: KubeObject): Promise<KubeObject> {
    return this.run(() => this.store.create(object));
  }
  update(object: KubeObject): Promise<KubeObject> {
    return this.run(() => this.store.update(object));
  }
  updateStatus(object: KubeObject): Promise<KubeObject> {
    return this.run(() => this.store.updateStatus(object));
  }
  patch(ref: ObjectRef, body: PatchBody): Promise<KubeObject> {
    return this.run(() => this.store.patch(ref, body));
  }
  patchStatus(ref: ObjectRef, body: PatchBody): Promise<KubeObject> {
    return this.run(() => this.store.patchStatus(ref, body));
  }
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<boolean> {
    return this.run(() => this.store.delete(ref, options));
  }

  async *watch(apiVersion: string, kind: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
    const labels = parseLabelSelector(options.labelSelector ?? "");
    const fields = parseFieldSelector(options.fieldSelector ?? "");
    const matches = (object: KubeObject): boolean =>
      groupOf(object.apiVersion) === groupOf(apiVersion) &&
      object.kind === kind &&
      (options.namespace === undefined || object.metadata.namespace === options.namespace) &&
      matchesLabelSelector(labels, object.metadata.labels) &&
      matchesFieldSelector(fields, (field) =>
        field === "metadata.name"
          ? object.metadata.name
          : field === "metadata.namespace"
            ? object.metadata.namespace
            : undefined,
      );
    let after: number;
    if (options.resourceVersion === undefined) {
      after = Number(this.store.resourceVersion);
      for (const object of this.store.list(apiVersion, kind, options))
        yield { type: "ADDED", object: structuredClone(object) };
    } else {
      after = Number(options.resourceVersion);
      const oldest = this.history[0]?.version;
      if (oldest !== undefined && after < oldest - 1)
        throw new ClusterError("E_WATCH_EXPIRED", `too old resource version: ${after} (${oldest - 1})`);
    }
    while (options.signal?.aborted !== true) {
      const pending = this.history.filter((entry) => entry.version > after);
      for (const entry of pending) {
        after = entry.version;
        if (matches(entry.change.object))
          yield { type: entry.change.type, object: structuredClone(entry.change.object) };
      }
      if (pending.length === 0) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            this.waiters.delete(wake);
            resolve();
          };
          this.waiters.add(wake);
          options.signal?.addEventListener("abort", wake, { once: true });
        });
      }
    }
  }

  private run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(structuredClone(fn()));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
