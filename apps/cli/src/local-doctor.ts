import type { DoctorReport } from '@d2s/shared';

export interface LocalDoctorOptions {
  /** The config file; else D2S_CONFIG, else ./d2s.config.yaml. */
  configPath?: string;
}

export interface LocalDoctorWorld {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Runs the doctor in this process from the configuration the services read. The shared package (BullMQ, the
 * Snowflake driver, …) is loaded only here, so other commands start fast. A configuration that does not load is
 * itself the finding: one failing `config` check with the loader's message (which never quotes a secret).
 */
export async function runLocalDoctor(world: LocalDoctorWorld, options: LocalDoctorOptions): Promise<DoctorReport> {
  const shared = await import('@d2s/shared');
  const { configureSnowflakeDriver } = await import('@d2s/shared/snowflake');
  const env = options.configPath === undefined ? world.env : { ...world.env, D2S_CONFIG: options.configPath };
  let config: ReturnType<typeof shared.loadConfig>;
  try {
    config = shared.loadConfig({ env, cwd: world.cwd });
  } catch (error) {
    if (!(error instanceof shared.ConfigError)) throw error;
    return shared.reportOf([
      {
        id: 'config',
        status: 'fail',
        message: error.message.replace(/\s*\n\s*/g, ' '),
        hint: 'Fix the configuration named above (README: Configuration); then run d2s doctor again.',
      },
    ]);
  }
  await configureSnowflakeDriver({ logLevel: 'OFF', env: world.env });
  return shared.runDoctor(shared.doctorClients({ config }));
}
