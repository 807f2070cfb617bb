import type { Command } from "commander";
import type { WorkflowOperation } from "../../controller/workflow-commands.js";
import { UsageError } from "../../errors/index.js";
import { parseDuration } from "../../util/duration.js";
import type { CommandEnv } from "../command.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";
import { describeDrive } from "./drive-report.js";
import { exitCodeOfDrive } from "./up.js";

interface WorkflowFlags extends TargetFlags {
  readonly namespace: string;
  readonly wait?: boolean;
  readonly timeout?: string;
  readonly revision?: string;
  readonly step?: string;
}

const DESCRIPTIONS: Readonly<Record<WorkflowOperation, string>> = {
  suspend: "suspend the workflow (and pause in-flight Kruise Rollouts)",
  resume: "resume a suspended workflow, or approve a Rollout step waiting for approval",
  terminate: "stop the workflow for good (until restart)",
  restart: "run the workflow again from the first step (or from --step)",
  rollback: "go back to the last succeeded revision (or --revision N), keeping the current ops-only traits",
};

function parseRevision(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(?:.*-)?v?(\d+)$/.exec(text);
  if (match === null)
    throw new UsageError(`--revision ${text} is not a revision number`, {
      hint: "use the number shown by vela-ts revision list <app>, e.g. --revision 1",
    });
  return Number(match[1]);
}

/** `vela-ts workflow suspend|resume|terminate|restart|rollback <app>`. */
export function registerWorkflow(program: Command, env: CommandEnv): void {
  const workflow = program
    .command("workflow")
    .description("operate the workflow of an application (state lives in the cluster: any shell, any time)");
  for (const operation of Object.keys(DESCRIPTIONS) as WorkflowOperation[]) {
    const command = addTargetFlags(
      workflow
        .command(`${operation} <app>`)
        .description(DESCRIPTIONS[operation])
        .option("-n, --namespace <ns>", "namespace of the application", "default")
        .option(
          "--wait",
          "then wait through timed steps and readiness until the workflow finishes, fails or waits for a person",
        )
        .option("--timeout <duration>", "with --wait: stop waiting after this long (exit 5, the release goes on)"),
    );
    if (operation === "rollback")
      command.option("--revision <n>", "revision to go back to (default: the last succeeded one)");
    if (operation === "restart") command.option("--step <name>", "re-run from this step only");
    command.action(async (app: string, flags: WorkflowFlags) => {
      const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
      if (flags.timeout !== undefined && timeoutMs === undefined)
        throw new UsageError(`--timeout ${flags.timeout} is not a duration`, {
          hint: "use Go durations such as 30s or 5m",
        });
      const revision = parseRevision(flags.revision);
      const { runWorkflowCommand } = await import("../../controller/workflow-commands.js");
      const result = await runWorkflowCommand({
        ...targetOptions(flags, env.ctx, `vela-ts workflow ${operation}`),
        operation,
        app,
        namespace: flags.namespace,
        wait: flags.wait === true,
        sleep: env.ctx.sleep,
        progress: (line) => env.ctx.stderr.write(`${line}\n`),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(revision === undefined ? {} : { revision }),
        ...(flags.step === undefined ? {} : { step: flags.step }),
      });
      for (const message of result.messages) env.ctx.stdout.write(`${message}\n`);
      env.ctx.stdout.write(describeDrive(app, result.drive, env.ctx.clock.now()));
      // A terminated workflow is what `terminate` was asked for: success (as `vela workflow terminate`),
      // not the exit 3 a drive that ends terminated means for `up` or `resume`.
      const terminatedAsAsked = operation === "terminate" && result.drive.outcome.workflow?.terminated === true;
      env.setExitCode(terminatedAsAsked ? 0 : exitCodeOfDrive(result.drive));
    });
  }
}
