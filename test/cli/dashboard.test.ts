/**
 * `vela-ts dashboard` as a command: prints the URL with its token on stdout, serves until SIGINT,
 * warns when it listens beyond loopback, and rejects a bad --port as a usage error.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/** The command serves the built page (`npm run build` makes dist/web). */
const BUILT = existsSync(join(PROJECT_ROOT, "dist", "web", "index.html"));

/** Runs `vela-ts dashboard …` in-process until the URL is printed, then hands it over. */
function startCommand(argv: readonly string[]): {
  url: Promise<string>;
  exit: Promise<number>;
  stderr: () => string;
} {
  let stdout = "";
  let stderr = "";
  let resolveUrl: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  const cwd = tempDir("vela-ts-dashboard-cli-");
  mkdirSync(join(cwd, "sandbox"));
  const ctx: CliContext = {
    cwd,
    env: {},
    readStdin: () => Promise.resolve(""),
    stdout: {
      write: (text) => {
        stdout += text;
        const found = /^(http:\/\/\S+)$/m.exec(stdout);
        if (found?.[1] !== undefined) resolveUrl(found[1]);
      },
    },
    stderr: { write: (text) => void (stderr += text) },
    clock: new FakeClock(),
    sleep: () => Promise.resolve(),
  };
  const exit = main(["dashboard", "--sandbox", join(cwd, "sandbox"), ...argv], ctx);
  return { url, exit, stderr: () => stderr };
}

describe.skipIf(!BUILT)(`vela-ts dashboard ${BUILT ? "" : "(skipped: dist/web missing, run npm run build)"}`, () => {
  it("prints its URL with a token, serves the page until SIGINT, then exits 0", async () => {
    const command = startCommand([]);
    const url = await command.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    const page = await fetch(url, { redirect: "manual" });
    expect(page.status).toBe(303);
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const session = await fetch(new URL("/api/session", url), { headers: { Cookie: cookie } });
    expect(session.status).toBe(200);
    const info = (await session.json()) as { targetKind: string; target: string };
    expect(info.targetKind).toBe("sandbox");
    expect(info.target).toMatch(/^sandbox /);
    expect(command.stderr()).toContain("open the URL above");
    process.emit("SIGINT");
    expect(await command.exit).toBe(0);
    expect(command.stderr()).toContain("SIGINT: stopping the dashboard");
    await expect(fetch(url)).rejects.toThrow();
  });

  it("warns when it listens beyond this machine's loopback names", async () => {
    const command = startCommand(["--address", "127.0.0.2"]);
    const url = await command.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\//);
    expect(command.stderr()).toMatch(/warning: listening on 127\.0\.0\.2, not only on this machine/);
    process.emit("SIGTERM");
    expect(await command.exit).toBe(0);
  });

  it.each([
    { name: "a word", port: "abc" },
    { name: "a port too high", port: "70000" },
  ])("--port as $name is a usage error", async ({ port }) => {
    const run = await runCli(["dashboard", "--port", port], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--port must be a TCP port number");
  });

  it("a kubeconfig that names no cluster is reported at once (exit 1), not served as a banner", async () => {
    const cwd = tempDir();
    const run = await runCli(["dashboard", "--kubeconfig", join(cwd, "missing.yaml")], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("E_KUBECONFIG");
    expect(run.stdout).toBe("");
  });

  it("a port in use is a clear error", async () => {
    const first = startCommand([]);
    const port = new URL(await first.url).port;
    const second = await runCli(["dashboard", "--port", port, "--sandbox", join(tempDir(), "s")], { cwd: tempDir() });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("E_DASHBOARD_LISTEN");
    expect(second.stderr).toContain("pick another --port");
    process.emit("SIGINT");
    expect(await first.exit).toBe(0);
  });
});
