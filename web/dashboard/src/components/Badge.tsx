import type { NodeHealth } from "../../../../src/dashboard/api-types.ts";

/** The colour family of a phase or health word. */
export function toneOf(word: string): "good" | "busy" | "bad" | "wait" | "none" {
  const lower = word.toLowerCase();
  if (/^(running|healthy|succeeded|ready|true|finished|done)$/.test(lower)) return "good";
  if (/(fail|unhealthy|terminated|error|false|degraded|missing)/.test(lower)) return "bad";
  if (/(suspend|paused|waiting|approval)/.test(lower)) return "wait";
  if (/(progress|executing|running|pending|starting|rendering|cancel|final)/.test(lower)) return "busy";
  return "none";
}

/** The colour of a workflow step's phase (`running` is work in progress here, not the app's healthy `running`). */
export function stepTone(phase: string): ReturnType<typeof toneOf> {
  switch (phase) {
    case "succeeded":
      return "good";
    case "running":
      return "busy";
    case "suspending":
      return "wait";
    case "failed":
      return "bad";
    default:
      return "none";
  }
}

/** A coloured word: a phase, a health, a step state. The colour repeats the text, never replaces it. */
export function Badge(props: {
  readonly text: string;
  readonly tone?: ReturnType<typeof toneOf>;
  readonly title?: string;
}) {
  return (
    <span class={`badge badge-${props.tone ?? toneOf(props.text)}`} title={props.title}>
      {props.text}
    </span>
  );
}

/** A node's health as a word. */
export function healthText(health: NodeHealth): string {
  switch (health) {
    case "healthy":
      return "healthy";
    case "progressing":
      return "progressing";
    case "unhealthy":
      return "unhealthy";
    case "missing":
      return "missing";
    case "unknown":
      return "no health check";
  }
}
