/**
 * `--wait` sleeps without the sandbox lock (the built binary, real clock, one process per
 * command): while `up --wait` waits through a timed suspend step, `status`, `workflow suspend` and
 * `workflow resume` from another shell work at once, and the waiting command then finishes the
 * release. Needs `npm run build` (which `npm test` runs first).
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import { runVela, spawnVela, whenStderr } from "../support/story.js";
import { PROJECT_ROOT } from "../support/shared.js";

const BUILT = existsSync(join(PROJECT_ROOT, "dist", "cli", "bin.js"));

const SOAK = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: soak
spec:
  components:
    - name: soak
      type: k8s-objects
      properties:
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: soak-config}
            data: {release: "1"}
  workflow:
    steps:
      - name: deploy
        type: apply-component
        properties: {component: soak}
      - name: soak
        type: suspend
        properties: {duration: 12s}
      - name: after
        type: apply-component
        properties: {component: soak}
`;

describe.skipIf(!BUILT)("the sandbox lock during up --wait", () => {
  it("status, workflow suspend and workflow resume from another shell work while up --wait sleeps", async () => {
    const cwd = tempDir("vela-ts-lock-wait-");
    const dir = join(cwd, "sandbox");
    writeFileSync(join(cwd, "soak.yaml"), SOAK);
    // --realtime: the wait sleeps on the wall clock (by default the sandbox skips its simulated time past it).
    const waiting = spawnVela(["up", "-f", "soak.yaml", "--wait", "--realtime", "--sandbox", dir], { cwd });
    let ended = false;
    void waiting.done.then(() => (ended = true));
    await whenStderr(waiting, (stderr) => /waiting \d+s/.test(stderr));

    const other = (argv: readonly string[]) => runVela([...argv, "--sandbox", dir], { cwd });
    const status = await other(["status", "soak"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("soak");
    const suspend = await other(["workflow", "suspend", "soak"]);
    expect(suspend.code, suspend.stderr).toBe(0);
    expect(suspend.stderr).not.toContain("E_SANDBOX_LOCKED");
    const resume = await other(["workflow", "resume", "soak"]);
    expect(resume.code, resume.stderr).toBe(0);
    // All of it happened while the first command was still waiting.
    expect(ended).toBe(false);

    const result = await waiting.done;
    expect(result.code, result.stderr).toBe(0);
    const after = await other(["status", "soak", "-o", "json"]);
    const app = JSON.parse(after.stdout) as { status?: { status?: string; workflow?: { status?: string } } };
    expect(app.status?.workflow?.status).toBe("succeeded");
    expect(app.status?.status).toBe("running");
  }, 120_000);
});
