/**
 * A real pseudo-terminal for tests of what a person sees: a tmux session running a command, keys sent
 * with `send-keys`, the screen read with `capture-pane` (with `-e`, colours as escape sequences). Tests
 * skip with {@link TMUX_MISSING_REASON} when tmux is not installed.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { findOnPath } from "../cluster/server/support.js";
import { tempDir } from "./cli.js";
import { PROJECT_ROOT } from "./shared.js";
import { VELA_BIN } from "./story.js";

export const TMUX = findOnPath("tmux");
export const TMUX_MISSING_REASON = "tmux is not installed (apt-get install tmux)";
export const BUILT = existsSync(join(PROJECT_ROOT, "dist", "bundle", "bin.js"));
export const NOT_BUILT_REASON = "dist/ is missing: run npm run build";

let sessions = 0;

/** A folder holding a `vela-ts` executable (the built binary), to put first on a shell's PATH. */
export function velaOnPath(): string {
  const dir = join(tempDir("vela-ts-path-"), "bin");
  mkdirSync(dir);
  const script = join(dir, "vela-ts");
  writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${VELA_BIN}" "$@"\n`);
  chmodSync(script, 0o755);
  return dir;
}

/** One tmux session with one pane running `command`. */
export interface TerminalSession {
  /** Keys as tmux names them: text, `Enter`, `Tab`, `C-c`. */
  send(...keys: readonly string[]): void;
  /** The visible screen; with `colours`, SGR escape sequences kept. */
  screen(options?: { readonly colours?: boolean }): string;
  /** Waits until the screen satisfies `predicate` (checked every 100 ms), or fails after `timeoutMs`. */
  waitFor(predicate: (screen: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

/**
 * Starts `command` (a shell command line) in a new detached tmux session of `width`×`height`, in `cwd`
 * with exactly `env` (plus PATH and TERM=xterm-256color unless given).
 */
export function startTerminal(
  command: string,
  options: {
    readonly cwd: string;
    readonly env?: Record<string, string>;
    readonly width?: number;
    readonly height?: number;
  },
): TerminalSession {
  const name = `vela-ts-test-${process.pid}-${++sessions}`;
  const env = { PATH: process.env.PATH ?? "", TERM: "xterm-256color", ...options.env };
  const exports = Object.entries(env)
    .map(([key, value]) => `${key}='${value.replaceAll("'", "'\\''")}'`)
    .join(" ");
  const tmux = (argv: readonly string[]): string => execFileSync(TMUX ?? "tmux", argv, { encoding: "utf8" });
  const start = (): string =>
    tmux([
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(options.width ?? 160),
      "-y",
      String(options.height ?? 50),
      "-c",
      options.cwd,
      `env -i ${exports} sh -c '${command.replaceAll("'", "'\\''")}; echo "[exit $?]"; sleep 600'`,
    ]);
  try {
    start();
  } catch {
    // The tmux server may be exiting after the last session closed: a new one starts on the next try.
    start();
  }
  const session: TerminalSession = {
    send: (...keys) => void tmux(["send-keys", "-t", name, ...keys]),
    screen: (screenOptions) =>
      tmux(["capture-pane", "-p", ...(screenOptions?.colours === true ? ["-e"] : []), "-t", name]),
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = session.screen();
        if (predicate(screen)) return screen;
        if (Date.now() > deadline) throw new Error(`the terminal never showed what was awaited; it shows:\n${screen}`);
        await delay(100);
      }
    },
    close: () => {
      try {
        tmux(["kill-session", "-t", name]);
      } catch {
        // already gone
      }
    },
  };
  return session;
}
