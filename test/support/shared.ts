import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (where package.json is). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * `../shared` beside the checkout (CI always has it; a lone clone does not). Tests that need it use
 * `describe.skipIf(!HAS_SHARED)` and say why in their name.
 */
export const SHARED_DIR = process.env.VELA_TS_SHARED ?? resolve(PROJECT_ROOT, "../shared");
export const HAS_SHARED = existsSync(join(SHARED_DIR, "reference"));
export const SHARED_MISSING_REASON =
  `../shared/reference not found beside the checkout (${SHARED_DIR}); ` +
  "skipping tests that read upstream reference files";

export function sharedPath(...segments: string[]): string {
  return join(SHARED_DIR, ...segments);
}
