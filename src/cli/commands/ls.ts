import type { Command } from "commander";
import type { AppListComponent, AppListEntry } from "../../operations/index.js";
import { UsageError } from "../../errors/index.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { OUTPUT_HELP, parseOutputSpec, printResult, type Printable } from "../printers/printer.js";
import { formatWideTable } from "../printers/table.js";
import type { Style } from "../terminal/style.js";
import { addNamespaceFlag, addTargetFlags, namespaceOf, targetOptions, type TargetFlags } from "../target-flags.js";

interface LsFlags extends TargetFlags {
  readonly allNamespaces?: boolean;
  readonly output?: string;
}

/** `step 1/2 20% StepPaused`, `paused at 1/2`, or the Rollout's phase when no release is in flight. */
export function describeCanary(canary: AppListComponent["canary"]): string {
  if (canary === undefined) return "";
  if (!canary.inProgress) return canary.phase;
  const weight = canary.weight === undefined ? "" : ` ${canary.weight}%`;
  const state = canary.state === undefined || canary.paused ? "" : ` ${canary.state}`;
  return `${canary.paused ? "paused at" : "step"} ${canary.step}/${canary.steps}${weight}${state}`;
}

/** `executing 1/2`, `succeeded 2/2`. */
function describeWorkflow(app: AppListEntry): string {
  return app.workflow === undefined ? "" : `${app.workflow.status} ${app.workflow.done}/${app.workflow.total}`;
}

function currentStep(app: AppListEntry): string {
  const current = app.workflow?.current;
  if (current === undefined) return "";
  return `${current.name} (${current.phase})${current.message === undefined ? "" : `: ${current.message}`}`;
}

const HEADERS = [
  "APP",
  "COMPONENT",
  "TYPE",
  "TRAITS",
  "PHASE",
  "HEALTHY",
  "STATUS",
  "REVISION",
  "WORKFLOW",
  "CANARY",
  "CREATED-TIME",
  "PUBLISH-VERSION",
  "STEP",
];
const WIDE_ONLY = [11, 12];

/**
 * The `ls` table: KubeVela's `vela ls` columns (one row per component, `├─`/`└─` for an app's further
 * components) plus REVISION, WORKFLOW and CANARY; `-o wide` adds PUBLISH-VERSION and the current STEP.
 */
export function formatAppTable(
  apps: readonly AppListEntry[],
  allNamespaces: boolean,
  wide: boolean,
  style: Style,
): string {
  const rows: string[][] = [];
  for (const app of apps) {
    const components: (AppListComponent | undefined)[] =
      app.components.length === 0 ? [undefined] : [...app.components];
    components.forEach((component, index) => {
      const label = index === 0 ? app.name : index === components.length - 1 ? "└─" : "├─";
      const healthy =
        component?.healthy === undefined ? "" : component.healthy ? style.good("healthy") : style.bad("unhealthy");
      rows.push([
        ...(allNamespaces ? [app.namespace] : []),
        label,
        component?.name ?? "",
        component?.type ?? "",
        component?.traits.join(",") ?? "",
        style.phase(app.phase ?? ""),
        healthy,
        component?.message ?? "",
        app.revision ?? "",
        style.phase(describeWorkflow(app)),
        describeCanary(component?.canary),
        app.createdAt ?? "",
        app.publishVersion ?? "",
        currentStep(app),
      ]);
    });
  }
  const offset = allNamespaces ? 1 : 0;
  return formatWideTable(
    {
      headers: [...(allNamespaces ? ["NAMESPACE"] : []), ...HEADERS],
      rows,
      wideOnly: WIDE_ONLY.map((index) => index + offset),
    },
    wide,
  );
}

/** `vela-ts ls [-A] [-n NS] [-o …]`: the applications, as `vela ls` lists them. */
export function registerLs(program: Command, env: CommandEnv): void {
  const command = addNamespaceFlag(
    program
      .command("ls")
      .alias("list")
      .description("list applications: components, types, traits, phase, health, revision, workflow and canary step")
      .option("-A, --all-namespaces", "list the applications of every namespace")
      .option("-o, --output <format>", OUTPUT_HELP),
    "only this namespace",
  );
  addTargetFlags(command);
  examples(command, [
    ["list the applications of the current namespace", "vela-ts ls"],
    ["every namespace, with the publish version and the running step", "vela-ts ls -A -o wide"],
    ["only the names", "vela-ts ls -o name"],
    [
      "name and phase of each application",
      'vela-ts ls -o jsonpath=\'{range .items[*]}{.metadata.name}{"\\t"}{.status.status}{"\\n"}{end}\'',
    ],
    ["your own columns", "vela-ts ls -o custom-columns=NAME:.metadata.name,REVISION:.status.latestRevision.name"],
  ]);
  command.action(async (flags: LsFlags) => {
    const output = await parseOutputSpec(flags.output, env.ctx);
    if (flags.allNamespaces === true && flags.namespace !== undefined)
      throw new UsageError("-n and -A cannot be used together", { hint: "drop -n to list every namespace" });
    const { listApplications } = await loadController();
    const options = targetOptions(flags, env.ctx, "vela-ts ls");
    const namespace = await namespaceOf(flags, options);
    const allNamespaces = flags.allNamespaces === true;
    const result = await listApplications({ ...options, namespace, allNamespaces });
    const printable: Printable = {
      data: { items: result.apps.map((app) => app.application) },
      names: () => result.apps.map((app) => `application.core.oam.dev/${app.name}`),
      human: ({ wide, style }) => formatAppTable(result.apps, allNamespaces, wide, style),
      emptyMessage: allNamespaces ? "No applications found." : `No applications found in ${namespace} namespace.`,
    };
    printResult(env.ctx.stdout, env.ctx.stderr, output, printable, env.stdoutStyle);
  });
}
