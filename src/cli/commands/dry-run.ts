import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { dryRun, type DryRunResult } from "../../controller/index.js";
import { NotFoundError } from "../../errors/index.js";
import type { CommandEnv } from "../command.js";
import type { CliContext } from "../context.js";
import { parseOutputFormat, printObjects } from "../output.js";

interface DryRunFlags {
  readonly file: string;
  readonly definitions: string[];
  readonly output?: string;
}

/** Reads `-f FILE` (relative to the working directory) or standard input for `-f -`. */
export async function readInputFile(ctx: CliContext, file: string): Promise<{ readonly text: string; readonly name: string }> {
  if (file === "-") return { text: await ctx.readStdin(), name: "<stdin>" };
  const path = resolve(ctx.cwd, file);
  if (!existsSync(path)) throw new NotFoundError("E_FILE_NOT_FOUND", `file ${file} does not exist`, { hint: "check the path given to -f" });
  return { text: readFileSync(path, "utf8"), name: file };
}

/** Collects a repeatable option into a list. */
export function collectOption(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function printYamlGroups(ctx: CliContext, result: DryRunResult): void {
  const text = result.groups
    .map((group) => {
      const header = `---\n# Application(${group.application}) -- Component(${group.component})\n---\n`;
      return header + group.objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
    })
    .join("");
  ctx.stdout.write(text);
}

/** `vela-ts dry-run -f FILE|- [--definitions DIR]... [-o yaml|json]`: print every object the app renders. */
export function registerDryRun(program: Command, env: CommandEnv): void {
  program
    .command("dry-run")
    .description("Render an Application to the Kubernetes objects it would apply, without a cluster")
    .requiredOption("-f, --file <file>", "Application YAML file, or - for standard input")
    .option("--definitions <dir>", "extra definitions folder (repeatable; overrides bundled ones by name)", collectOption, [])
    .option("-o, --output <format>", "yaml (a stream with a header per component) or json (a List)")
    .action(async (flags: DryRunFlags) => {
      const { ctx } = env;
      const format = parseOutputFormat(flags.output);
      const input = await readInputFile(ctx, flags.file);
      const result = dryRun({ text: input.text, file: input.name, definitionDirs: flags.definitions, cwd: ctx.cwd });
      for (const warning of result.warnings) ctx.stderr.write(`warning: ${warning.message}\n`);
      if (format === "json") printObjects(ctx.stdout, result.objects, "json");
      else printYamlGroups(ctx, result);
    });
}
