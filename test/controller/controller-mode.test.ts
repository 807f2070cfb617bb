/**
 * Controller mode: the work queue, the Lease, and the loop against the sandbox served over HTTPS —
 * two controllers (each app reconciled by exactly one), watch resumption after the server restarts,
 * 409s on concurrent writes retried, graceful shutdown on abort (the SIGTERM path), timed steps that
 * advance without a command, health and metrics, and an unreachable cluster.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Cluster } from "../../src/cluster/cluster.js";
import { openKubeCluster, type KubeCluster } from "../../src/cluster/kube/index.js";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import { startSandboxServer, type SandboxServer } from "../../src/cluster/sandbox/server/index.js";
import { runControllerMode, type ControllerModeOptions } from "../../src/controller/controller-command.js";
import { runController, type ReconcileEvent } from "../../src/controller/controller-mode.js";
import { ControllerMetrics } from "../../src/controller/controller-metrics.js";
import { LeaseLock } from "../../src/controller/lease.js";
import { openTarget } from "../../src/target/target.js";
import { WorkQueue } from "../../src/controller/work-queue.js";
import { ConflictError } from "../../src/errors/index.js";
import type { KubeObject, ObjectRef } from "../../src/model/kube-object.js";
import { FakeClock, SystemClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { eventually } from "../e2e/http-support.js";
import { forwardingCluster } from "../support/forwarding-cluster.js";

const noHttp = (): Promise<never> => Promise.reject(new Error("no webhooks in these tests"));
const FAST_LEASE = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 100 } as const;

/** A small app: a ConfigMap, then `suspend` (with `duration`, a timed one). */
function smallApp(name: string, suspend: { readonly duration?: string } = {}): KubeObject {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, namespace: "default" },
    spec: {
      components: [
        {
          name: "config",
          type: "k8s-objects",
          properties: {
            objects: [
              { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-config` }, data: { app: name } },
            ],
          },
        },
      ],
      workflow: {
        steps: [
          { name: "apply", type: "apply-component", properties: { component: "config" } },
          {
            name: "hold",
            type: "suspend",
            ...(suspend.duration === undefined ? {} : { properties: { duration: suspend.duration } }),
          },
        ],
      },
    },
  };
}

const appRef = (name: string): ObjectRef => ({
  apiVersion: "core.oam.dev/v1beta1",
  kind: "Application",
  name,
  namespace: "default",
});

interface WorkflowView {
  readonly status?: string;
  readonly suspend?: boolean;
  readonly appRevision?: string;
  readonly steps?: readonly { readonly name: string; readonly phase: string }[];
}

function workflowOf(app: KubeObject | undefined): WorkflowView | undefined {
  return (app?.status as { workflow?: WorkflowView } | undefined)?.workflow;
}

/** The app waits at its `hold` step (the first suspend). */
async function atHold(client: Cluster, name: string): Promise<WorkflowView | undefined> {
  const workflow = workflowOf(await client.get(appRef(name)));
  return workflow?.steps?.find((step) => step.name === "hold")?.phase === "suspending" ? workflow : undefined;
}

interface Running {
  readonly stop: AbortController;
  readonly events: ReconcileEvent[];
  readonly done: Promise<unknown>;
  readonly identity: string;
}

describe("WorkQueue", () => {
  const sleepNever = (): Promise<void> => new Promise(() => undefined);

  it.each([
    { name: "a key added twice is processed once", adds: ["a", "a", "b"], want: ["a", "b"] },
    { name: "order is kept", adds: ["c", "a", "b"], want: ["c", "a", "b"] },
  ])("$name", async ({ adds, want }) => {
    const queue = new WorkQueue(() => 0, sleepNever);
    for (const key of adds) queue.add(key);
    const got: string[] = [];
    while (queue.depth > 0) got.push((await queue.get()) ?? "");
    expect(got).toEqual(want);
  });

  it("a key added while it is processed comes back once, after done", async () => {
    const queue = new WorkQueue(() => 0, sleepNever);
    queue.add("a");
    const key = await queue.get();
    queue.add("a");
    queue.add("a");
    expect(queue.depth).toBe(0);
    queue.done(key ?? "");
    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe("a");
  });

  it("delayed adds keep the earliest due time per key", async () => {
    const timers: { ms: number; fire: () => void }[] = [];
    const queue = new WorkQueue(
      () => 0,
      (ms) => new Promise((resolve) => timers.push({ ms, fire: resolve })),
    );
    queue.addAfter("a", 5000);
    queue.addAfter("a", 100);
    queue.addAfter("a", 9000);
    expect(timers.map((timer) => timer.ms)).toEqual([5000, 100]);
    timers[0]?.fire();
    await Promise.resolve();
    await Promise.resolve();
    expect(queue.depth).toBe(0);
    timers[1]?.fire();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(queue.depth).toBe(1);
  });

  it("shutDown releases waiting workers", async () => {
    const queue = new WorkQueue(() => 0, sleepNever);
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
  });
});

describe("LeaseLock (on the in-process sandbox)", () => {
  let sandbox: SandboxCluster;
  const clock = new FakeClock();
  beforeEach(async () => {
    sandbox = await openSandbox({ dir: tempDir("vela-ts-lease-"), clock });
  });
  afterEach(() => sandbox.close());

  it("one candidate acquires; the other waits until the lease expires unrenewed, then takes over", async () => {
    const a = new LeaseLock(sandbox, clock, { namespace: "default", identity: "a", leaseDurationMs: 10_000 });
    const b = new LeaseLock(sandbox, clock, { namespace: "default", identity: "b", leaseDurationMs: 10_000 });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advanceSeconds(5);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    clock.advanceSeconds(9);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advanceSeconds(11);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    const lease = await sandbox.get(a.ref);
    expect(lease?.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1, leaseDurationSeconds: 10 });
    expect(await a.tryAcquireOrRenew()).toBe(false);
  });

  it("release hands the lease over at once", async () => {
    const a = new LeaseLock(sandbox, clock, { namespace: "default", identity: "a" });
    const b = new LeaseLock(sandbox, clock, { namespace: "default", identity: "b" });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    expect(await a.release()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(await a.release()).toBe(false);
  });

  it("of two candidates racing for a free lease exactly one wins", async () => {
    const candidates = ["a", "b", "c"].map(
      (identity) => new LeaseLock(sandbox, clock, { namespace: "default", identity }),
    );
    const won = await Promise.all(candidates.map((candidate) => candidate.tryAcquireOrRenew()));
    expect(won.filter(Boolean)).toHaveLength(1);
  });
});

describe("controller mode against the served sandbox", () => {
  const clock = new SystemClock();
  let dir: string;
  let sandbox: SandboxCluster;
  let server: SandboxServer;
  let kubeconfig: string;
  let client: KubeCluster;
  const running: Running[] = [];

  beforeEach(async () => {
    dir = tempDir("vela-ts-controller-");
    sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock });
    server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 100 });
    kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, server.kubeconfig());
    client = openKubeCluster({ kubeconfigPath: kubeconfig });
  });

  afterEach(async () => {
    for (const controller of running.splice(0)) {
      controller.stop.abort();
      await controller.done.catch(() => undefined);
    }
    client.close();
    await server.close();
    sandbox.close();
  });

  function start(identity: string, extra: Partial<ControllerModeOptions> = {}): Running {
    const stop = new AbortController();
    const events: ReconcileEvent[] = [];
    const done = runControllerMode({
      cwd: PROJECT_ROOT,
      clock,
      http: noHttp,
      command: "test controller",
      kubeconfig,
      env: {},
      signal: stop.signal,
      identity,
      lease: FAST_LEASE,
      waitPollIntervalMs: 100,
      resyncIntervalMs: 60_000,
      onReconcile: (event) => events.push(event),
      ...extra,
    });
    const controller = { stop, events, done, identity };
    running.push(controller);
    return controller;
  }

  it("two controllers: the leader reconciles every app, the standby none; after a graceful stop the standby takes over without overlap", async () => {
    const a = start("controller-a");
    const b = start("controller-b");
    const names = Array.from({ length: 8 }, (_, index) => `two-${index}`);
    for (const name of names) await client.create(smallApp(name));
    for (const name of names) await eventually(`${name} at its suspend step`, () => atHold(client, name), 30_000);
    const reported = (name: string): boolean =>
      [...a.events, ...b.events].some((event) => event.name === name && event.result === "success");
    await eventually("every app's reconcile reported", () => (names.every(reported) ? true : undefined));

    const byApp = new Map<string, Set<string>>();
    for (const controller of [a, b])
      for (const event of controller.events)
        (byApp.get(event.name) ?? byApp.set(event.name, new Set()).get(event.name))?.add(controller.identity);
    for (const name of names) expect([...(byApp.get(name) ?? [])], name).toHaveLength(1);
    const [leader, standby] = a.events.length > 0 ? [a, b] : [b, a];
    expect(standby.events).toEqual([]);
    expect(
      (
        await client.get({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          name: "vela-ts-controller",
          namespace: "default",
        })
      )?.spec,
    ).toMatchObject({ holderIdentity: leader.identity });

    leader.stop.abort();
    await leader.done;
    const stoppedAt = performance.now();
    await client.create(smallApp("after-handover"));
    await eventually("after-handover at its suspend step", () => atHold(client, "after-handover"), 30_000);
    // The status is written inside the pass; the pass is reported when it returns.
    await eventually("the standby's reconcile of after-handover", () =>
      standby.events.some((event) => event.name === "after-handover") ? true : undefined,
    );
    expect(leader.events.some((event) => event.name === "after-handover")).toBe(false);
    const lastOfLeader = Math.max(...leader.events.map((event) => event.endedAt));
    const firstOfStandby = Math.min(...standby.events.map((event) => event.startedAt));
    expect(lastOfLeader).toBeLessThanOrEqual(stoppedAt);
    expect(firstOfStandby).toBeGreaterThanOrEqual(lastOfLeader);
  }, 60_000);

  it("timed suspend steps advance with no command, and a resume from another shell continues the workflow", async () => {
    start("controller-timed");
    await client.create(smallApp("timed", { duration: "1s" }));
    await client.create(smallApp("manual"));
    const timed = await eventually(
      "the timed suspend to pass",
      async () => {
        const workflow = workflowOf(await client.get(appRef("timed")));
        return workflow?.status === "succeeded" ? workflow : undefined;
      },
      30_000,
    );
    expect(timed.steps?.map((step) => [step.name, step.phase])).toEqual([
      ["apply", "succeeded"],
      ["hold", "succeeded"],
    ]);
    await eventually("manual at its suspend step", () => atHold(client, "manual"), 30_000);
    const resumed = await runCli(["workflow", "resume", "manual", "--kubeconfig", kubeconfig], {
      cwd: PROJECT_ROOT,
      clock,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    await eventually(
      "manual to finish",
      async () => (workflowOf(await client.get(appRef("manual")))?.status === "succeeded" ? true : undefined),
      30_000,
    );
  }, 60_000);

  it("resumes its watch after the API server restarts (same port, token and certificate)", async () => {
    const controller = start("controller-restart");
    await client.create(smallApp("before-restart"));
    await eventually("before-restart reconciled", () => atHold(client, "before-restart"), 30_000);
    const { port, token, certificate } = server;
    await server.close();
    server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 100, port, token, certificate });
    const writer = openKubeCluster({ kubeconfigPath: kubeconfig });
    try {
      await writer.create(smallApp("after-restart"));
    } finally {
      writer.close();
    }
    // The resync is 60 s: only the resumed watch can bring the new app to the controller this fast.
    await eventually("after-restart reconciled", () => atHold(client, "after-restart"), 25_000);
    await eventually("the reconcile of after-restart reported", () =>
      controller.events.some((event) => event.name === "after-restart" && event.result === "success")
        ? true
        : undefined,
    );
  }, 60_000);

  it("a 409 from a concurrent write (status update, revision create) is retried and nothing is lost", async () => {
    const target = await openTarget({ cwd: PROJECT_ROOT, clock, http: noHttp, command: "test", kubeconfig, env: {} });
    const other = openKubeCluster({ kubeconfigPath: kubeconfig });
    let conflicts = 0;
    let raceStatus = true;
    let raceRevision = true;
    const inner = target.cluster;
    const raceStatusWrite = async (kind: string, name: string): Promise<void> => {
      if (!raceStatus || kind !== "Application") return;
      raceStatus = false;
      await other.patch(appRef(name), { type: "merge", patch: { metadata: { finalizers: ["example.com/kept"] } } });
    };
    const counted = async <T>(write: () => Promise<T>): Promise<T> => {
      try {
        return await write();
      } catch (error) {
        if (error instanceof ConflictError) conflicts += 1;
        throw error;
      }
    };
    const racing = forwardingCluster(inner, {
      async create(object) {
        if (raceRevision && object.kind === "ApplicationRevision") {
          raceRevision = false;
          await other.create(object);
        }
        return counted(() => inner.create(object));
      },
      async updateStatus(object) {
        await raceStatusWrite(object.kind, object.metadata.name ?? "");
        return counted(() => inner.updateStatus(object));
      },
      // The controller sends an Application's status changes as a merge patch of the status subresource.
      async patchStatus(ref, body) {
        await raceStatusWrite(ref.kind, ref.name);
        return counted(() => inner.patchStatus(ref, body));
      },
    });
    const stop = new AbortController();
    const events: ReconcileEvent[] = [];
    const done = runController({
      deps: { ...target.deps, cluster: racing },
      signal: stop.signal,
      leaderElection: false,
      pollIntervalMs: 100,
      onReconcile: (event) => events.push(event),
    });
    try {
      await client.create(smallApp("contended"));
      const workflow = await eventually("contended at its suspend step", () => atHold(client, "contended"), 30_000);
      expect(conflicts).toBeGreaterThanOrEqual(2);
      expect(events.filter((event) => event.result === "conflict").length).toBeGreaterThanOrEqual(1);
      expect(events.filter((event) => event.result === "error")).toEqual([]);
      expect(workflow.appRevision).toBe("contended-v1");
      const app = await client.get(appRef("contended"));
      expect(app?.metadata.finalizers).toEqual(["example.com/kept"]);
      expect(await client.list("core.oam.dev/v1beta1", "ApplicationRevision", { namespace: "default" })).toHaveLength(
        1,
      );
    } finally {
      stop.abort();
      await done;
      other.close();
      target.close();
    }
  }, 60_000);

  it("on abort (SIGTERM) the in-flight reconcile finishes, nothing is written afterwards and the lease is released", async () => {
    const target = await openTarget({ cwd: PROJECT_ROOT, clock, http: noHttp, command: "test", kubeconfig, env: {} });
    const inner = target.cluster;
    let writes = 0;
    let holdNext = false;
    let held: (() => void) | undefined;
    const heldWrite = new Promise<void>((resolve) => (held = resolve));
    const counting = async <T>(write: () => Promise<T>): Promise<T> => {
      writes++;
      return write();
    };
    const holdStatusWrite = async (kind: string): Promise<void> => {
      writes++;
      if (!holdNext || kind !== "Application") return;
      holdNext = false;
      held?.();
      await new Promise((resolve) => setTimeout(resolve, 400));
    };
    const slow = forwardingCluster(inner, {
      apply: (object, options) => counting(() => inner.apply(object, options)),
      create: (object) => counting(() => inner.create(object)),
      update: (object) => counting(() => inner.update(object)),
      patch: (ref, body) => counting(() => inner.patch(ref, body)),
      delete: (ref, options) => counting(() => inner.delete(ref, options)),
      async updateStatus(object) {
        await holdStatusWrite(object.kind);
        return inner.updateStatus(object);
      },
      // The controller sends an Application's status changes as a merge patch of the status subresource.
      async patchStatus(ref, body) {
        await holdStatusWrite(ref.kind);
        return inner.patchStatus(ref, body);
      },
    });
    const stop = new AbortController();
    const events: ReconcileEvent[] = [];
    const metrics = new ControllerMetrics();
    holdNext = true;
    const done = runController({
      deps: { ...target.deps, cluster: slow },
      signal: stop.signal,
      metrics,
      leaderElection: { namespace: "default", identity: "terminating", ...FAST_LEASE },
      pollIntervalMs: 100,
      onReconcile: (event) => events.push(event),
    });
    try {
      await client.create(smallApp("graceful"));
      await heldWrite;
      stop.abort();
      const summary = await done;
      const writesAtExit = writes;
      expect(events.at(-1)?.result).toBe("success");
      expect(summary.reconciles).toBe(events.length);
      const lease = await client.get({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        name: "vela-ts-controller",
        namespace: "default",
      });
      expect((lease?.spec as { holderIdentity?: string }).holderIdentity).toBe("");
      expect(metrics.leader).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(writes).toBe(writesAtExit);
      const workflow = workflowOf(await client.get(appRef("graceful")));
      expect(workflow?.appRevision).toBe("graceful-v1");
      expect(workflow?.steps?.length).toBeGreaterThan(0);
    } finally {
      stop.abort();
      await done;
      target.close();
    }
  }, 60_000);

  it("serves /healthz, /readyz and Prometheus /metrics on 127.0.0.1", async () => {
    let metricsUrl: string | undefined;
    start("controller-metrics", { metricsPort: 0, onStarted: (started) => void (metricsUrl = started.metricsUrl) });
    await client.create(smallApp("measured"));
    await eventually("measured at its suspend step", () => atHold(client, "measured"), 30_000);
    const url = await eventually("the endpoint", () => metricsUrl);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await eventually("ready", async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined));
    const text = await eventually("the phase gauge", async () => {
      const body = await (await fetch(`${url}/metrics`)).text();
      return body.includes('vela_ts_controller_workflow_phase{phase="suspending"} 1') ? body : undefined;
    });
    expect(Number(/vela_ts_controller_reconciles_total\{result="success"\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/vela_ts_controller_reconcile_errors_total 0/);
    expect(text).toMatch(/vela_ts_controller_queue_depth \d+/);
    expect(text).toMatch(/vela_ts_controller_is_leader 1/);
  }, 60_000);
});

describe("an unreachable cluster", () => {
  it("a kubeconfig pointing at a closed port: cannot reach cluster, exit 4, within 10 s", async () => {
    const dir = tempDir("vela-ts-closed-");
    const sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock: new SystemClock() });
    const server = await startSandboxServer({ cluster: sandbox, clock: new SystemClock(), settleIntervalMs: 0 });
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, server.kubeconfig());
    await server.close();
    sandbox.close();
    const started = performance.now();
    const run = await runCli(["status", "x", "--kubeconfig", kubeconfig], { cwd: dir });
    const seconds = (performance.now() - started) / 1000;
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /^error\[E_CLUSTER_UNREACHABLE\]: cannot reach cluster at https:\/\/127\.0\.0\.1:\d+ .*connection refused/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(seconds).toBeLessThan(10);
  }, 20_000);
});
