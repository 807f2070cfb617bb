import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import type { InitDefinitionFormat, InitDefinitionType } from "../../controller/index.js";
import { NotFoundError, UsageError } from "../../errors/index.js";
import type { CommandEnv } from "../command.js";
import type { CliContext } from "../context.js";
import { formatTable, parseOutputFormat, printObjects } from "../output.js";
import { collectOption } from "./dry-run.js";
import { loadController } from "../lazy-controller.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";

const DEFINITION_TYPES = ["component", "trait", "policy", "workflow-step"] as const;
type DefinitionTypeFlag = (typeof DEFINITION_TYPES)[number];
const INIT_TYPES: readonly InitDefinitionType[] = ["component", "trait", "policy", "workflow-step", "step"];
const INIT_FORMATS: readonly InitDefinitionFormat[] = ["cue", "handlebars"];

function readFile(ctx: CliContext, file: string): { readonly file: string; readonly text: string } {
  const path = resolve(ctx.cwd, file);
  if (!existsSync(path))
    throw new NotFoundError("E_FILE_NOT_FOUND", `file ${file} does not exist`, { hint: "check the path" });
  return { file, text: readFileSync(path, "utf8") };
}

function definitionType(value: string | undefined): DefinitionTypeFlag | undefined {
  if (value === undefined) return undefined;
  const found = DEFINITION_TYPES.find((type) => type === value);
  if (found === undefined)
    throw new UsageError(`unknown definition type "${value}"`, { hint: `use one of: ${DEFINITION_TYPES.join(", ")}` });
  return found;
}

/** `vela-ts def list|vet|render|doc|init`: work with definitions. */
export function registerDef(program: Command, env: CommandEnv): void {
  const { ctx } = env;
  const def = program.command("def").description("List, check, render, document, scaffold and store definitions");

  def
    .command("list")
    .description("List the definitions dry-run can use (built-ins, bundled addons, --definitions)")
    .option("-t, --type <type>", `only one type: ${DEFINITION_TYPES.join(", ")}`)
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, [])
    .action(async (flags: { type?: string; definitions: string[] }) => {
      const { listDefinitions } = await loadController();
      const type = definitionType(flags.type);
      const result = listDefinitions({
        definitionDirs: flags.definitions,
        cwd: ctx.cwd,
        ...(type === undefined ? {} : { type }),
      });
      for (const warning of result.warnings) ctx.stderr.write(`warning: ${warning.message}\n`);
      ctx.stdout.write(
        formatTable(
          ["NAME", "TYPE", "SOURCE", "DESCRIPTION"],
          result.definitions.map((row) => [row.name, row.type, row.source, row.description]),
        ),
      );
    });

  def
    .command("vet")
    .description(
      "Check definition files: format, CUE or parameter shorthand, templates (rendered with sample properties)",
    )
    .argument("<files...>", "definition files (YAML or KubeVela .cue)")
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, [])
    .action(async (files: string[], flags: { definitions: string[] }) => {
      const { vetDefinitionFiles } = await loadController();
      const result = vetDefinitionFiles({
        files: files.map((file) => readFile(ctx, file)),
        definitionDirs: flags.definitions,
        cwd: ctx.cwd,
      });
      ctx.stdout.write(result.files.map((file) => `${file}: Validation succeeded.\n`).join(""));
    });

  def
    .command("render")
    .description(
      "Render one definition with properties (a trait on a sample component); a .cue definition without properties prints its Definition YAML",
    )
    .argument("<file>", "definition file (YAML or KubeVela .cue)")
    .option("-p, --property <key=value>", "a property (repeatable; dotted keys nest)", collectOption, [])
    .option("--properties <file>", "properties as a YAML file")
    .option("--name <name>", "which definition of the file (default: the first)")
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, [])
    .option("-o, --output <format>", "yaml or json")
    .action(
      async (
        file: string,
        flags: { property: string[]; properties?: string; name?: string; definitions: string[]; output?: string },
      ) => {
        const { propertiesFromFlags, renderDefinitionFile, cueDefinitionDocument } = await loadController();
        const format = parseOutputFormat(flags.output);
        if (file.endsWith(".cue") && flags.property.length === 0 && flags.properties === undefined) {
          // KubeVela's `vela def render`: the .cue source form becomes its Definition YAML.
          printObjects(ctx.stdout, [cueDefinitionDocument(readFile(ctx, file))], format);
          return;
        }
        const base = flags.properties === undefined ? {} : (parseYaml(readFile(ctx, flags.properties).text) as unknown);
        if (base !== null && (typeof base !== "object" || Array.isArray(base)))
          throw new UsageError("--properties must hold a YAML mapping", { hint: "write key: value lines" });
        const properties = propertiesFromFlags(
          flags.property,
          (base ?? {}) as Parameters<typeof propertiesFromFlags>[1],
        );
        const result = renderDefinitionFile({
          ...readFile(ctx, file),
          properties,
          definitionDirs: flags.definitions,
          cwd: ctx.cwd,
          ...(flags.name === undefined ? {} : { name: flags.name }),
        });
        printObjects(ctx.stdout, result.objects, format);
      },
    );

  def
    .command("doc")
    .description("Print a definition's reference in Markdown (parameters table)")
    .argument("<name>", "definition name")
    .option("-t, --type <type>", `disambiguate: ${DEFINITION_TYPES.join(", ")}`)
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, [])
    .action(async (name: string, flags: { type?: string; definitions: string[] }) => {
      const { documentDefinition } = await loadController();
      const type = definitionType(flags.type);
      ctx.stdout.write(
        documentDefinition({
          name,
          definitionDirs: flags.definitions,
          cwd: ctx.cwd,
          ...(type === undefined ? {} : { type }),
        }),
      );
    });

  def
    .command("init")
    .description("Write a commented definition skeleton that passes def vet (KubeVela's .cue format by default)")
    .argument("<name>", "definition name")
    .requiredOption("-t, --type <type>", `one of: ${INIT_TYPES.join(", ")}`)
    .option("-d, --description <text>", "description")
    .option("--desc <text>", "description (same as --description)")
    .option("--format <format>", `cue (default) or handlebars`)
    .option("-o, --output <file>", "write to a file instead of standard output")
    .action(
      async (
        name: string,
        flags: { type: string; description?: string; desc?: string; format?: string; output?: string },
      ) => {
        const { initDefinition } = await loadController();
        const type = INIT_TYPES.find((candidate) => candidate === flags.type);
        if (type === undefined)
          throw new UsageError(`unknown definition type "${flags.type}"`, {
            hint: `use -t ${INIT_TYPES.join(" | ")}`,
          });
        const format = INIT_FORMATS.find((candidate) => candidate === (flags.format ?? "cue"));
        if (format === undefined)
          throw new UsageError(`unknown format "${flags.format ?? ""}"`, {
            hint: `use --format ${INIT_FORMATS.join(" | ")}`,
          });
        const description = flags.desc ?? flags.description;
        const text = initDefinition({ name, type, format, ...(description === undefined ? {} : { description }) });
        if (flags.output === undefined) ctx.stdout.write(text);
        else {
          writeFileSync(resolve(ctx.cwd, flags.output), text);
          ctx.stderr.write(`wrote ${flags.output}\n`);
        }
      },
    );

  addTargetFlags(
    def
      .command("apply")
      .description(
        "Check definition files and store their definitions in the cluster (sandbox or real), for later commands",
      )
      .argument("<files...>", "definition files (YAML or KubeVela .cue)"),
  ).action(async (files: string[], flags: TargetFlags) => {
    const { applyDefinitionFiles } = await loadController();
    const applied = await applyDefinitionFiles({
      ...targetOptions(flags, ctx, "vela-ts def apply"),
      files: files.map((file) => readFile(ctx, file)),
    });
    ctx.stdout.write(applied.map((entry) => `${entry.kind}/${entry.name} ${entry.action}\n`).join(""));
  });

  addTargetFlags(
    def
      .command("get")
      .description("Print a definition stored in the cluster")
      .argument("<name>", "definition name")
      .option("-t, --type <type>", `disambiguate: ${DEFINITION_TYPES.join(", ")}`)
      .option("-o, --output <format>", "yaml (default) or json"),
  ).action(async (name: string, flags: TargetFlags & { type?: string; output?: string }) => {
    const { getClusterDefinition } = await loadController();
    const type = definitionType(flags.type);
    const documents = await getClusterDefinition({
      ...targetOptions(flags, ctx, "vela-ts def get"),
      name,
      ...(type === undefined ? {} : { type }),
    });
    printObjects(ctx.stdout, documents, parseOutputFormat(flags.output));
  });

  addTargetFlags(
    def
      .command("del")
      .alias("delete")
      .description("Delete a definition stored in the cluster")
      .argument("<name>", "definition name")
      .option("-t, --type <type>", `disambiguate: ${DEFINITION_TYPES.join(", ")}`),
  ).action(async (name: string, flags: TargetFlags & { type?: string }) => {
    const { deleteClusterDefinition } = await loadController();
    const type = definitionType(flags.type);
    const deleted = await deleteClusterDefinition({
      ...targetOptions(flags, ctx, "vela-ts def del"),
      name,
      ...(type === undefined ? {} : { type }),
    });
    ctx.stdout.write(deleted.map((entry) => `${entry.kind}/${entry.name} deleted\n`).join(""));
  });
}
