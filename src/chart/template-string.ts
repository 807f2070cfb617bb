/**
 * Runs one Go template text with Helm's function set (or Go's builtins alone), outside any chart
 * (table tests, `tpl`-like uses elsewhere). Errors are the same `E_CHART_TEMPLATE` errors a chart
 * template gives.
 */
import { asTemplateError, TemplateSet } from "./template/exec.js";
import { createHelmEnv, GO_FUNCTION_NAMES, HELM_FUNCTION_NAMES } from "./template/helm-functions.js";
import type { GoFunc } from "./template/go-func.js";
import type { EvaluationLimits } from "./template/limits.js";

/** Options of {@link renderTemplateString}. */
export interface RenderTemplateStringOptions {
  /** Template name used in error messages. @default "gotpl" */
  readonly name?: string;
  /** Other template files (name → text) whose `define`s the text can `include`. @default {} */
  readonly partials?: Readonly<Record<string, string>>;
  /** @default 1970-01-01T00:00:00Z */
  readonly now?: Date;
  /** @default 1 */
  readonly randomSeed?: number;
  /** `helm` (Go builtins + sprig + Helm's functions) or `go` (a plain `text/template`). @default "helm" */
  readonly functions?: "helm" | "go";
  /** Bounds of the evaluation. @default DEFAULT_LIMITS */
  readonly limits?: EvaluationLimits;
  /** Extra functions (Go's `Template.Funcs`), declared with Go parameter types. @default {} */
  readonly funcs?: Readonly<Record<string, GoFunc>>;
}

/** Executes `text` with `data` as dot; prints missing values as Go does (`<no value>`). */
export function renderTemplateString(text: string, data: unknown, options: RenderTemplateStringOptions = {}): string {
  const name = options.name ?? "gotpl";
  const goOnly = options.functions === "go";
  const extra = options.funcs ?? {};
  const names = new Set([...(goOnly ? GO_FUNCTION_NAMES : HELM_FUNCTION_NAMES), ...Object.keys(extra)]);
  const set = new TemplateSet(names);
  for (const [partial, body] of Object.entries(options.partials ?? {})) set.add(partial, body);
  set.add(name, text);
  const env = createHelmEnv(set, {
    now: options.now ?? new Date(0),
    seed: options.randomSeed ?? 1,
    goOnly,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  for (const [fnName, func] of Object.entries(extra)) (env.funcs as Map<string, GoFunc>).set(fnName, func);
  try {
    return set.execute(name, data, env);
  } catch (error) {
    throw asTemplateError(error, name);
  }
}
