/**
 * Schedule parameters that mean a date: `{{ … }}` templates over the firing
 * time, in the schedule's time zone, rendered when the schedule fires.
 *
 *   {{ firing_date }}                     2026-12-02  the firing's calendar date
 *   {{ firing_time }}                     2026-12-02T03:00:00+01:00
 *   {{ ds }}                              2026-12-01  Airflow's logical date of a daily schedule:
 *                                                     the day before the firing (the day it covers)
 *   {{ yesterday_ds }} / {{ tomorrow_ds }} ds ∓ 1 day;  {{ ds_nodash }} 20261201
 *   {{ firing_date | minus_days(1) }}     filters, applied left to right
 *
 * Filters: `minus_days(n)`, `plus_days(n)` (calendar days; a time keeps its
 * wall-clock time), `minus_hours(n)`, `plus_hours(n)` (times only),
 * `start_of_month`, `end_of_month` (dates), `date` (a time's date), `nodash`
 * (a date as YYYYMMDD; last). Text around a template is kept as written.
 * A template is checked completely when the schedule is saved, and errors
 * name their position (0-based, in the parameter's text).
 */

/** A template that does not parse or type-check; `position` is the 0-based offset in the parameter's text. */
export class TemplateError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'TemplateError';
    this.position = position;
  }
}

type ValueKind = 'date' | 'time' | 'text';

/** A calendar date. */
interface DateValue {
  kind: 'date';
  year: number;
  month: number;
  day: number;
}
/** An instant, shown as wall-clock time in the schedule's zone. */
interface TimeValue {
  kind: 'time';
  epochMs: number;
}
type Value = DateValue | TimeValue | { kind: 'text'; text: string };

interface FilterCall {
  name: string;
  argument?: number;
  position: number;
}
interface Expression {
  variable: string;
  position: number;
  filters: FilterCall[];
}
type Part = { literal: string } | { expression: Expression };

interface FilterDefinition {
  /** What it takes → what it gives. */
  accepts: ValueKind[];
  gives: (input: ValueKind) => ValueKind;
  takesNumber: boolean;
  apply(value: Value, argument: number, tz: string): Value;
}

const VARIABLES: Record<string, ValueKind> = {
  firing_date: 'date',
  firing_time: 'time',
  ds: 'date',
  yesterday_ds: 'date',
  tomorrow_ds: 'date',
  ds_nodash: 'text',
};

const FILTERS: Record<string, FilterDefinition> = {
  minus_days: {
    accepts: ['date', 'time'],
    gives: (k) => k,
    takesNumber: true,
    apply: (v, n, tz) => addDays(v, -n, tz),
  },
  plus_days: { accepts: ['date', 'time'], gives: (k) => k, takesNumber: true, apply: (v, n, tz) => addDays(v, n, tz) },
  minus_hours: { accepts: ['time'], gives: () => 'time', takesNumber: true, apply: (v, n) => addHours(v, -n) },
  plus_hours: { accepts: ['time'], gives: () => 'time', takesNumber: true, apply: (v, n) => addHours(v, n) },
  start_of_month: {
    accepts: ['date'],
    gives: () => 'date',
    takesNumber: false,
    apply: (v) => ({ ...(v as DateValue), day: 1 }),
  },
  end_of_month: {
    accepts: ['date'],
    gives: () => 'date',
    takesNumber: false,
    apply: (v) => {
      const d = v as DateValue;
      return fromUtcDate(new Date(Date.UTC(d.year, d.month, 0)));
    },
  },
  date: {
    accepts: ['time'],
    gives: () => 'date',
    takesNumber: false,
    apply: (v, _n, tz) => dateIn(v as TimeValue, tz),
  },
  nodash: {
    accepts: ['date'],
    gives: () => 'text',
    takesNumber: false,
    apply: (v) => ({ kind: 'text', text: formatDate(v as DateValue).replaceAll('-', '') }),
  },
};

/** The largest day or hour offset a filter takes (about 270 years of days): beyond it a date is nonsense. */
const MAX_OFFSET = 100_000;

/** Whether a parameter value is a template (holds `{{`); other values are used as written. */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes('{{');
}

/** Parses and type-checks a template; throws TemplateError with the position of the first problem. */
export function checkTemplate(text: string): void {
  parseTemplate(text);
}

/** Renders a template for a firing at `firedAt`, in the IANA time zone `tz`. */
export function renderTemplate(text: string, firedAt: Date, tz: string): string {
  return parseTemplate(text)
    .map((part) => ('literal' in part ? part.literal : show(evaluate(part.expression, firedAt, tz), tz)))
    .join('');
}

/** Renders every templated value of a schedule's parameters; other values pass through. */
export function renderParameters<V>(
  parameters: Record<string, V>,
  firedAt: Date,
  tz: string,
): Record<string, V | string> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => [
      name,
      isTemplate(value) ? renderTemplate(value, firedAt, tz) : value,
    ]),
  );
}

function parseTemplate(text: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    if (open === -1) {
      parts.push({ literal: text.slice(at) });
      break;
    }
    if (open > at) parts.push({ literal: text.slice(at, open) });
    const close = text.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateError('"{{" is not closed by "}}"', open);
    parts.push({ expression: parseExpression(text, open + 2, close) });
    at = close + 2;
  }
  return parts;
}

/** `variable ( | filter ( (integer) )? )*` between `start` and `end`, type-checked as it goes. */
function parseExpression(text: string, start: number, end: number): Expression {
  let at = start;
  const skipSpace = () => {
    while (at < end && /\s/.test(text[at] as string)) at++;
  };
  const identifier = (what: string): { name: string; position: number } => {
    skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at, end));
    if (!match) throw new TemplateError(at < end ? `expected ${what}, found "${text[at]}"` : `expected ${what}`, at);
    const found = { name: match[0], position: at };
    at += match[0].length;
    return found;
  };

  const variable = identifier(`a name (${Object.keys(VARIABLES).join(', ')})`);
  let kind = Object.hasOwn(VARIABLES, variable.name) ? VARIABLES[variable.name] : undefined;
  if (!kind) {
    throw new TemplateError(
      `unknown name "${variable.name}"; known: ${Object.keys(VARIABLES).join(', ')}`,
      variable.position,
    );
  }
  const filters: FilterCall[] = [];
  for (;;) {
    skipSpace();
    if (at >= end) break;
    if (text[at] !== '|') throw new TemplateError(`expected "|" or "}}", found "${text[at]}"`, at);
    at++;
    const filter = identifier('a filter name');
    const definition = Object.hasOwn(FILTERS, filter.name) ? FILTERS[filter.name] : undefined;
    if (!definition) {
      throw new TemplateError(
        `unknown filter "${filter.name}"; known: ${Object.keys(FILTERS).join(', ')}`,
        filter.position,
      );
    }
    if (!definition.accepts.includes(kind)) {
      throw new TemplateError(
        `filter "${filter.name}" takes a ${definition.accepts.join(' or ')}, not a ${kind}`,
        filter.position,
      );
    }
    const call: FilterCall = { name: filter.name, position: filter.position };
    skipSpace();
    if (definition.takesNumber) {
      if (text[at] !== '(')
        throw new TemplateError(`filter "${filter.name}" needs a number, e.g. ${filter.name}(1)`, at);
      at++;
      skipSpace();
      const number = /^\d+/.exec(text.slice(at, end));
      if (!number) throw new TemplateError('expected a whole number', at);
      const value = Number(number[0]);
      if (value > MAX_OFFSET) throw new TemplateError(`at most ${MAX_OFFSET}`, at);
      at += number[0].length;
      skipSpace();
      if (text[at] !== ')') throw new TemplateError('expected ")"', at);
      at++;
      call.argument = value;
    } else if (text[at] === '(') {
      throw new TemplateError(`filter "${filter.name}" takes no argument`, at);
    }
    kind = definition.gives(kind);
    filters.push(call);
  }
  return { variable: variable.name, position: variable.position, filters };
}

function evaluate(expression: Expression, firedAt: Date, tz: string): Value {
  const firing: TimeValue = { kind: 'time', epochMs: firedAt.getTime() };
  const firingDate = dateIn(firing, tz);
  const ds = addDays(firingDate, -1, tz) as DateValue;
  const variables: Record<string, Value> = {
    firing_date: firingDate,
    firing_time: firing,
    ds,
    yesterday_ds: addDays(ds, -1, tz),
    tomorrow_ds: addDays(ds, 1, tz),
    ds_nodash: { kind: 'text', text: formatDate(ds).replaceAll('-', '') },
  };
  let value = variables[expression.variable] as Value;
  for (const filter of expression.filters)
    value = (FILTERS[filter.name] as FilterDefinition).apply(value, filter.argument ?? 0, tz);
  return value;
}

function show(value: Value, tz: string): string {
  if (value.kind === 'text') return value.text;
  if (value.kind === 'date') return formatDate(value);
  const wall = wallClockIn(value.epochMs, tz);
  const offsetMinutes = Math.round(
    (Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) -
      Math.floor(value.epochMs / 1000) * 1000) /
      60_000,
  );
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  return `${formatDate(wall)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}${offset}`;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockIn(epochMs: number, tz: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(epochMs));
  const field = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
  };
}

function dateIn(time: TimeValue, tz: string): DateValue {
  const wall = wallClockIn(time.epochMs, tz);
  return { kind: 'date', year: wall.year, month: wall.month, day: wall.day };
}

function addDays(value: Value, days: number, tz: string): Value {
  if (value.kind === 'date') {
    return fromUtcDate(new Date(Date.UTC(value.year, value.month - 1, value.day + days)));
  }
  if (value.kind !== 'time') return value;
  // Calendar days keep the wall-clock time, as Airflow's pendulum does across a DST change.
  const wall = wallClockIn(value.epochMs, tz);
  const target = Date.UTC(wall.year, wall.month - 1, wall.day + days, wall.hour, wall.minute, wall.second);
  return { kind: 'time', epochMs: instantOfWallClock(target, tz) + (value.epochMs % 1000) };
}

function addHours(value: Value, hours: number): Value {
  return value.kind === 'time' ? { kind: 'time', epochMs: value.epochMs + hours * 3_600_000 } : value;
}

/** The instant whose wall-clock time in `tz` is `wallAsUtc` (read as if UTC); two passes settle the offset. */
function instantOfWallClock(wallAsUtc: number, tz: string): number {
  let guess = wallAsUtc;
  for (let pass = 0; pass < 2; pass++) {
    const wall = wallClockIn(guess, tz);
    const shown = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
    guess += wallAsUtc - shown;
  }
  return guess;
}

function fromUtcDate(date: Date): DateValue {
  return { kind: 'date', year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function formatDate(date: { year: number; month: number; day: number }): string {
  return `${String(date.year).padStart(4, '0')}-${pad(date.month)}-${pad(date.day)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
