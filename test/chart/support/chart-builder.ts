import { loadChartArchive, type LoadedChart } from "../../../src/chart/index.js";
import { buildTgz } from "./tar-builder.js";

/** A chart made of the given files (paths relative to the chart root), loaded as Helm loads an archive. */
export function chartOf(files: Readonly<Record<string, string | Uint8Array>>, name = "root"): LoadedChart {
  const prefixed: Record<string, string | Uint8Array> = {};
  for (const [path, text] of Object.entries(files)) prefixed[`${name}/${path}`] = text;
  return loadChartArchive(buildTgz(prefixed), `${name}.tgz`);
}
