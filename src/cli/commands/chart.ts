import type { Command } from "commander";
import { stringify } from "yaml";
import type { CommandEnv } from "../command.js";
import { parseOutputFormat } from "../output.js";
import { loadController } from "../lazy-controller.js";

interface TemplateFlags {
  readonly values: string[];
  readonly set: string[];
  readonly releaseName?: string;
  readonly namespace?: string;
  readonly kubeVersion?: string;
  readonly output?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `vela-ts chart template`: renders a Helm chart offline, like `helm template`. */
export function registerChart(program: Command, env: CommandEnv): void {
  const chart = program
    .command("chart")
    .description("work with Helm charts offline (Go-template engine, no helm binary)");
  chart
    .command("template")
    .description("render a chart directory or .tgz to Kubernetes objects, as helm template does")
    .argument("<chart>", "chart directory or packaged .tgz")
    .option("-f, --values <file>", "values file (repeatable; later files win)", collect, [])
    .option("--set <key=value>", "set a value: a.b=c, list[0]=x, key={a,b} (repeatable)", collect, [])
    .option("--release-name <name>", "release name (.Release.Name)", "release-name")
    .option("-n, --namespace <ns>", "namespace (.Release.Namespace)", "default")
    .option("--kube-version <version>", "Kubernetes version for .Capabilities.KubeVersion", "v1.29.0")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .action(async (chartPath: string, flags: TemplateFlags) => {
      const { templateChart } = await loadController();
      const format = parseOutputFormat(flags.output);
      const rendered = templateChart({
        chart: chartPath,
        cwd: env.ctx.cwd,
        valueFiles: flags.values,
        set: flags.set,
        ...(flags.releaseName === undefined ? {} : { releaseName: flags.releaseName }),
        ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
        ...(flags.kubeVersion === undefined ? {} : { kubeVersion: flags.kubeVersion }),
      });
      if (format === "json") {
        env.ctx.stdout.write(
          `${JSON.stringify({ apiVersion: "v1", kind: "List", items: rendered.objects }, null, 2)}\n`,
        );
        return;
      }
      const sources = new Map(
        rendered.templates.flatMap((template) => template.objects.map((object) => [object, template.source] as const)),
      );
      const text = rendered.objects
        .map(
          (object) =>
            `---\n# Source: ${sources.get(object) ?? ""}\n${stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })}`,
        )
        .join("");
      env.ctx.stdout.write(text);
    });
}
