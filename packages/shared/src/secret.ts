import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential held in memory. It prints, logs and serialises as `[redacted]`,
 * so a secret cannot leak through `JSON.stringify`, pino, `console.log` or an
 * error message by accident; code that needs the value calls `reveal()`.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}
