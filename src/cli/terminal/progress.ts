import type { Clock } from "../../util/clock.js";
import { formatDuration } from "../../util/duration.js";
import type { TextSink } from "../context.js";
import { visibleWidth, type Style } from "./style.js";

/** Braille dots, as `ora` and most Node CLIs spin. */
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 80;
const CLEAR_LINE = "\r\x1b[2K";

/**
 * Progress of a command that waits (`--wait`), on stderr. On a terminal, a spinner line shows the
 * latest progress and the time waited while the command sleeps, and is erased before anything else
 * is written; progress lines stay above it. Elsewhere (a pipe, a file, CI logs) only the lines are
 * written, once each: nothing that redraws.
 */
export interface ProgressDisplay {
  /** A line that stays (a step moved on). It also becomes the spinner's text. */
  line(text: string): void;
  /** Wraps a sleep: the spinner runs while it lasts. */
  during<T>(work: Promise<T>): Promise<T>;
  /** Erases the spinner for good. */
  stop(): void;
}

/** The progress display of a stream: a spinner on a terminal, plain lines otherwise. */
export function progressDisplay(sink: TextSink, clock: Clock, style: Style): ProgressDisplay {
  if (sink.isTTY !== true) {
    return {
      line: (text) => sink.write(`${text}\n`),
      during: (work) => work,
      stop: () => undefined,
    };
  }
  let status = "";
  let timer: NodeJS.Timeout | undefined;
  let shown = false;
  let frame = 0;
  let since = clock.now().getTime();
  const erase = (): void => {
    if (shown) sink.write(CLEAR_LINE);
    shown = false;
  };
  const draw = (): void => {
    const seconds = Math.floor(Math.max(0, clock.now().getTime() - since) / 1000);
    const waited = seconds === 0 ? "0s" : formatDuration(seconds * 1000);
    const head = `${style.info(FRAMES[frame % FRAMES.length] ?? "")} `;
    const tail = style.dim(` (${waited})`);
    const room = (sink.columns ?? 80) - 1 - visibleWidth(head) - visibleWidth(tail);
    const text = [...status].length > room ? `${[...status].slice(0, Math.max(0, room - 1)).join("")}…` : status;
    sink.write(`${CLEAR_LINE}${head}${text}${tail}`);
    shown = true;
    frame++;
  };
  return {
    line(text) {
      erase();
      sink.write(`${text}\n`);
      status = text;
      since = clock.now().getTime();
    },
    async during(work) {
      draw();
      timer = setInterval(draw, FRAME_MS);
      timer.unref();
      try {
        return await work;
      } finally {
        clearInterval(timer);
        timer = undefined;
        erase();
      }
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      erase();
    },
  };
}
