import { type ChildProcess, spawn } from 'node:child_process';
import { sleep } from '@d2s/shared/clock';
import { freePort, redisAnswers as answers } from './local-services.js';

export interface TestRedis {
  url: string;
  /** True when this run started its own redis-server (stopped by `stop`). */
  owned: boolean;
  stop(): Promise<void>;
}

const HOW_TO_GET_REDIS =
  'Tests need Redis. Either set REDIS_URL to a reachable Redis (noeviction policy), or install redis-server (Debian: apt-get install -y redis-server) so the tests can start a private one.';

/**
 * Redis for a test run: `REDIS_URL` (or the local default) when it answers,
 * else a private `redis-server` on a free port that lives for the run.
 */
export async function startTestRedis(env: NodeJS.ProcessEnv = process.env): Promise<TestRedis> {
  const candidate = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answers(candidate)) return { url: candidate, owned: false, stop: async () => {} };
  if (env.REDIS_URL) {
    // An explicit URL that does not answer is a mistake worth stopping for.
    throw new Error(`REDIS_URL=${env.REDIS_URL} does not answer. ${HOW_TO_GET_REDIS}`);
  }
  return spawnRedisServer();
}

export async function spawnRedisServer(extraArgs: string[] = []): Promise<TestRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      ...extraArgs,
    ],
    { stdio: 'ignore' },
  );
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`Cannot start redis-server: ${error.message}. ${HOW_TO_GET_REDIS}`)),
    );
  });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await Promise.race([answers(url), spawnError]))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on port ${port} within 10 s. ${HOW_TO_GET_REDIS}`);
    }
    await sleep(50);
  }
  return {
    url,
    owned: true,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
