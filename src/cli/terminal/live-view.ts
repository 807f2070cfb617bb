import type { TextSink } from "../context.js";
import { visibleWidth } from "./style.js";

/** Cursor to the top-left, clear the screen (as `kubectl argo rollouts get rollout --watch` does). */
const CLEAR_SCREEN = "\x1b[H\x1b[2J";
const CLEAR_BELOW = "\x1b[J";

/** How many terminal rows a text takes, long lines wrapping at `columns`. */
export function rowsOf(text: string, columns: number): number {
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(visibleWidth(line) / Math.max(1, columns))), 0);
}

/**
 * A view that is shown again and again (`status --watch`). On a terminal each new frame replaces the
 * last in place: the cursor goes back up over the last frame, which is cleared, or the screen is
 * cleared when the frame is taller than the terminal. Elsewhere a frame is appended, and only when it
 * differs from the last, so a log gets each change once.
 */
export class LiveView {
  private last: string | undefined;
  /** Rows written below the last frame by {@link note}, cleared with it at the next redraw. */
  private notedRows = 0;

  constructor(private readonly sink: TextSink) {}

  /**
   * A message while frames are shown (a step moved on). On a terminal it goes below the frame, on the
   * same screen, until the next frame replaces both; elsewhere it goes to `elsewhere` (standard error).
   */
  note(text: string, elsewhere: TextSink): void {
    if (!this.redraws || this.last === undefined) {
      elsewhere.write(`${text}\n`);
      return;
    }
    this.sink.write(`${text}\n`);
    this.notedRows += rowsOf(text, this.sink.columns ?? 80);
  }

  /** True when frames replace each other (a terminal). */
  get redraws(): boolean {
    return this.sink.isTTY === true;
  }

  show(frame: string): void {
    const text = frame.endsWith("\n") ? frame : `${frame}\n`;
    if (!this.redraws) {
      if (text === this.last) return;
      this.sink.write(this.last === undefined ? text : `\n${text}`);
      this.last = text;
      return;
    }
    if (text === this.last) return;
    if (this.last !== undefined) {
      const columns = this.sink.columns ?? 80;
      const rows = this.sink.rows ?? 24;
      const previous = rowsOf(this.last, columns) + this.notedRows;
      this.notedRows = 0;
      // Moving up is bounded by the top of the screen: a frame taller than it clears the screen instead.
      this.sink.write(previous < rows ? `\x1b[${previous}A\r${CLEAR_BELOW}` : CLEAR_SCREEN);
    }
    this.sink.write(text);
    this.last = text;
  }
}
