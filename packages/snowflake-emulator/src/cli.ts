#!/usr/bin/env node
/**
 * `snowflake-emulator`: runs the sandbox Snowflake account in the foreground until SIGINT/SIGTERM.
 * Flags override the environment variables named in `--help`.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { snowflakeSandboxConnectHelp } from './connect-help.js';
import { startSnowflakeSandbox } from './sandbox.js';

const USAGE = `Usage: snowflake-emulator [options]

Runs a local Snowflake account that the unmodified snowflake-sdk driver connects to
(accessUrl = the printed URL), until Ctrl+C. Data is in memory; stages read the
object-store directory, which stands in for S3 (s3://bucket/key is <dir>/bucket/key).
The sandbox account SANDBOX has key-pair user D2S_SANDBOX (key generated under
<data-dir>/keys/ on first start) and password user D2S_DEV.

Options (environment variable in brackets):
  --host <addr>              address to listen on [D2S_EMULATOR_HOST] (default 127.0.0.1)
  --port <n>                 port, 0 for a free one [SNOWFLAKE_EMULATOR_PORT] (default 8802)
  --object-store-dir <dir>   the directory standing in for S3 [D2S_OBJECT_STORE_DIR]
                             (default .d2s/object-store under the current directory)
  --data-dir <dir>           where the sandbox key pair is kept [D2S_EMULATOR_DATA_DIR]
                             (default .d2s/sandbox under the current directory)
  -h, --help                 print this and exit
`;

function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (text === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} is not a port: ${text}`);
  return port;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'object-store-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port =
    values.port !== undefined
      ? parsePort(values.port, '--port')
      : env.SNOWFLAKE_EMULATOR_PORT
        ? parsePort(env.SNOWFLAKE_EMULATOR_PORT, 'SNOWFLAKE_EMULATOR_PORT')
        : undefined;
  const host = values.host ?? env.D2S_EMULATOR_HOST;
  const objectStoreRoot = resolve(values['object-store-dir'] ?? (env.D2S_OBJECT_STORE_DIR || '.d2s/object-store'));
  await mkdir(objectStoreRoot, { recursive: true });

  const sandbox = await startSnowflakeSandbox({
    ...(host ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    objectStoreRoot,
    dataDir: resolve(values['data-dir'] ?? (env.D2S_EMULATOR_DATA_DIR || '.d2s/sandbox')),
  });
  console.log(`Object store (stands in for S3): ${objectStoreRoot}`);
  console.log('\nSnowflake emulator:');
  for (const line of snowflakeSandboxConnectHelp(sandbox)) console.log(`  ${line}`);
  console.log('\nPress Ctrl+C to stop.');

  const signal = await new Promise<NodeJS.Signals>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  console.log(`\n${signal}: stopping the Snowflake emulator...`);
  await sandbox.emulator.close();
}

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
