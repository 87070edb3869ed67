export interface PollDelaySettings {
  pollInitialMs: number;
  pollMaxMs: number;
  pollGrowth: number;
}

/**
 * How long to wait before the next poll of a run: growing geometrically to a
 * cap, with ±20 % jitter so thousands of runs started together do not poll in
 * lockstep. A server's Retry-After, when larger, wins.
 */
export function pollDelayMs(
  polls: number,
  settings: PollDelaySettings,
  random: () => number,
  retryAfterMs = 0,
): number {
  const base = Math.min(settings.pollMaxMs, settings.pollInitialMs * settings.pollGrowth ** Math.max(0, polls));
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  return Math.max(jittered, retryAfterMs);
}
