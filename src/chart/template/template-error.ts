import { ChartError } from "../errors.js";

const SYNTAX_HINT = "fix the template syntax at the line shown (Go text/template rules)";

/** A template that does not parse: `template: NAME:LINE: message`, as Go words it. */
export class TemplateSyntaxError extends ChartError {
  constructor(parseName: string, line: number, detail: string) {
    super("E_CHART_TEMPLATE", `template: ${parseName}:${line}: ${detail}`, {
      source: { file: parseName, line, column: 1 },
      hint: detail.startsWith("function ")
        ? "Helm charts may use Go's builtins, sprig and Helm's functions (include, tpl, required, toYaml…)"
        : SYNTAX_HINT,
    });
  }
}

/**
 * A template that fails while executing: `template: NAME:LINE:COL: executing "TEMPLATE" at <NODE>: message`.
 * `detail` is the bare reason (kept so `include` can nest errors as Go does).
 */
export class TemplateExecError extends ChartError {
  readonly detail: string;
  constructor(message: string, detail: string, source: { file: string; line: number; column: number }, hint?: string) {
    super("E_CHART_TEMPLATE", message, {
      source,
      hint: hint ?? "check the values the template reads at the position shown",
    });
    this.detail = detail;
  }
}

/** Raised by `fail` and `required`: Helm reports these as `execution error at (NAME:LINE:COL): message`. */
export class TemplateFailure extends Error {
  /** Where the outermost call that failed is (Helm reports that one). */
  location: { readonly name: string; readonly line: number; readonly column: number } | undefined;
  constructor(message: string) {
    super(message);
    this.name = "TemplateFailure";
  }
}
