import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { InitDefinitionFormat, InitDefinitionType } from "../../operations/index.js";
import type { KubeObject } from "../../model/kube-object.js";
import { NotFoundError, UsageError } from "../../errors/index.js";
import { parseYamlValue } from "../../model/parse-yaml.js";
import type { CommandEnv } from "../command.js";
import type { CliContext } from "../context.js";
import { examples } from "../help.js";
import { loadController } from "../lazy-controller.js";
import { OUTPUT_HELP, parseOutputSpec, printResult, type Printable } from "../printers/printer.js";
import { formatTable } from "../printers/table.js";
import { objectsPrintable } from "../printers/objects.js";
import { collectOption } from "./dry-run.js";
import { addTargetFlags, targetOptions, type TargetFlags } from "../target-flags.js";

const DEFINITION_TYPES = ["component", "trait", "policy", "workflow-step"] as const;
type DefinitionTypeFlag = (typeof DEFINITION_TYPES)[number];
const INIT_TYPES: readonly InitDefinitionType[] = ["component", "trait", "policy", "workflow-step", "step"];
const INIT_FORMATS: readonly InitDefinitionFormat[] = ["cue", "handlebars"];
const DEFINITION_RESOURCES: Readonly<Record<DefinitionTypeFlag, string>> = {
  component: "componentdefinition.core.oam.dev",
  trait: "traitdefinition.core.oam.dev",
  policy: "policydefinition.core.oam.dev",
  "workflow-step": "workflowstepdefinition.core.oam.dev",
};

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

  const list = def
    .command("list")
    .description("List the definitions dry-run can use (built-ins, bundled addons, --definitions)")
    .option("-t, --type <type>", `only one type: ${DEFINITION_TYPES.join(", ")}`)
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, [])
    .option("-o, --output <format>", `${OUTPUT_HELP}; the data is a List of definitions`);
  examples(list, [
    ["every definition", "vela-ts def list"],
    ["the traits only", "vela-ts def list -t trait"],
    ["the component types' names", "vela-ts def list -t component -o name"],
  ]);
  list.action(async (flags: { type?: string; definitions: string[]; output?: string }) => {
    const output = await parseOutputSpec(flags.output, ctx);
    const controller = await loadController();
    const type = definitionType(flags.type);
    const result = controller.listDefinitions({
      definitionDirs: flags.definitions,
      cwd: ctx.cwd,
      ...(type === undefined ? {} : { type }),
    });
    for (const warning of result.warnings) ctx.stderr.write(`warning: ${warning.message}\n`);
    const rows = result.definitions;
    const printable: Printable = {
      data: { items: rows },
      names: () => rows.map((row) => `${DEFINITION_RESOURCES[row.type]}/${row.name}`),
      human: () =>
        formatTable(
          ["NAME", "TYPE", "SOURCE", "DESCRIPTION"],
          rows.map((row) => [row.name, row.type, row.source, row.description]),
        ),
      emptyMessage: "No definitions found.",
    };
    printResult(ctx.stdout, ctx.stderr, output, printable, env.stdoutStyle);
  });

  const vet = def
    .command("vet")
    .description(
      "Check definition files: format, CUE or parameter shorthand, templates (rendered with sample properties)",
    )
    .argument("<files...>", "definition files (YAML or KubeVela .cue)")
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, []);
  examples(vet, [["check the bundled webservice component", "vela-ts def vet definitions/components/webservice.yaml"]]);
  vet.action(async (files: string[], flags: { definitions: string[] }) => {
    const controller = await loadController();
    const result = controller.vetDefinitionFiles({
      files: files.map((file) => readFile(ctx, file)),
      definitionDirs: flags.definitions,
      cwd: ctx.cwd,
    });
    ctx.stdout.write(result.files.map((file) => `${file}: Validation succeeded.\n`).join(""));
  });

  const render = def
    .command("render")
    .description(
      "Render one definition with properties (a trait on a sample component); a .cue definition without properties prints its Definition YAML",
    )
    .argument("<file>", "definition file (YAML or KubeVela .cue)")
    .option("-p, --property <key=value>", "a property (repeatable; dotted keys nest)", collectOption, [])
    .option("--properties <file>", "properties as a YAML file")
    .option("--name <name>", "which definition of the file (default: the first)")
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, [])
    .option("-o, --output <format>", `${OUTPUT_HELP} (default: a YAML stream); the data is a List of the objects`);
  examples(render, [
    [
      "what the scaler trait does to a sample component",
      "vela-ts def render definitions/traits/scaler.yaml -p replicas=3",
    ],
    [
      "the kinds and names it renders",
      "vela-ts def render definitions/components/webservice.yaml -p image=nginx -o name",
    ],
  ]);
  render.action(
    async (
      file: string,
      flags: { property: string[]; properties?: string; name?: string; definitions: string[]; output?: string },
    ) => {
      const controller = await loadController();
      const output = await parseOutputSpec(flags.output, ctx);
      if (file.endsWith(".cue") && flags.property.length === 0 && flags.properties === undefined) {
        // KubeVela's `vela def render`: the .cue source form becomes its Definition YAML.
        const document = controller.cueDefinitionDocument(readFile(ctx, file));
        printResult(ctx.stdout, ctx.stderr, output, objectsPrintable([document as KubeObject]), env.stdoutStyle);
        return;
      }
      const propertiesFile = flags.properties === undefined ? undefined : readFile(ctx, flags.properties);
      const base =
        propertiesFile === undefined ? {} : (parseYamlValue(propertiesFile.text, propertiesFile.file) as unknown);
      if (base !== null && (typeof base !== "object" || Array.isArray(base)))
        throw new UsageError("--properties must hold a YAML mapping", { hint: "write key: value lines" });
      const properties = controller.propertiesFromFlags(
        flags.property,
        (base ?? {}) as Parameters<typeof controller.propertiesFromFlags>[1],
      );
      const result = controller.renderDefinitionFile({
        ...readFile(ctx, file),
        properties,
        definitionDirs: flags.definitions,
        cwd: ctx.cwd,
        ...(flags.name === undefined ? {} : { name: flags.name }),
      });
      printResult(ctx.stdout, ctx.stderr, output, objectsPrintable(result.objects as KubeObject[]), env.stdoutStyle);
    },
  );

  const doc = def
    .command("doc")
    .description("Print a definition's reference in Markdown (parameters table)")
    .argument("<name>", "definition name")
    .option("-t, --type <type>", `disambiguate: ${DEFINITION_TYPES.join(", ")}`)
    .option("--definitions <dir>", "extra definitions folder (repeatable)", collectOption, []);
  examples(doc, [["the parameters of the webservice component", "vela-ts def doc webservice"]]);
  doc.action(async (name: string, flags: { type?: string; definitions: string[] }) => {
    const controller = await loadController();
    const type = definitionType(flags.type);
    ctx.stdout.write(
      controller.documentDefinition({
        name,
        definitionDirs: flags.definitions,
        cwd: ctx.cwd,
        ...(type === undefined ? {} : { type }),
      }),
    );
  });

  const init = def
    .command("init")
    .description("Write a commented definition skeleton that passes def vet (KubeVela's .cue format by default)")
    .argument("<name>", "definition name")
    .requiredOption("-t, --type <type>", `one of: ${INIT_TYPES.join(", ")}`)
    .option("-d, --description <text>", "description")
    .option("--desc <text>", "description (same as --description)")
    .option("--format <format>", "cue (default) or handlebars")
    .option("-o, --output <file>", "write to a file instead of standard output");
  examples(init, [
    ["a CUE trait skeleton that passes def vet", "vela-ts def init my-trait -t trait --desc 'my first trait'"],
    ["the same in the handlebars format", "vela-ts def init my-trait -t trait --format handlebars"],
  ]);
  init.action(
    async (
      name: string,
      flags: { type: string; description?: string; desc?: string; format?: string; output?: string },
    ) => {
      const controller = await loadController();
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
      const text = controller.initDefinition({
        name,
        type,
        format,
        ...(description === undefined ? {} : { description }),
      });
      if (flags.output === undefined) ctx.stdout.write(text);
      else {
        writeFileSync(resolve(ctx.cwd, flags.output), text);
        ctx.stderr.write(`wrote ${flags.output}\n`);
      }
    },
  );

  const apply = addTargetFlags(
    def
      .command("apply")
      .description(
        "Check definition files and store their definitions in the cluster (sandbox or real), for later commands",
      )
      .argument("<files...>", "definition files (YAML or KubeVela .cue)"),
  );
  examples(apply, [["store a trait in the sandbox", "vela-ts def apply definitions/traits/scaler.yaml"]]);
  apply.action(async (files: string[], flags: TargetFlags) => {
    const controller = await loadController();
    const applied = await controller.applyDefinitionFiles({
      ...targetOptions(flags, ctx, "vela-ts def apply"),
      files: files.map((file) => readFile(ctx, file)),
    });
    ctx.stdout.write(applied.map((entry) => `${entry.kind}/${entry.name} ${entry.action}\n`).join(""));
  });

  const get = addTargetFlags(
    def
      .command("get")
      .description("Print a definition stored in the cluster")
      .argument("<name>", "definition name")
      .option("-t, --type <type>", `disambiguate: ${DEFINITION_TYPES.join(", ")}`)
      .option("-o, --output <format>", `${OUTPUT_HELP} (default: yaml)`),
  );
  examples(get, [["a stored definition, as YAML", "vela-ts def get kruise-rollout -t trait"]]);
  get.action(async (name: string, flags: TargetFlags & { type?: string; output?: string }) => {
    const output = await parseOutputSpec(flags.output ?? "yaml", ctx);
    const controller = await loadController();
    const type = definitionType(flags.type);
    const documents = await controller.getClusterDefinition({
      ...targetOptions(flags, ctx, "vela-ts def get"),
      name,
      ...(type === undefined ? {} : { type }),
    });
    printResult(ctx.stdout, ctx.stderr, output, objectsPrintable(documents as KubeObject[]), env.stdoutStyle);
  });

  const del = addTargetFlags(
    def
      .command("del")
      .alias("delete")
      .description("Delete a definition stored in the cluster")
      .argument("<name>", "definition name")
      .option("-t, --type <type>", `disambiguate: ${DEFINITION_TYPES.join(", ")}`),
  );
  examples(del, [["remove a stored trait (an addon enable puts it back)", "vela-ts def del kruise-rollout -t trait"]]);
  del.action(async (name: string, flags: TargetFlags & { type?: string }) => {
    const controller = await loadController();
    const type = definitionType(flags.type);
    const deleted = await controller.deleteClusterDefinition({
      ...targetOptions(flags, ctx, "vela-ts def del"),
      name,
      ...(type === undefined ? {} : { type }),
    });
    ctx.stdout.write(deleted.map((entry) => `${entry.kind}/${entry.name} deleted\n`).join(""));
  });
}
