/**
 * DESIGN §1 story 4: the KubeVela v1.1 Istio canary through `vela-ts up` and `vela-ts workflow
 * resume`, in-process on a fake clock: component revisions, the batch Rollout controller, the
 * `canary-rollout` / `canary-rollback` steps and mesh traffic split by revision. The flow runs on the
 * upstream Application files unchanged (skipped without `../shared`) and on `examples/istio/`.
 */
import { cpSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSandbox } from "../../src/cluster/sandbox/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { HAS_SHARED, PROJECT_ROOT, SHARED_MISSING_REASON, sharedPath } from "../support/shared.js";

const REQUESTS = 10_000;
const ROLLOUT = "standard.oam.dev/v1alpha1";

/** One run of the story: the files, the canary component and the images of its two revisions. */
interface Flow {
  readonly name: string;
  readonly needsShared: boolean;
  readonly app: string;
  readonly component: string;
  readonly firstDeploy: string;
  readonly rolloutV2: string;
  readonly rollback: string;
  readonly oldImage: string;
  readonly newImage: string;
  readonly targetSize: number;
  /** Replicas of the new revision after the first batch. */
  readonly firstBatch: number;
  /** Share of traffic the first canary-rollout step sends to the new revision. */
  readonly canaryShare: number;
}

const upstream = (folder: string, file: string): string => sharedPath("reference", "kubevela-examples", folder, file);
const example = (file: string): string => join(PROJECT_ROOT, "examples", "istio", file);

const FLOWS: readonly Flow[] = [
  {
    name: "upstream canary-rollout-use-case (bookinfo reviews)",
    needsShared: true,
    app: "book-info",
    component: "reviews",
    firstDeploy: upstream("canary-rollout-use-case", "first-deploy.yaml"),
    rolloutV2: upstream("canary-rollout-use-case", "rollout-v2.yaml"),
    rollback: upstream("canary-rollout-use-case", "rollback.valid-b60c16a4b.yaml"),
    oldImage: "docker.io/istio/examples-bookinfo-reviews-v2:1.16.2",
    newImage: "docker.io/istio/examples-bookinfo-reviews-v3:1.16.2",
    targetSize: 2,
    firstBatch: 1,
    canaryShare: 0.1,
  },
  {
    name: "upstream workflow-canary-rollout (canarydemo)",
    needsShared: true,
    app: "canary-test",
    component: "canarydemo",
    firstDeploy: upstream("workflow-canary-rollout", "first-deploy.yaml"),
    rolloutV2: upstream("workflow-canary-rollout", "rollout-v2.yaml"),
    rollback: example("canary-test-rollback.yaml"),
    oldImage: "docker.io/barnett/canarydemo:v1",
    newImage: "docker.io/barnett/canarydemo:v2",
    targetSize: 2,
    firstBatch: 1,
    canaryShare: 0.1,
  },
  {
    name: "examples/istio (shop reviews)",
    needsShared: false,
    app: "shop",
    component: "reviews",
    firstDeploy: example("first-deploy.yaml"),
    rolloutV2: example("rollout-v2.yaml"),
    rollback: example("rollback.yaml"),
    oldImage: "ghcr.io/vela-ts/reviews:v1",
    newImage: "ghcr.io/vela-ts/reviews:v2",
    targetSize: 4,
    firstBatch: 2,
    canaryShare: 0.25,
  },
];

/** A sandbox directory and the fake clock every command on it shares. */
interface Workspace {
  readonly cwd: string;
  readonly clock: FakeClock;
}

function workspace(): Workspace {
  return { cwd: tempDir("vela-ts-istio-"), clock: new FakeClock() };
}

/** A copy of a workspace's sandbox (same time), to branch the story. */
function branch(from: Workspace): Workspace {
  const cwd = tempDir("vela-ts-istio-branch-");
  cpSync(join(from.cwd, ".vela-ts"), join(cwd, ".vela-ts"), { recursive: true });
  const clock = new FakeClock(from.clock.now());
  return { cwd, clock };
}

async function vela(ws: Workspace, argv: readonly string[]): Promise<CliRun> {
  return runCli(argv, { cwd: ws.cwd, clock: ws.clock });
}

async function velaOk(ws: Workspace, argv: readonly string[]): Promise<CliRun> {
  const run = await vela(ws, argv);
  if (run.code !== 0) throw new Error(`vela-ts ${argv.join(" ")} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run;
}

async function getJson(ws: Workspace, argv: readonly string[]): Promise<unknown> {
  return JSON.parse((await velaOk(ws, [...argv, "-o", "json"])).stdout) as unknown;
}

async function list(ws: Workspace, resource: string): Promise<KubeObject[]> {
  return ((await getJson(ws, ["sandbox", "get", resource])) as { items: KubeObject[] }).items;
}

/** Ready pods of the component by component revision label and image: `{"reviews-v1 img": 2}`. */
async function podsOf(ws: Workspace, component: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const pod of await list(ws, "pods")) {
    const labels = pod.metadata.labels ?? {};
    if (labels["app.oam.dev/component"] !== component || pod.metadata.deletionTimestamp !== undefined) continue;
    const image = String((pod.spec as { containers: { image: string }[] }).containers[0]?.image);
    const key = `${labels["app.oam.dev/revision"] ?? "?"} ${image}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** Images answering 10,000 seeded mesh requests to the component's Service. */
async function mesh(
  ws: Workspace,
  component: string,
): Promise<{ byImage: Record<string, number>; byStatus: Record<string, number> }> {
  return (await getJson(ws, [
    "sandbox",
    "request",
    "--service",
    component,
    "--count",
    String(REQUESTS),
    "--seed",
    "4",
  ])) as { byImage: Record<string, number>; byStatus: Record<string, number> };
}

/** The component's `standard.oam.dev` Rollout, read from the sandbox directly (`sandbox get` lists only registered kinds). */
async function readRollout(ws: Workspace, component: string): Promise<KubeObject | undefined> {
  const sandbox = await openSandbox({ dir: join(ws.cwd, ".vela-ts"), clock: ws.clock });
  try {
    return await sandbox.get({ apiVersion: ROLLOUT, kind: "Rollout", name: component, namespace: "default" });
  } finally {
    sandbox.close();
  }
}

async function rolloutStatus(ws: Workspace, component: string): Promise<Record<string, unknown>> {
  return ((await readRollout(ws, component))?.status ?? {}) as Record<string, unknown>;
}

async function deploymentNames(ws: Workspace): Promise<string[]> {
  return (await list(ws, "deployments")).map((item) => item.metadata.name ?? "").sort();
}

/** Binomial 99.9% interval (normal approximation, z = 3.29). */
function interval(n: number, p: number): { low: number; high: number } {
  const sd = Math.sqrt(n * p * (1 - p));
  return { low: n * p - 3.29 * sd, high: n * p + 3.29 * sd };
}

describe.each(FLOWS)("story 4, Istio canary: $name", (flow) => {
  const skip = flow.needsShared && !HAS_SHARED;
  const old = `${flow.component}-v1`;
  const next = `${flow.component}-v2`;
  // The stages share one sandbox; the rollback branches off the suspended state.
  const ws = workspace();
  let suspended: Workspace | undefined;

  describe.skipIf(skip)(skip ? SHARED_MISSING_REASON : "stages", () => {
    it("first deploy: the batch rollout creates revision v1 at targetSize; all mesh traffic reaches it", async () => {
      await velaOk(ws, ["up", "-f", flow.firstDeploy, "--wait"]);
      expect(await podsOf(ws, flow.component)).toEqual({ [`${old} ${flow.oldImage}`]: flow.targetSize });
      expect(await rolloutStatus(ws, flow.component)).toMatchObject({
        rollingState: "rolloutSucceed",
        lastTargetRevision: old,
        upgradedReadyReplicas: flow.targetSize,
      });
      expect((await mesh(ws, flow.component)).byImage).toEqual({ [flow.oldImage]: REQUESTS });
      // The app records the workload as a component revision and never applies it under its own name.
      expect(await deploymentNames(ws)).not.toContain(flow.component);
      expect((await list(ws, "controllerrevisions")).map((item) => item.metadata.name)).toContain(old);
    });

    it("rollout-v2 --wait: suspended after the first batch, with its share of the traffic on the new revision", async () => {
      const run = await velaOk(ws, ["up", "-f", flow.rolloutV2, "--wait"]);
      expect(run.stdout).toContain("suspend");
      expect(await podsOf(ws, flow.component)).toEqual({
        [`${old} ${flow.oldImage}`]: flow.targetSize - flow.firstBatch,
        [`${next} ${flow.newImage}`]: flow.firstBatch,
      });
      expect(await rolloutStatus(ws, flow.component)).toMatchObject({
        rollingState: "rollingInBatches",
        batchRollingState: "batchReady",
        currentBatch: 0,
        upgradedReplicas: flow.firstBatch,
        upgradedReadyReplicas: flow.firstBatch,
        lastTargetRevision: next,
        LastSourceRevision: old,
      });
      const shares = await mesh(ws, flow.component);
      const bounds = interval(REQUESTS, flow.canaryShare);
      expect(shares.byStatus).toEqual({ "200": REQUESTS });
      expect(shares.byImage[flow.newImage]).toBeGreaterThan(bounds.low);
      expect(shares.byImage[flow.newImage]).toBeLessThan(bounds.high);
      const app = (await getJson(ws, ["sandbox", "get", "applications", flow.app])) as {
        status: { status: string; workflow: { status: string } };
      };
      expect(app.status.workflow.status).toBe("suspending");
      suspended = branch(ws);
    });

    it("from the suspended state, the canary-rollback app puts every replica and all traffic back on the old revision", async () => {
      if (suspended === undefined) throw new Error("the rollout-v2 stage did not run");
      const before = await podsOf(suspended, flow.component);
      await velaOk(suspended, ["up", "-f", flow.rollback, "--wait"]);
      expect(await podsOf(suspended, flow.component)).toEqual({ [`${old} ${flow.oldImage}`]: flow.targetSize });
      expect(before[`${old} ${flow.oldImage}`]).toBe(flow.targetSize - flow.firstBatch);
      expect((await mesh(suspended, flow.component)).byImage).toEqual({ [flow.oldImage]: REQUESTS });
      expect(await rolloutStatus(suspended, flow.component)).toMatchObject({
        rollingState: "rolloutSucceed",
        lastTargetRevision: old,
        LastSourceRevision: next,
      });
      expect(await deploymentNames(suspended)).not.toContain(next);
      const app = (await getJson(suspended, ["sandbox", "get", "applications", flow.app])) as {
        status: { status: string; workflow: { status: string } };
      };
      expect(app.status).toMatchObject({ status: "running", workflow: { status: "succeeded" } });
    });

    it("workflow resume: every replica and all traffic on the new revision; the old revision's Deployment removed", async () => {
      await velaOk(ws, ["workflow", "resume", flow.app, "--wait"]);
      expect(await podsOf(ws, flow.component)).toEqual({ [`${next} ${flow.newImage}`]: flow.targetSize });
      expect((await mesh(ws, flow.component)).byImage).toEqual({ [flow.newImage]: REQUESTS });
      expect(await rolloutStatus(ws, flow.component)).toMatchObject({
        rollingState: "rolloutSucceed",
        currentBatch: 1,
        lastTargetRevision: next,
        upgradedReadyReplicas: flow.targetSize,
      });
      expect(await deploymentNames(ws)).not.toContain(old);
      // State keep re-applies the release without undoing what the steps patched.
      await velaOk(ws, ["up", "-f", flow.rolloutV2, "--wait"]);
      expect((await mesh(ws, flow.component)).byImage).toEqual({ [flow.newImage]: REQUESTS });
    });
  });
});

describe.skipIf(!HAS_SHARED)(`the malformed upstream rollback.yaml ${HAS_SHARED ? "" : SHARED_MISSING_REASON}`, () => {
  it("is refused with E_YAML at 24:13 and the sandbox is left as it was", async () => {
    const ws = workspace();
    await velaOk(ws, ["up", "-f", upstream("canary-rollout-use-case", "first-deploy.yaml"), "--wait"]);
    await velaOk(ws, ["up", "-f", upstream("canary-rollout-use-case", "rollout-v2.yaml"), "--wait"]);
    const snapshot = async (): Promise<unknown> => ({
      apps: await list(ws, "applications"),
      pods: await list(ws, "pods"),
      vs: await list(ws, "virtualservices"),
      rollout: await readRollout(ws, "reviews"),
    });
    const before = await snapshot();
    const run = await vela(ws, ["up", "-f", upstream("canary-rollout-use-case", "rollback.yaml"), "--wait"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error[E_YAML]");
    expect(run.stderr).toContain("rollback.yaml:24:13");
    expect(await snapshot()).toEqual(before);
  });
});
