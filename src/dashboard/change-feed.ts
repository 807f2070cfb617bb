import { setTimeout as delay } from "node:timers/promises";
import {
  APPLICATION_API_VERSION,
  APPLICATION_KIND,
  KRUISE_ROLLOUT_API_VERSIONS,
  watchSandboxWrites,
  type SandboxWriteWatch,
} from "../operations/index.js";
import { VelaError } from "../errors/index.js";
import type { ClusterReader } from "./cluster-reader.js";

/**
 * Tells the dashboard when the cluster changed, from the cluster's own change feed: on the sandbox,
 * any process writing its journal (a CLI command in another shell, a controller, the dashboard);
 * on a real cluster, watches of the kinds the pages show. Nothing polls objects.
 */

/** A running change feed. */
export interface ChangeFeed {
  close(): void;
}

/** The kinds whose changes a page may show: the app, its Rollouts, workloads, pods and routing. */
export const WATCHED_KINDS: readonly { readonly apiVersion: string; readonly kind: string }[] = [
  { apiVersion: APPLICATION_API_VERSION, kind: APPLICATION_KIND },
  { apiVersion: KRUISE_ROLLOUT_API_VERSIONS[0], kind: "Rollout" },
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "apps/v1", kind: "ReplicaSet" },
  { apiVersion: "v1", kind: "Pod" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
];

/** Options of {@link startChangeFeed}. */
export interface ChangeFeedOptions {
  readonly reader: ClusterReader;
  /** Watch only this namespace (a real cluster). @default all namespaces */
  readonly namespace?: string;
  readonly onChange: () => void;
  /** A real cluster's watch is re-opened after this long, doubling up to 10 s while it fails. @default 1000 */
  readonly retryMs?: number;
}

function sandboxFeed(dir: string, onChange: () => void): ChangeFeed {
  let watch: SandboxWriteWatch | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const start = (): void => {
    if (closed) return;
    try {
      // The directory exists once the dashboard's first read opened (or created) the sandbox.
      watch = watchSandboxWrites(dir, onChange, () => {
        watch = undefined;
        onChange();
        timer = setTimeout(start, 1000);
      });
    } catch {
      timer = setTimeout(start, 1000);
    }
  };
  start();
  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      watch?.close();
    },
  };
}

function kubeFeed(options: ChangeFeedOptions): ChangeFeed {
  const stop = new AbortController();
  const first = options.retryMs ?? 1000;
  const watchKind = async (apiVersion: string, kind: string): Promise<void> => {
    let wait = first;
    while (!stop.signal.aborted) {
      try {
        await options.reader.use(async (target) => {
          const events = target.cluster.watch(apiVersion, kind, {
            ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
            signal: stop.signal,
          });
          for await (const _event of events) {
            wait = first;
            options.onChange();
          }
        });
      } catch (error) {
        if (stop.signal.aborted) return;
        // A kind the cluster does not serve (no Kruise installed) has nothing to watch.
        if (error instanceof VelaError && error.code === "E_KIND_NOT_INSTALLED") return;
        // The refresh this triggers finds the cluster gone and shows the banner.
        options.onChange();
      }
      try {
        await delay(wait, undefined, { signal: stop.signal });
      } catch {
        return;
      }
      wait = Math.min(10_000, wait * 2);
    }
  };
  for (const { apiVersion, kind } of WATCHED_KINDS) void watchKind(apiVersion, kind);
  return { close: () => stop.abort() };
}

/** Starts the change feed of the reader's target. */
export function startChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const dir = options.reader.sandboxDir;
  return dir === undefined ? kubeFeed(options) : sandboxFeed(dir, options.onChange);
}
