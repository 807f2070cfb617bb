/** The injected source of time. Only the CLI builds a {@link SystemClock}; tests use {@link FakeClock}. */
export interface Clock {
  now(): Date;
}

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * The sandbox's clock: a base clock (the wall clock) plus the simulated time `--wait` skipped
 * instead of sleeping through it (docs/sandbox.md, "Sandbox time"). It only ever moves forward.
 */
export class SimulatedClock implements Clock {
  private offset = 0;

  constructor(readonly base: Clock) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.offset);
  }

  /** How far ahead of its base this clock runs, in milliseconds. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Runs `offsetMs` ahead of the base, unless it already runs further ahead (time never goes back). */
  runAhead(offsetMs: number): void {
    if (Number.isFinite(offsetMs)) this.offset = Math.max(this.offset, Math.round(offsetMs));
  }
}

/** A clock that only moves when told to, for tests of timed pauses and timeouts. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: Date | string = "2026-01-01T00:00:00Z") {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }

  advanceSeconds(seconds: number): void {
    this.advance(seconds * 1000);
  }
}

/** RFC 3339 timestamp without milliseconds, as Kubernetes writes them. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
