import type { DriveResult } from "../../reconciler/drive.js";
import { formatDuration } from "../../util/duration.js";
import { PLAIN_STYLE, type Style } from "../terminal/style.js";

/**
 * When a timed `suspend` step ends by itself, as a line with the time left. Nothing runs in the
 * background between CLI commands, so the step moves on at the first command that drives the app
 * after that time (or during `--wait`, which sleeps until then).
 */
function describeTimedSuspend(appName: string, drive: DriveResult, now: Date | undefined): string | undefined {
  const workflow = drive.outcome.workflow;
  // The resume time is step memory, kept in `status.workflow.context.steps.<name>`.
  const step = workflow?.steps.find(
    (entry) => entry.phase === "suspending" && workflow.context.steps[entry.name]?.resumeAt !== undefined,
  );
  const resumeAt = step === undefined ? undefined : workflow?.context.steps[step.name]?.resumeAt;
  if (step === undefined || resumeAt === undefined || now === undefined || workflow?.suspendState === "manual")
    return undefined;
  const left = Math.max(0, Date.parse(resumeAt) - now.getTime());
  const goOn = `re-run with --wait to sleep through it, or go on now: vela-ts workflow resume ${appName}`;
  return `  step ${step.name} resumes by itself in ${formatDuration(left)} (at ${resumeAt}); ${goOn}`;
}

/**
 * A few lines saying where a release stands after a command drove it, and what to do next. `now`
 * (the command's clock) lets it say how long a timed suspend step has left.
 */
export function describeDrive(appName: string, drive: DriveResult, now?: Date, style: Style = PLAIN_STYLE): string {
  const outcome = drive.outcome;
  const revision = (outcome.app.status as { latestRevision?: { name?: string } } | undefined)?.latestRevision?.name;
  const lines = [
    `  revision: ${revision ?? "none"}`,
    `  status: ${style.phase(outcome.phase)} (workflow ${style.phase(outcome.workflow?.status ?? "not started")})`,
  ];
  for (const step of outcome.workflow?.steps ?? []) {
    const message = step.message === undefined || step.message === "" ? "" : ` - ${step.message}`;
    lines.push(`  step ${step.name} [${step.type}]: ${style.phase(step.phase)}${message}`);
  }
  switch (drive.stop) {
    case "finished":
      lines.push(`  ${style.good("the workflow finished and every component is healthy")}`);
      break;
    case "failed":
      if (outcome.analysisFailed !== undefined) {
        lines.push(`  ${style.bad("rolled back by its analysis")}: ${outcome.analysisFailed}`);
        break;
      }
      lines.push(
        `  ${style.bad(`the workflow ${outcome.workflow?.status ?? "failed"}`)}: ${outcome.workflow?.message ?? "see vela-ts status " + appName}`,
      );
      break;
    case "waiting-for-person":
      lines.push(`  ${style.warn("waiting")}: ${drive.waitingFor ?? "for a person"}`);
      break;
    case "timeout":
      lines.push(
        `  stopped waiting (--timeout passed); the release goes on, follow it with: vela-ts status ${appName} --watch`,
      );
      break;
    case "quiet":
      lines.push(
        describeTimedSuspend(appName, drive, now) ??
          `  in progress; follow it with: vela-ts status ${appName} --watch (or re-run with --wait)`,
      );
      break;
  }
  return `${lines.join("\n")}\n`;
}
