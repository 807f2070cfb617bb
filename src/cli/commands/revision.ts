import type { Command } from "commander";
import type { RevisionSummary } from "../../operations/index.js";
import { UsageError } from "../../errors/index.js";
import type { JsonValue } from "../../util/index.js";
import { requireAppArgument } from "../app-argument.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { OUTPUT_HELP, parseOutputSpec, printResult } from "../printers/printer.js";
import { formatTable } from "../printers/table.js";
import { addNamespaceFlag, addTargetFlags, namespaceOf, targetOptions, type TargetFlags } from "../target-flags.js";
import { PLAIN_STYLE, type Style } from "../terminal/style.js";

interface RevisionFlags extends TargetFlags {
  readonly output?: string;
  readonly diff?: string;
}

/** Accepts `2`, `v2` and `<app>-v2`. */
export function parseRevisionNumber(text: string, what: string): number {
  const match = /^(?:.*-)?v?(\d+)$/.exec(text.trim());
  if (match === null)
    // A flag reads as it was typed (`--revision latest`); an argument is quoted (`revision "latest"`).
    throw new UsageError(`${what} ${what.startsWith("--") ? text : JSON.stringify(text)} is not a revision number`, {
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
export function formatRevisionTable(revisions: readonly RevisionSummary[], style: Style = PLAIN_STYLE): string {
  return formatTable(
    ["NAME", "PUBLISH_VERSION", "SUCCEEDED", "HASH", "BEGIN_TIME", "STATUS", "CURRENT", "OPS-ONLY TRAITS"],
    revisions.map((revision) => [
      revision.name,
      revision.publishVersion ?? "-",
      String(revision.succeeded),
      revision.hash,
      revision.beginTime ?? "-",
      style.phase(revision.status),
      revision.current ? "*" : "",
      summarizeOpsOnlyTraits(revision.opsOnlyTraits),
    ]),
  );
}

function revisionName(name: string): string {
  return `applicationrevision.core.oam.dev/${name}`;
}

/** `vela-ts revision list <app>` and `vela-ts revision get <app> N [--diff M]`. */
export function registerRevision(program: Command, env: CommandEnv): void {
  const revision = program
    .command("revision")
    .description("show an application's revision history (ApplicationRevisions)");
  const list = addNamespaceFlag(
    revision
      .command("list [app]")
      .description("list the revisions of an application, oldest first")
      .option("-o, --output <format>", `${OUTPUT_HELP}; the data is a List of revision summaries`),
  );
  addTargetFlags(list);
  examples(list, [
    ["the revisions of demo-app, oldest first", "vela-ts revision list demo-app"],
    ["the revision numbers only", "vela-ts revision list demo-app -o jsonpath='{.items[*].number}'"],
  ]);
  list.action(async (appArgument: string | undefined, flags: RevisionFlags) => {
    const output = await parseOutputSpec(flags.output, env.ctx);
    const target = targetOptions(flags, env.ctx, "vela-ts revision list");
    const namespace = await namespaceOf(flags, target);
    const app = await requireAppArgument(appArgument, "revision list", target, namespace);
    const { listRevisions } = await loadController();
    const result = await listRevisions({ ...target, app, namespace });
    printResult(
      env.ctx.stdout,
      env.ctx.stderr,
      output,
      {
        data: { items: result.revisions },
        names: () => result.revisions.map((entry) => revisionName(entry.name)),
        human: ({ style }) => formatRevisionTable(result.revisions, style),
        emptyMessage: `application ${app} has no revisions yet`,
      },
      env.stdoutStyle,
    );
  });
  const get = addNamespaceFlag(
    revision
      .command("get [app] [revision]")
      .description("print a stored revision (spec snapshot and definitions), or --diff it against another")
      .option("-o, --output <format>", `${OUTPUT_HELP} (default: yaml); the data is the ApplicationRevision`)
      .option("--diff <revision>", "print a unified diff of the stored application from this revision to <revision>"),
  );
  addTargetFlags(get);
  examples(get, [
    ["the stored snapshot of revision 2 (also: v2, demo-app-v2)", "vela-ts revision get demo-app 2"],
    ["what changed from revision 1 to revision 2", "vela-ts revision get demo-app 2 --diff 1"],
    [
      "the definitions revision 1 was rendered with",
      "vela-ts revision get demo-app 1 -o jsonpath='{.spec.componentDefinitions}'",
    ],
  ]);
  get.action(async (appArgument: string | undefined, revisionText: string | undefined, flags: RevisionFlags) => {
    const target = targetOptions(flags, env.ctx, "vela-ts revision get");
    const namespace = await namespaceOf(flags, target);
    const app = await requireAppArgument(appArgument, "revision get", target, namespace);
    const { getRevision, listRevisions } = await loadController();
    if (revisionText === undefined) {
      const known = (await listRevisions({ ...target, app, namespace })).revisions.map((entry) => entry.number);
      throw new UsageError("revision get needs a revision number", {
        hint: `revisions of ${app}: ${known.join(", ") || "none yet"}; e.g. vela-ts revision get ${app} ${known[known.length - 1] ?? 1}`,
      });
    }
    const number = parseRevisionNumber(revisionText, "revision");
    const diffWith = flags.diff === undefined ? undefined : parseRevisionNumber(flags.diff, "--diff");
    if (diffWith !== undefined && flags.output !== undefined)
      throw new UsageError("--diff prints a unified diff; it cannot be combined with -o", {
        hint: "drop -o, or drop --diff to print the revision",
      });
    const output = await parseOutputSpec(flags.output ?? "yaml", env.ctx);
    const result = await getRevision({
      ...target,
      app,
      namespace,
      revision: number,
      ...(diffWith === undefined ? {} : { diffWith }),
    });
    if (result.diff === undefined) {
      printResult(
        env.ctx.stdout,
        env.ctx.stderr,
        output,
        {
          data: { object: result.revision },
          names: () => [revisionName(result.summary.name)],
          human: ({ style }) => formatRevisionTable([result.summary], style),
        },
        env.stdoutStyle,
      );
      return;
    }
    if (result.diff === "")
      env.ctx.stderr.write(`revisions ${diffWith ?? ""} and ${number} store the same application\n`);
    else env.ctx.stdout.write(result.diff);
  });
}
