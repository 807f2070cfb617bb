/**
 * Adoption on the sandbox from the CLI: `ref-objects` with the `take-over` and `read-only`
 * policies. Adopting restarts nothing (pod uids unchanged), adopted objects are tracked and shown in
 * `status --tree`, a `scaler` trait scales an adopted Deployment without touching its pod template,
 * and `delete` deletes (take-over) or releases (read-only) them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir, type CliRun } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

interface Box {
  readonly dir: string;
  vela(argv: readonly string[]): Promise<CliRun>;
  file(name: string, text: string): string;
}

function newSandbox(): Box {
  const dir = tempDir();
  const clock = new FakeClock();
  return {
    dir,
    vela: (argv) => runCli([...argv, "--sandbox", join(dir, "sb")], { cwd: PROJECT_ROOT, clock }),
    file: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

interface Item {
  kind: string;
  metadata: { name: string; namespace?: string; uid: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

async function items(box: Box, resource: string): Promise<Item[]> {
  const run = await box.vela(["sandbox", "get", resource, "-A", "-o", "json"]);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { items: Item[] }).items;
}

async function podUids(box: Box): Promise<string[]> {
  return (await items(box, "pods")).map((pod) => pod.metadata.uid).sort();
}

export const LEGACY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy-api
  namespace: default
spec:
  replicas: 2
  selector: {matchLabels: {app: legacy-api}}
  template:
    metadata: {labels: {app: legacy-api}}
    spec:
      containers:
        - name: api
          image: nginx:1.25
          ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: legacy-api
  namespace: default
spec:
  selector: {app: legacy-api}
  ports: [{port: 80, targetPort: 80}]
`;

function adoptApp(mode: "take-over" | "read-only", traits: string): string {
  return `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: legacy
  namespace: default
spec:
  components:
    - name: legacy-api
      type: ref-objects
      properties:
        objects:
          - {apiVersion: apps/v1, kind: Deployment, name: legacy-api}
          - {apiVersion: v1, kind: Service, name: legacy-api}
${traits}
  policies:
    - name: adopt
      type: ${mode}
      properties:
        rules:
          - selector: {componentNames: [legacy-api]}
`;
}

const SCALER = `      traits:
        - type: scaler
          properties: {replicas: 4}`;

async function startLegacy(box: Box): Promise<void> {
  const applied = await box.vela(["sandbox", "apply", "-f", box.file("legacy.yaml", LEGACY)]);
  expect(applied.stderr).toBe("");
  expect(applied.code).toBe(0);
  expect(await podUids(box)).toHaveLength(2);
}

describe("adoption with ref-objects", () => {
  it("takes over a running Deployment without a restart, scales it through a trait, and deletes it with the app", async () => {
    const box = newSandbox();
    await startLegacy(box);
    const [before] = await items(box, "deployments");
    const pods = await podUids(box);

    const up = await box.vela(["up", "-f", box.file("app.yaml", adoptApp("take-over", SCALER)), "--wait"]);
    expect(up.code).toBe(0);

    const [after] = await items(box, "deployments");
    expect(after?.spec?.replicas).toBe(4);
    expect(after?.spec?.template).toEqual(before?.spec?.template);
    expect(after?.metadata.labels?.["app.oam.dev/name"]).toBe("legacy");
    // The two pods that ran keep running; the scaler added two.
    const now = await podUids(box);
    expect(now).toHaveLength(4);
    expect(now).toEqual(expect.arrayContaining(pods));

    const trackers = await items(box, "resourcetrackers");
    const managed = (trackers[0]?.spec?.managedResources ?? []) as { kind: string; adoption?: string }[];
    expect(managed.map((entry) => `${entry.kind}:${entry.adoption ?? ""}`).sort()).toEqual([
      "Deployment:take-over",
      "Service:take-over",
    ]);

    const tree = await box.vela(["status", "legacy", "--tree"]);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(/Deployment\/legacy-api {2}.*\(adopted, take-over\)\n/);
    expect(tree.stdout).toMatch(/Service\/legacy-api.*\(adopted, take-over\)\n/);

    const deleted = await box.vela(["delete", "legacy"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain("Deployment/default/legacy-api deleted");
    expect(await items(box, "deployments")).toEqual([]);
  });

  it("adopts read-only: writes nothing, tracks the objects and releases them on delete", async () => {
    const box = newSandbox();
    await startLegacy(box);
    const [before] = await items(box, "deployments");
    const pods = await podUids(box);

    const up = await box.vela(["up", "-f", box.file("app.yaml", adoptApp("read-only", "")), "--wait"]);
    expect(up.code).toBe(0);
    const [after] = await items(box, "deployments");
    expect(after).toEqual(before);
    expect(await podUids(box)).toEqual(pods);

    const tree = await box.vela(["status", "legacy", "--tree"]);
    expect(tree.stdout).toMatch(/Deployment\/legacy-api.*\(adopted, read-only\)\n/);

    const deleted = await box.vela(["delete", "legacy"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain("Deployment/default/legacy-api kept: adopted read-only, released");
    expect((await items(box, "deployments")).map((item) => item.metadata.name)).toEqual(["legacy-api"]);
    expect(await podUids(box)).toEqual(pods);
  });

  it("fails the workflow when a trait would change a read-only object, and writes nothing", async () => {
    const box = newSandbox();
    await startLegacy(box);
    const [before] = await items(box, "deployments");
    const up = await box.vela(["up", "-f", box.file("app.yaml", adoptApp("read-only", SCALER)), "--wait"]);
    expect(up.code).not.toBe(0);
    expect(up.stdout + up.stderr).toContain(
      "its traits would change Deployment default/legacy-api (spec.replicas), which a read-only policy keeps untouched",
    );
    expect((await items(box, "deployments"))[0]).toEqual(before);
  });

  it("refuses to adopt an object another application manages without take-over", async () => {
    const box = newSandbox();
    await startLegacy(box);
    const owned = LEGACY.replace(
      "  name: legacy-api\n  namespace: default\nspec:\n  replicas",
      "  name: legacy-api\n  namespace: default\n  labels: {app.oam.dev/name: other, app.oam.dev/namespace: default}\nspec:\n  replicas",
    );
    expect((await box.vela(["sandbox", "apply", "-f", box.file("owned.yaml", owned)])).code).toBe(0);
    const noPolicy = adoptApp("read-only", "").replace(/ {2}policies:[\s\S]*$/, "");
    const up = await box.vela(["up", "-f", box.file("app.yaml", noPolicy), "--wait"]);
    expect(up.code).not.toBe(0);
    expect(up.stdout + up.stderr).toContain(
      "existing object Deployment default/legacy-api is managed by other application default/other",
    );
    const takeOver = await box.vela(["up", "-f", box.file("app2.yaml", adoptApp("take-over", SCALER)), "--wait"]);
    expect(takeOver.code).toBe(0);
    expect((await items(box, "deployments"))[0]?.metadata.labels?.["app.oam.dev/name"]).toBe("legacy");
  });

  it("refuses a trait on an object no application manages without take-over", async () => {
    const box = newSandbox();
    await startLegacy(box);
    const noPolicy = adoptApp("read-only", SCALER).replace(/ {2}policies:[\s\S]*$/, "");
    const up = await box.vela(["up", "-f", box.file("app.yaml", noPolicy), "--wait"]);
    expect(up.code).not.toBe(0);
    expect(up.stdout + up.stderr).toContain("which exists but is not managed by any application");
    expect((await items(box, "deployments"))[0]?.spec?.replicas).toBe(2);
  });

  it("vela-ts adopt proposes the Application (ref-objects + policy) that up applies with no restart", async () => {
    const box = newSandbox();
    await startLegacy(box);
    const pods = await podUids(box);
    const proposed = await box.vela(["adopt", "deployment/legacy-api", "svc/legacy-api", "--mode", "take-over"]);
    expect(proposed.stderr).toBe("");
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toBe(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: legacy-api
  namespace: default
  labels:
    app.oam.dev/adopt: native
spec:
  components:
    - name: legacy-api
      type: ref-objects
      properties:
        objects:
          - apiVersion: apps/v1
            kind: Deployment
            name: legacy-api
          - apiVersion: v1
            kind: Service
            name: legacy-api
  policies:
    - name: take-over
      type: take-over
      properties:
        rules:
          - selector:
              componentNames:
                - legacy-api
`);
    const written = await box.vela([
      "adopt",
      "deployment/legacy-api",
      "--app",
      "legacy",
      "-o",
      join(box.dir, "adopt.yaml"),
    ]);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe("");
    const up = await box.vela(["up", "-f", join(box.dir, "adopt.yaml"), "--wait"]);
    expect(up.code).toBe(0);
    expect(await podUids(box)).toEqual(pods);
    const tree = await box.vela(["status", "legacy", "--tree"]);
    expect(tree.stdout).toMatch(/Deployment\/legacy-api.*\(adopted, read-only\)\n/);
  });

  it("vela-ts adopt names what it cannot adopt", async () => {
    const box = newSandbox();
    const missing = await box.vela(["adopt", "deployment/nothing"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("error[E_ADOPT_NOT_FOUND]: Deployment default/nothing does not exist");
    const malformed = await box.vela(["adopt", "legacy-api"]);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('"legacy-api" is not <kind>/<name>');
    const mode = await box.vela(["adopt", "deploy/x", "--mode", "own"]);
    expect(mode.stderr).toContain('unknown adoption mode "own"');
  });
});
