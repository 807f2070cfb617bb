import type { Clock } from "../util/clock.js";

/** Where text goes; `process.stdout` in the binary, a buffer in tests. */
export interface TextSink {
  write(text: string): void;
  /** True when the sink is an interactive terminal (progress displays, colour). */
  readonly isTTY?: boolean;
  /** The terminal's width and height, when it is one (redrawn views, spinner lines). */
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

/**
 * Everything a command may touch (STYLE §10). `main(argv, ctx)` takes one so e2e tests run
 * commands in-process with a temp dir, captured output and a fake clock.
 */
export interface CliContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input (for `-f -`). */
  readonly readStdin: () => Promise<string>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly clock: Clock;
  /** Sleeps on the context's clock; tests advance a fake clock instead of waiting. */
  readonly sleep: (milliseconds: number) => Promise<void>;
}
