import { ConflictError } from "../../errors/index.js";

/** Options of {@link retryOnConflict}. */
export interface RetryOnConflictOptions {
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles each time (with jitter). @default 10 */
  readonly initialDelayMs?: number;
  /** @default setTimeout-based */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/**
 * Runs `fn` (which must read the object afresh each time) again when it fails with a `ConflictError`
 * from a stale resourceVersion, as client-go's `retry.RetryOnConflict` does for status updates.
 * Field-manager conflicts of server-side apply are not retried: another manager owns the field, and
 * trying again cannot change that. After the last attempt the conflict is thrown.
 */
export async function retryOnConflict<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOnConflictOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const sleep =
    options.sleep ?? ((milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds)));
  let delay = options.initialDelayMs ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!(error instanceof ConflictError) || isFieldManagerConflict(error) || attempt >= attempts) throw error;
      await sleep(delay + Math.floor(Math.random() * delay));
      delay *= 2;
    }
  }
}

function isFieldManagerConflict(error: ConflictError): boolean {
  return /conflict with "|is owned by "/.test(error.message);
}
