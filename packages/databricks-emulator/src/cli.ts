#!/usr/bin/env node
/**
 * `databricks-emulator`: runs one emulated Databricks workspace in the foreground until SIGINT/SIGTERM.
 * Flags override the environment variables named in `--help`.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { databricksConnectHelp } from './connect-help.js';
import { databricksEmulatorPort, sandboxFixturePath, startDatabricksEmulator } from './index.js';

const USAGE = `Usage: databricks-emulator [options]

Runs a local Databricks workspace (Jobs API, OAuth M2M, Unity Catalog, Iceberg REST)
until Ctrl+C. Export runs write Parquet under the object-store directory, which
stands in for S3 (s3://bucket/key is <dir>/bucket/key).

Options (environment variable in brackets):
  --host <addr>              address to listen on [D2S_EMULATOR_HOST] (default 127.0.0.1)
  --port <n>                 port, 0 for a free one [DATABRICKS_EMULATOR_PORT] (default 8801)
  --object-store-dir <dir>   the directory standing in for S3 [D2S_OBJECT_STORE_DIR]
                             (default .d2s/object-store under the current directory)
  --fixture <file.yaml>      the workspace: jobs, catalogs, tables, credentials [DATABRICKS_EMULATOR_FIXTURE]
                             (default: the sandbox fixture shipped with the package)
  --time-scale <x>           multiplies run durations, 0.1 = ten times faster [DATABRICKS_EMULATOR_TIME_SCALE]
                             (default 1)
  -h, --help                 print this and exit
`;

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'object-store-dir': { type: 'string' },
      fixture: { type: 'string' },
      'time-scale': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = databricksEmulatorPort({ DATABRICKS_EMULATOR_PORT: values.port ?? env.DATABRICKS_EMULATOR_PORT });
  const timeScaleText = values['time-scale'] ?? env.DATABRICKS_EMULATOR_TIME_SCALE;
  const timeScale = timeScaleText ? Number(timeScaleText) : 1;
  if (!Number.isFinite(timeScale) || timeScale < 0)
    throw new Error(`--time-scale is not a number >= 0: ${timeScaleText}`);
  const host = values.host ?? env.D2S_EMULATOR_HOST;
  const objectStoreRoot = resolve(values['object-store-dir'] ?? (env.D2S_OBJECT_STORE_DIR || '.d2s/object-store'));
  await mkdir(objectStoreRoot, { recursive: true });

  const dbx = await startDatabricksEmulator({
    ...(host ? { host } : {}),
    port,
    fixture: values.fixture ?? (env.DATABRICKS_EMULATOR_FIXTURE || sandboxFixturePath),
    objectStoreRoot,
    timeScale,
  });
  console.log(`Object store (stands in for S3): ${objectStoreRoot}`);
  console.log('\nDatabricks emulator:');
  for (const line of databricksConnectHelp(dbx)) console.log(`  ${line}`);
  console.log('\nPress Ctrl+C to stop.');

  const signal = await new Promise<NodeJS.Signals>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  console.log(`\n${signal}: stopping the Databricks emulator...`);
  await dbx.close();
}

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
