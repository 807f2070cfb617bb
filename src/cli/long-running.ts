/** What the commands that serve until stopped (`dashboard`, `sandbox serve`) share: `--port` and the stop signals. */
import { UsageError } from "../errors/index.js";

/** The `--port` flag: a TCP port number, 0 (a free port) when left out. */
export function parsePortFlag(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`--port must be a TCP port number (0-65535), got "${text}"`, {
      hint: "leave --port out to use a free port",
    });
  return port;
}

/** Resolves with the signal's name on SIGINT or SIGTERM. */
export function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = (): void => stop("SIGINT");
    const onTerm = (): void => stop("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}
