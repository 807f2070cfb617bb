import type { DriveResult } from "../../controller/drive.js";

/** A few lines saying where a release stands after a command drove it, and what to do next. */
export function describeDrive(appName: string, drive: DriveResult): string {
  const outcome = drive.outcome;
  const revision = (outcome.app.status as { latestRevision?: { name?: string } } | undefined)?.latestRevision?.name;
  const lines = [`  revision: ${revision ?? "none"}`, `  status: ${outcome.phase} (workflow ${outcome.workflow?.status ?? "not started"})`];
  for (const step of outcome.workflow?.steps ?? []) {
    lines.push(`  step ${step.name} [${step.type}]: ${step.phase}${step.message === undefined || step.message === "" ? "" : ` - ${step.message}`}`);
  }
  switch (drive.stop) {
    case "finished":
      lines.push("  the workflow finished and every component is healthy");
      break;
    case "failed":
      lines.push(`  the workflow ${outcome.workflow?.status ?? "failed"}: ${outcome.workflow?.message ?? "see vela-ts status " + appName}`);
      break;
    case "waiting-for-person":
      lines.push(`  waiting: ${drive.waitingFor ?? "for a person"}`);
      break;
    case "timeout":
      lines.push(`  gave up waiting (--timeout); the release goes on: vela-ts status ${appName}`);
      break;
    case "quiet":
      lines.push(`  in progress; follow it with: vela-ts status ${appName} --watch (or re-run with --wait)`);
      break;
  }
  return `${lines.join("\n")}\n`;
}
