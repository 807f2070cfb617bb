import { Command, CommanderError, type OutputConfiguration } from "commander";
import type { CliContext } from "./context.js";
import type { CommandEnv } from "./command.js";
import { exitCodeOf, formatError, EXIT_CODES } from "./report.js";
import { COMMANDS } from "./commands/index.js";
import { VERSION } from "./version.js";
import { complete, formatCompletion } from "./completion/complete.js";
import { progressDisplay } from "./terminal/progress.js";
import { styleFor } from "./terminal/style.js";

/** The hidden command shell completion scripts run: `vela-ts __complete WORDS… CURRENT`. */
export const COMPLETE_COMMAND = "__complete";

/**
 * commander's usage errors in the shape of every other error (`error[E_USAGE]: …` and a hint), its
 * "Did you mean" suggestion (closest command or flag) in the hint.
 */
export function formatUsageError(text: string): string {
  const lines = text.trim().split("\n");
  const message = (lines[0] ?? "").replace(/^error: /, "");
  const suggestion = /^\(Did you mean (.*)\?\)$/.exec(lines[1] ?? "")?.[1];
  const hint =
    suggestion === undefined ? "run with --help for usage" : `did you mean ${suggestion}? (run with --help for usage)`;
  return `error[E_USAGE]: ${message}\n  hint: ${hint}\n`;
}

function outputOf(ctx: CliContext): OutputConfiguration {
  return {
    writeOut: (text) => ctx.stdout.write(text),
    writeErr: (text) => ctx.stderr.write(text),
    outputError: (text, write) => write(formatUsageError(text)),
  };
}

/** Builds the commander program with every command registered against one CommandEnv. */
export function buildProgram(env: CommandEnv): Command {
  const program = new Command("vela-ts")
    .description(
      "Render, release and progressively deliver KubeVela Applications on Kubernetes or the embedded sandbox",
    )
    .version(VERSION, "--version", "print the vela-ts version")
    .option("--no-color", "no colours (also: NO_COLOR set, or output that is not a terminal)")
    .exitOverride()
    .configureOutput(outputOf(env.ctx));
  for (const register of COMMANDS) register(program, env);
  return program;
}

/**
 * Runs one command line in-process and returns the exit code (STYLE §6). E2E tests call this
 * with a test context; `bin.ts` calls it with the real one.
 */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  const options = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  const noColor = options.includes("--no-color");
  const stderrStyle = styleFor(ctx.stderr, ctx.env, noColor);
  const env: CommandEnv = {
    ctx,
    setExitCode(code) {
      exitCode = code;
    },
    stdoutStyle: styleFor(ctx.stdout, ctx.env, noColor),
    stderrStyle,
    progress: () => progressDisplay(ctx.stderr, ctx.clock, stderrStyle),
  };
  const program = buildProgram(env);
  // The hidden command the completion scripts call (cobra's protocol); never an error, never a prompt.
  if (argv[0] === COMPLETE_COMMAND) {
    ctx.stdout.write(formatCompletion(await complete(program, argv.slice(1), ctx)));
    return EXIT_CODES.ok;
  }
  program.commands.forEach(function applyOverrides(command: Command): void {
    command.exitOverride().configureOutput(outputOf(ctx));
    command.commands.forEach(applyOverrides);
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      ) {
        return EXIT_CODES.ok;
      }
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    ctx.stderr.write(formatError(error));
    return exitCodeOf(error);
  }
}
