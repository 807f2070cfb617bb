import type { Command } from "commander";
import type { WorkflowOperation } from "../../operations/workflow-commands.js";
import { UsageError } from "../../errors/index.js";
import { parseDuration } from "../../util/duration.js";
import type { CommandEnv } from "../command.js";
import { requireAppArgument } from "../app-argument.js";
import { examples, type Example } from "../help.js";
import { addNamespaceFlag, addTargetFlags, namespaceOf, targetOptions, type TargetFlags } from "../target-flags.js";
import { parseRevisionNumber } from "./revision.js";
import { describeDrive } from "./drive-report.js";
import { exitCodeOfDrive } from "./up.js";

interface WorkflowFlags extends TargetFlags {
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

const EXAMPLES: Readonly<Record<WorkflowOperation, readonly Example[]>> = {
  suspend: [["stop the release where it is (a canary in flight pauses too)", "vela-ts workflow suspend demo-app"]],
  resume: [
    [
      "approve the canary's next step and wait until it needs a person again",
      "vela-ts workflow resume demo-app --wait",
    ],
  ],
  terminate: [["end the workflow for good; restart runs it again", "vela-ts workflow terminate demo-app"]],
  restart: [["run the workflow again from its first step", "vela-ts workflow restart demo-app"]],
  rollback: [
    [
      "after workflow suspend: go back to the last revision that succeeded, and wait for it",
      "vela-ts workflow rollback demo-app --wait",
    ],
    ["go back to revision 1", "vela-ts workflow rollback demo-app --revision 1"],
  ],
};

/** `vela-ts workflow suspend|resume|terminate|restart|rollback <app>`. */
export function registerWorkflow(program: Command, env: CommandEnv): void {
  const workflow = program
    .command("workflow")
    .description("operate the workflow of an application (state lives in the cluster: any shell, any time)");
  for (const operation of Object.keys(DESCRIPTIONS) as WorkflowOperation[]) {
    const command = addNamespaceFlag(
      workflow
        .command(`${operation} [app]`)
        .description(DESCRIPTIONS[operation])
        .option(
          "--wait",
          "then wait through timed steps and readiness until the workflow finishes, fails or waits for a person",
        )
        .option("--timeout <duration>", "with --wait: stop waiting after this long (exit 5, the release goes on)"),
    );
    if (operation === "rollback")
      command.option("--revision <n>", "revision to go back to (default: the last succeeded one)");
    if (operation === "restart") command.option("--step <name>", "re-run from this step only");
    addTargetFlags(command);
    examples(command, EXAMPLES[operation]);
    command.action(async (appArgument: string | undefined, flags: WorkflowFlags) => {
      const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
      if (flags.timeout !== undefined && timeoutMs === undefined)
        throw new UsageError(`--timeout ${flags.timeout} is not a duration`, {
          hint: "use Go durations such as 30s or 5m",
        });
      const revision = flags.revision === undefined ? undefined : parseRevisionNumber(flags.revision, "--revision");
      const target = targetOptions(flags, env.ctx, `vela-ts workflow ${operation}`);
      const namespace = await namespaceOf(flags, target);
      const app = await requireAppArgument(appArgument, `workflow ${operation}`, target, namespace);
      const { runWorkflowCommand } = await import("../../operations/workflow-commands.js");
      const progress = env.progress();
      const result = await runWorkflowCommand({
        ...target,
        operation,
        app,
        namespace,
        wait: flags.wait === true,
        sleep: (milliseconds) => progress.during(env.ctx.sleep(milliseconds)),
        progress: (line) => progress.line(line),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(revision === undefined ? {} : { revision }),
        ...(flags.step === undefined ? {} : { step: flags.step }),
      }).finally(() => progress.stop());
      for (const message of result.messages) env.ctx.stdout.write(`${message}\n`);
      env.ctx.stdout.write(describeDrive(app, result.drive, env.ctx.clock.now(), env.stdoutStyle));
      // A terminated workflow is what `terminate` was asked for: success (as `vela workflow terminate`),
      // not the exit 3 a drive that ends terminated means for `up` or `resume`.
      const terminatedAsAsked = operation === "terminate" && result.drive.outcome.workflow?.terminated === true;
      env.setExitCode(terminatedAsAsked ? 0 : exitCodeOfDrive(result.drive));
    });
  }
}
