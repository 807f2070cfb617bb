/**
 * Controller sharding as KubeVela v1.8 does it: shards reconcile only the Applications labelled
 * `controller.core.oam.dev/scheduled-shard-id=<shard>`, the master schedules unlabelled ones onto
 * live shards (their Leases), and moves the apps of a shard whose Lease lapsed. The shards are real
 * `vela-ts controller --shard-id` processes on a served sandbox; one is SIGKILLed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openKubeCluster } from "../../src/cluster/kube/index.js";
import { openSandbox } from "../../src/cluster/sandbox/index.js";
import { startSandboxServer } from "../../src/cluster/sandbox/server/index.js";
import { runControllerMode } from "../../src/controller/controller-command.js";
import type { ReconcileEvent } from "../../src/controller/controller-mode.js";
import {
  LABEL_SCHEDULED_SHARD_ID,
  scheduledShardOf,
  ShardScheduler,
  validateShardId,
  viewShards,
  type ShardView,
} from "../../src/controller/sharding.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import type { JsonObject } from "../../src/util/index.js";
import { SystemClock } from "../../src/util/clock.js";
import { eventually } from "../e2e/http-support.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { writeFileSync } from "node:fs";

const noHttp = (): Promise<never> => Promise.reject(new Error("no webhooks in these tests"));
const APPS = 8;
const LEASE_FLAGS = [
  "--leader-election-lease-duration",
  "5s",
  "--leader-election-renew-deadline",
  "4s",
  "--leader-election-retry-period",
  "500ms",
];

function application(name: string, data: string, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, namespace: "default", ...(labels === undefined ? {} : { labels }) },
    spec: {
      components: [
        {
          name: "config",
          type: "k8s-objects",
          properties: {
            objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-config` }, data: { data } }],
          },
        },
      ],
    },
  };
}

interface ShardProcess {
  readonly child: ChildProcess;
  readonly metricsUrl: Promise<string>;
  readonly stderr: () => string;
}

/** `vela-ts controller --shard-id <shard> -n default` as its own process, from the sources. */
function startShard(shard: string, kubeconfig: string, cwd: string): ShardProcess {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(PROJECT_ROOT, "test/controller/fixtures/vela-ts.ts"),
      "controller",
      "--kubeconfig",
      kubeconfig,
      "-n",
      "default",
      "--shard-id",
      shard,
      "--identity",
      `${shard}-pod`,
      "--metrics-port",
      "0",
      "--resync",
      "60s",
      ...LEASE_FLAGS,
    ],
    {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: cwd, NO_COLOR: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  const metricsUrl = new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /health and metrics: (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1];
      if (url !== undefined) resolve(url);
    });
    child.on("close", (code) => reject(new Error(`shard ${shard} exited ${code}: ${stderr}`)));
  });
  metricsUrl.catch(() => undefined);
  return { child, metricsUrl, stderr: () => stderr };
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.split(" ")[1]);
}

function countByShard(apps: readonly KubeObject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const app of apps) counts[scheduledShardOf(app)] = (counts[scheduledShardOf(app)] ?? 0) + 1;
  return counts;
}

const running = (app: KubeObject): boolean => (app.status as { status?: string } | undefined)?.status === "running";

describe("ShardScheduler", () => {
  const app = (name: string, shard?: string): KubeObject => ({
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, ...(shard === undefined ? {} : { labels: { [LABEL_SCHEDULED_SHARD_ID]: shard } }) },
  });
  const view = (live: string[], lapsed: string[] = []): ShardView => ({ live, lapsed: new Set(lapsed) });

  it("spreads new apps evenly over the live shards but the master, and fills a late shard first", () => {
    const scheduler = new ShardScheduler({ shardId: "master" });
    const shards = view(["master", "shard-0", "shard-1"]);
    const candidates = scheduler.candidates(shards);
    expect(candidates).toEqual(["shard-0", "shard-1"]);
    const picks = ["a", "b", "c", "d"].map((name) =>
      scheduler.placement(`default/${name}`, app(name), shards, candidates),
    );
    expect(picks.sort()).toEqual(["shard-0", "shard-0", "shard-1", "shard-1"]);
    const grown = view(["master", "shard-0", "shard-1", "shard-2"]);
    expect(scheduler.placement("default/e", app("e"), grown, scheduler.candidates(grown))).toBe("shard-2");
    expect(scheduler.placement("default/f", app("f"), grown, scheduler.candidates(grown))).toBe("shard-2");
  });

  it("leaves apps on live or unknown shards, moves those of a lapsed shard, and keeps a lost label's shard", () => {
    const scheduler = new ShardScheduler({ shardId: "master", schedulableShards: ["master", "shard-1"] });
    const shards = view(["master", "shard-1"], ["shard-0"]);
    const candidates = scheduler.candidates(shards);
    expect(candidates).toEqual(["master", "shard-1"]);
    expect(scheduler.placement("default/a", app("a", "shard-1"), shards, candidates)).toBeUndefined();
    expect(scheduler.placement("default/b", app("b", "shard-9"), shards, candidates)).toBeUndefined();
    scheduler.observe("default/c", app("c", "shard-0"));
    expect(scheduler.keysOn(new Set(["shard-0"]))).toEqual(["default/c"]);
    expect(candidates).toContain(scheduler.placement("default/c", app("c", "shard-0"), shards, candidates));
    scheduler.observe("default/d", app("d", "shard-1"));
    expect(scheduler.placement("default/d", app("d"), shards, candidates)).toBe("shard-1");
    expect(scheduler.placement("default/e", app("e"), view([]), [])).toBeUndefined();
  });

  it("shard ids must fit a label value and a Lease name", () => {
    expect(validateShardId("--shard-id", "shard-0")).toBe("shard-0");
    expect(() => validateShardId("--shard-id", "Shard_0")).toThrow(/not a valid shard id/);
  });
});

describe("vela-ts controller sharding flags", () => {
  it.each([
    [["--shard-id", "Shard_0"], /--shard-id "Shard_0" is not a valid shard id/],
    [["--schedulable-shards", "shard-0"], /--schedulable-shards needs --shard-id master/],
    [["--shard-id", "shard-0", "--schedulable-shards", "shard-1"], /--schedulable-shards is for the master shard/],
    [["--leader-election-renew-deadline", "20s"], /retry period < renew deadline < lease duration/],
  ])("%j is refused before connecting", async (flags, message) => {
    const run = await runCli(["controller", "--kubeconfig", "/nonexistent/kubeconfig", ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe("vela-ts controller --shard-id on the served sandbox", () => {
  it("two shard processes split the apps the master schedules; a SIGKILLed shard's apps move to the live one once its Lease lapses", async () => {
    const clock = new SystemClock();
    const dir = tempDir("vela-ts-sharding-");
    const sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock });
    const server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 100 });
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, server.kubeconfig());
    const client = openKubeCluster({ kubeconfigPath: kubeconfig });
    const shards = [startShard("shard-0", kubeconfig, dir), startShard("shard-1", kubeconfig, dir)];
    const stopMaster = new AbortController();
    const masterEvents: ReconcileEvent[] = [];
    const masterLog: string[] = [];
    let master: Promise<unknown> = Promise.resolve();
    const listApps = () => client.list("core.oam.dev/v1beta1", "Application", { namespace: "default" });
    try {
      for (let index = 0; index < APPS; index += 1) await client.create(application(`app-${index}`, "v1"));
      const urls = await Promise.all(shards.map((shard) => shard.metricsUrl));
      await eventually(
        "both shards to hold their Leases",
        async () => ((await viewShards(client, clock, "default")).live.length === 2 ? true : undefined),
        30_000,
      );
      expect(countByShard(await listApps())).toEqual({ "": APPS });

      master = runControllerMode({
        cwd: PROJECT_ROOT,
        clock,
        http: noHttp,
        command: "test controller",
        kubeconfig,
        env: {},
        signal: stopMaster.signal,
        identity: "master-pod",
        namespace: "default",
        sharding: { shardId: "master" },
        lease: { leaseDurationMs: 5000, renewDeadlineMs: 4000, retryPeriodMs: 500 },
        waitPollIntervalMs: 100,
        resyncIntervalMs: 60_000,
        onReconcile: (event) => masterEvents.push(event),
        log: (line) => masterLog.push(line),
      });
      const scheduled = await eventually(
        "every app scheduled and running",
        async () => {
          const apps = await listApps();
          return apps.every((app) => scheduledShardOf(app) !== "" && running(app)) ? apps : undefined;
        },
        60_000,
      );
      const logs = shards.map((shard) => shard.stderr()).join("\n");
      expect(countByShard(scheduled), logs).toEqual({ "shard-0": APPS / 2, "shard-1": APPS / 2 });
      for (let index = 0; index < APPS; index += 1)
        expect(
          (await client.get({ apiVersion: "v1", kind: "ConfigMap", name: `app-${index}-config`, namespace: "default" }))
            ?.data,
        ).toEqual({ data: "v1" });
      // Each shard reconciled exactly its own apps; the master (not schedulable) none.
      expect(await gauge(urls[0] ?? "", "vela_ts_controller_applications")).toBe(APPS / 2);
      expect(await gauge(urls[1] ?? "", "vela_ts_controller_applications")).toBe(APPS / 2);
      expect(masterEvents).toEqual([]);

      const onShard1 = scheduled
        .filter((app) => scheduledShardOf(app) === "shard-1")
        .map((app) => app.metadata.name ?? "");
      shards[1]?.child.kill("SIGKILL");
      const moved = await eventually(
        "shard-1's apps moved to shard-0",
        async () => {
          const apps = await listApps();
          return apps.every((app) => scheduledShardOf(app) === "shard-0") ? apps : undefined;
        },
        30_000,
      );
      expect(moved).toHaveLength(APPS);
      expect(masterLog.filter((line) => line.startsWith("moved ")).sort()).toEqual(
        onShard1.map((app) => `moved default/${app} from shard shard-1 (lease lapsed) to shard shard-0`).sort(),
      );
      const name = onShard1[0] ?? "";
      const appRef = { apiVersion: "core.oam.dev/v1beta1", kind: "Application", name, namespace: "default" };
      await client.patch(appRef, { type: "merge", patch: { spec: application(name, "v2").spec as JsonObject } });
      await eventually(
        `${name}'s change carried out by shard-0`,
        async () => {
          const config = await client.get({
            apiVersion: "v1",
            kind: "ConfigMap",
            name: `${name}-config`,
            namespace: "default",
          });
          return (config?.data as { data?: string } | undefined)?.data === "v2" ? true : undefined;
        },
        30_000,
      );
      await eventually(
        "shard-0 to reconcile every app",
        async () => ((await gauge(urls[0] ?? "", "vela_ts_controller_applications")) === APPS ? true : undefined),
        30_000,
      );
      expect(masterEvents).toEqual([]);
    } finally {
      stopMaster.abort();
      await master.catch(() => undefined);
      for (const shard of shards) shard.child.kill("SIGTERM");
      client.close();
      await server.close();
      sandbox.close();
    }
  }, 120_000);
});
