import type { ValidationIssue } from "../errors/index.js";
import { locateInSource, type DefinitionInput, type SourceMap } from "../model/index.js";
import { DISPATCH_STAGES, type DispatchStage } from "./types.js";

/** `spec.stage` as checked by DEFINITION_SCHEMA (one of DISPATCH_STAGES), `DefaultDispatch` when absent. */
export function stageOf(input: DefinitionInput): DispatchStage {
  const stage = input.spec.stage;
  return DISPATCH_STAGES.find((known) => known === stage) ?? "DefaultDispatch";
}

const STAGE_HINT =
  "stage is PreDispatch (applied and healthy before the workload), DefaultDispatch (with it, the default) " +
  "or PostDispatch (once the workload is healthy)";

/**
 * Schema issues made clearer for `spec.stage`: a hint naming the stages, and in a `.cue` file the
 * line of `stage:` in `attributes` (the envelope has no source map there).
 */
export function withStageHints(issues: readonly ValidationIssue[], cueText?: string): ValidationIssue[] {
  return issues.map((issue) => {
    if (issue.path !== "/spec/stage") return issue;
    const lines = cueText?.split("\n") ?? [];
    const index = lines.findIndex((line) => /^\s*stage\s*:/.test(line));
    const column = (lines[index] ?? "").search(/stage/) + 1;
    const file = issue.source?.file;
    return {
      ...issue,
      ...(index < 0 || file === undefined ? {} : { source: { file, line: index + 1, column } }),
      hint: STAGE_HINT,
    };
  });
}

/** A `stage` outside a TraitDefinition: only traits are dispatched in stages. */
export function misplacedStageIssues(input: DefinitionInput, sourceMap: SourceMap): ValidationIssue[] {
  if (input.kind === "TraitDefinition" || input.spec.stage === undefined) return [];
  const source = locateInSource(sourceMap, "/spec/stage");
  return [
    {
      code: "E_DEF_INVALID",
      message: `definition "${input.metadata.name}": stage is not allowed in a ${input.kind}`,
      path: "/spec/stage",
      ...(source === undefined ? {} : { source }),
      hint: "only a TraitDefinition has a dispatch stage; the component's workload is always DefaultDispatch",
    },
  ];
}
