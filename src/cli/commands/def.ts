import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { InitDefinitionType } from "../../controller/index.js";
import { NotFoundError, UsageError } from "../../errors/index.js";
import { parseYamlValue } from "../../model/parse-yaml.js";
import type { CommandEnv } from "../command.js";
import type { CliContext } from "../context.js";
import { formatTable, parseOutputFormat, printObjects } from "../output.js";
import { collectOption } from "./dry-run.js";
import { loadController } from "../lazy-controller.js";

const DEFINITION_TYPES = ["component", "trait", "policy", "workflow-step"] as const;
type DefinitionTypeFlag = (typeof DEFINITION_TYPES)[number];
const INIT_TYPES: readonly InitDefinitionType[] = ["component", "trait", "step"];

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
  const def = program.command("def").description("List, check, render, document and scaffold definitions");

  def
    .command("list")
    .description("List the definitions dry-run can use (built-ins, bundled addons, --definitions)")
    .option("-t, --type <type>", `only one type: ${DEFINITION_TYPES.join(", ")}`)
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, [])
    .action(async (flags: { type?: string; definitions: string[] }) => {
      const {
        documentDefinition,
        initDefinition,
        listDefinitions,
        propertiesFromFlags,
        renderDefinitionFile,
        vetDefinitionFiles,
      } = await loadController();
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
    .description("Check definition files: format, parameter shorthand, templates (rendered with sample properties)")
    .argument("<files...>", "definition YAML files")
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, [])
    .action(async (files: string[], flags: { definitions: string[] }) => {
      const {
        documentDefinition,
        initDefinition,
        listDefinitions,
        propertiesFromFlags,
        renderDefinitionFile,
        vetDefinitionFiles,
      } = await loadController();
      const result = vetDefinitionFiles({
        files: files.map((file) => readFile(ctx, file)),
        definitionDirs: flags.definitions,
        cwd: ctx.cwd,
      });
      ctx.stdout.write(result.files.map((file) => `${file}: Validation succeeded.\n`).join(""));
    });

  def
    .command("render")
    .description("Render one definition with properties (a trait on a sample component)")
    .argument("<file>", "definition YAML file")
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
        const {
          documentDefinition,
          initDefinition,
          listDefinitions,
          propertiesFromFlags,
          renderDefinitionFile,
          vetDefinitionFiles,
        } = await loadController();
        const format = parseOutputFormat(flags.output);
        const propertiesFile = flags.properties === undefined ? undefined : readFile(ctx, flags.properties);
        const base =
          propertiesFile === undefined ? {} : (parseYamlValue(propertiesFile.text, propertiesFile.file) as unknown);
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
      const {
        documentDefinition,
        initDefinition,
        listDefinitions,
        propertiesFromFlags,
        renderDefinitionFile,
        vetDefinitionFiles,
      } = await loadController();
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
    .description("Write a commented definition skeleton that passes def vet")
    .argument("<name>", "definition name")
    .requiredOption("--type <type>", `one of: ${INIT_TYPES.join(", ")}`)
    .option("-d, --description <text>", "description annotation")
    .option("-o, --output <file>", "write to a file instead of standard output")
    .action(async (name: string, flags: { type: string; description?: string; output?: string }) => {
      const {
        documentDefinition,
        initDefinition,
        listDefinitions,
        propertiesFromFlags,
        renderDefinitionFile,
        vetDefinitionFiles,
      } = await loadController();
      const type = INIT_TYPES.find((candidate) => candidate === flags.type);
      if (type === undefined)
        throw new UsageError(`unknown definition type "${flags.type}"`, {
          hint: `use --type ${INIT_TYPES.join(" | ")}`,
        });
      const text = initDefinition({
        name,
        type,
        ...(flags.description === undefined ? {} : { description: flags.description }),
      });
      if (flags.output === undefined) ctx.stdout.write(text);
      else {
        writeFileSync(resolve(ctx.cwd, flags.output), text);
        ctx.stderr.write(`wrote ${flags.output}\n`);
      }
    });
}
