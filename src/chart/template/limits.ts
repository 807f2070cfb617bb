/**
 * Bounds on one render: a chart is untrusted input, and Go templates can loop (`range until
 * 100000000`), recurse (`include` of itself) and grow strings (`indent 400000000`). Every render
 * counts its steps, watches the clock and the size of what it builds, and stops with a clear error
 * (naming the template and line) instead of hanging or exhausting memory.
 */

/** Limits of one render. Each has a default generous enough for any real chart. */
export interface EvaluationLimits {
  /** Template nodes, function calls and loop iterations. @default 20_000_000 */
  readonly maxSteps?: number;
  /** Wall-clock time of one render, in milliseconds. @default 20_000 */
  readonly maxDurationMs?: number;
  /** Characters of output a render (all templates together) and any one string may reach. @default 64 MiB */
  readonly maxOutputBytes?: number;
  /** Items a list built by `until`, `untilStep`, `seq` or a `range` over an integer may have. @default 1_000_000 */
  readonly maxListLength?: number;
  /** Nested `include`s of one name (Helm's limit: the 1002nd fails). @default 1000 */
  readonly maxTemplateDepth?: number;
  /**
   * How deep template executions may nest in all (`template`, `include`, `tpl`). Go stops
   * `{{template}}` recursion at 100,000; this bound keeps the memory a runaway recursion holds small.
   * @default 10_000
   */
  readonly maxExecDepth?: number;
}

/** The defaults of {@link EvaluationLimits}. */
export const DEFAULT_LIMITS: Required<EvaluationLimits> = {
  maxSteps: 20_000_000,
  maxDurationMs: 20_000,
  maxOutputBytes: 64 * 1024 * 1024,
  maxListLength: 1_000_000,
  maxTemplateDepth: 1000,
  maxExecDepth: 10_000,
};

/** Thrown when a render goes past one of its limits; the evaluator adds where it happened. */
export class LimitExceeded extends Error {
  location: { readonly name: string; readonly line: number; readonly column: number } | undefined;
  constructor(message: string) {
    super(message);
    this.name = "LimitExceeded";
  }
}

/** What string-building functions check before they allocate. */
export interface OutputGuard {
  /** Throws {@link LimitExceeded} when a string of `size` characters would be too large. */
  reserve(what: string, size: number): void;
  /** Throws when a list of `size` items would be too long. */
  reserveList(what: string, size: number): void;
}

/** The running budget of one render. */
export class EvaluationBudget implements OutputGuard {
  readonly limits: Required<EvaluationLimits>;
  private steps = 0;
  private readonly deadline: number;
  output = 0;

  constructor(limits: EvaluationLimits = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...definedOnly(limits) };
    this.deadline = Date.now() + this.limits.maxDurationMs;
  }

  /** Counts `count` steps; checks the clock every few thousand. */
  step(count = 1): void {
    const before = this.steps;
    this.steps += count;
    if (this.steps > this.limits.maxSteps)
      throw new LimitExceeded(
        `evaluation stopped after ${this.limits.maxSteps} steps (a loop or recursion runs too long)`,
      );
    if (before >>> 12 !== this.steps >>> 12 && Date.now() > this.deadline)
      throw new LimitExceeded(`evaluation stopped after ${this.limits.maxDurationMs} ms (rendering takes too long)`);
  }

  reserve(what: string, size: number): void {
    if (size > this.limits.maxOutputBytes)
      throw new LimitExceeded(
        `${what} would build a string of ${size} characters, over the limit of ${this.limits.maxOutputBytes}`,
      );
  }

  reserveList(what: string, size: number): void {
    if (size > this.limits.maxListLength)
      throw new LimitExceeded(
        `${what} would build a list of ${size} items, over the limit of ${this.limits.maxListLength}`,
      );
    this.step(Math.max(0, Math.floor(size / 16)));
  }

  /** Counts rendered output; throws when all templates together produce too much. */
  addOutput(size: number): void {
    this.output += size;
    if (this.output > this.limits.maxOutputBytes)
      throw new LimitExceeded(`rendered output exceeds ${this.limits.maxOutputBytes} characters`);
  }
}

function definedOnly(limits: EvaluationLimits): EvaluationLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}
