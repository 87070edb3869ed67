import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { freePort, redisAnswers, ROOT, waitFor } from '@d2s/testkit/local-services';

/**
 * Starts what a local run of d2s needs, as child processes: Redis (when none
 * answers), both emulators, the API and the workers. Used by the demo, the
 * benchmarks and the process-level tests (which kill and restart workers).
 */

export { freePort, redisAnswers, ROOT, waitFor };

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed (bounded), for error messages. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; echo?: (line: string) => void } = {},
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    buffer = (buffer + text).slice(-200_000);
    if (options.echo) for (const line of text.split('\n')) if (line.trim()) options.echo(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : null)));
    child.once('error', (error) => {
      buffer += `\n${error.message}`;
      resolveExit(127);
    });
  });
  return {
    name,
    child,
    output: () => buffer,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

export async function httpAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}

export interface RedisForRun {
  url: string;
  process?: ManagedProcess;
}

/** REDIS_URL (or the local default) when it answers; else a private redis-server with AOF in `dataDir`. */
export async function ensureRedis(env: NodeJS.ProcessEnv, dataDir: string): Promise<RedisForRun> {
  const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return { url };
  if (env.REDIS_URL) throw new Error(`REDIS_URL=${env.REDIS_URL} does not answer.`);
  const port = await freePort();
  const redis = startProcess('redis', 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dataDir,
    '--appendonly',
    'yes',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ]);
  const privateUrl = `redis://127.0.0.1:${port}`;
  try {
    await waitFor('redis-server', () => redisAnswers(privateUrl), 10_000, redis.output);
  } catch (error) {
    throw new Error(
      `No Redis answers at ${url} and a private redis-server could not start (install it: apt-get install redis-server, or set REDIS_URL).\n${(error as Error).message}`,
      { cause: error },
    );
  }
  return { url: privateUrl, process: redis };
}

export const SERVICES = {
  api: 'apps/api/dist/main.js',
  'export-worker': 'apps/export-worker/dist/main.js',
  'import-worker': 'apps/import-worker/dist/main.js',
  'mirror-worker': 'apps/mirror-worker/dist/main.js',
} as const;
export type ServiceName = keyof typeof SERVICES;

export function startService(name: ServiceName, env: NodeJS.ProcessEnv, echo?: (line: string) => void): ManagedProcess {
  return startProcess(name, process.execPath, [SERVICES[name]], { env, ...(echo ? { echo } : {}) });
}
