/**
 * kubectl's kubeconfig conventions, against the sandbox served over HTTPS: `KUBECONFIG` (one file or
 * several, merged) selects the real cluster, `--context` picks a context, the context's namespace is
 * the default namespace and `-n` overrides it; the sandbox stays the target when nothing points at a
 * cluster, and `--sandbox`/`VELA_TS_SANDBOX`/`--cluster sandbox` keep a command on it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { openSandbox, type SandboxCluster } from "../../src/cluster/sandbox/index.js";
import { startSandboxServer, type SandboxServer } from "../../src/cluster/sandbox/server/index.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";

const APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: web
spec:
  components:
    - name: web
      type: webservice
      properties: {image: "nginx:1.25"}
`;

describe("kubeconfig conventions", () => {
  const clock = new FakeClock();
  const dir = tempDir("vela-ts-kubeconfig-");
  let sandbox: SandboxCluster;
  let server: SandboxServer;
  /** Context `team` (namespace team-a), current. */
  const team = join(dir, "team.yaml");
  /** Contexts `team` (team-a) and `other` (namespace other-ns), `other` current. */
  const both = join(dir, "both.yaml");
  /** Names only the current context (`team`): its cluster, user and context come from the next file. */
  const pointer = join(dir, "pointer.yaml");
  const app = join(dir, "app.yaml");

  beforeAll(async () => {
    sandbox = await openSandbox({ dir: join(dir, "sandbox"), clock });
    server = await startSandboxServer({ cluster: sandbox, clock, settleIntervalMs: 0 });
    writeFileSync(team, server.kubeconfig({ name: "team", namespace: "team-a" }));
    const config = parseYaml(server.kubeconfig({ name: "team", namespace: "team-a" })) as {
      contexts: { name: string; context: Record<string, string> }[];
      "current-context": string;
    };
    config.contexts.push({ name: "other", context: { cluster: "team", user: "team", namespace: "other-ns" } });
    config["current-context"] = "other";
    writeFileSync(both, stringify(config));
    writeFileSync(
      pointer,
      "apiVersion: v1\nkind: Config\ncurrent-context: team\nclusters: []\ncontexts: []\nusers: []\n",
    );
    writeFileSync(app, APP);
  });
  afterAll(async () => {
    await server.close();
    sandbox.close();
  });

  /** Runs the CLI in an empty folder with only the given environment (no HOME kubeconfig). */
  const vela = (argv: readonly string[], env: Record<string, string> = {}) =>
    runCli(argv, { cwd: tempDir(), env: { HOME: tempDir(), ...env }, clock });

  it("KUBECONFIG alone selects the real cluster; the context's namespace is where an app without one goes", async () => {
    const up = await vela(["up", "-f", app], { KUBECONFIG: team });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`Application team-a/web created (cluster team at ${server.url})`);
    expect(
      (await sandbox.get({ apiVersion: "core.oam.dev/v1beta1", kind: "Application", name: "web", namespace: "team-a" }))
        ?.metadata.name,
    ).toBe("web");
  });

  it("read commands use the context's namespace; -n overrides it", async () => {
    const listed = await vela(["ls", "-o", "name"], { KUBECONFIG: team });
    expect(listed).toEqual({ code: 0, stdout: "application.core.oam.dev/web\n", stderr: "" });
    const status = await vela(["status", "web", "-o", "jsonpath={.metadata.namespace}"], { KUBECONFIG: team });
    expect(status).toMatchObject({ code: 0, stdout: "team-a" });
    const elsewhere = await vela(["ls", "-n", "default"], { KUBECONFIG: team });
    expect(elsewhere).toEqual({ code: 0, stdout: "", stderr: "No applications found in default namespace.\n" });
    expect((await vela(["status", "web", "-n", "default"], { KUBECONFIG: team })).stderr).toContain(
      'hint: it exists in namespace "team-a"; add -n team-a',
    );
  });

  it("--context picks another context of the kubeconfig, and its namespace", async () => {
    expect((await vela(["ls"], { KUBECONFIG: both })).stderr).toBe("No applications found in other-ns namespace.\n");
    expect((await vela(["ls", "-o", "name", "--context", "team"], { KUBECONFIG: both })).stdout).toBe(
      "application.core.oam.dev/web\n",
    );
    const unknown = await vela(["ls", "--context", "tem"], { KUBECONFIG: both });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('hint: did you mean "team"?');
  });

  it("several KUBECONFIG files are merged: the first current-context wins, names come from any file", async () => {
    const listed = await vela(["ls", "-o", "name"], { KUBECONFIG: `${pointer}:${both}` });
    expect(listed).toEqual({ code: 0, stdout: "application.core.oam.dev/web\n", stderr: "" });
  });

  it("--kubeconfig wins over KUBECONFIG", async () => {
    const listed = await vela(["ls", "--kubeconfig", team, "-o", "name"], { KUBECONFIG: join(dir, "missing.yaml") });
    expect(listed.stdout).toBe("application.core.oam.dev/web\n");
  });

  it.each([
    { name: "VELA_TS_SANDBOX", argv: [] as string[], env: { VELA_TS_SANDBOX: "SANDBOX" } },
    { name: "--sandbox", argv: ["--sandbox", "SANDBOX"], env: {} },
    { name: "--cluster sandbox", argv: ["--cluster", "sandbox"], env: {} },
  ])("$name keeps a command on the sandbox even with KUBECONFIG set", async ({ argv, env }) => {
    const other = join(tempDir(), "sb");
    const up = await vela(["up", "-f", app, ...argv.map((word) => word.replace("SANDBOX", other))], {
      KUBECONFIG: team,
      ...Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value.replace("SANDBOX", other)])),
    });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain("Application default/web created (sandbox");
  });

  it("without KUBECONFIG, ~/.kube/config alone does not take a command off the sandbox", async () => {
    const home = tempDir();
    mkdirSync(join(home, ".kube"));
    writeFileSync(join(home, ".kube", "config"), server.kubeconfig({ name: "team", namespace: "team-a" }));
    const cwd = tempDir();
    const up = await runCli(["up", "-f", app], { cwd, env: { HOME: home }, clock });
    expect(up.stdout).toContain("Application default/web created (sandbox ./.vela-ts)");
    const real = await runCli(["ls", "--cluster", "kube", "-o", "name"], { cwd, env: { HOME: home }, clock });
    expect(real.stdout).toBe("application.core.oam.dev/web\n");
  });

  it("--sandbox with --kubeconfig is a usage error", async () => {
    const run = await vela(["ls", "--sandbox", join(dir, "x"), "--kubeconfig", team]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--sandbox cannot be combined with --kubeconfig");
  });
});
