import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject, ObjectRef } from "../../../src/model/kube-object.js";
import { VelaError } from "../../../src/errors/index.js";
import type { JsonObject } from "../../../src/util/index.js";
import type { SimulatedController } from "../../../src/cluster/sandbox/controller-contract.js";
import { SIMULATED_CONTROLLERS } from "../../../src/cluster/sandbox/controllers/index.js";
import { memorySandbox, type MemorySandbox } from "../../support/sandbox.js";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openSandbox, type SandboxCluster } from "../../../src/cluster/sandbox/sandbox-cluster.js";
import type { MemoryObjectStore } from "../../../src/cluster/sandbox/store/memory-store.js";
import { readSettled } from "../../../src/cluster/sandbox/store/settled-marker.js";
import { repairSandbox } from "../../../src/cluster/sandbox/store/repair.js";
import { tempDir } from "../../support/cli.js";
import { FakeClock } from "../../../src/util/clock.js";

/**
 * The keyed controllers, visiting only the objects the change feed names, must reach the same
 * store as every controller reconciling everything each pass: same objects, same resourceVersions
 * (the same writes in the same order), same next wake instant.
 */

const NAMES = ["a", "b", "c"] as const;
const IMAGES = ["web:v1", "web:v2", "web:v3"] as const;

type Operation =
  | {
      readonly op: "deployment";
      readonly name: string;
      readonly replicas: number;
      readonly image: string;
      readonly recreate: boolean;
      readonly paused: boolean;
      readonly delay: number;
    }
  | {
      readonly op: "statefulset";
      readonly name: string;
      readonly replicas: number;
      readonly image: string;
      readonly partition: number;
      readonly delay: number;
    }
  | {
      readonly op: "cloneset";
      readonly name: string;
      readonly replicas: number;
      readonly image: string;
      readonly partition: number;
    }
  | { readonly op: "service"; readonly name: string; readonly loadBalancer: boolean }
  | { readonly op: "ingress"; readonly name: string }
  | {
      readonly op: "rollout";
      readonly name: string;
      /** The Deployment it targets (another app's when different from `name`). */
      readonly target: string;
      readonly routing: boolean;
      readonly pause: number | undefined;
      readonly paused: boolean;
      readonly partition: boolean;
    }
  | { readonly op: "approve"; readonly name: string }
  | {
      readonly op: "argo";
      readonly name: string;
      readonly replicas: number;
      readonly image: string;
      readonly pause: number | undefined;
      readonly delay: number;
      /** The Service it names as canary (its stable one is `svc-<name>`), when it routes by Services. */
      readonly canaryService: string | undefined;
    }
  | { readonly op: "promote"; readonly name: string }
  | {
      readonly op: "delete";
      readonly kind:
        "Deployment" | "StatefulSet" | "CloneSet" | "Service" | "ReplicaSet" | "Ingress" | "Rollout" | "ArgoRollout";
      readonly name: string;
    }
  | { readonly op: "deletePod"; readonly index: number }
  | { readonly op: "orphanPod"; readonly index: number }
  | { readonly op: "unreadyPod"; readonly index: number }
  | { readonly op: "time"; readonly seconds: number };

const name = fc.constantFrom(...NAMES);
const image = fc.constantFrom(...IMAGES);
const replicas = fc.integer({ min: 0, max: 4 });

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    op: fc.constant("deployment" as const),
    name,
    replicas,
    image,
    recreate: fc.boolean(),
    paused: fc.boolean(),
    delay: fc.constantFrom(0, 0, 5),
  }),
  fc.record({
    op: fc.constant("statefulset" as const),
    name,
    replicas,
    image,
    partition: fc.integer({ min: 0, max: 2 }),
    delay: fc.constantFrom(0, 3),
  }),
  fc.record({ op: fc.constant("cloneset" as const), name, replicas, image, partition: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant("service" as const), name, loadBalancer: fc.boolean() }),
  fc.record({ op: fc.constant("ingress" as const), name }),
  fc.record({
    op: fc.constant("rollout" as const),
    name,
    target: name,
    routing: fc.boolean(),
    pause: fc.constantFrom(undefined, 0, 4),
    paused: fc.boolean(),
    partition: fc.boolean(),
  }),
  fc.record({ op: fc.constant("approve" as const), name }),
  fc.record({
    op: fc.constant("argo" as const),
    name,
    replicas: fc.integer({ min: 0, max: 3 }),
    image,
    pause: fc.constantFrom(undefined, 0, 4),
    delay: fc.constantFrom(0, 3),
    canaryService: fc.option(name, { nil: undefined }),
  }),
  fc.record({ op: fc.constant("promote" as const), name }),
  fc.record({
    op: fc.constant("delete" as const),
    kind: fc.constantFrom(
      "Deployment" as const,
      "StatefulSet" as const,
      "CloneSet" as const,
      "Service" as const,
      "ReplicaSet" as const,
      "Ingress" as const,
      "Rollout" as const,
      "ArgoRollout" as const,
    ),
    name,
  }),
  fc.record({ op: fc.constant("deletePod" as const), index: fc.nat(20) }),
  fc.record({ op: fc.constant("orphanPod" as const), index: fc.nat(20) }),
  fc.record({ op: fc.constant("unreadyPod" as const), index: fc.nat(20) }),
  fc.record({ op: fc.constant("time" as const), seconds: fc.integer({ min: 1, max: 8 }) }),
);

/** Writes around progressive delivery only: the workloads the rollouts drive, their routing, time and approvals. */
const rolloutOperation: fc.Arbitrary<Operation> = operation.filter((candidate) =>
  [
    "deployment",
    "service",
    "ingress",
    "rollout",
    "approve",
    "argo",
    "promote",
    "time",
    "delete",
    "unreadyPod",
  ].includes(candidate.op),
);

function template(app: string, image: string, delay: number): JsonObject {
  return {
    metadata: {
      labels: { app },
      ...(delay > 0 ? { annotations: { "sandbox.vela-ts.io/pod-ready-seconds": String(delay) } } : {}),
    },
    spec: { containers: [{ name: "main", image }] },
  };
}

function objectOf(operation: Operation): KubeObject | undefined {
  const metadata = (kind: string, name: string): KubeObject["metadata"] => ({
    name: `${kind}-${name}`,
    namespace: "default",
  });
  switch (operation.op) {
    case "deployment":
      return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata("deploy", operation.name),
        spec: {
          replicas: operation.replicas,
          paused: operation.paused,
          strategy: { type: operation.recreate ? "Recreate" : "RollingUpdate" },
          selector: { matchLabels: { app: `deploy-${operation.name}` } },
          template: template(`deploy-${operation.name}`, operation.image, operation.delay),
        },
      };
    case "statefulset":
      return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: metadata("sts", operation.name),
        spec: {
          replicas: operation.replicas,
          serviceName: `sts-${operation.name}`,
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: operation.partition } },
          selector: { matchLabels: { app: `sts-${operation.name}` } },
          template: template(`sts-${operation.name}`, operation.image, operation.delay),
        },
      };
    case "cloneset":
      return {
        apiVersion: "apps.kruise.io/v1alpha1",
        kind: "CloneSet",
        metadata: metadata("cs", operation.name),
        spec: {
          replicas: operation.replicas,
          updateStrategy: { partition: operation.partition },
          selector: { matchLabels: { app: `cs-${operation.name}` } },
          template: template(`cs-${operation.name}`, operation.image, 0),
        },
      };
    case "service":
      return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata("svc", operation.name),
        spec: {
          type: operation.loadBalancer ? "LoadBalancer" : "ClusterIP",
          selector: { app: `deploy-${operation.name}` },
          ports: [{ name: "http", port: 80, targetPort: 8080 }],
        },
      };
    case "ingress":
      return {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: metadata("ing", operation.name),
        spec: {
          ingressClassName: "nginx",
          rules: [
            {
              host: `${operation.name}.example.com`,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: `svc-${operation.name}`, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      };
    case "rollout":
      return {
        apiVersion: "rollouts.kruise.io/v1alpha1",
        kind: "Rollout",
        metadata: {
          ...metadata("ro", operation.name),
          ...(operation.partition ? { annotations: { "rollouts.kruise.io/rolling-style": "partition" } } : {}),
        },
        spec: {
          objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: `deploy-${operation.target}` } },
          strategy: {
            paused: operation.paused,
            canary: {
              steps: [
                { weight: 50, ...(operation.pause === undefined ? {} : { pause: { duration: operation.pause } }) },
                { weight: 100 },
              ],
              ...(operation.routing
                ? {
                    trafficRoutings: [
                      {
                        service: `svc-${operation.name}`,
                        gracePeriodSeconds: 1,
                        ingress: { name: `ing-${operation.name}`, classType: "nginx" },
                      },
                    ],
                  }
                : {}),
            },
          },
        },
      };
    case "argo":
      return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: metadata("argo", operation.name),
        spec: {
          replicas: operation.replicas,
          selector: { matchLabels: { app: `argo-${operation.name}` } },
          template: template(`argo-${operation.name}`, operation.image, operation.delay),
          strategy: {
            canary: {
              ...(operation.canaryService === undefined
                ? {}
                : { canaryService: `svc-${operation.canaryService}`, stableService: `svc-${operation.name}` }),
              steps: [
                { setWeight: 50 },
                { pause: operation.pause === undefined ? {} : { duration: operation.pause } },
                { setWeight: 100 },
              ],
            },
          },
        },
      };
    default:
      return undefined;
  }
}

/** What a write sequence needs of a sandbox: its store and its clock (in memory or on disk). */
interface Writable {
  readonly store: MemoryObjectStore;
  readonly clock: FakeClock;
}

const API_VERSIONS = {
  Deployment: ["apps/v1", "deploy"],
  StatefulSet: ["apps/v1", "sts"],
  CloneSet: ["apps.kruise.io/v1alpha1", "cs"],
  Service: ["v1", "svc"],
  Ingress: ["networking.k8s.io/v1", "ing"],
  Rollout: ["rollouts.kruise.io/v1alpha1", "ro"],
  ArgoRollout: ["argoproj.io/v1alpha1", "argo"],
} as const;

function podRef(sandbox: Writable, index: number): ObjectRef | undefined {
  const pods = sandbox.store.list("v1", "Pod");
  const pod = pods.length === 0 ? undefined : pods[index % pods.length];
  return pod === undefined
    ? undefined
    : { apiVersion: "v1", kind: "Pod", name: pod.metadata.name ?? "", namespace: "default" };
}

/** Makes one user write (a refused one is skipped alike in both sandboxes). */
function perform(sandbox: Writable, operation: Operation): void {
  try {
    const object = objectOf(operation);
    if (object !== undefined) {
      sandbox.store.apply(object, { force: true });
      return;
    }
    switch (operation.op) {
      case "delete": {
        if (operation.kind === "ReplicaSet") {
          const rs = sandbox.store
            .list("apps/v1", "ReplicaSet")
            .find((candidate) => candidate.metadata.name?.startsWith(`deploy-${operation.name}-`) === true);
          if (rs !== undefined)
            sandbox.store.delete({
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: rs.metadata.name ?? "",
              namespace: "default",
            });
          return;
        }
        const [apiVersion, prefix] = API_VERSIONS[operation.kind];
        sandbox.store.delete({
          apiVersion,
          kind: operation.kind === "ArgoRollout" ? "Rollout" : operation.kind,
          name: `${prefix}-${operation.name}`,
          namespace: "default",
        });
        return;
      }
      case "deletePod": {
        const ref = podRef(sandbox, operation.index);
        if (ref !== undefined) sandbox.store.delete(ref);
        return;
      }
      case "orphanPod": {
        const ref = podRef(sandbox, operation.index);
        if (ref !== undefined)
          sandbox.store.patch(ref, { type: "json", patch: [{ op: "remove", path: "/metadata/ownerReferences" }] });
        return;
      }
      case "unreadyPod": {
        const ref = podRef(sandbox, operation.index);
        if (ref !== undefined)
          sandbox.store.patchStatus(ref, { type: "merge", patch: { status: { phase: "Pending", conditions: [] } } });
        return;
      }
      case "time":
        sandbox.clock.advance(operation.seconds * 1000);
        return;
      case "promote": {
        // What `kubectl argo rollouts promote` sends: the pause conditions cleared through the status.
        const ref = {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          name: `argo-${operation.name}`,
          namespace: "default",
        };
        if (sandbox.store.get(ref) !== undefined)
          sandbox.store.patchStatus(ref, { type: "merge", patch: { status: { pauseConditions: null } } });
        return;
      }
      case "approve": {
        // What `kubectl-kruise rollout approve` sends: StepPaused → StepReady through the status.
        const ref = {
          apiVersion: "rollouts.kruise.io/v1alpha1",
          kind: "Rollout",
          name: `ro-${operation.name}`,
          namespace: "default",
        };
        const state = (sandbox.store.get(ref)?.status as { canaryStatus?: { currentStepState?: string } } | undefined)
          ?.canaryStatus?.currentStepState;
        if (state === "StepPaused")
          sandbox.store.patchStatus(ref, {
            type: "merge",
            patch: { status: { canaryStatus: { currentStepState: "StepReady" } } },
          });
        return;
      }
      default:
        return;
    }
  } catch (error) {
    if (!(error instanceof VelaError)) throw error;
  }
}

function contents(sandbox: Pick<Writable, "store">): string[] {
  return [...sandbox.store.allObjects()].map((object) => JSON.stringify(object)).sort();
}

describe("settle visiting only what changed", () => {
  it("reaches the store a full pass over every object reaches, for random write sequences", () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 14 }), (operations) => {
        const keyed = memorySandbox();
        const full = memorySandbox({ fullPasses: true });
        for (const step of operations) {
          perform(keyed, step);
          perform(full, step);
          const keyedResult = keyed.settleUnchecked();
          const fullResult = full.settleUnchecked();
          expect(keyedResult.converged).toBe(fullResult.converged);
          expect(keyedResult.writes).toBe(fullResult.writes);
          expect(keyed.store.resourceVersion).toBe(full.store.resourceVersion);
          expect(contents(keyed)).toEqual(contents(full));
          expect(keyed.nextWakeAt()?.toISOString()).toBe(full.nextWakeAt()?.toISOString());
        }
      }),
      { numRuns: 60, seed: 20 },
    );
  });

  it("reaches it for random Kruise and Argo rollouts, their Services and Ingresses, approvals and time", () => {
    fc.assert(
      fc.property(fc.array(rolloutOperation, { minLength: 2, maxLength: 16 }), (operations) => {
        const keyed = memorySandbox();
        const full = memorySandbox({ fullPasses: true });
        for (const step of operations) {
          perform(keyed, step);
          perform(full, step);
          const keyedResult = keyed.settleUnchecked();
          const fullResult = full.settleUnchecked();
          expect(keyedResult.writes).toBe(fullResult.writes);
          expect(keyed.store.resourceVersion).toBe(full.store.resourceVersion);
          expect(contents(keyed)).toEqual(contents(full));
          expect(keyed.nextWakeAt()?.toISOString()).toBe(full.nextWakeAt()?.toISOString());
        }
      }),
      { numRuns: 60, seed: 22 },
    );
  });

  it("visits only the objects a write concerns, and the due ones when time passes", () => {
    const visited: string[] = [];
    const controllers = SIMULATED_CONTROLLERS.map((controller): SimulatedController => {
      const keyed = controller.keyed;
      if (keyed === undefined) return controller;
      return {
        ...controller,
        keyed: {
          ...keyed,
          reconcileObject(object, view, env) {
            visited.push(`${object.kind}/${object.metadata.name ?? ""}`);
            return keyed.reconcileObject(object, view, env);
          },
        },
      };
    });
    const sandbox = memorySandbox({ controllers });
    for (const app of NAMES)
      perform(sandbox, {
        op: "deployment",
        name: app,
        replicas: 2,
        image: "web:v1",
        recreate: false,
        paused: false,
        delay: 5,
      });
    sandbox.settle();
    expect(visited).toContain("Deployment/deploy-a");
    sandbox.clock.advance(5000);
    sandbox.settle();
    expect(
      sandbox.store
        .list("v1", "Pod")
        .every((pod) => (pod.status as { phase?: string } | undefined)?.phase === "Running"),
    ).toBe(true);
    expect(sandbox.nextWakeAt()).toBeUndefined();

    visited.length = 0;
    perform(sandbox, {
      op: "deployment",
      name: "b",
      replicas: 3,
      image: "web:v1",
      recreate: false,
      paused: false,
      delay: 0,
    });
    sandbox.settle();
    expect(visited).toContain("Deployment/deploy-b");
    expect(visited.filter((entry) => entry.includes("deploy-a") || entry.includes("deploy-c"))).toEqual([]);

    visited.length = 0;
    sandbox.settle();
    expect(visited).toEqual([]);
  });

  it("starts over after a reset and for an addon switched off and on again", () => {
    const ingress = (name: string): KubeObject => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name, namespace: "default" },
      spec: { ingressClassName: "nginx", rules: [{ host: `${name}.example.com` }] },
    });
    const both = [memorySandbox(), memorySandbox({ fullPasses: true })];
    const step = (write: (sandbox: MemorySandbox) => void): void => {
      for (const sandbox of both) {
        write(sandbox);
        sandbox.settle();
      }
      const [keyed, full] = both.map(contents);
      expect(keyed).toEqual(full);
    };
    step((sandbox) =>
      perform(sandbox, {
        op: "deployment",
        name: "a",
        replicas: 2,
        image: "web:v1",
        recreate: false,
        paused: false,
        delay: 0,
      }),
    );
    step((sandbox) => sandbox.store.clear());
    step((sandbox) =>
      perform(sandbox, {
        op: "deployment",
        name: "a",
        replicas: 1,
        image: "web:v2",
        recreate: false,
        paused: false,
        delay: 0,
      }),
    );
    step((sandbox) => {
      sandbox.store.enabledAddons = new Set(
        [...sandbox.store.enabledAddons].filter((addon) => addon !== "ingress-nginx"),
      );
    });
    step((sandbox) => sandbox.store.apply(ingress("web")));
    step((sandbox) => {
      sandbox.store.enabledAddons = new Set([...sandbox.store.enabledAddons, "ingress-nginx"]);
    });
    const stored = both[0]?.store.get({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      name: "web",
      namespace: "default",
    });
    expect(stored?.status).toEqual({ loadBalancer: { ingress: [{ ip: "172.18.255.200" }] } });
  });
});

/** Controllers that count the objects the keyed ones visit. */
function countingControllers(visited: string[]): SimulatedController[] {
  return SIMULATED_CONTROLLERS.map((controller): SimulatedController => {
    const keyed = controller.keyed;
    if (keyed === undefined) return controller;
    return {
      ...controller,
      keyed: {
        ...keyed,
        reconcileObject(object, view, env) {
          visited.push(`${object.kind}/${object.metadata.name ?? ""}`);
          return keyed.reconcileObject(object, view, env);
        },
      },
    };
  });
}

/** A sandbox on disk, opened and closed again between commands like the CLI does. */
class DiskSandbox implements Writable {
  readonly clock = new FakeClock();
  private cluster: SandboxCluster | undefined;

  constructor(
    public dir: string,
    private readonly controllers: readonly SimulatedController[] = SIMULATED_CONTROLLERS,
    private readonly fullPasses = false,
  ) {}

  async open(): Promise<SandboxCluster> {
    this.cluster ??= await openSandbox({
      dir: this.dir,
      clock: this.clock,
      sync: false,
      controllers: this.controllers,
      fullPasses: this.fullPasses,
    });
    return this.cluster;
  }

  get store(): MemoryObjectStore {
    if (this.cluster === undefined) throw new Error("not open");
    return this.cluster.store as MemoryObjectStore;
  }

  close(): void {
    this.cluster?.close();
    this.cluster = undefined;
  }

  /** The files as a process killed now leaves them (copied aside; the copy is used from now on). */
  crash(): void {
    const image = tempDir("vela-ts-crash-");
    for (const file of readdirSync(this.dir))
      if (file !== "lock" && !file.includes(".tmp-")) cpSync(join(this.dir, file), join(image, file));
    this.close();
    this.dir = image;
  }
}

type Between = "stay-open" | "reopen" | "close-before-settle" | "crash-before-settle" | "crash-after-settle";

describe("settle after reopening the sandbox from disk", () => {
  it("resumes the queues and reaches what full passes reach, across reopens and kills", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            operation,
            between: fc.constantFrom<Between>(
              "stay-open",
              "reopen",
              "close-before-settle",
              "crash-before-settle",
              "crash-after-settle",
            ),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        async (steps) => {
          // The reference is on disk too, opened and killed alike, but settles by full passes.
          const both = [new DiskSandbox(tempDir()), new DiskSandbox(tempDir(), SIMULATED_CONTROLLERS, true)] as const;
          const [disk, full] = both;
          try {
            for (const { operation: step, between } of steps) {
              for (const sandbox of both) {
                await sandbox.open();
                perform(sandbox, step);
                if (between === "crash-before-settle") sandbox.crash();
                else if (between === "close-before-settle") sandbox.close();
              }
              const keyedResult = await (await disk.open()).settle();
              const fullResult = await (await full.open()).settle();
              expect(keyedResult.writes).toBe(fullResult.writes);
              expect(disk.store.resourceVersion).toBe(full.store.resourceVersion);
              expect(contents(disk)).toEqual(contents(full));
              expect((await disk.open()).nextWakeAt()?.toISOString()).toBe(
                (await full.open()).nextWakeAt()?.toISOString(),
              );
              for (const sandbox of both) {
                if (between === "crash-after-settle") sandbox.crash();
                else if (between === "reopen") sandbox.close();
              }
            }
          } finally {
            for (const sandbox of both) sandbox.close();
          }
        },
      ),
      { numRuns: 25, seed: 21 },
    );
  });

  it("visits only what changed since the last settle of an earlier command", async () => {
    const visited: string[] = [];
    const disk = new DiskSandbox(tempDir(), countingControllers(visited));
    await disk.open();
    for (const app of NAMES)
      perform(disk, {
        op: "deployment",
        name: app,
        replicas: 2,
        image: "web:v1",
        recreate: false,
        paused: false,
        delay: 5,
      });
    await (await disk.open()).settle();
    disk.close();
    expect(readSettled(disk.dir)?.resourceVersion).toBeGreaterThan(0);

    visited.length = 0;
    await disk.open();
    perform(disk, {
      op: "deployment",
      name: "b",
      replicas: 3,
      image: "web:v1",
      recreate: false,
      paused: false,
      delay: 0,
    });
    await (await disk.open()).settle();
    expect(visited).toContain("Deployment/deploy-b");
    expect(visited.filter((entry) => entry.includes("deploy-a") || entry.includes("deploy-c"))).toEqual([]);
    disk.close();

    // Time passing is enough for the pods waiting to become ready: their owners are visited again.
    visited.length = 0;
    disk.clock.advance(5000);
    await (await disk.open()).settle();
    expect(visited.some((entry) => entry.startsWith("ReplicaSet/deploy-a-"))).toBe(true);
    expect((await disk.open()).nextWakeAt()).toBeUndefined();
    disk.close();
  });

  it("never claims a fixed point it did not reach: a write killed before its settle is visited next time", async () => {
    const visited: string[] = [];
    const disk = new DiskSandbox(tempDir(), countingControllers(visited));
    await disk.open();
    perform(disk, {
      op: "deployment",
      name: "a",
      replicas: 1,
      image: "web:v1",
      recreate: false,
      paused: false,
      delay: 0,
    });
    await (await disk.open()).settle();
    disk.close();
    const settledAt = readSettled(disk.dir)?.resourceVersion;

    await disk.open();
    perform(disk, {
      op: "deployment",
      name: "a",
      replicas: 3,
      image: "web:v1",
      recreate: false,
      paused: false,
      delay: 0,
    });
    disk.crash();
    expect(readSettled(disk.dir)?.resourceVersion).toBe(settledAt);

    visited.length = 0;
    await (await disk.open()).settle();
    expect(visited).toContain("Deployment/deploy-a");
    expect(disk.store.list("v1", "Pod")).toHaveLength(3);
    disk.close();
  });

  it("does one full pass after a reset, a repair or a damaged marker", async () => {
    const visited: string[] = [];
    const disk = new DiskSandbox(tempDir(), countingControllers(visited));
    const deploy = (replicas: number): void =>
      perform(disk, {
        op: "deployment",
        name: "a",
        replicas,
        image: "web:v1",
        recreate: false,
        paused: false,
        delay: 0,
      });
    const deployC = (): void =>
      perform(disk, {
        op: "deployment",
        name: "c",
        replicas: 1,
        image: "web:v1",
        recreate: false,
        paused: false,
        delay: 0,
      });
    let round = 0;
    const fullPassAfter = async (change: () => Promise<void> | void): Promise<boolean> => {
      await disk.open();
      deploy((round++ % 3) + 1);
      deployC();
      await (await disk.open()).settle();
      disk.close();
      await change();
      visited.length = 0;
      await (await disk.open()).settle();
      disk.close();
      return visited.includes("Deployment/deploy-c");
    };

    expect(await fullPassAfter(() => undefined)).toBe(false);
    expect(
      await fullPassAfter(async () => {
        (await disk.open()).reset();
        expect(readSettled(disk.dir)).toBeUndefined();
        deploy(2);
        deployC();
        disk.close();
      }),
    ).toBe(true);
    expect(
      await fullPassAfter(() => {
        const text = readFileSync(join(disk.dir, "settled.json"), "utf8");
        writeFileSync(join(disk.dir, "settled.json"), text.replace(/"resourceVersion":(\d+)/, '"resourceVersion":1$1'));
      }),
    ).toBe(true);
    expect(
      await fullPassAfter(async () => {
        writeFileSync(join(disk.dir, "journal.mark"), "damaged");
        await repairSandbox({ dir: disk.dir, clock: disk.clock });
      }),
    ).toBe(true);
    // A command that only reads records nothing (its full pass is repeated until one writes).
    expect(readSettled(disk.dir)).toBeUndefined();
    expect(await fullPassAfter(() => undefined)).toBe(false);
    expect(readSettled(disk.dir)).toBeDefined();
  });
});
