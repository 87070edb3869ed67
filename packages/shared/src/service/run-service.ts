import type { Logger } from 'pino';
import { type D2sConfig, type Env, loadConfig } from '../config/load-config.js';
import { isD2sError } from '../errors.js';
import { createLogger } from '../logging/logger.js';

export interface ServiceContext {
  config: D2sConfig;
  logger: Logger;
  /**
   * Ends the process with exit code 1 at once, for a state it cannot leave by itself (a stuck fetch loop): no
   * graceful stop, which would wait on the very thing that hangs. The supervisor (compose's restart policy,
   * Kubernetes, systemd) starts it afresh; jobs it held are taken over once their locks lapse.
   */
  crash(reason: string, details?: Record<string, unknown>): void;
}

/** What a started service hands back: how to stop it gracefully. */
export interface RunningService {
  /** Stop taking work, finish or hand back what is in flight, close connections. */
  stop(reason: string): Promise<void>;
}

export interface RunServiceOptions {
  name: string;
  start(context: ServiceContext): Promise<RunningService>;
  /** Past this, a stop that has not finished is abandoned and the process exits 1. */
  shutdownTimeoutMs?: number;
  env?: Env;
}

/**
 * The one place a process reads its configuration and handles signals. An
 * invalid config prints one clear message and exits 1 before anything
 * connects; SIGTERM/SIGINT stop the service once and exit 0.
 */
export async function runService(options: RunServiceOptions): Promise<void> {
  let config: D2sConfig;
  try {
    config = loadConfig({ env: options.env ?? process.env });
  } catch (error) {
    process.stderr.write(`${options.name}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, service: options.name });

  // Signals are handled from here on, not only once started: a SIGTERM that arrives while the service is
  // still connecting waits for the start to finish and then stops it cleanly, instead of killing it.
  let running: RunningService | undefined;
  let pendingSignal: string | undefined;
  const onSignal = (signal: string) => {
    if (running) void stop(signal);
    else pendingSignal ??= signal;
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  let crashing = false;
  const crash = (reason: string, details: Record<string, unknown> = {}) => {
    if (crashing) return;
    crashing = true;
    logger.fatal(details, `${options.name} exits: ${reason}`);
    void flush(logger).finally(() => process.exit(1));
  };

  try {
    running = await options.start({ config, logger, crash });
  } catch (error) {
    logger.fatal({ err: error, ...(isD2sError(error) ? { code: error.code } : {}) }, `${options.name} failed to start`);
    await flush(logger);
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, `${options.name} stopping`);
    const timeout = setTimeout(() => {
      logger.error({ signal }, `${options.name} did not stop within ${options.shutdownTimeoutMs ?? 30_000} ms`);
      process.exit(1);
    }, options.shutdownTimeoutMs ?? 30_000);
    timeout.unref();
    try {
      await (running as RunningService).stop(signal);
      logger.info(`${options.name} stopped`);
      await flush(logger);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, `${options.name} failed to stop cleanly`);
      await flush(logger);
      process.exit(1);
    }
  };
  if (pendingSignal) await stop(pendingSignal);
}

function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
