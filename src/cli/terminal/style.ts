import picocolors from "picocolors";
import type { CliContext, TextSink } from "../context.js";

/** Colours for one output stream; every function returns its input unchanged when colour is off. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  good(text: string): string;
  warn(text: string): string;
  bad(text: string): string;
  info(text: string): string;
  /** Colours a phase or verdict word by what it means: green done/healthy, yellow moving or waiting, red failed. */
  phase(text: string): string;
}

const GOOD = new Set([
  "running",
  "succeeded",
  "healthy",
  "true",
  "ready",
  "completed",
  "enabled",
  "available",
  "healthy",
  "successful",
  "created",
  "configured",
  "deleted",
]);
const WARN = new Set([
  "runningworkflow",
  "executing",
  "suspending",
  "workflowsuspending",
  "progressing",
  "paused",
  "steppaused",
  "stepupgrade",
  "steptrafficrouting",
  "stepmetricsanalysis",
  "stepready",
  "initializing",
  "starting",
  "rendering",
  "pending",
  "waiting",
  "notstart",
  "unchanged",
  "unknown",
  "terminating",
]);
const BAD = new Set([
  "failed",
  "workflowfailed",
  "workflowterminated",
  "terminated",
  "unhealthy",
  "false",
  "aborted",
  "degraded",
  "error",
  "disabled",
]);

/**
 * Whether a stream gets colour: only a terminal, never with `NO_COLOR` set to anything non-empty
 * (no-color.org) or `--no-color`.
 */
export function colourEnabled(sink: TextSink, env: CliContext["env"], noColor: boolean): boolean {
  if (noColor) return false;
  const noColorEnv = env.NO_COLOR;
  if (noColorEnv !== undefined && noColorEnv !== "") return false;
  if (env.TERM === "dumb") return false;
  return sink.isTTY === true;
}

/** The style of a stream: colours when {@link colourEnabled}, plain text otherwise. */
export function styleFor(sink: TextSink, env: CliContext["env"], noColor: boolean): Style {
  const enabled = colourEnabled(sink, env, noColor);
  const colors = picocolors.createColors(enabled);
  const phase = (text: string): string => {
    const word =
      text
        .trim()
        .toLowerCase()
        .split(/[\s(:]/)[0] ?? "";
    if (GOOD.has(word)) return colors.green(text);
    if (WARN.has(word)) return colors.yellow(text);
    if (BAD.has(word)) return colors.red(text);
    return text;
  };
  return {
    enabled,
    bold: colors.bold,
    dim: colors.dim,
    good: colors.green,
    warn: colors.yellow,
    bad: colors.red,
    info: colors.cyan,
    phase,
  };
}

/** A style that never colours (tests, files). */
export const PLAIN_STYLE: Style = {
  enabled: false,
  bold: (text) => text,
  dim: (text) => text,
  good: (text) => text,
  warn: (text) => text,
  bad: (text) => text,
  info: (text) => text,
  phase: (text) => text,
};

// eslint-disable-next-line no-control-regex -- ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The text without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** How many columns the text takes on a terminal (ANSI sequences take none). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}
