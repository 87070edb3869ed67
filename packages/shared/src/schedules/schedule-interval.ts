import { CronExpressionParser } from 'cron-parser';

/** How many firings of a cron pattern are looked at to find its shortest gap. */
const FIRINGS_SAMPLED = 60;

/**
 * The shortest time between two firings of a schedule, in milliseconds: `every`
 * itself, or the smallest gap among a cron pattern's next firings (cron-parser,
 * the parser BullMQ's Job Schedulers use, so both read a pattern the same way).
 * Returns undefined for a pattern that does not parse; BullMQ then refuses it
 * with its own message.
 */
export function shortestInterval(
  repeat: { cron?: string | undefined; every?: number | undefined; tz: string },
  now: Date,
): number | undefined {
  if (repeat.every !== undefined) return repeat.every;
  if (repeat.cron === undefined) return undefined;
  let expression: ReturnType<typeof CronExpressionParser.parse>;
  try {
    expression = CronExpressionParser.parse(repeat.cron, { tz: repeat.tz, currentDate: now });
  } catch {
    return undefined;
  }
  let previous: number | undefined;
  let shortest: number | undefined;
  for (let i = 0; i < FIRINGS_SAMPLED && expression.hasNext(); i++) {
    const at = expression.next().getTime();
    if (previous !== undefined) shortest = Math.min(shortest ?? Number.POSITIVE_INFINITY, at - previous);
    previous = at;
  }
  return shortest;
}
