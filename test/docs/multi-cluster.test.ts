/**
 * The example of `docs/multi-cluster.md` runs as written: each fenced block whose info string is
 * `sh tested` runs command by command, in-process on a fresh sandbox (fake clock, cwd = the project
 * root); each command exits 0 unless its line ends in `# exit N`, and prints something.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/util/clock.js";
import { runCli, tempDir } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";
import { splitCommandLine } from "../support/shell-words.js";

const DOC = join(PROJECT_ROOT, "docs", "multi-cluster.md");

function testedCommands(): { line: number; argv: string[]; exit: number }[] {
  const commands: { line: number; argv: string[]; exit: number }[] = [];
  let inside = false;
  readFileSync(DOC, "utf8")
    .split("\n")
    .forEach((text, index) => {
      if (text.trim() === "```sh tested") inside = true;
      else if (inside && text.trim() === "```") inside = false;
      else if (inside && text.trim() !== "") {
        const [command = "", comment = ""] = text.split(/\s+#\s*/, 2);
        const words = splitCommandLine(command);
        expect(words[0], `docs/multi-cluster.md:${index + 1}`).toBe("vela-ts");
        const exit = /^exit (\d+)/.exec(comment);
        commands.push({ line: index + 1, argv: words.slice(1), exit: exit === null ? 0 : Number(exit[1]) });
      }
    });
  return commands;
}

describe("docs/multi-cluster.md", () => {
  it("its example runs as written, and the app reaches both member clusters", async () => {
    const commands = testedCommands();
    expect(commands.length).toBeGreaterThanOrEqual(5);
    const sandbox = join(tempDir("vela-ts-docs-"), "sb");
    const env = { VELA_TS_SANDBOX: sandbox };
    const clock = new FakeClock();
    const outputs: string[] = [];
    for (const command of commands) {
      const run = await runCli(command.argv, { cwd: PROJECT_ROOT, env, clock });
      const where = `docs/multi-cluster.md:${command.line}: vela-ts ${command.argv.join(" ")}\n${run.stderr}`;
      expect(run.code, where).toBe(command.exit);
      expect(run.stdout + run.stderr, where).not.toBe("");
      outputs.push(run.stdout);
    }
    const dryRun = outputs[commands.findIndex((command) => command.argv[0] === "dry-run")] ?? "";
    expect(dryRun).toContain("-- Placement(cluster prod, namespace prod, topology prod-env)");
    expect(dryRun).not.toContain("cluster test");
    expect(dryRun).toContain("replicas: 3");
    const status = outputs[commands.findIndex((command) => command.argv[0] === "status")] ?? "";
    expect(status).toMatch(/Cluster: test\n\s+Namespace: test/);
    expect(status).toMatch(/Cluster: prod\n\s+Namespace: prod[\s\S]*?Ready:3\/3/);
    const deleted = outputs[commands.findIndex((command) => command.argv[0] === "delete")] ?? "";
    expect(deleted).toContain("Deployment/prod/web in cluster prod deleted");
    expect(deleted).toContain("Deployment/test/web in cluster test deleted");
  });

  it("is linked from the README", () => {
    expect(readFileSync(join(PROJECT_ROOT, "README.md"), "utf8")).toContain("(docs/multi-cluster.md)");
  });
});
