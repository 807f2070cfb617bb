import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { FakeClock, type Clock } from "../../src/util/clock.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  readonly clock?: Clock;
}

/** Runs `vela-ts <argv>` in-process and captures exit code and output. */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const clock = options.clock ?? new FakeClock();
  const ctx: CliContext = {
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    readStdin: () => Promise.resolve(options.stdin ?? ""),
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
    clock,
    sleep: (milliseconds) => {
      if (clock instanceof FakeClock) clock.advance(milliseconds);
      return Promise.resolve();
    },
  };
  const code = await main(argv, ctx);
  return { code, stdout, stderr };
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix = "vela-ts-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
