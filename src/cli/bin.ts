import { setTimeout as delay } from "node:timers/promises";
import { SimulatedClock, SystemClock } from "../util/clock.js";
import type { CliContext, TextSink } from "./context.js";
import { main } from "./main.js";

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** A process stream as a TextSink; the terminal size is read at each use (the window may be resized). */
function terminalSink(stream: NodeJS.WriteStream): TextSink {
  return {
    write: (text) => void stream.write(text),
    isTTY: stream.isTTY,
    get columns() {
      return stream.isTTY ? stream.columns : undefined;
    },
    get rows() {
      return stream.isTTY ? stream.rows : undefined;
    },
  };
}

/** Builds the real context (process streams, wall clock) and runs the command line of this process. */
export function runFromProcess(): void {
  const ctx: CliContext = {
    cwd: process.cwd(),
    env: process.env,
    readStdin: () => readAll(process.stdin),
    stdout: terminalSink(process.stdout),
    stderr: terminalSink(process.stderr),
    clock: new SimulatedClock(new SystemClock()),
    sleep: (milliseconds) => delay(milliseconds),
  };
  main(process.argv.slice(2), ctx).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `error[E_INTERNAL]: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
