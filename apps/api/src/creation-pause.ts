import { ConfigError, CREATION_POINTS, type CreationPoint, type Logger } from '@d2s/shared';

/**
 * `D2S_TEST_PAUSE_AT=<point>` makes the API stop forever at that point of a
 * sync's creation (see CREATION_POINTS), so a crash test can SIGKILL the real
 * process exactly between two of its writes. Unset, nothing is installed: no
 * request ever waits on it. A misspelt point refuses to start rather than
 * silently testing nothing.
 */
export function creationPauseFrom(
  env: NodeJS.ProcessEnv,
  logger: Pick<Logger, 'warn'>,
): ((point: CreationPoint) => Promise<void>) | undefined {
  const wanted = env.D2S_TEST_PAUSE_AT;
  if (!wanted) return undefined;
  if (!(CREATION_POINTS as readonly string[]).includes(wanted)) {
    throw new ConfigError(`D2S_TEST_PAUSE_AT must be one of ${CREATION_POINTS.join(', ')}; got "${wanted}".`);
  }
  logger.warn({ pauseAt: wanted }, 'D2S_TEST_PAUSE_AT is set: sync creation will stop there (crash tests only)');
  return async (point) => {
    if (point !== wanted) return;
    logger.warn({ pauseAt: point }, 'paused at creation point');
    await new Promise<never>(() => {});
  };
}
