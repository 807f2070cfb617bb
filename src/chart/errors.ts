import { VelaError, type VelaErrorOptions } from "../errors/index.js";

/** The error codes of the chart engine. */
export type ChartErrorCode =
  "E_CHART_TEMPLATE" | "E_CHART_LOAD" | "E_CHART_VALUES" | "E_CHART_REPO" | "E_CHART_NOT_FOUND";

/**
 * A chart could not be loaded, its values merged, its templates rendered, or its repository read.
 * Messages follow Helm's wording where Helm has one, so users can search for them.
 */
export class ChartError extends VelaError {
  constructor(code: ChartErrorCode, message: string, options: VelaErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * A Go template or template function failed (Helm's and Go's wording, e.g. `len of nil pointer`);
 * the executor adds the template, line and action (`template: x.yaml:3:5: executing …`).
 */
export class GoTemplateError extends ChartError {
  constructor(message: string, options: VelaErrorOptions = {}) {
    super("E_CHART_TEMPLATE", message, options);
  }
}
