import { renderChart, type LoadedChart } from "../../../chart/index.js";
import type { ChartResolution } from "../controller-contract.js";

/** `reason` of a resolution that failed because no chart mirror serves the repository URL. */
export const NO_MIRROR_REASON = "ChartNotFound";

/** The marker text every "no mirror" message carries (the source-controller tells it apart by it). */
const NO_MIRROR_TEXT = "no mirror for";

/** Normalises a repository URL for lookups: no trailing slashes. */
export function normalizeRepositoryUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

/** The resolution for a repository URL with no mirror (DESIGN §7 wording). */
export function noMirrorResolution(repositoryUrl: string, chart: string): ChartResolution {
  const url = normalizeRepositoryUrl(repositoryUrl);
  return {
    ok: false,
    reason: NO_MIRROR_REASON,
    message: `chart "${chart}" not found: ${NO_MIRROR_TEXT} ${url}; add one with: vela-ts sandbox charts add ${url} <dir>`,
  };
}

/** True when a failed resolution means "this repository has no mirror" rather than "the chart is not in it". */
export function isNoMirror(resolution: ChartResolution): boolean {
  return !resolution.ok && resolution.message.includes(NO_MIRROR_TEXT);
}

/** True for `http://127.0.0.1…` / `http://localhost…` URLs, which the sandbox fetches for real. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      (parsed.protocol === "http:" || parsed.protocol === "https:") &&
      ["127.0.0.1", "localhost", "[::1]", "::1"].includes(parsed.hostname)
    );
  } catch {
    return false;
  }
}

/** The successful resolution of a chart fetched from a repository: its facts and a renderer. */
export function fetchedChartResolution(fetched: {
  readonly chart: LoadedChart;
  readonly entry: { readonly name: string; readonly version: string; readonly appVersion?: string };
  readonly digest: string;
}): ChartResolution {
  const loaded = fetched.chart;
  return {
    ok: true,
    chart: fetched.entry.name,
    version: fetched.entry.version,
    ...(fetched.entry.appVersion === undefined ? {} : { appVersion: fetched.entry.appVersion }),
    digest: fetched.digest,
    render: (options) =>
      renderChart(loaded, { releaseName: options.releaseName, namespace: options.namespace, values: options.values })
        .objects,
  };
}
