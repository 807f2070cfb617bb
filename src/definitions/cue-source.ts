import { compileCue, CueError, parseCueFile } from "../cue/index.js";
import { ValidationError, type ValidationIssue } from "../errors/index.js";
import { ANNOTATION_DESCRIPTION, type DefinitionInput, type DefinitionKind } from "../model/index.js";
import { isJsonObject, type JsonObject } from "../util/index.js";
import { CUE_TEMPLATE_INJECTED } from "./cue-parameter.js";
import type { CueTemplateSource } from "./types.js";

/**
 * KubeVela's `.cue` source form of a definition (what `vela def init|edit|render` work with):
 * ```cue
 * import ("strconv")
 * "my-trait": {
 *   type: "trait"
 *   description: "…"
 *   attributes: {appliesToWorkloads: ["deployments.apps"]}
 * }
 * template: {
 *   patch: …
 *   parameter: …
 * }
 * ```
 * The header becomes the Definition envelope, the body of `template` its `spec.schematic.cue.template`.
 */

const KIND_OF_TYPE: Readonly<Record<string, DefinitionKind>> = {
  component: "ComponentDefinition",
  trait: "TraitDefinition",
  policy: "PolicyDefinition",
  "workflow-step": "WorkflowStepDefinition",
  workflowstep: "WorkflowStepDefinition",
};

/** One definition read from a `.cue` file: the envelope and where its template text is. */
export interface CueSourceDefinition {
  readonly input: DefinitionInput;
  /** The template as the engine should see it (positions map into the `.cue` file). */
  readonly template: CueTemplateSource;
}

function issue(file: string, line: number, column: number, message: string, hint: string): ValidationIssue {
  return { code: "E_DEF_INVALID", message, source: { file, line, column }, hint };
}

function dedent(lines: readonly string[]): { lines: string[]; indent: string } {
  let indent: string | undefined;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const leading = /^[\t ]*/.exec(line)?.[0] ?? "";
    if (indent === undefined || !leading.startsWith(indent)) {
      let common = 0;
      const current = indent ?? leading;
      while (common < current.length && common < leading.length && current[common] === leading[common]) common++;
      indent = current.slice(0, common);
    }
  }
  const prefix = indent ?? "";
  return {
    lines: lines.map((line) => (line.startsWith(prefix) ? line.slice(prefix.length) : line.trim() === "" ? "" : line)),
    indent: prefix,
  };
}

/**
 * Reads a KubeVela `.cue` definition file. Syntax and reference errors are reported at file:line:col
 * of the `.cue` file; a missing header or template is an `E_DEF_INVALID` issue.
 */
export function readCueDefinitionSource(text: string, file: string): CueSourceDefinition {
  let parsed;
  try {
    parsed = parseCueFile({ file, text });
  } catch (error) {
    if (error instanceof CueError) throw cueIssues(error);
    throw error;
  }
  const fields = parsed.body.decls.filter((decl) => decl.type === "Field" && decl.label.type === "static");
  const templateField = fields.find(
    (decl) => decl.type === "Field" && decl.label.type === "static" && decl.label.name === "template",
  );
  const header = fields.find((decl) => decl !== templateField);
  if (header === undefined || header.type !== "Field" || header.label.type !== "static")
    throw new ValidationError([
      issue(
        file,
        1,
        1,
        "a .cue definition needs a header field naming it",
        'start with "my-trait": {type: "trait", description: "…", attributes: {…}}',
      ),
    ]);
  if (templateField === undefined || templateField.type !== "Field" || templateField.value.type !== "StructLit")
    throw new ValidationError([
      issue(
        file,
        1,
        1,
        `definition "${header.label.name}" has no template: {…} block`,
        "add template: { … } with the CUE that renders it",
      ),
    ]);
  const name = header.label.name;
  let headerValue: JsonObject;
  try {
    const program = compileCue({ file, text }, { injected: CUE_TEMPLATE_INJECTED, allowUnknownImports: true });
    const exported = program.evaluate().lookup(name)?.export();
    if (!isJsonObject(exported))
      throw new ValidationError([
        issue(file, 1, 1, `the header "${name}" must be a struct`, "write type, description and attributes in it"),
      ]);
    headerValue = exported;
  } catch (error) {
    if (error instanceof CueError) throw cueIssues(error);
    throw error;
  }
  const headerPosition = parsed.source.position(header.start);
  const type = typeof headerValue.type === "string" ? headerValue.type : "";
  const kind = KIND_OF_TYPE[type];
  if (kind === undefined)
    throw new ValidationError([
      issue(
        file,
        headerPosition.line,
        headerPosition.column,
        `definition "${name}": unknown type "${type}"`,
        "type is one of: component, trait, policy, workflow-step",
      ),
    ]);
  const body = templateField.value;
  const open = parsed.source.position(body.start);
  const close = parsed.source.position(body.end - 1);
  const allLines = text.split("\n");
  const bodyLines = allLines.slice(open.line, close.line - 1);
  const { lines, indent } = dedent(bodyLines);
  const importPaths = parsed.imports.map((spec) => JSON.stringify(spec.path));
  const importAliases = parsed.imports.map((spec) =>
    spec.name === spec.path.split("/").pop() ? JSON.stringify(spec.path) : `${spec.name} ${JSON.stringify(spec.path)}`,
  );
  const pretty = `${importPaths.length > 0 ? `import (\n${importAliases.map((line) => `\t${line}`).join("\n")}\n)\n\n` : ""}${lines.join("\n").replace(/\s+$/, "")}\n`;
  // The engine's text: imports on the line before the body, so positions map into the .cue file.
  const engineText = `${importAliases.length > 0 ? `import (${importAliases.join(", ")})` : ""}\n${lines.join("\n")}\n`;
  const attributes = isJsonObject(headerValue.attributes) ? headerValue.attributes : {};
  const annotations: Record<string, string> = {};
  if (isJsonObject(headerValue.annotations))
    for (const [key, value] of Object.entries(headerValue.annotations))
      if (typeof value === "string") annotations[key] = value;
  if (typeof headerValue.description === "string" && headerValue.description !== "")
    annotations[ANNOTATION_DESCRIPTION] = headerValue.description;
  const labels: Record<string, string> = {};
  if (isJsonObject(headerValue.labels))
    for (const [key, value] of Object.entries(headerValue.labels)) if (typeof value === "string") labels[key] = value;
  const { workload, ...restAttributes } = attributes;
  // The envelope is built here; the attributes are the header's JSON, checked with the envelope by
  // DEFINITION_SCHEMA when the definition is parsed (parse-definition.ts).
  const input = {
    apiVersion: "core.oam.dev/v1beta1",
    kind,
    metadata: {
      name,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    },
    spec: {
      ...(isJsonObject(workload) ? { workload } : {}),
      ...restAttributes,
      schematic: { cue: { template: pretty } },
    },
  } as unknown as DefinitionInput; // see the comment above `input`
  return {
    input,
    template: {
      text: engineText,
      file,
      line: open.line,
      column: 1,
      indent: indent.length,
      pointer: "/spec/schematic/cue/template",
    },
  };
}

/** A CueError as validation issues at file:line:col. */
export function cueIssues(error: CueError, prefix = ""): ValidationError {
  return new ValidationError(
    error.problems.map((problem) => {
      const position = problem.positions[0];
      return {
        code: error.code,
        message: `${prefix}${problem.path === "" ? "" : `${problem.path}: `}${problem.message}`,
        ...(position === undefined
          ? {}
          : { source: { file: position.file, line: position.line, column: position.column } }),
        hint:
          problem.kind === "syntax"
            ? "fix the CUE syntax at this position"
            : problem.kind === "reference"
              ? "declare the name (or import its package); templates may also use context and parameter"
              : "check the values that meet at this position",
      };
    }),
  );
}
