/**
 * One line of `d2s doctor`: what was checked, how it went, and what to do about it.
 *
 * - `ok`: works as d2s needs it;
 * - `warn`: works, but something will bite later (a worker missing, a check that could not be made);
 * - `fail`: a sync or a mirror run will fail until it is fixed;
 * - `skip`: does not apply to this configuration (no datasets, no mirror, push not configured).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  /** Stable and dotted: `redis.eviction-policy`, `databricks.job.shared_forecasts.can-manage-run`. */
  id: string;
  status: CheckStatus;
  /** One line saying what was found. Never holds a secret. */
  message: string;
  /** What to do about a warn or fail, concretely (a GRANT, a setting, a command). */
  hint?: string;
}

export interface DoctorSummary {
  ok: number;
  warn: number;
  fail: number;
  skip: number;
}

export interface DoctorReport {
  /** The worst status of any check (`skip` counts as ok). */
  status: 'ok' | 'warn' | 'fail';
  summary: DoctorSummary;
  checks: DoctorCheck[];
}

export const ok = (id: string, message: string): DoctorCheck => ({ id, status: 'ok', message });
export const skip = (id: string, message: string): DoctorCheck => ({ id, status: 'skip', message });
export const warn = (id: string, message: string, hint: string): DoctorCheck => ({
  id,
  status: 'warn',
  message,
  hint,
});
export const fail = (id: string, message: string, hint: string): DoctorCheck => ({
  id,
  status: 'fail',
  message,
  hint,
});

/** The report for a list of checks: counts per status and the worst one. */
export function reportOf(checks: readonly DoctorCheck[]): DoctorReport {
  const summary: DoctorSummary = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) summary[check.status] += 1;
  const status = summary.fail > 0 ? 'fail' : summary.warn > 0 ? 'warn' : 'ok';
  return { status, summary, checks: [...checks] };
}

/**
 * Exit code of `d2s doctor`: 0 when nothing failed, 1 on any fail; warnings fail too when `strict`.
 */
export function doctorExitCode(report: DoctorReport, strict = false): 0 | 1 {
  if (report.status === 'fail') return 1;
  if (strict && report.status === 'warn') return 1;
  return 0;
}

/**
 * The last guard against a secret in the output: every known secret value is replaced by `[redacted]` in
 * messages and hints, whatever an upstream error message happened to quote.
 */
export function redactReport(report: DoctorReport, secrets: readonly string[]): DoctorReport {
  const values = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (values.length === 0) return report;
  const scrub = (text: string) => values.reduce((out, value) => out.split(value).join('[redacted]'), text);
  return {
    ...report,
    checks: report.checks.map((check) => ({
      ...check,
      message: scrub(check.message),
      ...(check.hint === undefined ? {} : { hint: scrub(check.hint) }),
    })),
  };
}

/** The message of any thrown value, on one line. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
