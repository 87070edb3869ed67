import type { DoctorReport } from '@d2s/shared';
import type { Color } from '../output.js';

const LABEL = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' } as const;
const COLOR: Record<keyof typeof LABEL, Color> = { ok: 'green', warn: 'yellow', fail: 'red', skip: 'dim' };

/**
 * `d2s doctor` as text: one line per check (status, id, message), the fix under each warning and failure,
 * then the counts. Control characters in messages are shown as spaces so a message cannot break the layout.
 */
export function renderDoctorReport(report: DoctorReport, paint: (text: string, color: Color) => string): string {
  const width = Math.max(0, ...report.checks.map((c) => c.id.length));
  const indent = ' '.repeat(4 + 2 + width + 2);
  const lines = report.checks.flatMap((check) => {
    const label = paint(LABEL[check.status].padEnd(4), COLOR[check.status]);
    const line = `${label}  ${check.id.padEnd(width)}  ${clean(check.message)}`;
    return check.hint === undefined || check.status === 'ok' || check.status === 'skip'
      ? [line]
      : [line, `${indent}fix: ${clean(check.hint)}`];
  });
  const { ok, warn, fail, skip } = report.summary;
  const counts = [`${ok} ok`, `${warn} warning${warn === 1 ? '' : 's'}`, `${fail} failed`];
  if (skip > 0) counts.push(`${skip} skipped`);
  lines.push(
    '',
    `${paint(report.status === 'ok' ? 'All good' : report.status === 'warn' ? 'Works, with warnings' : 'Problems found', COLOR[report.status])}: ${counts.join(', ')}.`,
  );
  return lines.join('\n');
}

function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ');
}
