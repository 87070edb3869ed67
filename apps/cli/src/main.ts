#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { runCli } from './cli.js';
import { runLocalDoctor } from './local-doctor.js';

// The entry point: the only file that reads process.env and argv, handles signals and sets the exit code.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// `d2s syncs ls | head`: a reader that goes away early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const interrupt = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // The first Ctrl-C stops waiting (the sync or run goes on); a second one exits at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  interrupt.abort();
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  version,
  signal: interrupt.signal,
  writeFile: (path, text) => writeFile(path, text, 'utf8'),
  localDoctor: (options) => runLocalDoctor({ env: process.env, cwd: process.cwd() }, options),
});
