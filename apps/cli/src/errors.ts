/** What `d2s` exits with, for scripts. `d2s --help` lists them. */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** The sync or mirror run it waited for finished failed or canceled. */
  runFailed: 1,
  /** Bad command, flags or arguments: nothing was sent. */
  usage: 2,
  /** The API refused the request with a 4xx (its error code and message are printed). */
  rejected: 3,
  /** The API could not be reached, answered 5xx, or no token was given. */
  unavailable: 4,
  /** Interrupted (Ctrl-C) while waiting; the run itself goes on. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base of every error the CLI reports itself: it knows its exit code. */
export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line: the message says what, `hint` names the help to read. */
export class UsageError extends CliError {
  readonly exitCode = EXIT.usage;
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.hint = hint;
  }
}

/** The API answered a 4xx with its coded error body. */
export class ApiRejectedError extends CliError {
  readonly exitCode = EXIT.rejected;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The API answered a 5xx (Redis down, upstream failure, internal error). */
export class ApiServerError extends CliError {
  readonly exitCode = EXIT.unavailable;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No answer at all: connection refused, DNS, timeout, a stream cut short. */
export class ApiUnreachableError extends CliError {
  readonly exitCode = EXIT.unavailable;

  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No token: neither --token nor D2S_API_TOKEN. */
export class AuthMissingError extends CliError {
  readonly exitCode = EXIT.unavailable;

  constructor() {
    super('No API token: pass --token <token> or set D2S_API_TOKEN.');
  }
}

/** Waiting was interrupted (Ctrl-C). */
export class InterruptedError extends CliError {
  readonly exitCode = EXIT.interrupted;
}
