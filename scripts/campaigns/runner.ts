import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { SystemClock } from "../../src/util/clock.js";

/** The result of one CLI run. */
export interface CampaignRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed by the runner's time limit. */
  readonly timedOut?: boolean;
  readonly ms: number;
}

/** Runs `vela-ts <argv>` in `cwd`; campaigns use the real binary or, in their reduced test form, `main()` in-process. */
export type CampaignRunner = (
  argv: readonly string[],
  cwd: string,
  options?: { readonly stdin?: string; readonly timeoutMs?: number; readonly env?: Readonly<Record<string, string>> },
) => Promise<CampaignRun>;

/** The repository root (campaign scripts live two folders below it). */
export const PROJECT_ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");

/** Runs the built binary (`bin/vela-ts.js`) as a child process, killing it at `timeoutMs` (default 30 s). */
export const binaryRunner: CampaignRunner = (argv, cwd, options = {}) =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    mkdirSync(cwd, { recursive: true });
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "vela-ts.js"), ...argv], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 30_000);
    child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr, timedOut, ms: Date.now() - started });
    });
    child.stdin.end(options.stdin ?? "");
  });

/** Runs `main()` in this process with the system clock (fast; for the reduced campaigns in `npm test`). */
export const inProcessRunner: CampaignRunner = async (argv, cwd, options = {}) => {
  let stdout = "";
  let stderr = "";
  const started = Date.now();
  const ctx: CliContext = {
    cwd,
    env: { NO_COLOR: "1", ...options.env },
    readStdin: () => Promise.resolve(options.stdin ?? ""),
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
    clock: new SystemClock(),
    sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
  };
  let code: number;
  try {
    code = await main(argv, ctx);
  } catch (error) {
    stderr += `error[E_INTERNAL]: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
    code = 70;
  }
  return { code, stdout, stderr, ms: Date.now() - started };
};
