import type { Command } from "commander";
import type { RevisionSummary } from "../../controller/index.js";
import { UsageError } from "../../errors/index.js";
import type { JsonValue } from "../../util/index.js";
import type { CommandEnv } from "../command.js";
import { formatTable, parseOutputFormat, printValue } from "../output.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";
import { loadController } from "../lazy-controller.js";

interface RevisionFlags extends TargetFlags {
  readonly namespace: string;
  readonly output?: string;
  readonly diff?: string;
}

/** Accepts `2`, `v2` and `<app>-v2`. */
export function parseRevisionNumber(text: string, what: string): number {
  const match = /^(?:.*-)?v?(\d+)$/.exec(text.trim());
  if (match === null)
    throw new UsageError(`${what} ${JSON.stringify(text)} is not a revision number`, {
      hint: "use the number shown by vela-ts revision list <app>, e.g. 2 (or v2, or <app>-v2)",
    });
  return Number(match[1]);
}

function formatValue(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `scaler(replicas=5)` per trait, `component: …` per component; `-` when there are none. */
export function summarizeOpsOnlyTraits(ops: RevisionSummary["opsOnlyTraits"]): string {
  const parts: string[] = [];
  for (const [component, traits] of Object.entries(ops)) {
    const described = traits.map((trait) => {
      if (trait === null || typeof trait !== "object" || Array.isArray(trait)) return formatValue(trait);
      const type = typeof trait.type === "string" ? trait.type : "?";
      const properties = trait.properties;
      const args =
        properties !== null && typeof properties === "object" && !Array.isArray(properties)
          ? Object.entries(properties).map(([key, value]) => `${key}=${formatValue(value)}`)
          : [];
      return `${type}(${args.join(",")})`;
    });
    if (described.length > 0) parts.push(`${component}: ${described.join(" ")}`);
  }
  return parts.length === 0 ? "-" : parts.join("; ");
}

/** The `revision list` table (KubeVela's columns plus CURRENT and OPS-ONLY TRAITS). */
export function formatRevisionTable(revisions: readonly RevisionSummary[]): string {
  return formatTable(
    ["NAME", "PUBLISH_VERSION", "SUCCEEDED", "HASH", "BEGIN_TIME", "STATUS", "CURRENT", "OPS-ONLY TRAITS"],
    revisions.map((revision) => [
      revision.name,
      revision.publishVersion ?? "-",
      String(revision.succeeded),
      revision.hash,
      revision.beginTime ?? "-",
      revision.status,
      revision.current ? "*" : "",
      summarizeOpsOnlyTraits(revision.opsOnlyTraits),
    ]),
  );
}

/** `vela-ts revision list <app>` and `vela-ts revision get <app> N [--diff M]`. */
export function registerRevision(program: Command, env: CommandEnv): void {
  const revision = program
    .command("revision")
    .description("show an application's revision history (ApplicationRevisions)");
  addTargetFlags(
    revision
      .command("list <app>")
      .description("list the revisions of an application, oldest first")
      .option("-n, --namespace <ns>", "namespace of the application", "default")
      .option("-o, --output <format>", "print the rows as yaml or json"),
  ).action(async (app: string, flags: RevisionFlags) => {
    const { listRevisions } = await loadController();
    const format = flags.output === undefined ? undefined : parseOutputFormat(flags.output);
    const result = await listRevisions({
      ...targetOptions(flags, env.ctx, "vela-ts revision list"),
      app,
      namespace: flags.namespace,
    });
    if (format !== undefined) {
      printValue(env.ctx.stdout, result.revisions, format);
      return;
    }
    if (result.revisions.length === 0) {
      env.ctx.stderr.write(`application ${app} has no revisions yet\n`);
      return;
    }
    env.ctx.stdout.write(formatRevisionTable(result.revisions));
  });
  addTargetFlags(
    revision
      .command("get <app> <revision>")
      .description("print a stored revision (spec snapshot and definitions), or --diff it against another")
      .option("-n, --namespace <ns>", "namespace of the application", "default")
      .option("-o, --output <format>", "yaml (default) or json")
      .option("--diff <revision>", "print a unified diff of the stored application from this revision to <revision>"),
  ).action(async (app: string, revisionText: string, flags: RevisionFlags) => {
    const { getRevision } = await loadController();
    const number = parseRevisionNumber(revisionText, "revision");
    const diffWith = flags.diff === undefined ? undefined : parseRevisionNumber(flags.diff, "--diff");
    if (diffWith !== undefined && flags.output !== undefined)
      throw new UsageError("--diff prints a unified diff; it cannot be combined with -o", {
        hint: "drop -o, or drop --diff to print the revision",
      });
    const format = parseOutputFormat(flags.output);
    const result = await getRevision({
      ...targetOptions(flags, env.ctx, "vela-ts revision get"),
      app,
      namespace: flags.namespace,
      revision: number,
      ...(diffWith === undefined ? {} : { diffWith }),
    });
    if (result.diff === undefined) {
      printValue(env.ctx.stdout, result.revision, format);
      return;
    }
    if (result.diff === "")
      env.ctx.stderr.write(`revisions ${diffWith ?? ""} and ${number} store the same application\n`);
    else env.ctx.stdout.write(result.diff);
  });
}
