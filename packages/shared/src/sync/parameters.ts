import type { DatasetConfig, DatasetParameter } from '../config/schema.js';

export type ParameterValues = Record<string, string | number | boolean>;

export interface ParameterIssue {
  parameter: string;
  message: string;
}

/**
 * Checks a request's parameters against what the dataset declares: unknown
 * names, wrong types, values outside `enum` or `pattern`, missing required
 * ones. Returns the values to pass to the job (defaults filled) or the issues.
 * An explicit `null` means the same as leaving the parameter out: its default
 * applies, and a required parameter without one is reported missing.
 */
export function validateParameters(
  dataset: DatasetConfig,
  input: Record<string, unknown> | undefined,
): { ok: true; values: ParameterValues } | { ok: false; issues: ParameterIssue[] } {
  const issues: ParameterIssue[] = [];
  const values: ParameterValues = {};
  const given = input ?? {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(dataset.parameters, name)) {
      const allowed = Object.keys(dataset.parameters);
      issues.push({
        parameter: name,
        message: `not a parameter of this dataset (allowed: ${allowed.length ? allowed.join(', ') : 'none'})`,
      });
    }
  }
  for (const [name, declaration] of Object.entries(dataset.parameters)) {
    const raw = (Object.hasOwn(given, name) ? given[name] : undefined) ?? declaration.default;
    if (raw === undefined || raw === null) {
      if (declaration.required) issues.push({ parameter: name, message: 'is required' });
      continue;
    }
    const checked = checkValue(declaration, raw);
    if (typeof checked === 'string') issues.push({ parameter: name, message: checked });
    else values[name] = checked.value;
  }
  return issues.length ? { ok: false, issues } : { ok: true, values };
}

function checkValue(declaration: DatasetParameter, raw: unknown): { value: string | number | boolean } | string {
  let value: string | number | boolean;
  switch (declaration.type) {
    case 'string':
      if (typeof raw !== 'string') return `expected a string, got ${typeOf(raw)}`;
      value = raw;
      break;
    case 'integer':
      if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) return `expected an integer, got ${typeOf(raw)}`;
      value = raw;
      break;
    case 'number':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return `expected a number, got ${typeOf(raw)}`;
      value = raw;
      break;
    case 'boolean':
      if (typeof raw !== 'boolean') return `expected true or false, got ${typeOf(raw)}`;
      value = raw;
      break;
    case 'date':
      if (typeof raw !== 'string' || !isIsoDate(raw)) return 'expected a date as YYYY-MM-DD';
      value = raw;
      break;
  }
  if (declaration.enum && !declaration.enum.includes(value as string | number)) {
    return `must be one of ${declaration.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (
    declaration.pattern &&
    typeof value === 'string' &&
    !new RegExp(`^(?:${declaration.pattern})$`, 'u').test(value)
  ) {
    return `must match /${declaration.pattern}/`;
  }
  if (typeof value === 'string' && value.length > 1_000) return 'is longer than 1000 characters';
  return { value };
}

function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
