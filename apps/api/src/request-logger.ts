import type { Logger } from '@d2s/shared';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<Logger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<Logger['child']>[1]>;
type ChildLogger = ReturnType<Logger['child']>;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];
type LogMethod = Logger[Level];

/**
 * A request's logger that becomes a real pino child only when the request
 * logs something its level lets through.
 *
 * Fastify makes a child logger for every request (to bind the request id).
 * pino runs its redaction over a child's bindings when it makes it, and the
 * process logger redacts 19 secret names at four depths: at `warn` (where a
 * busy API usually runs, logging nothing for a good request) that was about
 * 6% of the API's CPU under load for lines never written. A line that is
 * written is unchanged: same child, same bindings, same redaction.
 */
export class LazyRequestLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: ChildLogger | undefined;

  declare trace: LogMethod;
  declare debug: LogMethod;
  declare info: LogMethod;
  declare warn: LogMethod;
  declare error: LogMethod;
  declare fatal: LogMethod;

  constructor(parent: Logger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  /** The real child logger, made on first use. */
  get logger(): ChildLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): ChildLogger {
    return this.logger.child(bindings, options);
  }

  bindings(): Bindings {
    return this.logger.bindings();
  }

  silent(): void {}
}

for (const level of LEVELS) {
  Object.defineProperty(LazyRequestLogger.prototype, level, {
    value: function log(this: LazyRequestLogger, ...args: Parameters<LogMethod>) {
      if (!this.isLevelEnabled(level)) return;
      (this.logger[level] as (...a: unknown[]) => void)(...args);
    },
  });
}

/**
 * Fastify's `childLoggerFactory`: a lazy child, or a real one straight away
 * when the route sets its own log level or serializers (those change what the
 * child lets through, which only the real child knows).
 */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => {
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options);
  // The parent is the process's pino logger (buildServer's loggerInstance), so the lazy child is one too.
  return new LazyRequestLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger;
};
