/** Where text goes: process.stdout / process.stderr, or a test's collector. */
export interface TextSink {
  write(text: string): unknown;
  /** A terminal: progress redraws one line and colours are on. */
  isTTY?: boolean;
  columns?: number;
}

const COLORS = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, dim: 2, bold: 1 } as const;
export type Color = keyof typeof COLORS;

/**
 * The CLI's output: results on stdout, errors and progress on stderr. Colour
 * only when stdout is a terminal and NO_COLOR is not set.
 */
export class Output {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly color: boolean;

  constructor(stdout: TextSink, stderr: TextSink, options: { color?: boolean } = {}) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.color = options.color ?? false;
  }

  /** Result lines (a trailing newline is added to each). */
  print(...lines: string[]): void {
    for (const line of lines) this.stdout.write(`${line}\n`);
  }

  /** Raw JSON on stdout, pretty-printed. */
  json(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Errors, warnings and notes on stderr. */
  note(...lines: string[]): void {
    for (const line of lines) this.stderr.write(`${line}\n`);
  }

  paint(text: string, color: Color): string {
    return this.color ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;
  }
}

/** What stdout and stderr wrote, for tests and for `main` in-process callers. */
export class CapturedSink implements TextSink {
  text = '';
  isTTY: boolean;
  columns: number;

  constructor(options: { isTTY?: boolean; columns?: number } = {}) {
    this.isTTY = options.isTTY ?? false;
    this.columns = options.columns ?? 100;
  }

  write(text: string): boolean {
    this.text += text;
    return true;
  }
}
