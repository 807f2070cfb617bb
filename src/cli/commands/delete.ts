import type { Command } from "commander";
import type { DeleteApplicationResult, PlacedRef } from "../../operations/index.js";
import { UsageError } from "../../errors/index.js";
import type { ObjectRef } from "../../model/kube-object.js";
import { parseDuration } from "../../util/duration.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { addNamespaceFlag, addTargetFlags, namespaceOf, targetOptions, type TargetFlags } from "../target-flags.js";
import { loadController } from "../lazy-controller.js";

interface DeleteFlags extends TargetFlags {
  readonly wait?: boolean;
  readonly timeout?: string;
}

function describe(ref: PlacedRef): string {
  const where = ref.cluster === undefined ? "" : ` in cluster ${ref.cluster}`;
  return `${ref.kind}/${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name}${where}`;
}

/** `Pod ×6, ReplicaSet ×2` — dependents grouped by kind, in first-seen order. */
function countByKind(refs: readonly ObjectRef[]): string {
  const counts = new Map<string, number>();
  for (const ref of refs) counts.set(ref.kind, (counts.get(ref.kind) ?? 0) + 1);
  return [...counts.entries()].map(([kind, count]) => `${count} ${kind}`).join(", ");
}

/** The lines `delete` prints: each object deleted, what the cluster removed with them, what was kept. */
export function formatDeleteResult(app: string, namespace: string, result: DeleteApplicationResult): string {
  const lines: string[] = [];
  for (const ref of result.deleted) lines.push(`${describe(ref)} deleted`);
  if (result.dependents.length > 0) lines.push(`removed with them by the cluster: ${countByKind(result.dependents)}`);
  for (const ref of result.records.filter((record) => record.kind !== "Application"))
    lines.push(`${describe(ref)} deleted`);
  if (result.eventsDeleted > 0)
    lines.push(`${result.eventsDeleted} Event${result.eventsDeleted === 1 ? "" : "s"} about the application deleted`);
  for (const kept of result.kept) lines.push(`${describe(kept.ref)} kept: ${kept.reason}`);
  for (const ref of result.remaining) lines.push(`${describe(ref)} still terminating`);
  lines.push(
    result.unfinished === undefined
      ? `Application ${namespace}/${app} deleted (${result.target}).`
      : `Application ${namespace}/${app} not deleted yet: ${result.unfinished}; run delete again (or with --wait).`,
  );
  return `${lines.join("\n")}\n`;
}

/** `vela-ts delete <app> [-n NS] [--wait]`. */
export function registerDelete(program: Command, env: CommandEnv): void {
  const command = addNamespaceFlag(
    program
      .command("delete <app>")
      .description(
        "delete an application and every object it created (found through its ResourceTrackers), nothing else",
      )
      .option("--wait", "wait until every deleted object and its dependents are gone")
      .option("--timeout <duration>", "with --wait: give up after this long"),
  );
  addTargetFlags(command);
  examples(command, [
    ["delete demo-app and what it created", "vela-ts delete demo-app"],
    ["and wait until the cluster removed their dependents too", "vela-ts delete demo-app --wait --timeout 2m"],
  ]);
  command.action(async (app: string, flags: DeleteFlags) => {
    const { deleteApplication } = await loadController();
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
    if (flags.timeout !== undefined && timeoutMs === undefined)
      throw new UsageError(`--timeout ${flags.timeout} is not a duration`, {
        hint: "use Go durations such as 30s or 5m",
      });
    const target = targetOptions(flags, env.ctx, "vela-ts delete");
    const namespace = await namespaceOf(flags, target);
    const progress = env.progress();
    const result = await deleteApplication({
      ...target,
      app,
      namespace,
      wait: flags.wait === true,
      sleep: (milliseconds) => progress.during(env.ctx.sleep(milliseconds)),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    }).finally(() => progress.stop());
    env.ctx.stdout.write(formatDeleteResult(app, namespace, result));
    if (result.remaining.length > 0)
      env.ctx.stderr.write(
        `${result.remaining.length} object(s) are still terminating; run with --wait to wait for them\n`,
      );
  });
}
