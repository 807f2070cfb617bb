/**
 * Helpers of the stories run over HTTP: a temp sandbox (with the example chart mirror) served as a
 * Kubernetes API in-process, the CLI run against it with `--kubeconfig`, clocks that let simulated
 * time pass while the served controllers keep up, and snapshots of the release compared between runs.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { openSandbox } from "../../src/cluster/sandbox/index.js";
import { routeRequests } from "../../src/cluster/sandbox/routing/index.js";
import type { ControllerView } from "../../src/cluster/sandbox/controller-contract.js";
import { serveSandbox, type ServingSandbox } from "../../src/operations/serve.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock, type Clock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

export const EXAMPLE_CHART_URL = "https://charts.example.com/demo/";
export const EXAMPLE_CHART_REPO = join(PROJECT_ROOT, "examples", "charts", "repo");
export const HOST = "demo.example.com";
export const PATH = "/version";
export const REQUESTS = 2000;

/** `examples/apps/<file>` */
export function exampleApp(file: string): string {
  return join(PROJECT_ROOT, "examples", "apps", file);
}

/**
 * Simulated time that runs `speed` times faster than real time, so the served controllers (which
 * settle on a real-time timer) and a controller loop on real timers see grace periods pass quickly.
 */
export class ScaledClock implements Clock {
  private readonly origin = performance.now();
  private readonly start: number;

  constructor(
    readonly speed: number,
    start = "2026-01-01T00:00:00Z",
  ) {
    this.start = Date.parse(start);
  }

  now(): Date {
    return new Date(this.start + (performance.now() - this.origin) * this.speed);
  }

  /** Sleeps `milliseconds` of simulated time; resolves early when the signal aborts. */
  sleep = (milliseconds: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      const timer = setTimeout(done, Math.max(0, milliseconds / this.speed));
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    });
}

/** The release as the stories compare it: object names by kind, pods by image, app status. */
export interface ReleaseSnapshot {
  /** `Kind/name` of the named objects of the release (generated pod and ReplicaSet names left out). */
  readonly objects: readonly string[];
  /** Ready pods per image, with their uids (sorted). */
  readonly podUids: Readonly<Record<string, readonly string[]>>;
  readonly appStatus: string | undefined;
  readonly latestRevision: string | undefined;
  /** The Application's component properties (the spec a rollback puts back). */
  readonly chartVersion: string | undefined;
}

const NAMED_KINDS: readonly (readonly [string, string])[] = [
  ["apps/v1", "Deployment"],
  ["v1", "Service"],
  ["networking.k8s.io/v1", "Ingress"],
  ["rollouts.kruise.io/v1alpha1", "Rollout"],
  ["helm.toolkit.fluxcd.io/v2beta1", "HelmRelease"],
  ["source.toolkit.fluxcd.io/v1beta2", "HelmRepository"],
  ["core.oam.dev/v1beta1", "ApplicationRevision"],
  ["core.oam.dev/v1beta1", "ResourceTracker"],
];

function isReady(pod: KubeObject): boolean {
  const conditions =
    (pod.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return (
    pod.metadata.deletionTimestamp === undefined &&
    conditions.some((condition) => condition.type === "Ready" && condition.status === "True")
  );
}

/** Reads a snapshot of the release of `app` from a sandbox store. */
export function snapshotRelease(view: ControllerView, app: string): ReleaseSnapshot {
  const objects: string[] = [];
  for (const [apiVersion, kind] of NAMED_KINDS) {
    for (const object of view.list(apiVersion, kind)) {
      // Deployments Kruise makes for the canary carry a generated suffix: compare them by role instead.
      const canary = object.metadata.labels?.["rollouts.kruise.io/canary-deployment"] !== undefined;
      objects.push(`${kind}/${canary ? "<canary>" : (object.metadata.name ?? "")}`);
    }
  }
  const podUids: Record<string, string[]> = {};
  for (const pod of view.list("v1", "Pod", { namespace: "default" }).filter(isReady)) {
    const image = (pod.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image ?? "";
    (podUids[image] ??= []).push(pod.metadata.uid ?? "");
  }
  for (const list of Object.values(podUids)) list.sort();
  const application = view.get({
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    name: app,
    namespace: "default",
  });
  const status = application?.status as { status?: string; latestRevision?: { name?: string } } | undefined;
  const components =
    (application?.spec as { components?: { properties?: { version?: string } }[] } | undefined)?.components ?? [];
  return {
    objects: objects.sort(),
    podUids,
    appStatus: status?.status,
    latestRevision: status?.latestRevision?.name,
    chartVersion: components[0]?.properties?.version,
  };
}

/** Requests per image, routed through the sandbox's Ingress rules (seeded). */
export function routeShares(view: ControllerView, enabledAddons: ReadonlySet<string>): Record<string, number> {
  const summary = routeRequests(view, {
    host: HOST,
    path: PATH,
    headers: {},
    cookies: {},
    count: REQUESTS,
    seed: 1,
    enabledAddons,
  });
  return { ...summary.byImage };
}

/** Pod counts per image of a snapshot (uids differ between sandboxes; counts must not). */
export function podCounts(snapshot: ReleaseSnapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(snapshot.podUids).map(([image, uids]) => [image, uids.length]));
}

/** The story run in-process on a sandbox directory (the reference the HTTP runs are compared with). */
export interface InProcessStory {
  readonly dir: string;
  readonly clock: FakeClock;
  vela(argv: readonly string[]): Promise<CliRun>;
  snapshot(app: string): Promise<{ readonly release: ReleaseSnapshot; readonly shares: Record<string, number> }>;
}

/** A temp sandbox with the example chart mirror, driven by `runCli(... --sandbox DIR)` on a fake clock. */
export async function inProcessStory(): Promise<InProcessStory> {
  const dir = join(tempDir("vela-ts-http-ref-"), "sandbox");
  const clock = new FakeClock();
  const story: InProcessStory = {
    dir,
    clock,
    vela: (argv) => runCli([...argv, "--sandbox", dir], { cwd: PROJECT_ROOT, clock }),
    async snapshot(app) {
      const sandbox = await openSandbox({ dir, clock, command: "http story snapshot" });
      try {
        return {
          release: snapshotRelease(sandbox.store, app),
          shares: routeShares(sandbox.store, sandbox.enabledAddons),
        };
      } finally {
        sandbox.close();
      }
    },
  };
  const added = await story.vela(["sandbox", "charts", "add", EXAMPLE_CHART_URL, EXAMPLE_CHART_REPO]);
  if (added.code !== 0) throw new Error(`charts add failed: ${added.stderr}`);
  return story;
}

/** A temp sandbox with the example chart mirror, served over HTTPS in this process. */
export interface ServedStory {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly serving: ServingSandbox;
  snapshot(app: string): { readonly release: ReleaseSnapshot; readonly shares: Record<string, number> };
  close(): Promise<void>;
}

/** Adds the chart mirror, then serves the sandbox (the served controllers settle every `settleIntervalMs` of real time). */
export async function servedStory(clock: Clock, settleIntervalMs: number): Promise<ServedStory> {
  const root = tempDir("vela-ts-http-");
  const dir = join(root, "sandbox");
  const added = await runCli(["sandbox", "charts", "add", EXAMPLE_CHART_URL, EXAMPLE_CHART_REPO, "--sandbox", dir], {
    cwd: PROJECT_ROOT,
    clock,
  });
  if (added.code !== 0) throw new Error(`charts add failed: ${added.stderr}`);
  const kubeconfig = join(root, "kubeconfig");
  const serving = await serveSandbox({ sandboxDir: dir, kubeconfigOut: kubeconfig, clock, settleIntervalMs });
  return {
    dir,
    kubeconfig,
    serving,
    snapshot: (app) => ({
      release: snapshotRelease(serving.cluster.store, app),
      shares: routeShares(serving.cluster.store, serving.cluster.enabledAddons),
    }),
    close: () => serving.close(),
  };
}

/**
 * Runs `vela-ts <argv>` in-process on a fake clock whose `sleep` moves the clock and then waits a
 * little real time, so the served controllers (on their real-time timer) act at the new time before
 * the command looks again — as a real cluster's controllers act while a command polls.
 */
export async function runCliPolling(
  argv: readonly string[],
  clock: FakeClock,
  env: Readonly<Record<string, string>> = {},
  realWaitMs = 40,
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    cwd: PROJECT_ROOT,
    env,
    readStdin: () => Promise.resolve(""),
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
    clock,
    sleep: async (milliseconds) => {
      clock.advance(milliseconds);
      await new Promise((resolve) => setTimeout(resolve, realWaitMs));
    },
  };
  const code = await main(argv, ctx);
  return { code, stdout, stderr };
}

/** Polls `check` every 50 ms of real time until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
