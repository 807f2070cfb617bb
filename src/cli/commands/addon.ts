import type { Command } from "commander";
import type { AddonStatus } from "../../operations/index.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { OUTPUT_HELP, parseOutputSpec, printResult, type Printable } from "../printers/printer.js";
import { formatWideTable } from "../printers/table.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";
import type { Style } from "../terminal/style.js";

interface AddonFlags extends TargetFlags {
  readonly output?: string;
  readonly force?: boolean;
}

/** The `addon status` text. */
export function formatAddonStatus(status: AddonStatus): string {
  const lines = [
    `addon: ${status.name}`,
    `version: ${status.version}`,
    `status: ${status.enabled ? "enabled" : "disabled"}`,
    `description: ${status.description}`,
    `dependencies: ${status.dependencies.length === 0 ? "none" : status.dependencies.join(", ")}`,
    `required by: ${status.requiredBy.length === 0 ? "none" : status.requiredBy.join(", ")}`,
    `simulated controllers: ${status.controllers.length === 0 ? "none" : `${status.controllers.join(", ")} (${status.enabled ? "running" : "off"})`}`,
    "definitions:",
    ...(status.definitions.length === 0
      ? ["  none"]
      : status.definitions.map(
          (definition) => `  ${definition.kind}/${definition.name}${definition.installed ? " (installed)" : ""}`,
        )),
    "used by:",
    ...(status.usedBy.length === 0
      ? ["  no application"]
      : status.usedBy.map((usage) => `  ${usage.namespace}/${usage.app}: ${usage.types.join(", ")}`)),
  ];
  return `${lines.join("\n")}\n`;
}

function addonName(name: string): string {
  return `addon/${name}`;
}

function enabledWord(enabled: boolean, style: Style): string {
  return enabled ? style.good("enabled") : style.dim("disabled");
}

/** `vela-ts addon list|status|enable|disable` (the sandbox's bundled addons). */
export function registerAddon(program: Command, env: CommandEnv): void {
  const addon = program
    .command("addon")
    .description("list, enable and disable the bundled addons (sandbox: their definitions and simulated controllers)");
  const list = addTargetFlags(
    addon
      .command("list")
      .description("list the bundled addons and whether they are enabled")
      .option("-o, --output <format>", `${OUTPUT_HELP}; the data is a List of addons`),
  );
  examples(list, [
    ["the bundled addons", "vela-ts addon list"],
    ["with their dependencies", "vela-ts addon list -o wide"],
    ["the enabled ones only", "vela-ts addon list -o jsonpath='{.items[?(@.enabled==true)].name}'"],
  ]);
  list.action(async (flags: AddonFlags) => {
    const output = await parseOutputSpec(flags.output, env.ctx);
    const { listAddons } = await loadController();
    const addons = await listAddons(targetOptions(flags, env.ctx, "vela-ts addon list"));
    const printable: Printable = {
      data: { items: addons },
      names: () => addons.map((entry) => addonName(entry.name)),
      human: ({ wide, style }) =>
        formatWideTable(
          {
            headers: ["NAME", "DESCRIPTION", "VERSION", "STATUS", "DEPENDENCIES"],
            rows: addons.map((entry) => [
              entry.name,
              entry.description,
              entry.version,
              enabledWord(entry.enabled, style),
              entry.dependencies.join(",") || "-",
            ]),
            wideOnly: [4],
          },
          wide,
        ),
    };
    printResult(env.ctx.stdout, env.ctx.stderr, output, printable, env.stdoutStyle);
  });
  const status = addTargetFlags(
    addon
      .command("status <name>")
      .description("show an addon's state, definitions, controllers and the apps using it")
      .option("-o, --output <format>", `${OUTPUT_HELP}; the data is the addon's status`),
  );
  examples(status, [
    ["what kruise-rollout brings and who uses it", "vela-ts addon status kruise-rollout"],
    ["its definitions' names", "vela-ts addon status kruise-rollout -o jsonpath='{.definitions[*].name}'"],
  ]);
  status.action(async (name: string, flags: AddonFlags) => {
    const output = await parseOutputSpec(flags.output, env.ctx);
    const { addonStatus } = await loadController();
    const result = await addonStatus({ ...targetOptions(flags, env.ctx, "vela-ts addon status"), name });
    printResult(
      env.ctx.stdout,
      env.ctx.stderr,
      output,
      { data: { object: result }, names: () => [addonName(result.name)], human: () => formatAddonStatus(result) },
      env.stdoutStyle,
    );
  });
  const enable = addTargetFlags(
    addon
      .command("enable <name>")
      .description("enable an addon and its dependencies: install their definitions and switch on their controllers"),
  );
  examples(enable, [["enable istio (and what it depends on)", "vela-ts addon enable istio"]]);
  enable.action(async (name: string, flags: AddonFlags) => {
    const { enableAddon } = await loadController();
    const result = await enableAddon({ ...targetOptions(flags, env.ctx, "vela-ts addon enable"), name });
    for (const dependency of result.enabled.filter((enabled) => enabled !== name))
      env.ctx.stdout.write(`Addon ${dependency} enabled (dependency of ${name}).\n`);
    env.ctx.stdout.write(
      result.enabled.includes(name)
        ? `Addon ${name} enabled successfully.\n`
        : `Addon ${name} is already enabled; its definitions were reinstalled.\n`,
    );
    env.ctx.stdout.write(`${result.installed.length} definition(s) installed.\n`);
  });
  const disable = addTargetFlags(
    addon
      .command("disable <name>")
      .description(
        "disable an addon: remove its definitions and switch off its controllers (refused while apps use it)",
      )
      .option("-f, --force", "disable even though applications or addons still use it"),
  );
  examples(disable, [["switch istio off (refused while an application uses it)", "vela-ts addon disable istio"]]);
  disable.action(async (name: string, flags: AddonFlags) => {
    const { disableAddon } = await loadController();
    const result = await disableAddon({
      ...targetOptions(flags, env.ctx, "vela-ts addon disable"),
      name,
      force: flags.force === true,
    });
    for (const usage of result.usedBy)
      env.ctx.stderr.write(
        `warning: application ${usage.namespace}/${usage.app} still uses ${usage.types.join(", ")}\n`,
      );
    for (const other of result.requiredBy) env.ctx.stderr.write(`warning: addon ${other} depends on ${name}\n`);
    env.ctx.stdout.write(
      result.wasEnabled ? `Addon ${name} disabled successfully.\n` : `Addon ${name} was not enabled.\n`,
    );
    if (result.removed.length > 0) env.ctx.stdout.write(`${result.removed.length} definition(s) removed.\n`);
  });
}
