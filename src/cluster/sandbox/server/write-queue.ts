/**
 * Runs async jobs one at a time, in arrival order. The server puts every write and every controller
 * pass (`settle()`) through one queue so controllers always see a consistent store and a write never
 * interleaves with a pass.
 */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  /** Jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(job);
    this.tail = result.then(
      () => void this.pending--,
      () => void this.pending--,
    );
    return result;
  }

  /** Resolves once everything queued so far has finished. */
  drain(): Promise<void> {
    return this.tail;
  }
}
