/** Where the emulator reads the time (epoch milliseconds). Tests hand in a manual clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests that step a run through its states. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start = Date.UTC(2024, 5, 1, 12, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
