/**
 * CLI commands next to a running controller: a live controller Lease in the sandbox store makes
 * `workflow resume` and `up` write what the person asked for and leave the reconciling to the
 * controller; an expired, released or other-namespace Lease does not; `--wait` follows the
 * controller (and takes over when its Lease lapses).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Cluster } from "../../src/cluster/cluster.js";
import { openKubeCluster } from "../../src/cluster/kube/index.js";
import { openSandbox } from "../../src/cluster/sandbox/index.js";
import { startSandboxServer } from "../../src/cluster/sandbox/server/index.js";
import { runControllerMode } from "../../src/controller/controller-command.js";
import { driveOrHandOff, findReconcilingController } from "../../src/controller/controller-handoff.js";
import { runToFixedPoint } from "../../src/reconciler/drive.js";
import {
  activeController,
  ANNOTATION_WATCH_NAMESPACE,
  CONTROLLER_LEASE_NAME,
  LeaseLock,
} from "../../src/controller/lease.js";
import { openTarget } from "../../src/target/target.js";
import type { KubeObject, ObjectRef } from "../../src/model/kube-object.js";
import { FakeClock, SystemClock } from "../../src/util/clock.js";
import { eventually } from "../e2e/http-support.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { forwardingCluster } from "../support/forwarding-cluster.js";

const noHttp = (): Promise<never> => Promise.reject(new Error("no webhooks in these tests"));

const configMap = (name: string): string =>
  `[{apiVersion: v1, kind: ConfigMap, metadata: {name: ${name}}, data: {app: held}}]`;

/** Applies `first`, waits at a manual `hold`, then applies `second`. */
const APP_YAML = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: held
spec:
  components:
    - name: first
      type: k8s-objects
      properties: {objects: ${configMap("held-first")}}
    - name: second
      type: k8s-objects
      properties: {objects: ${configMap("held-second")}}
  workflow:
    steps:
      - {name: apply-first, type: apply-component, properties: {component: first}}
      - {name: hold, type: suspend}
      - {name: apply-second, type: apply-component, properties: {component: second}}
`;

const appRef: ObjectRef = {
  apiVersion: "core.oam.dev/v1beta1",
  kind: "Application",
  name: "held",
  namespace: "default",
};
const secondRef: ObjectRef = { apiVersion: "v1", kind: "ConfigMap", name: "held-second", namespace: "default" };
const leaseRef = (namespace: string): ObjectRef => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  name: CONTROLLER_LEASE_NAME,
  namespace,
});

interface WorkflowView {
  readonly status?: string;
  readonly suspend?: boolean;
  readonly finished?: boolean;
  readonly steps?: readonly { readonly name: string; readonly phase: string }[];
}

function workflowOf(app: KubeObject | undefined): WorkflowView | undefined {
  return (app?.status as { workflow?: WorkflowView } | undefined)?.workflow;
}

interface Workspace {
  readonly cwd: string;
  readonly dir: string;
  readonly clock: FakeClock;
  vela(argv: readonly string[]): ReturnType<typeof runCli>;
  /** Works on the sandbox store directly (between commands, holding its lock). */
  withSandbox<T>(work: (cluster: Cluster) => Promise<T>): Promise<T>;
}

function workspace(): Workspace {
  const cwd = tempDir("vela-ts-handoff-");
  const dir = join(cwd, "sandbox");
  const clock = new FakeClock();
  writeFileSync(join(cwd, "app.yaml"), APP_YAML);
  return {
    cwd,
    dir,
    clock,
    vela: (argv) => runCli([...argv, "--sandbox", dir], { cwd, clock }),
    async withSandbox(work) {
      const sandbox = await openSandbox({ dir, clock });
      try {
        return await work(sandbox);
      } finally {
        sandbox.close();
      }
    },
  };
}

/** A controller `identity` takes the Lease in `namespace` now (as `vela-ts controller` does). */
function holdLease(
  space: Workspace,
  identity: string,
  options: { readonly namespace?: string; readonly watchNamespace?: string } = {},
): Promise<boolean> {
  return space.withSandbox((cluster) =>
    new LeaseLock(cluster, space.clock, {
      namespace: options.namespace ?? "default",
      identity,
      ...(options.watchNamespace === undefined ? {} : { watchNamespace: options.watchNamespace }),
    }).tryAcquireOrRenew(),
  );
}

async function upToHold(space: Workspace): Promise<void> {
  const up = await space.vela(["up", "-f", "app.yaml"]);
  expect(up.code, up.stderr).toBe(0);
  const held = await space.withSandbox((cluster) => cluster.get(appRef));
  expect(workflowOf(held)?.steps?.find((step) => step.name === "hold")?.phase).toBe("suspending");
}

describe("workflow resume next to a controller Lease in the sandbox", () => {
  it.each([
    {
      name: "a live Lease: the resume is written, the controller is left to carry it out",
      prepare: (space: Workspace) => holdLease(space, "controller-a"),
      handOff: true,
    },
    {
      name: "an expired Lease: the command reconciles in-process",
      prepare: async (space: Workspace) => {
        await holdLease(space, "controller-a");
        space.clock.advanceSeconds(16);
      },
      handOff: false,
    },
    {
      name: "a released Lease: the command reconciles in-process",
      prepare: (space: Workspace) =>
        space.withSandbox(async (cluster) => {
          const lock = new LeaseLock(cluster, space.clock, { namespace: "default", identity: "controller-a" });
          await lock.tryAcquireOrRenew();
          await lock.release();
        }),
      handOff: false,
    },
    {
      name: "a live Lease of a controller that reconciles only another namespace: the command reconciles in-process",
      prepare: (space: Workspace) => holdLease(space, "controller-a", { watchNamespace: "other" }),
      handOff: false,
    },
  ])("$name", async ({ prepare, handOff }) => {
    const space = workspace();
    await upToHold(space);
    await prepare(space);
    const resumed = await space.vela(["workflow", "resume", "held"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("Successfully resume workflow: held");
    const { app, second } = await space.withSandbox(async (cluster) => ({
      app: await cluster.get(appRef),
      second: await cluster.get(secondRef),
    }));
    const workflow = workflowOf(app);
    expect(workflow?.suspend).toBe(false);
    if (handOff) {
      expect(resumed.stderr).toContain(
        "controller controller-a is reconciling default/held (lease default/vela-ts-controller); this command does not reconcile it",
      );
      expect(workflow?.finished).toBe(false);
      expect(workflow?.steps?.find((step) => step.name === "apply-second")?.phase).toBe("pending");
      expect(second).toBeUndefined();
    } else {
      expect(resumed.stderr).not.toContain("is reconciling");
      expect(workflow?.status).toBe("succeeded");
      expect(second?.data).toEqual({ app: "held" });
    }
  });
});

describe("up next to a controller Lease in the sandbox", () => {
  it("stores the Application and leaves its first reconcile to the controller", async () => {
    const space = workspace();
    await holdLease(space, "controller-a");
    const up = await space.vela(["up", "-f", "app.yaml"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain("Application default/held created");
    expect(up.stderr).toContain("controller controller-a is reconciling default/held");
    const app = await space.withSandbox((cluster) => cluster.get(appRef));
    expect(app?.spec).toBeDefined();
    expect(app?.status ?? {}).toEqual({});
  });

  it("--wait follows the controller, and reconciles itself once the controller's Lease lapses", async () => {
    const space = workspace();
    await holdLease(space, "controller-a");
    const started = space.clock.now().getTime();
    const up = await space.vela(["up", "-f", "app.yaml", "--wait"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain("waiting 1s for controller controller-a: application starting");
    expect(up.stderr).toContain("the lease of controller controller-a lapsed; reconciling default/held here");
    expect(up.stdout).toContain("waiting: the workflow is suspended");
    // Not before the 15 s Lease ran out unrenewed.
    expect(space.clock.now().getTime() - started).toBeGreaterThanOrEqual(15_000);
    const app = await space.withSandbox((cluster) => cluster.get(appRef));
    expect(workflowOf(app)?.steps?.find((step) => step.name === "hold")?.phase).toBe("suspending");
  });

  it("--wait --timeout gives up while the controller has not acted", async () => {
    const space = workspace();
    await holdLease(space, "controller-a");
    const up = await space.vela(["up", "-f", "app.yaml", "--wait", "--timeout", "5s"]);
    expect(up.code).toBe(5);
    expect(up.stdout).toContain("stopped waiting (--timeout passed); the release goes on");
    expect(up.stderr).not.toContain("lapsed");
  });
});

describe("CLI commands against the served sandbox with `vela-ts controller -n default` running", () => {
  it("up and workflow resume only write; the controller carries them out", async () => {
    const clock = new SystemClock();
    const dir = tempDir("vela-ts-handoff-served-");
    writeFileSync(join(dir, "app.yaml"), APP_YAML);
    const sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock });
    const server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 100 });
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, server.kubeconfig());
    const client = openKubeCluster({ kubeconfigPath: kubeconfig });
    const stop = new AbortController();
    const controller = runControllerMode({
      cwd: PROJECT_ROOT,
      clock,
      http: noHttp,
      command: "test controller",
      kubeconfig,
      env: {},
      signal: stop.signal,
      identity: "served-controller",
      namespace: "default",
      lease: { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 100 },
      waitPollIntervalMs: 100,
      resyncIntervalMs: 60_000,
    });
    const vela = (argv: readonly string[]) => runCli([...argv, "--kubeconfig", kubeconfig], { cwd: dir, clock });
    try {
      const lease = await eventually("the controller to hold its Lease", async () => {
        const found = await client.get(leaseRef("default"));
        return (found?.spec as { holderIdentity?: string } | undefined)?.holderIdentity === "served-controller"
          ? found
          : undefined;
      });
      expect(lease.metadata.annotations?.[ANNOTATION_WATCH_NAMESPACE]).toBe("default");

      const up = await vela(["up", "-f", "app.yaml"]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain("controller served-controller is reconciling default/held");
      await eventually(
        "held at its hold step",
        async () =>
          workflowOf(await client.get(appRef))?.steps?.find((step) => step.name === "hold")?.phase === "suspending"
            ? true
            : undefined,
        30_000,
      );

      const resumed = await vela(["workflow", "resume", "held"]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toContain("controller served-controller is reconciling default/held");
      await eventually(
        "held to finish",
        async () => (workflowOf(await client.get(appRef))?.status === "succeeded" ? true : undefined),
        30_000,
      );
      expect((await client.get(secondRef))?.data).toEqual({ app: "held" });
    } finally {
      stop.abort();
      await controller.catch(() => undefined);
      client.close();
      await server.close();
      sandbox.close();
    }
  }, 60_000);
});

describe("driveOrHandOff with a controller acting between polls", () => {
  it("returns what the controller reached, without a single status write of its own", async () => {
    const cwd = tempDir("vela-ts-handoff-unit-");
    const clock = new FakeClock();
    const target = await openTarget({
      cwd: PROJECT_ROOT,
      sandboxDir: join(cwd, "sandbox"),
      clock,
      http: noHttp,
      command: "test",
    });
    try {
      const controller = new LeaseLock(target.cluster, clock, { namespace: "default", identity: "controller-b" });
      expect(await controller.tryAcquireOrRenew()).toBe(true);
      await target.cluster.create(appObject());

      let controllerActing = false;
      let ownWrites = 0;
      const watched: Cluster = {
        ...forwardingCluster(target.cluster),
        updateStatus: (object) => {
          if (!controllerActing) ownWrites += 1;
          return target.cluster.updateStatus(object);
        },
      };
      const progress: string[] = [];
      const drive = await driveOrHandOff(
        { ...target, cluster: watched, deps: { ...target.deps, cluster: watched } },
        "held",
        "default",
        {
          wait: true,
          progress: (line) => progress.push(line),
          // The controller's turn: while the command sleeps (without the sandbox lock), it opens
          // the sandbox itself, renews its Lease and reconciles.
          sleep: async (milliseconds) => {
            clock.advance(milliseconds);
            controllerActing = true;
            const own = await openTarget({
              cwd: PROJECT_ROOT,
              sandboxDir: join(cwd, "sandbox"),
              clock,
              http: noHttp,
              command: "controller",
            });
            try {
              await new LeaseLock(own.cluster, clock, {
                namespace: "default",
                identity: "controller-b",
              }).tryAcquireOrRenew();
              await runToFixedPoint("held", "default", own.deps, own.driver);
            } finally {
              own.close();
              controllerActing = false;
            }
          },
        },
      );
      expect(drive.reconciledBy).toBe("controller-b");
      expect(drive.stop).toBe("waiting-for-person");
      expect(drive.outcome.workflow?.steps.map((step) => [step.name, step.phase])).toEqual([
        ["apply-first", "succeeded"],
        ["hold", "suspending"],
        ["apply-second", "pending"],
      ]);
      expect(ownWrites).toBe(0);
      expect(progress[0]).toBe(
        "controller controller-b is reconciling default/held (lease default/vela-ts-controller); this command does not reconcile it",
      );
    } finally {
      target.close();
    }
  });
});

describe("activeController and findReconcilingController", () => {
  it.each([
    { name: "just renewed", advanceSeconds: 0, want: "controller-a" },
    { name: "renewed 14 s ago (15 s lease)", advanceSeconds: 14, want: "controller-a" },
    { name: "renewed 15 s ago: expired", advanceSeconds: 15, want: undefined },
  ])("$name", async ({ advanceSeconds, want }) => {
    const space = workspace();
    await holdLease(space, "controller-a");
    space.clock.advanceSeconds(advanceSeconds);
    const found = await space.withSandbox((cluster) => activeController(cluster, space.clock, "default"));
    expect(found?.holder).toBe(want);
  });

  it("no Lease: no controller", async () => {
    const space = workspace();
    expect(await space.withSandbox((cluster) => activeController(cluster, space.clock, "default"))).toBeUndefined();
  });

  it("the Lease records the holder's watch namespace, and a new holder's scope replaces it", async () => {
    const space = workspace();
    await holdLease(space, "scoped", { namespace: "team", watchNamespace: "team" });
    const scoped = await space.withSandbox((cluster) => cluster.get(leaseRef("team")));
    expect(scoped?.metadata.annotations?.[ANNOTATION_WATCH_NAMESPACE]).toBe("team");
    const taken = await space.withSandbox(async (cluster) => {
      const candidate = new LeaseLock(cluster, space.clock, { namespace: "team", identity: "everywhere" });
      expect(await candidate.tryAcquireOrRenew()).toBe(false);
      space.clock.advanceSeconds(16);
      expect(await candidate.tryAcquireOrRenew()).toBe(true);
      return cluster.get(leaseRef("team"));
    });
    expect(taken?.spec).toMatchObject({ holderIdentity: "everywhere" });
    expect(taken?.metadata.annotations?.[ANNOTATION_WATCH_NAMESPACE]).toBeUndefined();
  });

  it.each([
    {
      name: "a controller of the app's namespace (Lease there)",
      lease: { namespace: "team", watchNamespace: "team" },
      appNamespace: "team",
      want: "c",
    },
    {
      name: "a controller of all namespaces (Lease in the context's namespace)",
      lease: { namespace: "default" },
      appNamespace: "team",
      want: "c",
    },
    {
      name: "a controller of only the context's namespace",
      lease: { namespace: "default", watchNamespace: "default" },
      appNamespace: "team",
      want: undefined,
    },
    {
      name: "a controller of all namespaces with its Lease elsewhere",
      lease: { namespace: "ops" },
      appNamespace: "team",
      want: undefined,
    },
  ])("$name", async ({ lease, appNamespace, want }) => {
    const space = workspace();
    await holdLease(space, "c", lease);
    const found = await space.withSandbox((cluster) =>
      findReconcilingController(cluster, space.clock, appNamespace, "default"),
    );
    expect(found?.holder).toBe(want);
  });
});

function appObject(): KubeObject {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name: "held", namespace: "default" },
    spec: {
      components: [
        {
          name: "first",
          type: "k8s-objects",
          properties: {
            objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held-first" }, data: { app: "held" } }],
          },
        },
        {
          name: "second",
          type: "k8s-objects",
          properties: {
            objects: [
              { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held-second" }, data: { app: "held" } },
            ],
          },
        },
      ],
      workflow: {
        steps: [
          { name: "apply-first", type: "apply-component", properties: { component: "first" } },
          { name: "hold", type: "suspend" },
          { name: "apply-second", type: "apply-component", properties: { component: "second" } },
        ],
      },
    },
  };
}
