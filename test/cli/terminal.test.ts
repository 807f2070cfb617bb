/**
 * What a person sees in a terminal, in a real pseudo-terminal (tmux) with the built binary: colours
 * for phases and verdicts only on a terminal and never with NO_COLOR or --no-color; a spinner on
 * stderr while `--wait` sleeps, erased when it ends, and never in a pipe; `status --watch` redrawn in
 * place on a terminal and appended frame after frame in a pipe. Skipped without tmux or dist/.
 */
/* eslint-disable no-control-regex -- the assertions look for ANSI escape sequences, which start with ESC */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../support/cli.js";
import { VELA_BIN } from "../support/story.js";
import {
  BUILT,
  NOT_BUILT_REASON,
  TMUX,
  TMUX_MISSING_REASON,
  startTerminal,
  type TerminalSession,
} from "../support/terminal.js";

/** A webservice, then a suspend step of 4 s: a few seconds of real waiting. */
const TIMED = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: timed}
spec:
  components:
    - {name: timed, type: webservice, properties: {image: "nginx:1.25"}}
  workflow:
    steps:
      - {name: deploy, type: apply-component, properties: {component: timed}}
      - {name: soak, type: suspend, properties: {duration: 4s}}
`;

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const SGR = /\x1b\[[0-9;]*m/;
const SKIP = TMUX === undefined ? TMUX_MISSING_REASON : !BUILT ? NOT_BUILT_REASON : "";
const vela = `"${process.execPath}" "${VELA_BIN}"`;

function workspace(): string {
  const cwd = tempDir("vela-ts-tty-");
  writeFileSync(join(cwd, "timed.yaml"), TIMED);
  return cwd;
}

describe.skipIf(SKIP !== "")(`in a terminal ${SKIP === "" ? "" : `(skipped: ${SKIP})`}`, () => {
  const open: TerminalSession[] = [];
  const run = (command: string, cwd: string, env: Record<string, string> = {}): TerminalSession => {
    const terminal = startTerminal(command, { cwd, env: { HOME: cwd, ...env }, width: 150, height: 60 });
    open.push(terminal);
    return terminal;
  };
  const finished = (screen: string): boolean => /^\[exit \d+\]$/m.test(screen);
  afterEach(() => {
    for (const terminal of open.splice(0)) terminal.close();
  });

  it("up --wait: a spinner with the time waited while it sleeps, erased at the end; colours in the result", async () => {
    const cwd = workspace();
    const terminal = run(`${vela} up -f timed.yaml --wait --realtime`, cwd);
    const waiting = await terminal.waitFor((screen) => SPINNER.test(screen));
    expect(waiting).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting \S+: step \w+ .* \(\d+s\)$/m);
    const done = await terminal.waitFor(finished);
    expect(done).not.toMatch(SPINNER);
    expect(done).toContain("[exit 0]");
    const coloured = terminal.screen({ colours: true });
    expect(coloured).toMatch(/status: \x1b\[32mrunning/);
    expect(coloured).toMatch(/\x1b\[32mthe workflow finished and every component is healthy/);
  });

  it.each([
    { name: "NO_COLOR", command: `${vela} up -f timed.yaml --wait`, env: { NO_COLOR: "1" } },
    { name: "--no-color", command: `${vela} up -f timed.yaml --wait --no-color`, env: {} },
  ])("$name: no colours (the spinner stays: it is not colour)", async ({ command, env }) => {
    const terminal = run(command, workspace(), env);
    await terminal.waitFor(finished);
    expect(terminal.screen({ colours: true })).not.toMatch(SGR);
  });

  it("in a pipe: no spinner, no colour, no carriage returns; the progress lines once each", async () => {
    const cwd = workspace();
    const log = join(cwd, "out.log");
    const terminal = run(`${vela} up -f timed.yaml --wait --realtime 2>&1 | cat > out.log`, cwd);
    await terminal.waitFor(finished);
    const { readFileSync } = await import("node:fs");
    const text = readFileSync(log, "utf8");
    expect(text).not.toMatch(SPINNER);
    expect(text).not.toMatch(SGR);
    expect(text).not.toContain("\r");
    expect(text.match(/^waiting \ds: step soak/gm)).toHaveLength(1);
    expect(text).toContain("the workflow finished and every component is healthy");
  });

  it("status --watch redraws in place on a terminal: one frame on the screen at every moment", async () => {
    const cwd = workspace();
    const setup = run(`${vela} up -f timed.yaml`, cwd);
    await setup.waitFor(finished);
    const terminal = run(`${vela} status timed --watch`, cwd);
    const first = await terminal.waitFor((screen) => /phase: suspending \(resumes in \ds\)/.test(screen));
    expect(first.match(/^About:$/gm)).toHaveLength(1);
    const done = await terminal.waitFor(finished);
    expect(done.match(/^About:$/gm)).toHaveLength(1);
    expect(done).toMatch(/Status: +running/);
    expect(done).toMatch(/watch ended: the workflow finished and every component is healthy\n\[exit 0\]/);
    expect(terminal.screen({ colours: true })).toMatch(/Status: +\x1b\[32mrunning/);
  });

  it("status --watch in a pipe appends a frame per change", async () => {
    const cwd = workspace();
    const setup = run(`${vela} up -f timed.yaml`, cwd);
    await setup.waitFor(finished);
    const terminal = run(`${vela} status timed --watch | cat > out.log`, cwd);
    await terminal.waitFor(finished);
    const { readFileSync } = await import("node:fs");
    const frames = readFileSync(join(cwd, "out.log"), "utf8")
      .split(/^About:$/m)
      .slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(new Set(frames).size).toBe(frames.length);
    expect(frames[0]).toMatch(/phase: suspending \(resumes in \ds\)/);
    expect(frames[frames.length - 1]).toMatch(/Status: +running/);
    expect(readFileSync(join(cwd, "out.log"), "utf8")).not.toMatch(/\x1b/);
  });
});
