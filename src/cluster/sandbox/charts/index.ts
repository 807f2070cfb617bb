import type { ChartCatalog } from "../controller-contract.js";
import { createMirrorCatalog } from "./catalog.js";

export { MirrorChartCatalog, createMirrorCatalog } from "./catalog.js";
export { addChartMirror, readChartMirrors, findChartMirror, CHART_MIRRORS_FILE, type ChartMirror } from "./mirrors.js";
export {
  fetchedChartResolution,
  isNoMirror,
  noMirrorResolution,
  normalizeRepositoryUrl,
  isLoopbackUrl,
  NO_MIRROR_REASON,
} from "./resolution.js";

/**
 * The chart catalog of a sandbox directory (its chart mirrors, and loopback repositories fetched
 * for real). Always defined, so an unknown repository gets the "add a mirror" message rather
 * than a generic one; the `undefined` case of the signature is kept for callers that test it.
 */
export function createChartCatalog(sandboxDir: string): ChartCatalog | undefined {
  return createMirrorCatalog(sandboxDir);
}
