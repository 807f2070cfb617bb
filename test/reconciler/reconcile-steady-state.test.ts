/**
 * The steady-state short-circuit of reconcileApplication: an app found exactly as its last full pass
 * left it skips bind/render/apply and writes nothing, and everything that would make a full pass do
 * something (an object deleted or edited, health moved by a controller, an ops-only edit, a revision
 * pruned, a definition changed, a workflow waiting) is seen and gets a full pass.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import {
  DEFAULT_ADDONS,
  reconcileApplication,
  SteadyStateMemo,
  type ReconcileOutcome,
  type ReconcilerDeps,
} from "../../src/operations/index.js";
import { PassRecorder } from "../../src/reconciler/steady-state.js";
import { loadClusterRegistry } from "../../src/reconciler/definitions-for-app.js";
import { DefinitionRegistry } from "../../src/definitions/index.js";
import type { KubeObject, ObjectRef } from "../../src/model/kube-object.js";
import { FakeClock } from "../../src/util/clock.js";
import type { JsonObject } from "../../src/util/index.js";
import { restartWorkflow, resumeWorkflow, type WorkflowStatus } from "../../src/workflow/index.js";
import { tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

const noHttp = (): Promise<never> => Promise.reject(new Error("no webhooks in these tests"));
const { registry: REGISTRY } = loadClusterRegistry({
  definitionDirs: [],
  cwd: PROJECT_ROOT,
  enabledAddons: [...DEFAULT_ADDONS],
});

const appRef = (name: string): ObjectRef => ({
  apiVersion: "core.oam.dev/v1beta1",
  kind: "Application",
  name,
  namespace: "default",
});
const configMapRef = (name: string): ObjectRef => ({ apiVersion: "v1", kind: "ConfigMap", name, namespace: "default" });
const deploymentRef = (name: string): ObjectRef => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  name,
  namespace: "default",
});

function configApp(name: string, extra: { readonly workflow?: JsonObject } = {}): KubeObject {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, namespace: "default" },
    spec: {
      components: [
        {
          name,
          type: "k8s-objects",
          properties: {
            objects: [
              {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: `${name}-config` },
                data: { greeting: "hello" },
              },
            ],
          },
        },
      ],
      ...(extra.workflow === undefined ? {} : { workflow: extra.workflow }),
    },
  };
}

function webApp(name: string, replicas: number, rollout?: JsonObject): KubeObject {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, namespace: "default" },
    spec: {
      components: [
        {
          name,
          type: "webservice",
          properties: { image: "nginx:1.25", ports: [{ port: 80, expose: true }] },
          traits: [
            { type: "scaler", properties: { replicas } },
            ...(rollout === undefined ? [] : [{ type: "kruise-rollout", properties: rollout }]),
          ],
        },
      ],
    },
  };
}

interface Harness {
  readonly cluster: SandboxCluster;
  readonly clock: FakeClock;
  readonly memo: SteadyStateMemo;
  readonly deps: ReconcilerDeps;
  /** One pass of `name`. */
  pass(name: string, overrides?: Partial<ReconcilerDeps>): Promise<ReconcileOutcome>;
  /** Passes and controller runs until a pass writes nothing and the controllers are quiet. */
  settle(name: string): Promise<ReconcileOutcome>;
  /** Replaces the Application's spec (as `vela-ts up` or kubectl would). */
  edit(name: string, change: (app: KubeObject) => KubeObject): Promise<void>;
}

const opened: SandboxCluster[] = [];
afterEach(() => {
  for (const cluster of opened.splice(0)) cluster.close();
});

async function harness(...apps: readonly KubeObject[]): Promise<Harness> {
  const clock = new FakeClock();
  const cluster = await openSandbox({ dir: join(tempDir(), "sandbox"), clock, sync: false });
  opened.push(cluster);
  const memo = new SteadyStateMemo({ view: cluster.store });
  const deps: ReconcilerDeps = { cluster, clock, registry: REGISTRY, http: noHttp, steadyState: memo };
  for (const app of apps) await cluster.create(app);
  const pass = (name: string, overrides: Partial<ReconcilerDeps> = {}): Promise<ReconcileOutcome> =>
    reconcileApplication(name, "default", { ...deps, ...overrides });
  return {
    cluster,
    clock,
    memo,
    deps,
    pass,
    async settle(name) {
      for (let round = 0; round < 50; round++) {
        const outcome = await pass(name);
        const { writes } = await cluster.settle();
        if (!outcome.wrote && writes === 0) return outcome;
      }
      throw new Error(`application ${name} did not settle`);
    },
    async edit(name, change) {
      const app = await cluster.get(appRef(name));
      if (app === undefined) throw new Error(`no application ${name}`);
      await cluster.update(change(app));
    },
  };
}

function workflowOf(app: KubeObject | undefined): WorkflowStatus | undefined {
  return (app?.status as { workflow?: WorkflowStatus } | undefined)?.workflow;
}

/** The app at a steady state: its last pass was a full one that changed nothing, so the next is skipped. */
async function steady(h: Harness, name: string): Promise<void> {
  await h.settle(name);
  const next = await h.pass(name);
  expect(next.skipped).toBe(true);
}

describe("steady-state short-circuit", () => {
  it("skips an unchanged app without writing, and returns what a full pass returns", async () => {
    const h = await harness(configApp("calm"));
    const full = await h.settle("calm");
    expect(full.skipped).toBeUndefined();
    const writes = h.cluster.writeCount;
    const skipped = await h.pass("calm");
    expect(h.cluster.writeCount).toBe(writes);
    expect(skipped.skipped).toBe(true);
    const resynced = await h.pass("calm", { fullResync: true });
    expect(resynced.skipped).toBeUndefined();
    expect(h.cluster.writeCount).toBe(writes);
    const { skipped: _skipped, ...skippedRest } = skipped;
    expect(skippedRest).toEqual(resynced);
    expect(skipped.phase).toBe("running");
    expect(skipped.workflow?.status).toBe("succeeded");
  });

  it("without a memo every pass is a full pass", async () => {
    const h = await harness(configApp("plain"));
    await h.settle("plain");
    const { steadyState: _memo, ...withoutMemo } = h.deps;
    const outcome = await reconcileApplication("plain", "default", withoutMemo);
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.wrote).toBe(false);
  });

  it("re-creates a ConfigMap deleted behind its back", async () => {
    const h = await harness(configApp("lost"));
    await steady(h, "lost");
    await h.cluster.delete(configMapRef("lost-config"));
    const outcome = await h.pass("lost");
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.wrote).toBe(true);
    expect((await h.cluster.get(configMapRef("lost-config")))?.["data"]).toEqual({ greeting: "hello" });
  });

  it("looks again at a ConfigMap someone edited", async () => {
    const h = await harness(configApp("edited"));
    await steady(h, "edited");
    await h.cluster.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "edited-config", namespace: "default" },
        data: { note: "added by hand" },
      },
      { fieldManager: "kubectl" },
    );
    const outcome = await h.pass("edited");
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.wrote).toBe(false);
    expect((await h.cluster.get(configMapRef("edited-config")))?.["data"]).toEqual({
      greeting: "hello",
      note: "added by hand",
    });
    // That full pass saw the edit: the app is steady again.
    expect((await h.pass("edited")).skipped).toBe(true);
  });

  it("sees health a controller changed", async () => {
    const h = await harness(webApp("web", 2));
    await steady(h, "web");
    await h.cluster.patchStatus(deploymentRef("web"), {
      type: "merge",
      patch: { status: { readyReplicas: 0, availableReplicas: 0, updatedReplicas: 0 } },
    });
    const outcome = await h.pass("web");
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.services[0]?.healthy).toBe(false);
    // Unhealthy is not a steady state: the next pass is a full one too.
    expect((await h.pass("web")).skipped).toBeUndefined();
    await h.cluster.settle();
    expect((await h.settle("web")).services[0]?.healthy).toBe(true);
    expect((await h.pass("web")).skipped).toBe(true);
  });

  it("applies an ops-only trait edit (scaler replicas) without a new revision", async () => {
    const h = await harness(webApp("shop", 2));
    await steady(h, "shop");
    await h.edit("shop", (app) => ({ ...app, spec: webApp("shop", 5).spec }));
    const outcome = await h.pass("shop");
    expect(outcome.skipped).toBeUndefined();
    expect((await h.cluster.get(deploymentRef("shop")))?.["spec"]).toMatchObject({ replicas: 5 });
    expect((outcome.app.status as { latestRevision?: { name?: string } }).latestRevision?.name).toBe("shop-v1");
  });

  it("sees a label or annotation change (a new publishVersion makes a revision)", async () => {
    const h = await harness(configApp("pinned"));
    await steady(h, "pinned");
    await h.edit("pinned", (app) => ({
      ...app,
      metadata: { ...app.metadata, annotations: { "app.oam.dev/publishVersion": "v2" } },
    }));
    const outcome = await h.pass("pinned");
    expect(outcome.skipped).toBeUndefined();
    expect((outcome.app.status as { latestRevision?: { name?: string } }).latestRevision?.name).toBe("pinned-v2");
  });

  it("sees the current revision pruned", async () => {
    const h = await harness(configApp("pruned"));
    await steady(h, "pruned");
    await h.cluster.delete({
      apiVersion: "core.oam.dev/v1beta1",
      kind: "ApplicationRevision",
      name: "pruned-v1",
      namespace: "default",
    });
    const outcome = await h.pass("pruned");
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.wrote).toBe(true);
  });

  it("sees a definition the app uses change, and not a registry loaded again unchanged", async () => {
    const h = await harness(configApp("defs"));
    await steady(h, "defs");
    const reloaded = new DefinitionRegistry(REGISTRY.list());
    expect((await h.pass("defs", { registry: reloaded })).skipped).toBe(true);
    // Another definition changing (an addon enabled) does not concern this app.
    const other = new DefinitionRegistry(
      REGISTRY.list().map((definition) =>
        definition.name === "webservice" ? { ...definition, description: "a newer version" } : definition,
      ),
    );
    expect((await h.pass("defs", { registry: other })).skipped).toBe(true);
    const changed = new DefinitionRegistry(
      REGISTRY.list().map((definition) =>
        definition.name === "k8s-objects" ? { ...definition, description: "a newer version" } : definition,
      ),
    );
    expect((await h.pass("defs", { registry: changed })).skipped).toBeUndefined();
    expect((await h.pass("defs", { registry: changed })).skipped).toBe(true);
    expect((await h.pass("defs")).skipped).toBeUndefined();
  });

  it("never skips a suspended workflow, and sees it resumed", async () => {
    const h = await harness(
      configApp("held", {
        workflow: {
          steps: [
            { name: "apply", type: "apply-component", properties: { component: "held" } },
            { name: "hold", type: "suspend" },
          ],
        },
      }),
    );
    const waiting = await h.settle("held");
    expect(waiting.waitingForPerson).toBe(true);
    expect((await h.pass("held")).skipped).toBeUndefined();
    expect(h.memo.size).toBe(0);
    const app = await h.cluster.get(appRef("held"));
    if (app === undefined) throw new Error("no app");
    await h.cluster.updateStatus({
      ...app,
      status: {
        ...(app.status as JsonObject),
        workflow: resumeWorkflow(workflowOf(app), "held").status as unknown as JsonObject,
      },
    });
    const resumed = await h.settle("held");
    expect(resumed.workflow?.status).toBe("succeeded");
    expect((await h.pass("held")).skipped).toBe(true);
  });

  it("sees a workflow restarted by a person", async () => {
    const h = await harness(configApp("again"));
    await steady(h, "again");
    const app = await h.cluster.get(appRef("again"));
    if (app === undefined) throw new Error("no app");
    // `workflow restart` (from the start) drops the run; the next pass starts a new one.
    expect(restartWorkflow(workflowOf(app), "again", {}).status).toBeUndefined();
    const { workflow: _run, ...rest } = app.status as JsonObject;
    await h.cluster.updateStatus({ ...app, status: rest });
    const outcome = await h.pass("again");
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.wrote).toBe(true);
  });

  it("never skips an app whose Rollout waits for approval", async () => {
    const rollout = { canary: { steps: [{ replicas: 1 }, { replicas: "100%" }] } };
    const h = await harness(webApp("canary", 2, rollout));
    await steady(h, "canary");
    await h.edit("canary", (app) => {
      const next = webApp("canary", 2, rollout);
      const spec = next.spec as { components: JsonObject[] };
      (spec.components[0]?.properties as JsonObject).image = "nginx:1.26";
      return { ...app, spec: next.spec };
    });
    const stepState = async (): Promise<string | undefined> => {
      const [found] = await h.cluster.list("rollouts.kruise.io/v1alpha1", "Rollout", { namespace: "default" });
      return (found?.status as { canaryStatus?: { currentStepState?: string } } | undefined)?.canaryStatus
        ?.currentStepState;
    };
    let waiting = await h.settle("canary");
    for (let round = 0; round < 30 && (await stepState()) !== "StepPaused"; round++) {
      h.clock.advance(10_000);
      waiting = await h.settle("canary");
    }
    expect(await stepState()).toBe("StepPaused");
    expect(waiting.workflow?.finished).toBe(false);
    expect((await h.pass("canary")).skipped).toBeUndefined();
    expect(h.memo.size).toBe(0);
  });

  it("forgets an app whose pass failed", async () => {
    const h = await harness(configApp("broken"));
    await steady(h, "broken");
    await h.edit("broken", (app) => ({ ...app, spec: { components: [{ name: "broken", type: "no-such-type" }] } }));
    await expect(h.pass("broken")).rejects.toMatchObject({ code: "E_DEF_NOT_FOUND" });
    expect(h.memo.size).toBe(0);
  });
});

describe("PassRecorder", () => {
  const configMap = (data: JsonObject): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "watched", namespace: "default" },
    data,
  });

  async function recorded(act: (recorder: PassRecorder) => Promise<unknown>): Promise<PassRecorder> {
    const h = await harness();
    await h.cluster.apply(configMap({ a: "1" }));
    const recorder = new PassRecorder(h.cluster, h.clock, noHttp);
    await act(recorder);
    return recorder;
  }

  it.each([
    {
      name: "reads and a write that changes nothing",
      quiet: true,
      act: async (r: PassRecorder) => {
        await r.cluster.get(configMapRef("watched"));
        return r.cluster.apply(configMap({ a: "1" }));
      },
    },
    {
      name: "a write that changes an object it read",
      quiet: false,
      act: async (r: PassRecorder) => {
        await r.cluster.get(configMapRef("watched"));
        return r.cluster.apply(configMap({ a: "2" }));
      },
    },
    {
      name: "a write to an object it never read",
      quiet: false,
      act: (r: PassRecorder) => r.cluster.apply(configMap({ a: "1" })),
    },
    {
      name: "a create",
      quiet: false,
      act: (r: PassRecorder) =>
        r.cluster.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "new", namespace: "default" } }),
    },
    { name: "a delete", quiet: false, act: (r: PassRecorder) => r.cluster.delete(configMapRef("watched")) },
    { name: "a delete of nothing", quiet: true, act: (r: PassRecorder) => r.cluster.delete(configMapRef("absent")) },
    { name: "a look at the clock", quiet: false, act: (r: PassRecorder) => Promise.resolve(r.clock.now()) },
    {
      name: "an HTTP request",
      quiet: false,
      act: (r: PassRecorder) =>
        r
          .http({ method: "GET", url: "https://example.com" } as Parameters<PassRecorder["http"]>[0])
          .catch(() => undefined),
    },
  ])("$name: quiet is $quiet", async ({ quiet, act }) => {
    expect((await recorded(act)).isQuiet).toBe(quiet);
  });

  it("logs the first read of each object and list, in order", async () => {
    const recorder = await recorded(async (r) => {
      await r.cluster.get(configMapRef("watched"));
      await r.cluster.list("v1", "ConfigMap", { namespace: "default" });
      await r.cluster.get(configMapRef("absent"));
      await r.cluster.get(configMapRef("watched"));
    });
    const entries = recorder.reads.split("\u001e").map((entry) => entry.split("\u001f"));
    expect(entries.map((fields) => [fields[0], fields.at(-1)])).toEqual([
      ["g", "watched"],
      ["l", ""],
      ["g", "absent"],
    ]);
    const versions = recorder.readVersions.split("\u001e");
    expect(versions).toHaveLength(3);
    expect(versions[0]).toMatch(/^=\d+$/);
    expect(JSON.parse(versions[1] ?? "")).toEqual([["default", "watched", versions[0]?.slice(1)]]);
    expect(versions[2]).toBe("");
  });
});
