import { describe, expect, it } from "vitest";
import type { TextSink } from "../../src/cli/context.js";
import { LiveView, rowsOf } from "../../src/cli/terminal/live-view.js";
import { progressDisplay } from "../../src/cli/terminal/progress.js";
import { PLAIN_STYLE, colourEnabled, stripAnsi, styleFor } from "../../src/cli/terminal/style.js";
import { formatTable } from "../../src/cli/printers/table.js";
import { FakeClock } from "../../src/util/clock.js";

function sink(isTTY: boolean, size: { columns?: number; rows?: number } = {}): TextSink & { text: string } {
  const out = {
    text: "",
    isTTY,
    ...size,
    write(chunk: string) {
      out.text += chunk;
    },
  };
  return out;
}

describe("colour rules", () => {
  it.each([
    { name: "a terminal", tty: true, env: {}, flag: false, want: true },
    { name: "a pipe", tty: false, env: {}, flag: false, want: false },
    { name: "NO_COLOR=1", tty: true, env: { NO_COLOR: "1" }, flag: false, want: false },
    { name: "NO_COLOR empty (unset, per no-color.org)", tty: true, env: { NO_COLOR: "" }, flag: false, want: true },
    { name: "--no-color", tty: true, env: {}, flag: true, want: false },
    { name: "TERM=dumb", tty: true, env: { TERM: "dumb" }, flag: false, want: false },
  ])("$name: $want", ({ tty, env, flag, want }) => {
    expect(colourEnabled(sink(tty), env, flag)).toBe(want);
  });

  it("phases: green when done, yellow while moving or waiting, red when failed", () => {
    const style = styleFor(sink(true), {}, false);
    expect(style.phase("running")).toBe("\x1b[32mrunning\x1b[39m");
    expect(style.phase("workflowSuspending")).toBe("\x1b[33mworkflowSuspending\x1b[39m");
    expect(style.phase("workflowFailed")).toBe("\x1b[31mworkflowFailed\x1b[39m");
    expect(style.phase("suspending (resumes in 5s)")).toBe("\x1b[33msuspending (resumes in 5s)\x1b[39m");
    expect(style.phase("something-else")).toBe("something-else");
  });

  it("tables align on what the terminal shows, not on escape sequences", () => {
    const style = styleFor(sink(true), {}, false);
    const table = formatTable(
      ["NAME", "PHASE", "AGE"],
      [
        ["a", style.phase("running"), "1m"],
        ["bb", "x", "2m"],
      ],
    );
    expect(stripAnsi(table)).toBe("NAME   PHASE     AGE\na      running   1m\nbb     x         2m\n");
  });
});

describe("LiveView", () => {
  it("appends changed frames only, when not a terminal", () => {
    const out = sink(false);
    const view = new LiveView(out);
    view.show("a\n");
    view.show("a\n");
    view.show("b\n");
    expect(out.text).toBe("a\n\nb\n");
  });

  it("moves up over the last frame and its notes, and clears below, on a terminal", () => {
    const out = sink(true, { columns: 10, rows: 24 });
    const err = sink(true);
    const view = new LiveView(out);
    view.show("one\ntwo\n");
    view.note("a note that wraps once", err);
    view.show("three\n");
    // 2 frame rows + 3 rows of the note (22 columns at 10 per row)
    expect(out.text).toBe("one\ntwo\na note that wraps once\n\x1b[5A\r\x1b[Jthree\n");
    expect(err.text).toBe("");
  });

  it("clears the screen when the last frame is taller than the terminal", () => {
    const out = sink(true, { columns: 80, rows: 3 });
    const view = new LiveView(out);
    view.show("1\n2\n3\n4\n");
    view.show("5\n");
    expect(out.text).toBe("1\n2\n3\n4\n\x1b[H\x1b[2J5\n");
  });

  it("counts wrapped rows", () => {
    expect(rowsOf("abcdef\nab\n", 3)).toBe(3);
  });
});

describe("progress display", () => {
  it("writes lines only, and never redraws, when not a terminal", async () => {
    const err = sink(false);
    const progress = progressDisplay(err, new FakeClock(), PLAIN_STYLE);
    progress.line("waiting 5s: step a");
    await progress.during(Promise.resolve());
    progress.stop();
    expect(err.text).toBe("waiting 5s: step a\n");
  });

  it("draws a spinner while a sleep lasts and erases it after, on a terminal", async () => {
    const err = sink(true, { columns: 40 });
    const clock = new FakeClock();
    const progress = progressDisplay(err, clock, PLAIN_STYLE);
    progress.line("waiting 5s: step a");
    await progress.during(
      Promise.resolve().then(() => {
        clock.advance(3000);
      }),
    );
    expect(err.text).toBe("waiting 5s: step a\n\r\x1b[2K⠋ waiting 5s: step a (0s)\r\x1b[2K");
  });

  it("shortens the spinner line to the terminal width", async () => {
    const err = sink(true, { columns: 20 });
    const progress = progressDisplay(err, new FakeClock(), PLAIN_STYLE);
    progress.line("a rather long progress message");
    await progress.during(Promise.resolve());
    const drawn = err.text.split("\r\x1b[2K")[1] ?? "";
    expect([...drawn].length).toBeLessThanOrEqual(19);
    expect(drawn).toMatch(/^⠋ a rath…? ?.*\(0s\)$/);
  });
});
