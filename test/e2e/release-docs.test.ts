/**
 * The examples of `docs/workflow.md` work as written: every fenced block whose info string is
 * `sh tested` runs, command by command, in-process on a fresh sandbox (fake clock, cwd = the project
 * root), and each command exits 0 unless its line ends in `# exit N`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/shared.js";
import { storyAt, storySandbox } from "../support/story.js";

interface DocCommand {
  readonly line: number;
  readonly argv: readonly string[];
  readonly exit: number;
}

interface DocBlock {
  readonly name: string;
  readonly commands: readonly DocCommand[];
}

/** Splits a command line into words: single and double quotes, no expansion. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  let started = false;
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started) words.push(current);
      current = "";
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote !== undefined) throw new Error(`unclosed ${quote} in: ${text}`);
  if (started) words.push(current);
  return words;
}

function docBlocks(file: string): DocBlock[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: DocBlock[] = [];
  let commands: DocCommand[] | undefined;
  let heading = "";
  lines.forEach((text, index) => {
    if (text.startsWith("#") && commands === undefined) heading = text.replace(/^#+\s*/, "");
    if (text.trim() === "```sh tested") {
      commands = [];
      return;
    }
    if (commands !== undefined && text.trim() === "```") {
      blocks.push({ name: `${heading} (line ${index + 1 - commands.length})`, commands });
      commands = undefined;
      return;
    }
    if (commands === undefined || text.trim() === "") return;
    const [command = "", comment = ""] = text.split(/\s+#\s*/, 2);
    const words = shellWords(command);
    if (words[0] !== "vela-ts")
      throw new Error(`docs/workflow.md:${index + 1}: a tested block holds only vela-ts commands, got: ${text}`);
    const exit = /^exit (\d+)/.exec(comment);
    commands.push({ line: index + 1, argv: words.slice(1), exit: exit === null ? 0 : Number(exit[1]) });
  });
  return blocks;
}

const BLOCKS = docBlocks(join(PROJECT_ROOT, "docs", "workflow.md"));

describe("docs/workflow.md examples run as written", () => {
  it("the guide has tested examples", () => {
    expect(BLOCKS.length).toBeGreaterThanOrEqual(4);
  });

  it.each([
    { name: "plain words", text: "vela-ts up -f a.yaml", want: ["vela-ts", "up", "-f", "a.yaml"] },
    {
      name: "a quoted header",
      text: "vela-ts sandbox request -H 'user-agent: android'",
      want: ["vela-ts", "sandbox", "request", "-H", "user-agent: android"],
    },
    { name: "double quotes", text: 'x "a b" c', want: ["x", "a b", "c"] },
  ])("shellWords: $name", ({ text, want }) => {
    expect(shellWords(text)).toEqual(want);
  });

  it.each(BLOCKS)("$name", async ({ commands }) => {
    const fresh = await storySandbox({ charts: false });
    const story = storyAt(PROJECT_ROOT, fresh.dir, fresh.clock);
    for (const command of commands) {
      const run = await story.vela(command.argv);
      expect(
        run.code,
        `docs/workflow.md:${command.line}: vela-ts ${command.argv.join(" ")}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
      ).toBe(command.exit);
    }
  });
});
