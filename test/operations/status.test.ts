/**
 * The pure parts behind `status`, `revision list`, `delete` and `addon`: canary progress from a
 * Rollout and its pods, one-line object status, next steps, revision run status, the types an app
 * uses, and addon dependency order.
 */
import { describe, expect, it } from "vitest";
import {
  addonClosure,
  canaryNextSteps,
  canaryProgressOf,
  describeObjectStatus,
  revisionRunStatus,
  typesUsedBy,
} from "../../src/operations/index.js";
import type { Addon } from "../../src/definitions/index.js";
import type { KubeObject } from "../../src/model/kube-object.js";
import type { JsonObject } from "../../src/util/index.js";
import type { WorkflowStatus } from "../../src/workflow/index.js";

function rollout(
  status: JsonObject,
  steps: JsonObject[] = [{ weight: 20 }, { weight: 90 }],
  paused = false,
): KubeObject {
  return {
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "default", labels: { "app.oam.dev/component": "web" } },
    spec: {
      objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
      strategy: { paused, canary: { steps } },
    },
    status,
  };
}

function pod(name: string, hash: string, ready: boolean, terminating = false): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      labels: { app: "web", "pod-template-hash": hash },
      ...(terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

const PAUSED_AT_1: JsonObject = {
  phase: "Progressing",
  message: "Rollout is in step(1/2), and you need manually confirm to enter the next step",
  canaryStatus: {
    currentStepIndex: 1,
    currentStepState: "StepPaused",
    podTemplateHash: "new",
    stableRevision: "old",
    lastUpdateTime: "2026-01-01T00:00:10Z",
  },
  conditions: [{ type: "Progressing", status: "True", reason: "InRolling" }],
};

const PODS = [
  pod("web-old-1", "old", true),
  pod("web-old-2", "old", true),
  pod("web-old-3", "old", false),
  pod("web-new-1", "new", true),
  pod("web-new-2", "new", false),
  pod("web-new-3", "new", true, true),
];

describe("canaryProgressOf", () => {
  it.each([
    {
      name: "paused at step 1 waiting for approval",
      rollout: rollout(PAUSED_AT_1),
      want: {
        phase: "Progressing",
        inProgress: true,
        step: 1,
        steps: 2,
        weight: 20,
        state: "StepPaused",
        waitingForApproval: true,
        paused: false,
        canaryPods: { ready: 1, total: 2 },
        stablePods: { ready: 2, total: 3 },
      },
    },
    {
      name: "a timed pause resumes on its own",
      rollout: rollout(PAUSED_AT_1, [{ weight: 20, pause: { duration: 30 } }, { weight: 90 }]),
      want: { step: 1, waitingForApproval: false, resumesAt: "2026-01-01T00:00:40Z" },
    },
    {
      name: "paused by workflow suspend",
      rollout: rollout(PAUSED_AT_1, undefined, true),
      want: { paused: true, waitingForApproval: true },
    },
    {
      name: "no release in flight: only stable pods count",
      rollout: rollout({
        phase: "Healthy",
        canaryStatus: {
          currentStepIndex: 2,
          currentStepState: "Completed",
          podTemplateHash: "new",
          stableRevision: "old",
        },
      }),
      want: {
        phase: "Healthy",
        inProgress: false,
        canaryPods: { ready: 0, total: 0 },
        stablePods: { ready: 2, total: 3 },
        waitingForApproval: false,
      },
    },
    {
      name: "step with replicas",
      rollout: rollout({ ...PAUSED_AT_1 }, [{ weight: 10, replicas: "20%" }]),
      want: { weight: 10, replicas: "20%", steps: 1 },
    },
  ])("$name", ({ rollout: object, want }) => {
    expect(canaryProgressOf(object, PODS)).toMatchObject(want);
  });

  it("reports the revisions it counted by", () => {
    const progress = canaryProgressOf(rollout(PAUSED_AT_1), PODS);
    expect({
      canary: progress.canaryRevision,
      stable: progress.stableRevision,
      component: progress.component,
      rollout: progress.rollout,
    }).toEqual({ canary: "new", stable: "old", component: "web", rollout: "web" });
  });
});

describe("canaryNextSteps", () => {
  it.each([
    {
      name: "waiting for approval",
      status: PAUSED_AT_1,
      paused: false,
      want: [
        "approve the next step with: vela-ts workflow resume shop",
        "or roll back: vela-ts workflow suspend shop && vela-ts workflow rollback shop",
      ],
    },
    {
      name: "paused by suspend",
      status: PAUSED_AT_1,
      paused: true,
      want: ["continue with: vela-ts workflow resume shop", "or roll back: vela-ts workflow rollback shop"],
    },
    {
      name: "moving on its own",
      status: { ...PAUSED_AT_1, canaryStatus: { currentStepIndex: 1, currentStepState: "StepUpgrade" } },
      paused: false,
      want: [],
    },
    { name: "finished", status: { phase: "Healthy" }, paused: false, want: [] },
    {
      name: "paused by terminate: resume is refused then, so restart or roll back",
      status: PAUSED_AT_1,
      paused: true,
      terminated: true,
      want: [
        "the workflow was terminated; the Rollout stays paused where it is",
        "run the release again with: vela-ts workflow restart shop",
        "or roll back: vela-ts workflow rollback shop",
      ],
    },
  ])("$name", ({ status, paused, want, ...rest }) => {
    const workflow = "terminated" in rest ? ({ terminated: true, suspend: false } as WorkflowStatus) : undefined;
    expect(canaryNextSteps(canaryProgressOf(rollout(status, undefined, paused), []), "shop", workflow)).toEqual(want);
  });
});

describe("describeObjectStatus", () => {
  const base = { metadata: { name: "x", namespace: "default" } };
  it.each([
    {
      name: "deployment",
      object: {
        ...base,
        apiVersion: "apps/v1",
        kind: "Deployment",
        spec: { replicas: 5, paused: true },
        status: { readyReplicas: 4 },
      },
      want: "ready 4/5, paused",
    },
    {
      name: "replicaset without status",
      object: { ...base, apiVersion: "apps/v1", kind: "ReplicaSet", spec: { replicas: 0 } },
      want: "ready 0/0",
    },
    { name: "pod", object: pod("p", "h", false), want: "Running, not ready" },
    { name: "terminating pod", object: pod("p", "h", true, true), want: "Terminating" },
    { name: "rollout", object: rollout(PAUSED_AT_1), want: "Progressing step 1/2 StepPaused" },
    {
      name: "helmrelease not ready",
      object: {
        ...base,
        apiVersion: "helm.toolkit.fluxcd.io/v2beta1",
        kind: "HelmRelease",
        status: { conditions: [{ type: "Ready", status: "False", message: "install failed" }] },
      },
      want: "not ready: install failed",
    },
    { name: "service", object: { ...base, apiVersion: "v1", kind: "Service", spec: {} }, want: "ClusterIP" },
    {
      name: "canary ingress",
      object: {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: {
          name: "x",
          annotations: {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-weight": "20",
          },
        },
        spec: { rules: [{ host: "a.example.com" }] },
      },
      want: "a.example.com, canary weight 20%",
    },
    { name: "secret", object: { ...base, apiVersion: "v1", kind: "Secret" }, want: "" },
  ])("$name", ({ object, want }) => {
    expect(describeObjectStatus(object as KubeObject)).toBe(want);
  });
});

describe("revisionRunStatus", () => {
  const revision = (name: string, status: JsonObject): KubeObject => ({
    apiVersion: "core.oam.dev/v1beta1",
    kind: "ApplicationRevision",
    metadata: { name },
    status,
  });
  const app = (workflow: JsonObject | undefined): KubeObject => ({
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: { name: "a" },
    status: workflow === undefined ? {} : { workflow },
  });
  const running = { appRevision: "a-v2", status: "executing", finished: false, suspend: false, terminated: false };
  it.each([
    { name: "succeeded", revision: revision("a-v1", { succeeded: true }), app: app(running), want: "Succeeded" },
    {
      name: "current and running",
      revision: revision("a-v2", { succeeded: false }),
      app: app(running),
      want: "Executing",
    },
    {
      name: "current and terminated",
      revision: revision("a-v2", { succeeded: false }),
      app: app({ ...running, status: "terminated", terminated: true }),
      want: "Failed",
    },
    {
      name: "superseded before it finished",
      revision: revision("a-v1", { succeeded: false, workflow: { status: "executing" } }),
      app: app(running),
      want: "Failed",
    },
    { name: "never started", revision: revision("a-v3", { succeeded: false }), app: app(running), want: "NotStart" },
  ])("$name", ({ revision: object, app: application, want }) => {
    expect(revisionRunStatus(object, application)).toBe(want);
  });
});

describe("typesUsedBy", () => {
  it("finds component, trait, policy and (nested) step types, without @version", () => {
    const spec: JsonObject = {
      components: [{ name: "a", type: "helm@v2", traits: [{ type: "kruise-rollout" }, { type: "scaler" }] }],
      policies: [{ name: "p", type: "topology" }],
      workflow: { steps: [{ name: "g", type: "step-group", subSteps: [{ name: "c", type: "canary-rollout" }] }] },
    };
    expect(typesUsedBy(spec)).toEqual([
      { kind: "ComponentDefinition", name: "helm" },
      { kind: "TraitDefinition", name: "kruise-rollout" },
      { kind: "TraitDefinition", name: "scaler" },
      { kind: "PolicyDefinition", name: "topology" },
      { kind: "WorkflowStepDefinition", name: "step-group" },
      { kind: "WorkflowStepDefinition", name: "canary-rollout" },
    ]);
  });
});

describe("addonClosure", () => {
  const addon = (name: string, dependencies: string[] = []): Addon => ({
    name,
    version: "1.0.0",
    description: "",
    dependencies,
    dir: `/addons/${name}`,
    definitionFiles: [],
    resourceFiles: [],
  });
  const addons = [
    addon("a", ["b", "c"]),
    addon("b", ["c"]),
    addon("c"),
    addon("loop", ["loop2"]),
    addon("loop2", ["loop"]),
    addon("broken", ["missing"]),
  ];
  it.each([
    { name: "dependencies first, each once", target: "a", want: ["c", "b", "a"] },
    { name: "no dependencies", target: "c", want: ["c"] },
  ])("$name", ({ target, want }) => {
    expect(addonClosure(addons, target).map((entry) => entry.name)).toEqual(want);
  });
  it.each([
    { name: "a cycle", target: "loop", code: "E_ADDON_DEPENDENCY" },
    { name: "a missing dependency", target: "broken", code: "E_ADDON_DEPENDENCY" },
    { name: "an unknown addon", target: "nope", code: "E_ADDON_NOT_FOUND" },
  ])("refuses $name", ({ target, code }) => {
    expect(() => addonClosure(addons, target)).toThrow(expect.objectContaining({ code }) as Error);
  });
});
