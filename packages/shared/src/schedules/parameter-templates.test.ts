import { describe, expect, it } from 'vitest';
import { checkTemplate, renderParameters, renderTemplate, TemplateError } from './parameter-templates.js';

const at = (iso: string) => new Date(iso);

function errorOf(text: string): TemplateError {
  try {
    checkTemplate(text);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('schedule parameter templates', () => {
  // 02:00 UTC is 03:00 in Paris (CET, +01:00) on 2 December.
  const firing = at('2026-12-02T02:00:00Z');

  it('names the firing date and time in the schedule time zone, and Airflow-style logical dates', () => {
    expect(renderTemplate('{{ firing_date }}', firing, 'Europe/Paris')).toBe('2026-12-02');
    expect(renderTemplate('{{ firing_time }}', firing, 'Europe/Paris')).toBe('2026-12-02T03:00:00+01:00');
    expect(renderTemplate('{{firing_time}}', firing, 'UTC')).toBe('2026-12-02T02:00:00+00:00');
    // Airflow: a daily run firing on the 2nd has the logical date (ds) of the 1st, the day it covers.
    expect(renderTemplate('{{ ds }}', firing, 'Europe/Paris')).toBe('2026-12-01');
    expect(renderTemplate('{{ yesterday_ds }}', firing, 'Europe/Paris')).toBe('2026-11-30');
    expect(renderTemplate('{{ tomorrow_ds }}', firing, 'Europe/Paris')).toBe('2026-12-02');
    expect(renderTemplate('{{ ds_nodash }}', firing, 'Europe/Paris')).toBe('20261201');
  });

  it('takes the date in the time zone, not in UTC', () => {
    const lateUtc = at('2026-12-01T23:30:00Z');
    expect(renderTemplate('{{ firing_date }}', lateUtc, 'UTC')).toBe('2026-12-01');
    expect(renderTemplate('{{ firing_date }}', lateUtc, 'Asia/Tokyo')).toBe('2026-12-02');
    expect(renderTemplate('{{ firing_date }}', lateUtc, 'America/Los_Angeles')).toBe('2026-12-01');
    expect(renderTemplate('{{ firing_time }}', lateUtc, 'Asia/Kolkata')).toBe('2026-12-02T05:00:00+05:30');
  });

  it('applies filters left to right, across month and leap-year ends', () => {
    expect(renderTemplate('{{ firing_date | minus_days(1) }}', firing, 'UTC')).toBe('2026-12-01');
    expect(renderTemplate('{{ firing_date | minus_days( 1 ) | nodash }}', firing, 'UTC')).toBe('20261201');
    expect(renderTemplate('{{ firing_date | plus_days(30) }}', firing, 'UTC')).toBe('2027-01-01');
    expect(renderTemplate('{{ ds }}', at('2024-03-01T06:00:00Z'), 'UTC')).toBe('2024-02-29');
    expect(renderTemplate('{{ ds | end_of_month }}', at('2024-02-10T06:00:00Z'), 'UTC')).toBe('2024-02-29');
    expect(renderTemplate('{{ ds | start_of_month }}', firing, 'UTC')).toBe('2026-12-01');
    expect(renderTemplate('{{ firing_time | minus_hours(3) | date }}', firing, 'UTC')).toBe('2026-12-01');
    expect(renderTemplate('{{ firing_time | plus_hours(1) }}', firing, 'Europe/Paris')).toBe(
      '2026-12-02T04:00:00+01:00',
    );
  });

  it('keeps the wall-clock time when it moves a time by days across a DST change', () => {
    // Paris moved to summer time (+02:00) on 29 March 2026 at 02:00 local time.
    const noon = at('2026-03-29T10:00:00Z');
    expect(renderTemplate('{{ firing_time }}', noon, 'Europe/Paris')).toBe('2026-03-29T12:00:00+02:00');
    expect(renderTemplate('{{ firing_time | minus_days(1) }}', noon, 'Europe/Paris')).toBe('2026-03-28T12:00:00+01:00');
  });

  it('keeps the text around a template, and renders only templated parameters', () => {
    expect(renderTemplate('exports/{{ ds }}/daily', firing, 'UTC')).toBe('exports/2026-12-01/daily');
    expect(renderTemplate('no template }} here', firing, 'UTC')).toBe('no template }} here');
    expect(renderParameters({ day: '{{ ds }}', region: 'eu', limit: 3, full: true }, firing, 'UTC')).toEqual({
      day: '2026-12-01',
      region: 'eu',
      limit: 3,
      full: true,
    });
  });

  it('refuses a bad template with the position of the problem', () => {
    expect(errorOf('{{ firing_dat }}')).toMatchObject({
      position: 3,
      message: expect.stringContaining('unknown name "firing_dat"'),
    });
    expect(errorOf('day={{ ds')).toMatchObject({ position: 4, message: expect.stringContaining('not closed') });
    expect(errorOf('{{ }}')).toMatchObject({ position: 3, message: expect.stringContaining('expected a name') });
    expect(errorOf('{{ ds | minus_days }}')).toMatchObject({
      position: 19,
      message: expect.stringContaining('needs a number'),
    });
    expect(errorOf('{{ ds | minus_days(x) }}')).toMatchObject({ position: 19, message: 'expected a whole number' });
    expect(errorOf('{{ ds | minus_days(1 }}')).toMatchObject({ position: 21, message: 'expected ")"' });
    expect(errorOf('{{ ds | yesterday }}')).toMatchObject({
      position: 8,
      message: expect.stringContaining('unknown filter'),
    });
    expect(errorOf('{{ ds | nodash | minus_days(1) }}')).toMatchObject({
      position: 17,
      message: 'filter "minus_days" takes a date or time, not a text',
    });
    expect(errorOf('{{ firing_time | nodash }}')).toMatchObject({ position: 17 });
    expect(errorOf('{{ ds | start_of_month(1) }}')).toMatchObject({
      position: 22,
      message: expect.stringContaining('no argument'),
    });
    expect(errorOf('{{ ds ds }}')).toMatchObject({ position: 6, message: 'expected "|" or "}}", found "d"' });
    expect(errorOf('{{ constructor }}')).toMatchObject({ position: 3 });
    expect(errorOf('{{ ds | plus_days(100001) }}')).toMatchObject({ position: 18 });
  });
});
