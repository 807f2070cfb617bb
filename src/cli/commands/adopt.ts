import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { UsageError, VelaError } from "../../errors/index.js";
import type { DecompiledApplication } from "../../operations/index.js";
import type { JsonValue } from "../../util/index.js";
import type { CommandEnv } from "../command.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { toYaml } from "../printers/printer.js";
import { addNamespaceFlag, addTargetFlags, namespaceOf, targetOptions, type TargetFlags } from "../target-flags.js";

interface AdoptFlags extends TargetFlags {
  readonly mode?: string;
  readonly app?: string;
  readonly output?: string;
  readonly decompile?: boolean;
  readonly acceptRestart?: boolean;
}

function shown(value: JsonValue | undefined): string {
  return value === undefined ? "(none)" : JSON.stringify(value);
}

/** What applying a decompiled Application changes, one line per field; throws when it restarts pods unless accepted. */
function reportDecompiled(decompiled: DecompiledApplication, acceptRestart: boolean, env: CommandEnv): void {
  const err = env.ctx.stderr;
  const lines = decompiled.differences.map(
    (difference) =>
      `  ${difference.object} ${difference.path === "" ? "(whole object)" : difference.path}: ` +
      `${shown(difference.live)} → ${shown(difference.rendered)}${difference.restartsPods ? "  (pod template)" : ""}\n`,
  );
  for (const object of decompiled.undescribed)
    err.write(
      `note: no decompile rule describes ${object.kind} ${object.metadata.name ?? ""}: it stays adopted as it is (a ref-objects component)\n`,
    );
  if (lines.length === 0) {
    err.write("the proposal renders the live objects as they are: applying it changes nothing and restarts no pod\n");
    return;
  }
  if (!decompiled.restartsPods) {
    err.write("applying the proposal changes these fields (no pod template among them: no pod restarts):\n");
    for (const line of lines) err.write(line);
    return;
  }
  err.write("applying the proposal changes these fields; those in the pod template restart the pods:\n");
  for (const line of lines) err.write(line);
  if (!acceptRestart)
    throw new VelaError("E_ADOPT_RESTART", "applying the decompiled Application would restart the pods", {
      hint: "change the live object or the proposal so the pod template matches, or pass --accept-restart to take the proposal anyway",
    });
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
      .option("-o, --output <file>", "write the Application to a file instead of standard output")
      .option(
        "--decompile",
        "turn the objects into a component with traits (the definitions' decompile rules) and compare its rendering with them",
      )
      .option("--accept-restart", "with --decompile: propose the Application even when applying it restarts the pods"),
    "namespace of the objects and of the Application",
  );
  addTargetFlags(command);
  examples(command, [
    ["adopt a running Deployment, read-only", "vela-ts adopt deployment/web"],
    ["take it over into an application named shop", "vela-ts adopt deploy/web --mode take-over --app shop"],
    ["turn it into a webservice component with traits", "vela-ts adopt deploy/web svc/web --decompile --app shop"],
  ]);
  command.action(async (resources: string[], flags: AdoptFlags) => {
    const mode = MODES.find((candidate) => candidate === (flags.mode ?? "read-only"));
    if (mode === undefined)
      throw new UsageError(`unknown adoption mode "${flags.mode ?? ""}"`, { hint: `use --mode ${MODES.join(" | ")}` });
    if (flags.acceptRestart === true && flags.decompile !== true)
      throw new UsageError("--accept-restart goes with --decompile", {
        hint: "vela-ts adopt deploy/web --decompile --accept-restart",
      });
    const { adoptResources } = await loadController();
    const target = targetOptions(flags, env.ctx, "vela-ts adopt");
    const namespace = await namespaceOf(flags, target);
    const result = await adoptResources({
      ...target,
      resources,
      mode,
      namespace,
      ...(flags.app === undefined ? {} : { app: flags.app }),
      ...(flags.decompile === true ? { decompile: true } : {}),
    });
    for (const note of result.notes) env.ctx.stderr.write(`note: ${note}\n`);
    if (result.decompiled !== undefined) reportDecompiled(result.decompiled, flags.acceptRestart === true, env);
    const text = toYaml(result.application);
    if (flags.output === undefined) env.ctx.stdout.write(text);
    else {
      writeFileSync(resolve(env.ctx.cwd, flags.output), text);
      env.ctx.stderr.write(`wrote ${flags.output}: apply it with vela-ts up -f ${flags.output}\n`);
    }
  });
}
