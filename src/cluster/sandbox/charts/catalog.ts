import {
  fetchChartFromRepositorySync,
  readChartRepository,
  readChartRepositorySync,
  type ChartRepository,
} from "../../../chart/index.js";
import { VelaError } from "../../../errors/index.js";
import type { ChartCatalog, ChartResolution } from "../controller-contract.js";
import { findChartMirror, readChartMirrors, type ChartMirror } from "./mirrors.js";
import { fetchedChartResolution, isLoopbackUrl, noMirrorResolution, normalizeRepositoryUrl } from "./resolution.js";

function failure(reason: string, error: VelaError): ChartResolution {
  return { ok: false, reason, message: error.message };
}

/** A repository that could not be read is remembered as its error (a ChartError); anything else is a bug. */
function expectedReadFailure(error: unknown): VelaError {
  if (error instanceof VelaError) return error;
  throw error;
}

/**
 * The sandbox's chart source (DESIGN §7): a repository URL resolves through a mirror directory
 * (`vela-ts sandbox charts add URL DIR`), or, for `http://127.0.0.1…`/`localhost` URLs, by fetching
 * the index and archives for real in `prefetch`. `resolve` is synchronous over what was loaded.
 */
export class MirrorChartCatalog implements ChartCatalog {
  private readonly repositories = new Map<string, ChartRepository | VelaError>();

  constructor(private readonly mirrors: readonly ChartMirror[]) {}

  async prefetch(repositoryUrls: readonly string[]): Promise<void> {
    for (const url of repositoryUrls) {
      const key = normalizeRepositoryUrl(url);
      if (this.repositories.has(key)) continue;
      const mirror = findChartMirror(this.mirrors, key);
      try {
        if (mirror !== undefined) this.repositories.set(key, readChartRepositorySync(mirror.dir));
        else if (isLoopbackUrl(key)) this.repositories.set(key, await readChartRepository(key, { prefetch: true }));
      } catch (error) {
        this.repositories.set(key, expectedReadFailure(error));
      }
    }
  }

  private repositoryFor(url: string): ChartRepository | VelaError | undefined {
    const key = normalizeRepositoryUrl(url);
    const loaded = this.repositories.get(key);
    if (loaded !== undefined) return loaded;
    const mirror = findChartMirror(this.mirrors, key);
    if (mirror === undefined) return undefined;
    try {
      const repository = readChartRepositorySync(mirror.dir);
      this.repositories.set(key, repository);
      return repository;
    } catch (error) {
      const failed = expectedReadFailure(error);
      this.repositories.set(key, failed);
      return failed;
    }
  }

  resolve(repositoryUrl: string, chart: string, versionConstraint: string): ChartResolution {
    const repository = this.repositoryFor(repositoryUrl);
    if (repository === undefined) {
      return isLoopbackUrl(repositoryUrl)
        ? {
            ok: false,
            reason: "ChartPullError",
            message: `chart repository ${normalizeRepositoryUrl(repositoryUrl)} was not fetched yet`,
          }
        : noMirrorResolution(repositoryUrl, chart);
    }
    if (repository instanceof VelaError) return failure("IndexationFailed", repository);
    if (chart === "") return { ok: false, reason: "ChartNotFound", message: "no chart name given" };
    try {
      return fetchedChartResolution(
        fetchChartFromRepositorySync(repository, chart, versionConstraint === "" ? "*" : versionConstraint),
      );
    } catch (error) {
      if (error instanceof VelaError)
        return failure(error.code === "E_CHART_REPO" ? "ChartNotFound" : "ChartPullError", error);
      throw error;
    }
  }
}

/** The chart catalog of a sandbox directory: its mirrors plus loopback repositories. */
export function createMirrorCatalog(sandboxDir: string): MirrorChartCatalog {
  return new MirrorChartCatalog(readChartMirrors(sandboxDir));
}
