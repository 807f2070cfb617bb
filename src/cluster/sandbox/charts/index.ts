import type { ChartCatalog } from "../controller-contract.js";

/** The chart catalog of a sandbox directory (its chart mirrors); undefined until mirrors exist. */
export function createChartCatalog(_sandboxDir: string): ChartCatalog | undefined {
  return undefined;
}
