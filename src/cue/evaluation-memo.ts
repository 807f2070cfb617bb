import { createHash } from "node:crypto";
import type { CueProgram } from "./program.js";

/** Inputs remembered per program by default: the apps one controller pass goes through again soon. */
const DEFAULT_CAPACITY = 256;

/** Longer input texts are remembered by their sha256 (a component's context holds the whole app's components). */
const LONGEST_KEPT_KEY = 512;

function keyOf(input: unknown): string {
  const text = JSON.stringify(input) ?? "undefined";
  return text.length <= LONGEST_KEPT_KEY ? text : `sha256:${createHash("sha256").update(text).digest("base64")}`;
}

/** Options of {@link EvaluationMemo}. */
export interface EvaluationMemoOptions<T> {
  /**
   * A copy of a result the caller may change: made of what is remembered (so a caller changing
   * it leaves the memo intact) and of each result handed out.
   */
  readonly copy: (result: T) => T;
  /** Inputs remembered per program; the least recently used go first. @default 256 */
  readonly capacity?: number;
}

/**
 * What was derived from evaluating one compiled program with one JSON input (a definition's
 * rendering, its parameter check), remembered for the program's most recent inputs. Evaluation is
 * a pure function of the program and the input, so an input seen again (a controller's next pass
 * of an unchanged app) is answered without evaluating. A changed definition compiles to another
 * program and never sees the old results (programs are the keys, held weakly: results go with
 * their program); a changed input is another key. A computation that throws remembers nothing.
 */
export class EvaluationMemo<T> {
  private readonly programs = new WeakMap<CueProgram, Map<string, T>>();
  private readonly copy: (result: T) => T;
  private readonly capacity: number;

  constructor(options: EvaluationMemoOptions<T>) {
    this.copy = options.copy;
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_CAPACITY);
  }

  /** The result of `program` evaluated with `input` (JSON: compared by its text), computed by `compute` when not remembered. */
  get(program: CueProgram, input: unknown, compute: () => T): T {
    const key = keyOf(input);
    let results = this.programs.get(program);
    const remembered = results?.get(key);
    if (results !== undefined && remembered !== undefined) {
      // Most recently used last: a Map keeps insertion order.
      results.delete(key);
      results.set(key, remembered);
      return this.copy(remembered);
    }
    const result = compute();
    if (results === undefined) {
      results = new Map();
      this.programs.set(program, results);
    }
    results.set(key, this.copy(result));
    if (results.size > this.capacity) {
      const oldest = results.keys().next();
      if (oldest.done !== true) results.delete(oldest.value);
    }
    return result;
  }
}
