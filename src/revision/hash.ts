import { sha256OfJson } from "../util/index.js";
import type { RevisionSnapshot } from "./snapshot.js";

/**
 * The revision hash: sha256 over the canonical JSON of the snapshot, first 16 hex digits as
 * KubeVela shows it (`status.latestRevision.revisionHash`). Key order never matters.
 */
export function computeRevisionHash(snapshot: RevisionSnapshot): string {
  return sha256OfJson(snapshot).slice(0, 16);
}
