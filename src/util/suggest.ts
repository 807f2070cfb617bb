/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

const MAX_SUGGESTED_WORD = 256;

/**
 * The closest candidates to `word` (case-insensitive), best first; empty when nothing is close.
 * "Close" means an edit distance of at most a third of the word's length (at least 2), or a prefix match.
 */
export function closestMatches(word: string, candidates: readonly string[], limit = 3): string[] {
  // No typo is this long; the distance would cost length × candidate length per candidate.
  if (word.length > MAX_SUGGESTED_WORD) return [];
  const lower = word.toLowerCase();
  const maxDistance = Math.max(2, Math.floor(lower.length / 3));
  return candidates
    .map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }))
    .filter(
      ({ candidate, distance }) =>
        distance <= maxDistance ||
        candidate.toLowerCase().startsWith(lower) ||
        lower.startsWith(candidate.toLowerCase()),
    )
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}
