/** Retry policy of failing steps (kubevela/workflow pkg/types MaxWorkflowStepErrorRetryTimes, executor backoff). */
export interface RetryOptions {
  /** Failed attempts before a step fails with FailedAfterRetries. @default 10 */
  readonly maxRetries?: number;
  /** @default 1000 */
  readonly minBackoffMs?: number;
  /** @default 60000 */
  readonly maxBackoffMs?: number;
}

export const DEFAULT_MAX_RETRIES = 10;

/** Delay before attempt `failures + 1`: 2^failures × 50 ms, clamped to [1 s, 60 s] by default. */
export function backoffDelayMs(failures: number, options: RetryOptions = {}): number {
  const raw = 2 ** failures * 50;
  return Math.min(options.maxBackoffMs ?? 60_000, Math.max(options.minBackoffMs ?? 1000, raw));
}

/**
 * The RFC 3339 time `ms` after `now`, rounded up to a whole second: status timestamps have no
 * fractions (Kubernetes style), and rounding up never wakes a step early.
 */
export function timestampAfter(now: Date, ms: number): string {
  return new Date(Math.ceil((now.getTime() + ms) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
