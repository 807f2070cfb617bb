/**
 * DESIGN story 1 in controller mode over HTTP: the sandbox served as a Kubernetes API, a
 * `vela-ts controller` loop running against it, the Application applied with the real
 * `kubectl apply -f` (nothing else starts the workflow), and `workflow resume`, `suspend` and
 * `rollback` run through the CLI from "another shell" with `--kubeconfig`. Simulated time runs 4×
 * faster than real time so the Kruise grace periods pass quickly for the served controllers and the
 * controller's requeues alike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runControllerMode } from "../../src/controller/controller-command.js";
import type { ReconcileEvent } from "../../src/controller/controller-mode.js";
import { KUBECTL, KUBECTL_MISSING_REASON, kubectlWorkspace } from "../cluster/server/support.js";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import {
  eventually,
  exampleApp,
  podCounts,
  REQUESTS,
  ScaledClock,
  servedStory,
  type ServedStory,
} from "./http-support.js";

const V1 = "ghcr.io/vela-ts/demo-app:v1";
const V2 = "ghcr.io/vela-ts/demo-app:v2";

function expectShare(count: number, p: number, label: string): void {
  const sd = Math.sqrt(REQUESTS * p * (1 - p));
  expect(count, label).toBeGreaterThanOrEqual(Math.floor(REQUESTS * p - 3.3 * sd - 1));
  expect(count, label).toBeLessThanOrEqual(Math.ceil(REQUESTS * p + 3.3 * sd + 1));
}

interface RolloutView {
  readonly canaryStatus?: { readonly currentStepIndex?: number; readonly currentStepState?: string };
}

function rolloutStep(served: ServedStory): { readonly index: number; readonly state: string } | undefined {
  const rollout = served.serving.cluster.store.get({
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "Rollout",
    name: "demo-app",
    namespace: "default",
  });
  const canary = (rollout?.status as RolloutView | undefined)?.canaryStatus;
  return canary?.currentStepIndex === undefined
    ? undefined
    : { index: canary.currentStepIndex, state: canary.currentStepState ?? "" };
}

describe.skipIf(KUBECTL === undefined)(
  `DESIGN story 1 in controller mode over HTTP${KUBECTL === undefined ? ` (skipped: ${KUBECTL_MISSING_REASON})` : ""}`,
  () => {
    const clock = new ScaledClock(4);
    let served: ServedStory;
    let workspace: ReturnType<typeof kubectlWorkspace>;
    const stop = new AbortController();
    const events: ReconcileEvent[] = [];
    let controller: Promise<unknown>;
    const v1Uids: string[] = [];

    beforeAll(async () => {
      served = await servedStory(clock, 50);
      workspace = kubectlWorkspace(served.serving.server.kubeconfig());
      controller = runControllerMode({
        cwd: PROJECT_ROOT,
        clock,
        http: () => Promise.reject(new Error("no webhooks in this story")),
        command: "vela-ts controller",
        kubeconfig: served.kubeconfig,
        env: {},
        signal: stop.signal,
        identity: "story-controller",
        sleep: clock.sleep,
        waitPollIntervalMs: 500,
        lease: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 },
        onReconcile: (event) => events.push(event),
      });
    });

    afterAll(async () => {
      stop.abort();
      await controller;
      await served?.close();
    });

    const vela = (argv: readonly string[]) =>
      runCli([...argv, "--kubeconfig", served.kubeconfig], { cwd: PROJECT_ROOT, clock });

    it("kubectl apply -f v1 alone releases 5 v1 pods", async () => {
      const applied = await workspace.kubectl(["apply", "-f", exampleApp("demo-app-v1.yaml")]);
      expect(applied.stdout, applied.stderr).toBe("application.core.oam.dev/demo-app created\n");
      const { release, shares } = await eventually("v1 running with 5 pods", () => {
        const snapshot = served.snapshot("demo-app");
        return snapshot.release.appStatus === "running" && snapshot.release.podUids[V1]?.length === 5
          ? snapshot
          : undefined;
      });
      expect(podCounts(release)).toEqual({ [V1]: 5 });
      expect(shares).toEqual({ [V1]: REQUESTS });
      expect(release.latestRevision).toBe("demo-app-v1");
      v1Uids.push(...(release.podUids[V1] ?? []));
      await eventually("the controller's reconcile reported", () =>
        events.some((event) => event.name === "demo-app" && event.result === "success") ? true : undefined,
      );
    }, 90_000);

    it("kubectl apply -f v2 stops at step 1: 1 canary pod, about 20% of requests on v2", async () => {
      const applied = await workspace.kubectl(["apply", "-f", exampleApp("demo-app-v2.yaml")]);
      expect(applied.stdout, applied.stderr).toBe("application.core.oam.dev/demo-app configured\n");
      await eventually("the Rollout paused at step 1", () => {
        const step = rolloutStep(served);
        return step?.index === 1 && step.state === "StepPaused" ? step : undefined;
      });
      const { release, shares } = served.snapshot("demo-app");
      expect(podCounts(release)).toEqual({ [V1]: 5, [V2]: 1 });
      expect(release.podUids[V1]).toEqual(v1Uids);
      expect(release.latestRevision).toBe("demo-app-v2");
      expect(release.appStatus).toBe("runningWorkflow");
      expectShare(shares[V2] ?? 0, 0.2, "v2 share at step 1");
    }, 90_000);

    it("vela-ts workflow resume from another shell: step 2, about 90% on v2", async () => {
      const resumed = await vela(["workflow", "resume", "demo-app"]);
      expect(resumed.code, resumed.stderr).toBe(0);
      await eventually("the Rollout paused at step 2", () => {
        const step = rolloutStep(served);
        return step?.index === 2 &&
          step.state === "StepPaused" &&
          served.snapshot("demo-app").release.podUids[V2]?.length === 5
          ? step
          : undefined;
      });
      const { release, shares } = served.snapshot("demo-app");
      expect(podCounts(release)).toEqual({ [V1]: 5, [V2]: 5 });
      expect(release.podUids[V1]).toEqual(v1Uids);
      expectShare(shares[V2] ?? 0, 0.9, "v2 share at step 2");
    }, 90_000);

    it("workflow suspend + rollback through the CLI: 100% v1 on the same 5 pods, canary gone, spec back on v1", async () => {
      const suspended = await vela(["workflow", "suspend", "demo-app"]);
      expect(suspended.code, suspended.stderr).toBe(0);
      const rolledBack = await vela(["workflow", "rollback", "demo-app"]);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      const { release, shares } = await eventually("all traffic on v1 and the canary removed", () => {
        const snapshot = served.snapshot("demo-app");
        const canary = snapshot.release.objects.filter(
          (object) => object.includes("<canary>") || object.endsWith("-canary"),
        );
        return canary.length === 0 &&
          snapshot.release.podUids[V2] === undefined &&
          snapshot.release.appStatus === "running"
          ? snapshot
          : undefined;
      });
      expect(shares).toEqual({ [V1]: REQUESTS });
      expect(release.podUids[V1]).toEqual(v1Uids);
      expect(release.latestRevision).toBe("demo-app-v1");
      expect(release.chartVersion).toBe("1.0.0");
      const shown = await workspace.kubectl([
        "get",
        "application",
        "demo-app",
        "-o",
        "jsonpath={.status.latestRevision.name} {.status.status}",
      ]);
      expect(shown.stdout).toBe("demo-app-v1 running");
      expect(events.filter((event) => event.result === "error").map((event) => String(event.error))).toEqual([]);
    }, 90_000);
  },
);
