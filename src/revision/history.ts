import { NotFoundError, VelaError } from "../errors/index.js";

/** What vela-ts keeps of each ApplicationRevision for decisions (read from the objects' labels/status). */
export interface RevisionRecord {
  /** `<app>-v<N>` */
  readonly name: string;
  readonly number: number;
  readonly hash: string;
  readonly publishVersion?: string;
  /** The revision's workflow finished successfully (`status.succeeded`). */
  readonly succeeded: boolean;
  readonly createdAt?: string;
}

/**
 * What the reconciler does about revisions for a desired snapshot:
 * - `unchanged`: same hash and publishVersion as the latest revision: nothing to record, no workflow re-run;
 * - `pinned`: publishVersion equals the latest revision's but the spec differs: the release is pinned,
 *   edits are not rolled out (KubeVela `isLatestPublishVersion`); ops-only traits still apply live;
 * - `new`: record revision `name` (number `number`) and start its workflow.
 */
export type RevisionDecision =
  | { readonly kind: "unchanged"; readonly revision: RevisionRecord }
  | { readonly kind: "pinned"; readonly revision: RevisionRecord }
  | { readonly kind: "new"; readonly name: string; readonly number: number };

export function revisionName(appName: string, revisionNumber: number): string {
  return `${appName}-v${revisionNumber}`;
}

/** Parses `<app>-v<N>` or a bare `N`/`vN` as a revision number of `appName`. */
export function parseRevisionNumber(appName: string, text: string): number | undefined {
  const bare = /^v?(\d+)$/.exec(text);
  if (bare !== null) return Number(bare[1]);
  const prefixed = text.startsWith(`${appName}-v`) ? /^(\d+)$/.exec(text.slice(appName.length + 2)) : null;
  return prefixed === null ? undefined : Number(prefixed[1]);
}

/** The newest revision (highest number), or undefined for an app never released. */
export function latestRevision(history: readonly RevisionRecord[]): RevisionRecord | undefined {
  return history.reduce<RevisionRecord | undefined>(
    (best, record) => (best === undefined || record.number > best.number ? record : best),
    undefined,
  );
}

/**
 * Decides whether a desired snapshot (hash + publishVersion) needs a new revision (KUBEVELA-REFERENCE §4.2).
 * It compares with the app's *current* revision (`status.latestRevision`, which a rollback moves
 * back), falling back to the newest one.
 */
export function decideRevision(
  appName: string,
  history: readonly RevisionRecord[],
  hash: string,
  publishVersion: string | undefined,
  currentName?: string,
): RevisionDecision {
  const newest = latestRevision(history);
  const latest = history.find((record) => record.name === currentName) ?? newest;
  if (latest === undefined || newest === undefined) return { kind: "new", name: revisionName(appName, 1), number: 1 };
  if (publishVersion !== undefined && publishVersion === latest.publishVersion) {
    return latest.hash === hash ? { kind: "unchanged", revision: latest } : { kind: "pinned", revision: latest };
  }
  if (latest.hash === hash && publishVersion === latest.publishVersion) return { kind: "unchanged", revision: latest };
  // Numbers always increase and are never reused, even after a rollback or pruning.
  const number = newest.number + 1;
  return { kind: "new", name: revisionName(appName, number), number };
}

/**
 * The revision `workflow rollback` goes back to: `--revision N` when given (it must exist and not
 * be the current one), else the newest revision older than the current one whose workflow
 * succeeded (KubeVela: last succeeded publishVersion revision).
 */
export function selectRollbackTarget(
  appName: string,
  history: readonly RevisionRecord[],
  currentName: string | undefined,
  requested?: number,
): RevisionRecord {
  const current = history.find((record) => record.name === currentName);
  if (requested !== undefined) {
    const target = history.find((record) => record.number === requested);
    if (target === undefined) {
      throw new NotFoundError("E_REVISION_NOT_FOUND", `revision ${revisionName(appName, requested)} does not exist`, {
        hint: `known revisions: ${history.map((record) => record.name).join(", ") || "none"}; see vela-ts revision list ${appName}`,
      });
    }
    if (target.name === currentName) {
      throw new VelaError("E_ROLLBACK_SAME_REVISION", `application ${appName} is already at revision ${target.name}`, {
        hint: `pick an earlier one: vela-ts revision list ${appName}`,
      });
    }
    return target;
  }
  const older = history
    .filter((record) => record.succeeded && (current === undefined || record.number < current.number))
    .sort((a, b) => b.number - a.number);
  const target = older[0];
  if (target === undefined) {
    throw new VelaError(
      "E_NO_ROLLBACK_TARGET",
      `application ${appName} has no earlier succeeded revision to roll back to`,
      {
        hint: `vela-ts revision list ${appName} shows the history; a revision counts once its workflow succeeded`,
      },
    );
  }
  return target;
}

/**
 * Revisions to delete so that at most `limit` revisions besides the latest remain (KubeVela's
 * `--application-revision-limit`, default 10), never deleting a name in `keep` (e.g. the revision
 * currently deployed after a rollback). Oldest go first.
 */
export function revisionsToPrune(
  history: readonly RevisionRecord[],
  limit: number,
  keep: ReadonlySet<string>,
): string[] {
  const latest = latestRevision(history);
  const candidates = history
    .filter((record) => record.name !== latest?.name && !keep.has(record.name))
    .sort((a, b) => a.number - b.number);
  const keptOthers = history.filter((record) => record.name !== latest?.name && keep.has(record.name)).length;
  const excess = candidates.length + keptOthers - limit;
  return excess > 0 ? candidates.slice(0, excess).map((record) => record.name) : [];
}
