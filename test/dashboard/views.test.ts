/**
 * The dashboard's pure view builders: the application list rows, the canary view of a Rollout,
 * topology health, the release buttons' states, and the generic rendering of analysis fields.
 */
import { describe, expect, it } from "vitest";
import type { CanaryProgress, RevisionSummary, StatusView } from "../../src/operations/index.js";
import { actionStatesOf } from "../../src/dashboard/action-states.js";
import { summarizeApplications } from "../../src/dashboard/app-list.js";
import { canaryViewOf, findAnalysis, trafficSplitOf } from "../../src/dashboard/canary-view.js";
import { buildTopology, healthOfNode } from "../../src/dashboard/topology.js";
import type { KubeObject } from "../../src/model/kube-object.js";

function rollout(status: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default", labels: { "app.oam.dev/name": "web" } },
    spec: {
      strategy: {
        canary: {
          steps: [
            { weight: 20, matches: [{ headers: [{ name: "x-canary", value: "yes", type: "Exact" }] }] },
            { weight: 50, pause: { duration: 30 } },
            { weight: 100 },
          ],
        },
      },
      ...spec,
    },
    status,
  };
}

function pod(name: string, hash: string, ready: boolean, image: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      labels: { "pod-template-hash": hash },
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
    spec: { containers: [{ name: "app", image }] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
      containerStatuses: [{ name: "app", restartCount: 2 }],
    },
  };
}

function application(name: string, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name, namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { components: [] },
    status,
  };
}

const progressing = {
  phase: "Progressing",
  canaryStatus: {
    currentStepIndex: 1,
    currentStepState: "StepPaused",
    podTemplateHash: "c2",
    stableRevision: "s1",
    lastUpdateTime: "2026-01-01T00:01:00Z",
  },
  conditions: [{ type: "Progressing", status: "True", reason: "InRolling" }],
};

const progress: CanaryProgress = {
  engine: "kruise",
  rollout: "web",
  namespace: "default",
  phase: "Progressing",
  inProgress: true,
  step: 1,
  steps: 3,
  weight: 20,
  state: "StepPaused",
  paused: false,
  waitingForApproval: true,
  canaryRevision: "c2",
  stableRevision: "s1",
  canaryPods: { ready: 1, total: 1 },
  stablePods: { ready: 2, total: 2 },
};

describe("application list rows", () => {
  it("joins each app with its Rollouts and marks what needs a person", () => {
    const apps = [
      application("web", {
        status: "runningWorkflow",
        latestRevision: { name: "web-v2", revision: 2 },
        workflow: {
          status: "executing",
          suspend: false,
          terminated: false,
          finished: false,
          steps: [{ name: "deploy", phase: "running", lastExecuteTime: "2026-01-01T00:02:00Z" }],
        },
        services: [{ name: "web", healthy: false }],
      }),
      application("api", {
        status: "workflowFailed",
        workflow: { status: "failed", suspend: false, terminated: false, finished: true, steps: [] },
        services: [{ name: "api", healthy: true }],
      }),
      application("new", {}),
    ];
    const rows = summarizeApplications(apps, [rollout(progressing)]);
    expect(rows.map((row) => row.name)).toEqual(["api", "new", "web"]);
    expect(rows[2]).toEqual({
      name: "web",
      namespace: "default",
      phase: "runningWorkflow",
      revision: { name: "web-v2", number: 2 },
      workflow: { status: "executing", suspend: false, terminated: false, finished: false, currentStep: "deploy" },
      canaries: [
        {
          rollout: "web",
          inProgress: true,
          step: 1,
          steps: 3,
          weight: 20,
          state: "StepPaused",
          paused: false,
          waitingForApproval: true,
        },
      ],
      lastChange: "2026-01-01T00:02:00Z",
      healthy: false,
      attention: "waiting-for-person",
    });
    expect(rows[0]?.attention).toBe("failed");
    expect(rows[1]).toMatchObject({ phase: "starting", canaries: [], healthy: false });
    expect(rows[1]?.attention).toBeUndefined();
  });

  it("a Rollout of another app or namespace is not joined", () => {
    const other = {
      ...rollout(progressing),
      metadata: { name: "x", namespace: "other", labels: { "app.oam.dev/name": "web" } },
    };
    const rows = summarizeApplications([application("web", {})], [other]);
    expect(rows[0]?.canaries).toEqual([]);
  });
});

describe("canary view", () => {
  const pods = [
    pod("web-s1-a", "s1", true, "web:v1"),
    pod("web-s1-b", "s1", true, "web:v1"),
    pod("web-c2-a", "c2", false, "web:v2"),
  ];

  it("marks the current step, splits pods by revision and shows the step's header matches", () => {
    const view = canaryViewOf(rollout(progressing), progress, pods);
    expect(view.stepList.map((step) => step.state)).toEqual(["current", "pending", "pending"]);
    expect(view.stepList[1]).toMatchObject({ index: 2, weight: 50, pauseDuration: "30" });
    expect(view.stablePods.map((entry) => entry.name)).toEqual(["web-s1-a", "web-s1-b"]);
    expect(view.canaryPods).toEqual([
      {
        name: "web-c2-a",
        phase: "Running",
        ready: false,
        terminating: false,
        image: "web:v2",
        revision: "c2",
        createdAt: "2026-01-01T00:00:00Z",
        restarts: 2,
      },
    ]);
    expect(view.headerMatches).toEqual([[{ name: "x-canary", value: "yes", type: "Exact" }]]);
    expect(view.weight).toBe(20);
    expect(view.analysis).toEqual([]);
  });

  it("without a release in flight every pod is stable and the steps are the next release's plan", () => {
    const healthy = rollout({
      phase: "Healthy",
      canaryStatus: { stableRevision: "s1", currentStepState: "Completed" },
    });
    const view = canaryViewOf(healthy, { ...progress, inProgress: false, step: 0, phase: "Healthy" }, pods.slice(0, 2));
    expect(view.stepList.map((step) => step.state)).toEqual(["pending", "pending", "pending"]);
    expect(view.canaryPods).toEqual([]);
    expect(view.headerMatches).toEqual([]);
  });

  it("reads v1beta1 steps (`traffic` as a percentage)", () => {
    const beta = {
      ...rollout(progressing),
      apiVersion: "rollouts.kruise.io/v1beta1",
      spec: { strategy: { canary: { steps: [{ traffic: "10%", replicas: 1 }, { traffic: "100%" }] } } },
    } as unknown as KubeObject;
    const view = canaryViewOf(beta, progress, []);
    expect(view.stepList.map((step) => [step.weight, step.replicas])).toEqual([
      [10, "1"],
      [100, undefined],
    ]);
  });

  it("shows whatever analysis the Rollout's status carries, by field", () => {
    const measurements = [{ value: "0.99", phase: "Successful" }];
    const found = findAnalysis({
      phase: "Progressing",
      canaryStatus: { currentStepAnalysis: { metric: "success-rate", measurements } },
      analysisRuns: ["run-1"],
    });
    expect(found).toEqual([
      { field: "status.analysisRuns", value: ["run-1"] },
      { field: "status.canaryStatus.currentStepAnalysis", value: { metric: "success-rate", measurements } },
    ]);
  });

  it("the traffic split sums requests by image and side", () => {
    const split = trafficSplitOf(
      {
        requests: 10,
        byImage: {},
        byPod: { "web-s1-a": 4, "web-s1-b": 4, "web-c2-a": 2 },
        byStatus: { "200": 10 },
        byBackend: {},
        podImages: { "web-s1-a": "web:v1", "web-s1-b": "web:v1", "web-c2-a": "web:v2" },
        router: "ingress-nginx",
      },
      { host: "web.example.com", path: "/" },
      { canary: new Set(["web-c2-a"]), stable: new Set(["web-s1-a", "web-s1-b"]) },
    );
    expect(split.shares).toEqual([
      { image: "web:v1", side: "stable", count: 8 },
      { image: "web:v2", side: "canary", count: 2 },
    ]);
  });
});

describe("topology", () => {
  it.each([
    { name: "a ready pod", node: { kind: "Pod", status: "Running, ready", missing: false }, want: "healthy" },
    {
      name: "a pod starting",
      node: { kind: "Pod", status: "Pending, not ready", missing: false },
      want: "progressing",
    },
    { name: "a failed pod", node: { kind: "Pod", status: "Failed, not ready", missing: false }, want: "unhealthy" },
    {
      name: "a scaled-up Deployment",
      node: { kind: "Deployment", status: "ready 5/5", missing: false },
      want: "healthy",
    },
    {
      name: "a rolling Deployment",
      node: { kind: "Deployment", status: "ready 3/5", missing: false },
      want: "progressing",
    },
    {
      name: "a Rollout mid-release",
      node: { kind: "Rollout", status: "Progressing step 1/2", missing: false },
      want: "progressing",
    },
    { name: "a Service", node: { kind: "Service", status: "ClusterIP", missing: false }, want: "unknown" },
    { name: "a gone object", node: { kind: "Service", status: "not found", missing: true }, want: "missing" },
    { name: "being deleted", node: { kind: "Pod", status: "Terminating", missing: false }, want: "progressing" },
  ])("$name is $want", ({ node, want }) => {
    expect(healthOfNode(node)).toBe(want);
  });

  it("roots the tree at the Application, lists components without resources yet, and marks canary pods", () => {
    const tree = buildTopology(
      { name: "web", namespace: "default", phase: "runningWorkflow" },
      [
        {
          component: "web",
          resources: [
            {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: "web-c2",
              namespace: "default",
              status: "ready 1/1",
              missing: false,
              children: [
                {
                  apiVersion: "v1",
                  kind: "Pod",
                  name: "web-c2-x",
                  namespace: "default",
                  status: "Running, ready",
                  missing: false,
                  children: [],
                },
              ],
            },
          ],
        },
      ],
      [
        { name: "web", namespace: "default", healthy: false, traits: [] },
        { name: "db", namespace: "default", type: "postgres", healthy: true, traits: [] },
      ],
      { canary: ["c2"], stable: ["s1"] },
    );
    expect(tree.id).toBe("Application/default/web");
    expect(tree.health).toBe("progressing");
    expect(tree.children.map((child) => [child.name, child.health, child.status])).toEqual([
      ["web", "progressing", "not healthy yet"],
      ["db", "healthy", "postgres, healthy"],
    ]);
    const replicaSet = tree.children[0]?.children[0];
    expect(replicaSet?.side).toBe("canary");
    expect(replicaSet?.children[0]).toMatchObject({ kind: "Pod", side: "canary", health: "healthy" });
  });
});

describe("release buttons", () => {
  const base: StatusView = {
    target: "sandbox",
    now: "2026-01-01T00:00:00Z",
    application: { apiVersion: "core.oam.dev/v1beta1", kind: "Application", metadata: { name: "web" } },
    name: "web",
    namespace: "default",
    phase: "runningWorkflow",
    revision: { name: "web-v2", number: 2 },
    workflow: {
      mode: "StepByStep-DAG",
      status: "executing",
      finished: false,
      suspend: false,
      terminated: false,
      steps: [],
    },
    services: [],
    canaries: [{ ...progress, next: [] }],
    stop: "waiting-for-person",
  };
  const revisions: RevisionSummary[] = [
    { name: "web-v1", number: 1, succeeded: true, hash: "a", status: "Succeeded", current: false, opsOnlyTraits: {} },
    { name: "web-v2", number: 2, succeeded: false, hash: "b", status: "Executing", current: true, opsOnlyTraits: {} },
  ];

  it("mid-canary: Approve the step, Suspend, Terminate, and a rollback that suspends first", () => {
    const states = actionStatesOf(base, revisions);
    expect(states.resume).toMatchObject({ enabled: true, label: "Approve", command: "vela-ts workflow resume web" });
    expect(states.resume.description).toContain("approve step 1/3 of Rollout web: go on to step 2/3");
    expect(states.suspend.enabled).toBe(true);
    expect(states.terminate.enabled).toBe(true);
    expect(states.rollback).toMatchObject({
      enabled: true,
      suspendsFirst: true,
      defaultTarget: 1,
      targets: [{ number: 1, name: "web-v1", status: "Succeeded" }],
      command: "vela-ts workflow suspend web && vela-ts workflow rollback web",
    });
  });

  it("a suspended workflow offers Resume; a finished one offers neither Suspend nor Approve", () => {
    const suspended = actionStatesOf(
      { ...base, workflow: { ...base.workflow!, suspend: true }, canaries: [] },
      revisions,
    );
    expect(suspended.resume).toMatchObject({ enabled: true, label: "Resume" });
    expect(suspended.suspend.enabled).toBe(false);
    expect(suspended.rollback.suspendsFirst).toBe(false);
    const finished = actionStatesOf(
      { ...base, workflow: { ...base.workflow!, finished: true, status: "succeeded" }, canaries: [] },
      [{ ...revisions[0]!, current: true }],
    );
    expect(finished.resume.enabled).toBe(false);
    expect(finished.suspend).toMatchObject({ enabled: false, description: "the workflow finished (succeeded)" });
    expect(finished.rollback).toMatchObject({ enabled: false, targets: [] });
    expect(finished.restart.enabled).toBe(true);
  });

  it("names the namespace in the command line outside default", () => {
    const states = actionStatesOf({ ...base, namespace: "shop" }, revisions);
    expect(states.terminate.command).toBe("vela-ts workflow terminate web -n shop");
  });
});
