import type { Command } from "commander";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { objectsPrintable } from "../printers/objects.js";
import { OUTPUT_HELP, parseOutputSpec, printResult } from "../printers/printer.js";

interface TemplateFlags {
  readonly values: string[];
  readonly set: string[];
  readonly releaseName?: string;
  readonly namespace?: string;
  readonly kubeVersion?: string;
  readonly output?: string;
  readonly apiVersions: string[];
  readonly showOnly: string[];
  readonly includeCrds?: boolean;
  readonly skipTests?: boolean;
  readonly hooks?: boolean;
  readonly isUpgrade?: boolean;
  readonly nameTemplate?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `vela-ts chart template`: renders a Helm chart offline, like `helm template`. */
export function registerChart(program: Command, env: CommandEnv): void {
  const chart = program
    .command("chart")
    .description("work with Helm charts offline (Go-template engine, no helm binary)");
  const template = chart
    .command("template")
    .description("render a chart directory or .tgz to Kubernetes objects, as helm template does")
    .argument("<chart>", "chart directory or packaged .tgz")
    .option("-f, --values <file>", "values file (repeatable; later files win)", collect, [])
    .option("--set <key=value>", "set a value: a.b=c, list[0]=x, key={a,b} (repeatable)", collect, [])
    .option("--release-name <name>", "release name (.Release.Name)", "release-name")
    .option("-n, --namespace <ns>", "namespace (.Release.Namespace)", "default")
    .option("--kube-version <version>", "Kubernetes version for .Capabilities.KubeVersion", "v1.29.0")
    .option("-a, --api-versions <version>", "extra .Capabilities.APIVersions (repeatable)", collect, [])
    .option("-s, --show-only <template>", "print only these templates (repeatable, globs)", collect, [])
    .option("--include-crds", "print the chart's crds/ files first")
    .option("--skip-tests", "leave out test hooks")
    .option("--no-hooks", "leave out hooks")
    .option("--is-upgrade", "render as an upgrade (.Release.IsUpgrade)")
    .option("--name-template <template>", "release name from a template (sprig functions)")
    .option(
      "-o, --output <format>",
      `${OUTPUT_HELP} (default: YAML with a # Source per object, as helm prints it); the data is a List of the objects`,
    );
  examples(template, [
    ["what the example chart deploys", "vela-ts chart template examples/charts/repo/demo-app-1.0.0.tgz"],
    [
      "with a value set, listing only the objects",
      "vela-ts chart template examples/charts/repo/demo-app-1.0.0.tgz --set replicaCount=2 -o name",
    ],
  ]);
  template.action(async (chartPath: string, flags: TemplateFlags) => {
    const output = await parseOutputSpec(flags.output, env.ctx);
    const { templateChart, formatHelmTemplate } = await loadController();
    const rendered = templateChart({
      chart: chartPath,
      cwd: env.ctx.cwd,
      valueFiles: flags.values,
      set: flags.set,
      ...(flags.releaseName === undefined ? {} : { releaseName: flags.releaseName }),
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      ...(flags.kubeVersion === undefined ? {} : { kubeVersion: flags.kubeVersion }),
      apiVersions: flags.apiVersions,
      isUpgrade: flags.isUpgrade === true,
      ...(flags.nameTemplate === undefined ? {} : { nameTemplate: flags.nameTemplate }),
    });
    const stream = (): string =>
      formatHelmTemplate(rendered, {
        includeCrds: flags.includeCrds === true,
        skipTests: flags.skipTests === true,
        noHooks: flags.hooks === false,
        showOnly: flags.showOnly,
      });
    printResult(env.ctx.stdout, env.ctx.stderr, output, objectsPrintable(rendered.objects, stream), env.stdoutStyle);
  });
}
