/**
 * One table test per item of the ROLLOUT-SEMANTICS §8 checklist (Kruise Rollout parts; routing
 * is in test/cluster/routing, Flux in flux.test.ts).
 */
import { describe, expect, it } from "vitest";
import { memorySandbox, type MemorySandbox } from "../../support/sandbox.js";
import { canaryReplicasFor } from "../../../src/cluster/sandbox/controllers/kruise-rollout/replicas.js";
import { routeRequests } from "../../../src/cluster/sandbox/routing/index.js";
import type { KubeObject } from "../../../src/model/kube-object.js";
import { displayText, type JsonObject } from "../../../src/util/index.js";
import {
  canaryState,
  canonicalApp,
  deployment,
  getObject,
  ingress,
  podsByImage,
  rollout,
  rolloutStatus,
  service,
  settleThroughTime,
  setImage,
} from "./fixtures.js";

const V2 = "barnett/canarydemo:v2";
const ROLLOUT = {
  apiVersion: "rollouts.kruise.io/v1alpha1",
  kind: "Rollout",
  name: "canary-demo",
  namespace: "default",
} as const;

function approve(sandbox: MemorySandbox): void {
  sandbox.store.patchStatus(ROLLOUT, {
    type: "merge",
    patch: { status: { canaryStatus: { currentStepState: "StepReady" } } },
  });
}

function pausedAt(sandbox: MemorySandbox, step: number): () => boolean {
  return () => {
    const state = canaryState(sandbox.store, "canary-demo");
    return state.step === step && state.state === "StepPaused";
  };
}

/** Records every distinct (phase, reason, step, state, message) the Rollout goes through. */
function recordStates(sandbox: MemorySandbox): string[] {
  const states: string[] = [];
  sandbox.store.subscribe((changes) => {
    for (const change of changes) {
      if (change.object.kind !== "Rollout") continue;
      const state = canaryState(sandbox.store, "canary-demo");
      const fields = [state.phase, state.reason ?? "-", state.step ?? "-", state.state ?? "-"].map(displayText);
      const line = `${fields.join(" ")} | ${displayText(state.message)}`;
      if (states[states.length - 1] !== line) states.push(line);
    }
  });
  return states;
}

describe("§8.1 interception by the admission webhook", () => {
  it("a template change with a matching Rollout pauses the Deployment and marks it, creating no new ReplicaSet", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    const stableHash = sandbox.store.list("apps/v1", "ReplicaSet")[0]?.metadata.labels?.["pod-template-hash"];
    setImage(sandbox, "canary-demo", V2);
    const live = getObject(sandbox.store, "apps/v1", "Deployment", "canary-demo");
    expect((live?.spec as JsonObject).paused).toBe(true);
    expect(live?.metadata.labels?.["rollouts.kruise.io/stable-revision"]).toBe(stableHash);
    expect(live?.metadata.annotations?.["rollouts.kruise.io/in-progressing"]).toBe('{"rolloutName":"canary-demo"}');
    sandbox.settle();
    expect(
      sandbox.store
        .list("apps/v1", "ReplicaSet")
        .filter((rs) => rs.metadata.ownerReferences?.[0]?.name === "canary-demo").length,
    ).toBe(1);
  });

  it.each([
    { name: "first install (CREATE) is never intercepted", rolloutFirst: true },
    { name: "a Deployment created before its Rollout rolls out normally", rolloutFirst: false },
  ])("$name", ({ rolloutFirst }) => {
    const [d, s, i, r] = canonicalApp() as [KubeObject, KubeObject, KubeObject, KubeObject];
    const sandbox = memorySandbox({ objects: rolloutFirst ? [r, s, i, d] : [d, s, i, r] });
    sandbox.settle();
    expect(
      (getObject(sandbox.store, "apps/v1", "Deployment", "canary-demo")?.spec as JsonObject).paused,
    ).toBeUndefined();
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ "barnett/canarydemo:v1": 5 });
  });

  it.each([
    { name: "2 active ReplicaSets with traffic routing → not intercepted", routing: true, intercepted: false },
    { name: "2 active ReplicaSets without traffic routing → intercepted", routing: false, intercepted: true },
  ])("$name", ({ routing, intercepted }) => {
    const slow = deployment("canary-demo", "barnett/canarydemo:v1", 5);
    slow.metadata.annotations = { "sandbox.vela-ts.io/pod-ready-seconds": "60" };
    const sandbox = memorySandbox({
      objects: [slow, service("canary-demo"), ingress("canary-demo", "canary-demo.com", "/version")],
    });
    settleThroughTime(sandbox);
    setImage(sandbox, "canary-demo", V2);
    sandbox.settle();
    const active = sandbox.store
      .list("apps/v1", "ReplicaSet")
      .filter((rs) => ((rs.spec as JsonObject).replicas as number) > 0);
    expect(active).toHaveLength(2);
    sandbox.store.create(rollout("canary-demo", { steps: [{ weight: 20 }], routing }));
    sandbox.settle();
    setImage(sandbox, "canary-demo", "barnett/canarydemo:v3");
    expect((getObject(sandbox.store, "apps/v1", "Deployment", "canary-demo")?.spec as JsonObject).paused === true).toBe(
      intercepted,
    );
  });

  it("while in progress every update is forced back to paused", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    sandbox.store.patch(
      { apiVersion: "apps/v1", kind: "Deployment", name: "canary-demo", namespace: "default" },
      { type: "merge", patch: { spec: { paused: false, strategy: { type: "Recreate" } } } },
    );
    const live = getObject(sandbox.store, "apps/v1", "Deployment", "canary-demo")?.spec as JsonObject;
    expect(live.paused).toBe(true);
    expect((live.strategy as JsonObject | undefined)?.type).not.toBe("Recreate");
  });
});

describe("§8.2 phase / condition / step-state sequence", () => {
  it("goes through the upstream states and messages, step by step", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    const states = recordStates(sandbox);
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    approve(sandbox);
    settleThroughTime(sandbox, pausedAt(sandbox, 2));
    approve(sandbox);
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "canary-demo").phase === "Healthy");
    expect(states).toEqual([
      "Progressing Initializing - - | Rollout is in Progressing",
      "Progressing Initializing 1 StepUpgrade | Rollout is in Progressing",
      "Progressing InRolling 1 StepUpgrade | Rollout is in Progressing",
      "Progressing InRolling 1 StepUpgrade | Rollout is in step(1/2), and upgrade workload to new version",
      "Progressing InRolling 1 StepTrafficRouting | Rollout is in step(1/2), and upgrade workload to new version",
      "Progressing InRolling 1 StepTrafficRouting | Rollout is in step(1/2), and route traffic weight(20)",
      "Progressing InRolling 1 StepMetricsAnalysis | Rollout is in step(1/2), and route traffic weight(20)",
      "Progressing InRolling 1 StepPaused | Rollout is in step(1/2), and route traffic weight(20)",
      "Progressing InRolling 1 StepPaused | Rollout is in step(1/2), and you need manually confirm to enter the next step",
      "Progressing InRolling 1 StepReady | Rollout is in step(1/2), and you need manually confirm to enter the next step",
      "Progressing InRolling 2 StepUpgrade | Rollout is in step(1/2), and you need manually confirm to enter the next step",
      "Progressing InRolling 2 StepUpgrade | Rollout is in step(2/2), and upgrade workload to new version",
      "Progressing InRolling 2 StepTrafficRouting | Rollout is in step(2/2), and upgrade workload to new version",
      "Progressing InRolling 2 StepTrafficRouting | Rollout is in step(2/2), and route traffic weight(90)",
      "Progressing InRolling 2 StepMetricsAnalysis | Rollout is in step(2/2), and route traffic weight(90)",
      "Progressing InRolling 2 StepPaused | Rollout is in step(2/2), and route traffic weight(90)",
      "Progressing InRolling 2 StepPaused | Rollout is in step(2/2), and you need manually confirm to enter the next step",
      "Progressing InRolling 2 StepReady | Rollout is in step(2/2), and you need manually confirm to enter the next step",
      "Progressing InRolling 2 Completed | Rollout is in step(2/2), and you need manually confirm to enter the next step",
      "Progressing Finalising 2 Completed | Rollout has been completed and some closing work is being done",
      "Progressing Completed 2 Completed | Rollout progressing has been completed",
      "Healthy Completed 2 Completed | rollout is healthy",
    ]);
  });

  it("the canaryStatus carries the CRD-required fields and upstream values while paused", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    const canary = rolloutStatus(sandbox.store, "canary-demo").canaryStatus as JsonObject;
    const canaryRs = sandbox.store
      .list("apps/v1", "ReplicaSet")
      .find((rs) => rs.metadata.ownerReferences?.[0]?.name !== "canary-demo");
    expect(canary).toMatchObject({
      canaryReplicas: 1,
      canaryReadyReplicas: 1,
      currentStepIndex: 1,
      nextStepIndex: 2,
      currentStepState: "StepPaused",
      finalisingStep: "",
      podTemplateHash: canaryRs?.metadata.labels?.["pod-template-hash"],
      message: "BatchRelease is at state Ready, rollout-id , step 1",
    });
    expect(typeof canary.canaryRevision).toBe("string");
    expect(typeof canary.lastUpdateTime).toBe("string");
  });

  it.each([
    { name: "grace period default 3 s", grace: undefined, seconds: 3 },
    { name: "trait grace period 5 s", grace: 5, seconds: 5 },
  ])("timers run on the injected clock: $name", ({ grace, seconds }) => {
    const objects = canonicalApp();
    objects[3] = rollout("canary-demo", {
      steps: [{ weight: 20 }, { weight: 90 }],
      ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
    });
    const sandbox = memorySandbox({ objects });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    sandbox.settle();
    // Initializing waits 3 s (fixed upstream), then each traffic change waits the grace period.
    expect(canaryState(sandbox.store, "canary-demo").reason).toBe("Initializing");
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "canary-demo").state === "StepTrafficRouting");
    const start = sandbox.clock.now().getTime();
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    const waited = (sandbox.clock.now().getTime() - start) / 1000;
    // S-canary created → grace → canary Ingress (weight 0) → grace → annotations → grace.
    expect(waited).toBe(3 * seconds);
  });
});

describe("§8.3 objects created and their names", () => {
  it("BatchRelease R, canary Deployment D-<5>, S-canary, pinned S and I-canary with nginx annotations", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    const stableHash = sandbox.store.list("apps/v1", "ReplicaSet")[0]?.metadata.labels?.["pod-template-hash"];
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    const rolloutObject = getObject(sandbox.store, ROLLOUT.apiVersion, "Rollout", "canary-demo");
    const br = getObject(sandbox.store, "rollouts.kruise.io/v1alpha1", "BatchRelease", "canary-demo");
    expect(br?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Rollout", uid: rolloutObject?.metadata.uid });
    expect((br?.spec as JsonObject).releasePlan).toMatchObject({
      batches: [{ canaryReplicas: "20%" }, { canaryReplicas: "90%" }],
      batchPartition: 0,
    });
    const canary = sandbox.store.list("apps/v1", "Deployment").find((d) => d.metadata.name !== "canary-demo");
    expect(canary?.metadata.name).toMatch(/^canary-demo-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(canary?.metadata).toMatchObject({
      generateName: "canary-demo-",
      labels: { "rollouts.kruise.io/canary-deployment": "canary-demo" },
      finalizers: ["finalizer.rollouts.kruise.io/batch-release"],
    });
    expect(canary?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "BatchRelease",
      uid: br?.metadata.uid,
      controller: true,
    });
    expect(canary?.metadata.annotations?.["batchrelease.rollouts.kruise.io/control-info"]).toBeDefined();
    const canaryHash = (rolloutStatus(sandbox.store, "canary-demo").canaryStatus as JsonObject).podTemplateHash;
    const canaryService = getObject(sandbox.store, "v1", "Service", "canary-demo-canary");
    expect((canaryService?.spec as JsonObject).selector).toEqual({
      app: "canary-demo",
      "pod-template-hash": canaryHash,
    });
    expect(
      (canaryService?.spec as JsonObject).clusterIP === undefined ||
        (canaryService?.spec as JsonObject).clusterIP !== "10.96.0.10",
    ).toBe(true);
    expect(canaryService?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Rollout" });
    expect((getObject(sandbox.store, "v1", "Service", "canary-demo")?.spec as JsonObject).selector).toEqual({
      app: "canary-demo",
      "pod-template-hash": stableHash,
    });
    const canaryIngress = getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "canary-demo-canary");
    expect(canaryIngress?.metadata.annotations).toEqual({
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "20",
    });
    expect(canaryIngress?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Rollout" });
    expect(JSON.stringify((canaryIngress?.spec as JsonObject).rules)).toContain('"name":"canary-demo-canary"');
  });

  it.each([
    { name: "weight only", step: { weight: 30 }, want: { "nginx.ingress.kubernetes.io/canary-weight": "30" } },
    {
      name: "exact header",
      step: { replicas: 1, matches: [{ headers: [{ type: "Exact", name: "user-agent", value: "android" }] }] },
      want: {
        "nginx.ingress.kubernetes.io/canary-by-header": "user-agent",
        "nginx.ingress.kubernetes.io/canary-by-header-value": "android",
      },
    },
    {
      name: "regex header",
      step: { replicas: 1, matches: [{ headers: [{ type: "RegularExpression", name: "x-canary", value: "^yes" }] }] },
      want: {
        "nginx.ingress.kubernetes.io/canary-by-header": "x-canary",
        "nginx.ingress.kubernetes.io/canary-by-header-pattern": "^yes",
      },
    },
    {
      name: "cookie",
      step: { replicas: 1, matches: [{ headers: [{ name: "canary-by-cookie", value: "beta" }] }] },
      want: { "nginx.ingress.kubernetes.io/canary-by-cookie": "beta" },
    },
    {
      name: "weight and header together",
      step: { weight: 10, matches: [{ headers: [{ name: "x-canary", value: "1" }] }] },
      want: {
        "nginx.ingress.kubernetes.io/canary-weight": "10",
        "nginx.ingress.kubernetes.io/canary-by-header": "x-canary",
        "nginx.ingress.kubernetes.io/canary-by-header-value": "1",
      },
    },
  ])("canary Ingress annotations (§2.4): $name", ({ step, want }) => {
    const objects = canonicalApp("canary-demo", [step, { weight: 100 }]);
    const sandbox = memorySandbox({ objects });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    expect(
      getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "canary-demo-canary")?.metadata.annotations,
    ).toEqual({ "nginx.ingress.kubernetes.io/canary": "true", ...want });
  });
});

describe("§8.3 replica math: ceil(p × N / 100), capped at N", () => {
  const weights = [1, 20, 40, 50, 90, 100];
  const cases = Array.from({ length: 10 }, (_, i) => i + 1).flatMap((replicas) =>
    weights.map((weight) => ({ name: `N=${replicas} weight=${weight}`, replicas, weight })),
  );
  it.each(cases)("$name", ({ replicas, weight }) => {
    // Integer ceiling division, independent of the float formula under test.
    expect(canaryReplicasFor(`${weight}%`, replicas)).toBe(Math.floor((weight * replicas + 99) / 100));
  });

  it.each([
    { name: "int replicas", value: 1, total: 5, want: 1 },
    { name: "int above N is capped", value: 8, total: 5, want: 5 },
    { name: "negative int floors at 0", value: -2, total: 5, want: 0 },
    { name: "percent 1% rounds up", value: "1%", total: 5, want: 1 },
    { name: "percent 50% of 5", value: "50%", total: 5, want: 3 },
    { name: "percent 0%", value: "0%", total: 5, want: 0 },
    { name: "a bare string without % is invalid", value: "5", total: 5, want: undefined },
  ])("replicas forms: $name", ({ value, total, want }) => {
    expect(canaryReplicasFor(value, total)).toBe(want);
  });

  it.each([
    { name: "N=5 weight 20", replicas: 5, weight: 20, canary: 1 },
    { name: "N=5 weight 50", replicas: 5, weight: 50, canary: 3 },
    { name: "N=3 weight 40", replicas: 3, weight: 40, canary: 2 },
    { name: "N=7 weight 90", replicas: 7, weight: 90, canary: 7 },
  ])("canary pods at step 1 of a live release: $name", ({ replicas, weight, canary }) => {
    const sandbox = memorySandbox({
      objects: [
        deployment("app", "img:v1", replicas),
        rollout("app", { steps: [{ weight }, { weight: 100 }], routing: false }),
      ],
    });
    sandbox.settle();
    setImage(sandbox, "app", "img:v2");
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "app").state === "StepPaused");
    expect(podsByImage(sandbox.store, "app")).toEqual({ "img:v1": replicas, "img:v2": canary });
  });
});

describe("§8.4 approve, pause/resume, auto-passing steps", () => {
  it("spec.strategy.paused pauses with the upstream message and resuming continues", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    sandbox.store.patch(ROLLOUT, { type: "merge", patch: { spec: { strategy: { paused: true } } } });
    approve(sandbox);
    settleThroughTime(sandbox);
    expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({
      reason: "Paused",
      message: "Rollout has been paused, you can resume it by kube-cli",
      step: 1,
    });
    sandbox.store.patch(ROLLOUT, { type: "merge", patch: { spec: { strategy: { paused: false } } } });
    settleThroughTime(sandbox, pausedAt(sandbox, 2));
    expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({
      reason: "InRolling",
      step: 2,
      state: "StepPaused",
    });
  });

  it.each([
    {
      name: "duration 0 passes at once",
      steps: [{ weight: 20, pause: { duration: 0 } }, { weight: 50 }],
      pausedStep: 2,
      advance: 0,
    },
    {
      name: "last step replicas 100% auto-passes",
      steps: [{ weight: 20, pause: { duration: 0 } }, { replicas: "100%" }],
      pausedStep: undefined,
      advance: 0,
    },
    {
      name: "a timed pause passes after its duration",
      steps: [{ weight: 20, pause: { duration: 30 } }, { weight: 50 }],
      pausedStep: 2,
      advance: 30,
    },
  ])("$name", ({ steps, pausedStep, advance }) => {
    const sandbox = memorySandbox({ objects: canonicalApp("canary-demo", steps) });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    const start = { at: 0 };
    settleThroughTime(sandbox, () => {
      const state = canaryState(sandbox.store, "canary-demo");
      if (state.step === 1 && state.state === "StepPaused" && start.at === 0) start.at = sandbox.clock.now().getTime();
      return pausedStep === undefined
        ? state.phase === "Healthy"
        : state.step === pausedStep && state.state === "StepPaused";
    });
    if (pausedStep === undefined) expect(canaryState(sandbox.store, "canary-demo").phase).toBe("Healthy");
    else expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({ step: pausedStep, state: "StepPaused" });
    if (advance > 0) {
      const canary = rolloutStatus(sandbox.store, "canary-demo");
      expect(canary.phase).toBe("Progressing");
      expect(start.at).toBeGreaterThan(0);
    }
  });

  it("a timed pause shows its message and holds until the clock passes the duration", () => {
    const sandbox = memorySandbox({
      objects: canonicalApp("canary-demo", [{ weight: 20, pause: { duration: 30 } }, { weight: 50 }]),
    });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    expect(canaryState(sandbox.store, "canary-demo").message).toBe(
      "Rollout is in step(1/2), and wait duration(30 seconds) to enter the next step",
    );
    sandbox.clock.advanceSeconds(29);
    sandbox.settle();
    expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({ step: 1, state: "StepPaused" });
    sandbox.clock.advanceSeconds(1);
    sandbox.settle();
    expect(canaryState(sandbox.store, "canary-demo").step).toBe(2);
  });
});

describe("§8.6 success finalising order", () => {
  it("removes the selector, deletes the canary Ingress and Service, unpauses, then deletes the BatchRelease", () => {
    const sandbox = memorySandbox({ objects: canonicalApp("canary-demo", [{ weight: 20 }]) });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    const writes: string[] = [];
    let paused = true;
    sandbox.store.subscribe((changes) => {
      for (const change of changes) {
        const { kind, metadata } = change.object;
        if (kind === "Deployment" && metadata.name === "canary-demo" && change.type === "MODIFIED") {
          const now = (change.object.spec as JsonObject).paused === true;
          if (paused && !now) writes.push("unpause Deployment/canary-demo");
          paused = now;
        } else if (kind === "Service" && change.type === "MODIFIED")
          writes.push(`selector Service/${metadata.name ?? ""}`);
        else if (change.type === "DELETED" && ["Ingress", "Service", "BatchRelease", "Deployment"].includes(kind))
          writes.push(`${change.type} ${kind}${kind === "Deployment" ? "" : `/${metadata.name ?? ""}`}`);
      }
    });
    approve(sandbox);
    settleThroughTime(sandbox, () => canaryState(sandbox.store, "canary-demo").phase === "Healthy");
    expect(writes).toEqual([
      "selector Service/canary-demo",
      "DELETED Ingress/canary-demo-canary",
      "DELETED Service/canary-demo-canary",
      "unpause Deployment/canary-demo",
      "DELETED BatchRelease/canary-demo",
      "DELETED Deployment",
    ]);
    const live = getObject(sandbox.store, "apps/v1", "Deployment", "canary-demo");
    expect(live?.metadata.annotations?.["rollouts.kruise.io/in-progressing"]).toBeUndefined();
    expect(live?.metadata.labels?.["rollouts.kruise.io/stable-revision"]).toBeDefined();
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ [V2]: 5 });
  });
});

describe("§8.7 header match steps route 100% / 0%", () => {
  it.each([
    { name: "matching header → canary", headers: { "User-Agent": "android" }, want: 1 },
    { name: "other header value → stable", headers: { "User-Agent": "ios" }, want: 0 },
    { name: "no header → stable", headers: {}, want: 0 },
  ])("$name", ({ headers, want }) => {
    const steps = [
      { replicas: 1, matches: [{ headers: [{ type: "Exact", name: "user-agent", value: "android" }] }] },
      { weight: 100 },
    ];
    const sandbox = memorySandbox({ objects: canonicalApp("canary-demo", steps) });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    const summary = routeRequests(sandbox.store, {
      host: "canary-demo.com",
      path: "/version",
      headers,
      cookies: {},
      count: 1000,
      seed: 9,
    });
    expect((summary.byImage[V2] ?? 0) / 1000).toBe(want);
  });
});

describe("other behaviours", () => {
  it("a Rollout pointing at a missing workload says Workload Not Found", () => {
    const sandbox = memorySandbox({ objects: [rollout("ghost", { steps: [{ weight: 20 }] })] });
    settleThroughTime(sandbox);
    expect(rolloutStatus(sandbox.store, "ghost")).toMatchObject({ phase: "Initial", message: "Workload Not Found" });
  });

  it("a new Rollout is Healthy with a finished-looking canaryStatus (v0.5+)", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    expect(rolloutStatus(sandbox.store, "canary-demo")).toMatchObject({
      phase: "Healthy",
      message: "rollout is healthy",
      canaryStatus: { currentStepState: "Completed", currentStepIndex: 2, nextStepIndex: -1 },
    });
  });

  it("continuous release: v3 while v2 is at step 1 cleans up and restarts for v3", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    setImage(sandbox, "canary-demo", "barnett/canarydemo:v3");
    settleThroughTime(
      sandbox,
      () => pausedAt(sandbox, 1)() && podsByImage(sandbox.store, "canary-demo")["barnett/canarydemo:v3"] === 1,
    );
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({
      "barnett/canarydemo:v1": 5,
      "barnett/canarydemo:v3": 1,
    });
    expect(canaryState(sandbox.store, "canary-demo")).toMatchObject({
      phase: "Progressing",
      step: 1,
      state: "StepPaused",
    });
  });

  it("a v1beta1 Rollout (traffic: 20%, enableExtraWorkloadForCanary) is accepted", () => {
    const beta: KubeObject = {
      apiVersion: "rollouts.kruise.io/v1beta1",
      kind: "Rollout",
      metadata: { name: "canary-demo", namespace: "default" },
      spec: {
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "canary-demo" },
        strategy: {
          canary: {
            enableExtraWorkloadForCanary: true,
            steps: [
              { traffic: "20%", replicas: "20%" },
              { traffic: "90%", replicas: "90%" },
            ],
            trafficRoutings: [{ service: "canary-demo", ingress: { name: "canary-demo" } }],
          },
        },
      },
    };
    const objects = canonicalApp();
    objects[3] = beta;
    const sandbox = memorySandbox({ objects });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ "barnett/canarydemo:v1": 5, [V2]: 1 });
    expect(
      getObject(sandbox.store, "networking.k8s.io/v1", "Ingress", "canary-demo-canary")?.metadata.annotations?.[
        "nginx.ingress.kubernetes.io/canary-weight"
      ],
    ).toBe("20");
  });
});

describe("deleting a Rollout mid-release", () => {
  it("terminates: releases the workload (unpaused, no canary objects) before the finalizer goes", () => {
    const sandbox = memorySandbox({ objects: canonicalApp() });
    sandbox.settle();
    setImage(sandbox, "canary-demo", V2);
    settleThroughTime(sandbox, pausedAt(sandbox, 1));
    expect(getObject(sandbox.store, ROLLOUT.apiVersion, "Rollout", "canary-demo")?.metadata.finalizers).toEqual([
      "rollouts.kruise.io/rollout",
    ]);
    sandbox.store.delete(ROLLOUT);
    settleThroughTime(
      sandbox,
      () => getObject(sandbox.store, ROLLOUT.apiVersion, "Rollout", "canary-demo") === undefined,
    );
    expect(getObject(sandbox.store, ROLLOUT.apiVersion, "Rollout", "canary-demo")).toBeUndefined();
    const live = getObject(sandbox.store, "apps/v1", "Deployment", "canary-demo");
    expect((live?.spec as JsonObject).paused).toBe(false);
    expect(live?.metadata.annotations?.["rollouts.kruise.io/in-progressing"]).toBeUndefined();
    expect(sandbox.store.list("apps/v1", "Deployment").map((d) => d.metadata.name)).toEqual(["canary-demo"]);
    expect(getObject(sandbox.store, "v1", "Service", "canary-demo-canary")).toBeUndefined();
    expect((getObject(sandbox.store, "v1", "Service", "canary-demo")?.spec as JsonObject).selector).toEqual({
      app: "canary-demo",
    });
    // Unpaused with the v2 template, the Deployment now rolls out normally.
    expect(podsByImage(sandbox.store, "canary-demo")).toEqual({ [V2]: 5 });
  });
});
