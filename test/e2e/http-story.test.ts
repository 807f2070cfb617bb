/**
 * DESIGN story 1 over HTTP: the sandbox served as a Kubernetes API (`startSandboxServer` in-process)
 * and driven only through it with the release commands and `--kubeconfig`. Every stage is compared
 * with the same commands run in-process on a sandbox directory: the same objects, the same pods per
 * version (the stable pods never restarted), the same routing shares.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import {
  exampleApp,
  inProcessStory,
  podCounts,
  REQUESTS,
  runCliPolling,
  servedStory,
  type InProcessStory,
  type ReleaseSnapshot,
  type ServedStory,
} from "./http-support.js";

const V1 = "ghcr.io/vela-ts/demo-app:v1";
const V2 = "ghcr.io/vela-ts/demo-app:v2";

interface Stage {
  readonly name: string;
  readonly argv: readonly (readonly string[])[];
  /** Expected share of requests answered by v2. */
  readonly v2Share: number;
  readonly pods: Readonly<Record<string, number>>;
}

const STAGES: readonly Stage[] = [
  { name: "up v1", argv: [["up", "-f", exampleApp("demo-app-v1.yaml"), "--wait"]], v2Share: 0, pods: { [V1]: 5 } },
  {
    name: "up v2 stops at step 1",
    argv: [["up", "-f", exampleApp("demo-app-v2.yaml"), "--wait"]],
    v2Share: 0.2,
    pods: { [V1]: 5, [V2]: 1 },
  },
  {
    name: "workflow resume: step 2",
    argv: [["workflow", "resume", "demo-app", "--wait"]],
    v2Share: 0.9,
    pods: { [V1]: 5, [V2]: 5 },
  },
  {
    name: "workflow suspend + rollback",
    argv: [
      ["workflow", "suspend", "demo-app"],
      ["workflow", "rollback", "demo-app", "--wait"],
    ],
    v2Share: 0,
    pods: { [V1]: 5 },
  },
];

interface Observed {
  readonly release: ReleaseSnapshot;
  readonly shares: Record<string, number>;
}

/** 99.9% binomial bounds of a share, wide enough for 2,000 seeded requests. */
function expectShare(count: number, p: number, label: string): void {
  const sd = Math.sqrt(REQUESTS * p * (1 - p));
  expect(count, label).toBeGreaterThanOrEqual(Math.floor(REQUESTS * p - 3.3 * sd - 1));
  expect(count, label).toBeLessThanOrEqual(Math.ceil(REQUESTS * p + 3.3 * sd + 1));
}

describe("DESIGN story 1 over HTTP with the release commands and --kubeconfig", () => {
  const clock = new FakeClock();
  let reference: InProcessStory;
  let served: ServedStory;
  const local: Observed[] = [];
  const remote: Observed[] = [];
  const outputs: string[] = [];

  beforeAll(async () => {
    reference = await inProcessStory();
    served = await servedStory(clock, 10);
    for (const stage of STAGES) {
      for (const argv of stage.argv) {
        const run = await reference.vela(argv);
        if (run.code !== 0) throw new Error(`in-process ${argv.join(" ")} exited ${run.code}: ${run.stderr}`);
      }
      local.push(await reference.snapshot("demo-app"));
      for (const argv of stage.argv) {
        const run = await runCliPolling([...argv, "--kubeconfig", served.kubeconfig], clock, {
          VELA_TS_POLL_INTERVAL: "500ms",
        });
        outputs.push(`$ vela-ts ${argv.join(" ")} --kubeconfig F → ${run.code}\n${run.stdout}${run.stderr}`);
        if (run.code !== 0)
          throw new Error(`over HTTP ${argv.join(" ")} exited ${run.code}:\n${run.stdout}${run.stderr}`);
      }
      remote.push(served.snapshot("demo-app"));
    }
  }, 240_000);

  afterAll(async () => {
    await served?.close();
  });

  it("every command talked to the served API (and only to it)", () => {
    expect(outputs[0]).toContain("(cluster vela-ts-sandbox at https://127.0.0.1:");
    expect(served.serving.server.requestCount).toBeGreaterThan(100);
  });

  it.each(STAGES.map((stage, index) => ({ name: stage.name, stage, index })))(
    "$name: same objects, pods and app status as in-process",
    ({ stage, index }) => {
      const over = remote[index];
      const here = local[index];
      expect(over?.release.objects).toEqual(here?.release.objects);
      expect(podCounts(over?.release as ReleaseSnapshot)).toEqual(stage.pods);
      expect(podCounts(here?.release as ReleaseSnapshot)).toEqual(stage.pods);
      expect({
        status: over?.release.appStatus,
        revision: over?.release.latestRevision,
        chart: over?.release.chartVersion,
      }).toEqual({
        status: here?.release.appStatus,
        revision: here?.release.latestRevision,
        chart: here?.release.chartVersion,
      });
    },
  );

  it.each(STAGES.map((stage, index) => ({ name: stage.name, stage, index })))(
    "$name: the routing shares match the in-process run",
    ({ stage, index }) => {
      const over = remote[index]?.shares ?? {};
      const here = local[index]?.shares ?? {};
      expectShare(over[V2] ?? 0, stage.v2Share, `v2 share over HTTP after ${stage.name}`);
      expectShare(here[V2] ?? 0, stage.v2Share, `v2 share in-process after ${stage.name}`);
      expect((over[V1] ?? 0) + (over[V2] ?? 0)).toBe(REQUESTS);
      // The router draws from the same seed over the same weights, so the counts per version agree exactly.
      expect(over).toEqual(here);
    },
  );

  it("the stable v1 pods are the same pods from v1 to the rollback (never restarted), in both runs", () => {
    for (const run of [remote, local]) {
      const first = run[0]?.release.podUids[V1];
      expect(first).toHaveLength(5);
      for (const observed of run) expect(observed.release.podUids[V1]).toEqual(first);
    }
  });

  it("the rollback put the Application back on revision v1 and chart 1.0.0", () => {
    const last = remote.at(-1)?.release;
    expect(last?.latestRevision).toBe("demo-app-v1");
    expect(last?.chartVersion).toBe("1.0.0");
    expect(last?.objects.filter((object) => object.includes("<canary>") || object.endsWith("-canary"))).toEqual([]);
  });
});
