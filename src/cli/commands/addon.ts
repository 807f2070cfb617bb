import type { Command } from "commander";
import type { AddonStatus } from "../../controller/index.js";
import type { CommandEnv } from "../command.js";
import { formatTable, parseOutputFormat, printValue } from "../output.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";
import { loadController } from "../lazy-controller.js";

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

/** `vela-ts addon list|status|enable|disable` (the sandbox's bundled addons). */
export function registerAddon(program: Command, env: CommandEnv): void {
  const addon = program
    .command("addon")
    .description("list, enable and disable the bundled addons (sandbox: their definitions and simulated controllers)");
  addTargetFlags(
    addon
      .command("list")
      .description("list the bundled addons and whether they are enabled")
      .option("-o, --output <format>", "print as yaml or json"),
  ).action(async (flags: AddonFlags) => {
    const { listAddons } = await loadController();
    const format = flags.output === undefined ? undefined : parseOutputFormat(flags.output);
    const addons = await listAddons(targetOptions(flags, env.ctx, "vela-ts addon list"));
    if (format !== undefined) {
      printValue(env.ctx.stdout, addons, format);
      return;
    }
    env.ctx.stdout.write(
      formatTable(
        ["NAME", "DESCRIPTION", "VERSION", "STATUS"],
        addons.map((entry) => [entry.name, entry.description, entry.version, entry.enabled ? "enabled" : "disabled"]),
      ),
    );
  });
  addTargetFlags(
    addon
      .command("status <name>")
      .description("show an addon's state, definitions, controllers and the apps using it")
      .option("-o, --output <format>", "print as yaml or json"),
  ).action(async (name: string, flags: AddonFlags) => {
    const { addonStatus } = await loadController();
    const format = flags.output === undefined ? undefined : parseOutputFormat(flags.output);
    const status = await addonStatus({ ...targetOptions(flags, env.ctx, "vela-ts addon status"), name });
    if (format !== undefined) printValue(env.ctx.stdout, status, format);
    else env.ctx.stdout.write(formatAddonStatus(status));
  });
  addTargetFlags(
    addon
      .command("enable <name>")
      .description("enable an addon and its dependencies: install their definitions and switch on their controllers"),
  ).action(async (name: string, flags: AddonFlags) => {
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
  addTargetFlags(
    addon
      .command("disable <name>")
      .description(
        "disable an addon: remove its definitions and switch off its controllers (refused while apps use it)",
      )
      .option("-f, --force", "disable even though applications or addons still use it"),
  ).action(async (name: string, flags: AddonFlags) => {
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
