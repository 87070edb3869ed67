#!/usr/bin/env node
/**
 * `npm run emulators`: runs the local stand-ins in the foreground until SIGINT/SIGTERM.
 *
 * Environment:
 * - DATABRICKS_EMULATOR_PORT (default 8801)
 * - D2S_OBJECT_STORE_DIR: the directory standing in for S3 (default `.d2s/object-store` under cwd)
 * - DATABRICKS_EMULATOR_FIXTURE: a fixture file (default: the sandbox fixture)
 * - DATABRICKS_EMULATOR_TIME_SCALE: multiplies run durations (default 1)
 * - SNOWFLAKE_EMULATOR_PORT (default 8802)
 * - D2S_EMULATOR_DATA_DIR: where the Snowflake sandbox key pair is kept (default `.d2s/sandbox` under cwd)
 * - D2S_EMULATOR_HOST: the address both listen on (default 127.0.0.1; 0.0.0.0 inside a container)
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { databricksEmulatorPort, sandboxFixturePath, startDatabricksEmulator } from './databricks/index.js';
import { SANDBOX, startSnowflakeSandbox } from './snowflake/index.js';

/** One running emulator, as the CLI sees it. */
interface RunningEmulator {
  name: string;
  /** Lines telling a user how to connect. */
  connectHelp: string[];
  close(): Promise<void>;
}

type EmulatorStarter = (env: NodeJS.ProcessEnv, objectStoreRoot: string) => Promise<RunningEmulator>;

const startDatabricks: EmulatorStarter = async (env, objectStoreRoot) => {
  const dbx = await startDatabricksEmulator({
    ...(env.D2S_EMULATOR_HOST ? { host: env.D2S_EMULATOR_HOST } : {}),
    port: databricksEmulatorPort(env),
    fixture: env.DATABRICKS_EMULATOR_FIXTURE || sandboxFixturePath,
    objectStoreRoot,
    timeScale: env.DATABRICKS_EMULATOR_TIME_SCALE ? Number(env.DATABRICKS_EMULATOR_TIME_SCALE) : 1,
  });
  const pat = dbx.fixture.auth.personal_access_tokens[0]?.token;
  const client = dbx.fixture.auth.oauth_clients[0];
  const exportJob = dbx.fixture.jobs.find((j) => j.export);
  return {
    name: 'Databricks',
    connectHelp: [
      `DATABRICKS_HOST=${dbx.url}`,
      ...(pat ? [`DATABRICKS_TOKEN=${pat}`] : []),
      ...(client
        ? [`DATABRICKS_CLIENT_ID=${client.client_id}`, `DATABRICKS_CLIENT_SECRET=${client.client_secret}`]
        : []),
      ...(exportJob
        ? [
            `export job: ${exportJob.job_id} (${exportJob.name}), parameter ${exportJob.export?.output_parameter ?? 'output_path'}=s3://...`,
          ]
        : []),
      `Iceberg REST catalog: ${dbx.url}/api/2.1/unity-catalog/iceberg-rest (OAuth token: ${dbx.url}/oidc/v1/token)`,
      `admin: ${dbx.url}/__emulator/health`,
    ],
    close: () => dbx.close(),
  };
};

const startSnowflake: EmulatorStarter = async (env, objectStoreRoot) => {
  const sandbox = await startSnowflakeSandbox({
    ...(env.D2S_EMULATOR_HOST ? { host: env.D2S_EMULATOR_HOST } : {}),
    ...(env.SNOWFLAKE_EMULATOR_PORT ? { port: Number(env.SNOWFLAKE_EMULATOR_PORT) } : {}),
    objectStoreRoot,
    dataDir: resolve(env.D2S_EMULATOR_DATA_DIR || '.d2s/sandbox'),
  });
  const sf = sandbox.emulator;
  return {
    name: 'Snowflake',
    connectHelp: [
      `SNOWFLAKE_ACCESS_URL=${sf.url}`,
      `SNOWFLAKE_ACCOUNT=${sf.account}`,
      `SNOWFLAKE_USER=${SANDBOX.keyPairUser}`,
      `SNOWFLAKE_PRIVATE_KEY_PATH=${sandbox.privateKeyPath}`,
      `database ${SANDBOX.database}.${SANDBOX.schema}, warehouse ${SANDBOX.warehouse}, role ${SANDBOX.role}`,
      `admin: ${sf.url}/__emulator/health`,
    ],
    close: () => sf.close(),
  };
};

/** The emulators `npm run emulators` starts, in order. */
const starters: EmulatorStarter[] = [startDatabricks, startSnowflake];

async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const objectStoreRoot = resolve(env.D2S_OBJECT_STORE_DIR || '.d2s/object-store');
  await mkdir(objectStoreRoot, { recursive: true });
  const running: RunningEmulator[] = [];
  const stopAll = async () => {
    await Promise.allSettled(running.map((e) => e.close()));
  };
  try {
    for (const start of starters) running.push(await start(env, objectStoreRoot));
  } catch (error) {
    await stopAll();
    throw error;
  }
  console.log(`Object store (stands in for S3): ${objectStoreRoot}`);
  for (const e of running) {
    console.log(`\n${e.name} emulator:`);
    for (const line of e.connectHelp) console.log(`  ${line}`);
  }
  console.log('\nPress Ctrl+C to stop.');

  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: stopping emulators...`);
      stopAll().then(() => resolveStop());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
