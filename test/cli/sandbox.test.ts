import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: demo:v1
`;

const SERVICE_AND_CONFIG = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, labels: {tier: front}}
data: {a: "1"}
`;

function sandboxWith(files: Record<string, string> = {}): {
  dir: string;
  sandbox: string;
  file: (name: string) => string;
} {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, sandbox: join(dir, "sb"), file: (name) => join(dir, name) };
}

describe("vela-ts sandbox apply/get/delete/reset", () => {
  it("applies objects and reports created, unchanged, configured", async () => {
    const { dir, sandbox } = sandboxWith({ "web.yaml": DEPLOYMENT, "more.yaml": SERVICE_AND_CONFIG });
    const first = await runCli(["sandbox", "apply", "-f", "web.yaml", "--sandbox", sandbox], { cwd: dir });
    expect(first).toEqual({ code: 0, stdout: "deployment.apps/web created\n", stderr: "" });
    const again = await runCli(["sandbox", "apply", "-f", "web.yaml", "--sandbox", sandbox], { cwd: dir });
    expect(again.stdout).toBe("deployment.apps/web unchanged\n");
    writeFileSync(join(dir, "web.yaml"), DEPLOYMENT.replace("replicas: 2", "replicas: 3"));
    const changed = await runCli(["sandbox", "apply", "-f", "web.yaml", "--sandbox", sandbox], { cwd: dir });
    expect(changed.stdout).toBe("deployment.apps/web configured\n");
    const multi = await runCli(["sandbox", "apply", "-f", "more.yaml", "--sandbox", sandbox], { cwd: dir });
    expect(multi.stdout).toBe("service/web created\nconfigmap/settings created\n");
  });

  it("reads objects from standard input with -f - and finds the sandbox through VELA_TS_SANDBOX", async () => {
    const { dir, sandbox } = sandboxWith();
    const applied = await runCli(["sandbox", "apply", "-f", "-"], {
      cwd: dir,
      stdin: SERVICE_AND_CONFIG,
      env: { VELA_TS_SANDBOX: sandbox },
    });
    expect(applied.code).toBe(0);
    const listed = await runCli(["sandbox", "get", "cm", "--sandbox", sandbox], { cwd: dir });
    expect(listed.stdout.split("\n")[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(listed.stdout).toMatch(/^settings\s+1\s+0s$/m);
  });

  it("uses ./.vela-ts under the working directory by default", async () => {
    const { dir } = sandboxWith({ "web.yaml": DEPLOYMENT });
    await runCli(["sandbox", "apply", "-f", "web.yaml"], { cwd: dir });
    const listed = await runCli(["sandbox", "get", "deploy", "-o", "name", "--sandbox", join(dir, ".vela-ts")], {
      cwd: dir,
    });
    expect(listed.stdout).toBe("deployment.apps/web\n");
  });

  it("gets tables, single objects and Lists as kubectl does", async () => {
    const { dir, sandbox } = sandboxWith({ "web.yaml": DEPLOYMENT, "more.yaml": SERVICE_AND_CONFIG });
    const clock = new FakeClock("2026-01-01T00:00:00Z");
    await runCli(["sandbox", "apply", "-f", "web.yaml", "--sandbox", sandbox], { cwd: dir, clock });
    await runCli(["sandbox", "apply", "-f", "more.yaml", "--sandbox", sandbox], { cwd: dir, clock });
    clock.advanceSeconds(200);
    const table = await runCli(["sandbox", "get", "deployments", "--sandbox", sandbox], { cwd: dir, clock });
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(table.stdout).toMatch(/^web\s+\d+\/2\s+\d+\s+\d+\s+3m20s$/m);

    const wide = await runCli(["sandbox", "get", "deploy", "-o", "wide", "--sandbox", sandbox], { cwd: dir, clock });
    expect(wide.stdout).toMatch(/IMAGES/);
    expect(wide.stdout).toMatch(/demo:v1/);

    const all = await runCli(["sandbox", "get", "svc", "-A", "--sandbox", sandbox], { cwd: dir, clock });
    expect(all.stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+TYPE/);
    expect(all.stdout).toMatch(/^prod\s+web\s+ClusterIP/m);

    const one = await runCli(["sandbox", "get", "deploy", "web", "-o", "json", "--sandbox", sandbox], {
      cwd: dir,
      clock,
    });
    const object = JSON.parse(one.stdout) as {
      kind: string;
      metadata: { name: string; managedFields?: unknown; uid: string };
    };
    expect(object.kind).toBe("Deployment");
    expect(object.metadata.name).toBe("web");
    expect(object.metadata.uid).toBeTruthy();
    expect(object.metadata.managedFields).toBeUndefined();

    const list = await runCli(["sandbox", "get", "cm", "-l", "tier=front", "-o", "json", "--sandbox", sandbox], {
      cwd: dir,
      clock,
    });
    const parsed = JSON.parse(list.stdout) as { kind: string; items: { metadata: { name: string } }[] };
    expect(parsed.kind).toBe("List");
    expect(parsed.items.map((item) => item.metadata.name)).toEqual(["settings"]);

    const yaml = await runCli(["sandbox", "get", "svc", "web", "-n", "prod", "-o", "yaml", "--sandbox", sandbox], {
      cwd: dir,
      clock,
    });
    expect(yaml.stdout).toMatch(/^kind: Service$/m);
    expect(yaml.stdout).toMatch(/^ {2}namespace: prod$/m);
  });

  it("says when nothing is found, on stderr", async () => {
    const { dir, sandbox } = sandboxWith();
    const run = await runCli(["sandbox", "get", "pods", "--sandbox", sandbox], { cwd: dir });
    expect(run).toEqual({ code: 0, stdout: "", stderr: "No resources found in default namespace.\n" });
    const json = await runCli(["sandbox", "get", "pods", "-o", "json", "--sandbox", sandbox], { cwd: dir });
    expect(JSON.parse(json.stdout)).toEqual({ apiVersion: "v1", kind: "List", items: [] });
  });

  it("deletes an object and its dependents", async () => {
    const { dir, sandbox } = sandboxWith({ "more.yaml": SERVICE_AND_CONFIG });
    await runCli(["sandbox", "apply", "-f", "more.yaml", "--sandbox", sandbox], { cwd: dir });
    const deleted = await runCli(["sandbox", "delete", "svc", "web", "-n", "prod", "--sandbox", sandbox], { cwd: dir });
    expect(deleted).toEqual({ code: 0, stdout: 'service "web" deleted\n', stderr: "" });
    const again = await runCli(["sandbox", "delete", "svc", "web", "-n", "prod", "--sandbox", sandbox], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain('error[E_NOT_FOUND]: services "web" not found in namespace "prod"');
  });

  it("reset needs --yes and then empties the sandbox", async () => {
    const { dir, sandbox } = sandboxWith({ "more.yaml": SERVICE_AND_CONFIG });
    await runCli(["sandbox", "apply", "-f", "more.yaml", "--sandbox", sandbox], { cwd: dir });
    const refused = await runCli(["sandbox", "reset", "--sandbox", sandbox], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    const reset = await runCli(["sandbox", "reset", "--yes", "--sandbox", sandbox], { cwd: dir });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/reset: \d+ objects deleted\n$/);
    const listed = await runCli(["sandbox", "get", "cm", "-A", "-o", "json", "--sandbox", sandbox], { cwd: dir });
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items).toEqual([]);
  });
});

describe("vela-ts sandbox bad input", () => {
  it.each([
    { name: "no apiVersion", yaml: "kind: ConfigMap\nmetadata: {name: a}\n", message: "has no apiVersion", line: 1 },
    { name: "no kind", yaml: "apiVersion: v1\nmetadata: {name: a}\n", message: "has no kind", line: 1 },
    {
      name: "no name",
      yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n",
      message: "has no metadata.name",
      line: 3,
    },
    {
      name: "bad second document",
      yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n",
      message: "is not a valid name",
      line: 7,
    },
  ])("apply rejects an object with $name: exit 1, nothing written", async ({ yaml, message, line }) => {
    const { dir, sandbox } = sandboxWith({ "bad.yaml": yaml });
    const run = await runCli(["sandbox", "apply", "-f", "bad.yaml", "--sandbox", sandbox], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error[E_INVALID_OBJECT]");
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain(`bad.yaml:${line}:`);
    expect(run.stderr).toContain("hint:");
    const listed = await runCli(["sandbox", "get", "cm", "-o", "json", "--sandbox", sandbox], { cwd: dir });
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items).toEqual([]);
  });

  it.each([
    {
      name: "invalid label selector",
      argv: ["get", "pods", "-l", "app in (a"],
      code: "E_SELECTOR_INVALID",
      text: 'invalid label selector "app in (a"',
    },
    {
      name: "unknown resource",
      argv: ["get", "deploymnts"],
      code: "E_UNKNOWN_RESOURCE",
      text: 'did you mean "deployments"',
    },
    {
      name: "unknown resource on delete",
      argv: ["delete", "rolouts", "x"],
      code: "E_UNKNOWN_RESOURCE",
      text: 'did you mean "rollouts"',
    },
    {
      name: "missing object",
      argv: ["get", "deploy", "ghost"],
      code: "E_NOT_FOUND",
      text: 'deployments.apps "ghost" not found',
    },
    {
      name: "missing file",
      argv: ["apply", "-f", "nope.yaml"],
      code: "E_FILE_NOT_FOUND",
      text: "cannot read nope.yaml",
    },
  ])("$name: exit 1, stdout empty, clear message", async ({ argv, code, text }) => {
    const { dir, sandbox } = sandboxWith();
    const run = await runCli(["sandbox", ...argv, "--sandbox", sandbox], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`error[${code}]`);
    expect(run.stderr).toContain(text);
  });

  it("an apply conflicting with another field manager fails and suggests --force-conflicts", async () => {
    const { dir, sandbox } = sandboxWith({
      "web.yaml": DEPLOYMENT,
      "web3.yaml": DEPLOYMENT.replace("replicas: 2", "replicas: 3"),
    });
    await runCli(["sandbox", "apply", "-f", "web.yaml", "--field-manager", "team-a", "--sandbox", sandbox], {
      cwd: dir,
    });
    const run = await runCli(["sandbox", "apply", "-f", "web3.yaml", "--sandbox", sandbox], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('conflict with "team-a": .spec.replicas');
    expect(run.stderr).toContain("--force-conflicts");
    const forced = await runCli(["sandbox", "apply", "-f", "web3.yaml", "--force-conflicts", "--sandbox", sandbox], {
      cwd: dir,
    });
    expect(forced.stdout).toBe("deployment.apps/web configured\n");
  });

  it("rejects an unknown output format as a usage error", async () => {
    const { dir, sandbox } = sandboxWith();
    const run = await runCli(["sandbox", "get", "pods", "-o", "xml", "--sandbox", sandbox], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
  });
});
