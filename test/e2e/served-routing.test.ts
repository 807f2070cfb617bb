/**
 * Commands on a served sandbox (docs/real-clusters.md, "Serving the sandbox"): while
 * `vela-ts sandbox serve` holds a sandbox, `up`, `status` and `workflow …` on the same sandbox go
 * through its Kubernetes API instead of waiting for its lock; once the server stops — or is killed,
 * leaving its record behind — they open the sandbox directly again. The built binary, one process per
 * command. Needs `npm run build` (which `npm test` runs first).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import { runVela, spawnVela, type VelaProcess } from "../support/story.js";
import { PROJECT_ROOT } from "../support/shared.js";

const BUILT = existsSync(join(PROJECT_ROOT, "dist", "cli", "bin.js"));
const GOING_THROUGH = /served by vela-ts sandbox serve \(pid \d+\): going through https:\/\/127\.0\.0\.1:\d+/;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function serve(cwd: string, dir: string): Promise<VelaProcess> {
  const server = spawnVela(["sandbox", "serve", "--sandbox", dir], { cwd });
  await until(() => existsSync(join(dir, "served.json")) || server.child.exitCode !== null, "sandbox serve");
  expect(server.child.exitCode, server.stderr()).toBeNull();
  return server;
}

describe.skipIf(!BUILT)("vela-ts commands on a served sandbox", () => {
  it("go through the server while it runs, and open the sandbox directly once it stopped", async () => {
    const cwd = tempDir("vela-ts-served-routing-");
    const dir = join(cwd, "sandbox");
    const example = readFileSync(join(PROJECT_ROOT, "examples/apps/soak.yaml"), "utf8");
    writeFileSync(join(cwd, "soak.yaml"), example);
    const vela = (argv: readonly string[]) => runVela([...argv, "--sandbox", dir], { cwd });

    const server = await serve(cwd, dir);
    const up = await vela(["up", "-f", "soak.yaml"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(GOING_THROUGH);
    expect(up.stdout).toContain("step soak [suspend]: suspending");
    const resume = await vela(["workflow", "resume", "soak", "--wait"]);
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.stderr).toMatch(GOING_THROUGH);
    const status = await vela(["status", "soak", "-o", "json"]);
    expect(status.code, status.stderr).toBe(0);
    const app = JSON.parse(status.stdout) as { status?: { workflow?: { status?: string } } };
    expect(app.status?.workflow?.status).toBe("succeeded");

    server.child.kill("SIGTERM");
    await server.done;
    expect(existsSync(join(dir, "served.json"))).toBe(false);
    const direct = await vela(["status", "soak"]);
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stderr).not.toMatch(GOING_THROUGH);
    expect(direct.stdout).toContain("soak");
  }, 180_000);

  it("a killed server's record is ignored: the next command opens the sandbox itself", async () => {
    const cwd = tempDir("vela-ts-served-killed-");
    const dir = join(cwd, "sandbox");
    const server = await serve(cwd, dir);
    server.child.kill("SIGKILL");
    await server.done;
    expect(existsSync(join(dir, "served.json"))).toBe(true);
    const ls = await runVela(["ls", "--sandbox", dir], { cwd });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stderr).not.toMatch(GOING_THROUGH);
  }, 120_000);
});
