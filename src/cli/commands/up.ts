import type { Command } from "commander";
import type { DriveResult } from "../../reconciler/drive.js";
import { UsageError } from "../../errors/index.js";
import { parseDuration } from "../../util/duration.js";
import type { CommandEnv } from "../command.js";
import { readInputText } from "../input-file.js";
import { EXIT_CODES } from "../report.js";
import { examples } from "../help.js";
import { addNamespaceFlag, addTargetFlags, namespaceOf, targetOptions, type TargetFlags } from "../target-flags.js";
import { describeDrive } from "./drive-report.js";

interface UpFlags extends TargetFlags {
  readonly file: string;
  readonly wait?: boolean;
  readonly timeout?: string;
  readonly publishVersion?: string;
  readonly revisionLimit?: string;
}

/** Reads `-f FILE` or stdin (`-f -`), naming stdin `<stdin>` in errors. */
export async function readInput(
  file: string,
  env: CommandEnv,
): Promise<{ readonly text: string; readonly file: string }> {
  return readInputText(env.ctx, file, "give the path of an Application YAML file, or - to read standard input");
}

/** The exit code of a drive: a failed or terminated workflow is 3, `--timeout` passed 5, anything else 0. */
export function exitCodeOfDrive(drive: DriveResult): number {
  if (drive.stop === "failed") return EXIT_CODES.workflow;
  return drive.stop === "timeout" ? EXIT_CODES.timeout : EXIT_CODES.ok;
}

/** `vela-ts up -f app.yaml [--wait] [--timeout D]`. */
export function registerUp(program: Command, env: CommandEnv): void {
  const command = addNamespaceFlag(
    program
      .command("up")
      .description(
        "create or update an Application and run its workflow (on the sandbox unless a kubeconfig points at a cluster)",
      )
      .requiredOption("-f, --file <file>", "Application YAML (one or more documents), or - for standard input")
      .option(
        "--wait",
        "wait through timed steps and readiness until the workflow finishes, fails, or waits for a person",
      )
      .option(
        "--timeout <duration>",
        "with --wait: stop waiting after this long (e.g. 5m; exit 5, the release goes on)",
      )
      .option("--publish-version <version>", "set app.oam.dev/publishVersion (pins the release)")
      .option("--revision-limit <n>", "revisions to keep besides the latest", "10"),
    "namespace for applications that do not name one",
  );
  addTargetFlags(command);
  examples(command, [
    [
      "release version 1 of the example app and wait until it is healthy",
      "vela-ts up -f examples/apps/demo-app-v1.yaml --wait",
    ],
    [
      "upgrade it: the canary stops at its first step, waiting for approval",
      "vela-ts up -f examples/apps/demo-app-v2.yaml --wait --timeout 5m",
    ],
    ["read the Application from standard input, in another namespace", "vela-ts up -f - -n staging"],
  ]);
  command.action(async (flags: UpFlags) => {
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
    if (flags.timeout !== undefined && timeoutMs === undefined)
      throw new UsageError(`--timeout ${flags.timeout} is not a duration`, {
        hint: "use Go durations such as 30s, 5m, 1h",
      });
    const revisionLimit = Number(flags.revisionLimit ?? "10");
    if (!Number.isInteger(revisionLimit) || revisionLimit < 1)
      throw new UsageError(`--revision-limit must be a whole number ≥ 1, got ${flags.revisionLimit ?? ""}`);
    const input = await readInput(flags.file, env);
    const target = targetOptions(flags, env.ctx, "vela-ts up");
    const namespace = await namespaceOf(flags, target);
    // Loaded on use, so `vela-ts --version` and `--help` stay fast.
    const { up } = await import("../../operations/up.js");
    const progress = env.progress();
    const result = await up({
      ...target,
      ...input,
      wait: flags.wait === true,
      sleep: (milliseconds) => progress.during(env.ctx.sleep(milliseconds)),
      revisionLimit,
      progress: (line) => progress.line(line),
      namespace,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(flags.publishVersion === undefined ? {} : { publishVersion: flags.publishVersion }),
    }).finally(() => progress.stop());
    let code: number = EXIT_CODES.ok;
    for (const app of result.applications) {
      env.ctx.stdout.write(
        `Application ${app.namespace}/${app.name} ${app.created ? "created" : "configured"} (${result.target}).\n`,
      );
      env.ctx.stdout.write(describeDrive(app.name, app.drive, env.ctx.clock.now(), env.stdoutStyle));
      code = Math.max(code, exitCodeOfDrive(app.drive));
    }
    env.setExitCode(code);
  });
}
