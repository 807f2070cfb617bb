/**
 * `vela-ts status`: the helm canary story of DESIGN §1 (examples/apps, chart mirror first) checked
 * at step 1 (Canary section, tree, -o json), after resume, and after suspend + rollback; a timed
 * suspend step's countdown and `--watch` on a fake clock; errors.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

interface Sandbox {
  readonly dir: string;
  readonly clock: FakeClock;
  vela(argv: readonly string[]): Promise<CliRun>;
}

function newSandbox(): Sandbox {
  const dir = tempDir();
  const clock = new FakeClock();
  return { dir, clock, vela: (argv) => runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT, clock }) };
}

function lines(text: string): string[] {
  return text.split("\n");
}

interface PodList {
  readonly items: readonly { readonly metadata: { readonly labels?: Record<string, string> } }[];
}

/** Pods per `pod-template-hash`, read through `sandbox get` (independent of the status code). */
async function podsByHash(box: Sandbox): Promise<Map<string, number>> {
  const run = await box.vela(["sandbox", "get", "pods", "-n", "default", "-o", "json"]);
  expect(run.code).toBe(0);
  const counts = new Map<string, number>();
  for (const pod of (JSON.parse(run.stdout) as PodList).items) {
    const hash = pod.metadata.labels?.["pod-template-hash"] ?? "";
    counts.set(hash, (counts.get(hash) ?? 0) + 1);
  }
  return counts;
}

describe("status of the helm canary story", () => {
  const box = newSandbox();

  beforeAll(async () => {
    expect(
      (await box.vela(["sandbox", "charts", "add", "https://charts.example.com/demo/", "examples/charts/repo"])).code,
    ).toBe(0);
    expect((await box.vela(["up", "-f", "examples/apps/demo-app-v1.yaml", "--wait"])).code).toBe(0);
    expect((await box.vela(["up", "-f", "examples/apps/demo-app-v2.yaml", "--wait"])).code).toBe(0);
  });

  it("shows About, the running step and the Canary section at step 1", async () => {
    const run = await box.vela(["status", "demo-app"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const out = lines(run.stdout);
    expect(out.slice(0, 8)).toEqual([
      "About:",
      "",
      "  Name:        demo-app",
      "  Namespace:   default",
      "  Created at:  2026-01-01T00:00:00Z",
      "  Status:      runningWorkflow",
      "  Revision:    demo-app-v2 (publishVersion v2)",
      "",
    ]);
    expect(out.filter((line) => /^ {2}- id: [0-9a-f]{10}$/.test(line))).toHaveLength(1);
    expect(out).toContain("    name: demo-app");
    expect(out).toContain("    type: apply-component");
    expect(out).toContain("    phase: running");
    expect(out).toContain("    Type: helm");
    // A canary waiting at an approval gate is not a fault: no "Unhealthy", no [x].
    expect(out).toContain("    Waiting for approval: Fetch repository successfully, Create helm release successfully");
    expect(out).toContain(
      "      [..] kruise-rollout (waiting for approval): Rollout is in step(1/2), and you need manually confirm to enter the next step",
    );
    expect(out.filter((line) => line.includes("Unhealthy") || line.includes("[x]"))).toEqual([]);

    const canary = out.slice(out.indexOf("Canary:"));
    expect(canary.slice(0, 6)).toEqual([
      "Canary:",
      "",
      "  - Rollout: demo-app (component demo-app)",
      "    Phase: Progressing",
      "    Step: 1/2, weight 20%",
      "    State: StepPaused",
    ]);
    const canaryLine = canary.find((line) => line.startsWith("    Canary pods: "));
    const stableLine = canary.find((line) => line.startsWith("    Stable pods: "));
    const canaryHash = /^ {4}Canary pods: 1\/1 ready \(revision ([0-9a-f]+)\)$/.exec(canaryLine ?? "")?.[1];
    const stableHash = /^ {4}Stable pods: 5\/5 ready \(revision ([0-9a-f]+)\)$/.exec(stableLine ?? "")?.[1];
    expect(canaryHash).toBeDefined();
    expect(stableHash).toBeDefined();
    expect(canaryHash).not.toBe(stableHash);
    // The counts agree with the pods the sandbox really has.
    const pods = await podsByHash(box);
    expect(pods.get(canaryHash ?? "")).toBe(1);
    expect(pods.get(stableHash ?? "")).toBe(5);
    expect(canary).toContain("    Next:");
    expect(canary).toContain("      approve the next step with: vela-ts workflow resume demo-app");
    expect(canary).toContain(
      "      or roll back: vela-ts workflow suspend demo-app && vela-ts workflow rollback demo-app",
    );
  });

  it("prints the Application with its status for -o json and -o yaml", async () => {
    const run = await box.vela(["status", "demo-app", "-o", "json"]);
    expect(run.code).toBe(0);
    const app = JSON.parse(run.stdout) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace: string; managedFields?: unknown };
      spec: { components: { name: string; type: string }[] };
      status: {
        status: string;
        latestRevision: { name: string; revision: number };
        workflow: { status: string; steps: { name: string; phase: string }[] };
        services: { name: string; healthy: boolean }[];
      };
    };
    expect({
      apiVersion: app.apiVersion,
      kind: app.kind,
      name: app.metadata.name,
      namespace: app.metadata.namespace,
    }).toEqual({ apiVersion: "core.oam.dev/v1beta1", kind: "Application", name: "demo-app", namespace: "default" });
    expect(app.metadata.managedFields).toBeUndefined();
    expect(app.spec.components.map((component) => [component.name, component.type])).toEqual([["demo-app", "helm"]]);
    expect(app.status.status).toBe("runningWorkflow");
    expect(app.status.latestRevision).toMatchObject({ name: "demo-app-v2", revision: 2 });
    expect(app.status.workflow.status).toBe("executing");
    expect(app.status.workflow.steps.map((step) => [step.name, step.phase])).toEqual([["demo-app", "running"]]);
    expect(app.status.services.map((service) => [service.name, service.healthy])).toEqual([["demo-app", false]]);
    const yaml = await box.vela(["status", "demo-app", "-o", "yaml"]);
    expect(lines(yaml.stdout).slice(0, 2)).toEqual(["apiVersion: core.oam.dev/v1beta1", "kind: Application"]);
  });

  it("--tree shows app → component → tracked objects → what they own", async () => {
    const run = await box.vela(["status", "demo-app", "--tree"]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    const tree = out.slice(out.indexOf("Resources:"));
    expect(tree.slice(0, 4)).toEqual([
      "Resources:",
      "",
      "  Application/demo-app (namespace default)  runningWorkflow",
      "  `-- Component/demo-app",
    ]);
    expect(tree).toContain("      |-- HelmRelease/demo-app  Ready");
    expect(tree).toContain("      |   |-- Deployment/demo-app  ready 5/5, paused");
    expect(tree).toContain("      |-- HelmRepository/demo-app  Ready");
    expect(tree).toContain("      `-- Rollout/demo-app  Progressing step 1/2 StepPaused");
    expect(tree).toContain("          |-- Ingress/demo-app-canary  demo.example.com, canary weight 20%");
    expect(tree.filter((line) => /Pod\/demo-app-[a-z0-9-]+ {2}Running, ready$/.test(line))).toHaveLength(6);
  });

  it("--watch at a manual gate prints once and stops", async () => {
    const run = await box.vela(["status", "demo-app", "--watch"]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("About:").length - 1).toBe(1);
    expect(run.stderr).toBe("watch ended: the release waits for a person\n");
  });

  it("follows resume to step 2, then suspend + rollback", async () => {
    expect((await box.vela(["workflow", "resume", "demo-app", "--wait"])).code).toBe(0);
    const step2 = lines((await box.vela(["status", "demo-app"])).stdout);
    expect(step2).toContain("    Step: 2/2, weight 90%");
    expect(step2).toContain("    State: StepPaused");

    expect((await box.vela(["workflow", "suspend", "demo-app"])).code).toBe(0);
    const suspended = lines((await box.vela(["status", "demo-app"])).stdout);
    expect(suspended).toContain("    Phase: Progressing (paused)");
    expect(suspended).toContain("      continue with: vela-ts workflow resume demo-app");

    expect((await box.vela(["workflow", "rollback", "demo-app", "--wait"])).code).toBe(0);
    const run = await box.vela(["status", "demo-app"]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out).toContain("  Revision:    demo-app-v1 (publishVersion v1)");
    expect(out.find((line) => line.startsWith("  Rollback:"))).toMatch(
      /^ {2}Rollback: {4}rolled back from demo-app-v2 to demo-app-v1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(out).not.toContain("    Next:");
    expect(out.find((line) => line.startsWith("    Stable pods: "))).toMatch(/^ {4}Stable pods: 5\/5 ready/);
  });
});

const TIMED_APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: timed
spec:
  components:
    - name: web
      type: webservice
      properties:
        image: nginx:1.25
  workflow:
    steps:
      - name: hold
        type: suspend
        properties:
          duration: 30s
      - name: deploy-web
        type: apply-component
        properties:
          component: web
`;

describe("status of a timed suspend step", () => {
  it("counts down on the command's clock, and --watch follows it until the workflow finished", async () => {
    const box = newSandbox();
    writeFileSync(join(box.dir, "timed.yaml"), TIMED_APP);
    expect((await box.vela(["up", "-f", join(box.dir, "timed.yaml")])).code).toBe(0);

    const first = lines((await box.vela(["status", "timed"])).stdout);
    expect(first).toContain("  Status:      workflowSuspending");
    expect(first).toContain("    phase: suspending (resumes in 30s)");
    box.clock.advance(5_000);
    expect(lines((await box.vela(["status", "timed"])).stdout)).toContain("    phase: suspending (resumes in 25s)");

    const timedOut = await box.vela(["status", "timed", "--watch", "--timeout", "4s"]);
    expect(timedOut.code).toBe(5);
    expect(lines(timedOut.stderr).slice(-2)).toEqual([
      "watch ended: gave up watching (--timeout); the release goes on",
      "",
    ]);
    expect(lines(timedOut.stdout)).toContain("    phase: suspending (resumes in 25s)");
    expect(lines(timedOut.stdout)).toContain("    phase: suspending (resumes in 23s)");

    const started = box.clock.now().getTime();
    const watched = await box.vela(["status", "timed", "--watch", "--timeout", "5m"]);
    expect(watched.code).toBe(0);
    // Step transitions are progress on stderr; the last line says why the watch ended.
    expect(lines(watched.stderr).slice(-2)).toEqual([
      "watch ended: the workflow finished and every component is healthy",
      "",
    ]);
    expect(lines(watched.stderr)).toContain("step deploy-web succeeded");
    expect(box.clock.now().getTime() - started).toBeGreaterThanOrEqual(21_000);
    const prints = watched.stdout.split("\nAbout:\n");
    expect(prints.length).toBeGreaterThan(2);
    const last = lines(prints.at(-1) ?? "");
    expect(last).toContain("  Status:      running");
    expect(last.filter((line) => line === "    phase: succeeded")).toHaveLength(2);
    expect(last).toContain("    Healthy: Ready:1/1");
  });
});

describe("status errors", () => {
  it.each([
    {
      name: "unknown app",
      argv: ["status", "nope"],
      code: 1,
      error: 'error[E_APP_NOT_FOUND]: application "nope" not found in namespace "default"',
    },
    {
      name: "--timeout without --watch",
      argv: ["status", "nope", "--timeout", "5s"],
      code: 2,
      error: "error[E_USAGE]: --timeout only applies to --watch",
    },
    {
      name: "bad output format",
      argv: ["status", "nope", "-o", "xml"],
      code: 2,
      error: 'error[E_USAGE]: unknown output format "xml"',
    },
  ])("$name", async ({ argv, code, error }) => {
    const box = newSandbox();
    const run = await box.vela(argv);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)[0]).toBe(error);
  });

  it("says where an app lives when -n is wrong", async () => {
    const box = newSandbox();
    writeFileSync(join(box.dir, "timed.yaml"), TIMED_APP);
    expect((await box.vela(["up", "-f", join(box.dir, "timed.yaml"), "-n", "shop"])).code).toBe(0);
    const run = await box.vela(["status", "timed"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual([
      'error[E_APP_NOT_FOUND]: application "timed" not found in namespace "default"',
      '  hint: it exists in namespace "shop"; add -n shop',
      "",
    ]);
  });
});
