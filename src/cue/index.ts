/**
 * The CUE engine: a TypeScript evaluator of the CUE language (the part KubeVela templates use:
 * structs and unification, defaults and disjunctions, optional/required fields, comprehensions,
 * `_|_` checks, definitions and closedness, hidden fields, interpolation, pattern constraints, `let`,
 * builtins and the standard-library packages templates import). It knows nothing of KubeVela.
 *
 * Compile once, evaluate many times with different fills:
 * ```ts
 * const program = compileCue({ file: "t.cue", text }, { injected: ["parameter"] });
 * const value = program.evaluate({ fill: [{ path: ["parameter"], value: { replicas: 3 } }] });
 * value.lookup("output")?.export();
 * ```
 */
export {
  compileCue,
  compileCuePackage,
  compileCueExpression,
  createCueCompiler,
  CueProgram,
  CuePackage,
  CueValue,
  CueExpression,
} from "./program.js";
export type {
  CueFill,
  CompileCueOptions,
  EvaluateCueOptions,
  CueKind,
  CueField,
  CueFieldsOptions,
  CueCompiler,
} from "./program.js";
export { EvaluationMemo } from "./evaluation-memo.js";
export type { EvaluationMemoOptions } from "./evaluation-memo.js";
export { CueError, describeProblem } from "./errors.js";
export type { CueErrorKind, CueProblem } from "./errors.js";
export type { CueSource, CuePosition } from "./source.js";
export { formatPosition } from "./source.js";
export type { Attribute, FieldKind } from "./ast.js";
export { DEFAULT_LIMITS } from "./evaluator.js";
export type { EvalLimits } from "./evaluator.js";
export { parseFile as parseCueFile } from "./parser.js";
