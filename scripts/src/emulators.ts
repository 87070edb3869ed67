/**
 * `npm run emulators`: runs both local stand-ins in one process, in the foreground until SIGINT/SIGTERM,
 * over one object-store directory (the Parquet a Databricks export writes is what a Snowflake stage lists).
 * Each emulator is also a package with its own command (`packages/databricks-emulator/dist/cli.js`,
 * `packages/snowflake-emulator/dist/cli.js`); this launcher only starts the two together.
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
import {
  databricksConnectHelp,
  databricksEmulatorPort,
  sandboxFixturePath,
  startDatabricksEmulator,
} from '@d2s/databricks-emulator';
import { snowflakeSandboxConnectHelp, startSnowflakeSandbox } from '@d2s/snowflake-emulator';

/** One running emulator, as the launcher sees it. */
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
  return { name: 'Databricks', connectHelp: databricksConnectHelp(dbx), close: () => dbx.close() };
};

const startSnowflake: EmulatorStarter = async (env, objectStoreRoot) => {
  const sandbox = await startSnowflakeSandbox({
    ...(env.D2S_EMULATOR_HOST ? { host: env.D2S_EMULATOR_HOST } : {}),
    ...(env.SNOWFLAKE_EMULATOR_PORT ? { port: Number(env.SNOWFLAKE_EMULATOR_PORT) } : {}),
    objectStoreRoot,
    dataDir: resolve(env.D2S_EMULATOR_DATA_DIR || '.d2s/sandbox'),
  });
  return {
    name: 'Snowflake',
    connectHelp: snowflakeSandboxConnectHelp(sandbox),
    close: () => sandbox.emulator.close(),
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
