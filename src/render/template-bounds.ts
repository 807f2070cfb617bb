import { VelaError } from "../errors/index.js";
import { isJsonObject } from "../util/index.js";

/**
 * Bounds on handlebars templates, so no definition can make a render run long or grow without
 * limit: block nesting checked before parsing (the parser and compiler recurse), a step budget
 * per render (every helper call and every block body run counts: nested `{{#each}}` multiply),
 * a cap on what one helper may produce (nested `replace` doubles text at each level), on the
 * text all block bodies produce, and on `indent` widths. Documented in docs/limits.md.
 */
export const TEMPLATE_LIMITS = {
  /** `{{#…}}` blocks inside each other. */
  blockNesting: 100,
  /** Helper calls plus block body runs in one render. */
  steps: 1_000_000,
  /** Characters (or values, for lists and maps) one helper call may return. */
  helperOutput: 4 * 1024 * 1024,
  /** Characters all block bodies of one render may produce together. */
  blockOutput: 64 * 1024 * 1024,
  /** Spaces `indent`/`nindent` may add. */
  indent: 1024,
} as const;

/** A template went past one of {@link TEMPLATE_LIMITS}. */
export class TemplateLimitError extends VelaError {
  constructor(message: string, hint: string) {
    super("E_TEMPLATE_LIMIT", message, { hint });
  }
}

function mib(characters: number): string {
  return `${(characters / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Throws when `{{#…}}` blocks nest deeper than the limit, naming the line (counted on the text, so
 * it runs before handlebars' recursive parser sees the template).
 */
export function checkTemplateNesting(text: string): void {
  let depth = 0;
  const tags = /\{\{~?\s*([#^/])/g;
  for (let match = tags.exec(text); match !== null; match = tags.exec(text)) {
    if (match[1] === "/") depth = Math.max(0, depth - 1);
    else if (++depth > TEMPLATE_LIMITS.blockNesting) {
      const line = text.slice(0, match.index).split("\n").length;
      throw new TemplateLimitError(
        `template blocks nest more than ${TEMPLATE_LIMITS.blockNesting} levels deep (line ${line} of the template)`,
        "flatten the {{#if}}/{{#each}} blocks",
      );
    }
  }
}

/**
 * The size of a value as text (string length, one per list item or map entry, recursively),
 * counted only up to `budget`: values built by helpers may share parts, so a walk without a budget
 * could be exponential.
 */
function sizeWithin(value: unknown, budget: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= budget) {
    const current = stack.pop();
    if (typeof current === "string") size += current.length;
    else if (Array.isArray(current)) {
      size += 1 + current.length;
      for (const item of current) stack.push(item);
    } else if (isJsonObject(current)) {
      const entries = Object.entries(current);
      size += 1 + entries.length;
      for (const [key, member] of entries) stack.push(key, member);
    } else size += 1;
  }
  return size;
}

/** The work of one render, counted against {@link TEMPLATE_LIMITS}. */
export class RenderMeter {
  private steps = 0;
  private blockOutput = 0;

  /** Starts counting a new render. */
  reset(): void {
    this.steps = 0;
    this.blockOutput = 0;
  }

  step(what: string): void {
    if (++this.steps > TEMPLATE_LIMITS.steps)
      throw new TemplateLimitError(
        `the template takes more than ${TEMPLATE_LIMITS.steps} steps (at ${what})`,
        "nested {{#each}} blocks multiply: iterate over less, or nest less",
      );
  }

  output(characters: number): void {
    this.blockOutput += characters;
    if (this.blockOutput > TEMPLATE_LIMITS.blockOutput)
      throw new TemplateLimitError(
        `the template renders more than ${mib(TEMPLATE_LIMITS.blockOutput)} of text`,
        "a rendered object should be small: iterate over less",
      );
  }
}

function tooLarge(helper: string, size: number): TemplateLimitError {
  return new TemplateLimitError(
    `helper "${helper}" would produce ${mib(size)}, more than the ${mib(TEMPLATE_LIMITS.helperOutput)} one helper may`,
    "nested helpers multiply what they produce: repeat less",
  );
}

/** A helper argument as the text the helpers make of it (for estimates: objects are measured as JSON). */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return value.toString();
  return value === null || value === undefined ? "" : (JSON.stringify(value) ?? "");
}

/** The size a helper's result would have, when it can be known before the helper runs (else 0). */
function sizeBefore(name: string, args: readonly unknown[]): number {
  const limit = TEMPLATE_LIMITS.helperOutput;
  switch (name) {
    case "indent":
    case "nindent": {
      const spaces = Number(args[0]);
      if (!Number.isFinite(spaces) || spaces > TEMPLATE_LIMITS.indent)
        throw new TemplateLimitError(
          `helper "${name}" is asked for ${String(args[0])} spaces, more than ${TEMPLATE_LIMITS.indent}`,
          "indent by the depth the YAML needs",
        );
      const text = textOf(args[1]);
      return text.length + spaces * text.split("\n").length;
    }
    case "replace": {
      const [text, from, to] = [textOf(args[0]), textOf(args[1]), textOf(args[2])];
      if (from === "") return text.length * (to.length + 1) + to.length;
      const occurrences = text.split(from).length - 1;
      return text.length + occurrences * (to.length - from.length);
    }
    case "json":
    case "toYaml":
    case "join":
    case "concat":
      return args.reduce<number>((sum, arg) => sum + sizeWithin(arg, limit + 1), 0);
    default:
      return 0;
  }
}

type Helper = (...args: unknown[]) => unknown;

/**
 * The helpers with their bounds: each call is a step of `meter`, sizes that can be known before a
 * helper runs are checked first, and every result is measured against the helper output cap.
 */
export function boundHelpers(helpers: Readonly<Record<string, Helper>>, meter: RenderMeter): Record<string, Helper> {
  const bounded: Record<string, Helper> = {};
  for (const [name, helper] of Object.entries(helpers)) {
    bounded[name] = function (this: unknown, ...raw: unknown[]): unknown {
      meter.step(`helper "${name}"`);
      const before = sizeBefore(name, raw.slice(0, -1));
      if (before > TEMPLATE_LIMITS.helperOutput) throw tooLarge(name, before);
      const result = helper.apply(this, raw);
      const after = sizeWithin(result, TEMPLATE_LIMITS.helperOutput + 1);
      if (after > TEMPLATE_LIMITS.helperOutput) throw tooLarge(name, after);
      return result;
    };
  }
  return bounded;
}

interface BlockOptions {
  fn?: (...args: unknown[]) => string;
  inverse?: (...args: unknown[]) => string;
}

/**
 * Wraps handlebars' own block helpers (`each`, `if`, `unless`, `with`) so every body they run is a
 * step of `meter` and its text counts against the block output cap.
 */
export function boundBlockHelpers(
  env: { helpers: Record<string, unknown>; registerHelper(name: string, helper: Helper): void },
  meter: RenderMeter,
): void {
  for (const name of ["each", "if", "unless", "with"]) {
    const original = env.helpers[name];
    if (typeof original !== "function") continue;
    const measured = (body: ((...args: unknown[]) => string) | undefined) =>
      body === undefined
        ? undefined
        : (...args: unknown[]): string => {
            meter.step(`{{#${name}}}`);
            const text = body(...args);
            meter.output(text.length);
            return text;
          };
    env.registerHelper(name, function (this: unknown, ...args: unknown[]): unknown {
      const options = args.at(-1) as BlockOptions | undefined;
      if (options === undefined || typeof options !== "object") return (original as Helper).apply(this, args);
      const wrapped = { ...options, fn: measured(options.fn), inverse: measured(options.inverse) };
      return (original as Helper).apply(this, [...args.slice(0, -1), wrapped]);
    });
  }
}
