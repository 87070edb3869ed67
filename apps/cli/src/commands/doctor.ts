import type { DoctorReport } from '@d2s/shared';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import { renderDoctorReport } from '../render/doctor.js';
import type { Command } from './command.js';

/**
 * `d2s doctor`: the preflight. By default it runs the checks here, from the configuration file and environment
 * the services use, so it works while the API is down; `--remote` (or an explicit `--api`) asks the running API
 * (GET /v1/doctor, admin token), which checks with the API's own configuration and network.
 */
export const doctorCommand: Command = {
  path: ['doctor'],
  usage: 'd2s doctor [--config <file>] [--remote] [--strict]',
  summary: 'Check Redis, Databricks and Snowflake as d2s will use them, with a fix for each problem',
  description: [
    'Runs every check locally from the config file ($D2S_CONFIG, else ./d2s.config.yaml) and the environment,',
    'as the services read them; --remote asks the running API instead (GET /v1/doctor, an admin token).',
    'Exits 0 when nothing failed (warnings too, unless --strict), 1 when a check failed. Secrets are never printed.',
  ].join('\n'),
  options: [
    {
      name: 'config',
      type: 'string',
      value: 'file',
      description: 'The d2s config file (default: $D2S_CONFIG, else ./d2s.config.yaml)',
    },
    {
      name: 'remote',
      type: 'boolean',
      description: 'Ask the running API (GET /v1/doctor) instead of checking from here',
    },
    { name: 'strict', type: 'boolean', description: 'Exit 1 on warnings too' },
  ],
  positionals: { min: 0, max: 0, names: '' },
  async run(args, ctx) {
    const remote = args.boolean('remote') || args.string('api') !== undefined;
    let report: DoctorReport;
    if (remote) {
      report = await ctx.api.json<DoctorReport>('GET', '/v1/doctor');
    } else {
      if (!ctx.localDoctor) throw new LocalDoctorUnavailable();
      const configPath = args.string('config');
      report = await ctx.localDoctor(configPath === undefined ? {} : { configPath });
    }
    if (args.boolean('json')) ctx.out.json(report);
    else ctx.out.print(renderDoctorReport(report, (text, color) => ctx.out.paint(text, color)));
    return exitCodeOf(report, args.boolean('strict'));
  },
};

/** Same rule as the shared doctorExitCode, without loading the shared package for it. */
function exitCodeOf(report: DoctorReport, strict: boolean): ExitCode {
  if (report.status === 'fail' || (strict && report.status === 'warn')) return EXIT.runFailed;
  return EXIT.ok;
}

class LocalDoctorUnavailable extends CliError {
  readonly exitCode = EXIT.usage;

  constructor() {
    super('Local checks are not available here; use d2s doctor --remote.');
  }
}
