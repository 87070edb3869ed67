import type { Schedule } from '../api-types.js';
import { formatInterval, formatParameters, formatTime } from './format.js';
import { renderTable } from './table.js';

/** What a schedule starts: `sync forecasts (region=eu)` or `mirror`. */
export function scheduleWhat(schedule: Schedule): string {
  if (schedule.kind === 'mirror') {
    const scope = [...(schedule.scope?.catalogs ?? []), ...(schedule.scope?.schemas ?? [])];
    return scope.length ? `mirror ${scope.join(',')}` : 'mirror';
  }
  const parameters = formatParameters(schedule.parameters);
  return `sync ${schedule.dataset ?? '?'}${parameters ? ` (${parameters})` : ''}`;
}

/** When it fires: `cron 0 3 * * * Europe/Paris` or `every 15m`. */
export function scheduleWhen(schedule: Schedule): string {
  if (schedule.cron !== undefined)
    return `cron ${schedule.cron}${schedule.tz && schedule.tz !== 'UTC' ? ` ${schedule.tz}` : ''}`;
  return schedule.every === undefined ? '' : `every ${formatInterval(schedule.every)}`;
}

/** `d2s schedules ls`. */
export function renderScheduleTable(schedules: readonly Schedule[]): string {
  return renderTable(
    [
      { header: 'id', value: (s) => s.id },
      { header: 'starts', value: scheduleWhat, maxWidth: 60 },
      { header: 'when', value: scheduleWhen },
      { header: 'next (UTC)', value: (s) => formatTime(s.next) },
      { header: 'fired', value: (s) => String(s.iterations ?? 0), align: 'right' },
    ],
    schedules,
  );
}
