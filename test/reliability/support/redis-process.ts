import { freePort, redisAnswers, sleep } from '@d2s/testkit';
import { type ManagedProcess, startProcess } from '../../../scripts/src/local-stack.js';

/**
 * A private redis-server that can be killed and started again on the same
 * port with the same data directory (AOF, fsync on every write), so clients
 * see an outage and then the same data back.
 */
export class RestartableRedis {
  #process: ManagedProcess | undefined;
  readonly outputs: string[] = [];

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(dir: string): Promise<RestartableRedis> {
    const redis = new RestartableRedis(await freePort(), dir);
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    if (this.#process && this.#process.child.exitCode === null && this.#process.child.signalCode === null) {
      throw new Error('redis-server is already running');
    }
    const child = startProcess('redis', 'redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      this.dir,
      '--maxmemory-policy',
      'noeviction',
    ]);
    this.#process = child;
    const deadline = Date.now() + 15_000;
    // Loading the AOF answers LOADING, not PONG: it waits for PONG.
    while (!(await redisAnswers(this.url))) {
      if (Date.now() > deadline || child.child.exitCode !== null) {
        child.child.kill('SIGKILL');
        throw new Error(`redis-server did not answer on ${this.port}:\n${child.output().slice(-2000)}`);
      }
      await sleep(50);
    }
  }

  /** Stops the server (SIGTERM: clean shutdown; SIGKILL: a crash) and waits for it to exit. */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.#process;
    if (!child) return;
    this.#process = undefined;
    child.child.kill(signal);
    await child.exited;
    this.outputs.push(child.output());
  }
}
