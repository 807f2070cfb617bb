import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../errors/index.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { toYaml } from "../printers/printer.js";
import { addNamespaceFlag, addTargetFlags, namespaceOf, targetOptions, type TargetFlags } from "../target-flags.js";

interface AdoptFlags extends TargetFlags {
  readonly mode?: string;
  readonly app?: string;
  readonly output?: string;
}

const MODES = ["read-only", "take-over"] as const;

/** `vela-ts adopt <kind>/<name>… [--mode read-only|take-over] [--app NAME] [-n NS] [-o FILE]`. */
export function registerAdopt(program: Command, env: CommandEnv): void {
  const command = addNamespaceFlag(
    program
      .command("adopt <resources...>")
      .description(
        "propose an Application that adopts running objects without changing them (a ref-objects component and a read-only or take-over policy)",
      )
      .option("--mode <mode>", "read-only (the app only reads them; default) or take-over (the app owns them)")
      .option("--app <name>", "name of the Application (default: the first object's name)")
      .option("-o, --output <file>", "write the Application to a file instead of standard output"),
    "namespace of the objects and of the Application",
  );
  addTargetFlags(command);
  examples(command, [
    ["adopt a running Deployment, read-only", "vela-ts adopt deployment/web"],
    ["take it over into an application named shop", "vela-ts adopt deploy/web --mode take-over --app shop"],
  ]);
  command.action(async (resources: string[], flags: AdoptFlags) => {
    const mode = MODES.find((candidate) => candidate === (flags.mode ?? "read-only"));
    if (mode === undefined)
      throw new UsageError(`unknown adoption mode "${flags.mode ?? ""}"`, { hint: `use --mode ${MODES.join(" | ")}` });
    const { adoptResources } = await loadController();
    const target = targetOptions(flags, env.ctx, "vela-ts adopt");
    const namespace = await namespaceOf(flags, target);
    const result = await adoptResources({
      ...target,
      resources,
      mode,
      namespace,
      ...(flags.app === undefined ? {} : { app: flags.app }),
    });
    for (const note of result.notes) env.ctx.stderr.write(`note: ${note}\n`);
    const text = toYaml(result.application);
    if (flags.output === undefined) env.ctx.stdout.write(text);
    else {
      writeFileSync(resolve(env.ctx.cwd, flags.output), text);
      env.ctx.stderr.write(`wrote ${flags.output}: apply it with vela-ts up -f ${flags.output}\n`);
    }
  });
}
