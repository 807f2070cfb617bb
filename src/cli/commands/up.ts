import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { DriveResult } from "../../controller/drive.js";
import { NotFoundError, UsageError } from "../../errors/index.js";
import { parseDuration } from "../../util/duration.js";
import type { CommandEnv } from "../command.js";
import { EXIT_CODES } from "../report.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";
import { describeDrive } from "./drive-report.js";

interface UpFlags extends TargetFlags {
  readonly file: string;
  readonly wait?: boolean;
  readonly timeout?: string;
  readonly namespace?: string;
  readonly publishVersion?: string;
  readonly revisionLimit?: string;
}

/** Reads `-f FILE` or stdin (`-f -`), naming stdin `<stdin>` in errors. */
export async function readInput(
  file: string,
  env: CommandEnv,
): Promise<{ readonly text: string; readonly file: string }> {
  if (file === "-") return { text: await env.ctx.readStdin(), file: "<stdin>" };
  try {
    return { text: await readFile(resolve(env.ctx.cwd, file), "utf8"), file };
  } catch (error) {
    throw new NotFoundError(
      "E_FILE_NOT_FOUND",
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error)}`,
      {
        hint: "give the path of an Application YAML file, or - to read standard input",
      },
    );
  }
}

/** The exit code of a drive: a failed or terminated workflow is 3, `--timeout` passed 5, anything else 0. */
export function exitCodeOfDrive(drive: DriveResult): number {
  if (drive.stop === "failed") return EXIT_CODES.workflow;
  return drive.stop === "timeout" ? EXIT_CODES.timeout : EXIT_CODES.ok;
}

/** `vela-ts up -f app.yaml [--wait] [--timeout D]`. */
export function registerUp(program: Command, env: CommandEnv): void {
  addTargetFlags(
    program
      .command("up")
      .description("create or update an Application and run its workflow (on the sandbox unless --kubeconfig is given)")
      .requiredOption("-f, --file <file>", "Application YAML (one or more documents), or - for standard input")
      .option(
        "--wait",
        "wait through timed steps and readiness until the workflow finishes, fails, or waits for a person",
      )
      .option(
        "--timeout <duration>",
        "with --wait: stop waiting after this long (e.g. 5m; exit 5, the release goes on)",
      )
      .option("-n, --namespace <ns>", "namespace for applications that do not name one", "default")
      .option("--publish-version <version>", "set app.oam.dev/publishVersion (pins the release)")
      .option("--revision-limit <n>", "revisions to keep besides the latest", "10"),
  ).action(async (flags: UpFlags) => {
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
    if (flags.timeout !== undefined && timeoutMs === undefined)
      throw new UsageError(`--timeout ${flags.timeout} is not a duration`, {
        hint: "use Go durations such as 30s, 5m, 1h",
      });
    const revisionLimit = Number(flags.revisionLimit ?? "10");
    if (!Number.isInteger(revisionLimit) || revisionLimit < 1)
      throw new UsageError(`--revision-limit must be a whole number ≥ 1, got ${flags.revisionLimit ?? ""}`);
    const input = await readInput(flags.file, env);
    // Loaded on use, so `vela-ts --version` and `--help` stay fast.
    const { up } = await import("../../controller/up.js");
    const result = await up({
      ...targetOptions(flags, env.ctx, "vela-ts up"),
      ...input,
      wait: flags.wait === true,
      sleep: env.ctx.sleep,
      revisionLimit,
      progress: (line) => env.ctx.stderr.write(`${line}\n`),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      ...(flags.publishVersion === undefined ? {} : { publishVersion: flags.publishVersion }),
    });
    let code: number = EXIT_CODES.ok;
    for (const app of result.applications) {
      env.ctx.stdout.write(
        `Application ${app.namespace}/${app.name} ${app.created ? "created" : "configured"} (${result.target}).\n`,
      );
      env.ctx.stdout.write(describeDrive(app.name, app.drive, env.ctx.clock.now()));
      code = Math.max(code, exitCodeOfDrive(app.drive));
    }
    env.setExitCode(code);
  });
}
