import { describe, expect, it } from 'vitest';
import { pollDelayMs } from './poll-delay.js';

const settings = { pollInitialMs: 1_000, pollMaxMs: 10_000, pollGrowth: 2 };

describe('pollDelayMs', () => {
  it('grows geometrically to the cap', () => {
    const middle = () => 0.5;
    expect([0, 1, 2, 3, 4, 10].map((n) => pollDelayMs(n, settings, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });

  it('jitters within ±20 %', () => {
    expect(pollDelayMs(0, settings, () => 0)).toBe(800);
    expect(pollDelayMs(0, settings, () => 0.999_999)).toBe(1_200);
  });

  it('honours a longer Retry-After', () => {
    expect(pollDelayMs(0, settings, () => 0.5, 7_000)).toBe(7_000);
    expect(pollDelayMs(3, settings, () => 0.5, 7_000)).toBe(8_000);
  });
});
