import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/** The `npx vela-ts …` lines of a README section's shell block, comments stripped. */
function commandsOf(section: string): string[][] {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`## ${section}`);
  expect(start, `README has a "${section}" section`).toBeGreaterThanOrEqual(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter((line) => line.startsWith("npx vela-ts "))
    .map((line) => line.slice("npx vela-ts ".length).split(/\s+/));
}

describe("README examples run as written", () => {
  it("the canary story, step by step", async () => {
    const commands = commandsOf("The canary story, step by step");
    expect(commands.length).toBeGreaterThanOrEqual(8);
    const env = { VELA_TS_SANDBOX: tempDir("vela-ts-readme-") };
    const clock = new FakeClock();
    for (const argv of commands) {
      const run = await runCli(argv, { cwd: PROJECT_ROOT, env, clock });
      expect({ argv: argv.join(" "), code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({
        argv: argv.join(" "),
        code: 0,
        stderr: "",
      });
    }
    const request = await runCli(
      ["sandbox", "request", "--host", "demo.example.com", "--path", "/version", "--count", "1000", "-o", "json"],
      { cwd: PROJECT_ROOT, env, clock },
    );
    const shares = JSON.parse(request.stdout) as { byImage: Record<string, number> };
    // The block ends with the rollback: every request is back on v1.
    expect(shares.byImage).toEqual({ "ghcr.io/vela-ts/demo-app:v1": 1000 });
  });

  it("the other commands (all but the long-running sandbox serve)", async () => {
    const env = { VELA_TS_SANDBOX: tempDir("vela-ts-readme-") };
    for (const argv of commandsOf("Other commands").filter(
      (command) => !(command[0] === "sandbox" && command[1] === "serve"),
    )) {
      const run = await runCli(argv, { cwd: PROJECT_ROOT, env });
      expect({ argv: argv.join(" "), code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({
        argv: argv.join(" "),
        code: 0,
        stderr: "",
      });
    }
  });
});
