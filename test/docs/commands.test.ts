/**
 * The examples of `docs/commands.md` run as written: each fenced block whose info string is
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

interface DocCommand {
  readonly line: number;
  readonly argv: readonly string[];
  readonly exit: number;
}

function testedBlocks(file: string): { readonly name: string; readonly commands: readonly DocCommand[] }[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: { name: string; commands: DocCommand[] }[] = [];
  let current: DocCommand[] | undefined;
  lines.forEach((text, index) => {
    if (text.trim() === "```sh tested") current = [];
    else if (current !== undefined && text.trim() === "```") {
      blocks.push({ name: `docs/commands.md:${index + 1 - current.length}`, commands: current });
      current = undefined;
    } else if (current !== undefined && text.trim() !== "") {
      const [command = "", comment = ""] = text.split(/\s+#\s*/, 2);
      const words = splitCommandLine(command);
      expect(words[0], `docs/commands.md:${index + 1}`).toBe("vela-ts");
      const exit = /^exit (\d+)/.exec(comment);
      current.push({ line: index + 1, argv: words.slice(1), exit: exit === null ? 0 : Number(exit[1]) });
    }
  });
  return blocks;
}

const BLOCKS = testedBlocks(join(PROJECT_ROOT, "docs", "commands.md"));

describe("docs/commands.md examples run as written", () => {
  it("has tested examples", () => {
    expect(BLOCKS.length).toBeGreaterThanOrEqual(1);
  });

  it.each(BLOCKS)("$name", async ({ commands }) => {
    const env = { VELA_TS_SANDBOX: join(tempDir("vela-ts-docs-"), "sb") };
    const clock = new FakeClock();
    for (const command of commands) {
      const run = await runCli(command.argv, { cwd: PROJECT_ROOT, env, clock });
      const where = `docs/commands.md:${command.line}: vela-ts ${command.argv.join(" ")}\n${run.stderr}`;
      expect(run.code, where).toBe(command.exit);
      expect(run.stdout + run.stderr, where).not.toBe("");
    }
  });
});
