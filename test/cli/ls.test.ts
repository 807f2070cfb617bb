/**
 * `vela-ts ls`: vela ls's columns (one row per component) plus REVISION, WORKFLOW and CANARY, `-A`,
 * `-n`, and the kubectl output formats; and `status`/`workflow`/`revision` without an app name.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

const EXAMPLE_CHART_URL = "https://charts.example.com/demo/";

/** Two components, one with two traits, in namespace staging; a suspend step keeps the workflow at step 2 of 3. */
const TWO_COMPONENTS = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: pair
  namespace: staging
spec:
  components:
    - name: api
      type: webservice
      properties: {image: "nginx:1.25"}
      traits:
        - type: scaler
          properties: {replicas: 2}
        - type: labels
          properties: {tier: backend}
    - name: web
      type: webservice
      properties: {image: "nginx:1.25"}
  workflow:
    steps:
      - {name: deploy-api, type: apply-component, properties: {component: api}}
      - {name: approve, type: suspend}
      - {name: deploy-web, type: apply-component, properties: {component: web}}
`;

function newSandbox(): { readonly dir: string; vela(argv: readonly string[]): Promise<CliRun> } {
  const dir = tempDir("vela-ts-ls-");
  const clock = new FakeClock();
  return { dir, vela: (argv) => runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT, clock }) };
}

function rows(text: string): string[][] {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => line.split(/ {2,}/));
}

describe("vela-ts ls", () => {
  const box = newSandbox();

  beforeAll(async () => {
    writeFileSync(join(box.dir, "pair.yaml"), TWO_COMPONENTS);
    const steps = [
      ["sandbox", "charts", "add", EXAMPLE_CHART_URL, "examples/charts/repo"],
      ["up", "-f", "examples/apps/demo-app-v1.yaml", "--wait"],
      ["up", "-f", "examples/apps/demo-app-v2.yaml", "--wait"],
      ["up", "-f", join(box.dir, "pair.yaml"), "--wait"],
    ];
    for (const argv of steps) {
      const run = await box.vela(argv);
      expect(run.code, `${argv.join(" ")}\n${run.stderr}`).toBe(0);
    }
  }, 120_000);

  it("lists one namespace with vela ls's columns, the revision, workflow progress and canary step", async () => {
    const run = await box.vela(["ls"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(rows(run.stdout)).toEqual([
      [
        "APP",
        "COMPONENT",
        "TYPE",
        "TRAITS",
        "PHASE",
        "HEALTHY",
        "STATUS",
        "REVISION",
        "WORKFLOW",
        "CANARY",
        "CREATED-TIME",
      ],
      [
        "demo-app",
        "demo-app",
        "helm",
        "kruise-rollout",
        "runningWorkflow",
        "unhealthy",
        "Fetch repository successfully, Create helm release successfully",
        "demo-app-v2",
        "executing 0/1",
        "step 1/2 20% StepPaused",
        "2026-01-01T00:00:00Z",
      ],
    ]);
  });

  it("-A adds NAMESPACE; further components of an app get ├─ and └─", async () => {
    const run = await box.vela(["ls", "-A"]);
    expect(run.code).toBe(0);
    const table = rows(run.stdout);
    expect(table[0]?.slice(0, 3)).toEqual(["NAMESPACE", "APP", "COMPONENT"]);
    expect(table.slice(1).map((row) => row.slice(0, 5))).toEqual([
      ["default", "demo-app", "demo-app", "helm", "kruise-rollout"],
      ["staging", "pair", "api", "webservice", "scaler,labels"],
      ["staging", "└─", "web", "webservice", "workflowSuspending"],
    ]);
    expect(run.stdout).toContain("suspending 1/3");
  });

  it("-n picks the namespace; -o wide adds the publish version and the current step", async () => {
    const run = await box.vela(["ls", "-n", "staging", "-o", "wide"]);
    expect(run.code).toBe(0);
    const [header, first] = rows(run.stdout);
    expect(header?.slice(-3)).toEqual(["CREATED-TIME", "PUBLISH-VERSION", "STEP"]);
    expect(first?.[first.length - 1]).toBe("approve (suspending): suspended until resumed");
  });

  it("-o name, json, jsonpath and custom-columns", async () => {
    expect((await box.vela(["ls", "-A", "-o", "name"])).stdout).toBe(
      "application.core.oam.dev/demo-app\napplication.core.oam.dev/pair\n",
    );
    const json = JSON.parse((await box.vela(["ls", "-A", "-o", "json"])).stdout) as {
      kind: string;
      items: { kind: string; metadata: { name: string; managedFields?: unknown } }[];
    };
    expect(json.kind).toBe("List");
    expect(json.items.map((item) => [item.kind, item.metadata.name, item.metadata.managedFields])).toEqual([
      ["Application", "demo-app", undefined],
      ["Application", "pair", undefined],
    ]);
    const jsonpath = await box.vela([
      "ls",
      "-A",
      "-o",
      'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}={.status.status}{"\\n"}{end}',
    ]);
    expect(jsonpath.stdout).toBe("default/demo-app=runningWorkflow\nstaging/pair=workflowSuspending\n");
    const columns = await box.vela([
      "ls",
      "-A",
      "-o",
      "custom-columns=NAME:.metadata.name,REVISION:.status.latestRevision.name",
    ]);
    expect(rows(columns.stdout)).toEqual([
      ["NAME", "REVISION"],
      ["demo-app", "demo-app-v2"],
      ["pair", "pair-v1"],
    ]);
  });

  it("says so on stderr when a namespace has no applications; -n with -A is a usage error", async () => {
    expect(await box.vela(["ls", "-n", "nowhere"])).toEqual({
      code: 0,
      stdout: "",
      stderr: "No applications found in nowhere namespace.\n",
    });
    expect((await box.vela(["ls", "-A", "-n", "x"])).code).toBe(2);
  });

  it("does not create a sandbox where there is none", async () => {
    const cwd = tempDir();
    const run = await runCli(["ls"], { cwd });
    expect(run).toEqual({ code: 0, stdout: "", stderr: "No applications found in default namespace.\n" });
    expect(existsSync(join(cwd, ".vela-ts"))).toBe(false);
  });

  it.each([
    { argv: ["status"], hint: 'applications in namespace "default": demo-app; e.g. vela-ts status demo-app' },
    {
      argv: ["revision", "list"],
      hint: 'applications in namespace "default": demo-app; e.g. vela-ts revision list demo-app',
    },
    {
      argv: ["workflow", "resume", "-n", "prod"],
      hint: 'there are none in namespace "prod"; elsewhere: default/demo-app, staging/pair; e.g. vela-ts workflow resume demo-app -n default',
    },
  ])("$argv without an application lists the applications", async ({ argv, hint }) => {
    const run = await box.vela(argv);
    expect(run.code).toBe(2);
    const command = argv.filter((word) => !word.startsWith("-") && word !== "prod").join(" ");
    expect(run.stderr).toBe(`error[E_USAGE]: ${command} needs the name of an application\n  hint: ${hint}\n`);
  });

  it("revision get without a number lists the revisions", async () => {
    const run = await box.vela(["revision", "get", "demo-app"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("revisions of demo-app: 1, 2; e.g. vela-ts revision get demo-app 2");
  });
});
