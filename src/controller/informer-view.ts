/**
 * The controller's informer cache for the steady-state check: per kind, the name, labels and
 * resourceVersion of every object (a metadata informer, as controller-runtime keeps them), kept
 * current by a list and a watch. The steady-state memo compares resourceVersions only, so a look at
 * an app found as its last full pass left it costs the Application's read and nothing else.
 */
import type { Cluster, ListOptions, WatchEvent } from "../cluster/cluster.js";
import { matchesLabelSelector, parseLabelSelector, type LabelSelector } from "../cluster/selector.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject, ObjectRef } from "../model/kube-object.js";
import type { ObjectView } from "../reconciler/steady-state.js";
import type { AbortableSleep } from "./work-queue.js";

/** What the cache keeps of one object. */
interface CachedObject {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
}

/** One kind's cache: `synced` once its first list is in. */
class KindCache {
  /** namespace → name → object: lists come out in namespace-then-name order, as an API server lists. */
  private readonly byNamespace = new Map<string, Map<string, CachedObject>>();
  /** `key=value` of every label → the objects carrying it. */
  private readonly byLabel = new Map<string, Set<CachedObject>>();
  synced = false;
  /** The kind is not served, or its watch keeps failing: reads go to the cluster. */
  unavailable = false;

  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {}

  get(namespace: string, name: string): CachedObject | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  put(object: KubeObject): void {
    const namespace = object.metadata.namespace ?? "";
    const name = object.metadata.name ?? "";
    this.remove(namespace, name);
    const labels = object.metadata.labels;
    const cached: CachedObject = {
      namespace,
      name,
      resourceVersion: object.metadata.resourceVersion ?? "",
      labels: labels === undefined || Object.keys(labels).length === 0 ? undefined : { ...labels },
    };
    let names = this.byNamespace.get(namespace);
    if (names === undefined) this.byNamespace.set(namespace, (names = new Map<string, CachedObject>()));
    names.set(name, cached);
    for (const [key, value] of Object.entries(cached.labels ?? {})) {
      const label = `${key}=${value}`;
      let holders = this.byLabel.get(label);
      if (holders === undefined) this.byLabel.set(label, (holders = new Set()));
      holders.add(cached);
    }
  }

  remove(namespace: string, name: string): void {
    const names = this.byNamespace.get(namespace);
    const cached = names?.get(name);
    if (names === undefined || cached === undefined) return;
    names.delete(name);
    if (names.size === 0) this.byNamespace.delete(namespace);
    for (const [key, value] of Object.entries(cached.labels ?? {})) {
      const label = `${key}=${value}`;
      const holders = this.byLabel.get(label);
      holders?.delete(cached);
      if (holders?.size === 0) this.byLabel.delete(label);
    }
  }

  /** Replaces the whole content (a relist). */
  reset(objects: readonly KubeObject[]): void {
    this.byNamespace.clear();
    this.byLabel.clear();
    for (const object of objects) this.put(object);
  }

  list(namespace: string | undefined, selector: LabelSelector): CachedObject[] {
    const equals = selector.find((requirement) => requirement.operator === "equals");
    let candidates: Iterable<CachedObject>;
    if (equals !== undefined) candidates = this.byLabel.get(`${equals.key}=${equals.value}`) ?? [];
    else if (namespace !== undefined) candidates = this.byNamespace.get(namespace)?.values() ?? [];
    else candidates = [...this.byNamespace.values()].flatMap((names) => [...names.values()]);
    const found: CachedObject[] = [];
    for (const cached of candidates) {
      if (namespace !== undefined && cached.namespace !== namespace) continue;
      if (matchesLabelSelector(selector, cached.labels)) found.push(cached);
    }
    return found.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The highest numeric resourceVersion of a list (a watch from it misses nothing after the list). */
export function newestResourceVersion(objects: readonly KubeObject[]): string | undefined {
  let newest: bigint | undefined;
  for (const object of objects) {
    const text = object.metadata.resourceVersion ?? "";
    if (!/^\d+$/.test(text)) return undefined;
    const value = BigInt(text);
    if (newest === undefined || value > newest) newest = value;
  }
  return newest?.toString();
}

/** Options of {@link InformerView}. */
export interface InformerViewOptions {
  readonly cluster: Cluster;
  /** Ends every watch. */
  readonly signal: AbortSignal;
  readonly sleep: AbortableSleep;
  /** Failed watches, for the metrics. @default ignored */
  readonly onWatchRestart?: () => void;
}

/** Watch failures in a row after which a kind is left to the cluster's reads. */
const MAX_WATCH_FAILURES = 8;

/**
 * An {@link ObjectView} filled by informers started on first use: a read of a kind not cached yet
 * starts its informer and goes to the cluster (`covers` is false) until the first list is in. Reads
 * through it may lag the cluster by a watch event: the steady-state check then runs a full pass
 * (an older resourceVersion than recorded) or skips one pass that the next resync catches, as a
 * read just before the write would have.
 */
export class InformerView implements ObjectView {
  private readonly kinds = new Map<string, KindCache>();
  private readonly selectors = new Map<string, LabelSelector>();

  constructor(private readonly options: InformerViewOptions) {}

  /** Kinds being cached. */
  get kindCount(): number {
    return this.kinds.size;
  }

  covers(apiVersion: string, kind: string, options: ListOptions = {}): boolean {
    if (options.fieldSelector !== undefined && options.fieldSelector !== "") return false;
    if (this.options.signal.aborted) return false;
    const key = `${apiVersion}/${kind}`;
    let cache = this.kinds.get(key);
    if (cache === undefined) {
      cache = new KindCache(apiVersion, kind);
      this.kinds.set(key, cache);
      void this.inform(cache);
    }
    return cache.synced && !cache.unavailable;
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const cached = this.kinds.get(`${ref.apiVersion}/${ref.kind}`)?.get(ref.namespace ?? "", ref.name);
    return cached === undefined ? undefined : stub(ref.apiVersion, ref.kind, cached);
  }

  list(apiVersion: string, kind: string, options: ListOptions = {}): readonly KubeObject[] {
    const cache = this.kinds.get(`${apiVersion}/${kind}`);
    if (cache === undefined) return [];
    return cache
      .list(options.namespace, this.selector(options.labelSelector ?? ""))
      .map((cached) => stub(apiVersion, kind, cached));
  }

  private selector(text: string): LabelSelector {
    let selector = this.selectors.get(text);
    if (selector === undefined) {
      selector = parseLabelSelector(text);
      this.selectors.set(text, selector);
    }
    return selector;
  }

  /** List, then watch from the newest resourceVersion listed; a failed watch lists again, with backoff. */
  private async inform(cache: KindCache): Promise<void> {
    const { cluster, signal, sleep } = this.options;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const objects = await cluster.list(cache.apiVersion, cache.kind);
        cache.reset(objects);
        cache.synced = true;
        const resourceVersion = newestResourceVersion(objects);
        const events = cluster.watch(cache.apiVersion, cache.kind, {
          signal,
          ...(resourceVersion === undefined ? {} : { resourceVersion }),
        });
        for await (const event of events) {
          failures = 0;
          apply(cache, event);
        }
      } catch (error) {
        if (signal.aborted) return;
        cache.synced = false;
        failures += 1;
        this.options.onWatchRestart?.();
        if ((error instanceof VelaError && error.code === "E_KIND_NOT_INSTALLED") || failures >= MAX_WATCH_FAILURES) {
          cache.unavailable = true;
          return;
        }
        await sleep(Math.min(10_000, 250 * 2 ** Math.min(failures, 6)), signal);
      }
    }
  }
}

function apply(cache: KindCache, event: WatchEvent): void {
  const object = event.object;
  if (event.type === "DELETED") cache.remove(object.metadata.namespace ?? "", object.metadata.name ?? "");
  else cache.put(object);
}

function stub(apiVersion: string, kind: string, cached: CachedObject): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name: cached.name,
      ...(cached.namespace === "" ? {} : { namespace: cached.namespace }),
      resourceVersion: cached.resourceVersion,
      ...(cached.labels === undefined ? {} : { labels: cached.labels }),
    },
  };
}
