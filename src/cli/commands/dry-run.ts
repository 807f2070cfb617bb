import { existsSync } from "node:fs";
import type { Command } from "commander";
import { isAbsolute, join, resolve } from "node:path";
import { stringify } from "yaml";
import type * as Operations from "../../operations/index.js";
import type { DryRunResult } from "../../operations/index.js";
import { UsageError } from "../../errors/index.js";
import type { CommandEnv } from "../command.js";
import { readInputText } from "../input-file.js";
import type { CliContext } from "../context.js";
import { examples } from "../help.js";
import { kubeconfigPath, sendHttp } from "../target-flags.js";
import { loadController } from "../lazy-controller.js";
import { objectsPrintable } from "../printers/objects.js";
import { OUTPUT_HELP, parseOutputSpec, printResult } from "../printers/printer.js";

interface DryRunFlags {
  readonly file: string;
  readonly definitions: string[];
  readonly output?: string;
  readonly expandCharts?: boolean;
  readonly chartRepo: string[];
  readonly sandbox?: string;
  readonly cluster?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** Reads `-f FILE` (relative to the working directory) or standard input for `-f -`. */
export async function readInputFile(
  ctx: CliContext,
  file: string,
): Promise<{ readonly text: string; readonly name: string }> {
  const input = await readInputText(ctx, file, "check the path given to -f");
  return { text: input.text, name: input.file };
}

/** Collects a repeatable option into a list. */
export function collectOption(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function yamlGroups(result: DryRunResult): string {
  return result.groups
    .map((group) => {
      const chart = group.chart === undefined ? "" : ` -- Chart(${group.chart.name}@${group.chart.version})`;
      const where = group.placement;
      const topology = where?.topology === undefined ? "" : `, topology ${where.topology}`;
      const placement =
        where === undefined ? "" : ` -- Placement(cluster ${where.cluster}, namespace ${where.namespace}${topology})`;
      const stage = group.stage === undefined ? "" : ` -- Stage(${group.stage})`;
      const header = `---\n# Application(${group.application}) -- Component(${group.component})${placement}${stage}${chart}\n---\n`;
      return (
        header +
        group.objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n")
      );
    })
    .join("");
}

/** The sandbox directory `--sandbox`, `$VELA_TS_SANDBOX` or `./.vela-ts` names. */
function sandboxDirOf(ctx: CliContext, flags: DryRunFlags): string {
  const sandboxEnv = ctx.env.VELA_TS_SANDBOX;
  const chosen = flags.sandbox ?? (sandboxEnv === undefined || sandboxEnv === "" ? ".vela-ts" : sandboxEnv);
  return isAbsolute(chosen) ? chosen : resolve(ctx.cwd, chosen);
}

/**
 * The clusters topology policies may name: the hub's cluster registry (`vela-ts cluster join`), read
 * without writing an object — from the real cluster `--kubeconfig`/`--context` name (its Secrets
 * in `vela-system`), else from the sandbox when it exists; otherwise undefined (only `local` is known).
 */
async function registeredClusters(
  ctx: CliContext,
  flags: DryRunFlags,
  sandboxDir: string,
  listClusters: typeof Operations.listClusters,
): Promise<{ name: string; labels: Readonly<Record<string, string>> }[] | undefined> {
  const kubeconfig = kubeconfigPath(flags.kubeconfig, ctx);
  const base = { cwd: ctx.cwd, clock: ctx.clock, http: sendHttp, command: "vela-ts dry-run", env: ctx.env };
  const real = kubeconfig !== undefined || flags.context !== undefined;
  // Only a sandbox that already holds its state (its metadata file) is opened: opening a missing
  // or empty directory would create one, and dry-run writes nothing.
  if (!real && !existsSync(join(sandboxDir, "sandbox.json"))) return undefined;
  const { clusters } = await listClusters(
    real
      ? {
          ...base,
          cluster: "kube",
          ...(kubeconfig === undefined ? {} : { kubeconfig }),
          ...(flags.context === undefined ? {} : { context: flags.context }),
        }
      : { ...base, cluster: "sandbox", sandboxDir },
  );
  return clusters.map((cluster) => ({ name: cluster.name, labels: cluster.labels }));
}

/** Runs the dry-run, expanding helm charts when asked (`--chart-repo` mappings, then the sandbox's chart mirrors). */
async function runDryRun(
  ctx: CliContext,
  flags: DryRunFlags,
  input: { readonly text: string; readonly name: string },
): Promise<DryRunResult> {
  const { createHelmChartSource, dryRun, dryRunExpandingCharts, listClusters, parseChartRepositoryMapping } =
    await loadController();
  const sandboxDir = sandboxDirOf(ctx, flags);
  const clusters = await registeredClusters(ctx, flags, sandboxDir, listClusters);
  const base = {
    text: input.text,
    file: input.name,
    definitionDirs: flags.definitions,
    cwd: ctx.cwd,
    ...(clusters === undefined ? {} : { clusters }),
    ...(flags.cluster === undefined ? {} : { onlyCluster: flags.cluster }),
  };
  if (flags.expandCharts !== true) {
    if (flags.chartRepo.length > 0)
      throw new UsageError("--chart-repo needs --expand-charts", {
        hint: "add --expand-charts to render the charts of helm components",
      });
    return dryRun(base);
  }
  const charts = createHelmChartSource({
    repositories: flags.chartRepo.map(parseChartRepositoryMapping),
    sandboxDir,
    cwd: ctx.cwd,
  });
  return dryRunExpandingCharts({ ...base, charts });
}

/**
 * `vela-ts dry-run -f FILE|- [--definitions DIR]... [--expand-charts [--chart-repo URL=DIR]... [--sandbox DIR]] [-o yaml|json]`:
 * print every object the app renders (and, with `--expand-charts`, what each helm chart deploys).
 */
export function registerDryRun(program: Command, env: CommandEnv): void {
  const command = program
    .command("dry-run")
    .description("Render an Application to the Kubernetes objects it would apply, without a cluster")
    .requiredOption("-f, --file <file>", "Application YAML file, or - for standard input")
    .option(
      "--definitions <dir>",
      "extra definitions folder (repeatable; overrides bundled ones by name)",
      collectOption,
      [],
    )
    .option(
      "--expand-charts",
      "render the chart of every helm component and check its kruise-rollout targets against it",
    )
    .option(
      "--chart-repo <url=dir>",
      "serve a chart repository URL from a local directory (index.yaml + .tgz; repeatable)",
      collectOption,
      [],
    )
    .option(
      "--sandbox <dir>",
      "sandbox whose chart mirrors --expand-charts may use (default: $VELA_TS_SANDBOX or ./.vela-ts; read only)",
    )
    .option(
      "--cluster <name>",
      "only the placements on this cluster (topology policies; the names come from the hub's cluster registry)",
    )
    .option(
      "--kubeconfig <file>",
      "read the cluster registry from this real hub (its Secrets in vela-system) instead of the sandbox",
    )
    .option("--context <name>", "the kubeconfig context of that hub")
    .option(
      "-o, --output <format>",
      `${OUTPUT_HELP} (default: a YAML stream with a header per component); the data is a List of the objects`,
    );
  examples(command, [
    ["every object the example app renders", "vela-ts dry-run -f examples/apps/demo-app-v1.yaml"],
    ["their kinds and names", "vela-ts dry-run -f examples/apps/demo-app-v1.yaml -o name"],
    ["each placement of a multi-cluster app (joined clusters)", "vela-ts dry-run -f examples/multi-cluster/app.yaml"],
    ["only what goes to the prod cluster", "vela-ts dry-run -f examples/multi-cluster/app.yaml --cluster prod"],
    [
      "and what its helm chart deploys, from the example chart repository",
      "vela-ts dry-run -f examples/apps/demo-app-v1.yaml --expand-charts --chart-repo https://charts.example.com/demo/=examples/charts/repo -o wide",
    ],
  ]);
  command.action(async (flags: DryRunFlags) => {
    const { ctx } = env;
    const output = await parseOutputSpec(flags.output, ctx);
    const input = await readInputFile(ctx, flags.file);
    const result = await runDryRun(ctx, flags, input);
    for (const warning of result.warnings) ctx.stderr.write(`warning: ${warning.message}\n`);
    printResult(
      ctx.stdout,
      ctx.stderr,
      output,
      objectsPrintable(result.objects, () => yamlGroups(result)),
      env.stdoutStyle,
    );
  });
}
