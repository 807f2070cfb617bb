/**
 * The sandbox's record of an app's last fixed point: recalled only while the store, the inputs
 * and the time are what they were; and, through the CLI, `status` read from it shows exactly what
 * a full reconcile pass shows, while a changed definition or a deleted object still gets acted on.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXED_POINT_FILE, sandboxFixedPointMemo, type ReconcileOutcome } from "../../src/operations/index.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

const OUTCOME: ReconcileOutcome = {
  app: { apiVersion: "core.oam.dev/v1beta1", kind: "Application", metadata: { name: "web", namespace: "default" } },
  phase: "workflowSuspending",
  wrote: false,
  nextWakeAt: "2026-01-01T00:00:30.000Z",
  waitingForPerson: false,
  services: [{ name: "web", namespace: "default", healthy: true, workloadHealthy: true, traits: [] }],
};

describe("sandboxFixedPointMemo", () => {
  const at = (time: string): Date => new Date(time);

  it("recalls the outcome for the same app, resourceVersion and inputs before the wake time", () => {
    const dir = tempDir();
    sandboxFixedPointMemo(dir, "inputs-1").remember("web", "default", "42", OUTCOME, undefined);
    const { app: _app, ...rest } = OUTCOME;
    expect(
      sandboxFixedPointMemo(dir, "inputs-1").recall("web", "default", "42", at("2026-01-01T00:00:29Z"), undefined),
    ).toEqual(rest);
  });

  it.each([
    {
      name: "another app",
      app: "api",
      namespace: "default",
      rv: "42",
      inputs: "inputs-1",
      now: "2026-01-01T00:00:00Z",
    },
    {
      name: "another namespace",
      app: "web",
      namespace: "prod",
      rv: "42",
      inputs: "inputs-1",
      now: "2026-01-01T00:00:00Z",
    },
    {
      name: "a write since (resourceVersion moved)",
      app: "web",
      namespace: "default",
      rv: "43",
      inputs: "inputs-1",
      now: "2026-01-01T00:00:00Z",
    },
    {
      name: "changed definitions or chart mirrors",
      app: "web",
      namespace: "default",
      rv: "42",
      inputs: "inputs-2",
      now: "2026-01-01T00:00:00Z",
    },
    {
      name: "the workflow's wake time reached",
      app: "web",
      namespace: "default",
      rv: "42",
      inputs: "inputs-1",
      now: "2026-01-01T00:00:30Z",
    },
  ])("recalls nothing for $name", ({ app, namespace, rv, inputs, now }) => {
    const dir = tempDir();
    sandboxFixedPointMemo(dir, "inputs-1").remember("web", "default", "42", OUTCOME, undefined);
    expect(sandboxFixedPointMemo(dir, inputs).recall(app, namespace, rv, at(now), undefined)).toBeUndefined();
  });

  it("recalls nothing once a controller's timer is due, whether it was known then or only now", () => {
    const dir = tempDir();
    const memo = sandboxFixedPointMemo(dir, "inputs");
    memo.remember(
      "web",
      "default",
      "7",
      { ...OUTCOME, nextWakeAt: undefined } as unknown as ReconcileOutcome,
      at("2026-01-01T00:00:05Z"),
    );
    expect(memo.recall("web", "default", "7", at("2026-01-01T00:00:04Z"), undefined)).toBeDefined();
    expect(memo.recall("web", "default", "7", at("2026-01-01T00:00:05Z"), undefined)).toBeUndefined();
    expect(memo.recall("web", "default", "7", at("2026-01-01T00:00:01Z"), at("2026-01-01T00:00:01Z"))).toBeUndefined();
  });

  it("treats a missing, corrupt or foreign file as no record", () => {
    const dir = tempDir();
    const memo = sandboxFixedPointMemo(dir, "inputs");
    expect(memo.recall("web", "default", "1", at("2026-01-01T00:00:00Z"), undefined)).toBeUndefined();
    writeFileSync(join(dir, FIXED_POINT_FILE), "{not json");
    expect(memo.recall("web", "default", "1", at("2026-01-01T00:00:00Z"), undefined)).toBeUndefined();
    writeFileSync(
      join(dir, FIXED_POINT_FILE),
      JSON.stringify({ format: 99, app: "default/web", resourceVersion: "1", inputs: "inputs", outcome: {} }),
    );
    expect(memo.recall("web", "default", "1", at("2026-01-01T00:00:00Z"), undefined)).toBeUndefined();
  });
});

const WEB_APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: web
spec:
  components:
    - name: web
      type: webservice
      properties:
        image: nginx:1.25
        port: 80
`;

function newSandbox(): { dir: string; vela(argv: readonly string[]): Promise<CliRun> } {
  const dir = tempDir();
  const clock = new FakeClock();
  writeFileSync(join(dir, "web.yaml"), WEB_APP);
  return { dir, vela: (argv) => runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT, clock }) };
}

describe("status from the last fixed point", () => {
  it("prints the same as a full pass, and the record names the app", async () => {
    const box = newSandbox();
    expect((await box.vela(["up", "-f", join(box.dir, "web.yaml"), "--wait"])).code).toBe(0);
    const record = JSON.parse(readFileSync(join(box.dir, "sb", FIXED_POINT_FILE), "utf8")) as { app: string };
    expect(record.app).toBe("default/web");
    const recalled = await box.vela(["status", "web", "-o", "json"]);
    const recalledText = await box.vela(["status", "web"]);
    cpSync(join(box.dir, "sb", FIXED_POINT_FILE), join(box.dir, "kept.json"));
    writeFileSync(join(box.dir, "sb", FIXED_POINT_FILE), "{}");
    const full = await box.vela(["status", "web", "-o", "json"]);
    writeFileSync(join(box.dir, "sb", FIXED_POINT_FILE), "{}");
    const fullText = await box.vela(["status", "web"]);
    expect(recalled).toEqual(full);
    expect(recalledText).toEqual(fullText);
    expect(JSON.parse(recalled.stdout)).toMatchObject({
      status: { status: "running", services: [{ name: "web", healthy: true }] },
    });

    // The record really is what status reads while it holds: a marked copy shows through.
    const kept = JSON.parse(readFileSync(join(box.dir, "kept.json"), "utf8")) as {
      outcome: { workflow: { message?: string } };
    };
    kept.outcome.workflow.message = "read from the fixed-point record";
    writeFileSync(join(box.dir, "sb", FIXED_POINT_FILE), JSON.stringify(kept));
    expect((await box.vela(["status", "web"])).stdout).toContain("  message: read from the fixed-point record");
  });

  it("does not hide a definition change: the next status records a new revision", async () => {
    const box = newSandbox();
    expect((await box.vela(["up", "-f", join(box.dir, "web.yaml"), "--wait"])).code).toBe(0);
    expect(JSON.parse((await box.vela(["status", "web", "-o", "json"])).stdout)).toMatchObject({
      status: { latestRevision: { name: "web-v1" } },
    });
    const definitions = join(box.dir, "defs");
    const original = readFileSync(join(PROJECT_ROOT, "definitions", "components", "webservice.yaml"), "utf8");
    const edited = original.replace(
      "        \tmetadata: name: context.name\n",
      '        \tmetadata: {name: context.name, annotations: edited: "true"}\n',
    );
    expect(edited).not.toBe(original);
    cpSync(join(PROJECT_ROOT, "definitions", "components"), definitions, { recursive: true });
    writeFileSync(join(definitions, "webservice.yaml"), edited);
    const changed = await box.vela(["status", "web", "--definitions", definitions, "-o", "json"]);
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({ status: { latestRevision: { name: "web-v2" } } });
  });

  it("does not hide a deleted object: the controllers and the next pass put it back", async () => {
    const box = newSandbox();
    expect((await box.vela(["up", "-f", join(box.dir, "web.yaml"), "--wait"])).code).toBe(0);
    expect((await box.vela(["sandbox", "delete", "deployment", "web"])).code).toBe(0);
    expect(existsSync(join(box.dir, "sb", FIXED_POINT_FILE))).toBe(true);
    const after = await box.vela(["status", "web", "-o", "json"]);
    expect(JSON.parse(after.stdout)).toMatchObject({ status: { services: [{ name: "web", healthy: true }] } });
    const deployment = await box.vela(["sandbox", "get", "deployment", "web", "-o", "json"]);
    expect(deployment.code).toBe(0);
    expect(JSON.parse(deployment.stdout)).toMatchObject({ kind: "Deployment", metadata: { name: "web" } });
  });
});
