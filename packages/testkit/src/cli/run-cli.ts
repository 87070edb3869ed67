import { CapturedSink, type CliDeps, runCli } from '@d2s/cli';
import { sleep } from '@d2s/shared/clock';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `d2s argv…` in this process with captured stdout/stderr (not terminals unless asked). */
export async function runD2s(
  argv: string[],
  options: Partial<Omit<CliDeps, 'stdout' | 'stderr'>> & { tty?: boolean } = {},
): Promise<CliResult> {
  const { tty, ...deps } = options;
  const stdout = new CapturedSink({ isTTY: tty ?? false });
  const stderr = new CapturedSink({ isTTY: tty ?? false });
  const code = await runCli(argv, {
    version: '9.9.9-test',
    sleep: (ms) => sleep(Math.min(ms, 50)),
    pollMs: 100,
    ...deps,
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A fetch that fails the test if the CLI sends anything. */
export const noNetwork: typeof fetch = async (input) => {
  throw new Error(`unexpected request to ${String(input)}`);
};
