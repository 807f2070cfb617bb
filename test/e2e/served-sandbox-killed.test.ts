/**
 * `up --kubeconfig` against `vela-ts sandbox serve` standing in for a real cluster, with the server
 * SIGKILLed in the middle of the release (the built binary, real clock): the command ends with exit 4
 * naming the cluster, never an internal error; once the server is back, running `up` again finishes
 * the release with one revision. Needs `npm run build` (which `npm test` runs first).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import { spawnVela, runVela, whenStderr, type VelaProcess } from "../support/story.js";
import { PROJECT_ROOT } from "../support/shared.js";

const BUILT = existsSync(join(PROJECT_ROOT, "dist", "cli", "bin.js"));

const APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: served
spec:
  components:
    - name: served
      type: webservice
      properties:
        image: nginx:1.25
        ports: [{port: 80, expose: true}]
      traits:
        - type: scaler
          properties: {replicas: 3}
`;

async function serve(cwd: string, dir: string): Promise<{ readonly server: VelaProcess; readonly kubeconfig: string }> {
  const kubeconfig = join(cwd, "served.kubeconfig");
  const server = spawnVela(["sandbox", "serve", "--sandbox", dir, "--kubeconfig-out", kubeconfig], { cwd });
  await whenStderr(server, (stderr) => stderr.includes("Serving sandbox"));
  return { server, kubeconfig };
}

describe.skipIf(!BUILT)("the served sandbox killed in the middle of up --kubeconfig", () => {
  it("exit 4 naming the cluster each time, then a re-run finishes the release", async () => {
    const cwd = tempDir("vela-ts-served-kill-");
    const dir = join(cwd, "sandbox");
    writeFileSync(join(cwd, "app.yaml"), APP);
    const codes: number[] = [];
    for (const delay of [150, 600, 1500]) {
      const { server, kubeconfig } = await serve(cwd, dir);
      const up = spawnVela(["up", "-f", "app.yaml", "--wait", "--kubeconfig", kubeconfig], { cwd });
      await new Promise((resolve) => setTimeout(resolve, delay));
      server.child.kill("SIGKILL");
      await server.done;
      const run = await up.done;
      codes.push(run.code);
      expect([0, 4], `killed after ${delay} ms: ${run.stderr}`).toContain(run.code);
      expect(run.stderr).not.toMatch(/E_INTERNAL|\n\s+at /);
      if (run.code === 4)
        expect(run.stderr).toMatch(
          /error\[E_CLUSTER_(UNREACHABLE|RESPONSE)\]: .*cluster at https:\/\/127\.0\.0\.1:\d+/,
        );
    }
    const { server, kubeconfig } = await serve(cwd, dir);
    try {
      const again = await runVela(["up", "-f", "app.yaml", "--wait", "--kubeconfig", kubeconfig], { cwd });
      expect(again.code, again.stderr).toBe(0);
      const revisions = await runVela(["revision", "list", "served", "-o", "json", "--kubeconfig", kubeconfig], {
        cwd,
      });
      expect(revisions.code, revisions.stderr).toBe(0);
      expect(readFileSync(kubeconfig, "utf8")).toContain("server: https://127.0.0.1:");
      expect(revisions.stdout.match(/served-v\d+/g)?.filter((name, index, all) => all.indexOf(name) === index)).toEqual(
        ["served-v1"],
      );
    } finally {
      server.child.kill("SIGTERM");
      await server.done;
    }
    expect(codes.some((code) => code === 4)).toBe(true);
  }, 180_000);
});
