import type { Command } from "commander";

/** One example of a command: what it does, and the command line (it must run as written on a sandbox). */
export type Example = readonly [description: string, commandLine: string];

/**
 * Adds an `Examples:` section to a command's `--help`, kubectl's layout: a `#` comment, then the
 * command line. A test runs every one of them on a sandbox (`test/cli/help-examples.test.ts`).
 */
export function examples(command: Command, list: readonly Example[]): Command {
  const text = list.map(([description, line]) => `  # ${description}\n  ${line}`).join("\n\n");
  return command.addHelpText("after", `\nExamples:\n${text}\n`);
}
